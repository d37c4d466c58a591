// notify.test.mjs: in-app notifications (/api/v1/notifications) and the
// optional notification e-mail. A referral from Hope Shelter to Safe Care
// Centre notifies the receiving organisation and nobody else; each user marks
// notifications read for themselves; pages follow the cursor. With an SMTP
// server configured in ihala.conf (a small one written here with node's net
// module) the organisation's notify_email receives a mail that holds the link
// and nothing about the person; a temporary refusal is retried, a permanent
// one is given up. Without smtp_url nothing is queued.

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { appendFile, writeFile, chmod } from 'node:fs/promises';
import { join } from 'node:path';
import net from 'node:net';
import { startServer, BACKEND, BIN, errCode, listAll, sleep } from './lib.mjs';

const PUBLIC_URL = 'https://ihala.test.example';
const SMTP_FROM = 'ihala@mail.test.example';
const SMTP_USER = 'ihala-notify';
const SMTP_PASSWORD = 'smtp-Secret-7731';
const SAFE_MAIL = 'alerts@safecare.example';
const HOPE_MAIL = 'duty@hope-shelter.example';
const PERSON = {
  given_name: 'زينب',
  given_name_latin: 'Zainab',
  family_name: 'القاسمي',
  family_name_latin: 'Qasimi',
};
const REASON = 'Needs a safe bed tonight after leaving the employer in Hamad Town';
const today = () => new Date().toISOString().slice(0, 10);

function assertError(r, status, code, field) {
  assert.equal(r.status, status, `status; body: ${r.text}`);
  assert.equal(errCode(r), code, `error code; body: ${r.text}`);
  if (field !== undefined) assert.ok((r.json.error.fields || {})[field], `fields.${field} in ${r.text}`);
}

async function waitFor(what, fn, ms = 20000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

// A small SMTP server: enough of RFC 5321 for libcurl (EHLO/HELO, AUTH PLAIN,
// MAIL FROM, RCPT TO, DATA, RSET, NOOP, QUIT). `plan[address]` holds replies to
// give to the next RCPT commands for that address instead of 250 (refusals).
function startSmtp() {
  const smtp = { messages: [], rcptTries: [], auths: [], plan: {}, sockets: new Set(), port: 0 };
  const server = net.createServer((sock) => {
    smtp.sockets.add(sock);
    sock.on('close', () => smtp.sockets.delete(sock));
    sock.on('error', () => {});
    sock.setEncoding('utf8');
    let buf = '';
    let inData = false;
    let authPending = false;
    let cur = null;
    const reply = (s) => sock.write(s + '\r\n');
    const command = (line) => {
      const verb = line.split(' ')[0].toUpperCase();
      if (authPending) {
        authPending = false;
        smtp.auths.push(Buffer.from(line, 'base64').toString('utf8'));
        return reply('235 2.7.0 accepted');
      }
      if (verb === 'EHLO') return reply('250-smtp.test greets you\r\n250-AUTH PLAIN\r\n250 SIZE 1000000');
      if (verb === 'HELO') return reply('250 smtp.test');
      if (verb === 'AUTH') {
        const parts = line.split(' ');
        if ((parts[1] || '').toUpperCase() !== 'PLAIN') return reply('504 5.5.4 unknown mechanism');
        if (parts[2]) {
          smtp.auths.push(Buffer.from(parts[2], 'base64').toString('utf8'));
          return reply('235 2.7.0 accepted');
        }
        authPending = true;
        return reply('334 ');
      }
      if (verb === 'MAIL') {
        const m = /^MAIL FROM:\s*<([^>]*)>/i.exec(line);
        cur = { from: m ? m[1] : null, rcpt: [] };
        return reply('250 2.1.0 ok');
      }
      if (verb === 'RCPT') {
        const m = /^RCPT TO:\s*<([^>]*)>/i.exec(line);
        const to = m ? m[1] : null;
        const answer = (smtp.plan[to] || []).shift() || '250 2.1.5 ok';
        smtp.rcptTries.push({ to, answer });
        if (answer.startsWith('250') && cur) cur.rcpt.push(to);
        return reply(answer);
      }
      if (verb === 'DATA') {
        if (!cur || !cur.rcpt.length) return reply('503 5.5.1 no recipients');
        inData = true;
        return reply('354 end with .');
      }
      if (verb === 'RSET') {
        cur = null;
        return reply('250 2.0.0 ok');
      }
      if (verb === 'NOOP') return reply('250 2.0.0 ok');
      if (verb === 'QUIT') {
        reply('221 2.0.0 bye');
        return sock.end();
      }
      return reply('502 5.5.2 not implemented');
    };
    sock.on('data', (chunk) => {
      buf += chunk;
      for (;;) {
        if (inData) {
          const end = buf.indexOf('\r\n.\r\n');
          if (end < 0) return;
          cur.data = buf.slice(0, end + 2);
          buf = buf.slice(end + 5);
          inData = false;
          smtp.messages.push(cur);
          cur = null;
          reply('250 2.0.0 queued');
          continue;
        }
        const i = buf.indexOf('\r\n');
        if (i < 0) return;
        const line = buf.slice(0, i);
        buf = buf.slice(i + 2);
        command(line);
      }
    });
    reply('220 smtp.test ESMTP');
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      smtp.port = server.address().port;
      smtp.close = () =>
        new Promise((r) => {
          for (const s of smtp.sockets) s.destroy();
          server.close(() => r());
        });
      resolve(smtp);
    });
  });
}

