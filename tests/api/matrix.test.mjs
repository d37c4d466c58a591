// matrix.test.mjs: the role x endpoint permission matrix of the contract,
// as one table, and the rule that another organisation's objects answer 404.

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, BACKEND, errCode, listAll, STRONG } from './lib.mjs';

// Columns: who calls. `none` has no session; the others are the demo users
// (admin after its password change).
const WHO = ['none', 'admin', 'coordinator', 'casemanager', 'responder', 'provider', 'analyst', 'auditor'];

// Expected status per caller, in WHO order. 401 = unauthenticated,
// 403 = forbidden; anything else is the success status (or, for the two
// endpoints whose body the matrix sends wrong on purpose, 400 after the
// permission check passed).
//
// Path and body are functions of the caller's context `x` (own ids) and the
// shared fixture `f`. Non-admin callers aim writes at their own objects, so
// that a wrongly granted write does no harm to the other rows; the admin aims
// destructive calls at a throw-away user.
let seq = 0;
const MATRIX = [
  // method, path, body, [none, admin, coordinator, casemanager, responder, provider, analyst, auditor]
  ['GET', '/health', null, [200, 200, 200, 200, 200, 200, 200, 200]],
  ['GET', '/meta', null, [200, 200, 200, 200, 200, 200, 200, 200]],
  ['GET', '/openapi.yaml', null, [200, 200, 200, 200, 200, 200, 200, 200]],
  ['GET', '/me', null, [401, 200, 200, 200, 200, 200, 200, 200]],
  ['PATCH', '/me', () => ({ locale: 'en' }), [401, 200, 200, 200, 200, 200, 200, 200]],
  // wrong current password on purpose: 400 wrong_password proves the call got past the permission check
  ['POST', '/me/password', () => ({ current: 'not-the-password', new: 'matrix-' + STRONG }), [401, 400, 400, 400, 400, 400, 400, 400]],
  ['POST', '/me/totp', () => ({}), [401, 200, 200, 200, 200, 200, 200, 200]],
  // a code that is not six digits can never match: 400 (totp_invalid or invalid)
  ['POST', '/me/totp/confirm', () => ({ code: 'abcdef' }), [401, 400, 400, 400, 400, 400, 400, 400]],
  ['GET', '/orgs', null, [401, 200, 200, 200, 200, 200, 403, 403]],
  ['POST', '/orgs', () => ({ name_ar: 'منظمة المصفوفة', name_en: `Matrix Org ${++seq}`, type: 'NGO', country: 'BH' }),
    [401, 201, 403, 403, 403, 403, 403, 403]],
  ['GET', (x) => `/orgs/${x.orgId}`, null, [401, 200, 200, 200, 200, 200, 403, 403]],
  ['PATCH', (x) => `/orgs/${x.orgId}`, (x) => ({ name_en: x.orgNameEn }), [401, 200, 403, 403, 403, 403, 403, 403]],
  ['GET', '/users', null, [401, 200, 200, 403, 403, 403, 403, 403]],
  ['POST', '/users', (x, f) => ({ username: `matrix.user${++seq}`, display_name: 'Matrix User', org_id: f.orgA, roles: ['analyst'] }),
    [401, 201, 403, 403, 403, 403, 403, 403]],
  ['GET', (x) => `/users/${x.userId}`, null, [401, 200, 200, 403, 403, 403, 403, 403]],
  ['PATCH', (x, f) => `/users/${x.role === 'admin' ? f.victimId : x.userId}`, (x) => ({ display_name: 'Matrix Name' }),
    [401, 200, 403, 403, 403, 403, 403, 403]],
  ['POST', (x, f) => `/users/${x.role === 'admin' ? f.victimId : x.userId}/password`, () => ({}),
    [401, 200, 403, 403, 403, 403, 403, 403]],
  ['DELETE', (x, f) => `/users/${x.role === 'admin' ? f.victimId : x.userId}/sessions`, null,
    [401, 204, 403, 403, 403, 403, 403, 403]],
  ['DELETE', (x, f) => `/users/${x.role === 'admin' ? f.victimId : x.userId}/totp`, null,
    [401, 204, 403, 403, 403, 403, 403, 403]],
  ['GET', '/audit', null, [401, 403, 403, 403, 403, 403, 403, 200]],
  ['GET', '/schema', null, [401, 200, 200, 200, 200, 200, 200, 200]],
  ['POST', '/cases', (x, f) => ({ person: { given_name_latin: 'Matrix' }, case: { status: 'Active', purpose: f.purpose } }),
    [401, 403, 403, 201, 201, 403, 403, 403]],
  ['GET', '/cases?q=Matrix', null, [401, 403, 403, 200, 200, 403, 403, 403]],
  // callers with case access aim at the case they (or their organisation) recorded
  ['GET', (x, f) => `/cases/${(x.caseRef || f.cmCaseRef) ?? '{ref}'}`, null, [401, 403, 403, 200, 200, 403, 403, 403]],
  ['PATCH', (x, f) => `/cases/${(x.caseRef || f.cmCaseRef) ?? '{ref}'}`, () => ({ version: 999 }), [401, 403, 403, 409, 409, 403, 403, 403]],
  ['POST', (x, f) => `/cases/${(x.caseRef || f.cmCaseRef) ?? '{ref}'}/consents`, () => ({}), [401, 403, 403, 400, 400, 403, 403, 403]],
  ['POST', (x, f) => `/cases/${(x.caseRef || f.cmCaseRef) ?? '{ref}'}/consents/0/withdraw`, () => ({ date: '2026-01-01' }), [401, 403, 403, 404, 404, 403, 403, 403]],
  ['GET', (x, f) => `/cases/${(x.caseRef || f.cmCaseRef) ?? '{ref}'}/comments`, null, [401, 403, 403, 200, 200, 403, 403, 403]],
  ['POST', (x, f) => `/cases/${(x.caseRef || f.cmCaseRef) ?? '{ref}'}/comments`, () => ({ text: 'matrix' }), [401, 403, 403, 201, 201, 403, 403, 403]],
  ['GET', (x, f) => `/cases/${(x.caseRef || f.cmCaseRef) ?? '{ref}'}/assignees`, null, [401, 403, 403, 200, 200, 403, 403, 403]],
  // identification decisions: only the competent authority decides (not in WHO; see decisions.test.mjs)
  ['POST', (x, f) => `/cases/${(x.caseRef || f.cmCaseRef) ?? '{ref}'}/decisions`, () => ({ status: 'possible', date: '2026-01-01' }),
    [401, 403, 403, 403, 403, 403, 403, 403]],
  ['GET', (x, f) => `/cases/${(x.caseRef || f.cmCaseRef) ?? '{ref}'}/decisions`, null, [401, 403, 403, 200, 200, 403, 403, 403]],
  ['GET', (x, f) => `/cases/${(x.caseRef || f.cmCaseRef) ?? '{ref}'}/transfers`, null, [401, 403, 403, 200, 200, 403, 403, 403]],
  // support plans: the case's organisation; a provider reaches a case only while serving it through a referral (404 here)
  ['GET', (x, f) => `/cases/${(x.caseRef || f.cmCaseRef) ?? '{ref}'}/plan`, null, [401, 403, 403, 200, 403, 404, 403, 403]],
  ['PUT', (x, f) => `/cases/${(x.caseRef || f.cmCaseRef) ?? '{ref}'}/plan`, () => ({}), [401, 403, 403, 400, 403, 400, 403, 403]],
  ['POST', (x, f) => `/cases/${(x.caseRef || f.cmCaseRef) ?? '{ref}'}/plan/items`, () => ({}), [401, 403, 403, 400, 403, 400, 403, 403]],
  ['PATCH', (x, f) => `/cases/${(x.caseRef || f.cmCaseRef) ?? '{ref}'}/plan/items/${'a'.repeat(32)}`, () => ({ status: 'done', version: 1 }), [401, 403, 403, 404, 403, 404, 403, 403]],
  ['GET', (x, f) => `/cases/${(x.caseRef || f.cmCaseRef) ?? '{ref}'}/services`, null, [401, 403, 403, 200, 403, 404, 403, 403]],
  ['POST', (x, f) => `/cases/${(x.caseRef || f.cmCaseRef) ?? '{ref}'}/services`, () => ({}), [401, 403, 403, 400, 403, 400, 403, 403]],
  ['GET', '/worklist', null, [401, 403, 200, 200, 403, 200, 403, 403]],
  ['DELETE', (x, f) => `/cases/${(x.caseRef || f.cmCaseRef) ?? '{ref}'}`, null, [401, 403, 403, 204, 403, 403, 403, 403]],
  // service directory: read with org.read; write with directory.write over one's own organisation
  ['GET', '/services', null, [401, 200, 200, 200, 200, 200, 403, 403]],
  ['PUT', (x) => `/services/${x.orgId}`, () => ({ services: ['Legal'], regions: ['Matrix Region'], languages: ['ar'], accepts: ['women'], accepting: true }),
    [401, 200, 200, 200, 403, 200, 403, 403]],
  ['GET', (x) => `/services/${x.orgId}`, null, [401, 200, 200, 200, 404, 200, 403, 403]],
  // no capacity listed by the PUT above: 400 proves the call got past the permission check
  ['PATCH', (x) => `/services/${x.orgId}/capacity`, () => ({ free: 1 }), [401, 400, 400, 400, 403, 400, 403, 403]],
  // referrals: an empty body (400) or an unknown id (404) proves the call got past the permission check
  ['POST', '/referrals', () => ({}), [401, 403, 400, 400, 400, 403, 403, 403]],
  ['GET', '/referrals', null, [401, 403, 200, 200, 200, 200, 403, 403]],
  ['GET', '/referrals/overview', null, [401, 403, 200, 403, 403, 403, 403, 403]],
  ['GET', `/referrals/${'a'.repeat(32)}`, null, [401, 403, 404, 404, 404, 404, 403, 403]],
  ['GET', `/referrals/${'a'.repeat(32)}/form`, null, [401, 403, 404, 404, 404, 404, 403, 403]],
  ['POST', `/referrals/${'a'.repeat(32)}/transitions`, () => ({ to: 'withdrawn', version: 1 }), [401, 403, 404, 404, 404, 404, 403, 403]],
  ['GET', '/referral-profiles', null, [401, 403, 200, 200, 200, 200, 403, 403]],
  ['POST', '/referral-profiles', () => ({}), [401, 403, 400, 403, 403, 403, 403, 403]],
  ['PUT', `/referral-profiles/${'a'.repeat(32)}`, () => ({}), [401, 403, 400, 403, 403, 403, 403, 403]],
  ['POST', (x, f) => `/cases/${(x.caseRef || f.cmCaseRef) ?? '{ref}'}/transfer`, () => ({}), [401, 403, 400, 400, 403, 403, 403, 403]],
  // linkage with another installation: the coordinator alone (400: not an encoding file)
  ['POST', '/link/match', () => ({ encodings: 'matrix' }), [401, 403, 400, 403, 403, 403, 403, 403]],
  // duplicates: the review queue (link.review: case managers for their organisation, the coordinator for all);
  // an unknown pair or merge (404) or an empty body (400) proves the call got past the permission check
  ['GET', '/link/pairs', null, [401, 403, 200, 200, 403, 403, 403, 403]],
  ['GET', `/link/pairs/${'a'.repeat(32)}`, null, [401, 403, 404, 404, 403, 403, 403, 403]],
  ['POST', `/link/pairs/${'a'.repeat(32)}/decision`, () => ({}), [401, 403, 400, 400, 403, 403, 403, 403]],
  ['POST', `/link/merges/${'a'.repeat(32)}/undo`, () => ({}), [401, 403, 404, 404, 403, 403, 403, 403]],
  // statistics: stats (analyst, coordinator); exact counts (view=internal) also need stats.internal (coordinator)
  ['GET', '/stats?dims=person.gender', null, [401, 403, 200, 403, 403, 403, 200, 403]],
  ['GET', '/stats?dims=person.gender&view=internal', null, [401, 403, 200, 403, 403, 403, 403, 403]],
  ['GET', '/stats/dimensions', null, [401, 403, 200, 403, 403, 403, 200, 403]],
  // the annual report: stats (analyst, coordinator); its internal view also needs stats.internal (coordinator)
  ['GET', '/stats/report?year=2025', null, [401, 403, 200, 403, 403, 403, 200, 403]],
  ['GET', '/stats/report?year=2025&view=internal', null, [401, 403, 200, 403, 403, 403, 403, 403]],
  // the k-anonymous CTDC microdata export: stats.export (the coordinator alone; not the analyst)
  ['POST', '/export/ctdc', () => ({}), [401, 403, 200, 403, 403, 403, 403, 403]],
  // differentially private releases: made by the coordinator (stats.release; no epsilon: 400 after the
  // permission check, nothing spent), read by whoever reads statistics (an unknown id: 404)
  ['POST', '/stats/releases', () => ({ dims: ['person.gender'] }), [401, 403, 400, 403, 403, 403, 403, 403]],
  ['GET', '/stats/releases', null, [401, 403, 200, 403, 403, 403, 200, 403]],
  ['GET', `/stats/releases/${'a'.repeat(32)}`, null, [401, 403, 404, 403, 403, 403, 404, 403]],
  // notifications: every signed-in user, for their own organisation
  ['GET', '/notifications', null, [401, 200, 200, 200, 200, 200, 200, 200]],
  ['POST', '/notifications/read', () => ({ all: true }), [401, 200, 200, 200, 200, 200, 200, 200]],
  // last: ends each caller's session
  ['DELETE', '/session', null, [401, 204, 204, 204, 204, 204, 204, 204]],
];

