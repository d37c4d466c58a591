// totp_reset.test.mjs: an administrator removes a user's TOTP enrolment
// (the user lost their phone): the user's sessions end, they sign in with the
// password alone, and only user.write holders can do it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, BACKEND, errCode, totp, awayFromStepEdge, listAll } from './lib.mjs';

test(`[${BACKEND}] admin resets a user's TOTP`, async () => {
  const server = await startServer();
  try {
    const admin = await server.adminSetup();
    const user = await server.as('casemanager');
    let r = await user.post('/me/totp', {});
    assert.equal(r.status, 200, r.text);
    const secret = r.json.secret;
    await awayFromStepEdge();
    r = await user.post('/me/totp/confirm', { code: totp(secret) });
    assert.equal(r.status, 200, r.text);
    const me = await user.get('/me');
    assert.equal(me.json.totp_enabled, true);
    const id = me.json.id;

    // Without permission: refused, and nothing changes.
    const coord = await server.as('coordinator');
    r = await coord.del(`/users/${id}/totp`);
    assert.equal(r.status, 403);
    assert.equal(errCode(r), 'forbidden');
    r = await user.clone().login('casemanager', server.creds.casemanager);
    assert.equal(errCode(r), 'totp_required');

    r = await admin.del(`/users/${id}/totp`);
    assert.equal(r.status, 204, r.text);
    // Their session ended, and they sign in with the password alone.
    assert.equal((await user.get('/me')).status, 401);
    r = await user.login('casemanager', server.creds.casemanager);
    assert.equal(r.status, 200, r.text);
    assert.equal((await user.get('/me')).json.totp_enabled, false);
    // An unknown user is 404.
    r = await admin.del('/users/00000000000000000000000000000000/totp');
    assert.equal(r.status, 404);
    // The audit log records it without names.
    const auditor = await server.as('auditor');
    const row = (await listAll(auditor, '/audit')).find((x) => x.action === 'user.totp_reset');
    assert.ok(row, 'user.totp_reset audited');
    assert.equal(row.object_id, id);
  } finally {
    await server.stop();
  }
});
