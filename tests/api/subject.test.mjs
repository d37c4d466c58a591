// subject.test.mjs: GET /api/v1/cases/{ref}/subject-export: a person's own
// data on request, as JSON with the registry's labels in English and Arabic,
// and as a printable page where every value is escaped. Staff names and ids
// are left out. Who may ask: as for reading the case (another organisation's
// case is 404, an analyst 403); the export is audited.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, BACKEND, errCode, listAll } from './lib.mjs';

const EVIL = '<script>alert("x")</script>';
const BODY = {
  person: {
    given_name: 'مريم',
    given_name_latin: EVIL,
    family_name_latin: "O'Hara & Sons",
    gender: 'Feminine',
    citizenship: ['PH'],
    document_number: 'P 1234567',
  },
  victim: { exploitation_types: [] },
  case: { status: 'Active', purpose: 'ProtectionAndAssistance' },
  consents: [{ purpose: 'Services', given: true, date: '2026-01-05' }],
};

describe(`[${BACKEND}] a person's own data`, () => {
  let server, cm, responder, analyst, auditor, ref, cmId;

  before(async () => {
    server = await startServer();
    cm = await server.as('casemanager');
    responder = await server.as('responder');
    analyst = await server.as('analyst');
    auditor = await server.as('auditor');
    const schema = (await cm.get('/schema')).json;
    const field = (entity, key) => schema.entities.find((e) => e.name === entity).fields.find((f) => f.key === key);
    const body = structuredClone(BODY);
    body.victim.exploitation_types = [field('victim', 'exploitation_types').choices[0].value];
    body.victim.trafficking_status = field('victim', 'trafficking_status').choices[0].value;
    body.consents[0].purpose = field('consent', 'purpose').choices[0].value;
    const r = await cm.post('/cases', body);
    assert.equal(r.status, 201, r.text);
    ref = r.json.ref;
    const c = await cm.post(`/cases/${ref}/comments`, { text: 'Met at the shelter.\nWants to go home.' });
    assert.equal(c.status, 201, c.text);
    cmId = (await cm.get('/me')).json.id;
  });
  after(async () => {
    if (server) await server.stop();
  });

  test('JSON: every value with its label in both languages; no staff', async () => {
    const r = await cm.get(`/cases/${ref}/subject-export`);
    assert.equal(r.status, 200, r.text);
    assert.match(r.headers.get('content-type'), /^application\/json/);
    const d = r.json;
    assert.equal(d.ref, ref);
    assert.match(d.generated_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.deepEqual(d.labels.person, { en: 'Person', ar: d.labels.person.ar });
    assert.ok(d.labels.person.ar.length > 0);
    const f = (key) => d.person.find((x) => x.key === key);
    assert.equal(f('given_name').value, 'مريم');
    assert.deepEqual(f('given_name').label, { en: 'Given name', ar: 'الاسم الأول' });
    assert.equal(f('given_name_latin').value, EVIL);
    assert.equal(f('document_number').value, 'P 1234567');
    assert.deepEqual(f('gender').value_label, { en: 'Female', ar: 'أنثى' });
    assert.deepEqual(f('citizenship').value, ['PH']);
    const exploitation = d.victim.find((x) => x.key === 'exploitation_types');
    assert.ok(Array.isArray(exploitation.value_label) && exploitation.value_label[0].ar.length > 0);
    assert.equal(d.case.find((x) => x.key === 'status').value, 'Active');
    assert.equal(d.consents.length, 1);
    const given = d.consents[0].find((x) => x.key === 'given');
    assert.deepEqual(given.value_label, { en: 'Yes', ar: 'نعم' });
    assert.deepEqual(d.comments.map((c) => Object.keys(c).sort()), [['at', 'text']]);
    assert.equal(d.comments[0].text, 'Met at the shelter.\nWants to go home.');
    assert.ok(!r.text.includes(cmId), 'no user id of staff');
    assert.ok(!r.text.includes('Demo Case Manager'), 'no staff name');
    assert.ok(!('recorded_by' in d.consents[0]));
  });

  test('HTML: a printable page in both languages with every value escaped', async () => {
    const r = await cm.get(`/cases/${ref}/subject-export`, { query: { format: 'html' } });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.headers.get('content-type'), 'text/html; charset=utf-8');
    assert.equal(r.headers.get('content-disposition'), `inline; filename="${ref}.html"`);
    assert.match(r.headers.get('content-security-policy'), /script-src 'self'/);
    const html = r.text;
    assert.match(html, /^<!DOCTYPE html>/);
    assert.ok(!html.includes('<script'), 'the name is not markup');
    assert.ok(html.includes('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;'));
    assert.ok(html.includes('O&#39;Hara &amp; Sons'));
    assert.ok(!/<style|style=/.test(html), 'no inline style: the CSP forbids it');
    assert.ok(html.includes('مريم') && html.includes('الاسم الأول') && html.includes('Given name'));
    assert.ok(html.includes('Female') && html.includes('أنثى'));
    assert.match(html, /dir="rtl"/);
    assert.ok(html.includes('Met at the shelter.<br>Wants to go home.'));
    assert.ok(!html.includes('Demo Case Manager'));
    const bad = await cm.get(`/cases/${ref}/subject-export`, { query: { format: 'pdf' } });
    assert.equal(bad.status, 400);
  });

  test('who may ask: another organisation 404, an analyst 403, no session 401', async () => {
    let r = await responder.get(`/cases/${ref}/subject-export`);
    assert.equal(r.status, 404);
    r = await responder.get(`/cases/${ref}/subject-export`, { query: { format: 'html' } });
    assert.equal(r.status, 404);
    assert.ok(!r.text.includes('مريم'));
    r = await analyst.get(`/cases/${ref}/subject-export`);
    assert.equal(r.status, 403);
    assert.equal(errCode(r), 'forbidden');
    r = await server.client().get(`/cases/${ref}/subject-export`);
    assert.equal(r.status, 401);
    r = await cm.get('/cases/BH-1999-99999/subject-export');
    assert.equal(r.status, 404);
  });

  test('the export is audited without personal data; an erased case has nothing to export', async () => {
    const rows = await listAll(auditor, '/audit');
    const exports = rows.filter((x) => x.action === 'case.subject_export');
    assert.equal(exports.length, 2, 'one per export (JSON and HTML)');
    for (const x of exports) {
      assert.equal(x.actor_id, cmId);
      assert.equal(x.outcome, 'ok');
      assert.match(x.object_id, /^[0-9a-f]{32}$/, 'the internal case id, not the reference');
    }
    assert.ok(!JSON.stringify(rows).includes('مريم'));
    const del = await cm.del(`/cases/${ref}`);
    assert.equal(del.status, 204);
    assert.equal((await cm.get(`/cases/${ref}/subject-export`)).status, 404);
  });

  test('the copy holds the screenings and identification decisions, without staff', async () => {
    const authority = await server.as('authority');
    const schema = (await authority.get('/schema')).json;
    const field = (entity, key) => schema.entities.find((e) => e.name === entity).fields.find((f) => f.key === key);
    const body = structuredClone(BODY);
    body.victim.exploitation_types = [field('victim', 'exploitation_types').choices[0].value];
    body.victim.trafficking_status = field('victim', 'trafficking_status').choices[0].value;
    body.consents[0].purpose = field('consent', 'purpose').choices[0].value;
    const c = await authority.post('/cases', body);
    assert.equal(c.status, 201, c.text);
    const set = (await authority.get('/screening/sets/adult-labour')).json;
    const strong = set.indicators.find((i) => i.grade === 'strong');
    const sc = await authority.post('/screenings', { set: 'adult-labour', case: c.json.ref, answers: { [strong.id]: 'yes' } });
    assert.equal(sc.status, 201, sc.text);
    const REASONS = 'Passport held by the employer <b>& wages unpaid</b>';
    const d = await authority.post(`/cases/${c.json.ref}/decisions`, { status: 'presumed', date: '2026-03-02', reasons: REASONS });
    assert.equal(d.status, 201, d.text);

    const r = await authority.get(`/cases/${c.json.ref}/subject-export`);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.screenings.length, 1);
    const s0 = r.json.screenings[0];
    assert.equal(s0.set, 'adult-labour');
    assert.equal(s0.assessment, sc.json.assessment);
    assert.match(s0.date, /^\d{4}-\d\d-\d\d$/);
    assert.deepEqual(s0.dimensions.find((x) => x.key === strong.dimension).indicators, [strong.id]);
    assert.equal(r.json.identification_decisions.length, 1);
    const d0 = r.json.identification_decisions[0];
    assert.equal(d0.status, 'presumed');
    assert.equal(d0.date, '2026-03-02');
    assert.equal(d0.reasons, REASONS);
    assert.equal(d0.decided_by, 'Police Directorate');
    const me = (await authority.get('/me')).json;
    assert.ok(!r.text.includes(me.id) && !r.text.includes(me.username), 'no staff id or name');

    const h = await authority.get(`/cases/${c.json.ref}/subject-export`, { query: { format: 'html' } });
    assert.equal(h.status, 200);
    assert.match(h.text, /Identification decisions/);
    assert.match(h.text, /presumed victim \(reasonable grounds\)/);
    assert.ok(h.text.includes('Passport held by the employer &lt;b&gt;&amp; wages unpaid&lt;/b&gt;'));
    assert.ok(!h.text.includes('<b>&'), 'escaped');
  });
});
