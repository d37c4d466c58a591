// Browser test of screening and identification, in Arabic on a 360 px wide
// phone screen: the demo first responder screens a person on the adult
// labour list (a child, or a person whose age is not known, gets the child
// list and a child-protection notice), answers "yes" to enough questions for
// the rule of the list (the questions are picked from the set the API serves,
// not hard-coded), reads a result that says why, creates the case from it
// with urgent needs and finds the screening on the case; an anonymous
// screening is attached to the same case afterwards. Then the demo
// competent authority (same organisation) screens the person again from the
// case, records a "presumed" decision relying on the screenings, then an
// "identified" one that supersedes it, and sees the history and the end of
// the recovery and reflection period; an overdue deadline appears on the
// work list, overdue first.
//
//   IHALA_BIN=build/hd/ihala node --test tests/ui/screening.test.mjs
//
// Screenshots: build/screenshots/screening-{ar,en}-{360,1280}-*.png
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { assertFits, htmlLang, login, logout, NARROW, repo, setLang, shot, startFixture, tid, WIDE } from './lib.mjs';

const ar = JSON.parse(fs.readFileSync(path.join(repo, 'ui', 'i18n', 'ar.json'), 'utf8'));

let fx;

before(async () => {
  fx = await startFixture('ihala-ui-screening-');
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
      return { status: r.status, json: await r.json().catch(() => null) };
    },
    [method, url, body],
  );
}

/**
 * Indicators of one dimension whose "yes" answers meet the ILO rule (two
 * strong; one strong and one medium or weak; three medium; two medium and
 * one weak), taken from the set itself.
 */
function enough(set, dim) {
  const of = (g) => set.indicators.filter((x) => x.dimension === dim && x.grade === g).map((x) => x.id);
  const [s, m, w] = [of('strong'), of('medium'), of('weak')];
  if (s.length >= 2) return s.slice(0, 2);
  if (s.length >= 1 && m.length + w.length >= 1) return [s[0], [...m, ...w][0]];
  if (m.length >= 3) return m.slice(0, 3);
  if (m.length >= 2 && w.length >= 1) return [m[0], m[1], w[0]];
  throw new Error(`dimension ${dim} cannot be made present`);
}

const question = (id) => `${tid('question')}[data-id="${id}"]`;

