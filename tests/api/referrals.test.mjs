// referrals.test.mjs: referrals between organisations. Consent present,
// absent, overridden by a supervisor, withdrawn; the receiver's view holds
// exactly the profile's fields and nothing else of the case, in every reply
// it gets; every allowed and every forbidden transition, by each side;
// deadlines with a clock the test moves, on lists and work lists of both
// organisations and the coordinator's; the coordinator's overview; custom
// profiles; the printable form; transfers of a whole case; the role and
// organisation matrix of every referral route; nothing in clear at rest;
// erasure.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, BACKEND, listAll, storedBytes } from './lib.mjs';

// What the case holds; the values the receiver of a shelter referral may and may not see.
const PERSON = {
  given_name: 'ليلى',
  given_name_latin: 'Layla',
  family_name: 'الحداد',
  family_name_latin: 'Haddadine',
  gender: 'Feminine',
  birth_date: '1994-03-02',
  document_number: 'PX7781234',
  primary_language: 'ar',
};
const VICTIM = {
  trafficking_status: 'PossibleVictimOfTrafficking',
  urgent_needs: ['Shelter', 'Medical'],
  safety_risks: ['Threats'],
  exploitation_types: ['ForcedLabour'],
  narrative: 'Kept in the Zallaq compound by the Qarmati brothers',
  health_details: 'Untreated fracture of the left wrist',
};
const EVENTS = [{ type: 'Exploitation', country: 'BH', city: 'Zallaq town' }];
// Never in a shelter receiver's reply.
const HIDDEN = ['الحداد', 'Haddadine', 'PX7781234', '1994-03-02', 'Qarmati', 'Zallaq', 'fracture', 'ForcedLabour'];
const SHELTER_KEYS = {
  person: ['given_name', 'given_name_latin', 'gender', 'age_band', 'primary_language', 'secondary_language',
    'number_of_children'],
  victim: ['urgent_needs', 'safety_risks', 'vulnerabilities'],
};
const REASON = 'Needs a safe bed tonight near Hamad Town';
// The field an error names.
const fieldOf = (r) => Object.keys((r.json && r.json.error && r.json.error.fields) || {})[0];
const STATES = ['sent', 'acknowledged', 'accepted', 'declined', 'in_service', 'completed', 'withdrawn'];
// Who makes each legal move (rules.h).
const MOVES = {
  sent: { acknowledged: 'receiver', withdrawn: 'sender' },
  acknowledged: { accepted: 'receiver', declined: 'receiver', withdrawn: 'sender' },
  accepted: { in_service: 'receiver', withdrawn: 'sender' },
  in_service: { completed: 'receiver', withdrawn: 'sender' },
  declined: {},
  completed: {},
  withdrawn: {},
};
const EXTRA = {
  accepted: { planned_start: '2026-12-01' },
  declined: { reason: 'no_capacity' },
  completed: { outcome: 'goals_met' },
};
// The path from sent to each state.
const PATH = {
  sent: [],
  acknowledged: ['acknowledged'],
  accepted: ['acknowledged', 'accepted'],
  declined: ['acknowledged', 'declined'],
  in_service: ['acknowledged', 'accepted', 'in_service'],
  completed: ['acknowledged', 'accepted', 'in_service', 'completed'],
  withdrawn: ['withdrawn'],
};

