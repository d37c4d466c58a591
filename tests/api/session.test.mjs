// session.test.mjs: signing in and out, the session cookie, CSRF, the
// one-time password flow, throttling, ending sessions and session time-outs.

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, BACKEND, COOKIE, STRONG, errCode, listAll, median, sleep,
} from './lib.mjs';

const b = `[${BACKEND}]`;

function sessionSetCookie(r) {
  return r.setCookies.find((c) => c.name === COOKIE);
}

function assertError(r, status, code, what = '') {
  assert.equal(r.status, status, `${what} status; body: ${r.text}`);
  assert.equal(errCode(r), code, `${what} error code; body: ${r.text}`);
}

const ORG_BODY = (name) => ({
  name_ar: 'منظمة ' + name, name_en: name, type: 'NGO', country: 'BH',
});

describe(`${b} sessions`, () => {
  let server;
  let admin; // the admin client after set-up (lazily)

  before(async () => {
    server = await startServer();
  });
  after(async () => {
    if (server) await server.stop();
  });

  async function adminClient() {
    if (!admin) admin = await server.adminSetup();
    return admin;
  }

  async function createUser(username, roles = ['analyst']) {
    const a = await adminClient();
    const me = await a.get('/me');
    const r = await a.post('/users', {
      username, display_name: 'Test ' + username, org_id: me.json.org.id, roles,
    });
    assert.equal(r.status, 201, r.text);
    return { id: r.json.user.id, password: r.json.password };
  }

  test('admin login answers 200 with a CSRF token, next=change_password and a HttpOnly, SameSite=Strict, Path=/ cookie', async () => {
    const c = server.client();
    const r = await c.login('admin', server.creds.admin);
    assert.equal(r.status, 200, r.text);
    assert.equal(typeof r.json.csrf_token, 'string');
    assert.ok(r.json.csrf_token.length >= 16, 'CSRF token is long enough to be unguessable');
    assert.equal(r.json.next, 'change_password');
    const ck = sessionSetCookie(r);
    assert.ok(ck, `Set-Cookie ${COOKIE} present: ${JSON.stringify(r.setCookies.map((x) => x.raw))}`);
    assert.ok(ck.value.length >= 43, `a 256-bit token is at least 43 characters, got ${ck.value.length}`);
    assert.equal(ck.attrs.httponly, true, `HttpOnly in ${ck.raw}`);
    assert.equal(String(ck.attrs.samesite).toLowerCase(), 'strict', `SameSite=Strict in ${ck.raw}`);
    assert.equal(ck.attrs.path, '/', `Path=/ in ${ck.raw}`);
    assert.ok(!r.text.includes(ck.value), 'the session token is not in the body');
    const me = await c.get('/me');
    assert.equal(me.status, 200, me.text);
    assert.equal(me.json.username, 'admin');
    assert.equal(me.json.next, 'change_password');
    assert.equal(me.json.must_change_password, true);
    assert.ok(me.json.roles.includes('admin'));
  });

  test('before the password change, everything but the set-up endpoints answers 403 setup_required', async () => {
    const c = server.client();
    const r = await c.login('admin', server.creds.admin);
    assert.equal(r.status, 200, r.text);
    assertError(await c.get('/orgs'), 403, 'setup_required', 'GET /orgs');
    assertError(await c.get('/users'), 403, 'setup_required', 'GET /users');
    assertError(await c.post('/orgs', ORG_BODY('Setup Org')), 403, 'setup_required', 'POST /orgs');
    assertError(await c.patch('/me', { locale: 'ar' }), 403, 'setup_required', 'PATCH /me');
    assert.equal((await c.get('/me')).status, 200, 'GET /me stays allowed');
  });

  test('the first password change clears next and opens the API to the admin', async () => {
    const c = server.client();
    const r = await c.login('admin', server.creds.admin);
    assert.equal(r.status, 200, r.text);
    const fresh = 'admin-' + STRONG;
    const ch = await c.changePassword(server.creds.admin, fresh);
    assert.equal(ch.status, 200, ch.text);
    assert.equal(ch.json.next, null);
    server.creds.admin = fresh;
    admin = c;
    const me = await c.get('/me');
    assert.equal(me.json.next, null);
    assert.equal(me.json.must_change_password, false);
    assert.equal((await c.get('/orgs')).status, 200);
    assert.equal((await c.get('/users')).status, 200);
  });

  test('wrong password and unknown user both answer 401 invalid_credentials, with the same body and similar timing', async (t) => {
    const c = server.client();
    await c.get('/health');
    const known = ['coordinator', 'casemanager', 'responder', 'provider', 'analyst'];
    const wrong = [];
    const unknown = [];
    const bodies = new Set();
    for (let i = 0; i < 5; i++) {
      // one attempt per user name, so that no throttling starts
      const rw = await c.login(known[i], server.creds[known[i]] + 'x');
      assertError(rw, 401, 'invalid_credentials', `wrong password for ${known[i]}`);
      wrong.push(rw.ms);
      bodies.add(rw.text);
      const ru = await c.login(`nosuchuser${i}`, 'whatever-password-123');
      assertError(ru, 401, 'invalid_credentials', 'unknown user');
      unknown.push(ru.ms);
      bodies.add(ru.text);
      assert.equal(ru.setCookies.length + rw.setCookies.length, 0, 'no cookie for a failed login');
    }
    assert.equal(bodies.size, 1, `identical bodies, got: ${[...bodies].join(' | ')}`);
    const mw = median(wrong);
    const mu = median(unknown);
    const ratio = Math.max(mw, mu) / Math.min(mw, mu);
    t.diagnostic(`median wrong password ${mw.toFixed(2)} ms, unknown user ${mu.toFixed(2)} ms`);
    assert.ok(ratio <= 3 || Math.abs(mw - mu) < 2,
      `median wrong-password ${mw.toFixed(2)} ms vs unknown-user ${mu.toFixed(2)} ms (ratio ${ratio.toFixed(2)})`);
  });

  test('no cookie or a made-up cookie answers 401 unauthenticated', async () => {
    const c = server.client();
    assertError(await c.get('/me'), 401, 'unauthenticated', 'no cookie');
    c.jar.set(COOKIE, 'A'.repeat(43));
    assertError(await c.get('/me'), 401, 'unauthenticated', 'made-up cookie');
    c.jar.set(COOKIE, '');
    assertError(await c.get('/me'), 401, 'unauthenticated', 'empty cookie');
  });

  test('a POST without X-CSRF-Token answers 403 csrf and writes nothing', async () => {
    const a = await adminClient();
    const before = await listAll(a, '/orgs');
    const r = await a.post('/orgs', ORG_BODY('No Token Org'), { csrf: false });
    assertError(r, 403, 'csrf', 'POST /orgs without token');
    const afterList = await listAll(a, '/orgs');
    assert.equal(afterList.length, before.length, 'no organisation was created');
    assert.ok(!afterList.some((o) => o.name_en === 'No Token Org'));
    // PATCH /me without the token: locale unchanged
    const me0 = await a.get('/me');
    const other = me0.json.locale === 'ar' ? 'en' : 'ar';
    assertError(await a.patch('/me', { locale: other }, { csrf: false }), 403, 'csrf', 'PATCH /me without token');
    assert.equal((await a.get('/me')).json.locale, me0.json.locale, 'locale unchanged');
    // DELETE /session without the token does not sign out
    assertError(await a.del('/session', { csrf: false }), 403, 'csrf', 'DELETE /session without token');
    assert.equal((await a.get('/me')).status, 200, 'still signed in');
  });

  test('a wrong X-CSRF-Token, or the token of another session, answers 403 csrf and writes nothing', async () => {
    const a = await adminClient();
    const before = await listAll(a, '/orgs');
    assertError(await a.post('/orgs', ORG_BODY('Wrong Token Org'), { csrf: 'x'.repeat(43) }), 403, 'csrf', 'wrong token');
    assertError(await a.post('/orgs', ORG_BODY('Wrong Token Org'), { csrf: '' }), 403, 'csrf', 'empty token');
    const other = await server.as('coordinator');
    assertError(await a.post('/orgs', ORG_BODY('Wrong Token Org'), { csrf: other.csrf }), 403, 'csrf', "another session's token");
    const afterList = await listAll(a, '/orgs');
    assert.equal(afterList.length, before.length, 'no organisation was created');
    // the right token works
    const ok = await a.post('/orgs', ORG_BODY('Right Token Org'));
    assert.equal(ok.status, 201, ok.text);
  });

  test('password change: new CSRF token and cookie; the old cookie and the other sessions of the user end', async () => {
    const user = 'provider';
    const oldPw = server.creds[user];
    const s1 = await server.as(user);
    const s2 = await server.as(user);
    const old1 = s1.clone();
    assert.equal((await old1.get('/me')).status, 200, 'the copied cookie works before the change');
    assert.equal((await s2.get('/me')).status, 200, 'the second session works before the change');
    const fresh = 'provider-' + STRONG;
    const r = await s1.changePassword(oldPw, fresh);
    assert.equal(r.status, 200, r.text);
    assert.equal(typeof r.json.csrf_token, 'string');
    assert.notEqual(r.json.csrf_token, old1.csrf, 'a new CSRF token');
    assert.equal(r.json.next, null);
    const ck = sessionSetCookie(r);
    assert.ok(ck, 'a new session cookie is set');
    assert.notEqual(ck.value, old1.sessionCookie, 'a new session token');
    assert.equal(ck.attrs.httponly, true);
    server.creds[user] = fresh;

    assertError(await old1.get('/me'), 401, 'unauthenticated', 'old cookie');
    assertError(await s2.get('/me'), 401, 'unauthenticated', 'other session');
    assert.equal((await s1.get('/me')).status, 200, 'the new cookie works');
    const p = await s1.patch('/me', { locale: 'en' });
    assert.equal(p.status, 200, `the new CSRF token works: ${p.text}`);
    // the old CSRF token no longer works with the new cookie
    assertError(await s1.patch('/me', { locale: 'en' }, { csrf: old1.csrf }), 403, 'csrf', 'old CSRF token');

    assertError(await server.client().login(user, oldPw), 401, 'invalid_credentials', 'old password');
    const again = await server.client().login(user, fresh);
    assert.equal(again.status, 200, again.text);
    assert.equal(again.json.next, null);
  });

  test('password change refuses a weak new password (weak_password, field new) and a wrong current one (wrong_password, field current)', async () => {
    const user = 'responder';
    const pw = server.creds[user];
    const c = await server.as(user);
    for (const weak of ['short', 'abcdefghijk', 'ابتثجحخدذرز' /* 11 characters, 22 bytes */]) {
      const r = await c.post('/me/password', { current: pw, new: weak });
      assertError(r, 400, 'weak_password', `new=${weak}`);
      assert.ok(r.json.error.fields && r.json.error.fields.new, `fields.new in ${r.text}`);
    }
    const r = await c.post('/me/password', { current: pw + 'nope', new: 'responder-' + STRONG });
    assertError(r, 400, 'wrong_password', 'wrong current');
    assert.ok(r.json.error.fields && r.json.error.fields.current, `fields.current in ${r.text}`);
    assert.equal((await c.get('/me')).status, 200, 'the session survives');
    const still = await server.client().login(user, pw);
    assert.equal(still.status, 200, 'the password is unchanged');
  });

  test('logout answers 204, clears the cookie, and the old cookie then answers 401', async () => {
    const c = await server.as('casemanager');
    const copy = c.clone();
    assert.equal((await copy.get('/me')).status, 200, 'the copied cookie works before logout');
    const r = await c.logout();
    assert.equal(r.status, 204, r.text);
    const ck = sessionSetCookie(r);
    assert.ok(ck, 'Set-Cookie clears the session cookie');
    assert.ok(ck.value === '' || Number(ck.attrs['max-age']) <= 0 ||
      (ck.attrs.expires && Date.parse(ck.attrs.expires) < Date.now()), `cookie cleared: ${ck.raw}`);
    assertError(await copy.get('/me'), 401, 'unauthenticated', 'cookie after logout');
    assertError(await copy.del('/session'), 401, 'unauthenticated', 'second logout');
  });

  test('every login makes a new session token and CSRF token, also when a cookie is sent along', async () => {
    const a = await server.as('auditor');
    const b2 = await server.as('auditor');
    assert.notEqual(a.sessionCookie, b2.sessionCookie);
    assert.notEqual(a.csrf, b2.csrf);
    const c = a.clone();
    const r = await c.login('auditor', server.creds.auditor);
    assert.equal(r.status, 200, r.text);
    assert.ok(sessionSetCookie(r), 'a cookie is set');
    assert.notEqual(c.sessionCookie, a.sessionCookie, 'the sent session token is not reused');
    assert.equal((await c.get('/me')).status, 200);
  });

  test('disabling a user ends their sessions and refuses their login with invalid_credentials; enabling lets them in again', async () => {
    const a = await adminClient();
    const u = await createUser('disabled.one');
    const c = server.client();
    const r = await c.login('disabled.one', u.password);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.next, 'change_password', 'a new user must change the one-time password');
    assert.equal((await c.get('/me')).status, 200);
    const p = await a.patch(`/users/${u.id}`, { disabled: true });
    assert.equal(p.status, 200, p.text);
    assert.equal(p.json.disabled, true);
    assertError(await c.get('/me'), 401, 'unauthenticated', 'session of a disabled user');
    const refused = await server.client().login('disabled.one', u.password);
    assertError(refused, 401, 'invalid_credentials', 'login of a disabled user');
    const unknown = await server.client().login('nosuchuser-d', u.password);
    assert.equal(refused.text, unknown.text, 'same answer as an unknown user');
    const e = await a.patch(`/users/${u.id}`, { disabled: false });
    assert.equal(e.status, 200, e.text);
    assert.equal((await server.client().login('disabled.one', u.password)).status, 200, 'enabled again');
  });

  test('DELETE /users/{id}/sessions answers 204 and ends every session of the user', async () => {
    const a = await adminClient();
    const u = await createUser('ended.one');
    const c1 = server.client();
    const c2 = server.client();
    assert.equal((await c1.login('ended.one', u.password)).status, 200);
    assert.equal((await c2.login('ended.one', u.password)).status, 200);
    assert.equal((await c1.get('/me')).status, 200, 'first session works before');
    assert.equal((await c2.get('/me')).status, 200, 'second session works before');
    const r = await a.del(`/users/${u.id}/sessions`);
    assert.equal(r.status, 204, r.text);
    assertError(await c1.get('/me'), 401, 'unauthenticated', 'first session');
    assertError(await c2.get('/me'), 401, 'unauthenticated', 'second session');
    assert.equal((await a.get('/me')).status, 200, "the admin's own session is untouched");
    assert.equal((await server.client().login('ended.one', u.password)).status, 200, 'the user may sign in again');
  });
});