// Headers (lower-case names, folded lines joined) and the decoded text of a mail.
function parseMail(raw) {
  const split = raw.indexOf('\r\n\r\n');
  assert.ok(split > 0, 'a header block');
  const headers = {};
  for (const line of raw.slice(0, split).replace(/\r\n[ \t]+/g, ' ').split('\r\n')) {
    const i = line.indexOf(':');
    headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  assert.match(headers['content-transfer-encoding'] || '', /base64/i);
  const text = Buffer.from(raw.slice(split + 4).replace(/\s+/g, ''), 'base64').toString('utf8');
  const words = [...(headers.subject || '').matchAll(/=\?UTF-8\?B\?([^?]*)\?=/gi)];
  const subject = Buffer.concat(words.map((m) => Buffer.from(m[1], 'base64'))).toString('utf8');
  return { headers, text, subject };
}

// The outbox rows ("state rcpt kind"), read from the database itself.
function outboxRows(server) {
  const sql = "SELECT state || ' ' || rcpt || ' ' || kind FROM mail_outbox ORDER BY created_at";
  const r =
    BACKEND === 'sqlite'
      ? spawnSync('sqlite3', [join(server.dir, 'ihala.db'), sql], { encoding: 'utf8' })
      : spawnSync('psql', [server.pg.conninfo, '-Atc', sql], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.split('\n').filter(Boolean);
}

// Stop the server process (keeping its data), change ihala.conf, start again.
async function restartWith(server, lines) {
  server.proc.kill('SIGTERM');
  await server.exited;
  await appendFile(join(server.dir, 'ihala.conf'), lines.join('\n') + '\n');
  await server.start();
}

async function orgIds(server) {
  const admin = await server.adminSetup();
  const orgs = await listAll(admin, '/orgs');
  const id = (name) => {
    const o = orgs.find((x) => x.name_en === name);
    assert.ok(o, `demo organisation ${name}`);
    return o.id;
  };
  return { admin, safe: id('Safe Care Centre'), hope: id('Hope Shelter') };
}

const entry = (extra = {}) => ({
  services: ['Accommodation', 'Psychological'],
  regions: ['Capital Governorate'],
  languages: ['ar', 'en'],
  accepts: ['women', 'children'],
  accepting: true,
  ...extra,
});

// A case of casemanager's organisation with consent to domestic referral.
async function caseWithConsent(cm) {
  const schema = (await cm.get('/schema')).json;
  const purpose = schema.entities.find((e) => e.name === 'case').fields.find((f) => f.key === 'purpose').choices[0].value;
  let r = await cm.post('/cases', { person: PERSON, case: { status: 'Active', purpose } });
  assert.equal(r.status, 201, r.text);
  const ref = r.json.ref;
  r = await cm.post(`/cases/${ref}/consents`, { purpose: 'domestic_referral', given: true, date: today() });
  assert.equal(r.status, 201, r.text);
  return ref;
}

async function refer(cm, ref, toOrg) {
  const r = await cm.post('/referrals', {
    case: ref,
    to_org: toOrg,
    services: ['Accommodation'],
    urgency: 'urgent',
    reason: REASON,
    profile: 'shelter',
  });
  assert.equal(r.status, 201, r.text);
  return r.json;
}

describe(`[${BACKEND}] notifications and their e-mail`, () => {
  let server, smtp, org, c;
  let ref, referral, sentNote;

  before(async () => {
    smtp = await startSmtp();
    server = await startServer({ env: { IHALA_SMTP_RETRY: '1' } });
    await writeFile(join(server.dir, 'smtp.password'), SMTP_PASSWORD + '\n', { mode: 0o600 });
    await restartWith(server, [
      `smtp_url = smtp://127.0.0.1:${smtp.port}`,
      `smtp_from = ${SMTP_FROM}`,
      `smtp_user = ${SMTP_USER}`,
      'smtp_password_file = smtp.password',
      `public_url = ${PUBLIC_URL}/`,
    ]);
    org = await orgIds(server);
    c = {};
    for (const u of ['casemanager', 'provider', 'shelter', 'responder', 'coordinator']) c[u] = await server.as(u);
  });
  after(async () => {
    if (server) await server.stop();
    if (smtp) await smtp.close();
  });

  test('an organisation keeps a notification address that only its editors see', async () => {
    let r = await c.shelter.put(`/services/${org.safe}`, entry({ notify_email: SAFE_MAIL }));
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.notify_email, SAFE_MAIL);
    // Those with directory.write over Safe Care see it; another organisation's case manager does not.
    assert.equal((await c.shelter.get(`/services/${org.safe}`)).json.notify_email, SAFE_MAIL);
    assert.equal((await c.coordinator.get(`/services/${org.safe}`)).json.notify_email, SAFE_MAIL);
    r = await c.casemanager.get(`/services/${org.safe}`);
    assert.equal(r.status, 200);
    assert.ok(!('notify_email' in r.json), r.text);
    const listed = (await c.casemanager.get('/services')).json.items.find((e) => e.org_id === org.safe);
    assert.ok(listed && !('notify_email' in listed), 'not in the search results either');
    // A PUT without the field keeps it.
    r = await c.shelter.put(`/services/${org.safe}`, entry());
    assert.equal(r.json.notify_email, SAFE_MAIL);
    // Hope Shelter's own address, set by its case manager.
    r = await c.casemanager.put(`/services/${org.hope}`, entry({ notify_email: HOPE_MAIL }));
    assert.equal(r.status, 200, r.text);
  });

  test('a bad notification address is refused with its field', async () => {
    for (const bad of ['not an address', 'a@b', '@safecare.example', 'x@safecare.example\r\nBcc: y@evil.example',
      'x..y@safecare.example', 'x@-safecare.example', '<x@safecare.example>', 'x@safecare.example,y@evil.example'])
      assertError(await c.shelter.put(`/services/${org.safe}`, entry({ notify_email: bad })), 400, 'invalid', 'notify_email');
    assertError(await c.shelter.put(`/services/${org.safe}`, entry({ notify_email: 'a'.repeat(400) + '@x.example' })),
      400, 'too_long', 'notify_email');
    // Still the old address.
    assert.equal((await c.shelter.get(`/services/${org.safe}`)).json.notify_email, SAFE_MAIL);
  });

  test('a referral notifies the receiving organisation, and no other', async () => {
    ref = await caseWithConsent(c.casemanager);
    referral = await refer(c.casemanager, ref, org.safe);
    const r = await c.shelter.get('/notifications');
    assert.equal(r.status, 200, r.text);
    sentNote = r.json.items.find((n) => n.object_id === referral.id);
    assert.ok(sentNote, r.text);
    assert.deepEqual(Object.keys(sentNote).sort(), ['case_ref', 'created_at', 'id', 'kind', 'object_id', 'object_type', 'read']);
    assert.equal(sentNote.kind, 'referral.sent');
    assert.equal(sentNote.object_type, 'referral');
    assert.equal(sentNote.case_ref, ref);
    assert.equal(sentNote.read, false);
    assert.ok(Math.abs(sentNote.created_at - Date.now() / 1000) < 120);
    assert.equal(r.json.unread, 1);
    assert.equal(r.json.next_cursor, null);
    // Not for the sender's organisation, not for the police.
    for (const u of ['casemanager', 'provider', 'responder', 'coordinator']) {
      const other = await c[u].get('/notifications');
      assert.equal(other.status, 200);
      assert.ok(!other.json.items.some((n) => n.id === sentNote.id), `${u} does not see it`);
      assert.equal(other.json.unread, 0, u);
    }
    assertError(await server.client().get('/notifications'), 401, 'unauthenticated');
  });

  test('marking read is per user, ignores other organisations and is audited', async () => {
    // Safe Care acknowledges: Hope Shelter (the sender) is notified.
    let r = await c.shelter.post(`/referrals/${referral.id}/transitions`, { to: 'acknowledged', version: referral.version });
    assert.equal(r.status, 200, r.text);
    const hopeNote = (await c.casemanager.get('/notifications')).json.items.find((n) => n.kind === 'referral.acknowledged');
    assert.ok(hopeNote, 'the sender is told');
    assert.equal(hopeNote.object_id, referral.id);
    assert.ok(!(await c.shelter.get('/notifications')).json.items.some((n) => n.id === hopeNote.id));

    // The case manager marks it read; the provider of the same organisation still has it unread.
    r = await c.casemanager.post('/notifications/read', { ids: [hopeNote.id] });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json, { marked: 1, unread: 0 });
    r = await c.casemanager.post('/notifications/read', { ids: [hopeNote.id] });
    assert.deepEqual(r.json, { marked: 0, unread: 0 }, 'a second mark changes nothing');
    assert.equal((await c.casemanager.get('/notifications')).json.items.find((n) => n.id === hopeNote.id).read, true);
    assert.deepEqual((await c.casemanager.get('/notifications', { query: { unread: '1' } })).json.items, []);
    const prov = (await c.provider.get('/notifications')).json;
    assert.equal(prov.items.find((n) => n.id === hopeNote.id).read, false);
    assert.equal(prov.unread, 1);

    // An id of another organisation is ignored: nothing marked, nothing revealed.
    r = await c.casemanager.post('/notifications/read', { ids: [sentNote.id, 'f'.repeat(32)] });
    assert.deepEqual(r.json, { marked: 0, unread: 0 });
    assert.equal((await c.shelter.get('/notifications')).json.items.find((n) => n.id === sentNote.id).read, false);

    // The receiver marks its own.
    r = await c.shelter.post('/notifications/read', { ids: [sentNote.id] });
    assert.deepEqual(r.json, { marked: 1, unread: 0 });
    // All at once, for the provider.
    r = await c.provider.post('/notifications/read', { all: true });
    assert.deepEqual(r.json, { marked: 1, unread: 0 });

    const auditor = await server.as('auditor');
    const log = await listAll(auditor, '/audit');
    assert.ok(log.some((x) => x.action === 'notification.read' && x.object_id === sentNote.id), 'mark-read audited');
    assert.ok(log.some((x) => x.action === 'notification.read' && x.object_id === 'all'), 'mark-all audited');
  });

  test('bad mark-read requests and bad list parameters answer 400', async () => {
    assertError(await c.shelter.post('/notifications/read', {}), 400, 'missing_field', 'ids');
    assertError(await c.shelter.post('/notifications/read', { ids: ['nope'] }), 400, 'invalid', 'ids[0]');
    assertError(await c.shelter.post('/notifications/read', { ids: [sentNote.id.toUpperCase()] }), 400, 'invalid', 'ids[0]');
    assertError(await c.shelter.post('/notifications/read', { ids: [] }), 400, 'invalid', 'ids');
    assertError(await c.shelter.post('/notifications/read', { ids: Array(65).fill(sentNote.id) }), 400, 'too_long', 'ids');
    assertError(await c.shelter.post('/notifications/read', { all: false }), 400, 'invalid', 'all');
    assertError(await c.shelter.post('/notifications/read', { all: true, ids: [sentNote.id] }), 400, 'invalid', 'all');
    assertError(await c.shelter.post('/notifications/read', { all: 'yes' }), 400, 'wrong_type', 'all');
    assertError(await c.shelter.post('/notifications/read', { every: true }), 400, 'unknown_field');
    assertError(await c.shelter.post('/notifications/read', { all: true }, { csrf: false }), 403, 'csrf');
    assertError(await c.shelter.get('/notifications', { query: { unread: '2' } }), 400, 'invalid', 'unread');
    assertError(await c.shelter.get('/notifications', { query: { cursor: 'garbage' } }), 400, 'invalid', 'cursor');
    assertError(await c.shelter.get('/notifications', { query: { cursor: `1:${'g'.repeat(32)}` } }), 400, 'invalid', 'cursor');
    assertError(await c.shelter.get('/notifications', { query: { limit: '0' } }), 400, 'invalid', 'limit');
  });

  test('pages come newest first and the cursor visits each notification once', async () => {
    // More events for Hope Shelter: accepted, then in service.
    let cur = (await c.shelter.get(`/referrals/${referral.id}`)).json;
    for (const step of [{ to: 'accepted', planned_start: today() }, { to: 'in_service' }]) {
      const r = await c.shelter.post(`/referrals/${referral.id}/transitions`, { ...step, version: cur.version });
      assert.equal(r.status, 200, r.text);
      cur = r.json;
    }
    const all = (await c.casemanager.get('/notifications', { query: { limit: '200' } })).json;
    const kinds = all.items.map((n) => n.kind).sort();
    assert.deepEqual(kinds, ['referral.accepted', 'referral.acknowledged', 'referral.in_service'], JSON.stringify(all));
    for (let i = 1; i < all.items.length; i++)
      assert.ok(all.items[i - 1].created_at >= all.items[i].created_at, 'newest first');
    assert.equal(all.unread, all.items.filter((n) => !n.read).length);
    const paged = [];
    let cursor = null;
    for (let i = 0; i < 20; i++) {
      const q = { limit: '1' };
      if (cursor) q.cursor = cursor;
      const r = await c.casemanager.get('/notifications', { query: q });
      assert.equal(r.status, 200, r.text);
      assert.ok(r.json.items.length <= 1);
      paged.push(...r.json.items);
      cursor = r.json.next_cursor;
      if (!cursor) break;
    }
    assert.deepEqual(paged.map((n) => n.id), all.items.map((n) => n.id));
    const unread = (await c.casemanager.get('/notifications', { query: { unread: '1' } })).json;
    assert.ok(unread.items.length >= 2 && unread.items.every((n) => !n.read));
    assert.equal(unread.unread, unread.items.length);
  });

  test('the receiving organisation gets a mail with the link and nothing about the person', async () => {
    const msg = await waitFor('the mail to Safe Care', () => smtp.messages.find((m) => m.rcpt.includes(SAFE_MAIL)));
    assert.equal(msg.from, SMTP_FROM);
    assert.deepEqual(msg.rcpt, [SAFE_MAIL]);
    assert.ok(smtp.auths.includes(`\0${SMTP_USER}\0${SMTP_PASSWORD}`), 'logged in with the password from the file');
    const { headers, text, subject } = parseMail(msg.data);
    assert.equal(headers.to, `<${SAFE_MAIL}>`);
    assert.equal(headers.from, `<${SMTP_FROM}>`);
    assert.match(headers['content-type'], /text\/plain; charset=UTF-8/i);
    assert.match(subject, /ihala/);
    assert.ok(text.includes(`${PUBLIC_URL}/#/notifications`), text);
    assert.ok(!text.includes(`${PUBLIC_URL}//`), 'the trailing slash of public_url is not doubled');
    assert.ok(text.includes('A referral was sent to your organisation.'), text);
    assert.ok(text.includes('أُرسلت إحالة إلى منظمتكم'), text);
    const whole = msg.data + text + subject;
    for (const secret of [ref, referral.id, PERSON.given_name, PERSON.given_name_latin, PERSON.family_name,
      PERSON.family_name_latin, REASON, 'Hamad Town', org.safe, org.hope])
      assert.ok(!whole.includes(secret), `the mail does not hold ${secret}`);
    // Neither does the queued row.
    // The row is marked sent once the server has answered (just after the message arrived here).
    const rows = await waitFor('the row marked sent', () => {
      const all = outboxRows(server);
      return all.includes(`sent ${SAFE_MAIL} referral.sent`) && all;
    });
    for (const row of rows) assert.ok(!row.includes(ref) && !row.includes(referral.id), row);
    // The sender's organisation was mailed for the acknowledgement, in its own words.
    const hope = await waitFor('the mail to Hope Shelter', () =>
      smtp.messages.find((m) => m.rcpt.includes(HOPE_MAIL) && parseMail(m.data).text.includes('was acknowledged')));
    assert.ok(!parseMail(hope.data).text.includes(ref));
  });

  test('a temporary refusal is retried, a permanent one is given up', async () => {
    // 451 for the next recipient: the sender tries again after the (shortened) delay.
    const before = smtp.messages.length;
    smtp.plan[SAFE_MAIL] = ['451 4.3.0 try again later'];
    const ref2 = await caseWithConsent(c.casemanager);
    await refer(c.casemanager, ref2, org.safe);
    const msg = await waitFor('the retried mail', () => smtp.messages.slice(before).find((m) => m.rcpt.includes(SAFE_MAIL)));
    assert.ok(msg);
    const tries = smtp.rcptTries.filter((t) => t.to === SAFE_MAIL);
    assert.ok(tries.some((t) => t.answer.startsWith('451')), 'refused once');
    assert.match(server.stderr, /mail not sent, will retry/);

    // 550: permanent, no further tries.
    smtp.plan[SAFE_MAIL] = ['550 5.1.1 no such mailbox'];
    const n = smtp.rcptTries.filter((t) => t.to === SAFE_MAIL).length;
    const ref3 = await caseWithConsent(c.casemanager);
    await refer(c.casemanager, ref3, org.safe);
    const safeTries = () => smtp.rcptTries.filter((t) => t.to === SAFE_MAIL).length;
    await waitFor('the refusal', () => safeTries() > n);
    await waitFor('the give-up log line', () => /mail not sent, giving up/.test(server.stderr));
    await sleep(3500); // longer than the first retry delay
    assert.equal(safeTries(), n + 1, 'not tried again');
    const rows = outboxRows(server);
    assert.deepEqual(rows.filter((row) => row.startsWith('failed ')), [`failed ${SAFE_MAIL} referral.sent`], rows.join('\n'));
    assert.ok(!/Zainab|Qasimi/.test(server.stderr), 'no name in the log');
  });

  test('an organisation that clears its address gets no more mail', async () => {
    const r = await c.shelter.put(`/services/${org.safe}`, entry({ notify_email: '' }));
    assert.equal(r.status, 200, r.text);
    assert.ok(!('notify_email' in r.json), r.text);
    const safeRows = () => outboxRows(server).filter((row) => row.includes(SAFE_MAIL)).length;
    const before = safeRows();
    const ref4 = await caseWithConsent(c.casemanager);
    const ref4Referral = await refer(c.casemanager, ref4, org.safe);
    // The notification is there, and the mail would have been queued in the same transaction.
    assert.ok((await c.shelter.get('/notifications')).json.items.some((n) => n.object_id === ref4Referral.id));
    assert.equal(safeRows(), before);
  });
});

