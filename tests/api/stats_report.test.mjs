// stats_report.test.mjs: GET /api/v1/stats/report, the annual report. The
// test records cases of one past year (the demonstration cases all lie in
// the last two years), then checks every cell of every table against counts
// it computes itself from the cases it sent; that the publication view hides
// the small cells and never writes their counts; the configured threshold;
// who may ask for which view; bad input; and the audit rows.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, BACKEND, errCode, listAll } from './lib.mjs';

const YEAR = 2019;

// The cases: [how many, values]. age is an estimated age (it gives the band).
const GROUPS = [
  [14, { gender: 'Feminine', age: 25, cit: 'NP', ts: 'ActualVictimOfTrafficking', decided: '2019-03-10',
    types: ['ForcedLabour', 'Servitude'], status: 'Active', opened: '2019-02-01' }],
  [3, { gender: 'Masculine', age: 31, cit: 'EG', ts: 'PossibleVictimOfTrafficking', decided: '2019-05-01',
    types: ['ForcedLabour'], status: 'Closed', reason: 'SupportCompleted', opened: '2019-04-01' }],
  // identified after the year: registered in it, not identified in it
  [2, { gender: 'Feminine', age: 16, cit: 'PH', ts: 'ActualVictimOfTrafficking', decided: '2020-01-15',
    types: ['SexualExploitation'], status: 'FollowUp', opened: '2019-11-01' }],
  // decided not to be victims
  [2, { gender: 'Masculine', age: 40, cit: 'ET', ts: 'NotAVictimOfTrafficking', decided: '2019-06-01',
    types: ['ForcedLabour'], status: 'Closed', reason: 'NotAVictim', opened: '2019-05-05' }],
  // registered the year before, identified in the year
  [1, { gender: 'Feminine', age: 22, cit: 'NP', ts: 'ActualVictimOfTrafficking', decided: '2019-01-02',
    types: ['ForcedLabour', 'SexualExploitation'], status: 'Active', opened: '2018-12-31' }],
  // another year altogether
  [2, { gender: 'Feminine', age: 28, cit: 'NP', ts: 'ActualVictimOfTrafficking', decided: '2017-08-01',
    types: ['ForcedLabour'], status: 'Active', opened: '2017-07-01' }],
];
const CASES = GROUPS.flatMap(([n, v]) => Array.from({ length: n }, () => v));

// CTDC age bands, as the registry states them.
function band(age) {
  const bands = [[8, '0-8'], [17, '9-17'], [20, '18-20'], [23, '21-23'], [26, '24-26'], [29, '27-29'], [38, '30-38'], [47, '39-47']];
  for (const [hi, b] of bands) if (age <= hi) return b;
  return '48+';
}
const inYear = (date) => date >= `${YEAR}-01-01` && date <= `${YEAR}-12-31`;

// The tables as the test understands them: which cases, and each case's values per dimension.
const EXPECTED = {
  identified_persons: {
    dims: ['person.gender', 'person.age_band', 'victim.exploitation_types'],
    keep: (c) => ['ActualVictimOfTrafficking', 'PossibleVictimOfTrafficking'].includes(c.ts) && inYear(c.decided),
    values: (c) => [[c.gender], [band(c.age)], c.types],
  },
  citizenship: {
    dims: ['person.citizenship'],
    keep: (c) => inYear(c.opened),
    values: (c) => [[c.cit]],
  },
  referrals: { dims: ['referral.state', 'referral.service'], keep: () => false, values: () => [[], []] },
  services: { dims: ['service.type'], keep: () => false, values: () => [[]] },
  case_outcomes: {
    dims: ['case.status', 'case.closure_reason'],
    keep: (c) => inYear(c.opened),
    values: (c) => [[c.status], [c.reason ?? null]],
  },
};

// The count of a cell key (values, "*" for the margin, null for unknown): the
// units whose values match every coordinate, each counted once.
function expectedCount(spec, key) {
  return CASES.filter(spec.keep).filter((c) => {
    const vals = spec.values(c);
    return key.every((k, d) => k === '*' || vals[d].includes(k));
  }).length;
}

function body(v) {
  const b = {
    person: { given_name_latin: 'Report', gender: v.gender, estimated_age: v.age, citizenship: [v.cit] },
    victim: { trafficking_status: v.ts, status_decision_date: v.decided, exploitation_types: v.types },
    case: {
      status: v.status, opened_date: v.opened, registration_year: Number(v.opened.slice(0, 4)),
      purpose: 'ProtectionAndAssistance', legal_basis: 'Consent',
    },
  };
  if (v.reason) {
    b.case.closure_reason = v.reason;
    b.case.closed_date = v.opened;
  }
  return b;
}

