// decisions.test.mjs: identification decisions on a case: who may decide,
// the path possible -> presumed -> identified with its history and the
// case's trafficking status, the transitions and the optimistic check that
// are refused, bad input, reasons never in clear, deadlines from the
// configured periods, the work list and who sees what on it, and erasure.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, BACKEND, errCode, listAll, STRONG, storedBytes } from './lib.mjs';

const DAY = 86400000;
// A date n days from today (UTC), as the server counts days.
const day = (n) => new Date(Date.now() + n * DAY).toISOString().slice(0, 10);

const REASONS = {
  presumed: 'Passport held by the employer in Riffa; wages unpaid for seven months',
  identified: 'Labour inspection confirmed debt bondage at the Sitra workshop',
  revoked: 'On review the recruiter in Muharraq was a legitimate agency',
};

describe(`[${BACKEND}] identification decisions`, () => {
  let server, authority, cm, responder, coordinator, analyst, auditor, provider, admin;
  let purpose, policeOrg, shelterOrg;

  // A case in the caller's organisation.
  async function newCase(client, name = 'Decision Test') {
    const r = await client.post('/cases', { person: { given_name_latin: name }, case: { status: 'Active', purpose } });
    assert.equal(r.status, 201, r.text);
    return r.json.ref;
  }
  const decide = (ref, body, client = authority) => client.post(`/cases/${ref}/decisions`, body);
  async function decideOk(ref, body) {
    const r = await decide(ref, body);
    assert.equal(r.status, 201, r.text);
    return r.json;
  }
  const decisions = async (ref, client = authority) => {
    const r = await client.get(`/cases/${ref}/decisions`);
    assert.equal(r.status, 200, r.text);
    return r.json;
  };
  const worklist = (client) => listAll(client, '/worklist');

  // Stop the server, add lines to its ihala.conf, start it again (sessions live in the database).
  async function restartWith(lines) {
    server.proc.kill('SIGTERM');
    await server.exited;
    appendFileSync(join(server.dir, 'ihala.conf'), lines);
    await server.start();
  }

  before(async () => {
    server = await startServer();
    admin = await server.adminSetup();
    authority = await server.as('authority');
    cm = await server.as('casemanager');
    responder = await server.as('responder');
    coordinator = await server.as('coordinator');
    analyst = await server.as('analyst');
    auditor = await server.as('auditor');
    provider = await server.as('provider');
    const schema = (await authority.get('/schema')).json;
    purpose = schema.entities.find((e) => e.name === 'case').fields.find((f) => f.key === 'purpose').choices[0].value;
    policeOrg = (await authority.get('/me')).json.org;
    shelterOrg = (await cm.get('/me')).json.org;
    assert.equal(policeOrg.type, 'LawEnforcement');
    assert.notEqual(policeOrg.id, shelterOrg.id);
  });
  after(async () => {
    if (server) await server.stop();
  });

  test('only a competent authority may decide, and only on its own organisation\'s cases', async () => {
    const ref = await newCase(authority);
    const body = { status: 'possible', date: day(0) };
    for (const [who, c] of Object.entries({ cm, responder, coordinator, admin, analyst, auditor, provider })) {
      const r = await decide(ref, body, c);
      assert.equal(r.status, 403, `${who}: ${r.text}`);
      assert.equal(errCode(r), 'forbidden');
    }
    const shelterCase = await newCase(cm, 'Shelter Case');
    let r = await decide(shelterCase, body);
    assert.equal(r.status, 404, r.text);
    assert.equal(errCode(r), 'not_found');
    assert.equal((await authority.get(`/cases/${shelterCase}/decisions`)).status, 404);
    assert.equal((await decide('BH-1999-99999', body)).status, 404);
    // Nothing was recorded by the refused calls.
    assert.deepEqual((await decisions(ref)).items, []);
    assert.deepEqual((await decisions(shelterCase, cm)).items, []);
    // Reading needs case.read on the case: the coordinator has none, the other organisation gets 404.
    assert.equal((await coordinator.get(`/cases/${ref}/decisions`)).status, 403);
    assert.equal((await cm.get(`/cases/${ref}/decisions`)).status, 404);
    r = await decide(ref, body);
    assert.equal(r.status, 201, r.text);
  });

  test('possible -> presumed -> identified: the history stays and the case follows', async () => {
    const ref = await newCase(authority);
    const first = await decideOk(ref, { status: 'possible', date: day(-10) });
    assert.match(first.id, /^[0-9a-f]{32}$/);
    assert.equal(first.status, 'possible');
    assert.equal(first.date, day(-10));
    assert.equal(first.reasons, null);
    assert.equal(first.supersedes, null);
    assert.equal(first.superseded, false);
    assert.equal(first.org_id, policeOrg.id);
    assert.equal(first.org_name, policeOrg.name_en);
    assert.equal(first.decided_by_type, 'Police', 'derived from the LawEnforcement organisation');
    assert.deepEqual(first.screenings, []);
    const me = (await authority.get('/me')).json;
    assert.equal(first.recorded_by, me.id);
    assert.ok(Math.abs(first.recorded_at - Date.now() / 1000) < 120);

    let c = (await authority.get(`/cases/${ref}`)).json;
    assert.equal(c.victim.trafficking_status, 'PossibleVictimOfTrafficking');
    assert.equal(c.victim.status_decision_date, day(-10));

    const second = await decideOk(ref, { status: 'presumed', date: day(-8), reasons: REASONS.presumed, supersedes: first.id });
    assert.equal(second.supersedes, first.id);
    assert.equal(second.reasons, REASONS.presumed);
    c = (await authority.get(`/cases/${ref}`)).json;
    assert.equal(c.victim.trafficking_status, 'PossibleVictimOfTrafficking');
    assert.equal(c.victim.status_decision_date, day(-8));

    const third = await decideOk(ref, {
      status: 'identified', date: day(-2), reasons: REASONS.identified, decided_by_type: 'CourtOrProsecution',
    });
    assert.equal(third.supersedes, second.id, 'supersedes the current decision even when the body does not say');
    assert.equal(third.decided_by_type, 'CourtOrProsecution');
    c = (await authority.get(`/cases/${ref}`)).json;
    assert.equal(c.victim.trafficking_status, 'ActualVictimOfTrafficking');
    assert.equal(c.victim.status_decided_by, 'CourtOrProsecution');
    assert.equal(c.victim.status_decision_date, day(-2));

    const list = await decisions(ref);
    assert.deepEqual(list.items.map((d) => d.status), ['identified', 'presumed', 'possible']);
    assert.deepEqual(list.items.map((d) => d.superseded), [false, true, true]);
    assert.deepEqual(list.items.map((d) => d.reasons), [REASONS.identified, REASONS.presumed, null]);
    assert.equal(list.current.id, third.id);
    for (const k of ['id', 'status', 'org_id', 'org_name', 'decided_by_type', 'date', 'reasons', 'screenings',
      'recorded_by', 'recorded_at', 'supersedes', 'superseded'])
      assert.ok(k in list.current, `a decision has ${k}`);
    // The responder of the same organisation reads only the cases it recorded: this one is out of reach.
    assert.equal((await responder.get(`/cases/${ref}/decisions`)).status, 404);

    // Revoked on review, then presumed again on a second review.
    const revoked = await decideOk(ref, { status: 'not_a_victim', date: day(-1), reasons: REASONS.revoked, supersedes: third.id });
    c = (await authority.get(`/cases/${ref}`)).json;
    assert.equal(c.victim.trafficking_status, 'NotAVictimOfTrafficking');
    const again = await decideOk(ref, { status: 'presumed', date: day(0), reasons: 'Second review: new evidence', supersedes: revoked.id });
    assert.equal((await decisions(ref)).current.id, again.id);
    assert.equal((await decisions(ref)).items.length, 5);

    const log = await listAll(auditor, '/audit');
    assert.ok(log.filter((x) => x.action === 'identification.decide').length >= 5, 'each decision is audited');
  });

  test('a transition the rules do not allow answers 409 illegal_transition', async () => {
    const ref = await newCase(authority);
    let r = await decide(ref, { status: 'identified', date: day(0), reasons: 'Straight to conclusive' });
    assert.equal(r.status, 409, r.text);
    assert.equal(errCode(r), 'illegal_transition');
    await decideOk(ref, { status: 'possible', date: day(0) });
    for (const status of ['possible', 'identified']) {
      r = await decide(ref, { status, date: day(0), reasons: 'Not allowed from possible' });
      assert.equal(r.status, 409, `${status}: ${r.text}`);
      assert.equal(errCode(r), 'illegal_transition');
    }
    await decideOk(ref, { status: 'presumed', date: day(0), reasons: 'Grounds' });
    r = await decide(ref, { status: 'possible', date: day(0) });
    assert.equal(r.status, 409);
    await decideOk(ref, { status: 'identified', date: day(0), reasons: 'Conclusive' });
    for (const status of ['possible', 'presumed', 'identified']) {
      r = await decide(ref, { status, date: day(0), reasons: 'Not from identified' });
      assert.equal(r.status, 409, `${status}: ${r.text}`);
    }
    // A refused decision changes nothing.
    const list = await decisions(ref);
    assert.deepEqual(list.items.map((d) => d.status), ['identified', 'presumed', 'possible']);
    assert.equal((await authority.get(`/cases/${ref}`)).json.victim.trafficking_status, 'ActualVictimOfTrafficking');
  });

  test('a decision based on a stale current decision answers 409 stale_decision', async () => {
    const ref = await newCase(authority);
    let r = await decide(ref, { status: 'possible', date: day(0), supersedes: 'f'.repeat(32) });
    assert.equal(r.status, 409, r.text);
    assert.equal(errCode(r), 'stale_decision', 'nothing to supersede yet');
    const first = await decideOk(ref, { status: 'possible', date: day(0) });
    const second = await decideOk(ref, { status: 'presumed', date: day(0), reasons: 'Grounds', supersedes: first.id });
    // Someone who still sees the first decision as current.
    r = await decide(ref, { status: 'not_a_victim', date: day(0), reasons: 'Based on an old view', supersedes: first.id });
    assert.equal(r.status, 409, r.text);
    assert.equal(errCode(r), 'stale_decision');
    assert.equal((await decisions(ref)).current.id, second.id);
  });

  test('bad input answers 400 with the field at fault', async () => {
    const ref = await newCase(authority);
    const cases = [
      [{ status: 'presumed', date: day(0) }, 'reasons', 'missing_field'],
      [{ status: 'not_a_victim', date: day(0), reasons: '   ' }, 'reasons', 'missing_field'],
      [{ status: 'presumed', date: day(0), reasons: 'x'.repeat(10001) }, 'reasons', 'too_long'],
      [{ status: 'possible', date: '2026-02-30' }, 'date', 'invalid'],
      [{ status: 'possible', date: '12/01/2026' }, 'date', 'invalid'],
      [{ status: 'possible', date: day(2) }, 'date', 'future_date'],
      [{ status: 'possible' }, 'date', 'missing_field'],
      [{ status: 'suspected', date: day(0) }, 'status', 'invalid'],
      [{ date: day(0) }, 'status', 'missing_field'],
      [{ status: 'possible', date: day(0), decided_by_type: 'Army' }, 'decided_by_type', 'invalid'],
      [{ status: 'possible', date: day(0), screenings: ['0'.repeat(32)] }, 'screenings', 'invalid'],
      [{ status: 'possible', date: day(0), screenings: ['not-an-id'] }, 'screenings', 'invalid'],
      [{ status: 'possible', date: day(0), colour: 'red' }, 'colour', 'unknown_field'],
    ];
    for (const [body, field, code] of cases) {
      const r = await decide(ref, body);
      assert.equal(r.status, 400, `${JSON.stringify(body).slice(0, 80)}: ${r.text}`);
      assert.equal(errCode(r), code, r.text);
      assert.ok(field in r.json.error.fields, `field ${field}: ${r.text}`);
    }
    // A decision may not be dated before the one it follows.
    await decideOk(ref, { status: 'possible', date: day(-3) });
    const r = await decide(ref, { status: 'presumed', date: day(-4), reasons: 'Back-dated' });
    assert.equal(r.status, 400, r.text);
    assert.equal(errCode(r), 'date_before_previous');
    assert.ok('date' in r.json.error.fields);
    assert.equal((await decisions(ref)).items.length, 1);
  });

  test('screenings relied on must be attached to the same case', async () => {
    const set = await authority.get('/screening/sets/adult-labour');
    assert.equal(set.status, 200, set.text);
    const answers = Object.fromEntries(set.json.indicators.map((i) => [i.id, 'yes']));
    const ref = await newCase(authority);
    const other = await newCase(authority, 'Other Case');
    const mk = async (caseRef) => {
      const r = await authority.post('/screenings', { set: 'adult-labour', answers, case: caseRef });
      assert.equal(r.status, 201, r.text);
      assert.equal(r.json.assessment, 'likely_victim');
      return r.json.id;
    };
    const own = await mk(ref);
    const foreign = await mk(other);
    let r = await decide(ref, { status: 'possible', date: day(0), screenings: [foreign] });
    assert.equal(r.status, 400, r.text);
    assert.ok('screenings' in r.json.error.fields);
    r = await decide(ref, { status: 'possible', date: day(0), screenings: [own, own] });
    assert.equal(r.status, 400, 'the same screening twice');
    const d = await decideOk(ref, { status: 'possible', date: day(0), screenings: [own] });
    assert.deepEqual(d.screenings, [own]);
    assert.deepEqual((await decisions(ref)).current.screenings, [own]);

    // The screening started the clock: today, so the reasonable-grounds decision is due in 5 days (default).
    const dl = (await decisions(other)).deadlines;
    assert.equal(dl.clock_start, day(0));
    assert.equal(dl.reasonable_grounds_due, day(5));
    assert.deepEqual(dl.overdue, []);
    // The earliest start counts: a possible decision dated before the screening.
    await decideOk(other, { status: 'possible', date: day(-2) });
    assert.equal((await decisions(other)).deadlines.clock_start, day(-2));
  });

  test('the reasons are never stored in clear', async () => {
    const haystack = storedBytes(server);
    assert.ok(haystack.length > 0);
    for (const n of ['Riffa', 'seven months', 'debt bondage', 'Sitra', 'Muharraq', 'new evidence'])
      assert.equal(haystack.indexOf(Buffer.from(n)), -1, `"${n}" found in the database`);
  });

  describe('deadlines and the work list', () => {
    let rgOverdue, rgSoon, conclusiveOverdue, reflecting, done, shelterCase;

    before(async () => {
      // Reasonable grounds due 5 days after a possible decision of 10 days ago: 5 days overdue.
      rgOverdue = await newCase(authority, 'Overdue');
      await decideOk(rgOverdue, { status: 'possible', date: day(-10) });
      // Due in 2 days.
      rgSoon = await newCase(authority, 'Soon');
      await decideOk(rgSoon, { status: 'possible', date: day(-3) });
      // Presumed 50 days ago: conclusive due 45 days later, 5 days overdue; the reflection period has ended.
      conclusiveOverdue = await newCase(authority, 'Conclusive');
      await decideOk(conclusiveOverdue, { status: 'presumed', date: day(-50), reasons: 'Grounds' });
      // Presumed and identified: the reflection period (30 days from presumed) ends in 5 days.
      reflecting = await newCase(authority, 'Reflecting');
      await decideOk(reflecting, { status: 'presumed', date: day(-25), reasons: 'Grounds' });
      await decideOk(reflecting, { status: 'identified', date: day(-20), reasons: 'Conclusive' });
      // Decided not a victim: nothing pending.
      done = await newCase(authority, 'Done');
      await decideOk(done, { status: 'possible', date: day(-40) });
      await decideOk(done, { status: 'not_a_victim', date: day(-39), reasons: 'No indicators on interview' });
      // A shelter case whose clock a likely_victim screening started today: due in 5 days.
      shelterCase = await newCase(cm, 'Shelter');
      const set = await cm.get('/screening/sets/adult-labour');
      assert.equal(set.status, 200, set.text);
      const answers = Object.fromEntries(set.json.indicators.map((i) => [i.id, 'yes']));
      const s = await cm.post('/screenings', { set: 'adult-labour', answers, case: shelterCase });
      assert.equal(s.status, 201, s.text);
      assert.equal(s.json.assessment, 'likely_victim');
    });

    test('GET decisions gives the deadlines from the default periods', async () => {
      let dl = (await decisions(rgOverdue)).deadlines;
      assert.deepEqual(dl, {
        clock_start: day(-10), reasonable_grounds_due: day(-5), conclusive_due: null, reflection_ends: null,
        overdue: ['reasonable_grounds'],
      });
      dl = (await decisions(conclusiveOverdue)).deadlines;
      assert.equal(dl.clock_start, null, 'no possible decision, no screening');
      assert.equal(dl.conclusive_due, day(-5));
      assert.equal(dl.reflection_ends, day(-20));
      assert.deepEqual(dl.overdue, ['conclusive']);
      dl = (await decisions(reflecting)).deadlines;
      assert.equal(dl.conclusive_due, day(20));
      assert.equal(dl.reflection_ends, day(5));
      assert.deepEqual(dl.overdue, []);
      dl = (await decisions(done)).deadlines;
      assert.equal(dl.reasonable_grounds_due, day(-35));
      assert.deepEqual(dl.overdue, [], 'a negative decision meets the reasonable-grounds deadline');
      dl = (await decisions(shelterCase, cm)).deadlines;
      assert.deepEqual(dl, { clock_start: day(0), reasonable_grounds_due: day(5), conclusive_due: null, reflection_ends: null, overdue: [] });
    });

    test('the work list: overdue first, then due within 7 days; the coordinator and the authority see it', async () => {
      const find = (items, ref) => items.filter((i) => i.ref === ref).map(({ kind, due, days }) => ({ kind, due, days }));
      for (const [who, c] of [['coordinator', coordinator], ['authority', authority]]) {
        const items = await worklist(c);
        assert.deepEqual(find(items, rgOverdue), [{ kind: 'reasonable_grounds_overdue', due: day(-5), days: 5 }], who);
        assert.deepEqual(find(items, rgSoon), [{ kind: 'reasonable_grounds_due', due: day(2), days: 2 }], who);
        assert.deepEqual(find(items, conclusiveOverdue), [{ kind: 'conclusive_overdue', due: day(-5), days: 5 }], who);
        assert.deepEqual(find(items, reflecting), [{ kind: 'reflection_ending', due: day(5), days: 5 }], who);
        assert.deepEqual(find(items, done), [], who);
        const kinds = items.map((i) => i.kind);
        const lastOverdue = Math.max(...kinds.map((k, i) => (k.endsWith('_overdue') ? i : -1)));
        const firstDue = kinds.findIndex((k) => !k.endsWith('_overdue'));
        assert.ok(firstDue === -1 || lastOverdue < firstDue, `overdue first: ${kinds}`);
        for (const i of items)
          assert.deepEqual(Object.keys(i).sort(), ['days', 'due', 'kind', 'org_id', 'ref'], 'references and dates only');
        if (who === 'authority') {
          assert.ok(items.every((i) => i.org_id === policeOrg.id), 'own organisation only');
          assert.deepEqual(find(items, shelterCase), []);
        } else {
          assert.deepEqual(find(items, shelterCase), [{ kind: 'reasonable_grounds_due', due: day(5), days: 5 }], 'the coordinator sees every organisation');
        }
      }
      // Another organisation's case manager sees its own case and none of the police cases.
      const shelter = await worklist(cm);
      assert.ok(shelter.every((i) => i.org_id === shelterOrg.id), JSON.stringify(shelter));
      assert.deepEqual(find(shelter, shelterCase), [{ kind: 'reasonable_grounds_due', due: day(5), days: 5 }]);
      for (const ref of [rgOverdue, rgSoon, conclusiveOverdue, reflecting]) assert.deepEqual(find(shelter, ref), []);
      // Roles without the work list (service providers have one: for the referrals they receive).
      for (const c of [responder, analyst, auditor, admin])
        assert.equal((await c.get('/worklist')).status, 403);
      assert.ok((await worklist(provider)).every((i) => i.referral_id), 'no identification deadline for a provider');
    });

    test('the work list pages with a cursor', async () => {
      const all = await worklist(coordinator);
      assert.ok(all.length >= 4);
      const paged = [];
      let cursor = null;
      for (let i = 0; i < 50; i++) {
        const q = { limit: '1' };
        if (cursor) q.cursor = cursor;
        const r = await coordinator.get('/worklist', { query: q });
        assert.equal(r.status, 200, r.text);
        assert.ok(r.json.items.length <= 1);
        paged.push(...r.json.items);
        cursor = r.json.next_cursor;
        if (!cursor) break;
      }
      assert.deepEqual(paged, all);
      let r = await coordinator.get('/worklist', { query: { cursor: 'garbage' } });
      assert.equal(r.status, 400);
      assert.ok('cursor' in r.json.error.fields);
      r = await coordinator.get('/worklist', { query: { limit: '0' } });
      assert.equal(r.status, 400);
    });

    test('closed cases leave the work list', async () => {
      const ref = await newCase(authority, 'Closing');
      await decideOk(ref, { status: 'possible', date: day(-20) });
      assert.ok((await worklist(authority)).some((i) => i.ref === ref));
      const c = (await authority.get(`/cases/${ref}`)).json;
      const r = await authority.patch(`/cases/${ref}`, { version: c.version, case: { status: 'Closed' } });
      assert.equal(r.status, 200, r.text);
      assert.ok(!(await worklist(authority)).some((i) => i.ref === ref));
    });

    test('the periods come from ihala.conf', async () => {
      await restartWith('ident_reasonable_grounds_days = 2\nident_conclusive_days = 60\nident_reflection_days = 90\n');
      let dl = (await decisions(rgOverdue)).deadlines;
      assert.equal(dl.reasonable_grounds_due, day(-8));
      dl = (await decisions(conclusiveOverdue)).deadlines;
      assert.equal(dl.conclusive_due, day(10));
      assert.equal(dl.reflection_ends, day(40));
      assert.deepEqual(dl.overdue, []);
      const items = await worklist(coordinator);
      const of = (ref) => items.filter((i) => i.ref === ref).map((i) => [i.kind, i.due, i.days]);
      assert.deepEqual(of(rgOverdue), [['reasonable_grounds_overdue', day(-8), 8]]);
      assert.deepEqual(of(rgSoon), [['reasonable_grounds_overdue', day(-1), 1]]);
      assert.deepEqual(of(conclusiveOverdue), [], 'due in 10 days: beyond the 7-day window');
      assert.deepEqual(of(reflecting), [], 'the reflection period now ends in 65 days');
      assert.deepEqual(of(shelterCase), [['reasonable_grounds_due', day(2), 2]]);
    });
  });

  test('erasing the case removes its decisions', async () => {
    // A case manager of the police organisation may erase its cases.
    const u = await admin.post('/users', {
      username: 'police.cm', display_name: 'Police Case Manager', org_id: policeOrg.id, roles: ['case_manager'],
    });
    assert.equal(u.status, 201, u.text);
    const pcm = server.client();
    let r = await pcm.login('police.cm', u.json.password);
    assert.equal(r.status, 200, r.text);
    r = await pcm.changePassword(u.json.password, 'police-' + STRONG);
    assert.equal(r.status, 200, r.text);

    const ref = await newCase(authority, 'Erase Me');
    await decideOk(ref, { status: 'possible', date: day(-60) });
    // Conclusive due in 2 days (ident_conclusive_days = 60 since the restart above).
    await decideOk(ref, { status: 'presumed', date: day(-58), reasons: 'To be erased' });
    const count = () => {
      const sql = 'SELECT count(*) FROM ident_decisions';
      const out = BACKEND === 'sqlite'
        ? spawnSync('sqlite3', [join(server.dir, 'ihala.db'), sql])
        : spawnSync('psql', [server.pg.conninfo, '-tAc', sql]);
      assert.equal(out.status, 0, String(out.stderr));
      return Number(String(out.stdout).trim());
    };
    const before = count();
    assert.ok((await worklist(authority)).some((i) => i.ref === ref));
    r = await pcm.del(`/cases/${ref}`);
    assert.equal(r.status, 204, r.text);
    assert.equal(count(), before - 2);
    assert.equal((await authority.get(`/cases/${ref}/decisions`)).status, 404);
    assert.equal((await decide(ref, { status: 'identified', date: day(0), reasons: 'x' })).status, 404);
    assert.ok(!(await worklist(coordinator)).some((i) => i.ref === ref));
  });
});
