// Browser test of the embedded web interface: a real `ihala serve` with demo
// data, driven through Debian's Chromium by playwright-core.
//
//   IHALA_BIN=build/asan/ihala node --test tests/ui/
//   (IHALA_UI_LOG=1 copies the server's log to stderr at the end.)
//
// Screenshots (English and Arabic, 1280 and 360 px wide) go to build/screenshots/.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const requireUi = createRequire(path.join(repo, 'ui', 'package.json'));
const { chromium } = requireUi('playwright-core');

const BIN = path.resolve(repo, process.env.IHALA_BIN || 'build/asan/ihala');
const CHROMIUM = process.env.IHALA_CHROMIUM || '/usr/bin/chromium';
const SHOTS = path.join(repo, 'build', 'screenshots');
const WIDE = { width: 1280, height: 860 };
const NARROW = { width: 360, height: 780 };
const STEP_MS = 15000;

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

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Parses the credentials `ihala init --demo` prints. */
function parseInit(stdout) {
  const lines = stdout.split('\n').map((l) => l.trim()).filter(Boolean);
  const creds = {};
  let pendingUser = null;
  for (const line of lines) {
    const both = /^username:\s*(\S+)\s+password:\s*(\S+)\s*$/.exec(line);
    if (both) {
      creds[both[1]] = both[2];
      continue;
    }
    const u = /^username:\s*(\S+)\s*$/.exec(line);
    if (u) {
      pendingUser = u[1];
      continue;
    }
    const p = /^password:\s*(\S+)\s*$/.exec(line);
    if (p && pendingUser) {
      creds[pendingUser] = p[1];
      pendingUser = null;
    }
  }
  return creds;
}

// ---------------------------------------------------------------- fixture

let tmp;
let server;
let serverLog = '';
let base;
let browser;
let creds = {};
const problems = []; // CSP violations and page errors, checked at the end

before(async () => {
  assert.ok(fs.existsSync(BIN), `server binary not found: ${BIN} (build it with make MODE=asan, or set IHALA_BIN)`);
  assert.ok(fs.existsSync(CHROMIUM), `chromium not found at ${CHROMIUM}`);
  fs.mkdirSync(SHOTS, { recursive: true });
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ihala-ui-'));
  const dataDir = path.join(tmp, 'data');
  const env = { ...process.env, IHALA_PWHASH: 'fast' };

  const init = spawnSync(BIN, ['init', '--demo', dataDir], { env, encoding: 'utf8', timeout: 120000 });
  assert.equal(init.status, 0, `ihala init --demo failed (${init.status}):\n${init.stdout}\n${init.stderr}`);
  creds = parseInit(init.stdout);
  assert.ok(creds.admin, 'init printed no admin password:\n' + init.stdout);

  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  server = spawn(BIN, ['serve', dataDir, '--listen', `127.0.0.1:${port}`], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  server.stdout.on('data', (d) => (serverLog += d));
  server.stderr.on('data', (d) => (serverLog += d));

  const deadline = Date.now() + 60000;
  for (;;) {
    if (server.exitCode !== null) assert.fail(`server exited (${server.exitCode}):\n${serverLog}`);
    try {
      const r = await fetch(base + '/api/v1/health');
      if (r.ok) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) assert.fail('server did not answer /api/v1/health within 60 s:\n' + serverLog);
    await sleep(200);
  }

  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-quic',
    ],
  });
});

after(async () => {
  if (browser) await browser.close().catch(() => {});
  if (server && server.exitCode === null) {
    server.kill('SIGTERM');
    const done = new Promise((r) => server.once('exit', r));
    const t = setTimeout(() => server.kill('SIGKILL'), 5000);
    await done;
    clearTimeout(t);
  }
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  if (process.env.IHALA_UI_LOG && serverLog) process.stderr.write(serverLog);
  // A sanitizer build reports memory errors and leaks on its output.
  assert.doesNotMatch(serverLog, /ERROR: (Address|Leak)Sanitizer|runtime error:/, 'sanitizer report:\n' + serverLog.slice(-4000));
});

// ---------------------------------------------------------------- page helpers

async function wide(page) {
  await page.setViewportSize(WIDE);
}

async function newPage() {
  const context = await browser.newContext({ viewport: WIDE, locale: 'en-GB' });
  const page = await context.newPage();
  page.setDefaultTimeout(STEP_MS);
  page.on('console', (msg) => {
    const text = msg.text();
    if (/Content Security Policy|Refused to (apply|execute|load)/i.test(text)) problems.push('CSP: ' + text);
  });
  page.on('pageerror', (err) => problems.push('page error: ' + err.message));
  return page;
}

const tid = (id) => `[data-testid="${id}"]`;

async function htmlLang(page) {
  return page.evaluate(() => ({ lang: document.documentElement.lang, dir: document.documentElement.dir }));
}

async function setLang(page, want) {
  const { lang } = await htmlLang(page);
  if (lang !== want) {
    await page.click(tid('lang-switch'));
    await page.waitForFunction((l) => document.documentElement.lang === l, want);
  }
}

async function shot(page, name) {
  await page.waitForTimeout(100); // let fonts and layout settle
  await page.screenshot({ path: path.join(SHOTS, name + '.png'), fullPage: true });
}

/** No horizontal overflow of the page itself (tables scroll inside their wrapper). */
async function assertFits(page, label) {
  const m = await page.evaluate(() => {
    const vw = document.documentElement.clientWidth;
    // the outermost elements that stick out of the window, to say what overflows
    const wide = [];
    for (const el of document.querySelectorAll('body *')) {
      const r = el.getBoundingClientRect();
      if ((r.right > vw + 1 || r.left < -1) && r.width > 0 && !el.parentElement?.closest('.table-wrap, .nav')) {
        const parent = el.parentElement;
        const pr = parent && parent.getBoundingClientRect();
        if (!pr || (pr.right <= vw + 1 && pr.left >= -1)) wide.push(`${el.tagName.toLowerCase()}.${el.className} (${Math.round(r.left)}..${Math.round(r.right)})`);
      }
    }
    return { doc: document.documentElement.scrollWidth, vw, wide: wide.slice(0, 5) };
  });
  assert.ok(m.doc <= m.vw + 1 && m.wide.length === 0, `${label}: page is ${m.doc}px wide in a ${m.vw}px window; sticking out: ${m.wide.join(', ')}`);
}

async function login(page, username, password, totpCode) {
  await page.locator('input[name="username"]').fill(username);
  await page.locator('input[name="password"]').fill(password);
  await page.click(tid('login-submit'));
  if (totpCode) {
    const field = page.locator('input[name="totp"]');
    await field.waitFor();
    await field.fill(totpCode());
    await page.click(tid('login-submit'));
  }
}

async function logout(page) {
  await page.click(tid('logout'));
  await page.locator(tid('login-form')).waitFor();
}

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
