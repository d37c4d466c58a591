// Browser test of the statistics screens. The demo case manager registers
// cases of people of several genders and ages; the API counts exactly those
// more (internal view). The coordinator opens the dashboard in Arabic
// (right to left): the table and the chart of "persons by gender" hold the
// same numbers as the API for the card's own query, the stacked chart of
// age band by gender too, and the charts are mirrored (Chart.js says where
// it drew); the downloads give a PNG image, a CSV of the table in Arabic and
// the server's XLSX; a question of one's own (a breakdown and a filter)
// answers what the API answers. In the publication view a small
// cell shows the suppressed mark and the rule is stated with the API's
// threshold. The annual report's table totals are those of the API's report,
// and the page fits a 360 px screen. The analyst sees the dashboard in the
// publication view with no choice of the internal one (and the API refuses
// it).
//
//   IHALA_BIN=build/statsui/ihala node --test tests/ui/stats.test.mjs
//
// Screenshots: build/screenshots/stats-*.png
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { assertFits, htmlLang, login, NARROW, repo, setLang, shot, startFixture, tid, WIDE } from './lib.mjs';

const ar = JSON.parse(fs.readFileSync(path.join(repo, 'ui', 'i18n', 'ar.json'), 'utf8'));
const en = JSON.parse(fs.readFileSync(path.join(repo, 'ui', 'i18n', 'en.json'), 'utf8'));

const YEAR = new Date().getFullYear();
const MARK = '—';

let fx;

before(async () => {
  fx = await startFixture('ihala-ui-stats-');
});

after(async () => {
  if (fx) await fx.stop();
});

async function api(page, method, url, body) {
  return page.evaluate(
    async ([m, u, b]) => {
      const r = await fetch(u, {
        method: m,
        headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': sessionStorage.getItem('ihala.csrf') || '' },
        body: b === undefined ? undefined : JSON.stringify(b),
      });
      const buf = new Uint8Array(await r.arrayBuffer());
      const text = new TextDecoder().decode(buf);
      let json = null;
      try {
        json = JSON.parse(text);
      } catch {
        json = null;
      }
      return { status: r.status, json, text, type: r.headers.get('content-type'), head: Array.from(buf.slice(0, 4)) };
    },
    [method, url, body],
  );
}

async function signIn(page, user, lang) {
  await page.goto(fx.base + '/');
  await page.locator(tid('login-form')).waitFor();
  await setLang(page, lang);
  await login(page, user, fx.creds[user]);
  await page.locator(tid('logout')).waitFor();
  await setLang(page, lang);
}

function todayYmd() {
  const d = new Date();
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}

// The people registered by the test: gender, estimated age, the age band the
// server derives from it (registry: person.age_band), how many.
const PEOPLE = [
  { gender: 'Feminine', age: 19, band: '18-20', n: 3 },
  { gender: 'Masculine', age: 25, band: '24-26', n: 2 },
  { gender: 'TransgenderMasculine', age: 35, band: '30-38', n: 2 },
  { gender: 'Feminine', age: 16, band: '9-17', n: 1 },
];

const cellOf = (result, key) => result.cells.find((c) => JSON.stringify(c.key) === JSON.stringify(key));
/** A cell's count; 0 when the server lists no such cell; 'S' when suppressed. */
const countOf = (result, key) => {
  const c = cellOf(result, key);
  if (!c) return 0;
  return c.suppressed ? 'S' : c.count;
};

/** The card's numbers as the page shows them: {keyJSON: count | 'S'}. */
async function cardCells(page, card) {
  return page.locator(`${tid('stats-card-' + card)} ${tid('stats-table')} td[data-key]`).evaluateAll((tds) => {
    const out = {};
    for (const td of tds) out[td.dataset.key] = td.dataset.suppressed === 'true' ? 'S' : Number(td.dataset.count);
    return out;
  });
}

async function cardReady(page, card) {
  const c = page.locator(tid('stats-card-' + card));
  await c.locator(tid('stats-table')).waitFor();
  await c.locator(`${tid('stats-chart')}[data-ready="true"]`).waitFor();
  return c;
}

