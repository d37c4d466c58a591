// import.test.mjs: importing HTCDS CSV, XLSX and XForm files: good files make
// cases (findable by name, with the source record id as external_ref), a file
// with a bad row is refused whole with the line and reason, skip_bad_rows
// imports the good rows, both XForm spellings are read, the organisation is
// the importer's, analysts are refused.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer, BACKEND, errCode, listAll } from './lib.mjs';

const DATA = join(dirname(fileURLToPath(import.meta.url)), 'data');
const b64 = (x) => Buffer.from(x).toString('base64');
const file = (name) => readFileSync(join(DATA, name));

const HEADER =
  'ihala_ExternalRef,prs_First_Name,prs_FirstNameLatin,prs_SecondNameLatin,prs_Citizenship,prs_Notes,' +
  'vic_TraffickingStatus,vic_TypeOfExploitation,vic_ForcedLabourIndustry,cas_Status,cas_PurposeOfProcessing,' +
  'con_Purpose,con_Consent,con_Date,prs_Birthdate';

// Row 2 spans lines 2-3 (a quoted newline), so the third record starts on line 4.
function csv(rows) {
  return '\ufeff' + [HEADER, ...rows].join('\r\n') + '\r\n';
}
const GOOD = [
  'SRC-001,مريم,"Quartzina, M.",Importova,ET;ER,"first line\nsecond line",PossibleVictimOfTrafficking,ForcedLabour;Servitude,A_AgricultureForestryAndFishing,Active,ProtectionAndAssistance,services,yes,2026-01-05,1990-02-11',
  'SRC-002,سارة,Quartzelle,Importova,BH,,ActualVictimOfTrafficking,SexualExploitation,I,FollowUp,ReferralAndCaseManagement,,,,',
];

async function search(client, q) {
  const r = await client.get('/cases', { query: { q } });
  assert.equal(r.status, 200, r.text);
  return r.json.items;
}

