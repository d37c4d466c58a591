// Browser test of referrals, in Arabic on a 360 px wide phone screen, between
// two organisations of the demo data. The demo shelter worker ("Safe Care
// Centre", service provider) lists its services in the directory. The demo
// case manager ("Hope Shelter") opens a new case, tries to refer it without
// consent (the form says a supervisor may override; the case manager is not
// offered the override), records the consent for referral within the
// country, and refers the case from the case view: receiving organisation
// chosen from the directory (services, free places), a service, urgency,
// the shelter profile with the fields the receiver will see, in the
// registry's words. The shelter worker finds it under Received and on the
// work list, reads the person as the profile shares it (and nothing else),
// prints the form, acknowledges, accepts with a planned start, starts the
// service, logs a service delivered, and completes it with an outcome. The
// case manager is notified (the bell), opens the referral from the
// notification and reads the outcome, in Arabic then in English. A
// supervisor refers a case without consent with an override and a reason,
// and transfers another case the same way (it then leaves the supervisor's
// organisation); the coordinator's overview links to the filtered list.
//
//   IHALA_BIN=build/uiref/ihala node --test tests/ui/referrals.test.mjs
//
// Screenshots: build/screenshots/referrals-{ar-360,en-1280}-*.png
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { assertFits, htmlLang, login, NARROW, repo, setLang, shot, startFixture, tid, WIDE } from './lib.mjs';

const ar = JSON.parse(fs.readFileSync(path.join(repo, 'ui', 'i18n', 'ar.json'), 'utf8'));
const en = JSON.parse(fs.readFileSync(path.join(repo, 'ui', 'i18n', 'en.json'), 'utf8'));

let fx;

before(async () => {
  fx = await startFixture('ihala-ui-referrals-');
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
      return { status: r.status, json, text, type: r.headers.get('content-type') };
    },
    [method, url, body],
  );
}

function todayYmd(plus = 0) {
  const d = new Date();
  d.setDate(d.getDate() + plus);
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}

// What the case holds: the shelter profile shares the given names, gender, age band,
// languages and urgent needs; never the family name, documents or the story.
const PERSON = {
  given_name: 'سلمى',
  given_name_latin: 'Salma',
  family_name: 'الخزرجي',
  family_name_latin: 'Khazraji',
  gender: 'Feminine',
  birth_date: '1996-05-04',
  document_number: 'QZ4471902',
  primary_language: 'ar',
};
const VICTIM = {
  trafficking_status: 'PossibleVictimOfTrafficking',
  urgent_needs: ['Shelter'],
  narrative: 'Held at the Dumistan workshop by a labour broker',
};
const HIDDEN = ['الخزرجي', 'Khazraji', 'QZ4471902', '1996-05-04', 'Dumistan'];
const REASON = 'تحتاج إلى مكان آمن للمبيت الليلة';

async function signIn(page, user, lang) {
  await page.goto(fx.base + '/');
  await page.locator(tid('login-form')).waitFor();
  await setLang(page, lang);
  await login(page, user, fx.creds[user]);
  await page.locator(tid('logout')).waitFor();
  await setLang(page, lang);
}

async function newCase(page, person = PERSON) {
  const r = await api(page, 'POST', '/api/v1/cases', {
    person,
    victim: VICTIM,
    case: { status: 'Active', purpose: 'ProtectionAndAssistance' },
  });
  assert.equal(r.status, 201, r.text);
  return r.json.ref;
}

/** Fills the refer form: Safe Care Centre, accommodation, urgent, the shelter profile, a reason. */
async function fillReferForm(page, orgName, reason) {
  const dialog = page.locator(tid('refer-dialog'));
  await dialog.waitFor();
  const pick = dialog.locator(tid('org-pick'), { hasText: orgName });
  await pick.waitFor();
  await pick.locator('input[type="radio"]').check();
  await dialog.locator(tid('refer-services')).waitFor();
  await dialog.locator('input[name="services"][value="Accommodation"]').check();
  await dialog.locator('select[name="urgency"]').selectOption('urgent');
  await dialog.locator('select[name="profile"]').selectOption('shelter');
  await dialog.locator(tid('profile-fields')).waitFor();
  await dialog.locator(tid('refer-reason')).fill(reason);
}

