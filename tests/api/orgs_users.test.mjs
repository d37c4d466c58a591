// orgs_users.test.mjs: organisations and users (creation, validation,
// versions), the audit log, error shapes, security headers, asset paths.

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  startServer, BACKEND, errCode, listAll, rawRequest, STRONG,
} from './lib.mjs';

const ID = /^[0-9a-f]{32}$/;
const OPENAPI = readFileSync(new URL('../../docs/openapi.yaml', import.meta.url), 'utf8');

// [METHOD, path] of every operation under `paths:` (two-space path keys,
// four-space method keys: the layout of docs/openapi.yaml).
function openapiOperations(yaml) {
  const ops = [];
  let path = null;
  let inPaths = false;
  for (const line of yaml.split('\n')) {
    if (/^paths:\s*$/.test(line)) { inPaths = true; continue; }
    if (/^\S/.test(line)) inPaths = false;
    if (!inPaths) continue;
    const p = /^ {2}(\/\S+):\s*$/.exec(line);
    if (p) { path = p[1]; continue; }
    const m = /^ {4}(get|post|patch|put|delete):\s*$/.exec(line);
    if (m && path) ops.push([m[1].toUpperCase(), path]);
  }
  return ops;
}

function assertError(r, status, code, what = '') {
  assert.equal(r.status, status, `${what} status; body: ${r.text}`);
  assert.equal(errCode(r), code, `${what} error code; body: ${r.text}`);
  assert.equal(typeof r.json.error.message, 'string', `${what} has a message`);
}

function assertField(r, field) {
  const fields = r.json && r.json.error && r.json.error.fields;
  assert.ok(fields && fields[field], `fields.${field} in ${r.text}`);
}

const goodOrg = (name) => ({ name_ar: 'منظمة ' + name, name_en: name, type: 'NGO', country: 'BH' });