test('statistics: dashboard, publication view and annual report', async (t) => {
  const cm = await fx.newPage();
  const co = await fx.newPage();
  const an = await fx.newPage();
  const range = `from=${YEAR}-01-01&to=${YEAR}-12-31`;
  const crossQ = `unit=persons&dims=person.gender,person.age_band&date=registration&${range}&view=internal`;

  await t.test('the API counts the cases the case manager registers', async () => {
    await signIn(cm, 'casemanager', 'en');
    await signIn(co, 'coordinator', 'ar');
    const before = await api(co, 'GET', '/api/v1/stats?' + crossQ);
    assert.equal(before.status, 200, before.text);
    const today = todayYmd();
    for (const p of PEOPLE) {
      for (let k = 0; k < p.n; k++) {
        const r = await api(cm, 'POST', '/api/v1/cases', {
          person: { gender: p.gender, estimated_age: p.age },
          victim: { trafficking_status: 'PossibleVictimOfTrafficking', exploitation_types: ['ForcedLabour'] },
          case: { status: 'Active', purpose: 'ProtectionAndAssistance', opened_date: today },
        });
        assert.equal(r.status, 201, r.text);
      }
    }
    const afterR = await api(co, 'GET', '/api/v1/stats?' + crossQ);
    assert.equal(afterR.status, 200, afterR.text);
    const added = new Map();
    for (const p of PEOPLE) added.set(p.gender + '|' + p.band, (added.get(p.gender + '|' + p.band) ?? 0) + p.n);
    for (const [k, n] of added) {
      const key = k.split('|');
      assert.equal(countOf(afterR.json, key) - countOf(before.json, key), n, `persons ${key.join(' ')} went up by ${n}`);
    }
    assert.equal(afterR.json.total - before.json.total, 8, 'eight more persons in all');
  });

  await t.test('the coordinator reads the dashboard in Arabic; the charts hold the API numbers', async () => {
    await co.goto(fx.base + '/#/stats');
    assert.deepEqual(await htmlLang(co), { lang: 'ar', dir: 'rtl' });
    await co.locator(tid('stats-dashboard')).waitFor();
    assert.equal((await co.textContent('#stats-title')).trim(), ar['stats.title']);
    assert.equal((await co.locator(tid('nav-stats')).textContent()).trim(), ar['stats.nav']);
    assert.equal(await co.locator('select[name="stats-view"]').inputValue(), 'internal');
    assert.equal(await co.locator(`${tid('stats-rule')}`).getAttribute('data-view'), 'internal');

    // persons by gender: the table, the chart and the API agree
    const card = await cardReady(co, 'gender');
    await cardReady(co, 'trend');
    await cardReady(co, 'forms');
    const qs = await card.getAttribute('data-query');
    assert.match(qs, /unit=persons/);
    assert.match(qs, /dims=person\.gender/);
    assert.match(qs, /view=internal/);
    const fromApi = (await api(co, 'GET', '/api/v1/stats?' + qs)).json;
    const shown = await cardCells(co, 'gender');
    const dim = fromApi.dimensions[0];
    assert.ok(dim.values.length >= 3, 'several genders');
    for (const v of dim.values) assert.equal(shown[JSON.stringify([v.value])], countOf(fromApi, [v.value]), `table cell ${v.value}`);
    assert.equal(shown[JSON.stringify(['*'])], fromApi.total, 'total row');
    assert.ok(countOf(fromApi, ['TransgenderMasculine']) >= 2, 'the registered people are counted');
    const chart = JSON.parse(await card.locator(tid('stats-chart')).getAttribute('data-chart'));
    assert.deepEqual(
      chart.series[0].data,
      dim.values.map((v) => countOf(fromApi, [v.value])),
      'the bars are the counts, in the order of the values',
    );
    // the chart's labels are the Arabic ones the server gives
    const fem = dim.values.findIndex((v) => v.value === 'Feminine');
    assert.equal(chart.labels[fem], dim.values[fem].label.ar);
    // the table's text uses the reader's digits
    const femText = (await card.locator(`td[data-key='${JSON.stringify(['Feminine'])}']`).textContent()).trim();
    assert.equal(femText, new Intl.NumberFormat('ar').format(countOf(fromApi, ['Feminine'])));

    // the stacked chart: age band along, one series per gender
    const cross = await cardReady(co, 'gender-age');
    const crossApi = (await api(co, 'GET', '/api/v1/stats?' + (await cross.getAttribute('data-query')))).json;
    const stacked = JSON.parse(await cross.locator(tid('stats-chart')).getAttribute('data-chart'));
    assert.equal(stacked.kind, 'stacked');
    const [bands, genders] = crossApi.dimensions;
    assert.equal(stacked.series.length, genders.values.length);
    genders.values.forEach((g, k) =>
      assert.deepEqual(
        stacked.series[k].data,
        bands.values.map((b) => countOf(crossApi, [b.value, g.value])),
        `series ${g.value}`,
      ),
    );
    const crossShown = await cardCells(co, 'gender-age');
    assert.equal(crossShown[JSON.stringify(['30-38', 'TransgenderMasculine'])], countOf(crossApi, ['30-38', 'TransgenderMasculine']));
    assert.ok(countOf(crossApi, ['30-38', 'TransgenderMasculine']) >= 2);

    // key figures: the cases registered this year, as the API counts them
    const kf = co.locator(tid('stats-kf-cases'));
    await kf.locator('[data-count]').waitFor();
    const kfApi = (await api(co, 'GET', '/api/v1/stats?' + (await kf.getAttribute('data-query')))).json;
    assert.equal(Number(await kf.locator('[data-count]').getAttribute('data-count')), kfApi.total);
    assert.ok(kfApi.total >= 8);

    // RTL: the charts are mirrored. Chart.js (the lazily loaded chunk) tells
    // where it drew: the categories of the trend run from the right, the
    // value axis stands on the right, bars lying down grow to the left.
    const drawn = await co.evaluate(async () => {
      const url = performance
        .getEntriesByType('resource')
        .map((e) => e.name)
        .find((n) => /\/assets\/chart-[^/]*\.js$/.test(n));
      const mod = await import(url);
      const Chart = Object.values(mod).find((v) => typeof v === 'function' && typeof v.getChart === 'function');
      const scales = (card) => {
        const ch = Chart.getChart(document.querySelector(`[data-testid="stats-card-${card}"] canvas`));
        const lying = ch.options.indexAxis === 'y';
        const cat = lying ? ch.scales.y : ch.scales.x;
        const val = lying ? ch.scales.x : ch.scales.y;
        return {
          lying,
          firstCat: cat.getPixelForTick(0),
          lastCat: cat.getPixelForTick(cat.ticks.length - 1),
          zero: val.getPixelForValue(0),
          ten: val.getPixelForValue(10),
          catLeft: cat.left,
          valLeft: val.left,
          legendRtl: ch.options.plugins.legend.rtl,
        };
      };
      return { trend: scales('trend'), forms: scales('forms') };
    });
    const { trend: tr, forms: fo } = drawn;
    assert.equal(tr.lying, false);
    assert.ok(tr.firstCat > tr.lastCat, 'January on the right, December on the left: ' + JSON.stringify(tr));
    assert.ok(tr.valLeft > tr.catLeft, 'the value axis on the right: ' + JSON.stringify(tr));
    assert.equal(fo.lying, true);
    assert.ok(fo.ten < fo.zero, 'bars grow to the left: ' + JSON.stringify(fo));
    assert.ok(fo.catLeft > fo.valLeft, 'the names on the right: ' + JSON.stringify(fo));
    assert.equal(tr.legendRtl, true);
    await shot(co, 'stats-ar-1280-dashboard');
  });

  await t.test('the downloads: the image, the CSV table in Arabic, the XLSX from the server', async () => {
    const card = co.locator(tid('stats-card-gender'));
    const [png] = await Promise.all([co.waitForEvent('download'), card.locator(tid('stats-dl-png')).click()]);
    assert.match(png.suggestedFilename(), /\.png$/);
    const pngBytes = fs.readFileSync(await png.path());
    assert.deepEqual([...pngBytes.subarray(1, 4)], [0x50, 0x4e, 0x47], 'a PNG file');
    assert.ok(pngBytes.length > 1000, 'with a drawing in it');

    const [csv] = await Promise.all([co.waitForEvent('download'), card.locator(tid('stats-dl-csv')).click()]);
    assert.match(csv.suggestedFilename(), /\.csv$/);
    const text = fs.readFileSync(await csv.path(), 'utf8');
    assert.ok(text.includes(ar['stats.total']), 'Arabic labels in the CSV');
    const fromApi = (await api(co, 'GET', '/api/v1/stats?' + (await card.getAttribute('data-query')))).json;
    const fem = fromApi.dimensions[0].values.find((v) => v.value === 'Feminine');
    assert.ok(text.split('\r\n').some((l) => l === `${fem.label.ar},${countOf(fromApi, ['Feminine'])}`), 'the Feminine row: ' + text);

    const href = await card.locator(tid('stats-dl-xlsx')).getAttribute('href');
    assert.match(href, /format=xlsx/);
    const xlsx = await api(co, 'GET', href);
    assert.equal(xlsx.status, 200, xlsx.text.slice(0, 200));
    assert.deepEqual(xlsx.head.slice(0, 2), [0x50, 0x4b], 'an XLSX (zip) file');
  });

  await t.test('a question of ones own: gender of the persons aged 30 to 38', async () => {
    const ex = co.locator(tid('stats-explore'));
    await ex.locator('select[name="stats-dim-1"]').selectOption('person.gender');
    await ex.locator('select[name="stats-filter-dim"]').selectOption('person.age_band');
    const box = ex.locator(tid('stats-filter-values'));
    await box.locator('input[value="30-38"]').check();
    await co.waitForFunction(() => {
      const c = document.querySelector('[data-testid="stats-card-explore"]');
      const q = (c && c.getAttribute('data-query')) || '';
      return /filter\.person\.age_band=30-38/.test(q) && /dims=person\.gender/.test(q) && c.querySelector('[data-ready="true"]');
    });
    const card = co.locator(tid('stats-card-explore'));
    const fromApi = (await api(co, 'GET', '/api/v1/stats?' + (await card.getAttribute('data-query')))).json;
    const shown = await cardCells(co, 'explore');
    for (const v of fromApi.dimensions[0].values) assert.equal(shown[JSON.stringify([v.value])], countOf(fromApi, [v.value]), v.value);
    assert.ok(countOf(fromApi, ['TransgenderMasculine']) >= 2, 'the two people aged 35');
    assert.equal(countOf(fromApi, ['Feminine']), shown['["Feminine"]']);
    // the filter does narrow the count: fewer persons than the whole year
    const all = (await api(co, 'GET', '/api/v1/stats?' + (await co.locator(tid('stats-card-gender')).getAttribute('data-query')))).json;
    assert.ok(fromApi.total < all.total, `${fromApi.total} < ${all.total}`);
  });

  await t.test('in the publication view a small cell is not shown, and the rule says why', async () => {
    await co.selectOption('select[name="stats-view"]', 'publication');
    await co.locator(`${tid('stats-dashboard')}[data-view="publication"]`).waitFor();
    const card = co.locator(tid('stats-card-gender'));
    await co.waitForFunction(() => {
      const c = document.querySelector('[data-testid="stats-card-gender"]');
      return c && /view=publication/.test(c.getAttribute('data-query') || '') && c.querySelector('[data-testid="stats-table"]');
    });
    const fromApi = (await api(co, 'GET', '/api/v1/stats?' + (await card.getAttribute('data-query')))).json;
    assert.equal(fromApi.view, 'publication');
    assert.ok(fromApi.threshold > 2, 'a threshold above the small cell');
    const small = card.locator(`td[data-key='${JSON.stringify(['TransgenderMasculine'])}']`);
    assert.equal(await small.getAttribute('data-suppressed'), 'true', 'two persons are not published');
    assert.equal(countOf(fromApi, ['TransgenderMasculine']), 'S', 'nor does the API publish them');
    assert.match(await small.textContent(), new RegExp(MARK));
    assert.equal(await small.getAttribute('data-count'), null, 'no number behind the mark');
    const rule = co.locator(tid('stats-rule'));
    assert.equal(await rule.getAttribute('data-view'), 'publication');
    assert.equal(Number(await rule.getAttribute('data-threshold')), fromApi.threshold);
    const ruleText = await rule.textContent();
    assert.ok(ruleText.includes(new Intl.NumberFormat('ar').format(fromApi.threshold - 1)), 'the rule names the largest hidden count: ' + ruleText);
    assert.ok(ruleText.includes(MARK));
    // the chart leaves the suppressed bar out
    const chart = JSON.parse(await card.locator(tid('stats-chart')).getAttribute('data-chart'));
    const k = fromApi.dimensions[0].values.findIndex((v) => v.value === 'TransgenderMasculine');
    assert.equal(chart.series[0].data[k], null);
    await shot(co, 'stats-ar-1280-publication');
  });

  await t.test('the annual report: its tables carry the API totals, and it prints without the navigation', async () => {
    await co.goto(fx.base + '/#/stats/report');
    const report = co.locator(tid('stats-report'));
    await report.waitFor();
    await co.selectOption(`${tid('stats-report')} select[name="stats-view"]`, 'internal');
    await co.locator(`${tid('stats-report')}[data-view="internal"]`).waitFor();
    await co.locator(tid('stats-report-table')).first().waitFor();
    const fromApi = await api(co, 'GET', `/api/v1/stats/report?year=${YEAR}&view=internal`);
    assert.equal(fromApi.status, 200, fromApi.text);
    assert.ok(fromApi.json.tables.length >= 1, 'the report has tables');
    assert.equal(await co.locator(tid('stats-report-table')).count(), fromApi.json.tables.length);
    for (const tab of fromApi.json.tables) {
      const sec = co.locator(`${tid('stats-report-table')}[data-key="${tab.key}"]`);
      assert.equal((await sec.locator('h2').textContent()).includes(tab.title.ar), true, 'Arabic title of ' + tab.key);
      const all = JSON.stringify(tab.result.dimensions.map(() => '*'));
      const td = sec.locator(`td[data-key='${all}']`);
      if (typeof tab.result.total === 'number') assert.equal(Number(await td.getAttribute('data-count')), tab.result.total, 'total of ' + tab.key);
    }
    const first = fromApi.json.tables.find((x) => typeof x.result.total === 'number' && x.result.total > 0);
    assert.ok(first, 'a table with people in it');
    assert.equal(await co.locator(tid('stats-rule')).getAttribute('data-view'), 'internal');

    await co.emulateMedia({ media: 'print' });
    assert.equal(await co.locator('.nav').isVisible(), false, 'no navigation on paper');
    assert.equal(await co.locator(tid('stats-print')).isVisible(), false, 'no buttons on paper');
    assert.equal(await co.locator(tid('stats-report-table')).first().isVisible(), true);
    await co.emulateMedia({ media: 'screen' });
    assert.equal(await co.locator('.nav').isVisible(), true);
    await shot(co, 'stats-ar-1280-report');

    // the publication view states its rule on the page too
    await co.selectOption(`${tid('stats-report')} select[name="stats-view"]`, 'publication');
    await co.locator(`${tid('stats-rule')}[data-view="publication"]`).waitFor();
  });

  await t.test('a 360 px screen: the dashboard and the report fit', async () => {
    await co.setViewportSize(NARROW);
    await co.goto(fx.base + '/#/stats/report');
    await co.locator(tid('stats-report-table')).first().waitFor();
    await assertFits(co, 'ar report 360');
    await shot(co, 'stats-ar-360-report');
    await co.goto(fx.base + '/#/stats');
    await cardReady(co, 'gender');
    await cardReady(co, 'gender-age');
    await cardReady(co, 'forms');
    await assertFits(co, 'ar dashboard 360');
    const canvasWidth = await co.locator(`${tid('stats-card-gender')} canvas`).evaluate((c) => c.getBoundingClientRect().width);
    assert.ok(canvasWidth > 200 && canvasWidth <= 360, 'the chart takes the width of the phone: ' + canvasWidth);
    await shot(co, 'stats-ar-360-dashboard');
    await co.setViewportSize(WIDE);
  });

  await t.test('the analyst sees the publication view only', async () => {
    await signIn(an, 'analyst', 'en');
    await an.goto(fx.base + '/#/stats');
    assert.deepEqual(await htmlLang(an), { lang: 'en', dir: 'ltr' });
    await an.locator(tid('stats-dashboard')).waitFor();
    assert.equal(await an.locator(`${tid('stats-dashboard')}`).getAttribute('data-view'), 'publication');
    assert.equal(await an.locator('select[name="stats-view"]').count(), 0, 'no choice of view');
    assert.equal((await an.locator(tid('stats-view-fixed')).textContent()).trim(), en['stats.view_publication']);
    assert.equal(await an.locator(tid('stats-rule')).getAttribute('data-view'), 'publication');
    const card = await cardReady(an, 'gender');
    const qs = await card.getAttribute('data-query');
    assert.match(qs, /view=publication/);
    assert.equal(await card.locator(`td[data-key='${JSON.stringify(['TransgenderMasculine'])}']`).getAttribute('data-suppressed'), 'true');
    const internal = await api(an, 'GET', '/api/v1/stats?' + qs.replace('view=publication', 'view=internal'));
    assert.equal(internal.status, 403, 'the server refuses the internal view to an analyst');
    await an.goto(fx.base + '/#/stats/report');
    await an.locator(tid('stats-report-table')).first().waitFor();
    assert.equal(await an.locator('select[name="stats-view"]').count(), 0);
    await shot(an, 'stats-en-1280-report');
  });

  await t.test('no page errors or CSP violations', () => {
    assert.deepEqual(fx.problems, []);
  });
});
