// lib.mjs: helpers for the black-box API tests.
//
// startServer() makes a fresh data folder with `ihala init --demo`, starts
// `ihala serve` on a free loopback port (SQLite, or a fresh PostgreSQL database
// when the backend is postgres) and waits for /api/v1/health. Client keeps a
// cookie jar and the CSRF token, the way a browser tab and the UI would.
//
// Environment:
//   IHALA_BIN            the server binary (default build/asan/ihala)
//   IHALA_TEST_BACKEND   sqlite (default) or postgres
//   IHALA_TEST_PG_ADMIN  libpq conninfo to the `postgres` database of a test cluster;
//                        each server gets its own database created through it
//   IHALA_TEST_PG_URL    used as is when IHALA_TEST_PG_ADMIN is not set

import { spawn, spawnSync, execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import net from 'node:net';
import crypto from 'node:crypto';

export const BACKEND = process.env.IHALA_TEST_BACKEND || 'sqlite';
export const BIN = resolve(process.env.IHALA_BIN || 'build/asan/ihala');
export const API = '/api/v1';
export const COOKIE = 'ihala_session';
// A password that passes the policy (>= 12 characters); tests derive others from it.
export const STRONG = 'correct-horse-battery-staple';

export const DEMO_USERS = ['coordinator', 'casemanager', 'responder', 'provider', 'analyst', 'auditor', 'authority', 'supervisor', 'shelter'];

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function run(cmd, args, env) {
  return new Promise((resolveRun, reject) => {
    execFile(cmd, args, { env, maxBuffer: 16 << 20, timeout: 120000 }, (err, stdout, stderr) => {
      if (err) {
        err.message += `\nstdout: ${stdout}\nstderr: ${stderr}`;
        reject(err);
      } else resolveRun({ stdout, stderr });
    });
  });
}

export function freePort() {
  return new Promise((resolvePort, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolvePort(port));
    });
  });
}

// Parse what `ihala init --demo` prints: "username: admin" / "password: X",
// then one "username: NAME password: PASS" line per demo user.
export function parseInitOutput(stdout) {
  const lines = stdout.split('\n').map((l) => l.trim()).filter(Boolean);
  const creds = {};
  for (let i = 0; i < lines.length; i++) {
    const both = /^username:\s*(\S+)\s+password:\s*(\S+)\s*$/.exec(lines[i]);
    if (both) {
      creds[both[1]] = both[2];
      continue;
    }
    const user = /^username:\s*(\S+)\s*$/.exec(lines[i]);
    const pass = i + 1 < lines.length ? /^password:\s*(\S+)\s*$/.exec(lines[i + 1]) : null;
    if (user && pass) {
      creds[user[1]] = pass[1];
      i++;
    }
  }
  return creds;
}

