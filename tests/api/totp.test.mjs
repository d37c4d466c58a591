// totp.test.mjs: enrolling TOTP and signing in with it (RFC 6238 codes
// computed here with node:crypto), including refusal of a replayed code.

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, BACKEND, errCode, totp, totpStep, awayFromStepEdge, base32Decode,
} from './lib.mjs';

function assertError(r, status, code, what = '') {
  assert.equal(r.status, status, `${what} status; body: ${r.text}`);
  assert.equal(errCode(r), code, `${what} error code; body: ${r.text}`);
}

// A six-digit code that matches none of the steps around now.
function wrongCode(secret) {
  const near = new Set();
  const s = totpStep();
  for (let d = -3; d <= 3; d++) near.add(totp(secret, s + d));
  for (let n = 123456; ; n = (n + 111111) % 1000000) {
    const code = String(n).padStart(6, '0');
    if (!near.has(code)) return code;
  }
}

describe(`[${BACKEND}] TOTP`, () => {
  let server;
  const user = 'coordinator';
  let secret;
  let confirmStep;

  before(async () => {
    server = await startServer();
  });
  after(async () => {
    if (server) await server.stop();
  });

  test('RFC 6238 test vector: the test computes codes correctly', () => {
    // RFC 6238 appendix B, SHA-1, T = 59 s -> 94287082 (8 digits); 6 digits -> 287082
    const key = Buffer.from('12345678901234567890');
    const b32 = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';
    assert.deepEqual(base32Decode(b32), key);
    assert.equal(totp(b32, 1), '287082');
  });

  test('POST /me/totp gives a base32 secret and an otpauth URI; nothing changes until confirmed', async () => {
    const c = await server.as(user);
    const r = await c.post('/me/totp', {});
    assert.equal(r.status, 200, r.text);
    secret = r.json.secret;
    assert.match(secret, /^[A-Z2-7]+=*$/, 'base32 secret');
    assert.ok(base32Decode(secret).length >= 10, 'at least 80 bits of secret');
    const uri = r.json.otpauth_uri;
    assert.ok(uri.startsWith(`otpauth://totp/ihala:${user}?`), uri);
    const q = new URL(uri).searchParams;
    assert.equal(q.get('secret'), secret);
    assert.equal(q.get('issuer'), 'ihala');
    assert.equal(q.get('digits'), '6');
    assert.equal(q.get('period'), '30');
    const me = await c.get('/me');
    assert.equal(me.json.totp_enabled, false, 'not enabled before confirmation');
    const login = await server.client().login(user, server.creds[user]);
    assert.equal(login.status, 200, `a login without a code still works before confirmation: ${login.text}`);
  });

  test('confirming with a wrong code answers 400 totp_invalid; the right code enables TOTP', async () => {
    assert.ok(secret, 'enrolment ran');
    const c = await server.as(user);
    // a fresh start replaces the secret of the previous test: use the new one
    const start = await c.post('/me/totp', {});
    assert.equal(start.status, 200, start.text);
    secret = start.json.secret;
    assertError(await c.post('/me/totp/confirm', { code: wrongCode(secret) }), 400, 'totp_invalid', 'wrong code');
    assert.equal((await c.get('/me')).json.totp_enabled, false);
    await awayFromStepEdge();
    confirmStep = totpStep();
    const r = await c.post('/me/totp/confirm', { code: totp(secret, confirmStep) });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.next, null);
    const me = await c.get('/me');
    assert.equal(me.json.totp_enabled, true);
    assertError(await c.post('/me/totp', {}), 409, 'conflict', 'enrolling again');
  });

  test('with TOTP: no code -> 401 totp_required; wrong code -> 401 totp_invalid; right code -> 200; the same code again -> 401 totp_invalid', async () => {
    assert.ok(confirmStep !== undefined, 'confirmation ran');
    const pw = server.creds[user];
    const none = await server.client().login(user, pw);
    assertError(none, 401, 'totp_required', 'no code');
    assert.equal(none.setCookies.length, 0, 'no session without the code');

    const bad = await server.client().login(user, pw, wrongCode(secret));
    assertError(bad, 401, 'totp_invalid', 'wrong code');
    assert.equal(bad.setCookies.length, 0, 'no session with a wrong code');

    // The confirmation used confirmStep; the next step is within the +-1 window
    // and has not been used yet.
    const code = totp(secret, confirmStep + 1);
    const c = server.client();
    const ok = await c.login(user, pw, code);
    assert.equal(ok.status, 200, ok.text);
    assert.equal(ok.json.next, null);
    assert.equal((await c.get('/me')).status, 200);

    const replay = await server.client().login(user, pw, code);
    assertError(replay, 401, 'totp_invalid', 'replayed code');
    assert.equal(replay.setCookies.length, 0, 'no session for a replayed code');
  });

  test('a wrong password with TOTP enrolled answers invalid_credentials, never a TOTP hint', async () => {
    assert.ok(confirmStep !== undefined, 'confirmation ran');
    assertError(await server.client().login(user, server.creds[user] + 'x'), 401, 'invalid_credentials', 'no code');
    assertError(await server.client().login(user, server.creds[user] + 'x', totp(secret, totpStep() + 1)),
      401, 'invalid_credentials', 'with a code');
  });
});
