// retention.test.mjs: `ihala retention run DIR [--dry-run]` erases the cases
// kept past the periods of ihala.conf, through the same erasure as
// DELETE /api/v1/cases/{ref}, beside the running server: a closed case is
// gone (404), an active one stays, a dry run changes nothing, every erasure
// and the run are audited and the audit chain still verifies.
// The clock is moved two days ahead with IHALA_CLOCK_OFFSET (src/core/clock.c).
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { appendFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, BACKEND, BIN, listAll } from './lib.mjs';

const TWO_DAYS = String(2 * 86400);

function ihala(args, env = {}) {
  return new Promise((resolve) => {
    execFile(BIN, args, { env: { ...process.env, ...env }, maxBuffer: 16 << 20, timeout: 120000 }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr }),
    );
  });
}

const dueLines = (stdout, verb) =>
  stdout
    .split('\n')
    .map((l) => new RegExp(`^${verb} (\\S+) \\((\\w+)\\)$`).exec(l))
    .filter(Boolean)
    .map((m) => ({ ref: m[1], status: m[2] }));

describe(`[${BACKEND}] retention`, () => {
  let server, cm, responder, auditor;
  let closed, closedReferred, active, followUp, responderClosed;
  let dryRefs;

  before(async () => {
    server = await startServer();
    cm = await server.as('casemanager');
    responder = await server.as('responder');
    auditor = await server.as('auditor');
    const first = async (client, status) => {
      const r = await client.get('/cases', { query: { status, limit: '1' } });
      assert.equal(r.status, 200, r.text);
      assert.ok(r.json.items.length, `a demonstration case with status ${status}`);
      return r.json.items[0].ref;
    };
    closed = await first(cm, 'Closed');
    closedReferred = await first(cm, 'ClosedReferred');
    active = await first(cm, 'Active');
    followUp = await first(cm, 'FollowUp');
    responderClosed = await first(responder, 'Closed');
  });
  after(async () => {
    if (server) await server.stop();
  });

  test('--help explains the command; bad usage exits 2', async () => {
    let r = await ihala(['retention', '--help']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /usage: ihala retention run DIR \[--dry-run\]/);
    assert.match(r.stdout, /retention_closed_days/);
    r = await ihala(['retention']);
    assert.equal(r.code, 2);
    r = await ihala(['retention', 'run', server.dir, '--now']);
    assert.equal(r.code, 2);
    r = await ihala(['--help']);
    assert.match(r.stdout, /retention/);
  });

  test('with the default periods (5 years) nothing in the demonstration data is due', async () => {
    const conf = readFileSync(join(server.dir, 'ihala.conf'), 'utf8');
    assert.match(conf, /^retention_closed_days = 1825$/m);
    assert.match(conf, /^retention_active_days = 0$/m);
    const r = await ihala(['retention', 'run', server.dir], { IHALA_CLOCK_OFFSET: TWO_DAYS });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^retention: 0 cases erased$/m);
    assert.equal((await cm.get(`/cases/${closed}`)).status, 200);
  });

  test('a dry run lists the closed cases due and erases nothing', async () => {
    appendFileSync(join(server.dir, 'ihala.conf'), 'retention_closed_days = 1\nretention_closed_referred_days = 1\n');
    const r = await ihala(['retention', 'run', server.dir, '--dry-run'], { IHALA_CLOCK_OFFSET: TWO_DAYS });
    assert.equal(r.code, 0, r.stderr);
    const due = dueLines(r.stdout, 'would erase');
    dryRefs = due.map((d) => d.ref).sort();
    assert.match(r.stdout, new RegExp(`^retention: would erase ${due.length} cases$`, 'm'));
    for (const ref of [closed, closedReferred, responderClosed]) assert.ok(dryRefs.includes(ref), `${ref} is due`);
    for (const ref of [active, followUp]) assert.ok(!dryRefs.includes(ref), `${ref} is not due`);
    for (const d of due) assert.match(d.status, /^Closed(Referred)?$/);
    assert.equal((await cm.get(`/cases/${closed}`)).status, 200, 'still there after a dry run');
    assert.equal((await responder.get(`/cases/${responderClosed}`)).status, 200);
  });

  test('the run erases exactly the cases due; active cases stay', async () => {
    const r = await ihala(['retention', 'run', server.dir], { IHALA_CLOCK_OFFSET: TWO_DAYS });
    assert.equal(r.code, 0, r.stderr);
    const erased = dueLines(r.stdout, 'erased').map((d) => d.ref).sort();
    assert.deepEqual(erased, dryRefs);
    assert.match(r.stdout, new RegExp(`^retention: ${erased.length} cases erased$`, 'm'));
    assert.ok(erased.length >= 10, `${erased.length} closed demonstration cases`);

    assert.equal((await cm.get(`/cases/${closed}`)).status, 404);
    assert.equal((await cm.get(`/cases/${closedReferred}`)).status, 404);
    assert.equal((await responder.get(`/cases/${responderClosed}`)).status, 404);
    assert.equal((await cm.get(`/cases/${active}`)).status, 200);
    assert.equal((await cm.get(`/cases/${followUp}`)).status, 200);
    const left = await cm.get('/cases', { query: { status: 'Closed' } });
    assert.equal(left.status, 200);
    assert.deepEqual(left.json.items, []);
    // The blind indexes went with the data: the reference no longer finds it.
    const found = await cm.get('/cases', { query: { q: closed } });
    assert.ok(!found.json.items.some((it) => it.ref === closed && it.status !== 'Erased'));

    const again = await ihala(['retention', 'run', server.dir], { IHALA_CLOCK_OFFSET: TWO_DAYS });
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /^retention: 0 cases erased$/m);
  });

  test('each erasure and the run are audited by the system, and the chain verifies', async () => {
    const rows = await listAll(auditor, '/audit');
    const erasures = rows.filter((x) => x.action === 'case.erase');
    assert.equal(erasures.length, dryRefs.length);
    for (const x of erasures) {
      assert.equal(x.outcome, 'ok');
      assert.equal(x.actor_id, null, 'the system erased it');
    }
    const runs = rows.filter((x) => x.action === 'retention.run');
    assert.deepEqual(
      runs.map((x) => [x.object_id, x.outcome]),
      [['0', 'ok'], [String(dryRefs.length), 'ok'], ['0', 'ok']],
    );
    // No reference (let alone a name) is written to the audit log.
    for (const x of rows) assert.ok(!/^[A-Z]{2}-\d{4}-\d{5}$/.test(x.object_id || ''), JSON.stringify(x));
    const v = await ihala(['audit', 'verify', server.dir]);
    assert.equal(v.code, 0, v.stdout + v.stderr);
    assert.match(v.stdout, /^audit: \d+ rows, \d+ checkpoints: ok$/m);
  });

  test('a bad period in ihala.conf is refused', async () => {
    appendFileSync(join(server.dir, 'ihala.conf'), 'retention_active_days = -3\n');
    const r = await ihala(['retention', 'run', server.dir]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /bad value for `retention_active_days`/);
  });
});