describe(`[${BACKEND}] role x endpoint matrix`, () => {
  let server;
  const clients = {};
  const ctx = {};
  const fixture = {};

  before(async () => {
    server = await startServer();
    clients.admin = await server.adminSetup();
    for (const u of WHO.slice(2)) clients[u] = await server.as(u);
    clients.none = server.client();
    for (const u of WHO.slice(1)) {
      const me = await clients[u].get('/me');
      assert.equal(me.status, 200, `${u} /me: ${me.text}`);
      ctx[u] = { role: u, userId: me.json.id, orgId: me.json.org.id, orgNameEn: me.json.org.name_en };
    }
    ctx.none = { role: 'none', userId: '0'.repeat(32), orgId: ctx.admin.orgId, orgNameEn: ctx.admin.orgNameEn };
    fixture.orgA = ctx.admin.orgId;
    const v = await clients.admin.post('/users', {
      username: 'matrix.victim', display_name: 'Victim', org_id: fixture.orgA, roles: ['analyst'],
    });
    assert.equal(v.status, 201, v.text);
    fixture.victimId = v.json.user.id;
    // A case each for the two roles that record cases.
    const schema = (await clients.casemanager.get('/schema')).json;
    fixture.purpose = schema.entities.find((e) => e.name === 'case').fields.find((f) => f.key === 'purpose').choices[0].value;
    for (const u of ['casemanager', 'responder']) {
      const c = await clients[u].post('/cases', { person: { given_name_latin: 'Fixture' }, case: { status: 'Active', purpose: fixture.purpose } });
      assert.equal(c.status, 201, c.text);
      ctx[u].caseRef = c.json.ref;
    }
    fixture.cmCaseRef = ctx.casemanager.caseRef;
  });
  after(async () => {
    if (server) await server.stop();
  });

  for (const [method, pathOf, bodyOf, expected] of MATRIX) {
    const label = typeof pathOf === 'string' ? pathOf : pathOf({ orgId: '{id}', userId: '{id}', role: '' }, { victimId: '{id}' });
    WHO.forEach((who, i) => {
      const want = expected[i];
      test(`${method} /api/v1${label} as ${who} -> ${want}`, async () => {
        const x = ctx[who];
        const path = typeof pathOf === 'string' ? pathOf : pathOf(x, fixture);
        const opts = {};
        if (bodyOf) opts.body = bodyOf(x, fixture);
        const r = await clients[who].req(method, path, opts);
        assert.equal(r.status, want, `${method} ${path} as ${who}: ${r.text}`);
        if (want === 401) assert.equal(errCode(r), 'unauthenticated', r.text);
        if (want === 403) assert.equal(errCode(r), 'forbidden', r.text);
        if (want === 200 && path === '/openapi.yaml') assert.match(r.text, /\/api\/v1\/session/);
      });
    });
  }
});

