// Browser test of the individual support plan on a case and of the referral
// profiles screen, in Arabic on a 360 px wide phone screen.
//
// The demo case manager ("Hope Shelter") opens a new case, adds two goals in
// Arabic (one for its own organisation, one for an organisation of the
// service directory, due three days ago: marked overdue), sees them grouped
// by support type in the directory's Arabic labels, starts one in one click,
// edits it, logs a service delivered against it (a date in the future is
// refused at the field), and meets two changes made meanwhile in another
// session: a status change is refused with the reason and the plan reloaded,
// an edit keeps what was typed and takes the other session's values. A goal
// is cancelled. The demo supervisor creates a custom referral profile with
// three fields (identifying and sensitive ones marked), meets a change made
// elsewhere (409, reloaded), and finds the profile, with its fields, in the
// refer form of a case. The case manager has no profiles screen.
//
//   IHALA_BIN=build/uiplan/ihala node --test tests/ui/plan.test.mjs
//
// Screenshots: build/screenshots/plan-*.png and profiles-*.png
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { assertFits, htmlLang, login, NARROW, repo, setLang, shot, startFixture, tid, WIDE } from './lib.mjs';

const ar = JSON.parse(fs.readFileSync(path.join(repo, 'ui', 'i18n', 'ar.json'), 'utf8'));
const en = JSON.parse(fs.readFileSync(path.join(repo, 'ui', 'i18n', 'en.json'), 'utf8'));

let fx;

before(async () => {
  fx = await startFixture('ihala-ui-plan-');
});

after(async () => {
  if (fx) await fx.stop();
});