const referralState = (page, state) => page.locator(`${tid('referral-view')}[data-state="${state}"]`).waitFor();

async function move(page, to, fill) {
  await page.click(tid('move-' + to));
  const form = page.locator(`${tid('move-form')}[data-move="${to}"]`);
  await form.waitFor();
  if (fill) await fill(form);
  await form.locator(tid('move-confirm')).click();
  await referralState(page, to);
}

test('a referral between two organisations, in Arabic at 360 px', async (t) => {
  const cm = await fx.newPage();
  const sh = await fx.newPage();
  await cm.setViewportSize(NARROW);
  await sh.setViewportSize(NARROW);
  let schema;
  let shelterOrg;
  let ref;
  let referralId;
  const label = (ent, key, lang = 'ar') => schema.entities.find((e) => e.name === ent).fields.find((f) => f.key === key).label[lang];
  const choice = (ent, key, value, lang = 'ar') =>
    schema.entities.find((e) => e.name === ent).fields.find((f) => f.key === key).choices.find((c) => c.value === value).label[lang];

  await t.test('the shelter lists its services and free places in the directory', async () => {
    await signIn(sh, 'shelter', 'ar');
    shelterOrg = (await api(sh, 'GET', '/api/v1/me')).json.org;
    assert.equal(shelterOrg.name_en, 'Safe Care Centre');
    const r = await api(sh, 'PUT', `/api/v1/services/${shelterOrg.id}`, {
      services: ['Accommodation', 'Psychological'],
      regions: ['Capital'],
      languages: ['ar', 'en'],
      accepts: ['women'],
      accepting: true,
      capacity: { total: 12, free: 3 },
    });
    assert.equal(r.status, 200, r.text);
  });

  await t.test('without consent the case manager cannot refer, and is not offered the override', async () => {
    await signIn(cm, 'casemanager', 'ar');
    assert.deepEqual(await htmlLang(cm), { lang: 'ar', dir: 'rtl' });
    schema = (await api(cm, 'GET', '/api/v1/schema')).json;
    ref = await newCase(cm);
    await cm.goto(fx.base + '/#/cases/' + encodeURIComponent(ref));
    await cm.locator(tid('case-referrals')).waitFor();
    assert.equal((await cm.textContent('#case-referrals-title')).trim(), ar['referral.case_title']);
    await cm.click(tid('case-refer'));
    await fillReferForm(cm, shelterOrg.name_ar, REASON);
    await cm.click(tid('refer-send'));
    const err = cm.locator(`${tid('refer-dialog')} ${tid('error')}`);
    await err.waitFor();
    assert.equal(await err.getAttribute('data-code'), 'consent_required');
    assert.equal((await err.textContent()).trim(), ar['referral.err.consent_required']);
    await cm.locator(tid('consent-help')).waitFor();
    assert.equal(await cm.locator(tid('override-box')).count(), 0, 'a case manager has no override');
    await assertFits(cm, 'ar refer form without consent 360');
    await cm.click(tid('refer-cancel'));
    assert.equal((await api(cm, 'GET', `/api/v1/referrals?case=${encodeURIComponent(ref)}`)).json.items.length, 0, 'nothing was sent');
  });

  await t.test('the case manager records consent and refers the case from the directory', async () => {
    await cm.click(tid('consent-new'));
    await cm.selectOption('select[name="consent.purpose"]', 'domestic_referral');
    await cm.check('input[name="consent.given"]');
    await cm.click(tid('consent-save'));
    await cm.locator(tid('consent-row')).first().waitFor();

    await cm.click(tid('case-refer'));
    await fillReferForm(cm, shelterOrg.name_ar, REASON);
    const dialog = cm.locator(tid('refer-dialog'));
    // the directory's facts about the organisation: its places, whether it takes referrals
    const pick = dialog.locator(tid('org-pick'), { hasText: shelterOrg.name_ar });
    assert.match(await pick.textContent(), new RegExp(ar['referral.accepting']));
    assert.ok(await pick.locator(tid('org-pick-free')).count(), 'free places shown');
    // Hope Shelter does not refer to itself
    assert.equal(await dialog.locator(tid('org-pick'), { hasText: 'دار الأمل' }).count(), 0);
    // the fields the receiver will see, in the registry's Arabic words
    const fields = await dialog.locator(tid('profile-fields')).textContent();
    assert.ok(fields.includes(label('person', 'given_name')), fields);
    assert.ok(fields.includes(label('victim', 'urgent_needs')), fields);
    assert.ok(!fields.includes(label('person', 'family_name')), 'the family name is not shared');
    assert.ok(!fields.includes(label('victim', 'narrative')), 'the story is not shared');
    await assertFits(cm, 'ar refer form 360');
    await shot(cm, 'referrals-ar-360-refer');
    await dialog.evaluate((d) => (d.scrollTop = 0));
    await dialog.screenshot({ path: path.join(repo, 'build', 'screenshots', 'referrals-ar-360-refer-dialog.png') });
    await cm.click(tid('refer-send'));
    await cm.locator(tid('refer-sent')).waitFor();
    const row = cm.locator(tid('case-referral')).first();
    assert.equal(await row.getAttribute('data-state'), 'sent');
    referralId = await row.getAttribute('data-id');
    assert.equal(await row.locator(tid('referral-consent')).getAttribute('data-consent'), 'given');
    assert.match(await row.textContent(), new RegExp(shelterOrg.name_ar));
    await assertFits(cm, 'ar case referrals 360');
  });

  await t.test('the shelter finds it under Received and on its work list', async () => {
    await sh.reload();
    await sh.click(tid('nav-referrals'));
    await sh.locator(`${tid('referrals')}[data-tab="received"]`).waitFor();
    assert.equal((await sh.textContent('#referrals-title')).trim(), ar['referral.title']);
    assert.equal(await sh.getAttribute(tid('ref-tab-received'), 'aria-current'), 'page');
    assert.equal(await sh.locator(tid('ref-tab-sent')).count(), 0, 'a service provider sends none');
    const item = sh.locator(`${tid('referral-item')}[data-id="${referralId}"]`);
    await item.waitFor();
    assert.equal(await item.getAttribute('data-state'), 'sent');
    assert.match(await item.textContent(), new RegExp(ar['referral.state.sent']));
    assert.equal(await item.locator(tid('referral-lateness')).getAttribute('data-late'), 'false');
    await assertFits(sh, 'ar received list 360');
    await shot(sh, 'referrals-ar-360-received');
    // the state filter: nothing acknowledged yet
    await sh.selectOption('select[name="state"]', 'acknowledged');
    await sh.locator(tid('referrals-empty')).waitFor();
    await sh.selectOption('select[name="state"]', '');
    await item.waitFor();

    await sh.click(tid('nav-worklist'));
    const work = sh.locator(`${tid('work-item')}[data-referral="${referralId}"]`);
    await work.waitFor();
    assert.equal(await work.getAttribute('data-kind'), 'referral_ack_due');
    assert.match(await work.textContent(), new RegExp(ar['referral.kind.referral_ack_due']));
    await work.locator(tid('work-referral')).click();
    await referralState(sh, 'sent');
  });

  await t.test('the receiver reads the person as the profile shares it, and the printable form', async () => {
    assert.equal(await sh.getAttribute(tid('referral-view'), 'data-side'), 'receiver');
    await sh.locator(tid('shared-person')).waitFor();
    assert.equal((await sh.textContent(tid('shared-person-given_name'))).trim(), PERSON.given_name);
    assert.equal((await sh.textContent(tid('shared-person-gender'))).trim(), choice('person', 'gender', 'Feminine'));
    assert.equal((await sh.textContent(tid('shared-victim-urgent_needs'))).trim(), choice('victim', 'urgent_needs', 'Shelter'));
    const dt = await sh.locator(`${tid('shared-person')} [data-key="given_name"] dt`).textContent();
    assert.equal(dt.trim(), label('person', 'given_name'));
    assert.equal((await sh.textContent(tid('referral-reason'))).trim(), REASON);
    const page = await sh.content();
    for (const h of HIDDEN) assert.ok(!page.includes(h), `"${h}" reached the receiver's screen`);
    // the printable form, in Arabic and in English
    const arHref = await sh.getAttribute(tid('form-ar'), 'href');
    const enHref = await sh.getAttribute(tid('form-en'), 'href');
    assert.match(arHref, /\/form\?lang=ar$/);
    assert.match(enHref, /\/form\?lang=en$/);
    const formAr = await api(sh, 'GET', arHref);
    assert.equal(formAr.status, 200);
    assert.match(formAr.type, /text\/html/);
    assert.ok(formAr.text.includes('dir="rtl"') && formAr.text.includes(PERSON.given_name));
    const formEn = await api(sh, 'GET', enHref);
    assert.ok(formEn.text.includes('Salma') && !formEn.text.includes('Khazraji'));
    await assertFits(sh, 'ar referral view 360');
    await shot(sh, 'referrals-ar-360-received-view');
  });

  await t.test('the shelter acknowledges, accepts with a planned start and starts the service', async () => {
    assert.deepEqual(await sh.locator(`${tid('referral-moves')} button`).evaluateAll((b) => b.map((x) => x.dataset.testid)), ['move-acknowledged']);
    await move(sh, 'acknowledged', (f) => f.locator('textarea[name="note"]').fill('استلمنا الإحالة وسنتصل بالحالة'));
    assert.match(await sh.textContent(tid('history-note')), /استلمنا الإحالة/, 'the note in the history');
    assert.deepEqual(await sh.locator(`${tid('referral-moves')} button`).evaluateAll((b) => b.map((x) => x.dataset.testid)), ['move-accepted', 'move-declined']);
    // accepting needs a planned start; the decline form offers the reason codes in Arabic
    await sh.click(tid('move-declined'));
    const opts = await sh.locator('select[name="reason"] option').allTextContents();
    assert.ok(opts.includes(ar['referral.decline.no_capacity']), opts.join('|'));
    await sh.click(tid('move-cancel'));
    await sh.click(tid('move-accepted'));
    await sh.fill('input[name="planned_start"]', '');
    await sh.click(tid('move-confirm'));
    assert.equal((await sh.textContent(`${tid('move-form')} .field-error`)).trim(), ar['field.missing_field']);
    await sh.fill('input[name="planned_start"]', todayYmd(2));
    await sh.click(tid('move-confirm'));
    await referralState(sh, 'accepted');
    await sh.locator(tid('referral-planned-start')).waitFor();
    await move(sh, 'in_service');
  });

  await t.test('the shelter logs a service delivered', async () => {
    await sh.click(tid('service-log'));
    const form = sh.locator(tid('service-form'));
    await form.waitFor();
    await form.locator('select[name="support_type"]').selectOption('Accommodation');
    await form.locator('input[name="date"]').fill(todayYmd());
    await form.locator('textarea[name="service_note"]').fill('غرفة مفردة في الطابق الأول');
    await assertFits(sh, 'ar log a service 360');
    await form.locator(tid('service-save')).click();
    const row = sh.locator(tid('delivered-row'));
    await row.first().waitFor();
    assert.equal(await row.count(), 1);
    assert.match(await row.first().textContent(), /غرفة مفردة/);
  });

  await t.test('the shelter completes it with an outcome', async () => {
    await move(sh, 'completed', (f) => f.locator('select[name="outcome"]').selectOption('goals_met'));
    assert.equal((await sh.textContent(tid('referral-outcome'))).trim(), ar['referral.outcome.goals_met']);
    assert.equal(await sh.locator(tid('history-row')).count(), 5, 'sent, acknowledged, accepted, in service, completed');
    // once completed, the person (and the notes about them) are no longer shared
    await sh.locator(tid('referral-not-shared')).waitFor();
    assert.equal(await sh.locator(tid('shared-person')).count(), 0);
    assert.equal(await sh.locator(tid('history-note')).count(), 0);
    assert.equal(await sh.locator(tid('referral-moves')).count(), 0, 'no move is left');
    await assertFits(sh, 'ar completed referral 360');
    await shot(sh, 'referrals-ar-360-completed');
  });

  await t.test('the case manager is notified and reads the outcome, in Arabic and in English', async () => {
    await cm.reload();
    await cm.locator(tid('bell-count')).waitFor();
    assert.ok(Number(await cm.getAttribute(tid('bell'), 'data-unread')) >= 4, 'acknowledged, accepted, in service, completed');
    await cm.click(tid('bell'));
    await cm.locator(tid('notifications')).waitFor();
    assert.equal((await cm.textContent('#notif-title')).trim(), ar['referral.notif_title']);
    const done = cm.locator(`${tid('notif')}[data-kind="referral.completed"]`);
    await done.waitFor();
    assert.equal(await done.getAttribute('data-read'), 'false');
    assert.match(await done.textContent(), new RegExp(ar['referral.notif.referral_completed']));
    await assertFits(cm, 'ar notifications 360');
    await shot(cm, 'referrals-ar-360-notifications');
    const before = Number(await cm.getAttribute(tid('bell'), 'data-unread'));
    await done.locator(tid('notif-open')).click();
    await referralState(cm, 'completed');
    assert.equal(await cm.getAttribute(tid('referral-view'), 'data-id'), referralId);
    await cm.waitForFunction((n) => Number(document.querySelector('[data-testid="bell"]').dataset.unread) === n - 1, before);
    assert.equal(await cm.getAttribute(tid('referral-view'), 'data-side'), 'sender');
    assert.equal((await cm.textContent(tid('referral-outcome'))).trim(), ar['referral.outcome.goals_met']);
    assert.equal(await cm.locator(tid('shared-person')).count(), 0, 'the sender gets no copy of the person');
    assert.match(await cm.textContent(tid('referral-fields')), new RegExp(label('person', 'given_name')));
    assert.match(await cm.textContent(tid('delivered')), /غرفة مفردة/);
    const notes = await cm.locator(tid('history-note')).allTextContents();
    assert.ok(notes.some((n) => n.includes('استلمنا الإحالة')), 'the receiver\'s note reaches the sender');
    assert.deepEqual(await htmlLang(cm), { lang: 'ar', dir: 'rtl' });
    await assertFits(cm, 'ar sender view 360');
    await shot(cm, 'referrals-ar-360-sender-view');
    // the case shows the referral with its outcome
    await cm.click(tid('referral-case-link'));
    const row = cm.locator(`${tid('case-referral')}[data-id="${referralId}"]`);
    await row.waitFor();
    assert.equal(await row.getAttribute('data-state'), 'completed');
    assert.match(await row.locator(tid('case-referral-outcome')).textContent(), new RegExp(ar['referral.outcome.goals_met']));
    // in English, left to right
    await setLang(cm, 'en');
    await cm.setViewportSize(WIDE);
    await row.locator(tid('case-referral-link')).click();
    await referralState(cm, 'completed');
    assert.deepEqual(await htmlLang(cm), { lang: 'en', dir: 'ltr' });
    assert.equal((await cm.textContent(tid('referral-outcome'))).trim(), en['referral.outcome.goals_met']);
    assert.match(await cm.textContent(tid('referral-to')), /Safe Care Centre/);
    await shot(cm, 'referrals-en-1280-sender-view');
  });

  await cm.context().close();
  await sh.context().close();
});

