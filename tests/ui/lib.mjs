// Shared set-up of the browser tests: a real `ihala serve` with demo data
// (`ihala init --demo` in a temporary directory), Debian's Chromium driven by
// playwright-core from ui/node_modules, and page helpers.
//
//   IHALA_BIN=build/asan/ihala node --test tests/ui/
//   (IHALA_UI_LOG=1 copies the server's log to stderr at the end.)
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const requireUi = createRequire(path.join(repo, 'ui', 'package.json'));
const { chromium } = requireUi('playwright-core');

export const BIN = path.resolve(repo, process.env.IHALA_BIN || 'build/asan/ihala');
export const CHROMIUM = process.env.IHALA_CHROMIUM || '/usr/bin/chromium';
export const SHOTS = path.join(repo, 'build', 'screenshots');
export const WIDE = { width: 1280, height: 860 };
export const NARROW = { width: 360, height: 780 };
export const STEP_MS = 15000;

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export function freePort() {
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

/** Parses the credentials `ihala init --demo` prints. */
export function parseInit(stdout) {
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

/**
 * Starts the fixture: `init --demo`, `serve` on a free loopback port, a
 * headless Chromium. Returns { base, creds, browser, problems, newPage, stop }.
 * `problems` collects CSP violations and page errors of every page opened
 * with newPage(); stop() ends everything and checks the sanitizer's output.
 */
export async function startFixture(prefix = 'ihala-ui-') {
  assert.ok(fs.existsSync(BIN), `server binary not found: ${BIN} (build it with make MODE=asan, or set IHALA_BIN)`);
  assert.ok(fs.existsSync(CHROMIUM), `chromium not found at ${CHROMIUM}`);
  fs.mkdirSync(SHOTS, { recursive: true });
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const dataDir = path.join(tmp, 'data');
  const env = { ...process.env, IHALA_PWHASH: 'fast' };
  const fx = { base: '', creds: {}, browser: null, problems: [], server: null, serverLog: '', tmp };

  const init = spawnSync(BIN, ['init', '--demo', dataDir], { env, encoding: 'utf8', timeout: 120000 });
  assert.equal(init.status, 0, `ihala init --demo failed (${init.status}):\n${init.stdout}\n${init.stderr}`);
  fx.creds = parseInit(init.stdout);
  assert.ok(fx.creds.admin, 'init printed no admin password:\n' + init.stdout);

  const port = await freePort();
  fx.base = `http://127.0.0.1:${port}`;
  const server = spawn(BIN, ['serve', dataDir, '--listen', `127.0.0.1:${port}`], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  fx.server = server;
  server.stdout.on('data', (d) => (fx.serverLog += d));
  server.stderr.on('data', (d) => (fx.serverLog += d));

  const deadline = Date.now() + 60000;
  for (;;) {
    if (server.exitCode !== null) assert.fail(`server exited (${server.exitCode}):\n${fx.serverLog}`);
    try {
      const r = await fetch(fx.base + '/api/v1/health');
      if (r.ok) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) assert.fail('server did not answer /api/v1/health within 60 s:\n' + fx.serverLog);
    await sleep(200);
  }

  fx.browser = await chromium.launch({
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

  fx.newPage = async () => {
    const context = await fx.browser.newContext({ viewport: WIDE, locale: 'en-GB' });
    const page = await context.newPage();
    page.setDefaultTimeout(STEP_MS);
    page.on('console', (msg) => {
      const text = msg.text();
      if (/Content Security Policy|Refused to (apply|execute|load)/i.test(text)) fx.problems.push('CSP: ' + text);
    });
    page.on('pageerror', (err) => fx.problems.push('page error: ' + err.message));
    return page;
  };

  fx.stop = async () => {
    if (fx.browser) await fx.browser.close().catch(() => {});
    if (server && server.exitCode === null) {
      server.kill('SIGTERM');
      const done = new Promise((r) => server.once('exit', r));
      const t = setTimeout(() => server.kill('SIGKILL'), 5000);
      await done;
      clearTimeout(t);
    }
    fs.rmSync(tmp, { recursive: true, force: true });
    if (process.env.IHALA_UI_LOG && fx.serverLog) process.stderr.write(fx.serverLog);
    // A sanitizer build reports memory errors and leaks on its output.
    assert.doesNotMatch(fx.serverLog, /ERROR: (Address|Leak)Sanitizer|runtime error:/, 'sanitizer report:\n' + fx.serverLog.slice(-4000));
  };
  return fx;
}

// ---------------------------------------------------------------- page helpers

export const tid = (id) => `[data-testid="${id}"]`;

export async function htmlLang(page) {
  return page.evaluate(() => ({ lang: document.documentElement.lang, dir: document.documentElement.dir }));
}

export async function setLang(page, want) {
  const { lang } = await htmlLang(page);
  if (lang !== want) {
    await page.click(tid('lang-switch'));
    await page.waitForFunction((l) => document.documentElement.lang === l, want);
  }
}

export async function shot(page, name) {
  await page.waitForTimeout(100); // let fonts and layout settle
  await page.screenshot({ path: path.join(SHOTS, name + '.png'), fullPage: true });
}

/** No horizontal overflow of the page itself (tables scroll inside their wrapper). */
export async function assertFits(page, label) {
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

export async function login(page, username, password, totpCode) {
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

export async function logout(page) {
  await page.click(tid('logout'));
  await page.locator(tid('login-form')).waitFor();
}
