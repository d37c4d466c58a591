// screenings.test.mjs: screening a person against an indicator set, the
// result that says why, who may screen and read screenings, creating a case
// from a result (or attaching to an existing one) with the urgent needs,
// every refusal with its code and field, and that an anonymous screening
// leaves nothing readable in the database files.
//
// Indicators are taken from GET /screening/sets/{key}: the tests never name
// an indicator id of the shipped lists.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import crypto from 'node:crypto';
import { startServer, BACKEND, BIN, errCode, listAll, STRONG, storedBytes } from './lib.mjs';

const DIMS = ['deceptive_recruitment', 'coercive_recruitment', 'vulnerability_recruitment', 'exploitation',
  'coercion_destination', 'vulnerability_destination'];
const ID = /^[0-9a-f]{32}$/;

// Indicators of one dimension that make it present under the ILO 2009 rule
// (two strong; one strong and one medium or weak; three medium; two medium
// and one weak), chosen from what the set has.
function presentPick(set, dim) {
  const of = (g) => set.indicators.filter((i) => i.dimension === dim && i.grade === g).map((i) => i.id);
  const [s, m, w] = [of('strong'), of('medium'), of('weak')];
  if (s.length >= 1 && m.length + w.length >= 1) return [s[0], (m[0] ?? w[0])];
  if (s.length >= 2) return s.slice(0, 2);
  if (m.length >= 3) return m.slice(0, 3);
  if (m.length >= 2 && w.length >= 1) return [m[0], m[1], w[0]];
  throw new Error(`set ${set.key}: dimension ${dim} cannot be made present`);
}

// Answers: every indicator "no", the given ids "yes".
function answersWith(set, yes) {
  const a = {};
  for (const i of set.indicators) a[i.id] = 'no';
  for (const id of yes) a[id] = 'yes';
  return a;
}

function assertError(r, status, code, field) {
  assert.equal(r.status, status, `status; body: ${r.text}`);
  assert.equal(errCode(r), code, `code; body: ${r.text}`);
  if (field !== undefined) {
    const fields = r.json.error.fields || {};
    assert.ok(field in fields, `field ${field} in ${r.text}`);
  }
}

function assertResult(r, set) {
  assert.match(r.id, ID);
  assert.equal(r.set, set.key);
  assert.equal(r.set_version, set.version);
  assert.equal(typeof r.created_at, 'number');
  assert.ok(['likely_victim', 'not_established', 'insufficient_information'].includes(r.assessment), r.assessment);
  assert.equal(typeof r.child_protection, 'boolean');
  assert.deepEqual(r.dimensions.map((d) => d.key), DIMS, 'all six dimensions, in order');
  for (const d of r.dimensions) {
    assert.ok(['present', 'absent', 'unknown'].includes(d.result));
    assert.ok(Array.isArray(d.indicators) && Array.isArray(d.unknown_indicators));
  }
  assert.ok(Array.isArray(r.next_steps));
  assert.ok(!('score' in r), 'never a bare score');
}