describe(`[${BACKEND}] organisations`, () => {
  let server;
  let admin;
  let created;

  before(async () => {
    server = await startServer();
    admin = await server.adminSetup();
  });
  after(async () => {
    if (server) await server.stop();
  });

  test('GET /health and GET /meta answer as the contract says', async () => {
    const c = server.client();
    const h = await c.get('/health');
    assert.equal(h.status, 200);
    assert.deepEqual(h.json, { status: 'ok' });
    const m = await c.get('/meta');
    assert.equal(m.status, 200);
    assert.equal(m.json.demo, true);
    assert.match(m.json.version, /^\d+\.\d+\.\d+/);
  });

  test('POST /orgs creates an organisation: 201 with every field; GET reads it back', async () => {
    const t0 = Math.floor(Date.now() / 1000) - 5;
    const body = { name_ar: 'دار الأمان', name_en: 'Safe House', type: 'InternationalOrganisation', country: 'JO' };
    const r = await admin.post('/orgs', body);
    assert.equal(r.status, 201, r.text);
    created = r.json;
    assert.match(created.id, ID);
    for (const k of Object.keys(body)) assert.equal(created[k], body[k], k);
    for (const k of ['created_at', 'updated_at']) {
      assert.ok(Number.isInteger(created[k]) && created[k] >= t0 && created[k] <= t0 + 120, `${k} = ${created[k]}`);
    }
    assert.ok(Number.isInteger(created.version), 'version is an integer');
    const g = await admin.get(`/orgs/${created.id}`);
    assert.equal(g.status, 200, g.text);
    assert.deepEqual(g.json, created);
    assert.ok((await listAll(admin, '/orgs')).some((o) => o.id === created.id), 'listed');
  });

  // Each bad request: expected status, code and field; none may write anything.
  const BAD = [
    ['unassigned country XX', { json: { ...goodOrg('Bad Country'), country: 'XX' } }, 400, 'invalid', 'country'],
    ['lower-case country', { json: { ...goodOrg('Lower Country'), country: 'bh' } }, 400, 'invalid', 'country'],
    ['unknown type', { json: { ...goodOrg('Bad Type'), type: 'Charity' } }, 400, 'invalid', 'type'],
    ['missing name_en', { json: { name_ar: 'اسم', type: 'NGO', country: 'BH' } }, 400, 'missing_field', 'name_en'],
    ['empty name_en', { json: { ...goodOrg('x'), name_en: '' } }, 400, null, 'name_en'],
    // over the 200-character limit: the contract allows too_long or invalid here
    ['name_en of 201 characters', { json: { ...goodOrg('x'), name_en: 'n'.repeat(201) } }, 400, ['too_long', 'invalid'], 'name_en'],
    ['name_ar of 201 Arabic characters', { json: { ...goodOrg('x'), name_ar: 'ع'.repeat(201) } }, 400, ['too_long', 'invalid'], 'name_ar'],
    ['unknown field', { json: { ...goodOrg('Unknown Field'), founded: 1990 } }, 400, 'unknown_field', 'founded'],
    ['wrong type for name_en', { json: { ...goodOrg('x'), name_en: 42 } }, 400, 'wrong_type', 'name_en'],
    ['id may not be chosen by the client', { json: { ...goodOrg('Chosen Id'), id: 'a'.repeat(32) } }, 400, 'unknown_field', 'id'],
    ['malformed JSON', { raw: '{"name_en": "Broken", ' }, 400, 'bad_json', null],
    ['trailing data after the object', { raw: JSON.stringify(goodOrg('Trailing')) + ' {}' }, 400, 'bad_json', null],
    ['broken UTF-8', {
      raw: Buffer.concat([Buffer.from('{"name_ar":"'), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from('","name_en":"Bad UTF8","type":"NGO","country":"BH"}')]),
    }, 400, 'bad_json', null],
    ['nesting depth 100', {
      raw: `{"name_en":"Deep","name_ar":"Deep","type":"NGO","country":"BH","x":${'['.repeat(100)}${']'.repeat(100)}}`,
    }, 400, 'too_deep', null],
    ['top level is an array', { raw: JSON.stringify([goodOrg('Array')]) }, 400, 'not_object', null],
    ['body over 1 MiB', { raw: JSON.stringify({ ...goodOrg('Huge'), name_ar: 'x'.repeat(1100 * 1024) }) }, 413, 'body_too_large', null],
  ];

  for (const [what, input, status, code, field] of BAD) {
    test(`POST /orgs with ${what} -> ${status} ${[code ?? ''].flat().join('/')}${field ? ` (field ${field})` : ''}, nothing written`, async () => {
      const before = await listAll(admin, '/orgs');
      const r = input.raw !== undefined ? await admin.req('POST', '/orgs', { raw: input.raw }) : await admin.post('/orgs', input.json);
      assert.equal(r.status, status, `status; body: ${r.text}`);
      if (Array.isArray(code)) assert.ok(code.includes(errCode(r)), `code one of ${code}: ${r.text}`);
      else if (code) assertError(r, status, code, what);
      else assert.ok(errCode(r), `an error code: ${r.text}`);
      if (field) assertField(r, field);
      const afterList = await listAll(admin, '/orgs');
      assert.deepEqual(afterList.map((o) => o.id).sort(), before.map((o) => o.id).sort(), 'the list is unchanged');
    });
  }

  test('PATCH /orgs/{id} with the current version changes it and raises the version; a stale version -> 409 stale_version with current_version', async () => {
    assert.ok(created, 'the create test ran');
    const v0 = created.version;
    const r = await admin.patch(`/orgs/${created.id}`, { name_en: 'Safe House Amman', version: v0 });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.name_en, 'Safe House Amman');
    assert.equal(r.json.name_ar, created.name_ar, 'untouched fields stay');
    assert.ok(r.json.version > v0, 'the version rises');
    assert.ok(r.json.updated_at >= created.updated_at);
    const stale = await admin.patch(`/orgs/${created.id}`, { name_en: 'Lost Update', version: v0 });
    assertError(stale, 409, 'stale_version', 'stale version');
    assert.equal(stale.json.error.current_version, r.json.version);
    const g = await admin.get(`/orgs/${created.id}`);
    assert.equal(g.json.name_en, 'Safe House Amman', 'the stale write changed nothing');
    const noVersion = await admin.patch(`/orgs/${created.id}`, { country: 'BH' });
    assert.equal(noVersion.status, 200, `a PATCH without version is accepted: ${noVersion.text}`);
    assert.equal(noVersion.json.country, 'BH');
  });

  test('PATCH /orgs/{id} validates like POST and writes nothing when refused', async () => {
    assert.ok(created, 'the create test ran');
    const before = (await admin.get(`/orgs/${created.id}`)).json;
    const bad = await admin.patch(`/orgs/${created.id}`, { country: 'XX' });
    assertError(bad, 400, 'invalid', 'bad country');
    assertField(bad, 'country');
    assertError(await admin.patch(`/orgs/${created.id}`, { created_at: 1 }), 400, 'unknown_field', 'created_at');
    assert.deepEqual((await admin.get(`/orgs/${created.id}`)).json, before);
    assertError(await admin.patch(`/orgs/${'f'.repeat(32)}`, { name_en: 'Nobody' }), 404, 'not_found', 'missing org');
  });

  test('lists page with limit and cursor, without repeats or gaps', async () => {
    for (let i = 0; i < 3; i++) assert.equal((await admin.post('/orgs', goodOrg(`Page Org ${i}`))).status, 201);
    const all = await listAll(admin, '/orgs');
    const seen = [];
    let cursor = null;
    for (let i = 0; i < 100; i++) {
      const q = { limit: '2' };
      if (cursor) q.cursor = cursor;
      const r = await admin.get('/orgs', { query: q });
      assert.equal(r.status, 200, r.text);
      assert.ok(r.json.items.length <= 2, 'limit honoured');
      seen.push(...r.json.items.map((o) => o.id));
      cursor = r.json.next_cursor;
      if (cursor === null) break;
      assert.equal(typeof cursor, 'string');
    }
    assert.equal(cursor, null, 'the last page has next_cursor null');
    assert.equal(new Set(seen).size, seen.length, 'no repeats');
    assert.deepEqual([...seen].sort(), all.map((o) => o.id).sort(), 'no gaps');
  });
});