function pgConninfoWithDb(admin, dbname) {
  if (/^postgres(ql)?:\/\//.test(admin)) {
    const u = new URL(admin);
    u.pathname = '/' + dbname;
    return u.toString();
  }
  const rest = admin.replace(/(^|\s)dbname\s*=\s*('[^']*'|\S+)/g, ' ').replace(/\s+/g, ' ').trim();
  return `${rest} dbname=${dbname}`;
}

async function pgCreateDatabase() {
  const admin = process.env.IHALA_TEST_PG_ADMIN;
  if (!admin) {
    if (process.env.IHALA_TEST_PG_URL) return { conninfo: process.env.IHALA_TEST_PG_URL, drop: null };
    throw new Error('backend postgres needs IHALA_TEST_PG_ADMIN (or IHALA_TEST_PG_URL)');
  }
  const dbname = `ihala_t_${process.pid}_${crypto.randomBytes(4).toString('hex')}`;
  await run('psql', [admin, '-v', 'ON_ERROR_STOP=1', '-qc', `CREATE DATABASE ${dbname}`], process.env);
  return {
    conninfo: pgConninfoWithDb(admin, dbname),
    drop: () =>
      run('psql', [admin, '-qc', `DROP DATABASE IF EXISTS ${dbname} WITH (FORCE)`], process.env).catch(() => {}),
  };
}

const SANITIZER = /ERROR: AddressSanitizer|ERROR: LeakSanitizer|runtime error:/;

// Start a fresh server. Options: backend, env (extra environment for serve).
export async function startServer({ backend = BACKEND, env = {}, initArgs = [] } = {}) {
  // `ihala init` makes the data folder itself and refuses an existing one.
  const parent = await mkdtemp(join(tmpdir(), 'ihala-api-'));
  const dir = join(parent, 'data');
  const serverEnv = { ...process.env, IHALA_PWHASH: 'fast', ...env };
  let pg = null;
  const dbArgs = [];
  try {
    if (backend === 'postgres') {
      pg = await pgCreateDatabase();
      dbArgs.push('--db', pg.conninfo);
    } else if (backend !== 'sqlite') {
      throw new Error(`unknown backend ${backend}`);
    }
    const init = await run(BIN, ['init', '--demo', ...initArgs, dir, ...dbArgs], serverEnv);
    const creds = parseInitOutput(init.stdout);
    if (!creds.admin) throw new Error(`init printed no admin password:\n${init.stdout}`);
    for (const u of DEMO_USERS)
      if (!creds[u]) throw new Error(`init printed no password for ${u}:\n${init.stdout}`);

    for (let attempt = 0; ; attempt++) {
      const port = await freePort();
      const server = new Server({ dir, parent, port, creds, pg, dbArgs, env: serverEnv });
      try {
        await server.start();
        return server;
      } catch (e) {
        if (attempt >= 2 || !/exited/.test(e.message)) throw e;
      }
    }
  } catch (e) {
    if (pg && pg.drop) await pg.drop();
    await rm(parent, { recursive: true, force: true });
    throw e;
  }
}

export class Server {
  constructor({ dir, parent, port, creds, pg, dbArgs, env }) {
    this.dir = dir;
    this.parent = parent;
    this.port = port;
    this.base = `http://127.0.0.1:${port}`;
    this.creds = { ...creds }; // username -> current password
    this.pg = pg;
    this.dbArgs = dbArgs;
    this.env = env;
    this.stderr = '';
    this.proc = null;
    this.exited = null;
  }

  async start() {
    const args = ['serve', this.dir, '--listen', `127.0.0.1:${this.port}`, ...this.dbArgs];
    this.proc = spawn(BIN, args, { env: this.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (chunk) => {
      this.stderr += chunk.toString();
      if (this.stderr.length > 256 * 1024) this.stderr = this.stderr.slice(-256 * 1024);
    };
    this.proc.stdout.on('data', keep);
    this.proc.stderr.on('data', keep);
    this.exited = new Promise((r) => this.proc.on('exit', (code, signal) => r({ code, signal })));
    let gone = null;
    this.exited.then((x) => (gone = x));
    const deadline = Date.now() + 60000;
    while (Date.now() < deadline) {
      if (gone) throw new Error(`ihala serve exited (${JSON.stringify(gone)}):\n${this.stderr}`);
      try {
        const r = await fetch(this.base + API + '/health');
        if (r.status === 200) {
          await r.arrayBuffer();
          return;
        }
      } catch {
        /* not listening yet */
      }
      await sleep(100);
    }
    await this.stop().catch(() => {});
    throw new Error(`ihala serve did not answer /api/v1/health within 60 s:\n${this.stderr}`);
  }

  // Stop the server (SIGTERM, then SIGKILL after 5 s), remove its data.
  // Throws when the sanitizers reported anything: that is a server bug.
  async stop() {
    if (this.proc && this.proc.exitCode === null && this.proc.signalCode === null) {
      this.proc.kill('SIGTERM');
      const done = await Promise.race([this.exited, sleep(5000).then(() => null)]);
      if (!done) {
        this.proc.kill('SIGKILL');
        await this.exited;
      }
    }
    if (this.pg && this.pg.drop) await this.pg.drop();
    await rm(this.parent, { recursive: true, force: true });
    const m = SANITIZER.exec(this.stderr);
    if (m) {
      const at = Math.max(0, m.index - 200);
      throw new Error(`sanitizer report in server output:\n${this.stderr.slice(at, at + 4000)}`);
    }
  }

  // Stop the process (SIGTERM) and start it again on the same folder and port; stderr starts afresh.
  async restart() {
    this.proc.kill('SIGTERM');
    await this.exited;
    this.stderr = '';
    await this.start();
  }

  // One SQL statement on the server's own database; its rows, one per line. The server may be
  // committing (the audit flusher, twice a second): on SQLite wait for its lock as it does.
  sql(q) {
    const r = this.pg
      ? spawnSync('psql', [this.pg.conninfo, '-Atc', q], { encoding: 'utf8' })
      : spawnSync('sqlite3', ['-cmd', '.timeout 10000', join(this.dir, 'ihala.db'), q], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`SQL failed (${q}): ${r.stderr}`);
    return r.stdout.trim();
  }

  client() {
    return new Client(this.base);
  }

  // A client signed in as a demo user (or admin, once set up).
  async as(username) {
    const c = this.client();
    const r = await c.login(username, this.creds[username]);
    if (r.status !== 200) throw new Error(`login ${username}: ${r.status} ${r.text}`);
    return c;
  }

  // Sign the admin in and replace the one-time password; returns the client,
  // ready for work (next == null).
  async adminSetup() {
    const c = this.client();
    let r = await c.login('admin', this.creds.admin);
    if (r.status !== 200) throw new Error(`admin login: ${r.status} ${r.text}`);
    if (r.json.next === 'change_password') {
      const fresh = 'admin-' + crypto.randomBytes(12).toString('hex');
      r = await c.changePassword(this.creds.admin, fresh);
      if (r.status !== 200) throw new Error(`admin password change: ${r.status} ${r.text}`);
      this.creds.admin = fresh;
    }
    return c;
  }
}

function parseSetCookie(line) {
  const parts = line.split(';').map((s) => s.trim());
  const eq = parts[0].indexOf('=');
  const cookie = {
    name: parts[0].slice(0, eq).trim(),
    value: parts[0].slice(eq + 1).trim(),
    attrs: {},
    raw: line,
  };
  for (const p of parts.slice(1)) {
    if (!p) continue;
    const i = p.indexOf('=');
    const k = (i < 0 ? p : p.slice(0, i)).trim().toLowerCase();
    cookie.attrs[k] = i < 0 ? true : p.slice(i + 1).trim();
  }
  return cookie;
}

function cookieIsRemoval(c) {
  if (c.value === '') return true;
  if (c.attrs['max-age'] !== undefined && Number(c.attrs['max-age']) <= 0) return true;
  if (c.attrs.expires && Date.parse(c.attrs.expires) <= Date.now()) return true;
  return false;
}

// A browser-like client: a cookie jar and the CSRF token given at sign-in.
export class Client {
  constructor(base) {
    this.base = base;
    this.jar = new Map();
    this.csrf = null;
  }

  // A copy sharing nothing: same cookies and token now, independent later.
  clone() {
    const c = new Client(this.base);
    c.jar = new Map(this.jar);
    c.csrf = this.csrf;
    return c;
  }

  get sessionCookie() {
    return this.jar.get(COOKIE) ?? null;
  }

  cookieHeader() {
    return [...this.jar].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  // One request. path is relative to /api/v1 unless opts.root is set.
  // opts: body (object: JSON), raw (string/Buffer sent as is), headers,
  // csrf (false: send no token; string: send that token), query (object).
  async req(method, path, opts = {}) {
    let url = this.base + (opts.root ? path : API + path);
    if (opts.query) url += '?' + new URLSearchParams(opts.query).toString();
    const headers = { ...(opts.headers || {}) };
    const cookie = this.cookieHeader();
    if (cookie) headers.Cookie = cookie;
    if (method !== 'GET' && method !== 'HEAD' && opts.csrf !== false) {
      const token = typeof opts.csrf === 'string' ? opts.csrf : this.csrf;
      if (token) headers['X-CSRF-Token'] = token;
    }
    let body;
    if (opts.raw !== undefined) {
      body = opts.raw;
      headers['Content-Type'] ??= 'application/json';
    } else if (opts.body !== undefined) {
      body = JSON.stringify(opts.body);
      headers['Content-Type'] = 'application/json';
    }
    const t0 = process.hrtime.bigint();
    const res = await fetch(url, { method, headers, body, redirect: 'manual' });
    const buf = Buffer.from(await res.arrayBuffer());
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    const setCookies = res.headers.getSetCookie().map(parseSetCookie);
    for (const c of setCookies) {
      if (cookieIsRemoval(c)) this.jar.delete(c.name);
      else this.jar.set(c.name, c.value);
    }
    const text = buf.toString('utf8');
    let json = null;
    if ((res.headers.get('content-type') || '').includes('json') && text) {
      try {
        json = JSON.parse(text);
      } catch {
        json = null;
      }
    }
    return { status: res.status, headers: res.headers, text, json, setCookies, ms, body: buf };
  }

  get(path, opts) {
    return this.req('GET', path, opts);
  }
  post(path, body, opts = {}) {
    return this.req('POST', path, { ...opts, body });
  }
  patch(path, body, opts = {}) {
    return this.req('PATCH', path, { ...opts, body });
  }
  put(path, body, opts = {}) {
    return this.req('PUT', path, { ...opts, body });
  }
  del(path, opts) {
    return this.req('DELETE', path, opts);
  }

  // Sign in; on 200 keeps the CSRF token.
  async login(username, password, totp) {
    const body = { username, password };
    if (totp !== undefined) body.totp = totp;
    const r = await this.post('/session', body, { csrf: false });
    if (r.status === 200 && r.json) this.csrf = r.json.csrf_token;
    return r;
  }

  async logout() {
    return this.del('/session');
  }

  // Change the own password; on 200 keeps the new CSRF token.
  async changePassword(current, fresh) {
    const r = await this.post('/me/password', { current, new: fresh });
    if (r.status === 200 && r.json) this.csrf = r.json.csrf_token;
    return r;
  }
}

// Everything the server stored, as bytes: the SQLite files (with the WAL),
// or a pg_dump of the PostgreSQL database. Tests search it for values that
// must never be stored in clear.
export function storedBytes(server) {
  if (server.pg) {
    const dump = spawnSync('pg_dump', [server.pg.conninfo], { maxBuffer: 1 << 28 });
    if (dump.status !== 0) throw new Error(`pg_dump: ${dump.stderr}`);
    return dump.stdout;
  }
  return Buffer.concat(readdirSync(server.dir).filter((f) => f.startsWith('ihala.db'))
    .map((f) => readFileSync(join(server.dir, f))));
}

// The error code of a response, or undefined.
export function errCode(r) {
  return r.json && r.json.error ? r.json.error.code : undefined;
}

// All items of a list endpoint, following next_cursor.
export async function listAll(client, path, query = {}) {
  const items = [];
  let cursor = null;
  for (let page = 0; page < 1000; page++) {
    const q = { ...query, limit: '200' };
    if (cursor) q.cursor = cursor;
    const r = await client.get(path, { query: q });
    if (r.status !== 200) throw new Error(`GET ${path}: ${r.status} ${r.text}`);
    items.push(...r.json.items);
    cursor = r.json.next_cursor;
    if (!cursor) return items;
  }
  throw new Error(`GET ${path}: cursor never ends`);
}

// A raw HTTP/1.1 request over TCP, for paths fetch() would normalise
// ("/../x"). Returns { status, headers (lower-case names), body }.
export function rawRequest(port, method, target, headers = {}) {
  return new Promise((resolveRaw, reject) => {
    const sock = net.connect(port, '127.0.0.1');
    const chunks = [];
    sock.setTimeout(10000, () => {
      sock.destroy();
      reject(new Error('raw request timed out'));
    });
    sock.on('data', (d) => chunks.push(d));
    sock.on('error', reject);
    sock.on('end', () => {
      const all = Buffer.concat(chunks).toString('latin1');
      const split = all.indexOf('\r\n\r\n');
      const head = split < 0 ? all : all.slice(0, split);
      const body = split < 0 ? '' : all.slice(split + 4);
      const lines = head.split('\r\n');
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(lines[0] || '');
      const hdrs = {};
      for (const l of lines.slice(1)) {
        const i = l.indexOf(':');
        if (i > 0) hdrs[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
      }
      resolveRaw({ status: m ? Number(m[1]) : 0, headers: hdrs, body });
    });
    let req = `${method} ${target} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n`;
    for (const [k, v] of Object.entries(headers)) req += `${k}: ${v}\r\n`;
    sock.write(req + '\r\n');
  });
}

// --- TOTP (RFC 6238 over RFC 4226, HMAC-SHA1, 6 digits, 30 s) -------------

export function base32Decode(s) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  const clean = s.toUpperCase().replace(/=+$/, '').replace(/\s+/g, '');
  let bits = 0;
  let value = 0;
  const out = [];
  for (const ch of clean) {
    const v = alphabet.indexOf(ch);
    if (v < 0) throw new Error(`not base32: ${ch}`);
    value = (value << 5) | v;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

export function hotp(key, counter) {
  const msg = Buffer.alloc(8);
  msg.writeBigUInt64BE(BigInt(counter));
  const mac = crypto.createHmac('sha1', key).update(msg).digest();
  const off = mac[mac.length - 1] & 0x0f;
  const bin = ((mac[off] & 0x7f) << 24) | (mac[off + 1] << 16) | (mac[off + 2] << 8) | mac[off + 3];
  return String(bin % 1000000).padStart(6, '0');
}

export const totpStep = (ms = Date.now()) => Math.floor(ms / 1000 / 30);

export function totp(secretBase32, step = totpStep()) {
  return hotp(base32Decode(secretBase32), step);
}

// Wait until at least `margin` seconds remain in the current 30 s step, so
// that a code computed now is still current when the server checks it.
export async function awayFromStepEdge(margin = 3) {
  const left = 30 - ((Date.now() / 1000) % 30);
  if (left < margin) await sleep(left * 1000 + 200);
}

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}