describe(`[${BACKEND}] notifications without e-mail`, () => {
  let server, org, cm, shelter;

  before(async () => {
    server = await startServer();
    org = await orgIds(server);
    cm = await server.as('casemanager');
    shelter = await server.as('shelter');
  });
  after(async () => {
    if (server) await server.stop();
  });

  test('with no smtp_url a notification is shown but no mail is queued', async () => {
    const r = await shelter.put(`/services/${org.safe}`, entry({ notify_email: SAFE_MAIL }));
    assert.equal(r.status, 200, r.text);
    const ref = await caseWithConsent(cm);
    const referral = await refer(cm, ref, org.safe);
    const list = (await shelter.get('/notifications')).json;
    assert.ok(list.items.some((n) => n.object_id === referral.id && n.kind === 'referral.sent'));
    assert.deepEqual(outboxRows(server), []);
  });

  test('serve refuses a password file that others may read', async () => {
    server.proc.kill('SIGTERM');
    await server.exited;
    const pw = join(server.dir, 'smtp.password');
    await writeFile(pw, SMTP_PASSWORD + '\n');
    await chmod(pw, 0o644);
    await appendFile(join(server.dir, 'ihala.conf'), [
      'smtp_url = smtp://127.0.0.1:2525',
      `smtp_from = ${SMTP_FROM}`,
      `smtp_user = ${SMTP_USER}`,
      'smtp_password_file = smtp.password',
      `public_url = ${PUBLIC_URL}`,
    ].join('\n') + '\n');
    const run = spawnSync(BIN, ['serve', server.dir, '--listen', '127.0.0.1:0', ...server.dbArgs],
      { env: server.env, encoding: 'utf8', timeout: 30000 });
    assert.equal(run.status, 1, run.stderr);
    assert.match(run.stderr, /smtp_password_file .*chmod 600/);
    assert.ok(!run.stderr.includes(SMTP_PASSWORD));
    // The password itself in ihala.conf is not a key at all.
    await chmod(pw, 0o600);
    await appendFile(join(server.dir, 'ihala.conf'), `smtp_password = ${SMTP_PASSWORD}\n`);
    const again = spawnSync(BIN, ['serve', server.dir, '--listen', '127.0.0.1:0', ...server.dbArgs],
      { env: server.env, encoding: 'utf8', timeout: 30000 });
    assert.equal(again.status, 1, again.stderr);
    assert.match(again.stderr, /unknown key `smtp_password`/);
  });
});
