// cases.test.mjs: recording a case, reading it, finding it by a name token
// in either script, by document number and by reference, who may see it,
// erasure, and that nothing identifying is stored in clear.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, BACKEND, errCode, listAll, storedBytes } from './lib.mjs';

const PERSON = {
  given_name: 'فاطمة',
  given_name_latin: 'Fatima',
  family_name: 'الزهراء',
  family_name_latin: 'Al-Zahraa',
  birth_date: '1999-04-12',
  gender: 'Female',
  citizenship: ['ET'],
  document_number: 'EP 4471-9920',
};
const NARRATIVE = 'Recruited with a promise of hotel work, kept in a house in Manama';
const CASE = {
  person: PERSON,
  victim: { trafficking_status: 'Presumed', exploitation_types: ['DomesticServitude'], narrative: NARRATIVE },
  case: { status: 'Active', purpose: 'Assistance' },
};

describe(`[${BACKEND}] cases`, () => {
  let server, cm, responder, ref;

  before(async () => {
    server = await startServer();
    cm = await server.as('casemanager');
    responder = await server.as('responder');
  });
  after(async () => {
    if (server) await server.stop();
  });

  test('the schema is served to signed-in users', async () => {
    const r = await cm.get('/schema');
    assert.equal(r.status, 200);
    const names = r.json.entities.map((e) => e.name);
    for (const e of ['person', 'victim', 'case', 'event', 'consent', 'comment']) assert.ok(names.includes(e), e);
    assert.equal((await server.client().get('/schema')).status, 401);
  });

  test('a case manager records a case and reads it back', async () => {
    const schema = (await cm.get('/schema')).json;
    // Use choice values the registry really has, whatever their spelling.
    const pick = (entity, key) => schema.entities.find((e) => e.name === entity).fields.find((f) => f.key === key);
    const body = structuredClone(CASE);
    body.victim.trafficking_status = pick('victim', 'trafficking_status').choices[0].value;
    body.victim.exploitation_types = [pick('victim', 'exploitation_types').choices[0].value];
    body.case.status = pick('case', 'status').choices.find((c) => c.value === 'Active').value;
    body.case.purpose = pick('case', 'purpose').choices[0].value;
    body.person.gender = pick('person', 'gender').choices[0].value;
    CASE.victim = body.victim;
    CASE.case = body.case;
    CASE.person = body.person;
    const r = await cm.post('/cases', body);
    assert.equal(r.status, 201, r.text);
    ref = r.json.ref;
    assert.match(ref, /^BH-\d{4}-\d{5}$/);
    assert.equal(r.json.version, 1);
    const g = await cm.get(`/cases/${ref}`);
    assert.equal(g.status, 200);
    assert.equal(g.json.person.given_name, 'فاطمة');
    assert.equal(g.json.person.document_number, PERSON.document_number);
    assert.deepEqual(g.json.person.citizenship, ['ET']);
    assert.equal(g.json.victim.narrative, NARRATIVE);
    assert.equal(g.json.status, 'Active');
    assert.ok(!('id' in g.json), 'no internal id is exposed');
  });

  test('the CTDC age band is derived by the server, from the birth date or the estimated age', async () => {
    const bands = [[0, 8], [9, 17], [18, 20], [21, 23], [24, 26], [27, 29], [30, 38], [39, 47]];
    const band = (age) => { for (const [a, b] of bands) if (age >= a && age <= b) return `${a}-${b}`; return '48+'; };
    const now = new Date();
    let age = now.getUTCFullYear() - 1999;
    if (now.getUTCMonth() + 1 < 4 || (now.getUTCMonth() + 1 === 4 && now.getUTCDate() < 12)) age--;
    const g = await cm.get(`/cases/${ref}`);
    assert.equal(g.json.person.age_band, band(age), 'from birth_date 1999-04-12');
    // From an estimated age; a band sent by the client is ignored.
    const r = await cm.post('/cases', { person: { given_name_latin: 'Estimated', estimated_age: 16, age_band: '48+' }, case: CASE.case });
    assert.equal(r.status, 201, r.text);
    assert.equal(r.json.person.age_band, '9-17');
    assert.equal((await cm.del(`/cases/${r.json.ref}`)).status, 204);
    const schema = (await cm.get('/schema')).json;
    const f = schema.entities.find((e) => e.name === 'person').fields.find((x) => x.key === 'age_band');
    assert.equal(f.derived, true);
    assert.equal(f.stat, true);
  });

  test('a list field keeps the order it was entered in, on creation and on edit', async () => {
    const r = await cm.post('/cases', { person: { given_name_latin: 'Ordered', citizenship: ['SY', 'EG', 'AE', 'BH'] }, case: CASE.case });
    assert.equal(r.status, 201, r.text);
    assert.deepEqual(r.json.person.citizenship, ['SY', 'EG', 'AE', 'BH']);
    assert.deepEqual((await cm.get(`/cases/${r.json.ref}`)).json.person.citizenship, ['SY', 'EG', 'AE', 'BH']);
    const p = await cm.patch(`/cases/${r.json.ref}`, { version: 1, person: { citizenship: ['QA', 'AE'] } });
    assert.equal(p.status, 200, p.text);
    assert.deepEqual((await cm.get(`/cases/${r.json.ref}`)).json.person.citizenship, ['QA', 'AE']);
    assert.equal((await cm.del(`/cases/${r.json.ref}`)).status, 204);
  });

  test('bad input is refused and writes nothing', async () => {
    let r = await cm.post('/cases', { ...CASE, person: { ...CASE.person, citizenship: ['XX'] } });
    assert.equal(r.status, 400);
    assert.equal(r.json.error.fields.citizenship !== undefined || errCode(r) === 'invalid', true);
    r = await cm.post('/cases', { ...CASE, person: { ...CASE.person, shoe_size: 42 } });
    assert.equal(r.status, 400);
    assert.equal(errCode(r), 'unknown_field');
    r = await cm.post('/cases', { ...CASE, case: { status: 'Active' } });
    assert.equal(r.status, 400);
    assert.equal(errCode(r), 'missing_field');
    const s = await cm.get('/cases', { query: { q: 'Fatima' } });
    assert.equal(s.json.items.length, 1, 'only the one good case exists');
  });

  test('search by a name token in either script, by document number and by reference', async () => {
    for (const q of ['fatima', 'FATIMA', 'Zahraa', 'فاطمه', 'الزهراء', 'Fatima Al-Zahraa', 'EP4471 9920', ref]) {
      const s = await cm.get('/cases', { query: { q } });
      assert.equal(s.status, 200, q);
      assert.deepEqual(s.json.items.map((x) => x.ref), [ref], `search ${q}`);
    }
    const none = await cm.get('/cases', { query: { q: 'Fatima Mohammed' } });
    assert.deepEqual(none.json.items, [], 'every token must match');
  });

  test('the list shows the case with its name, and filters', async () => {
    let r = await cm.get('/cases');
    assert.equal(r.status, 200);
    const row = r.json.items.find((x) => x.ref === ref);
    assert.ok(row, 'listed');
    assert.match(row.name, /فاطمة/);
    assert.match(row.name, /Fatima/);
    r = await cm.get('/cases', { query: { status: 'Closed' } });
    assert.ok(!r.json.items.some((x) => x.ref === ref), 'an active case is not in the closed filter');
    r = await cm.get('/cases', { query: { assigned: 'me', exploitation: CASE.victim.exploitation_types[0] } });
    assert.ok(r.json.items.some((x) => x.ref === ref), 'assigned to its recorder, with its form of exploitation');
    r = await cm.get('/cases', { query: { cursor: 'nonsense' } });
    assert.equal(r.status, 400);
  });

  test('an edit needs the current version; a stale one answers 409 with the current version', async () => {
    let r = await cm.patch(`/cases/${ref}`, { version: 1, person: { given_name_latin: 'Fatimah', middle_name_latin: null } });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.version, 2);
    assert.equal(r.json.person.given_name_latin, 'Fatimah');
    assert.equal(r.json.person.given_name, 'فاطمة', 'untouched values stay');
    r = await cm.patch(`/cases/${ref}`, { version: 1, person: { given_name_latin: 'Other' } });
    assert.equal(r.status, 409);
    assert.equal(errCode(r), 'stale_version');
    assert.equal(r.json.error.current_version, 2);
    assert.equal((await cm.get(`/cases/${ref}`)).json.person.given_name_latin, 'Fatimah', 'nothing overwritten');
    // The search index follows the edit.
    assert.deepEqual((await cm.get('/cases', { query: { q: 'fatimah' } })).json.items.map((x) => x.ref), [ref]);
    r = await cm.patch(`/cases/${ref}`, { version: 2, person: { gender: 'NoSuchGender' } });
    assert.equal(r.status, 400);
    r = await cm.patch(`/cases/${ref}`, { version: 2, assigned_to: '0'.repeat(32) });
    assert.equal(r.status, 400, 'an assignee must be a case worker of the organisation');
  });

  test('consent is recorded with who and when, and can be withdrawn', async () => {
    const schema = (await cm.get('/schema')).json;
    const purpose = schema.entities.find((e) => e.name === 'consent').fields.find((f) => f.key === 'purpose').choices[0].value;
    let r = await cm.post(`/cases/${ref}/consents`, { purpose, given: true, date: '2026-11-01' });
    assert.equal(r.status, 201, r.text);
    const me = (await cm.get('/me')).json;
    assert.equal(r.json.consents.length, 1);
    assert.equal(r.json.consents[0].recorded_by, me.id);
    assert.ok(r.json.consents[0].recorded_at > 0);
    r = await cm.post(`/cases/${ref}/consents/0/withdraw`, { date: '2026-11-20' });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.consents[0].withdrawn_date, '2026-11-20');
    assert.equal((await cm.post(`/cases/${ref}/consents/5/withdraw`, { date: '2026-11-20' })).status, 404);
    r = await cm.post(`/cases/${ref}/consents`, { purpose: 'nonsense', given: true, date: '2026-11-01' });
    assert.equal(r.status, 400);
  });

  test('comments are kept with their author and time', async () => {
    let r = await cm.post(`/cases/${ref}/comments`, { text: 'Spoke with the shelter about a bed' });
    assert.equal(r.status, 201, r.text);
    assert.equal(r.json.author_name, 'Demo Case Manager');
    r = await cm.get(`/cases/${ref}/comments`);
    assert.equal(r.status, 200);
    assert.deepEqual(r.json.items.map((x) => x.text), ['Spoke with the shelter about a bed']);
    assert.equal((await cm.post(`/cases/${ref}/comments`, { text: '   ' })).status, 400);
    assert.equal((await responder.get(`/cases/${ref}/comments`)).status, 404);
  });

  test('closing a case with a reason', async () => {
    const schema = (await cm.get('/schema')).json;
    const reason = schema.entities.find((e) => e.name === 'case').fields.find((f) => f.key === 'closure_reason').choices[0].value;
    const cur = (await cm.get(`/cases/${ref}`)).json;
    const r = await cm.patch(`/cases/${ref}`, { version: cur.version, case: { status: 'Closed', closure_reason: reason } });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.status, 'Closed');
    const closed = await cm.get('/cases', { query: { status: 'Closed' } });
    assert.ok(closed.json.items.some((x) => x.ref === ref));
  });

  test('a case is reassigned inside its organisation only', async () => {
    const admin = await server.adminSetup();
    const me = (await cm.get('/me')).json;
    const made = await admin.post('/users', { username: 'cm.two', display_name: 'Second Manager', org_id: me.org.id, roles: ['case_manager'] });
    assert.equal(made.status, 201, made.text);
    let r = await cm.get(`/cases/${ref}/assignees`);
    assert.equal(r.status, 200);
    const names = r.json.items.map((x) => x.username).sort();
    assert.deepEqual(names, ['casemanager', 'cm.two', 'supervisor'], 'the organisation\'s case workers (the demo supervisor is one), not the service provider');
    const cur = (await cm.get(`/cases/${ref}`)).json;
    r = await cm.patch(`/cases/${ref}`, { version: cur.version, assigned_to: made.json.user.id });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.assigned_to, made.json.user.id);
    const mine = await cm.get('/cases', { query: { assigned: 'me' } });
    assert.ok(!mine.json.items.some((x) => x.ref === ref), 'no longer assigned to me');
    // Someone of another organisation cannot be assigned, nor list who can.
    const responderMe = (await responder.get('/me')).json;
    r = await cm.patch(`/cases/${ref}`, { version: r.json.version, assigned_to: responderMe.id });
    assert.equal(r.status, 400);
    assert.equal((await responder.get(`/cases/${ref}/assignees`)).status, 404);
    assert.equal((await (await server.as('analyst')).get(`/cases/${ref}/assignees`)).status, 403);
    // Back to the first case manager.
    const back = await cm.patch(`/cases/${ref}`, { version: (await cm.get(`/cases/${ref}`)).json.version, assigned_to: me.id });
    assert.equal(back.status, 200, back.text);
  });

  test('other organisations, analysts and administrators do not see the case', async () => {
    // The responder works for the police: another organisation.
    assert.equal((await responder.get(`/cases/${ref}`)).status, 404);
    assert.deepEqual((await responder.get('/cases', { query: { q: 'Fatima' } })).json.items, []);
    const analyst = await server.as('analyst');
    assert.equal((await analyst.get(`/cases/${ref}`)).status, 403);
    const admin = await server.adminSetup();
    assert.equal((await admin.get(`/cases/${ref}`)).status, 403);
    // A first responder sees the cases they recorded, not their colleagues' of the same organisation.
    const own = await responder.post('/cases', { person: { given_name_latin: 'Joseph' }, case: CASE.case });
    assert.equal(own.status, 201, own.text);
    assert.equal((await responder.get(`/cases/${own.json.ref}`)).status, 200);
    assert.equal((await cm.get(`/cases/${own.json.ref}`)).status, 404);
    // A responder may not erase.
    assert.equal((await responder.del(`/cases/${own.json.ref}`)).status, 403);
  });

  test('nothing identifying is stored in clear', async () => {
    const needles = ['فاطمة', 'Fatima', 'Zahraa', '4471-9920', 'hotel work', 'about a bed'];
    const haystack = storedBytes(server);
    assert.ok(haystack.length > 0);
    for (const n of needles) assert.equal(haystack.indexOf(Buffer.from(n)), -1, `"${n}" found in the database`);
  });

  test('erasure destroys the key: the case is gone and cannot be found', async () => {
    const r = await cm.del(`/cases/${ref}`);
    assert.equal(r.status, 204);
    assert.equal((await cm.get(`/cases/${ref}`)).status, 404);
    assert.deepEqual((await cm.get('/cases', { query: { q: 'Fatima' } })).json.items, []);
    assert.equal((await cm.del(`/cases/${ref}`)).status, 404);
    const auditor = await server.as('auditor');
    const log = await listAll(auditor, '/audit');
    for (const a of ['case.create', 'case.read', 'case.search', 'case.list', 'case.update', 'case.consent', 'case.comment', 'case.erase'])
      assert.ok(log.some((x) => x.action === a), `${a} audited`);
    // Every row carries the time it was written (rows of changes and rows of reads alike).
    const now = Math.floor(Date.now() / 1000);
    for (const x of log)
      assert.ok(Number.isInteger(x.at) && x.at > now - 3600 && x.at <= now + 5, `row ${x.seq} (${x.action}) at ${x.at}`);
  });
});