/** YYYY-MM-DD plus n days. */
function addDays(ymd, n) {
  const d = new Date(ymd + 'T00:00:00Z');
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

function todayYmd() {
  const d = new Date();
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}

test('screening in Arabic at 360 px, the case from the result, and the identification decision', async (t) => {
  const page = await fx.newPage();
  await page.setViewportSize(NARROW);
  let set;
  let yes; // {dimension: [ids]}
  let screeningId;
  let ref;

  await t.test('the first responder signs in, in Arabic, and opens Screening', async () => {
    assert.ok(fx.creds.responder, 'init --demo printed the responder password');
    await page.goto(fx.base + '/');
    await page.locator(tid('login-form')).waitFor();
    await setLang(page, 'ar');
    await login(page, 'responder', fx.creds.responder);
    await page.locator(tid('nav-screening')).waitFor();
    await setLang(page, 'ar');
    assert.deepEqual(await htmlLang(page), { lang: 'ar', dir: 'rtl' });
    assert.equal((await page.textContent(tid('nav-screening'))).trim(), ar['nav.screening']);
    assert.equal(await page.locator(tid('nav-worklist')).count(), 0, 'no work list for a first responder');

    set = (await api(page, 'GET', '/api/v1/screening/sets/adult-labour')).json;
    assert.equal(set.key, 'adult-labour');
    yes = {};
    for (const d of ['deceptive_recruitment', 'exploitation', 'coercion_destination']) yes[d] = enough(set, d);

    await page.click(tid('nav-screening'));
    await page.locator(tid('screening-start')).waitFor();
    assert.equal((await page.textContent('#screen-title')).trim(), ar['screening.title']);
    await assertFits(page, 'ar screening start 360');
  });

  await t.test('a person who may be a child is screened on the child list, with a notice', async () => {
    // nothing chosen: both questions are marked, nothing is sent
    await page.click(tid('screen-begin'));
    assert.equal(await page.locator('.field-error').count(), 2);
    await page.click(tid('age-unknown'));
    await page.locator(tid('child-notice')).waitFor();
    assert.match(await page.textContent(tid('child-notice')), /[\u0600-\u06ff]/);
    await page.click(tid('exploitation-labour'));
    assert.equal(await page.getAttribute(tid('exploitation-labour'), 'aria-checked'), 'true');
    await shot(page, 'screening-ar-360-start-child');
    await page.click(tid('screen-begin'));
    const form = page.locator(tid('screening-questions'));
    await form.waitFor();
    assert.equal(await form.getAttribute('data-set'), 'child-labour');
    await page.locator(tid('child-notice')).waitFor();
    await page.click(tid('screen-back'));
    await page.click(tid('age-adult'));
    assert.equal(await page.locator(tid('child-notice')).count(), 0, 'no child notice for an adult');
    await page.selectOption('select[name="context"]', 'labour_inspection');
    await page.click(tid('screen-begin'));
    await page.locator(`${tid('screening-questions')}[data-set="adult-labour"]`).waitFor();
  });

  await t.test('the questions: grouped by dimension, three large answers each, usable at 360 px', async () => {
    const dims = page.locator(tid('dimension-section'));
    assert.equal(await dims.count(), set.dimensions.length);
    for (let k = 0; k < set.dimensions.length; k++) {
      assert.equal((await dims.nth(k).locator('h2').textContent()).trim(), set.dimensions[k].title.ar, 'dimension title as heading');
    }
    assert.equal(await page.locator(tid('question')).count(), set.indicators.length);
    const first = set.indicators[0];
    assert.equal((await page.locator(question(first.id) + ' .question-text').textContent()).trim(), first.text.ar);
    // the answers are big enough for a thumb and sit on one row inside the screen
    const boxes = [];
    for (const a of ['yes', 'no', 'unknown']) boxes.push(await page.locator(question(first.id) + ' ' + tid('answer-' + a)).boundingBox());
    for (const b of boxes) assert.ok(b.height >= 44 && b.width >= 80, `answer button ${b.width}x${b.height}`);
    assert.ok(Math.abs(boxes[0].y - boxes[2].y) < 2, 'yes, no, don’t know on one row');
    assert.ok(boxes[0].x > boxes[2].x, '“yes” first, on the right, in Arabic');
    assert.equal((await page.locator(question(first.id) + ' ' + tid('answer-unknown')).textContent()).trim(), ar['screening.answer.unknown']);
    await assertFits(page, 'ar screening questions 360');
    await shot(page, 'screening-ar-360-questions');

    for (const ids of Object.values(yes)) {
      for (const id of ids) await page.locator(question(id) + ' ' + tid('answer-yes')).click();
    }
    // one "no" in another dimension; every other question left unanswered (don't know)
    const other = set.indicators.find((x) => x.dimension === 'vulnerability_destination');
    await page.locator(question(other.id) + ' ' + tid('answer-no')).click();
    for (const ids of Object.values(yes)) {
      for (const id of ids) assert.equal(await page.getAttribute(question(id), 'data-answer'), 'yes');
    }
    assert.equal(await page.getAttribute(question(other.id) + ' ' + tid('answer-no'), 'aria-checked'), 'true');
    // progress per dimension moves with the answers
    const expl = page.locator(`${tid('dimension-section')}[data-dimension="exploitation"] ${tid('dimension-progress')}`);
    const n = set.indicators.filter((x) => x.dimension === 'exploitation').length;
    const fmt = new Intl.NumberFormat('ar');
    assert.equal((await expl.textContent()).trim(), ar['screening.dim_progress'].replace('{n}', fmt.format(yes.exploitation.length)).replace('{total}', fmt.format(n)));
    await page.fill('textarea[name="notes"]', 'قابلته في موقع البناء؛ كان خائفًا من صاحب العمل.');
    assert.equal(await page.locator('[for="screen-notes"] .lock').count(), 1, 'the notes say they are encrypted');
    await page.click(tid('screen-submit'));
  });

  await t.test('the result says likely victim, and why', async () => {
    const result = page.locator(tid('screening-result'));
    await result.waitFor();
    screeningId = await result.getAttribute('data-id');
    assert.equal(await result.getAttribute('data-assessment'), 'likely_victim');
    assert.equal((await page.textContent(`${tid('assessment')} .verdict-words`)).trim(), ar['screening.assessment.likely_victim']);
    assert.match(await page.textContent(tid('result-set')), new RegExp(set.title.ar));
    const dims = page.locator(tid('dimension'));
    assert.equal(await dims.count(), 6, 'every dimension is listed');
    for (const [d, ids] of Object.entries(yes)) {
      const row = page.locator(`${tid('dimension')}[data-dimension="${d}"]`);
      assert.equal(await row.getAttribute('data-result'), 'present', d);
      assert.equal((await row.locator(tid('dimension-result')).textContent()).trim(), ar['screening.result.present']);
      for (const id of ids) {
        const text = set.indicators.find((x) => x.id === id).text.ar;
        assert.match(await row.locator(`${tid('dimension-yes')} li[data-id="${id}"]`).textContent(), new RegExp(text.slice(0, 20).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
      }
    }
    // the questions left unanswered are named as what could change the result
    const unknown = page.locator(`${tid('dimension')}[data-dimension="coercive_recruitment"]`);
    assert.equal(await unknown.getAttribute('data-result'), 'unknown');
    assert.ok((await unknown.locator(`${tid('dimension-unknown')} li`).count()) > 0);
    const steps = await page.locator(`${tid('next-steps')} li`).evaluateAll((ls) => ls.map((l) => l.getAttribute('data-step')));
    assert.ok(steps.includes('identification_decision') && steps.includes('create_case'), steps.join());
    assert.equal(await page.locator(tid('child-protection')).count(), 0);
    await assertFits(page, 'ar screening result 360');
    await shot(page, 'screening-ar-360-result');
  });

  await t.test('create the case from the result, with urgent needs, and land on it', async () => {
    await page.click(tid('result-create-case'));
    const form = page.locator(tid('screen-case-form'));
    await form.waitFor();
    await page.locator('input[name="person.given_name"]').waitFor();
    await page.fill('input[name="person.given_name"]', 'مريم');
    await page.fill('input[name="person.given_name_latin"]', 'Maryam');
    await page.fill('input[name="person.family_name"]', 'الصالح');
    await page.fill('input[name="person.family_name_latin"]', 'Al-Saleh');
    await page.selectOption('select[name="person.gender"]', 'Feminine');
    await page.selectOption('select[name="person.citizenship"]', 'PH');
    await page.check('input[name="urgent_needs"][value="Safety"]');
    await page.check('input[name="urgent_needs"][value="Shelter"]');
    await assertFits(page, 'ar create case from result 360');
    await shot(page, 'screening-ar-360-create-case');
    await page.click(tid('screen-case-save'));
    const view = page.locator(tid('case-view'));
    await view.waitFor();
    ref = await view.getAttribute('data-ref');
    assert.match(ref, /^[A-Z]{2}-\d{4}-\d+$/);
    assert.match(await page.textContent(tid('notice')), new RegExp(ref));
    assert.equal((await page.textContent(tid('value-given_name'))).trim(), 'مريم');
    const schema = (await api(page, 'GET', '/api/v1/schema')).json;
    const needs = schema.entities.find((e) => e.name === 'victim').fields.find((f) => f.key === 'urgent_needs');
    const label = (v) => needs.choices.find((c) => c.value === v).label.ar;
    const shown = await page.textContent(tid('value-urgent_needs'));
    assert.ok(shown.includes(label('Safety')) && shown.includes(label('Shelter')), shown);
    // the screening is on the case
    const item = page.locator(tid('case-screening'));
    await item.waitFor();
    assert.equal(await item.count(), 1);
    assert.equal(await item.getAttribute('data-id'), screeningId);
    assert.equal(await item.getAttribute('data-assessment'), 'likely_victim');
    assert.equal((await item.locator(tid('assessment-badge')).textContent()).trim(), ar['screening.assessment.likely_victim']);
    await page.waitForFunction((title) => document.querySelector('[data-testid="case-screening"]').textContent.includes(title), set.title.ar);
    // the responder may not decide
    await page.locator(tid('ident-current')).waitFor();
    assert.equal(await page.locator(tid('decision-new')).count(), 0);
    await assertFits(page, 'ar case view with screenings 360');
    await shot(page, 'screening-ar-360-case');
    // the recorded screening opens from the case, with the notes
    await item.locator(tid('case-screening-open')).click();
    await page.locator(`${tid('screening-result')}[data-id="${screeningId}"]`).waitFor();
    assert.equal(await page.getAttribute(tid('screening-result'), 'data-assessment'), 'likely_victim');
    assert.match(await page.textContent(tid('screening-result')), /موقع البناء/);
    assert.equal(await page.locator(tid('result-create-case')).count(), 0, 'already on a case: no second case');
    await page.click(tid('result-case-link'));
    await page.locator(`${tid('case-view')}[data-ref="${ref}"]`).waitFor();
  });

  await t.test('an anonymous screening is attached to the case afterwards', async () => {
    await page.click(tid('nav-screening'));
    await page.locator(tid('screening-start')).waitFor();
    assert.equal(await page.inputValue('input[name="case"]'), '', 'anonymous unless a case is given');
    await page.click(tid('age-adult'));
    await page.click(tid('exploitation-sexual'));
    await page.click(tid('screen-begin'));
    await page.locator(`${tid('screening-questions')}[data-set="adult-sexual"]`).waitFor();
    await page.click(tid('screen-submit')); // nothing answered: all "don't know"
    const result = page.locator(tid('screening-result'));
    await result.waitFor();
    assert.equal(await result.getAttribute('data-assessment'), 'insufficient_information');
    const steps = await page.locator(`${tid('next-steps')} li`).evaluateAll((ls) => ls.map((l) => l.getAttribute('data-step')));
    assert.ok(steps.includes('complete_screening'), steps.join());
    await page.click(tid('result-attach-case'));
    await page.locator(tid('screen-attach-form')).waitFor();
    await page.click(tid('screen-case-save'));
    await page.locator(`${tid('screen-attach-form')} .field-error`).waitFor(); // the reference is required
    await page.fill('input[name="ref"]', ref);
    await assertFits(page, 'ar attach to case 360');
    await page.click(tid('screen-case-save'));
    await page.locator(`${tid('case-view')}[data-ref="${ref}"]`).waitFor();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="case-screening"]').length === 2);
    await logout(page);
  });

  await t.test('the competent authority screens again from the case and records a presumed decision', async () => {
    assert.ok(fx.creds.authority, 'init --demo printed the authority password');
    await setLang(page, 'ar');
    await login(page, 'authority', fx.creds.authority);
    await page.locator(tid('nav-worklist')).waitFor();
    await page.goto(fx.base + '/#/cases/' + encodeURIComponent(ref));
    await page.locator(`${tid('case-view')}[data-ref="${ref}"]`).waitFor();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="case-screening"]').length === 2);
    assert.equal(await page.getAttribute(tid('ident-current'), 'data-status'), '');

    // "screen this person": the case is preset
    await page.click(tid('case-screen-person'));
    await page.locator(tid('screening-start')).waitFor();
    assert.equal(await page.inputValue('input[name="case"]'), ref);
    await page.click(tid('age-adult'));
    await page.click(tid('exploitation-labour'));
    await page.click(tid('screen-begin'));
    await page.locator(tid('screening-questions')).waitFor();
    for (const id of yes.exploitation) await page.locator(question(id) + ' ' + tid('answer-yes')).click();
    await page.click(tid('screen-submit'));
    const result = page.locator(tid('screening-result'));
    await result.waitFor();
    assert.equal(await result.getAttribute('data-assessment'), 'insufficient_information');
    assert.equal((await page.textContent(`${tid('assessment')} .verdict-words`)).trim(), ar['screening.assessment.insufficient_information']);
    assert.equal(await page.locator(tid('result-create-case')).count(), 0, 'on a case already');
    await page.click(tid('result-case-link'));
    await page.locator(`${tid('case-view')}[data-ref="${ref}"]`).waitFor();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="case-screening"]').length === 3);

    // the decision: only the legal next steps are offered
    await page.click(tid('decision-new'));
    await page.locator(tid('decision-form')).waitFor();
    const offered = await page.locator('input[name="decision_status"]').evaluateAll((xs) => xs.map((x) => x.value));
    assert.deepEqual(offered, ['possible', 'presumed', 'not_a_victim']);
    assert.equal(await page.inputValue('select[name="decided_by_type"]'), 'Police', 'the police directorate decides as police');
    await page.check(tid('decision-status-presumed'));
    // reasons are required for a presumed decision
    await page.click(tid('decision-save'));
    await page.locator('[for="decision-reasons"] ~ .field-error').waitFor();
    await page.fill('textarea[name="reasons"]', 'مؤشرات قوية على الخداع في التجنيد والإكراه في مكان العمل.');
    await page.locator(tid('decision-screening')).first().waitFor();
    assert.equal(await page.locator(tid('decision-screening')).count(), 3);
    await page.check(`${tid('decision-screening')}[value="${screeningId}"]`);
    await assertFits(page, 'ar decision form 360');
    await shot(page, 'screening-ar-360-decision-form');
    await page.click(tid('decision-save'));
    await page.locator(`${tid('ident-current')}[data-status="presumed"]`).waitFor();
    assert.equal((await page.textContent(tid('ident-current'))).trim(), ar['ident.status.presumed']);
    const day = todayYmd();
    const reflection = page.locator(tid('deadline-reflection_ends'));
    await reflection.waitFor();
    assert.equal(await reflection.getAttribute('data-date'), addDays(day, 30), 'the reflection period runs 30 days from the decision');
    assert.match(await reflection.textContent(), new RegExp(ar['ident.deadline.reflection_ends']));
    assert.equal(await page.getAttribute(tid('deadline-conclusive_due'), 'data-date'), addDays(day, 45));
    const history = page.locator(tid('decision'));
    assert.equal(await history.count(), 1);
    assert.equal(await history.first().getAttribute('data-status'), 'presumed');
    assert.match(await history.first().textContent(), /مديرية الشرطة/);
    assert.match(await history.first().textContent(), /الخداع في التجنيد/);
  });

  await t.test('a later decision supersedes it; the history shows both', async () => {
    await page.click(tid('decision-new'));
    const offered = await page.locator('input[name="decision_status"]').evaluateAll((xs) => xs.map((x) => x.value));
    assert.deepEqual(offered, ['identified', 'not_a_victim']);
    await page.check(tid('decision-status-identified'));
    await page.fill('textarea[name="reasons"]', 'أكدت التحقيقات الوقائع.');
    await page.click(tid('decision-save'));
    await page.locator(`${tid('ident-current')}[data-status="identified"]`).waitFor();
    const history = page.locator(tid('decision'));
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="decision"]').length === 2);
    assert.equal(await history.nth(0).getAttribute('data-status'), 'identified');
    assert.equal(await history.nth(0).getAttribute('data-superseded'), 'false');
    assert.equal(await history.nth(1).getAttribute('data-status'), 'presumed');
    assert.equal(await history.nth(1).getAttribute('data-superseded'), 'true');
    assert.equal((await history.nth(1).locator(tid('decision-superseded')).textContent()).trim(), ar['ident.superseded']);
    await page.locator(tid('deadline-reflection_ends')).waitFor();
    // the case's own trafficking status follows the decision (HTCDS vic_TraffickingStatus)
    const schema = (await api(page, 'GET', '/api/v1/schema')).json;
    const ts = schema.entities.find((e) => e.name === 'victim').fields.find((f) => f.key === 'trafficking_status');
    const actual = ts.choices.find((c) => c.value === 'ActualVictimOfTrafficking').label.ar;
    await page.waitForFunction((want) => document.querySelector('[data-testid="value-trafficking_status"]')?.textContent.trim() === want, actual);
    await assertFits(page, 'ar identification history 360');
    await shot(page, 'screening-ar-360-identification');
    await page.setViewportSize(WIDE);
    await shot(page, 'screening-ar-1280-identification');
    await setLang(page, 'en');
    assert.equal((await page.textContent(tid('ident-current'))).trim(), 'Identified victim (conclusive grounds)');
    await shot(page, 'screening-en-1280-identification');
    await setLang(page, 'ar');
    await page.setViewportSize(NARROW);
  });

  await t.test('the work list shows an overdue reasonable-grounds decision, overdue first', async () => {
    // a case of the authority's own with a "possible" decision twelve days old
    const c = await api(page, 'POST', '/api/v1/cases', {
      person: { given_name: 'سعيد', given_name_latin: 'Said' },
      case: { status: 'Active', purpose: 'ProtectionAndAssistance' },
    });
    assert.equal(c.status, 201, JSON.stringify(c.json));
    const old = addDays(todayYmd(), -12);
    const d = await api(page, 'POST', `/api/v1/cases/${c.json.ref}/decisions`, { status: 'possible', date: old });
    assert.equal(d.status, 201, JSON.stringify(d.json));
    await page.click(tid('nav-worklist'));
    await page.locator(tid('worklist')).waitFor();
    const item = page.locator(`${tid('work-item')}[data-ref="${c.json.ref}"]`);
    await item.waitFor();
    assert.equal(await item.getAttribute('data-kind'), 'reasonable_grounds_overdue');
    assert.equal(await item.getAttribute('data-overdue'), 'true');
    assert.equal(await page.locator(tid('work-item')).first().getAttribute('data-overdue'), 'true', 'overdue first');
    assert.match(await item.textContent(), new RegExp(ar['worklist.kind.reasonable_grounds_overdue']));
    const color = await item.locator('.overdue-note').evaluate((el) => getComputedStyle(el).color);
    assert.equal(color, 'rgb(163, 32, 32)', 'overdue in red');
    await assertFits(page, 'ar work list 360');
    await shot(page, 'screening-ar-360-worklist');
    await item.locator(tid('work-case')).click();
    await page.locator(`${tid('case-view')}[data-ref="${c.json.ref}"]`).waitFor();
    const rg = page.locator(tid('deadline-reasonable_grounds_due'));
    await rg.waitFor();
    assert.equal(await rg.getAttribute('data-overdue'), 'true');
  });

  assert.deepEqual(fx.problems, [], 'no CSP violation or page error');
});
