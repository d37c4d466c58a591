// Browser test of the embedded web interface: a real `ihala serve` with demo
// data, driven through Debian's Chromium by playwright-core.
//
//   IHALA_BIN=build/asan/ihala node --test tests/ui/
//   (IHALA_UI_LOG=1 copies the server's log to stderr at the end.)
//
// Screenshots (English and Arabic, 1280 and 360 px wide) go to build/screenshots/.
// The server, browser and page helpers are shared with the other browser tests: lib.mjs.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { assertFits, htmlLang, login, logout, NARROW, setLang, shot, startFixture, tid, WIDE } from './lib.mjs';

// ---------------------------------------------------------------- helpers

/** RFC 4648 base32 (no padding needed) to bytes. */
function base32Decode(s) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  const clean = s.toUpperCase().replace(/[\s=]/g, '');
  let bits = 0;
  let value = 0;
  const out = [];
  for (const ch of clean) {
    const idx = alphabet.indexOf(ch);
    if (idx < 0) throw new Error('bad base32 character ' + ch);
    value = (value << 5) | idx;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

/** RFC 6238 TOTP (HMAC-SHA1, 30 s, 6 digits) for the step `counter`. */
function totpAt(secret, counter) {
  const msg = Buffer.alloc(8);
  msg.writeBigUInt64BE(BigInt(counter));
  const mac = crypto.createHmac('sha1', base32Decode(secret)).update(msg).digest();
  const off = mac[mac.length - 1] & 0x0f;
  const bin = ((mac[off] & 0x7f) << 24) | (mac[off + 1] << 16) | (mac[off + 2] << 8) | mac[off + 3];
  return String(bin % 1_000_000).padStart(6, '0');
}

const nowStep = () => Math.floor(Date.now() / 1000 / 30);

// ---------------------------------------------------------------- fixture
// (server, browser and page helpers: lib.mjs)

let fx;
let base;
let creds = {};
let problems = []; // CSP violations and page errors, checked at the end

before(async () => {
  fx = await startFixture('ihala-ui-');
  base = fx.base;
  creds = fx.creds;
  problems = fx.problems;
});

after(async () => {
  if (fx) await fx.stop();
});

async function wide(page) {
  await page.setViewportSize(WIDE);
}

const newPage = () => fx.newPage();

// ---------------------------------------------------------------- the test

const stamp = Date.now().toString(36);
const ORG = { en: `Test Relief Association ${stamp}`, ar: `جمعية الإغاثة التجريبية ${stamp}` };
const NEW_USER = { username: `ui.user.${stamp}`, display: 'Mona Test' };
const ADMIN_PASSWORD = 'a long and new passphrase 42';

test('the web interface: login, setup, organisations, users, Arabic, audit', async (t) => {
  const page = await newPage();
  let totpSecret = null;
  let orgId = null;
  let userOtp = null;

  await t.test('login page: demo banner, English, security headers', async () => {
    const res = await page.goto(base + '/');
    assert.equal(res.status(), 200);
    const csp = res.headers()['content-security-policy'] || '';
    assert.match(csp, /script-src 'self'/, 'index.html is served with a CSP');
    await page.locator(tid('login-form')).waitFor();
    await setLang(page, 'en');
    assert.deepEqual(await htmlLang(page), { lang: 'en', dir: 'ltr' });
    await page.locator(tid('demo-banner')).waitFor();
    assert.match(await page.textContent(tid('demo-banner')), /Demonstration data/);
    await shot(page, 'en-1280-login');
    await page.setViewportSize(NARROW);
    await assertFits(page, 'login 360');
    await shot(page, 'en-360-login');
    await page.setViewportSize(WIDE);
  });

  await t.test('wrong password is refused with a translated message', async () => {
    await login(page, 'admin', 'not the password');
    const err = page.locator(tid('error'));
    await err.waitFor();
    assert.match(await err.textContent(), /Wrong username or password/);
  });

  await t.test('first login must change the one-time password', async () => {
    await login(page, 'admin', creds.admin);
    await page.locator(tid('password-form')).waitFor();
    // too short: the server answers weak_password, shown in words
    await page.fill('input[name="current"]', creds.admin);
    await page.fill('input[name="new"]', 'short');
    await page.fill('input[name="confirm"]', 'short');
    await page.click(tid('password-submit'));
    await page.locator(tid('error')).waitFor();
    assert.match(await page.textContent(tid('error')), /too weak/);
    // mismatch is caught before sending
    await page.fill('input[name="new"]', ADMIN_PASSWORD);
    await page.fill('input[name="confirm"]', ADMIN_PASSWORD + 'x');
    await page.click(tid('password-submit'));
    await page.getByText('The two new passwords are not the same.').waitFor();
    await page.fill('input[name="current"]', creds.admin);
    await page.fill('input[name="confirm"]', ADMIN_PASSWORD);
    await page.click(tid('password-submit'));
    await page.locator(tid('nav-orgs')).waitFor();
    await setLang(page, 'en');
    assert.match(await page.textContent(tid('who-name')), /\S/);
    await page.locator(tid('nav-users')).waitFor();
  });

  await t.test('enrol TOTP from the menu with a code computed here', async () => {
    await page.click(tid('nav-totp'));
    const secretEl = page.locator(tid('totp-secret'));
    await secretEl.waitFor();
    totpSecret = (await secretEl.getAttribute('data-secret')) || (await secretEl.textContent()).replace(/\s+/g, '');
    assert.match(totpSecret, /^[A-Z2-7]+=*$/);
    const img = page.locator(tid('totp-qr'));
    await img.waitFor();
    assert.match(await img.getAttribute('src'), /^data:image\/svg\+xml/);
    assert.ok(await img.evaluate((el) => el.complete && el.naturalWidth > 0), 'the QR image is drawn');
    await shot(page, 'en-1280-totp');
    await page.fill('input[name="code"]', totpAt(totpSecret, nowStep()));
    await page.click(tid('totp-submit'));
    await page.locator(tid('notice')).waitFor();
    await page.waitForFunction(() => document.querySelector('[data-testid="home-totp"]')?.textContent === 'On');
    assert.equal(await page.locator(tid('nav-totp')).count(), 0, 'the enrol link is gone once enrolled');
    await shot(page, 'en-1280-home');
  });

  await t.test('create an organisation and see it in the list', async () => {
    await page.click(tid('nav-orgs'));
    await page.locator(tid('orgs-table')).waitFor();
    await page.click(tid('org-new'));
    await page.fill('input[name="name_ar"]', ORG.ar);
    await page.fill('input[name="name_en"]', ORG.en);
    await page.selectOption('select[name="type"]', 'InternationalOrganisation');
    await page.selectOption('select[name="country"]', 'JO');
    await page.click(tid('org-save'));
    const row = page.locator(tid('org-row'), { hasText: ORG.en });
    await row.waitFor();
    assert.match(await row.textContent(), /Jordan/);
    assert.match(await row.textContent(), /International organisation/);
    orgId = await row.getAttribute('data-id');
    assert.match(orgId, /^[0-9a-f]{32}$/);
    // edit it: the English name changes
    await row.locator(tid('org-edit')).click();
    await page.fill('input[name="name_en"]', ORG.en + ' (edited)');
    await page.click(tid('org-save'));
    await page.locator(tid('org-row'), { hasText: ORG.en + ' (edited)' }).waitFor();
    ORG.en += ' (edited)';
    await shot(page, 'en-1280-orgs');
  });

  await t.test('create a user in it; the one-time password is shown once', async () => {
    await page.click(tid('nav-users'));
    await page.locator(tid('users-table')).waitFor();
    await page.click(tid('user-new'));
    await page.fill('input[name="username"]', NEW_USER.username);
    await page.fill('input[name="display_name"]', NEW_USER.display);
    await page.selectOption('select[name="org_id"]', orgId);
    await page.check('input[name="roles"][value="case_manager"]');
    await page.click(tid('user-save'));
    const otp = page.locator(tid('one-time-password'));
    await otp.waitFor();
    userOtp = (await otp.textContent()).trim();
    assert.ok(userOtp.length >= 8, 'a one-time password is shown');
    const row = page.locator(`${tid('user-row')}[data-username="${NEW_USER.username}"]`);
    await row.waitFor();
    assert.match(await row.textContent(), new RegExp(ORG.en.replace(/[()]/g, '\\$&')));
    await shot(page, 'en-1280-users-otp');
    await page.click(tid('otp-done'));
    assert.equal(await page.locator(tid('one-time-password')).count(), 0, 'the password is gone after Done');
    // filtering by the new organisation shows just this user
    await page.selectOption('select[name="org_filter"]', orgId);
    await page.waitForFunction(
      (u) => {
        const rows = [...document.querySelectorAll('[data-testid="user-row"]')];
        return rows.length === 1 && rows[0].getAttribute('data-username') === u;
      },
      NEW_USER.username,
    );
    await page.selectOption('select[name="org_filter"]', '');
    await page.locator(`${tid('user-row')}[data-username="admin"]`).waitFor();
    // disable and enable again
    await row.locator(tid('user-disable')).click();
    await row.locator(tid('user-disable-yes')).click();
    await row.locator(tid('user-enable')).waitFor();
    assert.match(await row.locator(tid('user-status')).textContent(), /Disabled/);
    await row.locator(tid('user-enable')).click();
    await row.locator(tid('user-disable')).waitFor();
    // end sessions answers without error
    await row.locator(tid('user-end-sessions')).click();
    await row.locator(tid('user-end-sessions-yes')).click();
    await page.locator(tid('notice')).waitFor();
    await shot(page, 'en-1280-users');
  });

  await t.test('English at 360 px: nothing overflows', async () => {
    await page.setViewportSize(NARROW);
    for (const [nav, name] of [
      ['nav-home', 'home'],
      ['nav-orgs', 'orgs'],
      ['nav-users', 'users'],
    ]) {
      await page.click(tid(nav));
      await page.waitForFunction((n) => location.hash.includes(n === 'home' ? '#/' : n), name);
      await page.waitForTimeout(150);
      await shot(page, `en-360-${name}`);
      await assertFits(page, `en ${name} 360`);
    }
    await page.setViewportSize(WIDE);
  });

  await t.test('switch to Arabic: right-to-left, translated, remembered', async () => {
    await wide(page);
    await page.click(tid('nav-orgs'));
    await page.locator(tid('orgs-table')).waitFor();
    await page.click(tid('lang-switch'));
    await page.waitForFunction(() => document.documentElement.dir === 'rtl');
    assert.deepEqual(await htmlLang(page), { lang: 'ar', dir: 'rtl' });
    assert.equal((await page.textContent(tid('nav-orgs'))).trim(), 'الجهات');
    assert.match(await page.textContent(tid('demo-banner')), /بيانات تجريبية/);
    const row = page.locator(tid('org-row'), { hasText: ORG.ar });
    await row.waitFor();
    assert.match(await row.textContent(), /الأردن/, 'country name in Arabic');
    assert.match(await row.textContent(), /منظمة دولية/, 'type in Arabic');
    // the navigation starts at the right edge
    const box = await page.locator(tid('nav-home')).boundingBox();
    assert.ok(box.x > WIDE.width / 2, 'first navigation link is on the right in Arabic');
    await shot(page, 'ar-1280-orgs');
    await page.click(tid('nav-users'));
    await page.locator(tid('users-table')).waitFor();
    await shot(page, 'ar-1280-users');
    await page.click(tid('nav-home'));
    await page.locator('#home-title').waitFor();
    await shot(page, 'ar-1280-home');
    await page.setViewportSize(NARROW);
    for (const [nav, name] of [
      ['nav-home', 'home'],
      ['nav-orgs', 'orgs'],
      ['nav-users', 'users'],
    ]) {
      await page.click(tid(nav));
      await page.waitForFunction((n) => location.hash.includes(n === 'home' ? '#/' : n), name);
      await page.waitForTimeout(150);
      await shot(page, `ar-360-${name}`);
      await assertFits(page, `ar ${name} 360`);
    }
    // the choice survives a reload (localStorage and PATCH /api/v1/me)
    await page.reload();
    await page.locator(tid('nav-orgs')).waitFor();
    assert.deepEqual(await htmlLang(page), { lang: 'ar', dir: 'rtl' });
    const me = await page.evaluate(async () => (await fetch('/api/v1/me')).json());
    assert.equal(me.locale, 'ar', 'the language was saved on the server');
    await page.setViewportSize(WIDE);
  });

  await t.test('log out; the Arabic login page', async () => {
    await wide(page);
    await logout(page);
    assert.equal(await page.evaluate(async () => (await fetch('/api/v1/me')).status), 401);
    assert.deepEqual(await htmlLang(page), { lang: 'ar', dir: 'rtl' });
    await shot(page, 'ar-1280-login');
    await page.setViewportSize(NARROW);
    await assertFits(page, 'ar login 360');
    await shot(page, 'ar-360-login');
    await page.setViewportSize(WIDE);
  });

  await t.test('the new user must change the one-time password', async () => {
    await wide(page);
    await login(page, NEW_USER.username, userOtp);
    await page.locator(tid('password-form')).waitFor();
    await shot(page, 'ar-1280-change-password');
    await logout(page);
  });

  await t.test('admin signs in again with TOTP', async () => {
    await wide(page);
    await login(page, 'admin', ADMIN_PASSWORD, () => totpAt(totpSecret, nowStep() + 1));
    await page.locator(tid('nav-orgs')).waitFor();
    await logout(page);
  });

  await t.test('the auditor reads the audit log', async () => {
    await wide(page);
    assert.ok(creds.auditor, 'init --demo printed the auditor password');
    await login(page, 'auditor', creds.auditor);
    await page.locator(tid('nav-audit')).waitFor();
    assert.equal(await page.locator(tid('nav-users')).count(), 0, 'auditor sees no Users');
    await page.click(tid('nav-audit'));
    await page.locator(tid('audit-row')).first().waitFor();
    const n = await page.locator(tid('audit-row')).count();
    assert.ok(n > 0);
    const more = page.locator(tid('audit-more'));
    if (await more.count()) {
      await more.click();
      await page.waitForFunction((k) => document.querySelectorAll('[data-testid="audit-row"]').length > k, n);
    }
    await setLang(page, 'ar');
    await shot(page, 'ar-1280-audit');
    await page.setViewportSize(NARROW);
    await assertFits(page, 'ar audit 360');
    await shot(page, 'ar-360-audit');
    await page.setViewportSize(WIDE);
    await setLang(page, 'en');
    await shot(page, 'en-1280-audit');
    await logout(page);
  });

  await t.test('no CSP violations or script errors', () => {
    assert.deepEqual(problems, []);
  });

  await page.context().close();
});