describe(`[${BACKEND}] referrals`, () => {
  let server, cm, shelter, provider, supervisor, coordinator, authority, responder, analyst, auditor, admin;
  let hopeOrg, safeOrg, policeOrg;
  const receiverReplies = [];   // every body the receiver got, checked at the end

  async function newCase(client = cm, consent = true) {
    let r = await client.post('/cases', {
      person: PERSON, victim: VICTIM, events: EVENTS, case: { status: 'Active', purpose: 'ProtectionAndAssistance' },
    });
    assert.equal(r.status, 201, r.text);
    const ref = r.json.ref;
    if (consent) {
      r = await client.post(`/cases/${ref}/consents`, { purpose: 'domestic_referral', given: true, date: '2026-11-01' });
      assert.equal(r.status, 201, r.text);
    }
    return ref;
  }
  const body = (ref, extra = {}) => ({
    case: ref, to_org: safeOrg.id, services: ['Accommodation'], urgency: 'urgent', reason: REASON, profile: 'shelter',
    ...extra,
  });
  async function refer(ref, extra = {}, client = cm) {
    const r = await client.post('/referrals', body(ref, extra));
    assert.equal(r.status, 201, r.text);
    return r.json;
  }
  async function asReceiver(method, path, b) {
    const r = method === 'GET' ? await shelter.get(path) : await shelter.post(path, b);
    receiverReplies.push(r.text);
    return r;
  }
  async function move(ref, to, client, extra = {}) {
    const cur = (await (client === shelter ? asReceiver('GET', `/referrals/${ref.id}`) : client.get(`/referrals/${ref.id}`))).json;
    const b = { to, version: cur.version, ...(EXTRA[to] || {}), ...extra };
    return client === shelter ? asReceiver('POST', `/referrals/${ref.id}/transitions`, b)
      : client.post(`/referrals/${ref.id}/transitions`, b);
  }
  async function referralIn(state) {
    const ref = await newCase();
    const rf = await refer(ref);
    for (const to of PATH[state]) {
      const r = await move(rf, to, to === 'withdrawn' ? cm : shelter);
      assert.equal(r.status, 200, `${state} via ${to}: ${r.text}`);
    }
    return rf;
  }

  async function signIn() {
    admin = await server.adminSetup();
    [cm, shelter, provider, supervisor, coordinator, authority, responder, analyst, auditor] = await Promise.all(
      ['casemanager', 'shelter', 'provider', 'supervisor', 'coordinator', 'authority', 'responder', 'analyst',
        'auditor'].map((u) => server.as(u)));
  }
  // Restart the server with the clock moved by offset seconds (and lines added to ihala.conf); sign in again.
  async function restart(offset, conf = '') {
    server.proc.kill('SIGTERM');
    await server.exited;
    if (conf) appendFileSync(join(server.dir, 'ihala.conf'), conf);
    server.env = { ...server.env, IHALA_CLOCK_OFFSET: String(offset) };
    await server.start();
    await signIn();
  }

  before(async () => {
    server = await startServer();
    await signIn();
    hopeOrg = (await cm.get('/me')).json.org;
    safeOrg = (await shelter.get('/me')).json.org;
    policeOrg = (await authority.get('/me')).json.org;
    assert.notEqual(hopeOrg.id, safeOrg.id);
  });
  after(async () => {
    if (server) await server.stop();
  });

  test('a referral needs consent for domestic referral; a supervisor may override it with a reason', async () => {
    const ref = await newCase(cm, false);
    let r = await cm.post('/referrals', body(ref));
    assert.equal(r.status, 409, r.text);
    assert.equal(r.json.error.code, 'consent_required');
    assert.equal(fieldOf(r), 'consent_override');
    assert.ok(/ \/ /.test(r.json.error.message) && /[\u0600-\u06ff]/.test(r.json.error.message));
    // A case manager may not override.
    r = await cm.post('/referrals', body(ref, { consent_override: { reason: 'Child in danger tonight' } }));
    assert.equal(r.status, 403, r.text);
    assert.equal(fieldOf(r), 'consent_override');
    // An override needs a reason.
    r = await supervisor.post('/referrals', body(ref, { consent_override: {} }));
    assert.equal(r.status, 400, r.text);
    assert.equal(fieldOf(r), 'consent_override.reason');
    r = await supervisor.post('/referrals', body(ref, { consent_override: { reason: 'Person unconscious in hospital' } }));
    assert.equal(r.status, 201, r.text);
    assert.equal(r.json.consent, 'override');
    assert.equal(r.json.override.by_name, 'Demo Supervisor');
    assert.equal(r.json.override.reason, 'Person unconscious in hospital');
    // Visible on the case: its referrals with the override.
    const list = await listAll(cm, '/referrals', { case: ref });
    assert.equal(list.length, 1);
    assert.equal(list[0].consent, 'override');
    assert.equal(list[0].override.by_name, 'Demo Supervisor');
    // The receiver sees the fields, not the override's reason.
    const seen = await asReceiver('GET', `/referrals/${r.json.id}`);
    assert.equal(seen.json.shared, true);
    assert.equal(seen.json.override.reason, undefined);
    assert.ok(seen.json.person);
    // The audit trail names the override.
    const audit = await listAll(auditor, '/audit');
    assert.ok(audit.some((e) => e.action === 'referral.consent_override'));
  });

  test('a withdrawn or refused consent stops all sharing, overrides included', async () => {
    const ref = await newCase();
    const rf = await refer(ref);
    let seen = await asReceiver('GET', `/referrals/${rf.id}`);
    assert.equal(seen.json.shared, true);
    let r = await cm.post(`/cases/${ref}/consents/0/withdraw`, { date: '2026-11-20' });
    assert.equal(r.status, 200, r.text);
    seen = await asReceiver('GET', `/referrals/${rf.id}`);
    assert.equal(seen.status, 200);
    assert.equal(seen.json.shared, false);
    assert.equal(seen.json.person, undefined);
    assert.equal(seen.json.reason, null);
    const form = await asReceiver('GET', `/referrals/${rf.id}/form?lang=en`);
    assert.equal(form.status, 200);
    assert.ok(!form.text.includes('Layla'));
    r = await supervisor.post('/referrals', body(ref, { consent_override: { reason: 'Urgent' } }));
    assert.equal(r.status, 409, r.text);
    assert.equal(r.json.error.code, 'consent_withdrawn');
    // A refused consent counts the same.
    const ref2 = await newCase(cm, false);
    r = await cm.post(`/cases/${ref2}/consents`, { purpose: 'domestic_referral', given: false, date: '2026-11-01' });
    assert.equal(r.status, 201, r.text);
    r = await supervisor.post('/referrals', body(ref2, { consent_override: { reason: 'Urgent' } }));
    assert.equal(r.json.error.code, 'consent_withdrawn');
    // A new consent lets sharing start again.
    r = await cm.post(`/cases/${ref}/consents`, { purpose: 'domestic_referral', given: true, date: '2026-11-21' });
    assert.equal(r.status, 201, r.text);
    seen = await asReceiver('GET', `/referrals/${rf.id}`);
    assert.equal(seen.json.shared, true);
  });

  test('the receiver sees exactly the profile\'s fields and nothing else of the case', async () => {
    const ref = await newCase();
    const rf = await refer(ref);
    assert.equal(rf.side, 'sender');
    assert.equal(rf.person, undefined, 'the sender is given no copy of the person');
    assert.deepEqual(rf.services, ['Accommodation']);
    assert.equal(rf.state, 'sent');
    assert.equal(rf.reason, REASON);
    const r = await asReceiver('GET', `/referrals/${rf.id}`);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.side, 'receiver');
    assert.equal(r.json.reason, REASON);
    const p = r.json.person;
    assert.deepEqual(Object.keys(p).sort(), ['person', 'victim']);
    for (const [entity, keys] of Object.entries(p)) {
      for (const k of Object.keys(keys)) assert.ok(SHELTER_KEYS[entity].includes(k), `${entity}.${k} is not in the profile`);
    }
    assert.equal(p.person.given_name, PERSON.given_name);
    assert.equal(p.person.given_name_latin, 'Layla');
    assert.equal(p.person.gender, 'Feminine');
    assert.ok(p.person.age_band);
    assert.deepEqual(p.victim.urgent_needs.sort(), ['Medical', 'Shelter']);
    assert.deepEqual(p.victim.safety_risks, ['Threats']);
    // The person's own copy of their data says whom it was shared with, and what.
    const copy = (await cm.get(`/cases/${ref}/subject-export`)).json;
    const shared = copy.shared_with.find((x) => x.kind === 'referral');
    assert.equal(shared.org.en, 'Safe Care Centre');
    assert.deepEqual(shared.fields, rf.fields);
    // The receiver may not read the case itself.
    const c = await shelter.get(`/cases/${ref}`);
    assert.ok([403, 404].includes(c.status), c.text);
    // A legal aid profile adds the events and the documents.
    const legal = await refer(ref, { profile: 'legal_aid', services: ['Legal'] });
    const l = await shelter.get(`/referrals/${legal.id}`);   // not kept among the shelter's replies: it may see more
    assert.equal(l.json.person.person.document_number, 'PX7781234');
    assert.equal(l.json.person.events[0].type, 'Exploitation');
    assert.equal(l.json.person.victim.narrative, undefined);
    assert.equal(l.json.person.victim.health_details, undefined);
  });

  test('every allowed transition by its side, and every forbidden one', async () => {
    for (const from of STATES) {
      for (const to of STATES.filter((s) => s !== 'sent')) {
        const rf = await referralIn(from);
        const side = MOVES[from][to];
        const wrong = side === 'sender' ? shelter : cm;
        const right = side === 'sender' ? cm : shelter;
        if (!side) {
          for (const who of [cm, shelter]) {
            const r = await move(rf, to, who);
            assert.equal(r.status, 409, `${from} -> ${to}: ${r.text}`);
            assert.equal(r.json.error.code, 'illegal_transition');
            assert.equal(fieldOf(r), 'to');
          }
          continue;
        }
        let r = await move(rf, to, wrong);
        assert.equal(r.status, 403, `${from} -> ${to} by the other side: ${r.text}`);
        r = await move(rf, to, right);
        assert.equal(r.status, 200, `${from} -> ${to}: ${r.text}`);
        assert.equal(r.json.state, to);
        const last = r.json.transitions.at(-1);
        assert.equal(last.from, from);
        assert.equal(last.to, to);
        assert.ok(last.at > 0 && last.by_name);
      }
    }
  });

  test('what each move needs, stale versions, and the outcome the sender sees', async () => {
    const rf = await referralIn('acknowledged');
    let r = await move(rf, 'accepted', shelter, { planned_start: undefined });
    assert.equal(r.status, 400);
    assert.equal(fieldOf(r), 'planned_start');
    r = await move(rf, 'accepted', shelter, { planned_start: '2026-13-45' });
    assert.equal(fieldOf(r), 'planned_start');
    r = await asReceiver('POST', `/referrals/${rf.id}/transitions`, { to: 'accepted', version: 1, planned_start: '2026-12-01' });
    assert.equal(r.status, 409);
    assert.equal(r.json.error.code, 'stale_version');
    assert.equal(r.json.error.current_version, 2);
    r = await move(rf, 'declined', shelter, { reason: 'because' });
    assert.equal(fieldOf(r), 'reason');
    r = await move(rf, 'nonsense', shelter);
    assert.equal(r.status, 400);
    assert.equal(fieldOf(r), 'to');
    r = await move(rf, 'accepted', shelter, { note: 'Room 4 is ready' });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.planned_start, '2026-12-01');
    await move(rf, 'in_service', shelter);
    r = await move(rf, 'completed', shelter, { outcome: 'nonsense' });
    assert.equal(fieldOf(r), 'outcome');
    r = await move(rf, 'completed', shelter, { outcome: 'goals_met', note: 'Moved to her sister in Sitra' });
    assert.equal(r.status, 200, r.text);
    const seen = await cm.get(`/referrals/${rf.id}`);
    assert.equal(seen.json.state, 'completed');
    assert.equal(seen.json.outcome, 'goals_met');
    assert.equal(seen.json.transitions.at(-1).note, 'Moved to her sister in Sitra');
    assert.equal(seen.json.transitions.length, 5);
    // After completion the receiver keeps the record, not the person.
    const after = await asReceiver('GET', `/referrals/${rf.id}`);
    assert.equal(after.json.shared, false);
    assert.equal(after.json.person, undefined);
  });

  test('bad requests name the field, in both languages, and write nothing', async () => {
    const ref = await newCase();
    const before = (await listAll(cm, '/referrals', { case: ref })).length;
    const cases = [
      [{ urgency: 'soon' }, 400, 'urgency'],
      [{ services: [] }, 400, 'services'],
      [{ services: ['Teleportation'] }, 400, 'services[0]'],
      [{ services: ['Accommodation', 'Accommodation'] }, 400, 'services[1]'],
      [{ to_org: hopeOrg.id }, 400, 'to_org'],
      [{ to_org: 'f'.repeat(32) }, 400, 'to_org'],
      [{ profile: 'everything' }, 400, 'profile'],
      [{ reason: '   ' }, 400, 'reason'],
      [{ reason: 'x'.repeat(2001) }, 400, 'reason'],
      [{ case: 'BH-1999-99999' }, 404, undefined],
    ];
    for (const [extra, status, field] of cases) {
      const r = await cm.post('/referrals', body(ref, extra));
      assert.equal(r.status, status, `${JSON.stringify(extra).slice(0, 60)}: ${r.text}`);
      if (field) assert.equal(fieldOf(r), field);
      assert.ok(/ \/ /.test(r.json.error.message) && /[\u0600-\u06ff]/.test(r.json.error.message));
    }
    assert.equal((await listAll(cm, '/referrals', { case: ref })).length, before);
    // A receiver that lists its services and takes no referrals now.
    let r = await shelter.put(`/services/${safeOrg.id}`, { services: ['Accommodation', 'Health'], regions: ['Capital'],
      languages: ['ar', 'en'], accepts: ['women'], accepting: false, capacity: { total: 10, free: 2 } });
    assert.equal(r.status, 200, r.text);
    r = await cm.post('/referrals', body(ref));
    assert.equal(r.status, 409, r.text);
    assert.equal(r.json.error.code, 'not_accepting');
    r = await shelter.put(`/services/${safeOrg.id}`, { services: ['Accommodation', 'Health'], regions: ['Capital'],
      languages: ['ar', 'en'], accepts: ['women'], accepting: true, capacity: { total: 10, free: 2 } });
    assert.equal(r.status, 200, r.text);
    r = await cm.post('/referrals', body(ref, { services: ['Legal'] }));
    assert.equal(r.status, 400);
    assert.equal(r.json.error.code, 'service_not_offered');
    // A closed case is not referred.
    const closed = await newCase();
    const cur = (await cm.get(`/cases/${closed}`)).json;
    r = await cm.patch(`/cases/${closed}`, { version: cur.version, case: { status: 'Closed', closure_reason: 'ServicesCompleted' } });
    if (r.status === 200) {
      r = await cm.post('/referrals', body(closed));
      assert.equal(r.status, 409, r.text);
      assert.equal(r.json.error.code, 'case_closed');
    }
  });

  test('lists by side, state and lateness; the work lists and the overview; deadlines from ihala.conf', async () => {
    const ref = await newCase();
    const urgent = await refer(ref);                          // ack due in 24 h
    const routine = await refer(ref, { urgency: 'routine', services: ['Health'] });   // ack due in 72 h
    const answered = await refer(ref, { urgency: 'immediate' });
    await move(answered, 'acknowledged', shelter);           // answer due in 24 h
    assert.equal(urgent.ack_due - urgent.created_at, 24 * 3600);
    assert.equal(routine.ack_due - routine.created_at, 72 * 3600);
    assert.equal(urgent.next_due, urgent.ack_due);
    let sent = await listAll(cm, '/referrals', { role: 'sent' });
    assert.ok(sent.some((x) => x.id === urgent.id));
    assert.ok(!(await listAll(cm, '/referrals', { role: 'received' })).some((x) => x.id === urgent.id));
    assert.ok((await listAll(shelter, '/referrals', { role: 'received', state: 'sent' })).some((x) => x.id === urgent.id));
    assert.ok(!(await listAll(shelter, '/referrals', { state: 'acknowledged' })).some((x) => x.id === urgent.id));
    assert.equal((await listAll(cm, '/referrals', { overdue: '1', case: ref })).length, 0);
    let r = await cm.get('/referrals?state=lost');
    assert.equal(r.status, 400);
    assert.equal(fieldOf(r), 'state');
    r = await cm.get('/referrals?role=both');
    assert.equal(fieldOf(r), 'role');
    r = await cm.get('/referrals?cursor=zz');
    assert.equal(fieldOf(r), 'cursor');

    // Both sides see the running deadlines on their work lists; the coordinator too.
    for (const c of [cm, shelter, coordinator]) {
      const wl = await listAll(c, '/worklist');
      const item = wl.find((x) => x.referral_id === urgent.id);
      assert.ok(item, 'on the work list');
      assert.equal(item.kind, 'referral_ack_due');
      assert.equal(item.ref, ref);
      assert.equal(item.due_at, urgent.ack_due);
    }
    // The police are neither side.
    assert.ok(!(await listAll(authority, '/worklist')).some((x) => x.referral_id));

    // A day and an hour later: the urgent one is late to acknowledge, the acknowledged one late to answer.
    await restart(25 * 3600);
    const [cm2, shelter2, coord2] = [cm, shelter, coordinator];
    const late = await listAll(cm2, '/referrals', { overdue: '1', case: ref });
    assert.deepEqual(late.map((x) => x.id).sort(), [urgent.id, answered.id].sort());
    assert.ok(late.every((x) => x.overdue));
    for (const c of [cm2, shelter2, coord2]) {
      const wl = await listAll(c, '/worklist');
      assert.equal(wl.find((x) => x.referral_id === urgent.id).kind, 'referral_ack_overdue');
      assert.equal(wl.find((x) => x.referral_id === answered.id).kind, 'referral_answer_overdue');
      assert.equal(wl.find((x) => x.referral_id === routine.id).kind, 'referral_ack_due');
      // Overdue first.
      const firstDue = wl.findIndex((x) => !x.kind.endsWith('overdue'));
      assert.ok(wl.slice(firstDue).every((x) => !x.kind.endsWith('overdue')));
    }
    // Paging one item at a time visits the same items in the same order: the country's list, and
    // an organisation's (its received and sent referrals, merged and cut to the page).
    for (const c of [coord2, cm2, shelter2]) {
      const whole = await listAll(c, '/worklist');
      const paged = [];
      let cursor = null;
      for (let i = 0; i < whole.length + 2; i++) {
        const r = await c.get('/worklist', { query: cursor ? { limit: '1', cursor } : { limit: '1' } });
        assert.equal(r.status, 200, r.text);
        paged.push(...r.json.items);
        cursor = r.json.next_cursor;
        if (!cursor) break;
      }
      assert.deepEqual(paged.map((x) => `${x.kind}:${x.ref}:${x.referral_id}`), whole.map((x) => `${x.kind}:${x.ref}:${x.referral_id}`));
    }
    // The overview counts them.
    const ov = (await coord2.get('/referrals/overview')).json;
    assert.ok(ov.overdue >= 2);
    assert.ok(ov.by_state.sent >= 2);
    const safe = ov.by_org.find((o) => o.org_id === safeOrg.id);
    assert.ok(safe.overdue >= 2 && safe.received >= 3);
    assert.ok(ov.by_service.find((s) => s.service === 'Health').all >= 1);
    assert.equal(JSON.stringify(ov).includes(ref), false, 'no case reference in the overview');
    for (const c of [cm2, shelter2]) assert.equal((await c.get('/referrals/overview')).status, 403);
    // The coordinator lists all, by organisation and service, without the person.
    const all = await listAll(coord2, '/referrals', { org: safeOrg.id, service: 'Health' });
    assert.ok(all.some((x) => x.id === routine.id));
    const one = (await coord2.get(`/referrals/${urgent.id}`)).json;
    assert.equal(one.side, 'overview');
    assert.equal(one.person, undefined);
    assert.equal(one.reason, null);

    // Configured deadlines apply to referrals sent afterwards.
    await restart(0, 'referral_ack_hours_urgent = 2\nreferral_answer_hours_urgent = 5\n');
    const quick = await refer(ref);
    assert.equal(quick.ack_due - quick.created_at, 2 * 3600);
    assert.equal(quick.answer_due - quick.created_at, 5 * 3600);
  });

  test('custom referral profiles of an organisation', async () => {
    let r = await cm.post('/referral-profiles', { name_en: 'Interpreter', name_ar: 'مترجم', fields: ['person.given_name'] });
    assert.equal(r.status, 403);
    r = await supervisor.post('/referral-profiles', { name_en: 'Interpreter', name_ar: 'مترجم', fields: ['person.given_name', 'person.nope'] });
    assert.equal(r.status, 400);
    assert.equal(fieldOf(r), 'fields[1]');
    r = await supervisor.post('/referral-profiles', { name_en: 'Interpreter', name_ar: 'مترجم', fields: ['case.status'] });
    assert.equal(fieldOf(r), 'fields[0]');
    r = await supervisor.post('/referral-profiles', { name_en: 'Interpreter', name_ar: 'مترجم',
      fields: ['person.given_name_latin', 'person.primary_language'] });
    assert.equal(r.status, 201, r.text);
    const profile = r.json;
    const mine = (await cm.get('/referral-profiles')).json.items;
    assert.ok(mine.some((p) => p.id === profile.id));
    assert.ok(mine.some((p) => p.id === 'shelter' && p.builtin));
    assert.ok(!(await shelter.get('/referral-profiles')).json.items.some((p) => p.id === profile.id));
    const ref = await newCase();
    const rf = await refer(ref, { profile: profile.id });
    const seen = await asReceiver('GET', `/referrals/${rf.id}`);
    assert.deepEqual(seen.json.person, { person: { given_name_latin: 'Layla', primary_language: 'ar' } });
    // Changing the profile later changes nothing already sent.
    r = await supervisor.put(`/referral-profiles/${profile.id}`, { name_en: 'Interpreter', name_ar: 'مترجم',
      fields: ['person.family_name'], version: 1 });
    assert.equal(r.status, 200, r.text);
    r = await supervisor.put(`/referral-profiles/${profile.id}`, { name_en: 'x', name_ar: 'x', fields: ['person.family_name'], version: 1 });
    assert.equal(r.status, 409);
    const again = await asReceiver('GET', `/referrals/${rf.id}`);
    assert.deepEqual(again.json.person, { person: { given_name_latin: 'Layla', primary_language: 'ar' } });
    // Another organisation's profile cannot be used or changed.
    const other = await authority.post('/referrals', { ...body(await newCase(authority)), profile: profile.id });
    assert.equal(other.status, 400);
    assert.equal(fieldOf(other), 'profile');
  });

  test('the printable referral form, in Arabic and English', async () => {
    const ref = await newCase();
    const rf = await refer(ref);
    let r = await asReceiver('GET', `/referrals/${rf.id}/form?lang=ar`);
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type'), /text\/html/);
    assert.ok(r.text.includes('dir="rtl"'));
    assert.ok(r.text.includes('استمارة إحالة'));
    assert.ok(r.text.includes('ليلى'));
    assert.ok(r.text.includes('المأوى') || r.text.includes('الإيواء'));
    r = await cm.get(`/referrals/${rf.id}/form?lang=en`);
    assert.ok(r.text.includes('Referral form'));
    assert.ok(r.text.includes('Layla'));
    assert.ok(!r.text.includes('Haddadine'), 'the form holds the profile\'s fields only');
    r = await cm.get(`/referrals/${rf.id}/form?lang=fr`);
    assert.equal(r.status, 400);
    r = await authority.get(`/referrals/${rf.id}/form`);
    assert.equal(r.status, 404);
  });

  test('a whole case is transferred with consent; the old organisation loses it', async () => {
    const noConsent = await newCase(cm, false);
    let r = await cm.post(`/cases/${noConsent}/transfer`, { to_org: policeOrg.id, reason: 'Prosecution leads' });
    assert.equal(r.status, 409);
    assert.equal(r.json.error.code, 'consent_required');
    const ref = await newCase();
    r = await shelter.post(`/cases/${ref}/transfer`, { to_org: policeOrg.id, reason: 'x' });
    assert.equal(r.status, 403);
    r = await cm.post(`/cases/${ref}/transfer`, { to_org: hopeOrg.id, reason: 'x' });
    assert.equal(r.status, 400);
    assert.equal(fieldOf(r), 'to_org');
    r = await cm.post(`/cases/${ref}/transfer`, { to_org: policeOrg.id, reason: 'Prosecution takes the lead' });
    assert.equal(r.status, 200, r.text);
    assert.equal((await cm.get(`/cases/${ref}`)).status, 404);
    const now = await authority.get(`/cases/${ref}`);
    assert.equal(now.status, 200, now.text);
    assert.equal(now.json.org_id, policeOrg.id);
    assert.equal(now.json.assigned_to, null);
    assert.equal(now.json.person.family_name_latin, 'Haddadine');
    const copy = (await authority.get(`/cases/${ref}/subject-export`)).json;
    assert.ok(copy.shared_with.some((x) => x.kind === 'transfer' && x.org.en === 'Police Directorate'));
    const tr = (await authority.get(`/cases/${ref}/transfers`)).json.items;
    assert.equal(tr.length, 1);
    assert.equal(tr[0].reason, 'Prosecution takes the lead');
    assert.equal(tr[0].from_org.id, hopeOrg.id);
  });

  test('who may use each referral route', async () => {
    const ref = await newCase();
    const rf = await refer(ref);
    for (const [who, c] of Object.entries({ admin, analyst, auditor })) {
      for (const [m, p, b] of [['POST', '/referrals', body(ref)], ['GET', '/referrals'], ['GET', `/referrals/${rf.id}`],
        ['POST', `/referrals/${rf.id}/transitions`, { to: 'withdrawn', version: 1 }], ['GET', '/referrals/overview'],
        ['GET', `/referrals/${rf.id}/form`], ['GET', '/referral-profiles'], ['POST', `/cases/${ref}/transfer`, { to_org: policeOrg.id, reason: 'x' }]]) {
        const r = m === 'GET' ? await c.get(p) : await c.post(p, b);
        assert.equal(r.status, 403, `${who} ${m} ${p}: ${r.text}`);
      }
    }
    // Not a party: 404, the same as an unknown id.
    for (const c of [authority, responder]) {
      assert.equal((await c.get(`/referrals/${rf.id}`)).status, 404);
      assert.equal((await c.post(`/referrals/${rf.id}/transitions`, { to: 'withdrawn', version: 1 })).status, 404);
      assert.ok(!(await listAll(c, '/referrals')).some((x) => x.id === rf.id));
    }
    assert.equal((await cm.get(`/referrals/${'a'.repeat(32)}`)).status, 404);
    // A provider of the sending organisation sees the sent referral, but cannot withdraw it.
    assert.equal((await provider.get(`/referrals/${rf.id}`)).json.side, 'sender');
    assert.equal((await provider.post(`/referrals/${rf.id}/transitions`, { to: 'withdrawn', version: 1 })).status, 403);
    // A provider may not send; the first responder only for the cases it recorded.
    assert.equal((await provider.post('/referrals', body(ref))).status, 403);
    assert.equal((await responder.post('/referrals', body(ref))).status, 404);
    // The coordinator may send for any case, and withdraw.
    const c = await coordinator.post('/referrals', body(ref));
    assert.equal(c.status, 201, c.text);
    assert.equal(c.json.from_org.id, hopeOrg.id);
    const w = await coordinator.post(`/referrals/${c.json.id}/transitions`, { to: 'withdrawn', version: 1 });
    assert.equal(w.status, 200, w.text);
  });

  test('nothing about the person is stored in clear; erasure takes the referrals with the case', async () => {
    const ref = await newCase();
    const rf = await refer(ref, { reason: 'Brother-in-law Yacoubian threatened her' });
    await move(rf, 'acknowledged', shelter, { note: 'Called the Muqsha clinic' });
    const haystack = storedBytes(server);
    for (const n of ['Yacoubian', 'Muqsha', 'Hamad Town', 'Person unconscious', 'Prosecution takes', 'Layla'])
      assert.equal(haystack.indexOf(Buffer.from(n)), -1, `"${n}" found in the database`);
    const r = await cm.del(`/cases/${ref}`);
    assert.ok([200, 204].includes(r.status), r.text);
    assert.equal((await shelter.get(`/referrals/${rf.id}`)).status, 404);
    assert.equal((await cm.get(`/referrals/${rf.id}`)).status, 404);
  });

  test('no reply to the receiver held a field outside its profile', () => {
    assert.ok(receiverReplies.length > 20);
    for (const text of receiverReplies) {
      for (const h of HIDDEN) assert.ok(!text.includes(h), `"${h}" reached the receiver: ${text.slice(0, 300)}`);
    }
  });
});