// The permissions each demo user's /me must list: the contract's role table.
const PERMISSIONS = {
  admin: ['org.read', 'org.write', 'user.read', 'user.write', 'directory.write'],
  coordinator: ['org.read', 'user.read', 'screening', 'worklist', 'directory.write', 'referral.send', 'referral.read',
    'consent.override', 'case.transfer', 'referral.profiles', 'referral.overview', 'link.review', 'link.match',
    'stats', 'stats.internal', 'stats.release', 'stats.export'],
  casemanager: ['org.read', 'case.read', 'case.write', 'case.erase', 'screening', 'worklist', 'directory.write',
    'referral.send', 'referral.read', 'referral.receive', 'case.transfer', 'plan', 'link.review'],
  responder: ['org.read', 'case.read', 'case.write', 'screening', 'referral.send', 'referral.read'],
  provider: ['org.read', 'screening', 'worklist', 'directory.write', 'referral.read', 'referral.receive', 'plan'],
  analyst: ['stats'],
  auditor: ['audit.read'],
  authority: ['org.read', 'case.read', 'case.write', 'screening', 'identification.decide', 'worklist', 'referral.send',
    'referral.read', 'referral.receive', 'case.transfer'],
};
const ROLES = {
  admin: 'admin', coordinator: 'coordinator', casemanager: 'case_manager', responder: 'first_responder',
  provider: 'service_provider', analyst: 'analyst', auditor: 'auditor', authority: 'competent_authority',
};