describe(`[${BACKEND}] screenings`, () => {
  let server, admin, cm, responder, responder2, authority, coordinator, provider, analyst, auditor;
  let adultLabour, childLabour, schema, purpose;
  const made = {}; // screenings made along the way

  const caseBody = (name) => ({ person: { given_name_latin: name }, case: { status: 'Active', purpose } });

  before(async () => {
    server = await startServer();
    admin = await server.adminSetup();
    cm = await server.as('casemanager');            // Hope Shelter, case_manager: organisation-wide
    responder = await server.as('responder');       // Police Directorate, first_responder: own
    authority = await server.as('authority');       // Police Directorate, competent_authority: organisation-wide
    coordinator = await server.as('coordinator');   // National Committee: screens, no case writing
    provider = await server.as('provider');         // Hope Shelter: screens, no case writing
    analyst = await server.as('analyst');
    auditor = await server.as('auditor');
    // A second first responder of the police.
    const me = await responder.get('/me');
    const u = await admin.post('/users', {
      username: 'responder.two', display_name: 'Second Responder', org_id: me.json.org.id, roles: ['first_responder'],
    });
    assert.equal(u.status, 201, u.text);
    responder2 = server.client();
    assert.equal((await responder2.login('responder.two', u.json.password)).status, 200);
    assert.equal((await responder2.changePassword(u.json.password, 'two-' + STRONG)).status, 200);

    schema = (await cm.get('/schema')).json;
    purpose = schema.entities.find((e) => e.name === 'case').fields.find((f) => f.key === 'purpose').choices[0].value;
    const a = await responder.get('/screening/sets/adult-labour');
    assert.equal(a.status, 200, a.text);
    adultLabour = a.json;
    const c = await responder.get('/screening/sets/child-labour');
    assert.equal(c.status, 200, c.text);
    childLabour = c.json;
    assert.equal(adultLabour.population, 'adult');
    assert.equal(childLabour.population, 'child');
  });
  after(async () => {
    if (server) await server.stop();
  });

  test('the registry has victim.urgent_needs (sensitive, not a statistic) and the case form takes it', async () => {
    const victim = schema.entities.find((e) => e.name === 'victim');
    const f = victim.fields.find((x) => x.key === 'urgent_needs');
    assert.ok(f, 'victim.urgent_needs in GET /schema');
    assert.equal(f.type, 'multichoice');
    assert.equal(f.protection, 'sensitive');
    assert.equal(f.stat, false);
    assert.equal(f.htcds, 'ihala_UrgentNeeds');
    assert.deepEqual(f.choices.map((ch) => ch.value), ['Safety', 'Medical', 'Shelter', 'Interpreter', 'ChildProtection']);
    for (const ch of f.choices) assert.ok(ch.label.en && ch.label.ar, `labels of ${ch.value}`);
    // The registry-driven case form can record it, and a value outside the list is refused.
    const body = caseBody('Urgent Form');
    body.victim = { trafficking_status: victim.fields.find((x) => x.key === 'trafficking_status').choices[0].value, urgent_needs: ['Safety'] };
    const r = await cm.post('/cases', body);
    assert.equal(r.status, 201, r.text);
    assert.deepEqual(r.json.victim.urgent_needs, ['Safety']);
    body.victim.urgent_needs = ['Spaceship'];
    assertError(await cm.post('/cases', body), 400, 'invalid');
  });

  test('a likely victim on adult-labour: the result says why, never a bare score', async () => {
    const recruit = presentPick(adultLabour, 'deceptive_recruitment');
    const exploit = presentPick(adultLabour, 'exploitation');
    const dest = presentPick(adultLabour, 'coercion_destination');
    const yes = [...recruit, ...exploit, ...dest];
    const r = await responder.post('/screenings', {
      set: 'adult-labour', answers: answersWith(adultLabour, yes), context: 'labour_inspection',
      notes: 'Met at a construction site',
    });
    assert.equal(r.status, 201, r.text);
    assertResult(r.json, adultLabour);
    assert.equal(r.json.assessment, 'likely_victim');
    assert.equal(r.json.case, null);
    assert.equal(r.json.child_protection, false);
    const dim = Object.fromEntries(r.json.dimensions.map((d) => [d.key, d]));
    assert.equal(dim.deceptive_recruitment.result, 'present');
    assert.deepEqual(dim.deceptive_recruitment.indicators.sort(), [...recruit].sort());
    assert.equal(dim.exploitation.result, 'present');
    assert.deepEqual(dim.exploitation.indicators.sort(), [...exploit].sort());
    assert.equal(dim.coercion_destination.result, 'present');
    for (const k of ['coercive_recruitment', 'vulnerability_recruitment', 'vulnerability_destination']) {
      assert.equal(dim[k].result, 'absent', k);
      assert.deepEqual(dim[k].indicators, []);
    }
    for (const d of r.json.dimensions) assert.deepEqual(d.unknown_indicators, [], 'every indicator answered');
    assert.deepEqual(r.json.next_steps, ['create_case', 'record_urgent_needs', 'identification_decision', 'referral']);
    made.likely = r.json;
    made.likelyYes = yes;

    // Read back: the result plus the answers, the notes, the context and who screened.
    const g = await responder.get(`/screenings/${r.json.id}`);
    assert.equal(g.status, 200, g.text);
    assert.equal(g.json.assessment, 'likely_victim');
    assert.equal(g.json.notes, 'Met at a construction site');
    assert.equal(g.json.context, 'labour_inspection');
    assert.match(g.json.created_by, ID);
    assert.equal(Object.keys(g.json.answers).length, adultLabour.indicators.length);
    for (const id of yes) assert.equal(g.json.answers[id], 'yes');
    assert.equal(g.json.answers[adultLabour.indicators.find((i) => !yes.includes(i.id)).id], 'no');
  });

  test('one strong indicator alone does not make a dimension present; recruitment and exploitation alone are not enough for an adult', async () => {
    const strong = adultLabour.indicators.find((i) => i.dimension === 'exploitation' && i.grade === 'strong');
    const yes = [...presentPick(adultLabour, 'deceptive_recruitment'), strong.id];
    const r = await responder.post('/screenings', { set: 'adult-labour', answers: answersWith(adultLabour, yes) });
    assert.equal(r.status, 201, r.text);
    const dim = Object.fromEntries(r.json.dimensions.map((d) => [d.key, d]));
    assert.equal(dim.exploitation.result, 'absent');
    assert.deepEqual(dim.exploitation.indicators, [strong.id], 'the indicator is shown even when the dimension is absent');
    assert.equal(r.json.assessment, 'not_established');
    assert.deepEqual(r.json.next_steps, []);
  });

  test('unknown answers are never counted: all unknown gives insufficient_information', async () => {
    // Nothing answered at all, and the same with explicit "unknown".
    for (const answers of [undefined, Object.fromEntries(adultLabour.indicators.map((i) => [i.id, 'unknown']))]) {
      const body = { set: 'adult-labour' };
      if (answers) body.answers = answers;
      const r = await responder.post('/screenings', body);
      assert.equal(r.status, 201, r.text);
      assertResult(r.json, adultLabour);
      assert.equal(r.json.assessment, 'insufficient_information');
      for (const d of r.json.dimensions) {
        assert.equal(d.result, 'unknown', d.key);
        assert.deepEqual(d.indicators, []);
        const all = adultLabour.indicators.filter((i) => i.dimension === d.key).map((i) => i.id);
        assert.deepEqual([...d.unknown_indicators].sort(), all.sort());
      }
      assert.ok(r.json.next_steps.includes('complete_screening'));
      assert.ok(r.json.next_steps.includes('create_case'));
      assert.ok(!r.json.next_steps.includes('referral'));
    }
    // Everything "no": not established, nothing left to find out.
    const no = await responder.post('/screenings', { set: 'adult-labour', answers: answersWith(adultLabour, []) });
    assert.equal(no.status, 201, no.text);
    assert.equal(no.json.assessment, 'not_established');
    for (const d of no.json.dimensions) assert.equal(d.result, 'absent');
  });

  test('a child, or a person who may be under 18, is screened on a child set and flagged', async () => {
    for (const age of ['child', 'unknown']) {
      const r = await responder.post('/screenings', { set: 'adult-labour', age, answers: {} });
      assertError(r, 400, 'child_set_required', 'set');
    }
    // Recruitment and exploitation suffice for a child.
    const yes = [...presentPick(childLabour, 'deceptive_recruitment'), ...presentPick(childLabour, 'exploitation')];
    const r = await responder.post('/screenings', { set: 'child-labour', age: 'child', answers: answersWith(childLabour, yes) });
    assert.equal(r.status, 201, r.text);
    assertResult(r.json, childLabour);
    assert.equal(r.json.child_protection, true);
    assert.equal(r.json.assessment, 'likely_victim');
    assert.ok(r.json.next_steps.includes('child_protection'));
    made.child = r.json;
    // Age unknown is screened on the child list as well.
    const u = await responder.post('/screenings', { set: 'child-labour', age: 'unknown' });
    assert.equal(u.status, 201, u.text);
    assert.equal(u.json.child_protection, true);
  });

  test('bad input: each refusal has its code and field', async () => {
    const first = adultLabour.indicators[0].id;
    const cases = [
      [{ set: 'no-such-set' }, 400, 'unknown_set', 'set'],
      [{ set: 'Not A Key!' }, 400, 'unknown_set', 'set'],
      [{ set: 'adult-labour', answers: { 'ZZ-NOT-THERE': 'yes' } }, 400, 'unknown_indicator', 'answers.ZZ-NOT-THERE'],
      [{ set: 'adult-labour', answers: { [first]: 'maybe' } }, 400, 'invalid', `answers.${first}`],
      [{ set: 'adult-labour', answers: { [first]: true } }, 400, 'invalid', `answers.${first}`],
      [{ set: 'adult-labour', answers: { [first]: 'YES' } }, 400, 'invalid', `answers.${first}`],
      [{ set: 'adult-labour', age: 'teen' }, 400, 'invalid', 'age'],
      [{ set: 'adult-labour', context: 'nightclub' }, 400, 'invalid', 'context'],
      [{ set: 'adult-labour', notes: 'x'.repeat(4001) }, 400, 'too_long', 'notes'],
      [{ set: 'adult-labour', answers: [] }, 400, 'wrong_type', 'answers'],
      [{ answers: {} }, 400, 'missing_field', 'set'],
      [{ set: 'adult-labour', score: 7 }, 400, 'unknown_field', 'score'],
    ];
    for (const [body, status, code, field] of cases) assertError(await responder.post('/screenings', body), status, code, field);
    // 4000 Arabic letters are 4000 characters (8000 bytes): accepted.
    const ok = await responder.post('/screenings', { set: 'adult-labour', notes: 'ع'.repeat(4000) });
    assert.equal(ok.status, 201, ok.text);
    // A case out of reach, or none at all, answers 404 like a case that does not exist.
    const cmCase = await cm.post('/cases', caseBody('Out Of Reach'));
    assert.equal(cmCase.status, 201, cmCase.text);
    assertError(await responder.post('/screenings', { set: 'adult-labour', case: cmCase.json.ref }), 404, 'not_found');
    assertError(await responder.post('/screenings', { set: 'adult-labour', case: 'BH-1999-99999' }), 404, 'not_found');
    // Nothing of the refused requests was stored.
    const mine = (await responder.get('/screenings', { query: { limit: '200' } })).json.items;
    assert.ok(!mine.some((s) => s.case === cmCase.json.ref));
  });

  test('a set restricted to other countries is refused with set_not_allowed', async () => {
    // Import a national set for Egypt only, through the command line.
    const text = [
      'set eg-only', 'version 1', 'population adult', 'exploitation labour', 'country EG',
      'title | Egypt only | مصر فقط', 'source | Test | اختبار',
      ...DIMS.map((d, i) => `dimension ${d} | Dimension ${i} | البعد ${i}`),
      'rule dimension: strong >= 1',
      'rule victim: exploitation',
      ...DIMS.map((d, i) => `indicator EG-${i} | ${d} | strong | Question ${i}? | سؤال ${i}؟`),
    ].join('\n') + '\n';
    const file = join(server.parent, 'eg-only.set');
    writeFileSync(file, text);
    const imp = spawnSync(BIN, ['screening', 'import-set', server.dir, file], { env: server.env, encoding: 'utf8' });
    assert.equal(imp.status, 0, `import-set: ${imp.stdout} ${imp.stderr}`);
    const r = await responder.post('/screenings', { set: 'eg-only', answers: {} });
    assertError(r, 400, 'set_not_allowed', 'set');
  });

  test('create the case from the result: one action records the case, the urgent needs, and attaches the screening', async () => {
    const id = made.likely.id;
    const r = await responder.post(`/screenings/${id}/case`, { case: caseBody('Screened Person'), urgent_needs: ['Shelter', 'Medical'] });
    assert.equal(r.status, 201, r.text);
    assert.match(r.json.ref, /^BH-\d{4}-\d{5}$/);
    assert.equal(r.json.screening, id);
    assert.ok(!r.json.next_steps.includes('create_case'));
    assert.ok(r.json.next_steps.includes('referral'));
    assert.ok(r.json.next_steps.includes('identification_decision'));
    made.likelyRef = r.json.ref;
    const c = await responder.get(`/cases/${r.json.ref}`);
    assert.equal(c.status, 200, c.text);
    assert.deepEqual([...c.json.victim.urgent_needs].sort(), ['Medical', 'Shelter']);
    assert.ok(c.json.victim.trafficking_status, 'a victim record needs a status: possible until decided');
    // The screening is listed under the case, and still opens (now with the case's key).
    const list = await responder.get('/screenings', { query: { case: r.json.ref } });
    assert.equal(list.status, 200, list.text);
    assert.deepEqual(list.json.items.map((s) => s.id), [id]);
    assert.equal(list.json.items[0].case, r.json.ref);
    assert.ok(!('notes' in list.json.items[0]), 'lists carry no notes');
    const g = await responder.get(`/screenings/${id}`);
    assert.equal(g.status, 200, g.text);
    assert.equal(g.json.case, r.json.ref);
    assert.equal(g.json.notes, 'Met at a construction site');
    for (const y of made.likelyYes) assert.equal(g.json.answers[y], 'yes');
    assert.deepEqual(g.json.dimensions, made.likely.dimensions);
    // Twice is refused, whichever way.
    assertError(await responder.post(`/screenings/${id}/case`, { case: caseBody('Again') }), 409, 'already_attached');
    assertError(await responder.post(`/screenings/${id}/case`, { ref: r.json.ref }), 409, 'already_attached');
  });

  test('attaching a child screening adds ChildProtection; a bad case body creates nothing', async () => {
    const id = made.child.id;
    // The case body is checked like POST /cases: nothing is created, the screening stays anonymous.
    const bad = await responder.post(`/screenings/${id}/case`, { case: { person: { gender: 'Martian' }, case: { status: 'Active', purpose } } });
    assert.equal(bad.status, 400, bad.text);
    assert.equal((await responder.get(`/screenings/${id}`)).json.case, null);
    assertError(await responder.post(`/screenings/${id}/case`, { case: caseBody('Child'), urgent_needs: ['Pony'] }), 400, 'invalid', 'urgent_needs');
    assertError(await responder.post(`/screenings/${id}/case`, {}), 400, 'missing_field', 'case');
    assertError(await responder.post(`/screenings/${id}/case`, { case: caseBody('Child'), ref: made.likelyRef }), 400, 'invalid', 'ref');
    const r = await responder.post(`/screenings/${id}/case`, { case: caseBody('Child') });
    assert.equal(r.status, 201, r.text);
    assert.ok(r.json.next_steps.includes('child_protection'));
    const c = await responder.get(`/cases/${r.json.ref}`);
    assert.deepEqual(c.json.victim.urgent_needs, ['ChildProtection']);
  });

  test('attach to an existing case: urgent needs are added to those recorded', async () => {
    const victimFields = schema.entities.find((e) => e.name === 'victim').fields;
    const body = caseBody('Existing Case');
    body.victim = { trafficking_status: victimFields.find((x) => x.key === 'trafficking_status').choices[0].value, urgent_needs: ['Safety'] };
    const kase = await cm.post('/cases', body);
    assert.equal(kase.status, 201, kase.text);
    const s = await cm.post('/screenings', { set: 'adult-labour', answers: answersWith(adultLabour, made.likelyYes), notes: 'second interview' });
    assert.equal(s.status, 201, s.text);
    const r = await cm.post(`/screenings/${s.json.id}/case`, { ref: kase.json.ref, urgent_needs: ['Interpreter'] });
    assert.equal(r.status, 201, r.text);
    assert.equal(r.json.ref, kase.json.ref);
    const c = await cm.get(`/cases/${kase.json.ref}`);
    assert.deepEqual([...c.json.victim.urgent_needs].sort(), ['Interpreter', 'Safety']);
    const list = await cm.get('/screenings', { query: { case: kase.json.ref } });
    assert.deepEqual(list.json.items.map((x) => x.id), [s.json.id]);
    // A second screening made on the case directly is listed too, newest first.
    const s2 = await cm.post('/screenings', { set: 'adult-labour', case: kase.json.ref });
    assert.equal(s2.status, 201, s2.text);
    assert.equal(s2.json.case, kase.json.ref);
    assert.ok(!s2.json.next_steps.includes('create_case'));
    const list2 = await cm.get('/screenings', { query: { case: kase.json.ref } });
    assert.deepEqual(list2.json.items.map((x) => x.id).sort(), [s.json.id, s2.json.id].sort());
    // Attaching to a case out of reach answers 404 and changes nothing.
    const other = await cm.post('/screenings', { set: 'adult-labour' });
    assertError(await cm.post(`/screenings/${other.json.id}/case`, { ref: made.likelyRef }), 404, 'not_found');
    assertError(await cm.post(`/screenings/${other.json.id}/case`, { ref: 'BH-1999-99999' }), 404, 'not_found');
    assert.equal((await cm.get(`/screenings/${other.json.id}`)).json.case, null);
    made.cmCase = kase.json.ref;
    made.cmScreenings = [s.json.id, s2.json.id];
  });

  test('who may screen, read and attach: the role matrix of the four routes', async () => {
    // No permission at all: 403 on every route.
    const sid = made.likely.id;
    for (const c of [admin, analyst, auditor]) {
      assert.equal((await c.post('/screenings', { set: 'adult-labour' })).status, 403);
      assert.equal((await c.get('/screenings')).status, 403);
      assert.equal((await c.get(`/screenings/${sid}`)).status, 403);
      assert.equal((await c.post(`/screenings/${sid}/case`, { ref: made.likelyRef })).status, 403);
    }
    assert.equal((await server.client().get('/screenings')).status, 401);
    // Everyone with the screening permission screens.
    const byWho = {};
    for (const [name, c] of Object.entries({ coordinator, provider, authority, responder2, cm })) {
      const r = await c.post('/screenings', { set: 'adult-labour' });
      assert.equal(r.status, 201, `${name}: ${r.text}`);
      byWho[name] = r.json.id;
    }
    const r1 = await responder.post('/screenings', { set: 'adult-labour' });
    byWho.responder = r1.json.id;
    // Creating a case from a screening needs case.write.
    for (const c of [coordinator, provider])
      assert.equal((await c.post(`/screenings/${byWho.coordinator}/case`, { case: caseBody('X') })).status, 403);

    // Reading: own (responder, coordinator, provider) or organisation-wide (case manager, authority).
    const can = async (c, id) => (await c.get(`/screenings/${id}`)).status;
    assert.equal(await can(responder, byWho.responder), 200);
    assert.equal(await can(responder, byWho.responder2), 404, 'a responder does not see a colleague\'s screening');
    assert.equal(await can(responder2, byWho.responder), 404);
    assert.equal(await can(authority, byWho.responder), 200, 'the competent authority sees its organisation\'s');
    assert.equal(await can(authority, byWho.responder2), 200);
    assert.equal(await can(cm, byWho.responder), 404, 'another organisation: 404');
    assert.equal(await can(cm, byWho.provider), 200, 'the case manager sees the shelter\'s screenings');
    assert.equal(await can(provider, byWho.cm), 404, 'a service provider sees only own');
    assert.equal(await can(coordinator, byWho.responder), 404);
    assert.equal(await can(coordinator, byWho.coordinator), 200);
    assert.equal(await can(responder, '0'.repeat(32)), 404);
    assert.equal(await can(responder, 'not-an-id'), 404);

    // Lists follow the same reach.
    const ids = async (c) => (await listAll(c, '/screenings')).map((s) => s.id);
    const rl = await ids(responder);
    assert.ok(rl.includes(byWho.responder) && !rl.includes(byWho.responder2) && !rl.includes(byWho.authority));
    const al = await ids(authority);
    assert.ok(al.includes(byWho.responder) && al.includes(byWho.responder2) && al.includes(byWho.authority));
    assert.ok(!al.includes(byWho.cm));
    const cl = await ids(cm);
    assert.ok(cl.includes(byWho.provider) && cl.includes(byWho.cm) && !cl.includes(byWho.responder));
    const lim = await responder.get('/screenings', { query: { limit: '1' } });
    assert.equal(lim.json.items.length, 1);
    assertError(await responder.get('/screenings', { query: { limit: '0' } }), 400, 'invalid', 'limit');
    // The screenings of a case: only when the case is readable.
    assertError(await responder.get('/screenings', { query: { case: made.cmCase } }), 404, 'not_found');
    assertError(await authority.get('/screenings', { query: { case: made.cmCase } }), 404, 'not_found');
    assertError(await coordinator.get('/screenings', { query: { case: made.cmCase } }), 404, 'not_found');
    assert.equal((await cm.get('/screenings', { query: { case: made.cmCase } })).status, 200);
    // Attaching: the screening must be in the caller's reach, the case writable.
    assertError(await cm.post(`/screenings/${byWho.responder}/case`, { case: caseBody('Not Mine') }), 404, 'not_found');
    assertError(await responder2.post(`/screenings/${byWho.responder}/case`, { case: caseBody('Not Mine') }), 404, 'not_found');
    assertError(await responder.post(`/screenings/${byWho.responder}/case`, { ref: made.cmCase }), 404, 'not_found');
    const auth = await authority.post(`/screenings/${byWho.responder2}/case`, { case: caseBody('By Authority') });
    assert.equal(auth.status, 201, auth.text);
    // The responder who screened still reads the screening after a colleague attached it.
    assert.equal(await can(responder2, byWho.responder2), 200);
  });

  test('an anonymous screening leaves nothing readable in the database files', async () => {
    const marker = 'ZEPHYR-NOTE-' + crypto.randomBytes(8).toString('hex');
    const yes = presentPick(adultLabour, 'coercive_recruitment');
    const answers = answersWith(adultLabour, yes);
    const r = await responder.post('/screenings', { set: 'adult-labour', answers, notes: marker, context: 'hotline' });
    assert.equal(r.status, 201, r.text);
    // It is really stored: the notes come back.
    assert.equal((await responder.get(`/screenings/${r.json.id}`)).json.notes, marker);
    const haystack = storedBytes(server);
    assert.ok(haystack.length > 0);
    const needles = [marker, 'ZEPHYR-NOTE', 'Met at a construction site', 'second interview',
      ...yes.map((id) => `"${id}":"yes"`), `"${adultLabour.indicators[0].id}":"no"`, '"answers":{', '"notes":"'];
    for (const n of needles) assert.equal(haystack.indexOf(Buffer.from(n)), -1, `"${n}" found in the database`);
    // The result itself is workflow data and is kept in clear: the check above can see text.
    assert.notEqual(haystack.indexOf(Buffer.from('insufficient_information')), -1, 'the scan reads the stored rows');
  });

  test('erasing the case deletes its screenings', async () => {
    for (const id of made.cmScreenings) assert.equal((await cm.get(`/screenings/${id}`)).status, 200);
    assert.equal((await cm.del(`/cases/${made.cmCase}`)).status, 204);
    for (const id of made.cmScreenings) assertError(await cm.get(`/screenings/${id}`), 404, 'not_found');
    assertError(await cm.get('/screenings', { query: { case: made.cmCase } }), 404, 'not_found');
    const cl = (await listAll(cm, '/screenings')).map((s) => s.id);
    for (const id of made.cmScreenings) assert.ok(!cl.includes(id));
  });

  test('screenings are audited', async () => {
    const log = await listAll(auditor, '/audit');
    for (const a of ['screening.create', 'screening.read', 'screening.attach', 'screening.list'])
      assert.ok(log.some((x) => x.action === a), `${a} audited`);
    const create = log.find((x) => x.action === 'screening.create');
    assert.equal(create.object_id, made.likely.id);
  });
});
