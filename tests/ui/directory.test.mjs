// Browser test of the service directory (#/directory), in Arabic on a 360 px
// wide phone screen: another organisation (the demo shelter worker's "Safe
// Care Centre") is listed with accommodation but no free place; the demo
// case manager of "Hope Shelter" finds their organisation missing, adds its
// entry (a service must be ticked: the server's error shows at the field),
// then edits it to add accommodation with places (free places above the
// total are refused at the field, and nothing is saved), updates the free
// places in one step as shelter staff do daily, and finds the organisation
// by service, "free places only", region and words. The shelter worker of
// the other organisation sees Hope Shelter without any way to change it,
// and the API answers 404 to its attempts; a first responder (no
// directory.write) only reads; the coordinator opens an organisation that
// has no entry yet from the organisation list and adds it.
//
//   IHALA_BIN=build/uidir/ihala node --test tests/ui/directory.test.mjs
//
// Screenshots: build/screenshots/directory-{ar-360,en-1280}-*.png
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { assertFits, htmlLang, login, logout, NARROW, repo, setLang, shot, startFixture, tid, WIDE } from './lib.mjs';

const ar = JSON.parse(fs.readFileSync(path.join(repo, 'ui', 'i18n', 'ar.json'), 'utf8'));
const en = JSON.parse(fs.readFileSync(path.join(repo, 'ui', 'i18n', 'en.json'), 'utf8'));

let fx;