describe(`${b} login throttling`, () => {
  let server;
  before(async () => {
    server = await startServer();
  });
  after(async () => {
    if (server) await server.stop();
  });

  test('after 5 failures for one username: 429 throttled with Retry-After, also for the right password; other usernames unaffected', async () => {
    const c = server.client();
    for (let i = 1; i <= 5; i++)
      assertError(await c.login('analyst', `wrong-password-${i}`), 401, 'invalid_credentials', `failure ${i}`);
    const sixth = await c.login('analyst', 'wrong-password-6');
    assertError(sixth, 429, 'throttled', 'sixth attempt');
    const ra = Number(sixth.headers.get('retry-after'));
    assert.ok(Number.isInteger(ra) && ra >= 1 && ra <= 900, `Retry-After is 1..900 s, got ${sixth.headers.get('retry-after')}`);
    const right = await c.login('analyst', server.creds.analyst);
    assertError(right, 429, 'throttled', 'right password while throttled');
    assert.equal(right.setCookies.length, 0, 'no session while throttled');
    const other = await server.client().login('auditor', server.creds.auditor);
    assert.equal(other.status, 200, `another username is unaffected: ${other.text}`);
  });

  test('the throttle is a delay, not a lock-out: after Retry-After the right password works', async (t) => {
    const probe = await server.client().login('analyst', server.creds.analyst);
    if (probe.status === 200) return; // the delay is already over
    assertError(probe, 429, 'throttled');
    const ra = Number(probe.headers.get('retry-after'));
    if (!(ra <= 35)) {
      t.skip(`Retry-After ${ra} s is too long to wait for in a test`);
      return;
    }
    await sleep(ra * 1000 + 1100);
    const r = await server.client().login('analyst', server.creds.analyst);
    assert.equal(r.status, 200, r.text);
  });

  test('20 failures from one address throttle that address for every username', async () => {
    let first429 = -1;
    for (let i = 1; i <= 25; i++) {
      const r = await server.client().login(`stranger${i}`, 'wrong-password-123');
      if (r.status === 429) {
        assert.equal(errCode(r), 'throttled');
        first429 = i;
        break;
      }
      assertError(r, 401, 'invalid_credentials', `stranger${i}`);
    }
    // 5 or more failures (analyst) came before; even if the successful login
    // in between reset the count, the 21st attempt is the last that may pass
    assert.ok(first429 > 0 && first429 <= 21, `address throttled after at most 20 failures (first 429 at attempt ${first429})`);
    const r = await server.client().login('auditor', server.creds.auditor);
    assertError(r, 429, 'throttled', 'right password from a throttled address');
  });
});