describe(`[${BACKEND}] import`, () => {
  let server, cm, responder, analyst, auditor;

  before(async () => {
    server = await startServer();
    cm = await server.as('casemanager');
    responder = await server.as('responder');
    analyst = await server.as('analyst');
    auditor = await server.as('auditor');
  });
  after(async () => {
    if (server) await server.stop();
  });

  test('a good CSV makes one case a row, findable by name, with its external_ref', async () => {
    const r = await cm.post('/import', { format: 'csv', content: b64(csv(GOOD)) });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.imported, 2);
    assert.equal(r.json.refs.length, 2);
    assert.deepEqual(r.json.rows, []);
    const found = await search(cm, 'Quartzina');
    assert.equal(found.length, 1);
    assert.equal(found[0].ref, r.json.refs[0]);
    const c = (await cm.get(`/cases/${r.json.refs[0]}`)).json;
    assert.equal(c.external_ref, 'SRC-001');
    assert.equal(c.person.given_name, 'مريم', 'prs_First_Name is the given name');
    assert.equal(c.person.given_name_latin, 'Quartzina, M.');
    assert.equal(c.person.notes, 'first line\nsecond line');
    assert.deepEqual([...c.person.citizenship].sort(), ['ER', 'ET']);
    assert.deepEqual([...c.victim.exploitation_types].sort(), ['ForcedLabour', 'Servitude']);
    assert.equal(c.victim.labour_sector, 'A', 'the HTCDS ISIC value is stored as its letter');
    assert.equal(c.consents[0].given, true, '"yes" is true');
    assert.equal(c.consents[0].date, '2026-01-05');
    const c2 = (await cm.get(`/cases/${r.json.refs[1]}`)).json;
    assert.equal(c2.external_ref, 'SRC-002');
    assert.equal(c2.status, 'FollowUp');
    assert.equal(c2.victim.labour_sector, 'I');
    assert.equal((await search(cm, 'سارة')).some((x) => x.ref === r.json.refs[1]), true, 'Arabic name searchable');
    const audit = await listAll(auditor, '/audit');
    assert.ok(audit.some((x) => x.action === 'case.import' && x.object_id === '2' && x.outcome === 'ok'));
  });

  test('one bad row: 400 import_rejected with its line and reason, nothing written', async () => {
    const rows = [
      GOOD[0].replace('SRC-001', 'SRC-101').replace('Quartzina', 'Bravanova'),
      'SRC-102,ليلى,Bravaleta,Importova,ET,,PossibleVictimOfTrafficking,ForcedLabour,,Active,ProtectionAndAssistance,,,,2026-02-30',
    ];
    const r = await cm.post('/import', { format: 'csv', content: b64(csv(rows)) });
    assert.equal(r.status, 400, r.text);
    assert.equal(errCode(r), 'import_rejected');
    assert.deepEqual(r.json.rows, [{ line: 4, reason: 'invalid prs_Birthdate' }]);
    assert.equal((await search(cm, 'Bravanova')).length, 0, 'the good row was not written either');
    assert.equal((await search(cm, 'Bravaleta')).length, 0);

    // The same file with skip_bad_rows: the good row is imported, the bad one reported.
    const s = await cm.post('/import', { format: 'csv', content: b64(csv(rows)), skip_bad_rows: true });
    assert.equal(s.status, 200, s.text);
    assert.equal(s.json.imported, 1);
    assert.deepEqual(s.json.rows, [{ line: 4, reason: 'invalid prs_Birthdate' }]);
    assert.equal((await search(cm, 'Bravanova')).length, 1);
    assert.equal((await search(cm, 'Bravaleta')).length, 0);
  });

  test('file errors: an unknown column, a missing required value, broken files', async () => {
    let r = await cm.post('/import', { format: 'csv', content: b64('prs_FirstName,prs_ShoeSize\nAmina,42\n') });
    assert.equal(r.status, 400);
    assert.equal(errCode(r), 'import_rejected');
    assert.deepEqual(r.json.rows, [{ line: 1, reason: 'unknown_column prs_ShoeSize' }]);
    r = await cm.post('/import', { format: 'csv', content: b64('prs_FirstName,vic_TypeOfExploitation\nAmina,ForcedLabour\n') });
    assert.equal(r.status, 400);
    assert.deepEqual(r.json.rows, [{ line: 2, reason: 'missing_field vic_TraffickingStatus' }]);
    r = await cm.post('/import', { format: 'csv', content: b64('prs_FirstName\n"Amina\n') });
    assert.equal(r.status, 400);
    assert.equal(r.json.rows[0].reason, 'bad_csv');
    r = await cm.post('/import', { format: 'xlsx', content: b64('not a zip') });
    assert.equal(r.status, 400);
    assert.equal(r.json.rows[0].reason, 'bad_xlsx');
    r = await cm.post('/import', { format: 'xform', content: b64('<!DOCTYPE x [<!ENTITY a "b">]><data/>') });
    assert.equal(r.status, 400);
    assert.equal(r.json.rows[0].reason, 'bad_xml');
    r = await cm.post('/import', { format: 'pdf', content: b64('x') });
    assert.equal(r.status, 400);
    assert.equal(errCode(r), 'invalid');
    r = await cm.post('/import', { format: 'csv', content: '%%%not base64' });
    assert.equal(r.status, 400);
    assert.equal(errCode(r), 'invalid');
  });

  test('XForm instances in both spellings are imported with their instance id', async () => {
    for (const [name, q, ext] of [
      ['xform_underscore.xml', 'Xformunda', 'uuid:6b1f0c52-2c51-4d0e-9a43-0f5b8e6f1a01'],
      ['xform_camel.xml', 'Camelina', 'uuid:2f9e7d3a-8c1b-4e55-b6a2-7d4c0e9f1b02'],
    ]) {
      const r = await cm.post('/import', { format: 'xform', content: b64(file(name)) });
      assert.equal(r.status, 200, `${name}: ${r.text}`);
      assert.equal(r.json.imported, 1);
      const found = await search(cm, q);
      assert.equal(found.length, 1, name);
      const c = (await cm.get(`/cases/${found[0].ref}`)).json;
      assert.equal(c.external_ref, ext);
      if (name === 'xform_underscore.xml') {
        assert.equal(c.person.family_name, 'Odkovich');
        assert.deepEqual([...c.victim.means_of_control].sort(), ['DebtBondage', 'FalsePromises'], 'select_multiple split on spaces');
        assert.equal(c.victim.labour_sector, 'T');
      } else {
        assert.equal(c.person.family_name, 'Kobova');
        assert.deepEqual([...c.person.citizenship].sort(), ['ER', 'SD']);
        assert.equal(c.victim.labour_sector, 'C');
      }
    }
  });

  test('an XLSX file (shared and inline strings, numbers) is imported', async () => {
    const r = await cm.post('/import', { format: 'xlsx', content: b64(file('cases.xlsx')) });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.imported, 2);
    const found = await search(cm, 'Xlsxorova');
    assert.equal(found.length, 1);
    const c = (await cm.get(`/cases/${found[0].ref}`)).json;
    assert.equal(c.external_ref, 'xlsx-row-1');
    assert.equal(c.person.given_name, 'زبيدة');
    assert.equal(c.person.estimated_age, 34);
    assert.deepEqual([...c.person.citizenship].sort(), ['LK', 'PH']);
    assert.equal(c.victim.labour_sector, 'T');
    assert.equal((await search(cm, 'Xlsxperera')).length, 1);
  });

  test('a first responder imports into their own organisation; an analyst is refused', async () => {
    const me = (await responder.get('/me')).json;
    const rows = [GOOD[1].replace('SRC-002', 'SRC-301').replace('Quartzelle', 'Respondara')];
    const r = await responder.post('/import', { format: 'csv', content: b64(csv(rows)) });
    assert.equal(r.status, 200, r.text);
    const c = await responder.get(`/cases/${r.json.refs[0]}`);
    assert.equal(c.status, 200);
    assert.equal(c.json.org_id, me.org.id);
    assert.equal(c.json.external_ref, 'SRC-301');

    const a = await analyst.post('/import', { format: 'csv', content: b64(csv(GOOD)) });
    assert.equal(a.status, 403);
    assert.equal(errCode(a), 'forbidden');
  });

  test('XForm rows without a purpose: refused by row, accepted with the request\'s defaults', async () => {
    const xml = `<?xml version="1.0"?>
<htcds_xlsform id="htcds_xlsform">
  <person><prs_FirstName>Defaultina</prs_FirstName><prs_Citizenship>ET</prs_Citizenship></person>
  <victim><vic_TraffickingStatus>PossibleVictimOfTrafficking</vic_TraffickingStatus></victim>
  <case><cas_Status>Active</cas_Status></case>
  <consent><con_Consent>yes</con_Consent></consent>
  <meta><instanceID>uuid:defaults-0001</instanceID></meta>
</htcds_xlsform>`;
    let r = await cm.post('/import', { format: 'xform', content: b64(xml) });
    assert.equal(r.status, 400, r.text);
    assert.equal(errCode(r), 'import_rejected');
    assert.match(r.json.rows[0].reason, /^missing_field (cas_PurposeOfProcessing|con_Purpose|con_Date)$/);

    // Bad defaults name their field.
    for (const [defaults, field] of [
      [{ purpose: 'Curiosity' }, 'defaults.purpose'],
      [{ consent_purpose: 'gossip' }, 'defaults.consent_purpose'],
      [{ consent_date: '2026-02-30' }, 'defaults.consent_date'],
      [{ colour: 'blue' }, 'defaults'],
    ]) {
      r = await cm.post('/import', { format: 'xform', content: b64(xml), defaults });
      assert.equal(r.status, 400, r.text);
      assert.equal(errCode(r), 'invalid');
      assert.deepEqual(Object.keys(r.json.error.fields), [field]);
    }

    r = await cm.post('/import', {
      format: 'xform', content: b64(xml),
      defaults: { purpose: 'ProtectionAndAssistance', consent_purpose: 'services', consent_date: '2026-03-01' },
    });
    assert.equal(r.status, 200, r.text);
    const c = (await cm.get(`/cases/${r.json.refs[0]}`)).json;
    assert.equal(c.case.purpose, 'ProtectionAndAssistance');
    assert.equal(c.consents[0].purpose, 'services');
    assert.equal(c.consents[0].date, '2026-03-01');
    assert.equal(c.external_ref, 'uuid:defaults-0001');

    // The same submission again creates nothing twice.
    r = await cm.post('/import', {
      format: 'xform', content: b64(xml),
      defaults: { purpose: 'ProtectionAndAssistance', consent_purpose: 'services', consent_date: '2026-03-01' },
    });
    assert.equal(r.status, 400, r.text);
    assert.deepEqual(r.json.rows, [{ line: 1, reason: 'already_imported uuid:defaults-0001' }]);
    assert.equal((await search(cm, 'Defaultina')).length, 1);
  });

  test('a source record id twice in a file, or already imported, is a bad row', async () => {
    const rows = [
      GOOD[1].replace('SRC-002', 'DUP-1').replace('Quartzelle', 'Dupliqua'),
      GOOD[1].replace('SRC-002', 'DUP-2').replace('Quartzelle', 'Dupliqub'),
      GOOD[1].replace('SRC-002', 'DUP-1').replace('Quartzelle', 'Dupliquc'),
    ];
    let r = await cm.post('/import', { format: 'csv', content: b64(csv(rows)) });
    assert.equal(r.status, 400, r.text);
    assert.deepEqual(r.json.rows, [{ line: 4, reason: 'duplicate_external_ref DUP-1' }]);
    assert.equal((await search(cm, 'Dupliqua')).length, 0, 'all or nothing');
    r = await cm.post('/import', { format: 'csv', content: b64(csv(rows)), skip_bad_rows: true });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.imported, 2);
    // A second file with one known id and one new one.
    const again = [rows[1], GOOD[1].replace('SRC-002', 'DUP-3').replace('Quartzelle', 'Dupliqud')];
    r = await cm.post('/import', { format: 'csv', content: b64(csv(again)), skip_bad_rows: true });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.imported, 1);
    assert.deepEqual(r.json.rows, [{ line: 2, reason: 'already_imported DUP-2' }]);
    assert.equal((await search(cm, 'Dupliqub')).length, 1, 'not imported twice');
    // Another organisation may carry the same source id (its own source).
    r = await responder.post('/import', { format: 'csv', content: b64(csv([rows[1].replace('Dupliqub', 'Dupliqux')])) });
    assert.equal(r.status, 200, r.text);
  });
});
