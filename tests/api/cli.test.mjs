// cli.test.mjs: the command-line contract and the serve-time rules:
// `init` output and files, refusal to overwrite, --help everywhere, serve's
// refusals (uninitialised folder, port taken, plain HTTP off loopback),
// HTTPS when the folder holds a certificate, and (on PostgreSQL) two
// servers sharing one database and its sessions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync, spawn } from 'node:child_process';
import { mkdtempSync, statSync, readFileSync, mkdirSync, rmSync, cpSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import https from 'node:https';
import net from 'node:net';
import { BIN, BACKEND, startServer, freePort, sleep, Server } from './lib.mjs';

const env = { ...process.env, IHALA_PWHASH: 'fast' };
const run = (args) => spawnSync(BIN, args, { env, encoding: 'utf8', timeout: 60000 });

test('init prints exactly the two contract lines and makes private keys', () => {
  const parent = mkdtempSync(join(tmpdir(), 'ihala-cli-'));
  const dir = join(parent, 'd');
  try {
    const r = run(['init', dir]);
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stdout.split('\n').filter((l) => l !== '');
    assert.equal(lines.length, 2);
    assert.equal(lines[0], 'username: admin');
    assert.match(lines[1], /^password: \S{12,}$/);
    for (const f of ['keys/master.key', 'keys/audit.key', 'ihala.conf'])
      assert.equal(statSync(join(dir, f)).mode & 0o077, 0, `${f} is private`);
    assert.equal(statSync(join(dir, 'keys')).mode & 0o077, 0);
    // A second init never overwrites.
    const again = run(['init', dir]);
    assert.notEqual(again.status, 0);
    assert.match(again.stderr, /already exists/);
    assert.equal(readFileSync(join(dir, 'keys/master.key')).length, 32);
    // The fresh audit log verifies.
    const v = run(['audit', 'verify', dir]);
    assert.equal(v.status, 0, v.stdout + v.stderr);
  } finally {
    rmSync(parent, { recursive: true, force: true });
  }
});

test('every subcommand has --help', () => {
  for (const sub of ['init', 'serve', 'user', 'org', 'audit', 'backup', 'retention', 'export', 'screening', 'version']) {
    const r = run([sub, '--help']);
    assert.equal(r.status, 0, `${sub} --help`);
    assert.match(r.stdout, /usage: ihala/, `${sub} --help prints usage`);
  }
  const top = run(['--help']);
  assert.equal(top.status, 0);
  for (const sub of ['init', 'serve', 'user', 'org', 'audit', 'backup', 'retention', 'export', 'screening', 'version']) assert.match(top.stdout, new RegExp(sub));
  assert.match(run(['version']).stdout, /^ihala \d+\.\d+\.\d+/);
  assert.equal(run(['no-such-command']).status, 2);
});

test('serve refuses an uninitialised folder, a taken port and plain HTTP off loopback', async () => {
  const parent = mkdtempSync(join(tmpdir(), 'ihala-cli-'));
  const dir = join(parent, 'd');
  try {
    let r = run(['serve', join(parent, 'nothing'), '--listen', '127.0.0.1:0']);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /not an initialised/);
    assert.equal(run(['init', dir]).status, 0);
    r = run(['serve', dir, '--listen', '0.0.0.0:0']);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /refusing plain HTTP/);
    // A port held by someone else.
    const blocker = net.createServer();
    await new Promise((ok) => blocker.listen(0, '127.0.0.1', ok));
    const port = blocker.address().port;
    r = run(['serve', dir, '--listen', `127.0.0.1:${port}`]);
    blocker.close();
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /already in use/);
  } finally {
    rmSync(parent, { recursive: true, force: true });
  }
});

function httpsGet(port, path, headers = {}) {
  return new Promise((ok, fail) => {
    const req = https.request({ host: '127.0.0.1', port, path, method: path === '/api/v1/session' ? 'POST' : 'GET',
      rejectUnauthorized: false, headers }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => ok({ status: res.statusCode, headers: res.headers, body }));
    });
    req.on('error', fail);
    if (headers['Content-Type']) req.write(headers.__body);
    req.end();
  });
}

