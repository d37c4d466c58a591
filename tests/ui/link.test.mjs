// Browser test of the review queue of likely duplicates, in Arabic on a
// 360 px wide phone screen. The demo case manager ("Hope Shelter") records
// the same woman twice, once as Zainab and once as Zaynab, born the same
// day: the check on save puts the pair in the queue. The case manager opens
// the queue from the menu, finds the pair, opens it (the two records side by
// side, the given names marked one letter apart, the family name and the
// birth date identical), and decides "same person": the API then shows the
// pair decided and a merge whose two cases are one person. The merged pair
// is listed under "Merged", where the case manager undoes the merge: the
// API shows two persons again and the pair open. The coordinator sees the
// same pair without any of its values; in English at 1280 px the screen
// reads in English.
//
//   IHALA_BIN=build/linkui/ihala node --test tests/ui/link.test.mjs
//
// Screenshots: build/screenshots/link-{ar-360,en-1280}-*.png
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { assertFits, htmlLang, login, NARROW, repo, setLang, shot, startFixture, tid, WIDE } from './lib.mjs';

const ar = JSON.parse(fs.readFileSync(path.join(repo, 'ui', 'i18n', 'ar.json'), 'utf8'));
const en = JSON.parse(fs.readFileSync(path.join(repo, 'ui', 'i18n', 'en.json'), 'utf8'));

let fx;

