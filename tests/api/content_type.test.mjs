// content_type.test.mjs: a body must be declared application/json. A form on
// another site can post text/plain or url-encoded data without a CORS
// preflight; refusing those stops login CSRF and cross-site writes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, BACKEND, errCode } from './lib.mjs';

test(`[${BACKEND}] bodies that are not declared JSON are refused and change nothing`, async () => {
  const server = await startServer();
  try {
    const c = server.client();
    const creds = JSON.stringify({ username: 'coordinator', password: server.creds.coordinator });
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/jsonp']) {
      const r = await c.req('POST', '/session', { raw: creds, headers: { 'Content-Type': type }, csrf: false });
      assert.equal(r.status, 415, `${type}: ${r.text}`);
      assert.equal(errCode(r), 'unsupported_media_type');
      assert.equal(r.setCookies.length, 0, 'no session cookie');
    }
    // Declared JSON (with a charset) works.
    const ok = await c.req('POST', '/session', { raw: creds, headers: { 'Content-Type': 'application/json; charset=utf-8' }, csrf: false });
    assert.equal(ok.status, 200, ok.text);
    c.csrf = ok.json.csrf_token;
    // A signed-in write with a form type is refused too, and writes nothing.
    const admin = await server.adminSetup();
    const before = (await admin.get('/orgs', { query: { limit: 200 } })).json.items.length;
    const r = await admin.req('POST', '/orgs', {
      raw: JSON.stringify({ name_ar: 'م', name_en: 'Form Org', type: 'NGO', country: 'BH' }),
      headers: { 'Content-Type': 'text/plain' },
    });
    assert.equal(r.status, 415, r.text);
    assert.equal((await admin.get('/orgs', { query: { limit: 200 } })).json.items.length, before);
  } finally {
    await server.stop();
  }
});