/** A call of the API from inside the page, with its session and CSRF token. */
async function call(page, method, url, body) {
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

function ymd(plus = 0) {
  const d = new Date();
  d.setDate(d.getDate() + plus);
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}

async function signIn(page, user, lang) {
  await page.goto(fx.base + '/');
  await page.locator(tid('login-form')).waitFor();
  await setLang(page, lang);
  await login(page, user, fx.creds[user]);
  await page.locator(tid('logout')).waitFor();
  await setLang(page, lang);
}

async function newCase(page, given) {
  const r = await call(page, 'POST', '/api/v1/cases', {
    person: { given_name: given, given_name_latin: 'Test', gender: 'Feminine', primary_language: 'ar' },
    victim: { trafficking_status: 'PossibleVictimOfTrafficking', urgent_needs: ['Shelter'] },
    case: { status: 'Active', purpose: 'ProtectionAndAssistance' },
  });
  assert.equal(r.status, 201, r.text);
  return r.json.ref;
}

const GOAL1 = 'سكن آمن بعيداً عن مكان الاستغلال';
const ACTION1 = 'مرافقتها إلى جناح النساء مع مترجمة';
const ACTION1B = 'مرافقتها إلى جناح النساء وتأمين الملابس';
const GOAL2 = 'استرداد جواز السفر من وكالة التوظيف';
const GOAL2B = 'استرداد جواز السفر والأوراق الثبوتية من الوكالة';
const NOTE = 'تمت الزيارة الأولى وتسلمت الغرفة';

test('the support plan of a case, in Arabic at 360 px', async (t) => {
  const cm = await fx.newPage();
  await cm.setViewportSize(NARROW);
  await signIn(cm, 'casemanager', 'ar');
  assert.deepEqual(await htmlLang(cm), { lang: 'ar', dir: 'rtl' });
  const me = (await call(cm, 'GET', '/api/v1/me')).json;
  const dir = (await call(cm, 'GET', '/api/v1/services')).json;
  const typeLabel = (code, lang = 'ar') => dir.service_types.find((x) => x.code === code).label[lang];
  const safeCare = dir.items.find((e) => e.org_name.en === 'Safe Care Centre');
  assert.ok(safeCare, 'the demo shelter is in the directory');
  assert.equal(await cm.locator(tid('nav-profiles')).count(), 0, 'a case manager keeps no referral profiles');

  const ref = await newCase(cm, 'نورة');
  const plan = async () => (await call(cm, 'GET', `/api/v1/cases/${encodeURIComponent(ref)}/plan`)).json;
  await cm.goto(fx.base + '/#/cases/' + encodeURIComponent(ref));
  const panel = cm.locator(tid('plan-panel'));
  await panel.locator(tid('plan-empty')).waitFor();
  assert.equal((await cm.textContent('#plan-title')).trim(), ar['plan.title']);
  const item = (goal) => panel.locator(tid('plan-item'), { hasText: goal });
  const byId = (id) => panel.locator(`${tid('plan-item')}[data-id="${id}"]`);
  let id1;
  let id2;

  await t.test('two goals are added in Arabic and grouped by support type', async () => {
    await panel.locator(tid('plan-add')).click();
    let form = panel.locator(`${tid('plan-item-form')}[data-mode="add"]`);
    await form.waitFor();
    // the case's own organisation is the default; type and goal are required, said at the fields
    assert.equal(await form.locator('select[name="responsible_org"]').inputValue(), me.org.id);
    await form.locator(tid('plan-item-save')).click();
    const errs = await form.locator('.field-error').allTextContents();
    assert.deepEqual(errs.map((x) => x.trim()), [ar['field.missing_field'], ar['field.missing_field']]);
    assert.equal((await plan()).version, 0, 'nothing sent');
    await form.locator('select[name="support_type"]').selectOption('Accommodation');
    await form.locator('textarea[name="goal"]').fill(GOAL1);
    await form.locator('textarea[name="action"]').fill(ACTION1);
    await form.locator('input[name="due_date"]').fill(ymd(14));
    await assertFits(cm, 'ar add a goal 360');
    await shot(cm, 'plan-ar-360-add');
    await form.locator(tid('plan-item-save')).click();
    await item(GOAL1).waitFor();

    await panel.locator(tid('plan-add')).click();
    form = panel.locator(`${tid('plan-item-form')}[data-mode="add"]`);
    await form.locator('select[name="support_type"]').selectOption('Legal');
    await form.locator('textarea[name="goal"]').fill(GOAL2);
    // another organisation, from the service directory
    await form.locator('select[name="responsible_org"]').selectOption(safeCare.org_id);
    await form.locator('input[name="due_date"]').fill(ymd(-3));
    await form.locator(tid('plan-item-save')).click();
    await item(GOAL2).waitFor();
    assert.equal(await panel.locator(tid('plan-item-form')).count(), 0, 'the form closes');

    const stored = await plan();
    assert.equal(stored.version, 2);
    assert.deepEqual(
      stored.items.map((x) => [x.support_type, x.goal, x.action, x.responsible_org.id, x.due_date, x.status]),
      [
        ['Accommodation', GOAL1, ACTION1, me.org.id, ymd(14), 'planned'],
        ['Legal', GOAL2, null, safeCare.org_id, ymd(-3), 'planned'],
      ],
    );
    [id1, id2] = stored.items.map((x) => x.id);

    // one group per support type, in the directory's Arabic words
    const groups = panel.locator(tid('plan-group'));
    assert.equal(await groups.count(), 2);
    assert.match(await groups.nth(0).locator(tid('plan-group-title')).textContent(), new RegExp(typeLabel('Accommodation')));
    assert.match(await groups.nth(1).locator(tid('plan-group-title')).textContent(), new RegExp(typeLabel('Legal')));
    assert.equal(await groups.nth(1).getAttribute('data-type'), 'Legal');
    assert.equal(await groups.nth(1).locator(tid('plan-item')).getAttribute('data-id'), id2);
    // responsible organisation, and the overdue mark on the goal due three days ago
    assert.match(await item(GOAL2).locator(tid('plan-item-org')).textContent(), new RegExp(safeCare.org_name.ar));
    assert.equal(await item(GOAL2).getAttribute('data-overdue'), 'true');
    assert.equal((await item(GOAL2).locator(tid('plan-overdue')).textContent()).trim(), ar['plan.overdue']);
    assert.equal(await item(GOAL1).getAttribute('data-overdue'), 'false');
    assert.equal(await item(GOAL1).locator(tid('plan-overdue')).count(), 0);
    assert.equal((await item(GOAL1).locator(tid('plan-item-action')).textContent()).trim(), ACTION1);
    await assertFits(cm, 'ar plan with two goals 360');
    await shot(cm, 'plan-ar-360-goals');
  });

  await t.test('a status is changed in one click, and a goal edited', async () => {
    await byId(id1).locator(tid('plan-status-in_progress')).click();
    await panel.locator(`${tid('plan-item')}[data-id="${id1}"][data-status="in_progress"]`).waitFor();
    assert.equal((await byId(id1).locator(tid('plan-item-status')).textContent()).trim(), ar['plan.status.in_progress']);
    let stored = (await plan()).items.find((x) => x.id === id1);
    assert.equal(stored.status, 'in_progress');
    assert.equal(stored.version, 2);

    await byId(id1).locator(tid('plan-item-edit')).click();
    const form = byId(id1).locator(`${tid('plan-item-form')}[data-mode="edit"]`);
    await form.waitFor();
    assert.equal(await form.locator('textarea[name="goal"]').inputValue(), GOAL1);
    await form.locator('textarea[name="action"]').fill(ACTION1B);
    await assertFits(cm, 'ar edit a goal 360');
    await form.locator(tid('plan-item-save')).click();
    await byId(id1).locator(tid('plan-item-action'), { hasText: ACTION1B }).waitFor();
    stored = (await plan()).items.find((x) => x.id === id1);
    assert.deepEqual([stored.goal, stored.action, stored.status, stored.version], [GOAL1, ACTION1B, 'in_progress', 3]);
  });

  await t.test('a service is logged against a goal', async () => {
    const box = cm.locator(tid('plan-services'));
    assert.equal((await cm.textContent('#services-title')).trim(), ar['plan.services_title']);
    await box.locator(tid('plan-service-new')).click();
    const form = box.locator(tid('plan-service-form'));
    await form.waitFor();
    await form.locator('select[name="item"]').selectOption(id1);
    // the type follows the goal's
    assert.equal(await form.locator('select[name="service_type"]').inputValue(), 'Accommodation');
    await form.locator('textarea[name="service_note"]').fill(NOTE);
    // a day in the future: the server refuses it, and the form says so at the date
    await form.locator('input[name="service_date"]').fill(ymd(1));
    await form.locator(tid('plan-service-save')).click();
    const dateErr = form.locator('.has-error .field-error');
    await dateErr.waitFor();
    assert.equal((await dateErr.textContent()).trim(), ar['plan.err.date_future_date']);
    assert.equal(await form.locator(tid('error')).getAttribute('data-code'), 'future_date');
    await form.locator('input[name="service_date"]').fill(ymd(0));
    await assertFits(cm, 'ar log a service 360');
    await form.locator(tid('plan-service-save')).click();
    await box.locator(tid('plan-service-logged')).waitFor();
    const rows = box.locator(tid('plan-service-row'));
    assert.equal(await rows.count(), 1);
    assert.equal(await rows.first().getAttribute('data-item'), id1);
    const text = await rows.first().textContent();
    assert.ok(text.includes(typeLabel('Accommodation')) && text.includes(me.org.name_ar), text);
    assert.equal((await rows.first().locator(tid('plan-service-item-goal')).textContent()).trim(), GOAL1);
    assert.equal((await rows.first().locator(tid('plan-service-note')).textContent()).trim(), NOTE);
    const services = (await call(cm, 'GET', `/api/v1/cases/${encodeURIComponent(ref)}/services`)).json.items;
    assert.deepEqual(
      services.map((s) => [s.item, s.support_type, s.date, s.note, s.org.id]),
      [[id1, 'Accommodation', ymd(0), NOTE, me.org.id]],
    );
    await shot(cm, 'plan-ar-360-services');
  });

  await t.test('changes made meanwhile in another session are explained and reloaded', async () => {
    const other = await fx.newPage();
    await signIn(other, 'casemanager', 'en');
    const base = `/api/v1/cases/${encodeURIComponent(ref)}/plan/items/`;
    // another session changes the second goal; this screen still shows version 1 of it
    let r = await call(other, 'PATCH', base + id2, { version: 1, goal: GOAL2B });
    assert.equal(r.status, 200, r.text);
    await byId(id2).locator(tid('plan-status-done')).click();
    const stale = panel.locator(`${tid('plan-item')}[data-id="${id2}"] ${tid('plan-stale')}`);
    await stale.waitFor();
    assert.equal((await stale.textContent()).trim(), ar['plan.stale_item']);
    // the plan was reloaded: the other session's goal is shown, and nothing was marked done
    assert.equal((await panel.locator(`${tid('plan-item')}[data-id="${id2}"] ${tid('plan-item-goal')}`).textContent()).trim(), GOAL2B);
    assert.equal((await plan()).items.find((x) => x.id === id2).status, 'planned');
    await assertFits(cm, 'ar stale status 360');
    await shot(cm, 'plan-ar-360-stale');
    // done again, on the current version
    await byId(id2).locator(tid('plan-status-done')).click();
    await panel.locator(`${tid('plan-item')}[data-id="${id2}"][data-status="done"]`).waitFor();
    assert.equal(await stale.count(), 0);
    assert.equal(await byId(id2).getAttribute('data-overdue'), 'false', 'done is not overdue');

    // an edit meets another session's change: what was typed stays, the rest is theirs
    await byId(id1).locator(tid('plan-item-edit')).click();
    const form = byId(id1).locator(`${tid('plan-item-form')}[data-mode="edit"]`);
    await form.waitFor();
    r = await call(other, 'PATCH', base + id1, { version: 3, due_date: ymd(30) });
    assert.equal(r.status, 200, r.text);
    await form.locator('textarea[name="action"]').fill(ACTION1);
    await form.locator(tid('plan-item-save')).click();
    await form.locator(tid('plan-form-stale')).waitFor();
    assert.equal((await form.locator(tid('plan-form-stale')).textContent()).trim(), ar['plan.stale_form']);
    assert.equal(await form.locator('input[name="due_date"]').inputValue(), ymd(30), 'the other session\'s date');
    assert.equal(await form.locator('textarea[name="action"]').inputValue(), ACTION1, 'what was typed');
    await shot(cm, 'plan-ar-360-stale-form');
    await form.locator(tid('plan-item-save')).click();
    await byId(id1).locator(tid('plan-item-action'), { hasText: ACTION1 }).waitFor();
    const stored = (await plan()).items.find((x) => x.id === id1);
    assert.deepEqual([stored.action, stored.due_date, stored.version], [ACTION1, ymd(30), 5]);
    await other.context().close();
  });

  await t.test('a goal is cancelled', async () => {
    await byId(id1).locator(tid('plan-item-cancel')).click();
    await byId(id1).locator(tid('plan-item-cancel-yes')).click();
    await panel.locator(`${tid('plan-item')}[data-id="${id1}"][data-status="cancelled"]`).waitFor();
    assert.equal((await byId(id1).locator(tid('plan-item-status')).textContent()).trim(), ar['plan.status.cancelled']);
    assert.equal((await plan()).items.find((x) => x.id === id1).status, 'cancelled');
    await assertFits(cm, 'ar cancelled goal 360');
  });

  await t.test('in English, left to right', async () => {
    await setLang(cm, 'en');
    await cm.setViewportSize(WIDE);
    assert.deepEqual(await htmlLang(cm), { lang: 'en', dir: 'ltr' });
    assert.equal((await cm.textContent('#plan-title')).trim(), en['plan.title']);
    assert.match(await panel.locator(tid('plan-group-title')).first().textContent(), new RegExp(typeLabel('Accommodation', 'en')));
    assert.equal((await byId(id2).locator(tid('plan-item-status')).textContent()).trim(), en['plan.status.done']);
    await shot(cm, 'plan-en-1280');
  });
  await cm.context().close();
});

test('a supervisor keeps a referral profile and uses it in the refer form', async (t) => {
  const page = await fx.newPage();
  await page.setViewportSize(NARROW);
  await signIn(page, 'supervisor', 'ar');
  const schema = (await call(page, 'GET', '/api/v1/schema')).json;
  const label = (ent, key) => schema.entities.find((e) => e.name === ent).fields.find((f) => f.key === key).label.ar;
  const CHOSEN = ['person.given_name_latin', 'person.primary_language', 'victim.urgent_needs'];
  const NAME_AR = 'ترجمة فورية';
  let profileId;
  const box = (p) => page.locator(`${tid('profile-form')} label[data-path="${p}"]`);

  await t.test('the built-in profiles with their fields in words', async () => {
    await page.click(tid('nav-profiles'));
    await page.locator(tid('profiles')).waitFor();
    assert.equal((await page.textContent('#profiles-title')).trim(), ar['profiles.title']);
    const shelter = page.locator(`${tid('profile')}[data-id="shelter"]`);
    assert.equal(await shelter.getAttribute('data-builtin'), 'true');
    assert.equal(await shelter.locator(tid('profile-edit')).count(), 0, 'built-in profiles cannot be changed');
    const chip = shelter.locator(`${tid('profile-path')}[data-path="person.given_name"]`);
    assert.match(await chip.textContent(), new RegExp(label('person', 'given_name')));
    assert.match(await chip.textContent(), new RegExp(ar['profiles.identifying']));
    await page.locator(tid('profiles-none')).waitFor();
    await assertFits(page, 'ar profiles 360');
  });

  await t.test('a custom profile with three fields', async () => {
    await page.click(tid('profile-new'));
    const form = page.locator(`${tid('profile-form')}[data-mode="new"]`);
    await form.waitFor();
    await form.locator(tid('profile-save')).click();
    assert.equal((await form.locator(tid('profile-fields-error')).textContent()).trim(), ar['profiles.choose_one']);
    assert.equal(await form.locator('.field-error').count(), 3, 'two names and the fields');
    await form.locator('input[name="name_en"]').fill('Interpreter');
    await form.locator('input[name="name_ar"]').fill(NAME_AR);
    for (const p of CHOSEN) await box(p).locator('input').check();
    assert.equal(await form.locator(tid('profile-count')).getAttribute('data-n'), '3');
    assert.equal(await form.locator('.field-error').count(), 0, 'the errors go once answered');
    // identifying and sensitive fields are marked as such
    assert.equal(await box('person.given_name_latin').locator(tid('profile-prot')).getAttribute('data-protection'), 'identifying');
    assert.equal(await box('victim.urgent_needs').locator(tid('profile-prot')).getAttribute('data-protection'), 'sensitive');
    assert.equal(await box('person.gender').locator(tid('profile-prot')).count(), 0, 'a statistical field is not marked');
    await assertFits(page, 'ar profile form 360');
    await shot(page, 'profiles-ar-360-form');
    await form.locator(tid('profile-save')).click();
    await page.locator(tid('notice')).waitFor();
    const card = page.locator(`${tid('profiles-own')} ${tid('profile')}`);
    await card.first().waitFor();
    assert.equal(await card.count(), 1);
    profileId = await card.getAttribute('data-id');
    assert.equal((await card.locator(tid('profile-name')).textContent()).trim(), NAME_AR);
    assert.deepEqual(await card.locator(tid('profile-path')).evaluateAll((els) => els.map((e) => e.dataset.path)), CHOSEN);
    assert.match(await card.textContent(), new RegExp(label('victim', 'urgent_needs')));
    const stored = (await call(page, 'GET', '/api/v1/referral-profiles')).json.items.find((p) => p.id === profileId);
    assert.deepEqual([stored.builtin, stored.name_en, stored.name_ar, stored.fields, stored.version], [false, 'Interpreter', NAME_AR, CHOSEN, 1]);
    await assertFits(page, 'ar profiles with one of our own 360');
    await shot(page, 'profiles-ar-360-list');
  });

  await t.test('a change made elsewhere meanwhile is explained and reloaded', async () => {
    const other = await fx.newPage();
    await signIn(other, 'supervisor', 'en');
    const r = await call(other, 'PUT', '/api/v1/referral-profiles/' + profileId, {
      name_en: 'Interpreter', name_ar: NAME_AR, fields: [...CHOSEN, 'person.gender'], version: 1,
    });
    assert.equal(r.status, 200, r.text);
    await other.context().close();
    await page.click(`${tid('profile')}[data-id="${profileId}"] ${tid('profile-edit')}`);
    const form = page.locator(`${tid('profile-form')}[data-mode="edit"]`);
    await form.waitFor();
    assert.equal(await box('person.gender').locator('input').isChecked(), false, 'this screen still shows version 1');
    await box('person.primary_language').locator('input').uncheck();
    await form.locator(tid('profile-save')).click();
    const stale = page.locator(tid('profile-stale'));
    await stale.waitFor();
    assert.equal((await stale.textContent()).trim(), ar['profiles.stale']);
    // the form now holds the stored profile (version 2): the field added elsewhere is ticked
    assert.equal(await box('person.gender').locator('input').isChecked(), true);
    assert.equal(await box('person.primary_language').locator('input').isChecked(), true);
    await shot(page, 'profiles-ar-360-stale');
    await box('person.gender').locator('input').uncheck();
    await page.locator(`${tid('profile-form')}[data-mode="edit"] ${tid('profile-save')}`).click();
    await page.locator(`${tid('profile')}[data-id="${profileId}"][data-version="3"]`).waitFor();
    assert.equal(await page.locator(tid('profile-form')).count(), 0, 'the form closes');
    const stored = (await call(page, 'GET', '/api/v1/referral-profiles')).json.items.find((p) => p.id === profileId);
    assert.deepEqual([stored.fields, stored.version], [CHOSEN, 3]);
  });

  await t.test('the profile is offered in the refer form of a case', async () => {
    const ref = await newCase(page, 'سارة');
    await page.goto(fx.base + '/#/cases/' + encodeURIComponent(ref));
    await page.click(tid('case-refer'));
    const dialog = page.locator(tid('refer-dialog'));
    await dialog.waitFor();
    const select = dialog.locator('select[name="profile"]');
    await select.locator(`option[value="${profileId}"]`).waitFor({ state: 'attached' });
    assert.equal((await select.locator(`option[value="${profileId}"]`).textContent()).trim(), NAME_AR);
    await select.selectOption(profileId);
    const fields = dialog.locator(tid('profile-fields'));
    await fields.waitFor();
    assert.deepEqual(await fields.locator('li').evaluateAll((els) => els.map((e) => e.dataset.path)), CHOSEN);
    assert.match(await fields.textContent(), new RegExp(label('person', 'primary_language')));
    await assertFits(page, 'ar refer form with the profile 360');
    // the dialog is drawn over the page: its own picture, scrolled to the profile's fields
    await fields.scrollIntoViewIfNeeded();
    await dialog.screenshot({ path: path.join(repo, 'build', 'screenshots', 'profiles-ar-360-refer-dialog.png') });
    await dialog.locator(tid('refer-cancel')).click();
  });

  await t.test('in English, left to right', async () => {
    await setLang(page, 'en');
    await page.setViewportSize(WIDE);
    await page.click(tid('nav-profiles'));
    await page.locator(`${tid('profile')}[data-id="${profileId}"]`).waitFor();
    assert.equal((await page.textContent('#profiles-title')).trim(), en['profiles.title']);
    assert.equal((await page.textContent(`${tid('profile')}[data-id="${profileId}"] ${tid('profile-name')}`)).trim(), 'Interpreter');
    await shot(page, 'profiles-en-1280');
  });
  await page.context().close();
  assert.deepEqual(fx.problems, []);
});