test('a supervisor refers and transfers without consent, with an override and its reason', async () => {
  const page = await fx.newPage();
  await page.setViewportSize(NARROW);
  await signIn(page, 'supervisor', 'ar');
  const ref = await newCase(page, { ...PERSON, given_name_latin: 'Mariam', given_name: 'مريم' });
  await page.goto(fx.base + '/#/cases/' + encodeURIComponent(ref));
  await page.click(tid('case-refer'));
  await fillReferForm(page, 'مركز الرعاية الآمنة', 'فاقدة للوعي في المستشفى');
  await page.click(tid('refer-send'));
  await page.locator(tid('override-box')).waitFor();
  await page.check(`${tid('override-on')}`);
  await page.click(tid('refer-send'));
  // the reason is required, and said so at the field
  assert.equal((await page.textContent(`${tid('override-box')} .field-error`)).trim(), ar['field.missing_field']);
  await page.fill(`${tid('override-reason')}`, 'الشخص فاقد للوعي ولا يمكن انتظار موافقته');
  await assertFits(page, 'ar override 360');
  await shot(page, 'referrals-ar-360-override');
  await page.click(tid('refer-send'));
  await page.locator(tid('refer-sent')).waitFor();
  const row = page.locator(tid('case-referral')).first();
  const consent = row.locator(tid('referral-consent'));
  assert.equal(await consent.getAttribute('data-consent'), 'override');
  assert.match(await consent.textContent(), /Demo Supervisor/);
  // the sender sees the override's reason on the referral
  await row.locator(tid('case-referral-link')).click();
  await referralState(page, 'sent');
  assert.match(await page.textContent(tid('override-reason-text')), /فاقد للوعي/);

  // a whole case is transferred: the same consent rule, then the case is gone from this organisation
  const other = await newCase(page, { ...PERSON, given_name: 'هدى', given_name_latin: 'Huda' });
  await page.goto(fx.base + '/#/cases/' + encodeURIComponent(other));
  await page.click(tid('case-transfer'));
  const dialog = page.locator(tid('transfer-dialog'));
  await dialog.waitFor();
  await dialog.locator(tid('transfer-confirm')).click();
  assert.equal(await dialog.locator('.field-error').count(), 2, 'organisation and reason are required');
  await dialog.locator('select[name="transfer_to"]').selectOption({ label: 'مركز الرعاية الآمنة' });
  await dialog.locator(tid('transfer-reason')).fill('انتقلت الضحية إلى منطقة أخرى');
  await dialog.locator(tid('transfer-confirm')).click();
  await dialog.locator(tid('override-box')).waitFor();
  assert.equal(await dialog.locator(tid('error')).getAttribute('data-code'), 'consent_required');
  await dialog.locator(tid('override-on')).check();
  await dialog.locator(tid('override-reason')).fill('لا يمكن الوصول إلى الشخص لأخذ موافقته');
  await assertFits(page, 'ar transfer 360');
  await dialog.locator(tid('transfer-confirm')).click();
  await page.locator(tid('notice')).waitFor();
  assert.match(await page.textContent(tid('notice')), new RegExp(other));
  assert.equal((await api(page, 'GET', '/api/v1/cases/' + encodeURIComponent(other))).status, 404, 'the case left this organisation');
  await page.context().close();
});