describe(`[${BACKEND}] GET /me: roles and permissions per the role table`, () => {
  let server;
  const clients = {};
  before(async () => {
    server = await startServer();
    clients.admin = await server.adminSetup();
    for (const u of Object.keys(PERMISSIONS).slice(1)) clients[u] = await server.as(u);
  });
  after(async () => {
    if (server) await server.stop();
  });

  for (const [who, perms] of Object.entries(PERMISSIONS)) {
    test(`${who}: roles [${ROLES[who]}], permissions [${perms.join(', ')}], next null, demo true`, async () => {
      const r = await clients[who].get('/me');
      assert.equal(r.status, 200, r.text);
      const me = r.json;
      for (const k of ['id', 'username', 'display_name', 'locale', 'roles', 'permissions', 'org',
        'must_change_password', 'totp_enabled', 'next', 'demo'])
        assert.ok(k in me, `me has ${k}: ${r.text}`);
      for (const k of ['id', 'name_ar', 'name_en', 'type', 'country']) assert.ok(k in me.org, `me.org has ${k}`);
      assert.match(me.id, /^[0-9a-f]{32}$/);
      assert.equal(me.username, who);
      assert.deepEqual(me.roles, [ROLES[who]]);
      assert.deepEqual([...me.permissions].sort(), [...perms].sort());
      assert.equal(me.next, null);
      assert.equal(me.demo, true);
      assert.ok(['ar', 'en'].includes(me.locale));
    });
  }
});

