// demo.test.mjs: `ihala init --demo` records a few hundred synthetic cases
// (src/cli/demo_cases.c) through the same path as real ones: the case manager
// finds them by a name token in either script, the first responder sees only
// the cases they recorded, the analyst sees none.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, BACKEND } from './lib.mjs';

// Given names from the demonstration lists, in Latin letters and in Arabic script.
const LATIN = ['Tigist', 'Maricel', 'Mercy', 'Rehana', 'Sita', 'Nirmala', 'Blessing', 'Dewi', 'Rajesh', 'Khadija'];
const ARABIC = ['خديجة', 'منى', 'رزان', 'يوسف', 'أحمد', 'ياسر', 'هشام', 'سناء'];

async function search(client, q) {
  const r = await client.get('/cases', { query: { q } });
  assert.equal(r.status, 200, `search ${q}: ${r.text}`);
  return r.json.items;
}

describe(`[${BACKEND}] demonstration cases`, () => {
  let server, cm, responder;

  before(async () => {
    server = await startServer();
    cm = await server.as('casemanager');
    responder = await server.as('responder');
  });
  after(async () => {
    if (server) await server.stop();
  });

  test('the case manager finds demonstration cases by a Latin name token', async () => {
    let found = 0;
    for (const q of LATIN) {
      const items = await search(cm, q);
      found += items.length;
      if (!items.length) continue;
      const g = await cm.get(`/cases/${items[0].ref}`);
      assert.equal(g.status, 200, g.text);
      assert.equal(typeof g.json.person.given_name_latin, 'string');
      assert.ok(g.json.person.given_name_latin.length > 0);
      assert.deepEqual(Object.keys(g.json.person).includes('citizenship'), true);
      assert.ok(g.json.victim && g.json.victim.trafficking_status, 'a victim part');
      assert.ok(Array.isArray(g.json.events) && g.json.events.length >= 1, 'at least one event');
      assert.ok(Array.isArray(g.json.consents) && g.json.consents.length >= 1, 'a consent');
    }
    assert.ok(found >= 5, `only ${found} cases found by ${LATIN.join(', ')}`);
  });

  test('Arabic names are kept with their Latin twins and found in either script', async () => {
    let checked = 0;
    for (const q of ARABIC) {
      const items = await search(cm, q);
      for (const it of items.slice(0, 2)) {
        const g = await cm.get(`/cases/${it.ref}`);
        assert.equal(g.status, 200, g.text);
        const p = g.json.person;
        assert.match(p.given_name, /[\u0600-\u06FF]/, 'given name in Arabic script');
        assert.match(p.given_name_latin, /^[A-Za-z' -]+$/, 'and its Latin twin');
        const back = await search(cm, p.given_name_latin);
        assert.ok(back.some((x) => x.ref === it.ref), `found again by ${p.given_name_latin}`);
        checked++;
      }
    }
    assert.ok(checked >= 3, `only ${checked} Arabic-script cases checked`);
  });

  test('the responder sees only their own cases; the analyst none', async () => {
    const cmRefs = new Set();
    const ownRefs = new Set();
    for (const q of LATIN) {
      for (const it of await search(cm, q)) cmRefs.add(it.ref);
      for (const it of await search(responder, q)) ownRefs.add(it.ref);
    }
    assert.ok(cmRefs.size > 0 && ownRefs.size > 0, `case manager ${cmRefs.size}, responder ${ownRefs.size}`);
    for (const ref of ownRefs) assert.ok(!cmRefs.has(ref), `${ref} seen by both organisations`);
    const own = [...ownRefs][0];
    assert.equal((await responder.get(`/cases/${own}`)).status, 200);
    assert.equal((await cm.get(`/cases/${own}`)).status, 404);
    const theirs = [...cmRefs][0];
    assert.equal((await responder.get(`/cases/${theirs}`)).status, 404);

    const analyst = await server.as('analyst');
    assert.equal((await analyst.get(`/cases/${theirs}`)).status, 403);
    assert.equal((await analyst.get('/cases', { query: { q: LATIN[0] } })).status, 403);
  });
});