const cellKey = (key) => JSON.stringify(key);

describe(`[${BACKEND}] GET /api/v1/stats/report`, () => {
  let server, cm, coordinator, analyst, auditor;
  const report = (client, query) => client.get('/stats/report', { query });

  before(async () => {
    server = await startServer();
    cm = await server.as('casemanager');
    coordinator = await server.as('coordinator');
    analyst = await server.as('analyst');
    auditor = await server.as('auditor');
    for (const v of CASES) {
      const r = await cm.post('/cases', body(v));
      assert.equal(r.status, 201, r.text);
    }
  });
  after(async () => {
    if (server) await server.stop();
  });

  test('internal view: every cell of every table equals the count of the cases sent', async () => {
    const r = await report(coordinator, { year: String(YEAR), view: 'internal' });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.year, YEAR);
    assert.equal(r.json.view, 'internal');
    assert.equal(r.json.threshold, null);
    assert.deepEqual(r.json.tables.map((t) => t.key), Object.keys(EXPECTED));
    for (const t of r.json.tables) {
      const spec = EXPECTED[t.key];
      assert.ok(t.title.en && t.title.ar, `${t.key} has titles in both languages`);
      assert.deepEqual(t.suppression, { primary: 0, secondary: 0 }, `${t.key}: nothing suppressed internally`);
      assert.match(t.title.ar, /[\u0600-\u06FF]/, `${t.key}: the Arabic title is in Arabic script`);
      assert.deepEqual(t.result.dimensions.map((d) => d.name), spec.dims, t.key);
      const seen = new Set();
      for (const cell of t.result.cells) {
        assert.ok(!cell.suppressed, `${t.key} ${cellKey(cell.key)}: nothing is suppressed internally`);
        assert.equal(cell.count, expectedCount(spec, cell.key), `${t.key} cell ${cellKey(cell.key)}`);
        seen.add(cellKey(cell.key));
      }
      // Every combination with units in it is in the answer.
      for (const c of CASES.filter(spec.keep)) {
        const vals = spec.values(c);
        const keys = vals.reduce((acc, vs) => acc.flatMap((k) => vs.map((v) => [...k, v])), [[]]);
        for (const k of keys) assert.ok(seen.has(cellKey(k)), `${t.key}: cell ${cellKey(k)} missing`);
      }
      const total = t.result.cells.find((cell) => cell.key.every((k) => k === '*'));
      assert.equal(total.count, expectedCount(spec, spec.dims.map(() => '*')), `${t.key} total`);
    }
    // The figures the tables must show, stated plainly as well.
    const byKey = Object.fromEntries(r.json.tables.map((t) => [t.key, t.result]));
    const count = (table, key) => byKey[table].cells.find((c) => cellKey(c.key) === cellKey(key)).count;
    assert.equal(count('identified_persons', ['*', '*', '*']), 18);   // 14 + 3 + 1: not the later, not the non-victims
    assert.equal(count('identified_persons', ['Feminine', '24-26', 'Servitude']), 14);
    assert.equal(count('identified_persons', ['*', '*', 'ForcedLabour']), 18);
    assert.equal(count('identified_persons', ['Feminine', '*', '*']), 15);
    assert.equal(count('citizenship', ['*']), 21);
    assert.equal(count('citizenship', ['NP']), 14);
    assert.equal(count('case_outcomes', ['Closed', 'NotAVictim']), 2);
    assert.equal(count('case_outcomes', ['Active', null]), 14);
    assert.equal(count('referrals', ['*', '*']), 0);
  });

  test('the first and last years accepted answer (empty tables)', async () => {
    for (const year of ['1971', '2200']) {
      const r = await report(coordinator, { year, view: 'internal' });
      assert.equal(r.status, 200, `${year}: ${r.text}`);
      for (const t of r.json.tables)
        assert.equal(t.result.cells.find((c) => c.key.every((k) => k === '*')).count, 0, `${year} ${t.key}`);
    }
  });

  test('another year counts other cases', async () => {
    const r = await report(coordinator, { year: '2017', view: 'internal' });
    assert.equal(r.status, 200, r.text);
    const cit = r.json.tables.find((t) => t.key === 'citizenship').result;
    assert.equal(cit.cells.find((c) => cellKey(c.key) === cellKey(['*'])).count, 2);
  });

  test('publication view (the default): small cells suppressed, their counts never written', async () => {
    const internal = (await report(coordinator, { year: String(YEAR), view: 'internal' })).json;
    for (const client of [analyst, coordinator]) {
      const r = await report(client, { year: String(YEAR) });
      assert.equal(r.status, 200, r.text);
      assert.equal(r.json.view, 'publication');
      assert.equal(r.json.threshold, 11);
      for (const t of r.json.tables) {
        const exact = new Map(internal.tables.find((x) => x.key === t.key).result.cells.map((c) => [cellKey(c.key), c.count]));
        let hidden = 0;
        for (const cell of t.result.cells) {
          const n = exact.get(cellKey(cell.key));
          if (cell.suppressed) {
            hidden++;
            assert.ok(!('count' in cell), `${t.key} ${cellKey(cell.key)} carries no count`);
          } else {
            assert.equal(cell.count, n, `${t.key} ${cellKey(cell.key)}: a shown cell is exact`);
            assert.ok(n === 0 || n >= 11, `${t.key} ${cellKey(cell.key)}: ${n} shown although below 11`);
          }
        }
        assert.equal(t.suppression.primary + t.suppression.secondary, hidden, `${t.key}: the count of suppressed cells`);
      }
      const ip = r.json.tables.find((t) => t.key === 'identified_persons').result.cells;
      const cell = (key) => ip.find((c) => cellKey(c.key) === cellKey(key));
      assert.equal(cell(['Feminine', '24-26', 'Servitude']).count, 14);
      assert.equal(cell(['Masculine', '30-38', 'ForcedLabour']).suppressed, true);
      const cit = r.json.tables.find((t) => t.key === 'citizenship').result.cells;
      for (const cc of ['EG', 'PH', 'ET']) assert.equal(cit.find((c) => cellKey(c.key) === cellKey([cc])).suppressed, true, cc);
      // Three hidden values: their sum (21 - 14 = 7) is public, none of them is.
      assert.equal(cit.find((c) => cellKey(c.key) === cellKey(['NP'])).count, 14);
      // Not a single small count anywhere in the body.
      assert.doesNotMatch(r.text, /"count":\s*([1-9]|10)\b/);
    }
  });

  test('analysts may not see exact counts; case managers no report at all', async () => {
    let r = await report(analyst, { year: String(YEAR), view: 'internal' });
    assert.equal(r.status, 403, r.text);
    assert.equal(errCode(r), 'forbidden');
    r = await report(cm, { year: String(YEAR) });
    assert.equal(r.status, 403, r.text);
    r = await server.client().get('/stats/report', { query: { year: String(YEAR) } });
    assert.equal(r.status, 401, r.text);
  });

  test('bad input: 400 with the field', async () => {
    for (const [query, field] of [
      [{}, 'year'], [{ year: '' }, 'year'], [{ year: 'abcd' }, 'year'], [{ year: '2019x' }, 'year'],
      [{ year: '1970' }, 'year'], [{ year: '2201' }, 'year'], [{ year: '9999' }, 'year'], [{ year: '-2019' }, 'year'],
      [{ year: String(YEAR), view: 'everything' }, 'view'],
    ]) {
      const r = await report(coordinator, query);
      assert.equal(r.status, 400, `${JSON.stringify(query)}: ${r.text}`);
      assert.equal(errCode(r), 'invalid');
      assert.ok(field in r.json.error.fields, `${JSON.stringify(query)}: field ${field} in ${r.text}`);
    }
  });

  test('audited: stats.report with year and view; the refused internal view as access.denied', async () => {
    const rows = await listAll(auditor, '/audit');
    const reports = rows.filter((a) => a.action === 'stats.report');
    assert.ok(reports.some((a) => a.object_id === `${YEAR}:internal` && a.outcome === 'ok'), 'internal report audited');
    assert.ok(reports.some((a) => a.object_id === `${YEAR}:publication`), 'publication report audited');
    assert.ok(rows.some((a) => a.action === 'access.denied' && a.object_id === 'stats.internal'), 'refusal audited');
  });

  test('the threshold comes from stats_publication_threshold', async () => {
    server.proc.kill('SIGTERM');
    await server.exited;
    appendFileSync(join(server.dir, 'ihala.conf'), 'stats_publication_threshold = 3\n');
    await server.start();
    coordinator = await server.as('coordinator');
    const r = await report(coordinator, { year: String(YEAR) });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.threshold, 3);
    const cit = r.json.tables.find((t) => t.key === 'citizenship').result.cells;
    const cell = (cc) => cit.find((c) => cellKey(c.key) === cellKey([cc]));
    assert.equal(cell('EG').count, 3, 'a count of 3 is published at threshold 3');
    assert.equal(cell('PH').suppressed, true, 'a count of 2 is not');
    assert.equal(cell('ET').suppressed, true, 'nor its complement');
  });
});