describe(`${b} idle time-out`, () => {
  let server;
  before(async () => {
    server = await startServer({ env: { IHALA_SESSION_IDLE: '2' } });
  });
  after(async () => {
    if (server) await server.stop();
  });

  test('a session in use stays valid; unused for more than the idle limit it answers 401', async () => {
    const c = await server.as('analyst');
    for (let i = 0; i < 6; i++) {
      await sleep(500);
      assert.equal((await c.get('/me')).status, 200, `in use after ${(i + 1) * 0.5} s`);
    }
    await sleep(3500);
    assertError(await c.get('/me'), 401, 'unauthenticated', 'after 3.5 s idle');
  });
});

describe(`${b} absolute time-out`, () => {
  let server;
  before(async () => {
    server = await startServer({ env: { IHALA_SESSION_ABSOLUTE: '4' } });
  });
  after(async () => {
    if (server) await server.stop();
  });

  test('a session in constant use ends at the absolute limit', async () => {
    const c = await server.as('analyst');
    const t0 = Date.now();
    let ended = null;
    while (Date.now() - t0 < 7000) {
      const r = await c.get('/me');
      const at = (Date.now() - t0) / 1000;
      if (at < 3) assert.equal(r.status, 200, `still valid at ${at.toFixed(1)} s`);
      if (r.status === 401) {
        ended ??= at;
        assert.equal(errCode(r), 'unauthenticated');
      } else if (ended !== null) {
        assert.fail(`the session came back at ${at.toFixed(1)} s after ending at ${ended.toFixed(1)} s`);
      }
      await sleep(400);
    }
    assert.ok(ended !== null && ended <= 6, `ended by 6 s (ended at ${ended})`);
    // a new login works
    assert.equal((await server.client().login('analyst', server.creds.analyst)).status, 200);
  });
});