describe(`[${BACKEND}] users`, () => {
  let server;
  let admin;
  let orgId;
  let made;

  before(async () => {
    server = await startServer();
    admin = await server.adminSetup();
    orgId = (await admin.get('/me')).json.org.id;
  });
  after(async () => {
    if (server) await server.stop();
  });

  test('POST /users: 201 with the user and a one-time password; the user signs in and must change it', async () => {
    const r = await admin.post('/users', {
      username: 'new.worker', display_name: 'Salma Haddad', org_id: orgId, roles: ['case_manager', 'analyst'],
    });
    assert.equal(r.status, 201, r.text);
    made = r.json;
    const u = made.user;
    assert.match(u.id, ID);
    assert.equal(u.username, 'new.worker');
    assert.equal(u.display_name, 'Salma Haddad');
    assert.equal(u.org_id, orgId);
    assert.deepEqual([...u.roles].sort(), ['analyst', 'case_manager']);
    assert.equal(u.disabled, false);
    assert.equal(u.totp_enabled, false);
    assert.equal(u.must_change_password, true);
    assert.ok(Number.isInteger(u.created_at) && Number.isInteger(u.updated_at) && Number.isInteger(u.version));
    assert.equal(typeof made.password, 'string');
    assert.ok(made.password.length >= 12, 'the one-time password passes the policy length');
    assert.ok(!JSON.stringify(u).includes(made.password), 'the password is not part of the user object');

    const c = server.client();
    const l = await c.login('new.worker', made.password);
    assert.equal(l.status, 200, l.text);
    assert.equal(l.json.next, 'change_password');
    assertError(await c.get('/orgs'), 403, 'setup_required', 'before the change');
    const ch = await c.changePassword(made.password, 'worker-' + STRONG);
    assert.equal(ch.status, 200, ch.text);
    assert.equal(ch.json.next, null);
    assert.equal((await c.get('/orgs')).status, 200);
    const g = await admin.get(`/users/${u.id}`);
    assert.equal(g.json.must_change_password, false);
  });

  test('POST /users with a username that is taken -> 409 conflict (field username), nothing written', async () => {
    const before = await listAll(admin, '/users');
    const r = await admin.post('/users', { username: 'new.worker', display_name: 'Other', org_id: orgId, roles: ['analyst'] });
    assertError(r, 409, 'conflict', 'taken');
    assertField(r, 'username');
    const demo = await admin.post('/users', { username: 'coordinator', display_name: 'Other', org_id: orgId, roles: ['analyst'] });
    assertError(demo, 409, 'conflict', 'demo user name');
    assert.equal((await listAll(admin, '/users')).length, before.length);
  });

  const BAD_USERS = [
    ['an upper-case username', { username: 'Bad.Name' }, 'invalid', 'username'],
    ['a username with a space', { username: 'bad name' }, 'invalid', 'username'],
    ['a two-character username', { username: 'ab' }, 'invalid', 'username'],
    ['an unknown role', { roles: ['superuser'] }, 'invalid', 'roles'],
    ['no role', { roles: [] }, 'invalid', 'roles'],
    ['roles not an array', { roles: 'analyst' }, 'wrong_type', 'roles'],
    ['an org that does not exist', { org_id: 'e'.repeat(32) }, null, null],
    ['no display_name', { display_name: undefined }, 'missing_field', 'display_name'],
    ['a password chosen by the caller', { password: 'chosen-' + STRONG }, 'unknown_field', 'password'],
  ];
  for (const [what, change, code, field] of BAD_USERS) {
    test(`POST /users with ${what} -> ${code ?? '400/404'}, nothing written`, async () => {
      const before = await listAll(admin, '/users');
      const body = { username: 'valid.name', display_name: 'Valid', org_id: orgId, roles: ['analyst'], ...change };
      for (const k of Object.keys(body)) if (body[k] === undefined) delete body[k];
      const r = await admin.post('/users', body);
      if (code) {
        assertError(r, 400, code, what);
        if (field) assertField(r, field);
      } else {
        assert.ok([400, 404].includes(r.status), `status ${r.status}: ${r.text}`);
      }
      assert.equal((await listAll(admin, '/users')).length, before.length, 'no user was created');
    });
  }

  test('PATCH /users/{id}: roles and display_name change; a stale version -> 409 stale_version', async () => {
    assert.ok(made, 'the create test ran');
    const cur = (await admin.get(`/users/${made.user.id}`)).json;
    const r = await admin.patch(`/users/${cur.id}`, { display_name: 'Salma H.', roles: ['first_responder'], version: cur.version });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.display_name, 'Salma H.');
    assert.deepEqual(r.json.roles, ['first_responder']);
    assert.ok(r.json.version > cur.version);
    const stale = await admin.patch(`/users/${cur.id}`, { display_name: 'Lost', version: cur.version });
    assertError(stale, 409, 'stale_version', 'stale');
    assert.equal(stale.json.error.current_version, r.json.version);
    assertError(await admin.patch(`/users/${cur.id}`, { username: 'renamed' }), 400, 'unknown_field', 'username is fixed');
    assertError(await admin.patch(`/users/${cur.id}`, { roles: [] }), 400, 'invalid', 'no roles');
    assert.equal((await admin.get(`/users/${cur.id}`)).json.display_name, 'Salma H.');
  });

  test('POST /users/{id}/password: a new one-time password; old sessions end; the old password stops working', async () => {
    const r0 = await admin.post('/users', { username: 'reset.me', display_name: 'Reset', org_id: orgId, roles: ['analyst'] });
    assert.equal(r0.status, 201, r0.text);
    const c = server.client();
    assert.equal((await c.login('reset.me', r0.json.password)).status, 200);
    const ch = await c.changePassword(r0.json.password, 'reset-' + STRONG);
    assert.equal(ch.status, 200, ch.text);
    assert.equal((await c.get('/me')).status, 200, 'signed in before the reset');
    const r = await admin.post(`/users/${r0.json.user.id}/password`, {});
    assert.equal(r.status, 200, r.text);
    assert.equal(typeof r.json.password, 'string');
    assertError(await c.get('/me'), 401, 'unauthenticated', 'old session');
    assertError(await server.client().login('reset.me', 'reset-' + STRONG), 401, 'invalid_credentials', 'old password');
    const l = await server.client().login('reset.me', r.json.password);
    assert.equal(l.status, 200, l.text);
    assert.equal(l.json.next, 'change_password');
  });
});