describe(`[${BACKEND}] another organisation's objects answer 404`, () => {
  let server;
  let admin;
  const me = {};
  let orgs;
  let foreignUser; // a user in an org other than the coordinator's

  before(async () => {
    server = await startServer();
    admin = await server.adminSetup();
    for (const u of ['coordinator', 'casemanager', 'responder', 'provider']) {
      const c = await server.as(u);
      const r = await c.get('/me');
      me[u] = { client: c, id: r.json.id, orgId: r.json.org.id };
    }
    orgs = await listAll(admin, '/orgs');
    // make sure there is an organisation other than the coordinator's, with a user in it
    let other = orgs.find((o) => o.id !== me.coordinator.orgId);
    if (!other) {
      const r = await admin.post('/orgs', { name_ar: 'أخرى', name_en: 'Other Org', type: 'NGO', country: 'BH' });
      assert.equal(r.status, 201, r.text);
      other = r.json;
      orgs.push(other);
    }
    const u = await admin.post('/users', {
      username: 'foreign.user', display_name: 'Foreign', org_id: other.id, roles: ['case_manager'],
    });
    assert.equal(u.status, 201, u.text);
    foreignUser = u.json.user;
    // and an organisation no demo user belongs to
    const lone = await admin.post('/orgs', { name_ar: 'وحيدة', name_en: 'Lone Org', type: 'LegalService', country: 'BH' });
    assert.equal(lone.status, 201, lone.text);
    orgs.push(lone.json);
  });
  after(async () => {
    if (server) await server.stop();
  });

  for (const u of ['casemanager', 'responder', 'provider']) {
    test(`${u}: GET /orgs/{another org} -> 404 not_found, like an id that does not exist`, async () => {
      const foreign = orgs.filter((o) => o.id !== me[u].orgId);
      assert.ok(foreign.length >= 1);
      const missing = await me[u].client.get(`/orgs/${'0'.repeat(32)}`);
      assert.equal(missing.status, 404, missing.text);
      for (const o of foreign) {
        const r = await me[u].client.get(`/orgs/${o.id}`);
        assert.equal(r.status, 404, `${o.name_en}: ${r.text}`);
        assert.equal(errCode(r), 'not_found');
        assert.equal(r.text, missing.text, 'same answer as for an id that does not exist');
      }
      const own = await me[u].client.get(`/orgs/${me[u].orgId}`);
      assert.equal(own.status, 200, own.text);
    });

    test(`${u}: GET /orgs lists only the own organisation`, async () => {
      const r = await me[u].client.get('/orgs');
      assert.equal(r.status, 200, r.text);
      assert.deepEqual(r.json.items.map((o) => o.id), [me[u].orgId]);
    });
  }

  test('coordinator: GET /orgs lists every organisation and GET /orgs/{id} reads any', async () => {
    const c = me.coordinator.client;
    const ids = (await listAll(c, '/orgs')).map((o) => o.id).sort();
    assert.deepEqual(ids, orgs.map((o) => o.id).sort());
    for (const o of orgs) assert.equal((await c.get(`/orgs/${o.id}`)).status, 200, o.name_en);
  });

  test('coordinator: GET /users/{user of another org} -> 404 not_found; own org users are readable', async () => {
    const c = me.coordinator.client;
    const r = await c.get(`/users/${foreignUser.id}`);
    assert.equal(r.status, 404, r.text);
    assert.equal(errCode(r), 'not_found');
    const missing = await c.get(`/users/${'0'.repeat(32)}`);
    assert.equal(r.text, missing.text, 'same answer as for an id that does not exist');
    assert.equal((await c.get(`/users/${me.coordinator.id}`)).status, 200);
  });

  test('coordinator: GET /users shows only users of the own organisation, also with ?org=another', async () => {
    const c = me.coordinator.client;
    const own = await listAll(c, '/users');
    assert.ok(own.length >= 1);
    for (const u of own) assert.equal(u.org_id, me.coordinator.orgId, `${u.username} is of another org`);
    assert.ok(!own.some((u) => u.id === foreignUser.id));
    const r = await c.get('/users', { query: { org: foreignUser.org_id } });
    assert.ok([200, 404].includes(r.status), `status ${r.status}: ${r.text}`);
    if (r.status === 200) assert.deepEqual(r.json.items, [], 'no user of another organisation');
  });

  test('admin: GET /users/{any} and GET /users?org= see every organisation', async () => {
    const r = await admin.get(`/users/${foreignUser.id}`);
    assert.equal(r.status, 200, r.text);
    const inOrg = await listAll(admin, '/users', { org: foreignUser.org_id });
    assert.ok(inOrg.some((u) => u.id === foreignUser.id));
    for (const u of inOrg) assert.equal(u.org_id, foreignUser.org_id);
  });
});
