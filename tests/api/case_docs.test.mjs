// case_docs.test.mjs: a case is read from its read copy (case_docs, migration
// 0024): its values exactly as its parts (facts, sealed records, who recorded
// each consent) give them, sealed with the case's data key, remade by every
// write, never in clear, bound to its case, not used when made under another
// field registry, made once for older cases when a server starts, and gone
// with erasure.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, storedBytes, BACKEND } from './lib.mjs';

const CASE = { status: 'Active', purpose: 'ProtectionAndAssistance', legal_basis: 'Consent' };

describe(`[${BACKEND}] the read copy of a case`, () => {
  let server, cm;
  const refs = {};

  const sql = (q) => server.sql(q);
  const idOf = (ref) => sql(`SELECT id FROM cases WHERE ref = '${ref}'`);
  const read = async (ref) => {
    const r = await cm.get(`/cases/${ref}`);
    assert.equal(r.status, 200, r.text);
    return r.json;
  };
  // A read from the copy, then from the parts alone (the copy deleted): the same answer.
  const sameFromParts = async (ref, what) => {
    const id = idOf(ref);
    assert.equal(sql(`SELECT COUNT(*) FROM case_docs WHERE case_id = '${id}'`), '1', `${what}: a copy`);
    const fromCopy = await read(ref);
    sql(`DELETE FROM case_docs WHERE case_id = '${id}'`);
    assert.deepEqual(await read(ref), fromCopy, `${what}: the parts give the same case`);
    return fromCopy;
  };
  const restart = async () => {
    await server.restart();
    cm = await server.as('casemanager');
  };

  before(async () => {
    server = await startServer();
    cm = await server.as('casemanager');
    const bodies = {
      a: {
        person: { given_name: 'ليلى', given_name_latin: 'Leila', family_name_latin: 'Marouvska', citizenship: ['SY'] },
        victim: { trafficking_status: 'PossibleVictimOfTrafficking', exploitation_types: ['SexualExploitation', 'ForcedLabour'] },
        events: [{ type: 'Recruitment', country: 'SY', city: 'Homs' }, { type: 'Exploitation', country: 'LB' }],
        case: CASE,
      },
      b: { person: { given_name_latin: 'Noor', family_name_latin: 'Tabakov' }, case: CASE },
    };
    for (const [k, body] of Object.entries(bodies)) {
      const r = await cm.post('/cases', body);
      assert.equal(r.status, 201, r.text);
      refs[k] = r.json.ref;
    }
  });
  after(async () => {
    if (server) await server.stop();
  });

  test('a new case has its copy, sealed: it reads the same as its parts, and holds no clear text', async () => {
    const haystack = storedBytes(server);
    for (const n of ['Marouvska', 'Tabakov', 'ليلى'])
      assert.equal(haystack.indexOf(Buffer.from(n)), -1, `"${n}" found in the database`);
    const kase = await sameFromParts(refs.a, 'create');
    assert.equal(kase.person.family_name_latin, 'Marouvska');
    assert.deepEqual(kase.victim.exploitation_types, ['SexualExploitation', 'ForcedLabour'], 'a list keeps its order');
    assert.equal(kase.events[0].city, 'Homs');
    assert.equal(kase.events.length, 2);
  });

  test('every write remakes the copy: edit, consent given, consent withdrawn', async () => {
    let cur = await read(refs.a);
    let r = await cm.patch(`/cases/${refs.a}`, { version: cur.version, person: { family_name_latin: 'Orlova' }, victim: { exploitation_types: ['Servitude'] } });
    assert.equal(r.status, 200, r.text);
    cur = await sameFromParts(refs.a, 'edit');
    assert.equal(cur.person.family_name_latin, 'Orlova');
    assert.deepEqual(cur.victim.exploitation_types, ['Servitude']);

    r = await cm.post(`/cases/${refs.a}/consents`, { purpose: 'services', given: true, date: '2026-11-01' });
    assert.equal(r.status, 201, r.text);
    cur = await sameFromParts(refs.a, 'consent');
    const me = (await cm.get('/me')).json;
    assert.equal(cur.consents[0].recorded_by, me.id, 'who recorded the consent is in the copy');
    assert.ok(cur.consents[0].recorded_at > 0);

    r = await cm.post(`/cases/${refs.a}/consents/0/withdraw`, { date: '2026-11-20' });
    assert.equal(r.status, 200, r.text);
    cur = await sameFromParts(refs.a, 'withdrawal');
    assert.equal(cur.consents[0].withdrawn_date, '2026-11-20');
  });

  test('a read answers from the copy; a copy made under another registry is passed over for the parts', async () => {
    let cur = await read(refs.b);
    const e = await cm.patch(`/cases/${refs.b}`, { version: cur.version, case: { status: 'FollowUp' } });
    assert.equal(e.status, 200, e.text);
    const id = idOf(refs.b);
    // A plain fact changed behind the server's back: the copy still answers what was written.
    sql(`UPDATE case_facts SET value = 'Tampered' WHERE case_id = '${id}' AND entity = 'case' AND key = 'purpose'`);
    assert.equal((await read(refs.b)).case.purpose, 'ProtectionAndAssistance');
    sql(`UPDATE case_docs SET registry = 'another' WHERE case_id = '${id}'`);
    assert.equal((await read(refs.b)).case.purpose, 'Tampered', 'the parts are read');
    sql(`UPDATE case_facts SET value = 'ProtectionAndAssistance' WHERE case_id = '${id}' AND entity = 'case' AND key = 'purpose'`);
  });

  test('a copy moved onto another case does not open there, and is refused', async () => {
    const cur = await read(refs.a);   // the test above read it from its parts: an edit makes its copy again
    assert.equal((await cm.patch(`/cases/${refs.a}`, { version: cur.version, case: { status: 'FollowUp' } })).status, 200);
    const a = idOf(refs.a), b = idOf(refs.b);
    sql(`UPDATE case_docs SET doc = (SELECT doc FROM case_docs WHERE case_id = '${a}'),
         registry = (SELECT registry FROM case_docs WHERE case_id = '${a}') WHERE case_id = '${b}'`);
    const r = await cm.get(`/cases/${refs.b}`);
    assert.equal(r.status, 500);
    assert.doesNotMatch(r.text, /Orlova|ليلى/);
  });

  test('copies are made once at start for cases without one, and again after a registry change', async () => {
    const total = Number(sql('SELECT COUNT(*) FROM cases WHERE dek IS NOT NULL'));
    assert.ok(total >= 2);
    sql('DELETE FROM case_docs');
    sql("DELETE FROM settings WHERE key = 'case_docs'");
    await restart();
    assert.match(server.stderr, new RegExp(`read copies made for ${total} of ${total} cases`));
    assert.equal(sql('SELECT COUNT(*) FROM case_docs'), String(total));
    assert.equal((await read(refs.b)).person.family_name_latin, 'Tabakov', 'the moved copy of the test above is remade');
    await restart();
    assert.doesNotMatch(server.stderr, /read copies made/, 'nothing left to make');

    // A folder last opened by an ihala with another registry: its copies are made again.
    const fp = sql("SELECT value FROM settings WHERE key = 'case_docs'");
    assert.match(fp, /^[0-9a-f]{32}$/);
    sql("UPDATE settings SET value = 'older' WHERE key = 'case_docs'");
    sql(`UPDATE case_docs SET registry = 'older' WHERE case_id = '${idOf(refs.a)}'`);
    await restart();
    assert.match(server.stderr, /read copies made for 1 of 1 cases/);
    assert.equal(sql(`SELECT COUNT(*) FROM case_docs WHERE registry = '${fp}'`), String(total));
  });

  test('erasure deletes the copy with the key', async () => {
    const id = idOf(refs.a);
    assert.equal((await cm.del(`/cases/${refs.a}`)).status, 204);
    assert.equal(sql(`SELECT COUNT(*) FROM case_docs WHERE case_id = '${id}'`), '0');
    assert.equal((await cm.get(`/cases/${refs.a}`)).status, 404);
  });
});