describe(`[${BACKEND}] audit log`, () => {
  let server;

  before(async () => {
    server = await startServer();
  });
  after(async () => {
    if (server) await server.stop();
  });

  test('the auditor sees rows for logins and creations, in order, with no personal data', async () => {
    const admin = await server.adminSetup();
    const displayName = 'Fatima Zahra Al-Khalifa';
    const orgNames = { name_ar: 'جمعية النور للإيواء', name_en: 'Al Noor Shelter Society' };
    const org = await admin.post('/orgs', { ...orgNames, type: 'NGO', country: 'BH' });
    assert.equal(org.status, 201, org.text);
    const user = await admin.post('/users', { username: 'audited.user', display_name: displayName, org_id: org.json.id, roles: ['analyst'] });
    assert.equal(user.status, 201, user.text);
    assert.equal((await server.client().login('audited.user', 'not-the-password-at-all')).status, 401);
    const adminId = (await admin.get('/me')).json.id;

    const auditor = await server.as('auditor');
    const rows = [];
    let after = 0;
    for (let i = 0; i < 1000; i++) {
      const r = await auditor.get('/audit', { query: { after: String(after), limit: '200' } });
      assert.equal(r.status, 200, r.text);
      rows.push(...r.json.items);
      if (r.json.items.length === 0 || !r.json.next_cursor) break;
      after = r.json.items[r.json.items.length - 1].seq;
    }
    assert.ok(rows.length >= 4, `rows: ${rows.length}`);
    for (const row of rows) {
      for (const k of ['seq', 'at', 'actor_id', 'org_id', 'action', 'object_type', 'object_id', 'outcome'])
        assert.ok(k in row, `row has ${k}: ${JSON.stringify(row)}`);
      assert.ok(Number.isInteger(row.seq) && Number.isInteger(row.at));
    }
    for (let i = 1; i < rows.length; i++) assert.ok(rows[i].seq > rows[i - 1].seq, 'ascending seq, no repeats');

    assert.ok(rows.some((r) => r.object_id === org.json.id), 'a row for the organisation created');
    assert.ok(rows.some((r) => r.object_id === user.json.user.id), 'a row for the user created');
    assert.ok(rows.some((r) => r.actor_id === adminId && /login|session|sign/i.test(r.action)), "a row for the admin's login");
    const outcomes = new Set(rows.map((r) => r.outcome));
    assert.ok(outcomes.size >= 2, `successes and the failed login have different outcomes: ${[...outcomes]}`);

    const text = JSON.stringify(rows);
    for (const secret of [server.creds.admin, user.json.password, 'not-the-password-at-all', displayName,
      'Fatima', orgNames.name_ar, orgNames.name_en])
      assert.ok(!text.includes(secret), `no personal data or secret in the audit rows: found ${JSON.stringify(secret)}`);
  });

  test('?after= and ?limit= page the audit log', async () => {
    const auditor = await server.as('auditor');
    const r1 = await auditor.get('/audit', { query: { limit: '2' } });
    assert.equal(r1.status, 200, r1.text);
    assert.equal(r1.json.items.length, 2);
    assert.equal(typeof r1.json.next_cursor, 'string');
    const last = r1.json.items[1].seq;
    const r2 = await auditor.get('/audit', { query: { after: String(last), limit: '2' } });
    assert.equal(r2.status, 200, r2.text);
    assert.ok(r2.json.items.length >= 1);
    for (const row of r2.json.items) assert.ok(row.seq > last, `after=${last} gives only later rows`);
  });
});

