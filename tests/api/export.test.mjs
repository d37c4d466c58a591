// export.test.mjs: exporting a selection of cases as HTCDS CSV and XLSX:
// the password asked again, the columns and rows, formula neutralisation,
// cases out of reach left out, and the audit row with the number exported.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { inflateRawSync } from 'node:zlib';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, BACKEND, BIN, errCode, listAll } from './lib.mjs';

const FORMULA = "=cmd|' /C calc'!A0";

// RFC 4180 parser: rows of fields (quoted fields may hold , " CR LF).
function parseCsv(text) {
  const rows = [];
  let row = [];
  let field = '';
  let i = 0;
  let quoted = false;
  while (i < text.length) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i += 2;
      } else if (ch === '"') {
        quoted = false;
        i++;
      } else {
        field += ch;
        i++;
      }
    } else if (ch === '"') {
      quoted = true;
      i++;
    } else if (ch === ',') {
      row.push(field);
      field = '';
      i++;
    } else if (ch === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i += 2;
    } else {
      field += ch;
      i++;
    }
  }
  if (field !== '' || row.length) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

// The entries of a zip file (central directory), inflated: name -> text.
function unzip(buf) {
  let eocd = -1;
  for (let i = buf.length - 22; i >= 0; i--)
    if (buf.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  assert.ok(eocd >= 0, 'a zip end record');
  const count = buf.readUInt16LE(eocd + 10);
  let at = buf.readUInt32LE(eocd + 16);
  const files = {};
  for (let n = 0; n < count; n++) {
    assert.equal(buf.readUInt32LE(at), 0x02014b50);
    const method = buf.readUInt16LE(at + 10);
    const csize = buf.readUInt32LE(at + 20);
    const nameLen = buf.readUInt16LE(at + 28);
    const extraLen = buf.readUInt16LE(at + 30);
    const commentLen = buf.readUInt16LE(at + 32);
    const local = buf.readUInt32LE(at + 42);
    const name = buf.toString('utf8', at + 46, at + 46 + nameLen);
    const data0 = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
    const raw = buf.subarray(data0, data0 + csize);
    files[name] = (method === 8 ? inflateRawSync(raw) : raw).toString('utf8');
    at += 46 + nameLen + extraLen + commentLen;
  }
  return files;
}

describe(`[${BACKEND}] export`, () => {
  let server, cm, responder, auditor, refs, purpose, exploitation;

  before(async () => {
    server = await startServer();
    cm = await server.as('casemanager');
    responder = await server.as('responder');
    auditor = await server.as('auditor');
    const schema = (await cm.get('/schema')).json;
    const field = (entity, key) => schema.entities.find((e) => e.name === entity).fields.find((f) => f.key === key);
    purpose = field('case', 'purpose').choices[0].value;
    const people = [
      { given_name: 'مريم', given_name_latin: 'Maryam, "Mimi"', document_number: 'EXP-1001' },
      { given_name: 'سارة', given_name_latin: FORMULA, document_number: 'EXP-1002' },
    ];
    // The first case also has lists, two events and a consent: lists are joined
    // with ";", and the first event and consent fill the hte_ and con_ columns.
    exploitation = field('victim', 'exploitation_types').choices.slice(0, 2).map((c) => c.value);
    const eventTypes = field('event', 'type').choices.map((c) => c.value);
    const extra = [
      {
        victim: { trafficking_status: field('victim', 'trafficking_status').choices[0].value, exploitation_types: exploitation },
        events: [
          { type: eventTypes[0], country: 'ET' },
          { type: eventTypes[1], country: 'BH' },
        ],
        consents: [{ purpose: field('consent', 'purpose').choices[0].value, given: true, date: '2026-01-05' }],
      },
      {},
    ];
    people[0].citizenship = ['ET', 'ER'];
    refs = [];
    for (const [i, person] of people.entries()) {
      const r = await cm.post('/cases', { person, case: { status: 'Active', purpose }, ...extra[i] });
      assert.equal(r.status, 201, r.text);
      refs.push(r.json.ref);
    }
  });
  after(async () => {
    if (server) await server.stop();
  });

  const password = () => server.creds.casemanager;

  test('CSV: HTCDS columns, one row per case, UTF-8 with BOM, formulas neutralised', async () => {
    const r = await cm.post('/export', { refs, format: 'csv', password: password() });
    assert.equal(r.status, 200, r.text);
    assert.match(r.headers.get('content-type'), /^text\/csv; charset=utf-8/);
    assert.match(r.headers.get('content-disposition'), /^attachment; filename="ihala-export-\d{8}\.csv"$/);
    assert.equal(r.headers.get('cache-control'), 'no-store');
    assert.deepEqual([...r.body.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'byte order mark');
    const text = r.body.subarray(3).toString('utf8');
    assert.ok(text.includes('\r\n'), 'CRLF line ends');
    const rows = parseCsv(text);
    assert.equal(rows.length, 3, 'header and two rows');
    const head = rows[0];
    assert.deepEqual(head.slice(0, 2), ['ihala_Ref', 'ihala_ExternalRef']);
    for (const col of ['prs_FirstName', 'prs_FirstNameLatin', 'prs_IdentityNumber', 'cas_Status', 'cas_PurposeOfProcessing'])
      assert.ok(head.includes(col), col);
    // Registry order: person, then victim, then case.
    assert.ok(head.indexOf('prs_FirstName') < head.indexOf('vic_TraffickingStatus'));
    assert.ok(head.indexOf('vic_TraffickingStatus') < head.indexOf('cas_Status'));
    for (const row of rows) assert.equal(row.length, head.length);
    const col = (row, name) => row[head.indexOf(name)];
    const byRef = Object.fromEntries(rows.slice(1).map((row) => [row[0], row]));
    assert.deepEqual(Object.keys(byRef).sort(), [...refs].sort());
    const [a, b] = [byRef[refs[0]], byRef[refs[1]]];
    assert.equal(col(a, 'prs_FirstName'), 'مريم');
    assert.equal(col(a, 'prs_FirstNameLatin'), 'Maryam, "Mimi"', 'comma and quotes survive quoting');
    assert.equal(col(a, 'prs_IdentityNumber'), 'EXP-1001');
    assert.equal(col(a, 'cas_Status'), 'Active');
    assert.equal(col(a, 'cas_PurposeOfProcessing'), purpose);
    assert.equal(col(a, 'prs_Citizenship'), 'ET;ER');
    assert.equal(col(a, 'vic_TypeOfExploitation').split(';').sort().join(';'), [...exploitation].sort().join(';'));
    assert.equal(col(a, 'hte_Country'), 'ET', 'the first event');
    assert.equal(col(a, 'con_Consent'), 'true');
    assert.equal(col(a, 'con_Date'), '2026-01-05');
    assert.equal(col(b, 'prs_FirstName'), 'سارة');
    assert.equal(col(b, 'hte_Country'), '', 'no event, empty cells');
    assert.equal(col(b, 'prs_FirstNameLatin'), "'" + FORMULA, 'the formula cell starts with a quote');
    assert.ok(!text.includes('\r\n=') && !text.includes(',='), 'no cell begins with =');
  });

  test('a wrong password is refused and audited as failed', async () => {
    const r = await cm.post('/export', { refs, format: 'csv', password: password() + 'x' });
    assert.equal(r.status, 400);
    assert.equal(errCode(r), 'wrong_password');
    assert.ok('password' in r.json.error.fields);
    assert.ok(!r.text.includes('مريم'));
    const rows = await listAll(auditor, '/audit');
    assert.ok(rows.some((x) => x.action === 'case.export' && x.outcome === 'failed'));
  });

  test('bad bodies are refused', async () => {
    let r = await cm.post('/export', { refs, format: 'pdf', password: password() });
    assert.equal(r.status, 400);
    assert.equal(errCode(r), 'invalid');
    r = await cm.post('/export', { refs: [], format: 'csv', password: password() });
    assert.equal(r.status, 400);
    r = await cm.post('/export', { refs: [42], format: 'csv', password: password() });
    assert.equal(r.status, 400);
    r = await cm.post('/export', { refs: Array(10001).fill(refs[0]), format: 'csv', password: password() });
    assert.equal(r.status, 400);
    r = await cm.post('/export', { refs, format: 'csv' });
    assert.equal(r.status, 400);
    assert.equal(errCode(r), 'missing_field');
  });

  test('XLSX: a zip with one sheet, strings not formulas, neutralised', async () => {
    const r = await cm.post('/export', { refs, format: 'xlsx', password: password() });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.headers.get('content-type'), 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    assert.match(r.headers.get('content-disposition'), /^attachment; filename="ihala-export-\d{8}\.xlsx"$/);
    assert.equal(r.body.subarray(0, 2).toString('latin1'), 'PK');
    const files = unzip(r.body);
    assert.ok(files['xl/workbook.xml'].includes('name="cases"'), 'one sheet named cases');
    assert.ok(files['xl/styles.xml'].includes('<b/>'), 'a bold format for the header row');
    const all = Object.values(files).join('\n');
    for (const s of ['ihala_Ref', 'prs_FirstName', 'مريم', 'سارة', refs[0], refs[1]]) assert.ok(all.includes(s), s);
    const sheet = files['xl/worksheets/sheet1.xml'];
    assert.ok(!sheet.includes('<f>'), 'no formula cells');
    assert.ok(all.includes("'=cmd|"), 'the formula text is prefixed with a quote');
  });

  test('cases out of reach are left out without a word', async () => {
    const r = await responder.post('/export', { refs, format: 'csv', password: server.creds.responder });
    assert.equal(r.status, 200, r.text);
    const rows = parseCsv(r.body.subarray(3).toString('utf8'));
    assert.equal(rows.length, 1, 'the header only');
    assert.equal(rows[0][0], 'ihala_Ref');
    assert.ok(!r.text.includes('مريم') && !r.text.includes(refs[0]));
    // A reference that does not exist is the same as one out of reach.
    const u = await cm.post('/export', { refs: ['BH-1999-99999', refs[0], refs[0]], format: 'csv', password: password() });
    assert.equal(u.status, 200);
    assert.equal(parseCsv(u.body.subarray(3).toString('utf8')).length, 2, 'a repeated reference is exported once');
  });

  test('analysts may not export at all', async () => {
    const analyst = await server.as('analyst');
    const r = await analyst.post('/export', { refs, format: 'csv', password: server.creds.analyst });
    assert.equal(r.status, 403);
  });

  test('the export is audited with the number of cases', async () => {
    const rows = (await listAll(auditor, '/audit')).filter((x) => x.action === 'case.export');
    const ok = rows.filter((x) => x.outcome === 'ok');
    assert.ok(ok.some((x) => x.object_type === 'export' && x.object_id === '2'), JSON.stringify(rows));
    assert.ok(ok.some((x) => x.object_id === '0'), 'the responder exported nothing');
    assert.equal(rows.filter((x) => x.outcome === 'failed').length, 1);
  });

  test('each exported case has its own audit row', async () => {
    const all = (await listAll(auditor, '/audit')).filter((x) => x.action === 'case.export' && x.outcome === 'ok');
    const perCase = all.filter((x) => x.object_type === 'case');
    const counted = all.filter((x) => x.object_type === 'export').reduce((n, x) => n + Number(x.object_id), 0);
    assert.ok(counted >= 5, `three exports by the case manager: ${counted}`);
    assert.equal(perCase.length, counted, 'one row per case written, as many as the counts say');
    assert.ok(perCase.every((x) => /^[0-9a-f]{32}$/.test(x.object_id)), 'the internal id, never the reference');
  });

  test('ihala export DIR writes every case to a file, audited, beside the running server', async () => {
    const out = join(server.dir, '..', 'all.csv');
    const env = { ...process.env, IHALA_PWHASH: 'fast' };
    const cli = (args) => spawnSync(BIN, ['export', server.dir, ...args], { env, encoding: 'utf8' });
    let r = cli(['--out', out]);
    assert.equal(r.status, 0, r.stderr);
    const n = Number(/^exported (\d+) cases to /.exec(r.stdout)[1]);
    assert.ok(n >= 300, `the demo cases and the tests' cases: ${n}`);
    assert.equal(statSync(out).mode & 0o777, 0o600);
    const rows = parseCsv(readFileSync(out).subarray(3).toString('utf8'));
    assert.equal(rows[0][0], 'ihala_Ref');
    assert.ok(rows[0].includes('prs_FirstName') && rows[0].includes('cas_Status'));
    assert.equal(rows.length, n + 1);
    assert.ok(rows.slice(1).every((x) => /^[A-Z]{2}-\d{4}-\d{5}$/.test(x[0])));
    assert.ok(rows.some((x) => x[0] === refs[0]), 'the case made by this test is there');

    const status = rows[0].indexOf('cas_Status');
    r = cli(['--out', out, '--status', 'Closed', '--limit', '7']);
    assert.equal(r.status, 0, r.stderr);
    const closed = parseCsv(readFileSync(out).subarray(3).toString('utf8')).slice(1);
    assert.equal(closed.length, 7);
    assert.ok(closed.every((x) => x[status] === 'Closed'));

    r = cli(['--out', out, '--format', 'xlsx', '--limit', '3']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(readFileSync(out).subarray(0, 2).toString(), 'PK');

    // Usage errors: exit 2, nothing written.
    const bad = join(server.dir, '..', 'bad.csv');
    for (const args of [['--out', bad, '--format', 'pdf'], ['--out', bad, '--status', 'Open'], ['--out', bad, '--limit', '0'], []]) {
      r = cli(args);
      assert.equal(r.status, 2, `${args}: ${r.stderr}`);
      assert.ok(!existsSync(bad));
    }
    assert.match(execFileSync(BIN, ['export', '--help'], { encoding: 'utf8' }), /usage: ihala export DIR --out FILE/);

    const audit = (await listAll(auditor, '/audit')).filter((x) => x.action === 'case.export' && x.object_type === 'export');
    assert.ok(audit.some((x) => x.object_id === String(n) && x.actor_id === null), JSON.stringify(audit.slice(-3)));
  });
});
