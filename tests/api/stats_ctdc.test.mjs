// stats_ctdc.test.mjs: POST /api/v1/export/ctdc, the k-anonymous CTDC
// microdata file (docs/statistics.md, "CTDC export"). The test records
// persons of varied gender, age, citizenship, country of exploitation and
// year, a few of them in combinations no one else shares, then parses the
// file and checks it as a reader would: one row per person (a merged person
// once), every combination of the quasi-identifier columns (an empty cell
// being a value) shared by at least k rows, no rare value left, no name or
// date of birth anywhere; counts in the headers that add up; who may ask;
// bad k and other bad input answered 400 with the field; audited.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { appendFileSync, readFileSync, statSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, startServer, BACKEND, errCode, listAll } from './lib.mjs';

function runCli(args) {
  return new Promise((resolve) => {
    execFile(BIN, args, { env: { ...process.env, IHALA_PWHASH: 'fast' }, maxBuffer: 64 << 20, timeout: 120000 },
      (err, stdout, stderr) => resolve({ code: err ? err.code ?? 1 : 0, stdout, stderr }));
  });
}

// A small seeded generator (mulberry32), so a failure can be replayed.
function rng(seed) {
  return () => {
    seed |= 0;
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rand = rng(7011);
const pick = (xs) => xs[Math.floor(rand() * xs.length)];
const some = (xs, max) => [...new Set(Array.from({ length: 1 + Math.floor(rand() * max) }, () => pick(xs)))];
const word = () => 'Q' + Array.from({ length: 7 }, () => pick('bcdfghjklmnprstvz'.split('')) + pick('aeiou'.split(''))).join('');

const QI = ['gender', 'ageBroad', 'majorityStatus', 'citizenship', 'CountryOfExploitation', 'yearOfRegistration'];
const RARE_COUNTRIES = ['IS', 'NZ', 'UY', 'NO'];

// RFC 4180, as the server writes it (UTF-8 with a byte order mark, CRLF).
function parseCsv(text) {
  assert.equal(text.charCodeAt(0), 0xfeff, 'the file starts with a byte order mark');
  const s = text.slice(1);
  const rows = [];
  let row = [], cell = '', quoted = false;
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    if (quoted) {
      if (ch === '"' && s[i + 1] === '"') { cell += '"'; i++; }
      else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') { row.push(cell); cell = ''; }
    else if (ch === '\r' && s[i + 1] === '\n') { row.push(cell); rows.push(row); row = []; cell = ''; i++; }
    else cell += ch;
  }
  if (cell !== '' || row.length) { row.push(cell); rows.push(row); }
  const [head, ...body] = rows;
  return { head, rows: body.map((r) => Object.fromEntries(head.map((h, i) => [h, r[i]]))) };
}

// Rows grouped by their QI cells (an empty cell is a value like any other).
function groups(rows) {
  const g = new Map();
  for (const r of rows) {
    const key = JSON.stringify(QI.map((c) => r[c]));
    g.set(key, (g.get(key) || 0) + 1);
  }
  return g;
}

function birthDate() {
  const year = pick([1968, 1979, 1988, 1996, 2001, 2004, 2012]);
  return `${year}-${String(1 + Math.floor(rand() * 12)).padStart(2, '0')}-${String(1 + Math.floor(rand() * 28)).padStart(2, '0')}`;
}

describe(`[${BACKEND}] CTDC export`, () => {
  let server, cm, coordinator, analyst, auditor;
  const persons = [];   // {ref, given, family, birth, year}

  async function exportCtdc(body = {}, client = coordinator) {
    return client.post('/export/ctdc', body);
  }
  async function exported(body = {}) {
    const r = await exportCtdc(body);
    assert.equal(r.status, 200, r.text);
    assert.match(r.headers.get('content-type'), /^text\/csv/);
    const file = parseCsv(r.text);
    const h = (n) => Number(r.headers.get(n));
    return {
      ...file, text: r.text, persons: h('x-ihala-persons'), records: h('x-ihala-records'),
      droppedRows: h('x-ihala-suppressed-records'), blanked: h('x-ihala-suppressed-values'), k: h('x-ihala-k'),
    };
  }
  async function newCase(person, victim, opened) {
    const r = await cm.post('/cases', { person, victim, case: { status: 'Active', purpose: 'ProtectionAndAssistance', opened_date: opened } });
    assert.equal(r.status, 201, r.text);
    return r.json.ref;
  }

  before(async () => {
    server = await startServer({ initArgs: ['--demo-cases', '0'] });
    [cm, coordinator, analyst, auditor] = await Promise.all(['casemanager', 'coordinator', 'analyst', 'auditor'].map((u) => server.as(u)));
    // Common profiles: most persons share a few values.
    for (let i = 0; i < 110; i++) {
      const given = word(), family = word(), birth = birthDate();
      const year = pick([2025, 2025, 2026]);
      const person = { given_name_latin: given, family_name_latin: family, birth_date: birth,
        gender: rand() < 0.65 ? 'Feminine' : 'Masculine', citizenship: [pick(['ET', 'ET', 'PH', 'EG'])] };
      const victim = { trafficking_status: 'PossibleVictimOfTrafficking', exploitation_country: rand() < 0.85 ? 'BH' : 'AE',
        exploitation_types: some(['ForcedLabour', 'SexualExploitation', 'ForcedBegging'], 2),
        means_of_control: some(['DebtBondage', 'WithholdsDocuments', 'PhysicalThreats'], 2), recruiter_relation: pick(['Familial', 'Acquainted']) };
      const opened = `${year}-0${1 + Math.floor(rand() * 9)}-1${Math.floor(rand() * 9)}`;
      persons.push({ ref: await newCase(person, victim, opened), given, family, birth, year });
    }
    // Rare combinations: values no one else has.
    for (let i = 0; i < RARE_COUNTRIES.length; i++) {
      const given = word(), family = word(), birth = birthDate();
      const person = { given_name_latin: given, family_name_latin: family, birth_date: birth,
        gender: i % 2 ? 'TransgenderMasculine' : 'Feminine', citizenship: [RARE_COUNTRIES[i]] };
      const victim = { trafficking_status: 'PossibleVictimOfTrafficking', exploitation_country: RARE_COUNTRIES[(i + 1) % RARE_COUNTRIES.length] };
      persons.push({ ref: await newCase(person, victim, '2026-03-03'), given, family, birth, year: 2026 });
    }
  });
  after(async () => server && server.stop());

  test('one row per person in CTDC columns; every quasi-identifier combination shared by k rows or more', async () => {
    const f = await exported();
    assert.equal(f.k, 11, 'the default k (stats_ctdc_k)');
    for (const c of [...QI, 'Datasource', 'majorityStatusAtExploit', 'meansOfControlDebtBondage', 'isForcedLabour',
      'typeOfLabourNotSpecified', 'typeOfSexProstitution', 'RecruiterRelationship', 'recruiterRelationFamily'])
      assert.ok(f.head.includes(c), `column ${c}`);
    assert.equal(f.head[0], 'yearOfRegistration');
    assert.equal(f.persons, persons.length, 'every person selected');
    assert.equal(f.rows.length, f.records);
    assert.equal(f.records + f.droppedRows, f.persons);
    assert.ok(f.droppedRows < 11, 'fewer than k rows are ever left out');
    assert.ok(f.blanked > 0, 'the rare combinations needed values blanked');
    for (const [key, n] of groups(f.rows)) assert.ok(n >= 11, `group ${key} has ${n} rows`);
    for (const r of f.rows) {
      assert.equal(r.Datasource, 'Case Management');
      assert.ok(!RARE_COUNTRIES.includes(r.citizenship), `a rare citizenship is left: ${r.citizenship}`);
      assert.ok(!RARE_COUNTRIES.includes(r.CountryOfExploitation), `a rare country is left: ${r.CountryOfExploitation}`);
      assert.ok(['', 'Female', 'Male', 'Transgender/NonConforming'].includes(r.gender), r.gender);
      assert.ok(['', '0--8', '9--17', '18--20', '21--23', '24--26', '27--29', '30--38', '39--47', '48+'].includes(r.ageBroad), r.ageBroad);
      assert.ok(['', 'Minor', 'Adult'].includes(r.majorityStatus));
      assert.ok(['', '2025', '2026'].includes(r.yearOfRegistration), r.yearOfRegistration);
      assert.ok(['', '0', '1'].includes(r.isForcedLabour));
      if (r.RecruiterRelationship === 'Family/Relative') assert.equal(r.recruiterRelationFamily, '1');
    }
    // Not everything blanked: most persons keep most values.
    const kept = f.rows.filter((r) => r.citizenship && r.CountryOfExploitation && r.gender).length;
    assert.ok(kept > f.rows.length / 3, `${kept} of ${f.rows.length} rows keep gender, citizenship and country`);
    // The statistical flags come through.
    assert.ok(f.rows.some((r) => r.meansOfControlDebtBondage === '1'));
    assert.ok(f.rows.some((r) => r.typeOfLabourBegging === '1'));
  });

  test('no identifying value is in the file', async () => {
    const f = await exported();
    for (const p of persons) {
      assert.ok(!f.text.includes(p.given), 'a given name in the file');
      assert.ok(!f.text.includes(p.family), 'a family name in the file');
      assert.ok(!f.text.includes(p.birth), 'a birth date in the file');
      assert.ok(!f.text.includes(p.ref), 'a case reference in the file');
    }
    assert.ok(!/\d{4}-\d{2}-\d{2}/.test(f.text), 'no date at all');
  });

  test('a smaller k blanks fewer values; the rows still group by k', async () => {
    const at11 = await exported({ k: 11 });
    const at3 = await exported({ k: 3 });
    assert.equal(at3.k, 3);
    assert.ok(at3.blanked < at11.blanked, `k=3 blanks ${at3.blanked}, k=11 ${at11.blanked}`);
    for (const [key, n] of groups(at3.rows)) assert.ok(n >= 3, `group ${key} has ${n} rows`);
    const big = await exported({ k: 200 });   // more than there are persons: all blanked or left out
    assert.equal(big.rows.length + big.droppedRows, persons.length);
    for (const [key, n] of groups(big.rows)) assert.ok(n >= 200, `group ${key} has ${n} rows`);
  });

  test('registration dates select the persons', async () => {
    const f = await exported({ from: '2025-01-01', to: '2025-12-31' });
    assert.equal(f.persons, persons.filter((p) => p.year === 2025).length);
    for (const r of f.rows) assert.ok(['', '2025'].includes(r.yearOfRegistration));
    const none = await exported({ from: '2030-01-01' });
    assert.equal(none.persons, 0);
    assert.equal(none.rows.length, 0);
    assert.equal(none.head[0], 'yearOfRegistration', 'an empty file still has its header');
  });

  test('XLSX', async () => {
    const r = await exportCtdc({ format: 'xlsx', k: 5 });
    assert.equal(r.status, 200, r.text);
    assert.match(r.headers.get('content-type'), /spreadsheetml/);
    assert.match(r.headers.get('content-disposition'), /ihala-ctdc-\d{8}\.xlsx/);
    assert.equal(r.body.subarray(0, 2).toString('latin1'), 'PK');
    assert.equal(Number(r.headers.get('x-ihala-persons')), persons.length);
  });

  test('who may export: the coordinator only', async () => {
    for (const u of [analyst, cm, auditor]) {
      const r = await exportCtdc({}, u);
      assert.equal(r.status, 403, r.text);
      assert.equal(errCode(r), 'forbidden');
    }
    assert.equal((await server.client().post('/export/ctdc', {})).status, 401);
  });

  test('bad input: 400 with the field', async () => {
    const cases = [
      [{ k: 1 }, 'invalid', 'k'], [{ k: 0 }, 'invalid', 'k'], [{ k: -11 }, 'invalid', 'k'], [{ k: 1001 }, 'invalid', 'k'],
      [{ k: 'eleven' }, 'wrong_type', 'k'], [{ k: 11.5 }, 'wrong_type', 'k'],
      [{ format: 'pdf' }, 'invalid', 'format'], [{ from: '2025-13-01' }, 'invalid', 'from'], [{ from: 'yesterday' }, 'invalid', 'from'],
      [{ to: '2025-02-30' }, 'invalid', 'to'], [{ from: '2026-01-01', to: '2025-01-01' }, 'invalid', 'to'],
      [{ names: true }, 'unknown_field', 'names'],
    ];
    for (const [body, code, field] of cases) {
      const r = await exportCtdc(body);
      assert.equal(r.status, 400, `${JSON.stringify(body)}: ${r.text}`);
      assert.equal(errCode(r), code, JSON.stringify(body));
      assert.ok(field in r.json.error.fields, `${JSON.stringify(body)}: field ${field} in ${r.text}`);
    }
  });

  test('audited with the counts, and nothing personal', async () => {
    const f = await exported({ k: 7 });
    const rows = (await listAll(auditor, '/audit')).filter((x) => x.action === 'stats.export_ctdc');
    assert.ok(rows.length >= 1);
    const last = rows.find((x) => x.object_id === `k7-n${f.records}-r${f.droppedRows}-v${f.blanked}`);
    assert.ok(last, `an audit row for this export: ${JSON.stringify(rows.slice(-3))}`);
    assert.equal(last.object_type, 'ctdc');
    assert.equal(last.outcome, 'ok');
  });

  test('the command line writes the same kind of file: ihala stats ctdc', async () => {
    const out = join(server.parent, 'ctdc.csv');
    let r = await runCli(['stats', 'ctdc', server.dir, '--out', out, '--k', '4']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, new RegExp(`^persons: ${persons.length}$`, 'm'));
    assert.match(r.stdout, /^k: 4$/m);
    const written = Number(/^rows written: (\d+)$/m.exec(r.stdout)[1]);
    const left = Number(/^rows left out: (\d+)$/m.exec(r.stdout)[1]);
    assert.equal(written + left, persons.length);
    assert.equal(statSync(out).mode & 0o777, 0o600, 'the file is private');
    const f = parseCsv(readFileSync(out, 'utf8'));
    assert.equal(f.rows.length, written);
    for (const [key, n] of groups(f.rows)) assert.ok(n >= 4, `group ${key} has ${n} rows`);
    for (const p of persons) assert.ok(!readFileSync(out, 'utf8').includes(p.family));
    // The default k comes from ihala.conf (stats_ctdc_k).
    appendFileSync(join(server.dir, 'ihala.conf'), 'stats_ctdc_k = 6\n');
    r = await runCli(['stats', 'ctdc', server.dir, '--out', out]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^k: 6$/m);
    // Usage errors: exit 2, nothing written.
    const none = join(server.parent, 'none.csv');
    for (const args of [['--k', '1'], ['--k', 'x'], ['--format', 'pdf'], ['--from', '2025-02-30'], ['--from', '2026-01-01', '--to', '2025-01-01'], []]) {
      r = await runCli(['stats', 'ctdc', server.dir, ...(args.length ? ['--out', none, ...args] : [])]);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stdout}${r.stderr}`);
      assert.ok(!existsSync(none));
    }
    r = await runCli(['stats', 'ctdc', '--help']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /usage: ihala stats ctdc DIR --out FILE/);
  });

  test('a merged person is one row', async () => {
    const person = { given_name_latin: 'Ruqayya', family_name_latin: 'Barakzai', birth_date: '1993-07-21', gender: 'Feminine',
      citizenship: ['ET'], document_number: 'RB4477120' };
    const victim = { trafficking_status: 'PossibleVictimOfTrafficking', exploitation_country: 'BH' };
    const made = [await newCase(person, victim, '2026-02-02'), await newCase({ ...person, given_name_latin: 'Ruqaya' }, victim, '2026-02-03')];
    const before = await exported();
    assert.equal(before.persons, persons.length + 2);
    const pair = (await listAll(cm, '/link/pairs')).find((p) => p.cases.every((x) => made.includes(x.ref)));
    assert.ok(pair, 'the two cases are a pair to review');
    const d = await cm.post(`/link/pairs/${pair.id}/decision`, { decision: 'same', version: pair.version });
    assert.equal(d.status, 200, d.text);
    const after = await exported();
    assert.equal(after.persons, before.persons - 1, 'the merged person once');
    assert.equal(after.records + after.droppedRows, after.persons);
    assert.ok(!after.text.includes('Ruqay') && !after.text.includes('1993-07-21'));
  });
});