before(async () => {
  fx = await startFixture('ihala-ui-directory-');
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

const entry = (orgId) => `${tid('dir-entry')}[data-org="${orgId}"]`;

/** Waits until the list has settled with exactly n cards. */
async function listed(page, n) {
  await page.waitForFunction(
    (want) =>
      document.querySelector('[data-testid="dir-count"]')?.getAttribute('data-busy') === 'false' &&
      document.querySelectorAll('[data-testid="dir-entry"]').length === want,
    n,
  );
  return page.locator(tid('dir-entry')).evaluateAll((els) => els.map((e) => e.getAttribute('data-org')));
}

/** Numbers as the page writes them in its language. */
const fmt = (page, locale, n) => page.evaluate(([l, x]) => new Intl.NumberFormat(l).format(x), [locale, n]);

const safeCare = {
  services: ['Accommodation', 'Health'],
  regions: ['Southern Governorate'],
  languages: ['ar', 'en'],
  accepts: ['women', 'children'],
  capacity: { total: 10, free: 0 },
  accepting: false,
  note: 'Full this week.',
};

let hopeId;
let safeId;

test('service directory: a shelter keeps its entry in Arabic at 360 px; others only read it', async (t) => {
  const other = await fx.newPage();
  const page = await fx.newPage();
  await page.setViewportSize(NARROW);

  await t.test('another organisation is already listed (set up through the API)', async () => {
    assert.ok(fx.creds.shelter && fx.creds.casemanager, 'init --demo printed the passwords');
    await other.goto(fx.base + '/');
    await other.locator(tid('login-form')).waitFor();
    await login(other, 'shelter', fx.creds.shelter);
    await other.locator(tid('nav-directory')).waitFor();
    safeId = (await api(other, 'GET', '/api/v1/me')).json.org.id;
    const r = await api(other, 'PUT', '/api/v1/services/' + safeId, safeCare);
    assert.equal(r.status, 200, JSON.stringify(r.json));
  });

  await t.test('the case manager opens the directory in Arabic: their organisation is not in it yet', async () => {
    await page.goto(fx.base + '/');
    await page.locator(tid('login-form')).waitFor();
    await setLang(page, 'ar');
    await login(page, 'casemanager', fx.creds.casemanager);
    await page.locator(tid('nav-directory')).waitFor();
    await setLang(page, 'ar');
    assert.deepEqual(await htmlLang(page), { lang: 'ar', dir: 'rtl' });
    hopeId = (await api(page, 'GET', '/api/v1/me')).json.org.id;
    assert.notEqual(hopeId, safeId);
    assert.equal((await page.textContent(tid('nav-directory'))).trim(), ar['directory.nav']);
    await page.click(tid('nav-directory'));
    await page.locator(tid('directory')).waitFor();
    assert.equal((await page.textContent('#dir-title')).trim(), ar['directory.title']);
    assert.deepEqual(await listed(page, 1), [safeId]);
    // the other organisation's card: Arabic name, Arabic service labels, no way to change it
    const card = page.locator(entry(safeId));
    assert.equal((await card.locator(tid('dir-name')).textContent()).trim(), 'مركز الرعاية الآمنة');
    const chips = await card.locator(`${tid('dir-services')} li`).allTextContents();
    assert.deepEqual(chips.map((s) => s.trim()), ['الإيواء / المأوى', 'الرعاية الصحية']);
    assert.equal(await card.locator(tid('dir-accepting')).getAttribute('data-accepting'), 'false');
    assert.equal((await card.locator(tid('dir-accepting')).textContent()).trim(), ar['directory.accepting_no']);
    assert.equal(await card.locator(tid('dir-places')).getAttribute('data-free'), '0');
    assert.equal(await card.locator(tid('dir-edit')).count(), 0);
    assert.equal(await card.locator(tid('dir-free-form')).count(), 0);
    await page.locator(tid('dir-own-create')).waitFor();
    await assertFits(page, 'ar directory 360');
  });

  await t.test('adding the entry: without a service the server refuses, and says so at the field', async () => {
    await page.click(tid('dir-own-create'));
    const form = page.locator(`${tid('dir-form')}[data-org="${hopeId}"]`);
    await form.waitFor();
    await page.click(tid('dir-save'));
    const err = form.locator('[data-field="services"] .field-error');
    await err.waitFor();
    assert.equal((await err.textContent()).trim(), ar['directory.err_services_invalid']);
    assert.equal((await api(page, 'GET', '/api/v1/services/' + hopeId)).status, 404, 'nothing saved');

    await form.locator('input[name="services"][value="Psychological"]').check();
    await form.locator('input[name="region"]').fill('Capital Governorate');
    await page.click(tid('dir-region-add'));
    await form.locator('input[name="region"]').fill('المحافظة الشمالية');
    await form.locator('input[name="region"]').press('Enter');
    assert.deepEqual(
      (await form.locator(`${tid('dir-form-regions')} bdi`).allTextContents()).map((s) => s.trim()),
      ['Capital Governorate', 'المحافظة الشمالية'],
    );
    await form.locator('select[name="language"]').selectOption('ar');
    await form.locator('select[name="language"]').selectOption('en');
    await form.locator('input[name="accepts"][value="women"]').check();
    await form.locator('input[name="accepts"][value="children"]').check();
    await form.locator('textarea[name="note"]').fill('اتصلوا بالهاتف المناوب قبل الساعة العاشرة مساءً.');
    await assertFits(page, 'ar directory form 360');
    await shot(page, 'directory-ar-360-form');
    await page.click(tid('dir-save'));
    await page.locator(tid('notice')).waitFor();
    assert.equal((await page.textContent(tid('notice'))).trim(), ar['directory.saved'].replace('{name}', 'دار الأمل للإيواء'));
    const stored = (await api(page, 'GET', '/api/v1/services/' + hopeId)).json;
    assert.deepEqual(stored.services, ['Psychological']);
    assert.deepEqual(stored.regions, ['Capital Governorate', 'المحافظة الشمالية']);
    assert.deepEqual(stored.languages, ['ar', 'en']);
    assert.deepEqual(stored.accepts, ['women', 'children']);
    assert.equal(stored.capacity, null);
    assert.equal(stored.accepting, true);
    await listed(page, 2);
    await page.locator(tid('dir-own-edit')).waitFor();
    assert.equal(await page.locator(`${tid('dir-own')} ${tid('dir-free-form')}`).count(), 0, 'no places yet');
  });

  await t.test('editing it: accommodation with places; too many free places is refused at the field', async () => {
    await page.click(tid('dir-own-edit'));
    const form = page.locator(`${tid('dir-form')}[data-org="${hopeId}"]`);
    await form.waitFor();
    assert.ok(await form.locator('input[name="services"][value="Psychological"]').isChecked(), 'the form starts from the entry');
    assert.equal(await form.locator(tid('dir-capacity')).count(), 0, 'places only with accommodation');
    await form.locator('input[name="services"][value="Accommodation"]').check();
    await form.locator(tid('dir-capacity')).waitFor();
    await form.locator('input[name="capacity_total"]').fill('12');
    await form.locator('input[name="capacity_free"]').fill('20');
    await page.click(tid('dir-save'));
    const err = form.locator('[data-field="capacity.free"] .field-error');
    await err.waitFor();
    assert.equal((await err.textContent()).trim(), ar['directory.err_capacity_free_invalid']);
    assert.equal(await form.locator('input[name="capacity_free"]').getAttribute('aria-invalid'), 'true');
    assert.equal(await form.locator('[data-field="capacity.total"] .field-error').count(), 0);
    assert.deepEqual((await api(page, 'GET', '/api/v1/services/' + hopeId)).json.services, ['Psychological'], 'nothing half-written');
    await shot(page, 'directory-ar-360-field-error');

    // Arabic-Indic digits, as an Arabic keyboard types them
    await form.locator('input[name="capacity_free"]').fill('٣');
    await page.click(tid('dir-save'));
    await form.waitFor({ state: 'detached' });
    const stored = (await api(page, 'GET', '/api/v1/services/' + hopeId)).json;
    assert.deepEqual(stored.services, ['Psychological', 'Accommodation']);
    assert.deepEqual(stored.capacity, { total: 12, free: 3 });
    const places = page.locator(`${entry(hopeId)} ${tid('dir-places')}`);
    await places.waitFor();
    assert.equal(await places.getAttribute('data-free'), '3');
    assert.equal(
      (await places.textContent()).trim(),
      ar['directory.places_value'].replace('{free}', await fmt(page, 'ar', 3)).replace('{total}', await fmt(page, 'ar', 12)),
    );
  });

  await t.test('free places in one step, as shelter staff do every day', async () => {
    const quick = page.locator(`${tid('dir-own')} ${tid('dir-free-form')}`);
    await quick.waitFor();
    await quick.locator('input[name="free"]').fill('25');
    await quick.locator(tid('dir-free-save')).click();
    const err = quick.locator('[data-field="free"] .field-error');
    await err.waitFor();
    assert.equal((await err.textContent()).trim(), ar['directory.err_free_invalid']);
    assert.equal((await api(page, 'GET', '/api/v1/services/' + hopeId)).json.capacity.free, 3);

    await quick.locator('input[name="free"]').fill('5');
    await quick.locator(tid('dir-free-save')).click();
    await page.waitForFunction((id) => document.querySelector(`[data-testid="dir-entry"][data-org="${id}"] [data-testid="dir-places"]`)?.getAttribute('data-free') === '5', hopeId);
    assert.equal(await quick.locator('.field-error').count(), 0);
    assert.deepEqual((await api(page, 'GET', '/api/v1/services/' + hopeId)).json.capacity, { total: 12, free: 5 });
    const notice = (await page.textContent(tid('notice'))).trim();
    assert.ok(notice.includes(await fmt(page, 'ar', 5)) && notice.includes('دار الأمل للإيواء'), notice);
  });

  await t.test('searching: by service, free places only, region and words, finds Hope Shelter', async () => {
    await page.locator('select[name="filter_service"]').selectOption('Accommodation');
    assert.deepEqual((await listed(page, 2)).sort(), [hopeId, safeId].sort());
    await page.locator('input[name="filter_free"]').check();
    assert.deepEqual(await listed(page, 1), [hopeId]);
    const card = page.locator(entry(hopeId));
    assert.equal((await card.locator(tid('dir-name')).textContent()).trim(), 'دار الأمل للإيواء');
    assert.ok((await card.locator(`${tid('dir-services')} li`).allTextContents()).map((s) => s.trim()).includes('الإيواء / المأوى'));
    assert.equal(await card.locator(tid('dir-edit')).count(), 1, 'its own entry can be edited from the list');
    await assertFits(page, 'ar directory search 360');
    await shot(page, 'directory-ar-360-search');

    // free places to 0: "free places only" no longer finds it
    const quick = page.locator(`${tid('dir-own')} ${tid('dir-free-form')}`);
    await quick.locator('input[name="free"]').fill('0');
    await quick.locator(tid('dir-free-save')).click();
    await listed(page, 0);
    assert.equal((await page.textContent(tid('dir-empty'))).trim(), ar['directory.no_results']);
    await quick.locator('input[name="free"]').fill('4');
    await quick.locator(tid('dir-free-save')).click();
    await page.locator('input[name="filter_free"]').uncheck();
    await page.locator('input[name="filter_free"]').check();
    assert.deepEqual(await listed(page, 1), [hopeId]);

    await page.click(tid('dir-clear'));
    assert.equal(await page.locator('select[name="filter_service"]').inputValue(), '');
    await listed(page, 2);
    // a region written in lower case (regions compare case-insensitively), then words in Arabic
    await page.locator('input[name="filter_region"]').fill('capital governorate');
    await page.locator('input[name="filter_region"]').press('Enter');
    assert.deepEqual(await listed(page, 1), [hopeId]);
    await page.click(tid('dir-clear'));
    await listed(page, 2);
    await page.locator('input[name="q"]').fill('الأمل');
    assert.deepEqual(await listed(page, 1), [hopeId]);
    await page.locator('input[name="q"]').fill('الرعاية الصحية');
    assert.deepEqual(await listed(page, 1), [safeId], 'words match the service labels too');
    await page.click(tid('dir-clear'));
    await page.locator('input[name="filter_accepting"]').check();
    assert.deepEqual(await listed(page, 1), [hopeId], 'Safe Care Centre takes no referrals now');
    await page.click(tid('dir-clear'));
    await listed(page, 2);
  });

  await t.test('a user of another organisation cannot change Hope Shelter’s entry', async () => {
    await other.setViewportSize(WIDE);
    await setLang(other, 'en');
    await other.click(tid('nav-directory'));
    assert.equal((await other.textContent('#dir-title')).trim(), en['directory.title']);
    await listed(other, 2);
    const hope = other.locator(entry(hopeId));
    assert.equal((await hope.locator(tid('dir-name')).textContent()).trim(), 'Hope Shelter');
    assert.equal(await hope.locator(tid('dir-places')).getAttribute('data-free'), '4');
    assert.equal(await hope.locator(tid('dir-edit')).count(), 0, 'no edit button');
    assert.equal(await hope.locator(tid('dir-free-form')).count(), 0, 'no free places form');
    assert.equal(await other.locator(`${entry(safeId)} ${tid('dir-edit')}`).count(), 1, 'their own entry can be edited');
    await shot(other, 'directory-en-1280-other-org');

    const put = await api(other, 'PUT', '/api/v1/services/' + hopeId, { ...safeCare, capacity: { total: 12, free: 12 } });
    assert.equal(put.status, 404, JSON.stringify(put.json));
    const patch = await api(other, 'PATCH', '/api/v1/services/' + hopeId + '/capacity', { free: 12 });
    assert.equal(patch.status, 404, JSON.stringify(patch.json));
    const now = (await api(other, 'GET', '/api/v1/services/' + hopeId)).json;
    assert.deepEqual(now.capacity, { total: 12, free: 4 });
    assert.deepEqual(now.services, ['Psychological', 'Accommodation']);
    await logout(other);
  });

  await t.test('a first responder reads the directory and changes nothing', async () => {
    await other.locator('input[name="username"]').waitFor();
    await login(other, 'responder', fx.creds.responder);
    await other.locator(tid('nav-directory')).click();
    await listed(other, 2);
    assert.equal(await other.locator(tid('dir-own')).count(), 0);
    assert.equal(await other.locator(tid('dir-edit')).count(), 0);
    assert.equal(await other.locator(tid('dir-free-form')).count(), 0);
    await logout(other);
  });

  await t.test('the coordinator keeps any organisation’s entry, listed or not', async () => {
    await login(other, 'coordinator', fx.creds.coordinator);
    await other.locator(tid('nav-directory')).waitFor();
    await setLang(other, 'en');
    await other.locator(tid('nav-directory')).click();
    await listed(other, 2);
    assert.equal(await other.locator(`${entry(hopeId)} ${tid('dir-edit')}`).count(), 1, 'Hope Shelter can be edited');
    assert.equal(await other.locator(`${entry(safeId)} ${tid('dir-free-form')}`).count(), 1);
    // the police directorate has no entry yet: open it from the organisation list
    const orgs = (await api(other, 'GET', '/api/v1/orgs?limit=200')).json.items;
    const police = orgs.find((o) => o.name_en === 'Police Directorate');
    assert.ok(police, 'demo organisation Police Directorate');
    await other.locator('select[name="pick_org"]').selectOption(police.id);
    await other.click(tid('dir-pick-open'));
    const form = other.locator(`${tid('dir-form')}[data-org="${police.id}"]`);
    await form.waitFor();
    assert.equal((await form.locator('h2').textContent()).trim(), en['directory.form_title_new'].replace('{name}', 'Police Directorate'));
    await form.locator('input[name="services"][value="ProtectionAndSafety"]').check();
    await form.locator('input[name="region"]').fill('Southern Governorate');
    await other.click(tid('dir-save'));
    await form.waitFor({ state: 'detached' });
    await listed(other, 3);
    await other.locator('input[name="filter_region"]').fill('southern governorate');
    await other.locator('input[name="filter_region"]').press('Enter');
    assert.deepEqual((await listed(other, 2)).sort(), [police.id, safeId].sort());
  });

  await t.test('no page error and no CSP violation', async () => {
    assert.deepEqual(fx.problems, []);
  });
});