describe(`[${BACKEND}] HTTP surface: errors, headers, paths`, () => {
  let server;
  let admin;

  before(async () => {
    server = await startServer();
    admin = await server.adminSetup();
  });
  after(async () => {
    if (server) await server.stop();
  });

  test('an unknown API path -> 404 not_found; a wrong method -> 405 method_not_allowed', async () => {
    assertError(await admin.get('/no-such-thing'), 404, 'not_found', 'unknown path');
    assertError(await admin.put('/orgs', {}), 405, 'method_not_allowed', 'PUT /orgs');
    assertError(await admin.del('/health'), 405, 'method_not_allowed', 'DELETE /health');
  });

  test('GET /api/v1/openapi.yaml describes the API: docs/openapi.yaml as it is in the tree', async () => {
    const r = await server.client().get('/openapi.yaml');
    assert.equal(r.status, 200);
    assert.match(r.text, /openapi:\s*['"]?3\./);
    assert.ok(r.text.includes('/api/v1/session'), 'mentions /api/v1/session');
    assert.equal(r.text, OPENAPI, 'the served document is docs/openapi.yaml');
  });

  test('every operation in docs/openapi.yaml is routed by the server (never 404 or 405)', async () => {
    const ops = openapiOperations(OPENAPI);
    assert.ok(ops.length >= 20, `operations found: ${ops.length}`);
    const anon = server.client();
    for (const [method, path] of ops) {
      const concrete = path.replace(/\{[^}]+\}/g, '0'.repeat(32));
      const r = await anon.req(method, concrete, { root: true, body: method === 'GET' || method === 'DELETE' ? undefined : {} });
      assert.ok(![404, 405].includes(r.status), `${method} ${path}: ${r.status} ${r.text}`);
      if (!['/api/v1/health', '/api/v1/meta', '/api/v1/openapi.yaml', '/api/v1/session'].includes(path))
        assert.equal(r.status, 401, `${method} ${path} without a session: ${r.text}`);
    }
  });

  test('PATCH /me sets the locale, and refuses anything but ar and en', async () => {
    const c = await server.as('analyst');
    const r = await c.patch('/me', { locale: 'ar' });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.locale, 'ar');
    assert.equal((await c.get('/me')).json.locale, 'ar');
    const bad = await c.patch('/me', { locale: 'fr' });
    assertError(bad, 400, 'invalid', 'locale fr');
    assertField(bad, 'locale');
    assertError(await c.patch('/me', { display_name: 'Me' }), 400, 'unknown_field', 'display_name');
    const en = await c.patch('/me', { locale: 'en' });
    assert.equal(en.json.locale, 'en');
  });

  const SEC = [
    ['API 200', 'GET', '/api/v1/health', true],
    ['API 401', 'GET', '/api/v1/me', true],
    ['API 404', 'GET', '/api/v1/nothing-here', true],
    ['API 400 bad_json', 'POST', '/api/v1/session', true, '{'],
    ['API openapi.yaml', 'GET', '/api/v1/openapi.yaml', true],
    ['asset /', 'GET', '/', false],
    ['missing asset', 'GET', '/assets/no-such-file.js', false],
  ];
  for (const [what, method, path, isApi, raw] of SEC) {
    test(`security headers on ${what} (${method} ${path})`, async (t) => {
      const r = await server.client().req(method, path, { root: true, raw, csrf: false });
      t.diagnostic(`status ${r.status}`);
      const h = r.headers;
      const csp = h.get('content-security-policy') || '';
      assert.match(csp, /default-src/, `CSP on ${path}: ${csp}`);
      assert.match(csp, /frame-ancestors 'none'/, 'no framing');
      assert.equal(h.get('x-content-type-options'), 'nosniff');
      assert.equal(h.get('referrer-policy'), 'no-referrer');
      if (isApi) assert.match(h.get('cache-control') || '', /no-store/, `Cache-Control on ${path}`);
      if (isApi && r.status >= 400) assert.match(h.get('content-type') || '', /application\/json/);
    });
  }

  const TRAVERSAL = [
    '/../../etc/passwd',
    '/%2e%2e/%2e%2e/etc/passwd',
    '/assets/..%2f..%2fetc%2fpasswd',
    '/assets/../../../../etc/passwd',
    '/assets/%2e%2e/%2e%2e/%2e%2e/etc/passwd',
    '/assets/..%5c..%5cetc%5cpasswd',
    '/api/v1/../../../etc/passwd',
    '/%252e%252e/%252e%252e/etc/passwd',
    '/assets/%00../../etc/passwd',
  ];
  for (const target of TRAVERSAL) {
    test(`GET ${target} never serves a file from outside the assets (400 or 404)`, async (t) => {
      const r = await rawRequest(server.port, 'GET', target);
      t.diagnostic(`status ${r.status}`);
      assert.ok(!/root:.*:0:0:/.test(r.body), 'no /etc/passwd content');
      assert.ok([400, 404].includes(r.status), `status ${r.status}`);
      assert.equal(r.headers['x-content-type-options'], 'nosniff', 'security headers on the refusal too');
    });
  }

  test('the server is still healthy after the odd requests', async () => {
    const r = await server.client().get('/health');
    assert.equal(r.status, 200);
  });
});