test('HTTPS when the folder holds a certificate: HSTS and a __Host- cookie', async () => {
  const parent = mkdtempSync(join(tmpdir(), 'ihala-tls-'));
  const dir = join(parent, 'd');
  let proc;
  try {
    const init = run(['init', '--demo', dir]);
    assert.equal(init.status, 0);
    const pw = /username: coordinator password: (\S+)/.exec(init.stdout)[1];
    mkdirSync(join(dir, 'tls'));
    const gen = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost',
      '-days', '2', '-keyout', join(dir, 'tls/key.pem'), '-out', join(dir, 'tls/cert.pem')], { encoding: 'utf8' });
    assert.equal(gen.status, 0, gen.stderr);
    const port = await freePort();
    proc = spawn(BIN, ['serve', dir, '--listen', `127.0.0.1:${port}`], { env, stdio: 'ignore' });
    let r;
    for (let i = 0; i < 100; i++) {
      try {
        r = await httpsGet(port, '/api/v1/health');
        break;
      } catch {
        await sleep(100);
      }
    }
    assert.equal(r.status, 200);
    assert.match(r.headers['strict-transport-security'] || '', /max-age=\d+/);
    const body = JSON.stringify({ username: 'coordinator', password: pw });
    r = await httpsGet(port, '/api/v1/session', { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body), __body: body });
    assert.equal(r.status, 200, r.body);
    const cookie = (r.headers['set-cookie'] || []).join('\n');
    assert.match(cookie, /^__Host-ihala_session=[0-9a-f]{64}; Path=\/; HttpOnly; SameSite=Strict; Secure/m);
  } finally {
    if (proc) proc.kill('SIGKILL');
    rmSync(parent, { recursive: true, force: true });
  }
});

// Milliseconds until client's GET /me answers 401 (polling; gives up after ms, returning ms).
async function refusedWithin(client, ms) {
  const t0 = Date.now();
  while (Date.now() - t0 < ms) {
    const r = await client.get('/me');
    if (r.status === 401) return Date.now() - t0;
    assert.equal(r.status, 200);
    await sleep(20);
  }
  return ms;
}

test('two servers on one PostgreSQL share users and sessions', { skip: BACKEND !== 'postgres' }, async () => {
  const a = await startServer();
  const copy = mkdtempSync(join(tmpdir(), 'ihala-b-'));
  const bdir = join(copy, 'data');
  cpSync(a.dir, bdir, { recursive: true });
  const b = new Server({ dir: bdir, parent: copy, port: await freePort(), creds: a.creds, pg: null, dbArgs: a.dbArgs, env: a.env });
  try {
    await b.start();
    const onA = await a.as('coordinator');
    // The session made on A works on B; both now remember it (session_cache, 10 s by default).
    assert.equal((await onA.get('/me')).status, 200);
    const onB = onA.clone();
    onB.base = b.base;
    const me = await onB.get('/me');
    assert.equal(me.status, 200);
    assert.equal(me.json.username, 'coordinator');
    // A logout on B ends the session on A too: at PostgreSQL's notice, long before 10 s.
    assert.equal((await onB.logout()).status, 204);
    assert.ok((await refusedWithin(onA, 3000)) < 3000, 'A still accepts a session ended on B');
    // An account disabled on A is refused on B, which had its session in memory.
    const admin = await a.adminSetup();
    const cm = await b.as('casemanager');
    assert.equal((await cm.get('/me')).status, 200);
    const id = (await cm.get('/me')).json.id;
    const p = await admin.patch(`/users/${id}`, { disabled: true });
    assert.equal(p.status, 200);
    assert.ok((await refusedWithin(cm, 3000)) < 3000, 'B still accepts the session of a user disabled on A');
  } finally {
    await b.stop();
    await a.stop();
  }
});