test('the coordinator sees every referral and the overview, which links to the filtered list', async () => {
  const page = await fx.newPage();
  await page.setViewportSize(NARROW);
  await signIn(page, 'coordinator', 'ar');
  await page.click(tid('nav-referrals'));
  await page.locator(`${tid('referrals')}[data-tab="all"]`).waitFor();
  await page.locator(tid('referral-item')).first().waitFor();
  assert.ok((await page.locator(tid('referral-item')).count()) >= 2);
  await page.click(tid('ref-tab-overview'));
  await page.locator(tid('ov-by-state')).waitFor();
  assert.equal((await page.textContent('#overview-title')).trim(), ar['referral.overview_title']);
  await assertFits(page, 'ar overview 360');
  await shot(page, 'referrals-ar-360-overview');
  const ov = (await api(page, 'GET', '/api/v1/referrals/overview')).json;
  assert.ok(ov.by_state.completed >= 1 && ov.by_state.sent >= 1);
  assert.equal(await page.locator(`${tid('ov-by-org')} tbody tr`).count(), ov.by_org.length);
  // by state: the "sent" count opens the list of sent referrals only
  await page.click(tid('ov-state-sent'));
  await page.locator(`${tid('referrals')}[data-tab="all"]`).waitFor();
  await page.waitForFunction(
    (n) => {
      const items = [...document.querySelectorAll('[data-testid="referral-item"]')];
      return items.length === n && items.every((x) => x.getAttribute('data-state') === 'sent');
    },
    ov.by_state.sent,
  );
  assert.equal(await page.inputValue('select[name="state"]'), 'sent');
  // by service: accommodation, as a removable filter
  await page.click(tid('ref-tab-overview'));
  await page.locator(`${tid('ov-by-service')} ${tid('ov-service-link')}`).first().click();
  await page.locator(tid('referral-chips')).waitFor();
  await page.locator(tid('referral-item')).first().waitFor();
  await page.context().close();
});
