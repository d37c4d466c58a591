// stats_releases.test.mjs: differentially private releases and the yearly
// budget (POST/GET /api/v1/stats/releases). The server runs with a small
// budget (3.0 a year, 0.5 a release, set in its ihala.conf); the coordinator
// makes releases until the budget is spent, some of them at the same moment,
// and the next is refused with 409 budget_exhausted. The analyst reads the
// ledger but cannot release. The noisy counts are compared with the exact
// ones (the coordinator's internal view): most differ, none by more than the
// noise can plausibly reach.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, BACKEND, errCode, listAll } from './lib.mjs';

// mulberry32, seeded: the generated cases are the same at every run.
function rng(seed) {
  return () => {
    seed |= 0;
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rand = rng(7077);
const pick = (xs) => xs[Math.floor(rand() * xs.length)];
const some = (xs, max) => [...new Set(Array.from({ length: Math.floor(rand() * (max + 1)) }, () => pick(xs)))];
const word = () => Array.from({ length: 8 }, () => pick('bcdfghjklmnpqrstvz'.split('')) + pick('aeiou'.split(''))).join('');

const GENDERS = ['Feminine', 'Masculine', undefined];
const AGES = [5, 15, 19, 25, 33, 50];
const COUNTRIES = ['EG', 'SD', 'ET', 'PH'];
const FORMS = ['ForcedLabour', 'SexualExploitation', 'ForcedBegging'];

function caseBody() {
  const person = { given_name: word(), family_name: word(), estimated_age: pick(AGES) };
  const gender = pick(GENDERS);
  if (gender) person.gender = gender;
  const citizenship = some(COUNTRIES, 2);
  if (citizenship.length) person.citizenship = citizenship;
  const forms = some(FORMS, 3);
  const victim = { trafficking_status: 'PossibleVictimOfTrafficking' };
  if (forms.length) victim.exploitation_types = forms;
  return { person, victim, case: { status: 'Active', purpose: 'ProtectionAndAssistance', opened_date: '2026-03-15' } };
}

const key = (k) => JSON.stringify(k);
const cellMap = (json) => new Map(json.cells.map((c) => [key(c.key), c]));
const thisYear = new Date().getUTCFullYear();

describe(`[${BACKEND}] differentially private releases`, () => {
  let server, cm, coordinator, analyst, auditor;
  const made = [];   // releases made (201 bodies)

  const release = (client, body) => client.post('/stats/releases', body);
  async function exact(params) {
    const r = await coordinator.get('/stats', { query: { view: 'internal', ...params } });
    assert.equal(r.status, 200, r.text);
    return r.json;
  }

  before(async () => {
    server = await startServer({ initArgs: ['--demo-cases', '0'] });
    // a small budget: stop, configure, start again (sessions live in the database)
    server.proc.kill('SIGTERM');
    await server.exited;
    appendFileSync(join(server.dir, 'ihala.conf'), 'stats_dp_budget = 3\nstats_dp_max_epsilon_per_release = 0.5\n');
    await server.start();
    await server.adminSetup();
    [cm, coordinator, analyst, auditor] = await Promise.all(
      ['casemanager', 'coordinator', 'analyst', 'auditor'].map((u) => server.as(u)));
    for (let i = 0; i < 60; i++) {
      const r = await cm.post('/cases', caseBody());
      assert.equal(r.status, 201, r.text);
    }
  });
  after(async () => server && server.stop());

  test('who may: the analyst reads the ledger but cannot release', async () => {
    const r = await release(analyst, { unit: 'persons', dims: ['person.gender'], epsilon: 0.1 });
    assert.equal(r.status, 403, r.text);
    assert.equal(errCode(r), 'forbidden');
    const l = await analyst.get('/stats/releases');
    assert.equal(l.status, 200, l.text);
    assert.deepEqual(l.json.items, []);
    const now = l.json.budgets.find((b) => b.year === thisYear);
    assert.deepEqual(now, { year: thisYear, budget: 3, spent: 0, left: 3 });
    const cmr = await release(cm, { unit: 'persons', dims: ['person.gender'], epsilon: 0.1 });
    assert.equal(cmr.status, 403);
    assert.equal((await cm.get('/stats/releases')).status, 403);
  });

  test('bad requests: epsilon, dimensions, open dimensions without values', async () => {
    const base = { unit: 'persons', dims: ['person.gender'] };
    for (const epsilon of [0, -1, 0.6, 2, '0.5', null, 0.0001, 0.1234]) {
      const r = await release(coordinator, { ...base, epsilon });
      assert.equal(r.status, 400, `epsilon ${epsilon}: ${r.text}`);
      assert.ok(r.json.error.fields.epsilon, r.text);
    }
    let r = await release(coordinator, { unit: 'persons', dims: ['person.gender'] });
    assert.equal(r.status, 400);
    assert.equal(errCode(r), 'missing_field');
    r = await release(coordinator, { ...base, dims: ['person.nothing'], epsilon: 0.1 });
    assert.equal(errCode(r), 'unknown_dimension');
    r = await release(coordinator, { ...base, dims: ['person.gender', 'person.age_band', 'victim.exploitation_types', 'case.status'], epsilon: 0.1 });
    assert.equal(errCode(r), 'too_many_dimensions');
    r = await release(coordinator, { ...base, filters: { 'person.nothing': ['x'] }, epsilon: 0.1 });
    assert.equal(r.status, 400);
    assert.equal(errCode(r), 'unknown_dimension');
    assert.ok(r.json.error.fields['filters.person.nothing'], r.text);
    r = await release(coordinator, { ...base, filters: { 'person.gender': 'Feminine' }, epsilon: 0.1 });
    assert.equal(errCode(r), 'wrong_type');
    r = await release(coordinator, { ...base, filters: { 'person.gender': ['Feminine', 'Feminine'] }, epsilon: 0.1 });
    assert.equal(errCode(r), 'invalid');
    r = await release(coordinator, { ...base, unit: 'planets', epsilon: 0.1 });
    assert.equal(errCode(r), 'invalid');
    r = await release(coordinator, { ...base, from: '2026-13-01', epsilon: 0.1 });
    assert.equal(errCode(r), 'invalid');
    // countries have no fixed list: the release must name them (a column must not appear because of one person)
    r = await release(coordinator, { unit: 'persons', dims: ['person.citizenship'], epsilon: 0.1 });
    assert.equal(r.status, 400, r.text);
    assert.equal(errCode(r), 'release_values_required');
    assert.ok(r.json.error.fields['filters.person.citizenship'], r.text);
    // none of these spent anything
    const l = await analyst.get('/stats/releases');
    assert.equal(l.json.budgets.find((b) => b.year === thisYear).spent, 0);
  });

  test('a release: every fixed value has its cell, noisy counts near the exact ones', async () => {
    const dims = ['person.gender', 'person.age_band'];
    const r = await release(coordinator, { unit: 'persons', dims, epsilon: 0.5 });
    assert.equal(r.status, 201, r.text);
    const rel = r.json;
    made.push(rel);
    assert.match(rel.id, /^[0-9a-f]{32}$/);
    assert.equal(rel.year, thisYear);
    assert.equal(rel.epsilon, 0.5);
    assert.equal(rel.sensitivity, 4);   // one person: one gender, one age band, and their margins
    assert.deepEqual(rel.noise, { mechanism: 'geometric', epsilon: 0.5, sensitivity: 4 });
    assert.deepEqual(rel.budget, { year: thisYear, budget: 3, spent: 0.5, left: 2.5 });
    assert.deepEqual(rel.query, { unit: 'persons', dims, filters: {}, date: 'registration', from: null, to: null });
    assert.equal(rel.unit, 'persons');
    assert.deepEqual(rel.dimensions.map((d) => d.name), dims);
    // all registry choices and the unknown, whatever the data holds
    const schema = (await cm.get('/schema')).json;
    const choices = (entity, k) => schema.entities.find((e) => e.name === entity).fields.find((f) => f.key === k).choices.map((c) => c.value);
    assert.deepEqual(rel.dimensions[0].values.map((v) => v.value), [...choices('person', 'gender'), null]);
    assert.deepEqual(rel.dimensions[1].values.map((v) => v.value), [...choices('person', 'age_band'), null]);
    const n0 = rel.dimensions[0].values.length, n1 = rel.dimensions[1].values.length;
    assert.equal(rel.cells.length, (n0 + 1) * (n1 + 1));
    for (const c of rel.cells) {
      assert.ok(Number.isInteger(c.count) && c.count >= 0, JSON.stringify(c));
      assert.ok(!c.suppressed);
    }
    assert.equal(rel.total, rel.cells.find((c) => c.key.every((k) => k === '*')).count);

    // against the exact counts
    const ex = cellMap(await exact({ unit: 'persons', dims: dims.join(',') }));
    let nonzero = 0, differ = 0, sumAbs = 0;
    for (const c of rel.cells) {
      const e = ex.get(key(c.key));
      const truth = e ? e.count : 0;
      const off = Math.abs(c.count - truth);
      // noise scale 4 / 0.5 = 8: P(|noise| > 320) = 2 q^321 / (1 + q) < 1e-17
      assert.ok(off <= 320, `cell ${key(c.key)}: ${c.count} vs ${truth}`);
      sumAbs += off;
      if (truth > 0) {
        nonzero++;
        if (c.count !== truth) differ++;
      }
    }
    // P(noise = 0) = (1 - q) / (1 + q) = 0.062: far fewer than half the non-zero cells can be exact
    assert.ok(nonzero >= 20, `${nonzero} non-zero cells`);
    assert.ok(differ * 2 > nonzero, `${differ} of ${nonzero} non-zero cells differ`);
    // the mean |noise| is 8 (less where a zero is clamped): well under 30 on average over the 88 cells
    assert.ok(sumAbs / rel.cells.length < 30, `mean error ${sumAbs / rel.cells.length}`);

    // stored, not drawn again: reading it gives the same numbers
    const g = await analyst.get(`/stats/releases/${rel.id}`);
    assert.equal(g.status, 200, g.text);
    assert.deepEqual(g.json.cells, rel.cells);
    assert.deepEqual(g.json.query, rel.query);
    assert.equal(g.json.epsilon, 0.5);
  });

  test('sensitivity follows the values of multi-valued dimensions', async () => {
    // exploitation types: 11 choices, a person may have all of them, plus the margin
    let r = await release(coordinator, { unit: 'persons', dims: ['victim.exploitation_types'], epsilon: 0.25 });
    assert.equal(r.status, 201, r.text);
    made.push(r.json);
    assert.equal(r.json.sensitivity, 12);
    assert.equal(r.json.dimensions[0].multi, true);
    // restricted to two forms by a filter: only those two cells (and the margin) are published
    r = await release(coordinator, { unit: 'persons', dims: ['victim.exploitation_types'],
      filters: { exploitation_types: ['ForcedLabour', 'SexualExploitation'] }, epsilon: 0.25 });
    assert.equal(r.status, 201, r.text);
    made.push(r.json);
    assert.equal(r.json.sensitivity, 3);
    assert.deepEqual(r.json.dimensions[0].values.map((v) => v.value), ['ForcedLabour', 'SexualExploitation']);
    assert.deepEqual(r.json.query.filters, { 'victim.exploitation_types': ['ForcedLabour', 'SexualExploitation'] });
    // countries named in the filter, the unknown included; a country nobody has still gets its cell
    r = await release(coordinator, { unit: 'persons', dims: ['person.citizenship', 'person.gender'],
      filters: { 'person.citizenship': ['EG', 'SD', 'NO', 'unknown'] }, epsilon: 0.5 });
    assert.equal(r.status, 201, r.text);
    made.push(r.json);
    assert.deepEqual(r.json.dimensions[0].values.map((v) => v.value), ['EG', 'SD', 'NO', null]);
    assert.equal(r.json.sensitivity, 4 * 2);   // three countries + margin, times gender + margin
    assert.deepEqual(r.json.budget, { year: thisYear, budget: 3, spent: 1.5, left: 1.5 });
  });

  test('releases at the same moment cannot overspend; then the budget is exhausted', async () => {
    // 1.5 left: of six releases of 0.5 fired at once, exactly three fit
    const clients = await Promise.all(Array.from({ length: 6 }, () => server.as('coordinator')));
    const rs = await Promise.all(clients.map((c) => release(c, { unit: 'cases', dims: ['case.status'], epsilon: 0.5 })));
    const ok = rs.filter((r) => r.status === 201), refused = rs.filter((r) => r.status === 409);
    assert.equal(ok.length, 3, rs.map((r) => `${r.status} ${r.text.slice(0, 200)}`).join('\n'));
    assert.equal(refused.length, 3);
    for (const r of ok) made.push(r.json);
    for (const r of refused) {
      assert.equal(errCode(r), 'budget_exhausted');
      assert.equal(r.json.error.fields.epsilon, 'budget_exhausted');
    }
    assert.deepEqual(ok.map((r) => r.json.budget.spent).sort((a, b) => a - b), [2, 2.5, 3]);
    // the next one, however small, is refused and says what is left
    const r = await release(coordinator, { unit: 'persons', dims: ['person.gender'], epsilon: 0.001 });
    assert.equal(r.status, 409, r.text);
    assert.equal(errCode(r), 'budget_exhausted');
    assert.deepEqual(r.json.error.budget, { year: thisYear, budget: 3, spent: 3, left: 0 });
    assert.match(r.json.error.message, /0\.000 of 3\.000 is left/);
  });

  test('the ledger lists every release, newest first, with the year spent', async () => {
    const items = await listAll(analyst, '/stats/releases');
    assert.equal(items.length, made.length);
    assert.deepEqual(new Set(items.map((i) => i.id)), new Set(made.map((m) => m.id)));
    for (let i = 1; i < items.length; i++) assert.ok(items[i - 1].created_at >= items[i].created_at);
    for (const it of items) {
      assert.equal(it.cells, undefined, 'the list carries no tables');
      const m = made.find((x) => x.id === it.id);
      assert.equal(it.epsilon, m.epsilon);
      assert.deepEqual(it.query, m.query);
      assert.equal(it.year, thisYear);
    }
    const sum = items.reduce((s, i) => s + Math.round(i.epsilon * 1000), 0);
    assert.equal(sum, 3000);
    // pages of two follow each other without repeats
    const p1 = await analyst.get('/stats/releases', { query: { limit: '2' } });
    assert.equal(p1.json.items.length, 2);
    assert.ok(p1.json.next_cursor);
    const p2 = await analyst.get('/stats/releases', { query: { limit: '2', cursor: p1.json.next_cursor } });
    assert.equal(p2.json.items.length, 2);
    assert.ok(!p2.json.items.some((i) => p1.json.items.some((j) => j.id === i.id)));
    const bad = await analyst.get('/stats/releases', { query: { cursor: 'nonsense' } });
    assert.equal(bad.status, 400);
    const l = await analyst.get('/stats/releases');
    assert.deepEqual(l.json.budgets.find((b) => b.year === thisYear), { year: thisYear, budget: 3, spent: 3, left: 0 });
    // one release, and ids that are not there
    assert.equal((await analyst.get(`/stats/releases/${'0'.repeat(32)}`)).status, 404);
    assert.equal((await analyst.get('/stats/releases/not-an-id')).status, 404);
  });

  test('releases and refusals are in the audit log', async () => {
    const rows = await listAll(auditor, '/audit');
    const rel = rows.filter((r) => r.action === 'stats.release');
    assert.equal(rel.filter((r) => r.outcome === 'ok').length, made.length);
    assert.ok(rel.filter((r) => r.outcome === 'denied').length >= 4);
    for (const m of made) assert.ok(rel.some((r) => r.object_id === m.id && r.outcome === 'ok'));
    assert.ok(rows.some((r) => r.action === 'stats.release.read'));
  });
});