test('serve accepts localhost as a listen address', async () => {
  const parent = mkdtempSync(join(tmpdir(), 'ihala-cli-'));
  const dir = join(parent, 'd');
  let proc;
  try {
    assert.equal(run(['init', dir]).status, 0);
    const port = await freePort();
    proc = spawn(BIN, ['serve', dir, '--listen', `localhost:${port}`], { env, stdio: 'ignore' });
    let status = 0;
    for (let i = 0; i < 100 && status !== 200; i++) {
      try {
        status = (await fetch(`http://127.0.0.1:${port}/api/v1/health`)).status;
      } catch {
        await sleep(100);
      }
    }
    assert.equal(status, 200);
  } finally {
    if (proc) proc.kill('SIGKILL');
    rmSync(parent, { recursive: true, force: true });
  }
});

test('audit verify names the first altered or removed row', () => {
  const parent = mkdtempSync(join(tmpdir(), 'ihala-audit-'));
  const dir = join(parent, 'd');
  try {
    assert.equal(run(['init', '--demo', dir]).status, 0);
    let v = run(['audit', 'verify', dir]);
    assert.equal(v.status, 0, v.stdout + v.stderr);
    assert.match(v.stdout, /ok/);
    const sql = (q) => spawnSync('sqlite3', [join(dir, 'ihala.db'), q], { encoding: 'utf8' });
    // Alter row 3's action: verify fails and names row 3.
    assert.equal(sql("UPDATE audit_log SET action = 'org.update' WHERE seq = 3").status, 0);
    v = run(['audit', 'verify', dir]);
    assert.equal(v.status, 1);
    assert.match(v.stdout + v.stderr, /row 3\b/);
    // Put it back, then remove row 5: verify names row 5.
    assert.equal(sql("UPDATE audit_log SET action = 'org.create' WHERE seq = 3").status, 0);
    assert.equal(run(['audit', 'verify', dir]).status, 0, 'restored row verifies again');
    assert.equal(sql('DELETE FROM audit_log WHERE seq = 5').status, 0);
    v = run(['audit', 'verify', dir]);
    assert.equal(v.status, 1);
    assert.match(v.stdout + v.stderr, /row 5\b/);
  } finally {
    rmSync(parent, { recursive: true, force: true });
  }
});

test('backup of a running server verifies; a damaged backup does not', async () => {
  const server = await startServer({ backend: 'sqlite' });
  const dest = join(server.parent, 'backup');
  try {
    const admin = await server.adminSetup();
    for (let i = 0; i < 5; i++) {
      const r = await admin.post('/orgs', { name_ar: 'منظمة', name_en: `Backup Org ${i}`, type: 'NGO', country: 'BH' });
      assert.equal(r.status, 201);
    }
    // Writes go on while the copy is taken.
    const writes = (async () => {
      for (let i = 0; i < 20; i++)
        await admin.post('/orgs', { name_ar: 'منظمة', name_en: `During ${i}`, type: 'NGO', country: 'BH' });
    })();
    const b = run(['backup', server.dir, dest]);
    await writes;
    assert.equal(b.status, 0, b.stdout + b.stderr);
    assert.equal(statSync(join(dest, 'keys/master.key')).mode & 0o077, 0, 'the key stays private in the backup');
    let v = run(['backup', '--verify', dest]);
    assert.equal(v.status, 0, v.stdout + v.stderr);
    // A second backup into the same place is refused.
    assert.notEqual(run(['backup', server.dir, dest]).status, 0);
    // Tamper with the copy's audit log: verification fails.
    const t = spawnSync('sqlite3', [join(dest, 'ihala.db'), "UPDATE audit_log SET outcome = 'denied' WHERE seq = 2"], { encoding: 'utf8' });
    assert.equal(t.status, 0, t.stderr);
    v = run(['backup', '--verify', dest]);
    assert.equal(v.status, 1, v.stdout + v.stderr);
    assert.match(v.stdout + v.stderr, /row 2\b/);
  } finally {
    await server.stop();
  }
});