before(async () => {
  fx = await startFixture('ihala-ui-link-');
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
      const text = await r.text();
      let json = null;
      try {
        json = JSON.parse(text);
      } catch {
        json = null;
      }
      return { status: r.status, json, text };
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

// One woman recorded twice: a spelling variant of the given name, the same family name and birth date.
const FIRST = {
  given_name: 'زينب',
  given_name_latin: 'Zainab',
  family_name: 'بركزي',
  family_name_latin: 'Barakzai',
  birth_date: '1994-07-21',
  gender: 'Feminine',
  citizenship: ['AF'],
};
const SECOND = { given_name_latin: 'Zaynab', family_name_latin: 'Barakzai', birth_date: '1994-07-21', gender: 'Feminine' };

async function newCase(page, person) {
  const r = await api(page, 'POST', '/api/v1/cases', { person, case: { status: 'Active', purpose: 'ProtectionAndAssistance' } });
  assert.equal(r.status, 201, r.text);
  return r.json.ref;
}

/** Every pair of a status the signed-in user sees (all pages). */
async function allPairs(page, status) {
  const out = [];
  let cursor = null;
  for (let k = 0; k < 100; k++) {
    const q = new URLSearchParams({ limit: '200' });
    if (status) q.set('status', status);
    if (cursor) q.set('cursor', cursor);
    const r = await api(page, 'GET', '/api/v1/link/pairs?' + q);
    assert.equal(r.status, 200, r.text);
    out.push(...r.json.items);
    cursor = r.json.next_cursor;
    if (!cursor) break;
  }
  return out;
}

const refsOf = (p) => p.cases.map((c) => c.ref).sort().join(' ');

test('the review queue: same person, then undo, in Arabic at 360 px', async (t) => {
  const cm = await fx.newPage();
  await cm.setViewportSize(NARROW);
  let refA, refB, pairId, mergeId, persons, refs;

  await t.test('two records of one woman make a pair when the second is saved', async () => {
    await signIn(cm, 'casemanager', 'ar');
    assert.deepEqual(await htmlLang(cm), { lang: 'ar', dir: 'rtl' });
    refA = await newCase(cm, FIRST);
    refB = await newCase(cm, SECOND);
    refs = [refA, refB].sort().join(' ');
    const pair = (await allPairs(cm)).find((p) => refsOf(p) === refs);
    assert.ok(pair, `a pair for ${refs}`);
    assert.equal(pair.status, 'open');
    assert.equal(pair.class, 'likely');
    pairId = pair.id;
    persons = Object.fromEntries(pair.cases.map((c) => [c.ref, c.person_id]));
    assert.notEqual(persons[refA], persons[refB], 'two persons until someone decides');
  });

  await t.test('the case manager finds the pair in the queue and opens it', async () => {
    await cm.click(tid('nav-link'));
    await cm.locator(`${tid('link-queue')}[data-status="open"]`).waitFor();
    assert.equal((await cm.textContent('#link-title')).trim(), ar['link.title']);
    assert.equal(await cm.getAttribute(tid('link-tab-open'), 'aria-current'), 'page');
    const item = cm.locator(`${tid('pair-item')}[data-refs="${refs}"]`);
    await item.waitFor();
    assert.equal(await item.getAttribute('data-class'), 'likely');
    assert.equal((await item.locator(tid('pair-class')).textContent()).trim(), ar['link.class.likely']);
    // both case references link to the cases
    const hrefs = await item.locator(tid('pair-case-link')).evaluateAll((as) => as.map((a) => a.getAttribute('href')));
    assert.deepEqual(hrefs.sort(), [refA, refB].map((r) => '#/cases/' + encodeURIComponent(r)).sort());
    // the agreeing fields, in words
    const given = item.locator('li[data-field="given"]');
    assert.equal(await given.getAttribute('data-level'), 'close');
    assert.match(await given.textContent(), new RegExp(ar['link.level.close']));
    assert.equal(await item.locator('li[data-field="birth"]').getAttribute('data-level'), 'exact');
    await assertFits(cm, 'ar queue 360');
    await shot(cm, 'link-ar-360-queue');

    await item.locator(tid('pair-open')).click();
    const view = cm.locator(`${tid('pair-view')}[data-id="${pairId}"][data-status="open"]`);
    await view.waitFor();
    await cm.locator(tid('pair-compare')).waitFor();
    assert.equal((await cm.textContent('#pair-title')).trim(), ar['link.pair_title']);
    const group = (f) => cm.locator(`${tid('compare-group')}[data-field="${f}"]`);
    assert.equal(await group('given').getAttribute('data-level'), 'close');
    assert.equal((await group('given').locator(tid('compare-level')).textContent()).trim(), ar['link.level.close']);
    assert.equal(await group('family').getAttribute('data-level'), 'exact');
    assert.equal(await group('birth').getAttribute('data-level'), 'exact');
    // the two records' values side by side: Zainab beside Zaynab, in the order of the pair
    const detail = await api(cm, 'GET', `/api/v1/link/pairs/${pairId}`);
    const order = detail.json.cases.map((c) => c.ref);
    const latin = group('given').locator('tr[data-key="given_name_latin"]');
    const byRef = { [refA]: 'Zainab', [refB]: 'Zaynab' };
    assert.equal((await latin.locator('td[data-side="a"]').textContent()).trim(), byRef[order[0]]);
    assert.equal((await latin.locator('td[data-side="b"]').textContent()).trim(), byRef[order[1]]);
    assert.match(await group('given').textContent(), /زينب/);
    assert.equal(await cm.locator(tid('pair-no-values')).count(), 0, 'the case manager reads both records');
    await assertFits(cm, 'ar pair 360');
    await shot(cm, 'link-ar-360-pair');
  });

  await t.test('"same person" merges the two records', async () => {
    await cm.click(tid('decide-same'));
    await cm.click(tid('decide-same-yes'));
    await cm.locator(`${tid('pair-view')}[data-status="same"]`).waitFor();
    assert.equal((await cm.textContent(tid('notice'))).trim(), ar['link.decided_same']);
    assert.equal(await cm.locator(tid('decide-same')).count(), 0, 'no second decision');
    await cm.locator(tid('pair-undo')).waitFor();
    await assertFits(cm, 'ar pair decided 360');

    const r = await api(cm, 'GET', `/api/v1/link/pairs/${pairId}`);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.status, 'same');
    assert.match(r.json.merge_id, /^[0-9a-f]{32}$/);
    mergeId = r.json.merge_id;
    assert.equal(r.json.cases[0].person_id, r.json.cases[1].person_id, 'one person now');
    assert.ok(Object.values(persons).includes(r.json.cases[0].person_id));
    assert.ok((await allPairs(cm, 'same')).some((p) => p.id === pairId && p.merge_id === mergeId));
    assert.ok(!(await allPairs(cm)).some((p) => p.id === pairId), 'no longer waiting for a decision');
  });

  await t.test('the coordinator sees the pair, but none of its values', async () => {
    const co = await fx.newPage();
    await co.setViewportSize(NARROW);
    await signIn(co, 'coordinator', 'ar');
    await co.goto(fx.base + '/#/link/' + pairId);
    await co.locator(`${tid('pair-view')}[data-status="same"]`).waitFor();
    await co.locator(tid('pair-no-values')).waitFor();
    await co.locator(tid('pair-compare')).waitFor();
    const text = await co.textContent(tid('pair-view'));
    for (const v of ['Zainab', 'Zaynab', 'زينب', 'Barakzai', '1994']) assert.ok(!text.includes(v), `the coordinator sees ${v}`);
    assert.equal(await co.locator(`${tid('compare-group')}[data-field="given"]`).getAttribute('data-level'), 'close');
    assert.equal(await co.locator(tid('pair-case-link')).count(), 0, 'the coordinator reads no case');
    await assertFits(co, 'ar coordinator pair 360');
    await co.context().close();
  });

  await t.test('the merge is listed under "Merged" and undone there', async () => {
    await cm.click(tid('pair-back'));
    await cm.locator(`${tid('link-queue')}[data-status="same"]`).waitFor();
    assert.equal(await cm.getAttribute(tid('link-tab-same'), 'aria-current'), 'page');
    const item = cm.locator(`${tid('pair-item')}[data-id="${pairId}"]`);
    await item.waitFor();
    assert.equal((await item.locator(tid('pair-status')).textContent()).trim(), ar['link.status.same']);
    await assertFits(cm, 'ar merged list 360');
    await shot(cm, 'link-ar-360-merged');
    await item.locator(tid('pair-undo')).click();
    await item.locator(tid('pair-undo-yes')).click();
    await cm.locator(tid('notice')).waitFor();
    assert.equal((await cm.textContent(tid('notice'))).trim(), ar['link.undone']);
    await item.waitFor({ state: 'detached' });

    const r = await api(cm, 'GET', `/api/v1/link/pairs/${pairId}`);
    assert.equal(r.json.status, 'open');
    assert.equal(r.json.merge_id, null);
    assert.deepEqual(Object.fromEntries(r.json.cases.map((c) => [c.ref, c.person_id])), persons, 'each record has its person back');
    const again = await api(cm, 'POST', `/api/v1/link/merges/${mergeId}/undo`, {});
    assert.equal(again.status, 409);
    assert.equal(again.json.error.code, 'merge_undone');

    // back in the open queue
    await cm.click(tid('link-tab-open'));
    await cm.locator(`${tid('link-queue')}[data-status="open"]`).waitFor();
    await cm.locator(`${tid('pair-item')}[data-id="${pairId}"]`).waitFor();
  });

  await t.test('in English at 1280 px', async () => {
    await cm.setViewportSize(WIDE);
    await setLang(cm, 'en');
    assert.deepEqual(await htmlLang(cm), { lang: 'en', dir: 'ltr' });
    await cm.goto(fx.base + '/#/link/' + pairId);
    await cm.locator(`${tid('pair-view')}[data-status="open"]`).waitFor();
    await cm.locator(tid('pair-compare')).waitFor();
    assert.equal((await cm.textContent('#pair-title')).trim(), en['link.pair_title']);
    assert.equal((await cm.textContent(tid('decide-different'))).trim(), en['link.different']);
    assert.equal(
      (await cm.locator(`${tid('compare-group')}[data-field="given"] ${tid('compare-level')}`).textContent()).trim(),
      en['link.level.close'],
    );
    await assertFits(cm, 'en pair 1280');
    await shot(cm, 'link-en-1280-pair');
  });

  assert.deepEqual(fx.problems, [], 'no CSP violations or page errors');
});
