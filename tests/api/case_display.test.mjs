// case_display.test.mjs: the name a case list shows is sealed beside the
// case's row (cases.display, migration 0022) so that a page of results opens
// one row per case. It follows edits, is never stored in clear, goes with
// erasure, and a folder whose cases predate it has their names sealed once
// when the server starts. A row without it still shows the person's name.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, storedBytes, BACKEND } from './lib.mjs';

const CASE = { status: 'Active', purpose: 'ProtectionAndAssistance', legal_basis: 'Consent' };

describe(`[${BACKEND}] the list name sealed beside the case`, () => {
  let server, cm;
  const refs = {};

  const sql = (q) => server.sql(q);
  const idOf = (ref) => sql(`SELECT id FROM cases WHERE ref = '${ref}'`);
  const listName = async (q, ref) => {
    const r = await cm.get('/cases', { query: { q } });
    assert.equal(r.status, 200, r.text);
    const it = r.json.items.find((x) => x.ref === ref);
    return it ? it.name : undefined;
  };
  const restart = async () => {
    await server.restart();
    cm = await server.as('casemanager');
  };

  before(async () => {
    server = await startServer();
    cm = await server.as('casemanager');
    const bodies = {
      a: { given_name: 'فاطمة', given_name_latin: 'Fatima', family_name: 'دروفيتش', family_name_latin: 'Drovitch' },
      b: { given_name_latin: 'Amina', middle_name_latin: 'Kel', family_name_latin: 'Drovitch' },
      none: { gender: 'Feminine' },
    };
    for (const [k, person] of Object.entries(bodies)) {
      const r = await cm.post('/cases', { person, case: CASE });
      assert.equal(r.status, 201, r.text);
      refs[k] = r.json.ref;
    }
  });
  after(async () => {
    if (server) await server.stop();
  });

  test('a new case carries its sealed list name, and the list shows it', async () => {
    assert.equal(await listName('Fatima Drovitch', refs.a), 'فاطمة دروفيتش (Fatima Drovitch)');
    assert.equal(await listName('Amina', refs.b), 'Amina Kel Drovitch');
    assert.equal(await listName(refs.none, refs.none), '', 'a person without a name: an empty name');
    for (const k of Object.keys(refs)) {
      const n = Number(sql(`SELECT length(display) FROM cases WHERE ref = '${refs[k]}'`));
      assert.ok(n >= 45, `${k}: a sealed value (overhead 45 bytes), got ${n}`);
    }
    const haystack = storedBytes(server);
    for (const n of ['Drovitch', 'دروفيتش', 'Amina Kel'])
      assert.equal(haystack.indexOf(Buffer.from(n)), -1, `"${n}" found in the database`);
  });

  test('an edit of the person changes the list name', async () => {
    const cur = (await cm.get(`/cases/${refs.b}`)).json;
    const r = await cm.patch(`/cases/${refs.b}`, { version: cur.version, person: { middle_name_latin: null, family_name_latin: 'Sorel' } });
    assert.equal(r.status, 200, r.text);
    assert.equal(await listName('Amina', refs.b), 'Amina Sorel');
    assert.equal(await listName(refs.b, refs.b), 'Amina Sorel', 'by reference too');
  });

  test('a row without a sealed name shows the name of its person record', async () => {
    sql(`UPDATE cases SET display = NULL WHERE ref = '${refs.a}'`);
    assert.equal(await listName('Fatima Drovitch', refs.a), 'فاطمة دروفيتش (Fatima Drovitch)');
  });

  test('the names of cases written before the column are sealed once when the server starts', async () => {
    const page = async () => (await cm.get('/cases', { query: { limit: 100 } })).json.items;
    const before = await page();
    assert.ok(before.length >= 3);
    const total = Number(sql('SELECT COUNT(*) FROM cases WHERE dek IS NOT NULL'));
    sql('UPDATE cases SET display = NULL');
    await restart();
    assert.match(server.stderr, new RegExp(`list names sealed for ${total} of ${total} cases`));
    assert.equal(sql('SELECT COUNT(*) FROM cases WHERE display IS NULL AND dek IS NOT NULL'), '0');
    assert.deepEqual(await page(), before, 'the same names as before');
    await restart();
    assert.doesNotMatch(server.stderr, /list names sealed/, 'nothing left to seal');
  });

  test('a sealed name that does not open under its own case is refused, not shown', async () => {
    // Moving one case's sealed name onto another case's row: it is bound to its case.
    sql(`UPDATE cases SET display = (SELECT display FROM cases WHERE ref = '${refs.a}') WHERE ref = '${refs.b}'`);
    const r = await cm.get('/cases', { query: { q: 'Amina' } });
    assert.equal(r.status, 500);
    assert.doesNotMatch(r.text, /Fatima|فاطمة/);
    const cur = (await cm.get(`/cases/${refs.b}`)).json;
    const e = await cm.patch(`/cases/${refs.b}`, { version: cur.version, case: { status: 'Active' } });
    assert.equal(e.status, 200, e.text);
    assert.equal(await listName('Amina', refs.b), 'Amina Sorel', 'an edit seals it again');
  });

  test('erasure removes the sealed name with the key', async () => {
    const id = idOf(refs.a);
    assert.equal((await cm.del(`/cases/${refs.a}`)).status, 204);
    assert.equal(sql(`SELECT COUNT(*) FROM cases WHERE id = '${id}' AND display IS NULL AND dek IS NULL`), '1');
  });
});
