// stats.test.mjs: GET /api/v1/stats against an independent count. The test
// makes cases of generated values (a seeded generator), refers some, logs
// services, edits, erases and merges, and after each step compares every cell
// and margin the server gives with what it counts itself from what it sent.
// Also: the publication view for the analyst (no small cell shows, no line
// holds exactly one hidden cell), who may see what, bad parameters, files.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { renameSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, BACKEND, BIN, errCode } from './lib.mjs';

// mulberry32: a small seeded generator, so a failure can be replayed.
function rng(seed) {
  return () => {
    seed |= 0;
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rand = rng(20261123);
const pick = (xs) => xs[Math.floor(rand() * xs.length)];
const some = (xs, max) => [...new Set(Array.from({ length: Math.floor(rand() * (max + 1)) }, () => pick(xs)))];
const word = () => Array.from({ length: 9 }, () => pick('bcdfghjklmnpqrstvwxz'.split('')) + pick('aeiou'.split(''))).join('');

const GENDERS = ['Feminine', 'Masculine', undefined];
const AGES = { 5: '0-8', 15: '9-17', 19: '18-20', 25: '24-26', 33: '30-38', 50: '48+' };
const COUNTRIES = ['EG', 'SD', 'ET', 'PH'];
const FORMS = ['ForcedLabour', 'SexualExploitation', 'ForcedBegging'];
const STATUSES = ['PossibleVictimOfTrafficking', 'ActualVictimOfTrafficking', 'NotAVictimOfTrafficking'];

// One generated case: the body sent and the values the test expects the server to count.
function generate() {
  const age = pick(Object.keys(AGES));
  const person = { given_name: word(), family_name: word(), estimated_age: Number(age) };
  const gender = pick(GENDERS);
  if (gender) person.gender = gender;
  const citizenship = some(COUNTRIES, 2);
  if (citizenship.length) person.citizenship = citizenship;
  // a case without a victim record (status unknown) now and then; a victim record needs its status
  const withVictim = rand() < 0.85;
  const forms = withVictim ? some(FORMS, 3) : [];
  const victim = {};
  if (forms.length) victim.exploitation_types = forms;
  const status = withVictim ? pick(STATUSES) : undefined;
  if (status) victim.trafficking_status = status;
  const year = pick([2025, 2026]);
  const opened = `${year}-${String(1 + Math.floor(rand() * 10)).padStart(2, '0')}-${String(1 + Math.floor(rand() * 28)).padStart(2, '0')}`;
  let decided = null;
  if (status === 'ActualVictimOfTrafficking' && rand() < 0.7) {
    decided = `${year}-11-${String(1 + Math.floor(rand() * 20)).padStart(2, '0')}`;
    victim.status_decision_date = decided;
  }
  const body = { person, ...(withVictim ? { victim } : {}), case: { status: 'Active', purpose: 'ProtectionAndAssistance', opened_date: opened } };
  const values = {
    'person.gender': gender ?? null,
    'person.age_band': AGES[age],
    'person.citizenship': citizenship,
    'victim.exploitation_types': forms,
    'victim.trafficking_status': status ?? null,
    'case.registration_year': String(year),
    'case.registration_month': opened.slice(0, 7),
    'case.identification_year': decided ? decided.slice(0, 4) : null,
    'case.status': 'Active',
    reg: opened,
    idn: decided,
  };
  return { body, values };
}

const MULTI = new Set(['person.citizenship', 'victim.exploitation_types', 'referral.service']);
// The values of a unit along a dimension: a list (an empty list is "unknown": [null]).
function valuesOf(unit, dim) {
  const v = unit[dim];
  if (Array.isArray(v)) return v.length ? v : [null];
  return [v ?? null];
}
// The independent count: {key (JSON of the values, "*" for margins): count}, each unit once per cell.
function expected(units, dims) {
  const out = new Map();
  const bump = (key) => out.set(JSON.stringify(key), (out.get(JSON.stringify(key)) || 0) + 1);
  for (const u of units) {
    // every combination of (a value or the margin) per dimension, each once per unit
    let combos = [[]];
    for (const d of dims) {
      const vals = [...new Set(valuesOf(u, d)), '*'];
      combos = combos.flatMap((c) => vals.map((v) => [...c, v]));
    }
    for (const c of combos) bump(c);
  }
  return out;
}
// The server's cells as the same map; zero cells left out on both sides.
function served(json) {
  const out = new Map();
  for (const c of json.cells) {
    assert.ok(!c.suppressed, 'the internal view suppresses nothing');
    if (c.count) out.set(JSON.stringify(c.key), c.count);
  }
  return out;
}
function sameCounts(json, units, dims, what) {
  const want = expected(units, dims);
  const got = served(json);
  const diff = [];
  for (const [k, v] of want) if (got.get(k) !== v) diff.push(`${k}: want ${v}, got ${got.get(k)}`);
  for (const [k, v] of got) if (!want.has(k)) diff.push(`${k}: want 0, got ${v}`);
  assert.deepEqual(diff, [], `${what}: ${diff.slice(0, 10).join('; ')}`);
}
const qs = (params) => new URLSearchParams(params).toString();

describe(`[${BACKEND}] statistics`, () => {
  let server, cm, coordinator, analyst, shelter, admin, authority;
  const cases = [];   // {ref, values}

  async function stats(client, params) {
    return client.get(`/stats?${qs(params)}`);
  }
  async function internal(params) {
    const r = await stats(coordinator, { view: 'internal', ...params });
    assert.equal(r.status, 200, r.text);
    return r.json;
  }
  const live = () => cases.filter((c) => !c.erased);

  before(async () => {
    // no synthetic demonstration cases: the test knows every case it counts
    server = await startServer({ initArgs: ['--demo-cases', '0'] });
    admin = await server.adminSetup();
    [cm, coordinator, analyst, shelter, authority] = await Promise.all(
      ['casemanager', 'coordinator', 'analyst', 'shelter', 'authority'].map((u) => server.as(u)));
    for (let i = 0; i < 70; i++) {
      const g = generate();
      const r = await cm.post('/cases', g.body);
      assert.equal(r.status, 201, r.text);
      cases.push({ ref: r.json.ref, values: g.values });
    }
  });
  after(async () => server && server.stop());

  test('cases by gender and age band: every cell and margin equals an independent count', async () => {
    const dims = ['person.gender', 'person.age_band'];
    const json = await internal({ unit: 'cases', dims: dims.join(',') });
    assert.equal(json.unit, 'cases');
    assert.equal(json.view, 'internal');
    assert.deepEqual(json.dimensions.map((d) => d.name), dims);
    assert.equal(json.total, cases.length);
    sameCounts(json, live().map((c) => c.values), dims, 'gender x age band');
    // the labels come from the registry, in both languages
    const fem = json.dimensions[0].values.find((v) => v.value === 'Feminine');
    assert.ok(fem && fem.label.en && fem.label.ar && fem.label.ar !== fem.label.en, JSON.stringify(fem));
  });

  test('multi-valued dimensions: a case counts in each of its values and once in the margin', async () => {
    for (const dims of [['victim.exploitation_types'], ['person.citizenship', 'victim.exploitation_types'],
      ['victim.exploitation_types', 'person.gender', 'person.citizenship']]) {
      const json = await internal({ unit: 'cases', dims: dims.join(',') });
      sameCounts(json, live().map((c) => c.values), dims, dims.join(' x '));
      assert.equal(json.total, live().length);
      assert.equal(json.dimensions[0].multi, true);
    }
  });

  test('filters and date ranges', async () => {
    const dims = ['person.citizenship', 'case.registration_month'];
    const json = await internal({ unit: 'cases', dims: dims.join(','), 'filter.person.gender': 'Feminine,unknown',
      from: '2025-03-01', to: '2026-06-30' });
    const units = live().map((c) => c.values).filter((v) => (v['person.gender'] === 'Feminine' || v['person.gender'] === null) &&
      v.reg >= '2025-03-01' && v.reg <= '2026-06-30');
    assert.ok(units.length > 5 && units.length < live().length, `a real filter (${units.length})`);
    sameCounts(json, units, dims, 'filtered');
    // a bare key is accepted when unambiguous; date=identification filters on the decision's date
    const idn = await internal({ unit: 'cases', dims: 'identification_year', date: 'identification', from: '2025-11-05', to: '2026-12-31' });
    const decided = live().map((c) => c.values).filter((v) => v.idn && v.idn >= '2025-11-05');
    assert.ok(decided.length > 0);
    sameCounts(idn, decided, ['case.identification_year'], 'identification year');
    // a filter on a multi-valued dimension keeps a unit having any of the values
    const multi = await internal({ unit: 'cases', dims: 'person.gender', 'filter.victim.exploitation_types': 'ForcedBegging' });
    sameCounts(multi, live().map((c) => c.values).filter((v) => v['victim.exploitation_types'].includes('ForcedBegging')),
      ['person.gender'], 'multi filter');
  });

  test('edits and erasure change the counts at once', async () => {
    const victim = cases[3];
    const r0 = await cm.get(`/cases/${victim.ref}`);
    assert.equal(r0.status, 200, r0.text);
    const newGender = victim.values['person.gender'] === 'Masculine' ? 'Feminine' : 'Masculine';
    const p = await cm.patch(`/cases/${victim.ref}`, { version: r0.json.version, person: { ...r0.json.person, gender: newGender } });
    assert.equal(p.status, 200, p.text);
    victim.values['person.gender'] = newGender;
    const gone = cases[5];
    const d = await cm.del(`/cases/${gone.ref}`);
    assert.equal(d.status, 204, d.text);
    gone.erased = true;
    const json = await internal({ unit: 'cases', dims: 'person.gender,victim.trafficking_status' });
    sameCounts(json, live().map((c) => c.values), ['person.gender', 'victim.trafficking_status'], 'after edit and erasure');
    assert.equal(json.total, cases.length - 1);
  });

  test('referrals and services are counted with their own dimensions and their case\'s', async () => {
    const safeOrg = (await shelter.get('/me')).json.org;
    const refs = [];
    for (const c of live().slice(10, 22)) {
      let r = await cm.post(`/cases/${c.ref}/consents`, { purpose: 'domestic_referral', given: true, date: '2026-11-01' });
      assert.equal(r.status, 201, r.text);
      const services = some(['Accommodation', 'Legal', 'Health'], 2);
      if (!services.length) services.push('Health');
      r = await cm.post('/referrals', { case: c.ref, to_org: safeOrg.id, services, urgency: 'routine', reason: 'statistics test', profile: 'minimal' });
      assert.equal(r.status, 201, r.text);
      const unit = { ...c.values, 'referral.state': 'sent', 'referral.service': services };
      if (rand() < 0.5) {
        const t = await shelter.post(`/referrals/${r.json.id}/transitions`, { to: 'acknowledged', version: r.json.version });
        assert.equal(t.status, 200, t.text);
        unit['referral.state'] = 'acknowledged';
      }
      refs.push(unit);
    }
    for (const dims of [['referral.state'], ['referral.state', 'referral.service'], ['referral.service', 'person.gender']]) {
      const json = await internal({ unit: 'referrals', dims: dims.join(',') });
      sameCounts(json, refs, dims, `referrals ${dims}`);
    }
    const svcs = [];
    for (const c of live().slice(30, 36)) {
      for (const type of some(['Health', 'Legal', 'Psychological'], 2)) {
        const r = await cm.post(`/cases/${c.ref}/services`, { support_type: type, date: '2026-10-15' });
        assert.equal(r.status, 201, r.text);
        svcs.push({ ...c.values, 'service.type': type });
      }
    }
    const json = await internal({ unit: 'services', dims: 'service.type,person.age_band' });
    sameCounts(json, svcs, ['service.type', 'person.age_band'], 'services');
    // a referral dimension is refused for persons
    const bad = await stats(coordinator, { view: 'internal', unit: 'persons', dims: 'referral.state' });
    assert.equal(bad.status, 400);
    assert.equal(errCode(bad), 'dimension_not_for_unit');
    assert.deepEqual(Object.keys(bad.json.error.fields), ['dims']);
  });

  test('a merged person counts once; undoing the merge counts two again', async () => {
    const person = { given_name: 'Zainab', family_name: 'Quraishiyya', birth_date: '1990-04-12', gender: 'Feminine',
      document_number: 'QZ9930012' };
    const made = [];
    for (const given of ['Zainab', 'Zaynab']) {
      const r = await cm.post('/cases', { person: { ...person, given_name: given },
        case: { status: 'Active', purpose: 'ProtectionAndAssistance', opened_date: '2026-02-02' } });
      assert.equal(r.status, 201, r.text);
      made.push(r.json.ref);
      cases.push({ ref: r.json.ref, values: { 'person.gender': 'Feminine', 'person.age_band': '30-38', 'person.citizenship': [],
        'victim.exploitation_types': [], 'victim.trafficking_status': null, 'case.registration_year': '2026',
        'case.registration_month': '2026-02', 'case.identification_year': null, 'case.status': 'Active', reg: '2026-02-02', idn: null } });
    }
    const persons0 = (await internal({ unit: 'persons' })).total;
    const cases0 = (await internal({ unit: 'cases' })).total;
    assert.equal(cases0, live().length);
    assert.equal(persons0, cases0, 'no merge yet: one person per case');
    const list = await cm.get('/link/pairs');
    assert.equal(list.status, 200, list.text);
    const pair = list.json.items.find((p) => p.cases.every((x) => made.includes(x.ref)));
    assert.ok(pair, `the two cases are a pair to review: ${list.text}`);
    const d = await cm.post(`/link/pairs/${pair.id}/decision`, { decision: 'same', version: pair.version });
    assert.equal(d.status, 200, d.text);
    assert.equal((await internal({ unit: 'persons' })).total, persons0 - 1);
    assert.equal((await internal({ unit: 'cases' })).total, cases0);
    const byGender = await internal({ unit: 'persons', dims: 'person.gender' });
    assert.equal(byGender.total, persons0 - 1);
    const u = await cm.post(`/link/merges/${d.json.merge_id}/undo`, {});
    assert.equal(u.status, 200, u.text);
    assert.equal((await internal({ unit: 'persons' })).total, persons0);
  });

  test('publication view: no small cell shows, and none can be recovered from its line', async () => {
    const r = await stats(analyst, { unit: 'cases', dims: 'person.gender,person.age_band' });
    assert.equal(r.status, 200, r.text);
    const json = r.json;
    assert.equal(json.view, 'publication');
    assert.equal(json.threshold, 11);
    let hidden = 0;
    for (const c of json.cells) {
      if (c.suppressed) {
        hidden++;
        assert.equal(c.count, undefined);
      } else {
        assert.ok(c.count === 0 || c.count >= 11, `a small count shows: ${JSON.stringify(c)}`);
      }
    }
    assert.ok(hidden > 0, 'with 70 cases over 18 cells, some are hidden');
    // every line (one dimension varying, margin included) hides none or at least two cells
    const byKey = new Map(json.cells.map((c) => [JSON.stringify(c.key), c]));
    const vals = json.dimensions.map((d) => [...d.values.map((v) => v.value), '*']);
    for (let d = 0; d < 2; d++) {
      for (const fixed of vals[1 - d]) {
        const line = vals[d].map((v) => byKey.get(JSON.stringify(d === 0 ? [v, fixed] : [fixed, v])));
        const n = line.filter((c) => c.suppressed).length;
        assert.ok(n !== 1, `line ${d}/${fixed} hides exactly one cell`);
      }
    }
    // the analyst may not ask for exact counts; the coordinator may
    const denied = await stats(analyst, { view: 'internal', unit: 'cases' });
    assert.equal(denied.status, 403);
    assert.deepEqual(Object.keys(denied.json.error.fields), ['view']);
    assert.equal((await stats(coordinator, { view: 'internal' })).status, 200);
  });

  test('who may count: analysts and the coordinator only; nothing personal in any reply', async () => {
    for (const client of [cm, shelter, admin, authority]) {
      const r = await stats(client, { dims: 'person.gender' });
      assert.equal(r.status, 403, r.text);
    }
    const r = await stats(coordinator, { view: 'internal', unit: 'cases', dims: 'person.citizenship,case.registration_month' });
    for (const c of cases.slice(0, 20)) {
      assert.ok(!r.text.includes(c.ref), 'no case reference');
    }
    assert.ok(!r.text.includes('Quraishiyya') && !r.text.includes('1990-04-12'), 'no personal value');
    const dims = await analyst.get('/stats/dimensions');
    assert.equal(dims.status, 200, dims.text);
    const names = dims.json.dimensions.map((d) => d.name);
    for (const n of ['person.gender', 'person.age_band', 'person.citizenship', 'victim.exploitation_types',
      'victim.trafficking_status', 'victim.status_decided_by', 'victim.labour_sector', 'victim.means_of_control',
      'victim.exploitation_country', 'case.status', 'case.closure_reason', 'case.registration_year',
      'case.identification_year', 'referral.state', 'referral.service', 'service.type']) {
      assert.ok(names.includes(n), `dimension ${n}`);
    }
    assert.ok(!names.includes('person.given_name') && !names.includes('person.birth_date'), 'no identifying field');
  });

  test('bad parameters: a code, both languages, the parameter at fault', async () => {
    const cases = [
      [{ dims: 'person.shoe_size' }, 'unknown_dimension', 'dims'],
      [{ dims: 'given_name' }, 'unknown_dimension', 'dims'],
      [{ dims: 'person.gender,person.age_band,victim.trafficking_status,case.status' }, 'too_many_dimensions', 'dims'],
      [{ dims: 'person.gender,person.gender' }, 'invalid', 'dims'],
      [{ unit: 'households' }, 'invalid', 'unit'],
      [{ from: '2026-02-30' }, 'invalid', 'from'],
      [{ from: '2026-05-01', to: '2026-01-01' }, 'invalid', 'to'],
      [{ date: 'birth' }, 'invalid', 'date'],
      [{ view: 'secret' }, 'invalid', 'view'],
      [{ format: 'pdf' }, 'invalid', 'format'],
      [{ 'filter.referral.state': 'sent' }, 'dimension_not_for_unit', 'filter.referral.state'],
    ];
    for (const [params, code, field] of cases) {
      const r = await stats(coordinator, params);
      assert.equal(r.status, 400, `${JSON.stringify(params)}: ${r.text}`);
      assert.equal(errCode(r), code, JSON.stringify(params));
      assert.deepEqual(Object.keys(r.json.error.fields), [field], JSON.stringify(params));
      assert.match(r.json.error.message, /[a-z].* \/ .*[\u0600-\u06ff]/u);
    }
  });

  test('CSV and XLSX of a table hold the same counts', async () => {
    const params = { view: 'internal', unit: 'cases', dims: 'person.gender', format: 'csv' };
    const r = await stats(coordinator, params);
    assert.equal(r.status, 200, r.text);
    assert.match(r.headers.get('content-type'), /text\/csv/);
    const json = await internal({ unit: 'cases', dims: 'person.gender' });
    const lines = r.text.trim().split(/\r?\n/);
    assert.equal(lines[0], 'person.gender,count,suppressed');
    assert.equal(lines.length - 1, json.cells.length);
    const total = lines.find((l) => l.startsWith('Total,'));
    assert.equal(Number(total.split(',')[1]), json.total);
    const x = await stats(coordinator, { ...params, format: 'xlsx' });
    assert.equal(x.status, 200);
    assert.match(x.headers.get('content-type'), /spreadsheetml/);
    const pub = await stats(analyst, { unit: 'cases', dims: 'person.gender,person.age_band', format: 'csv', lang: 'ar' });
    assert.equal(pub.status, 200, pub.text);
    assert.match(pub.text, /المجموع/);
    for (const l of pub.text.trim().split(/\r?\n/).slice(1)) {
      const [, , count, flag] = l.split(',');
      if (flag === 'suppressed') assert.equal(count, '');
      else assert.ok(Number(count) === 0 || Number(count) >= 11, l);
    }
  });

  // Last: stops the server. Counting needs no key: the command line counts with the keys moved away.
  test('the statistics run with the master key absent', async () => {
    const want = await internal({ unit: 'cases', dims: 'person.gender,victim.exploitation_types' });
    server.proc.kill('SIGTERM');
    await server.exited;
    const keys = join(server.dir, 'keys');
    renameSync(keys, `${keys}.away`);
    try {
      const args = ['stats', server.dir, '--unit', 'cases', '--dims', 'person.gender,victim.exploitation_types',
        '--view', 'internal', '--format', 'json'];
      const out = execFileSync(BIN, args, { env: server.env, encoding: 'utf8' });
      const got = JSON.parse(out);
      assert.deepEqual(got.cells, want.cells);
      assert.equal(got.total, live().length);
      sameCounts(got, live().map((c) => c.values), ['person.gender', 'victim.exploitation_types'], 'without the key');
    } finally {
      renameSync(`${keys}.away`, keys);
    }
  });
});
