// plan.test.mjs: the individual support plan of a case and the services
// delivered (/api/v1/cases/{ref}/plan, .../plan/items, .../services): the
// owner writes and reads, versions refuse stale writes, bad input is named by
// field, other organisations get the same 404 as an unknown reference, the
// texts are never in the database in clear, every call is audited, erasure
// removes the rows, and an organisation serving the case through an accepted
// referral sees only its own items and services.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, BACKEND, errCode, listAll, storedBytes } from './lib.mjs';

const DAY = 86400000;
const day = (n) => new Date(Date.now() + n * DAY).toISOString().slice(0, 10);

// Texts that must never be found in clear in the database.
const SECRET = {
  goal: 'Safe housing away from the Hamala compound',
  action: 'Escort to the women\'s wing with interpreter Noor',
  goal2: 'Recover the passport held by the Zallaq agency',
  note: 'Met the caseworker at the Juffair clinic',
  receiverNote: 'Night shift intake in the Budaiya house',
};

// The referral routes are written by another module; the receiver tests need them.
const HAS_REFERRALS = readFileSync(new URL('../../src/api/api.c', import.meta.url), 'utf8')
  .includes('"/api/v1/referrals"');

function assertError(r, status, code, field) {
  assert.equal(r.status, status, `status; body: ${r.text}`);
  assert.equal(errCode(r), code, `error code; body: ${r.text}`);
  if (field !== undefined) assert.ok((r.json.error.fields || {})[field], `fields.${field} in ${r.text}`);
}

describe(`[${BACKEND}] support plans and services delivered`, () => {
  let server, cm, provider, shelter, coordinator, authority, responder, auditor, admin;
  let purpose, hope, police, safeCare, me;

  async function newCase(name = 'Plan Person') {
    const r = await cm.post('/cases', { person: { given_name_latin: name }, case: { status: 'Active', purpose } });
    assert.equal(r.status, 201, r.text);
    return r.json.ref;
  }
  const getPlan = async (ref, client = cm) => {
    const r = await client.get(`/cases/${ref}/plan`);
    assert.equal(r.status, 200, r.text);
    return r.json;
  };
  const item = (over = {}) => ({
    support_type: 'Accommodation', goal: 'Stable housing', responsible_org: hope.id, ...over,
  });
  async function putOk(ref, body) {
    const r = await cm.put(`/cases/${ref}/plan`, body);
    assert.equal(r.status, 200, r.text);
    return r.json;
  }
  function sql(q) {
    const r = BACKEND === 'sqlite'
      ? spawnSync('sqlite3', [join(server.dir, 'ihala.db'), q], { encoding: 'utf8' })
      : spawnSync('psql', [server.pg.conninfo, '-tAc', q], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    return r.stdout.trim();
  }

  before(async () => {
    server = await startServer();
    admin = await server.adminSetup();
    cm = await server.as('casemanager');
    provider = await server.as('provider');
    shelter = await server.as('shelter');
    coordinator = await server.as('coordinator');
    authority = await server.as('authority');
    responder = await server.as('responder');
    auditor = await server.as('auditor');
    const schema = (await cm.get('/schema')).json;
    purpose = schema.entities.find((e) => e.name === 'case').fields.find((f) => f.key === 'purpose').choices[0].value;
    const orgs = await listAll(admin, '/orgs');
    const byName = (n) => {
      const o = orgs.find((x) => x.name_en === n);
      assert.ok(o, `demo organisation ${n}`);
      return o;
    };
    hope = byName('Hope Shelter');
    police = byName('Police Directorate');
    safeCare = byName('Safe Care Centre');
    me = (await cm.get('/me')).json;
    assert.equal(me.org.id, hope.id);
    assert.equal((await shelter.get('/me')).json.org.id, safeCare.id);
  });
  after(async () => {
    if (server) await server.stop();
  });

  test('a case without a plan: version 0 and no items; the routes need the plan permission', async () => {
    const ref = await newCase();
    assert.deepEqual(await getPlan(ref), {
      case_ref: ref, view: 'owner', version: 0, updated_at: null, updated_by: null, updated_by_name: null, items: [],
    });
    let r = await cm.get(`/cases/${ref}/services`);
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json, { items: [], next_cursor: null });
    // No plan permission: coordinator, competent authority, first responder, auditor, admin.
    for (const [who, c] of Object.entries({ coordinator, authority, responder, auditor, admin })) {
      for (const [method, path, body] of [
        ['GET', `/cases/${ref}/plan`], ['PUT', `/cases/${ref}/plan`, { version: 0, items: [] }],
        ['POST', `/cases/${ref}/plan/items`, item()], ['GET', `/cases/${ref}/services`],
        ['POST', `/cases/${ref}/services`, { date: day(0), support_type: 'Legal' }],
      ]) {
        r = await c.req(method, path, body ? { body } : {});
        assertError(r, 403, 'forbidden');
      }
    }
    assert.equal((await getPlan(ref)).version, 0, 'nothing written by the refused calls');
  });

  test('the owner writes the whole plan; an old version is refused, unchanged items keep theirs', async () => {
    const ref = await newCase();
    let plan = await putOk(ref, {
      version: 0,
      items: [
        item({ goal: 'Shelter', action: 'Find a bed', due_date: day(10) }),
        item({ support_type: 'Legal', goal: 'Legal advice', responsible_org: police.id, status: 'in_progress' }),
      ],
    });
    assert.equal(plan.view, 'owner');
    assert.equal(plan.version, 1);
    assert.equal(plan.updated_by, me.id);
    assert.equal(plan.updated_by_name, me.display_name);
    assert.equal(plan.items.length, 2);
    const [a, b] = plan.items;
    assert.match(a.id, /^[0-9a-f]{32}$/);
    assert.deepEqual(
      { support_type: a.support_type, goal: a.goal, action: a.action, due_date: a.due_date, status: a.status, version: a.version },
      { support_type: 'Accommodation', goal: 'Shelter', action: 'Find a bed', due_date: day(10), status: 'planned', version: 1 },
    );
    assert.deepEqual(a.responsible_org, { id: hope.id, name_en: hope.name_en, name_ar: hope.name_ar });
    assert.equal(a.created_by, me.id);
    assert.equal(a.updated_by_name, me.display_name);
    assert.ok(Math.abs(a.updated_at - Date.now() / 1000) < 120);
    assert.equal(a.completed_on, null);
    assert.equal(a.overdue, false);
    assert.equal(b.action, null);
    assert.equal(b.due_date, null);
    assert.equal(b.status, 'in_progress');
    assert.equal(b.responsible_org.id, police.id);

    // Someone else's old view of the plan: 409 with the current version, nothing changed.
    let r = await cm.put(`/cases/${ref}/plan`, { version: 0, items: [] });
    assertError(r, 409, 'stale_version', 'version');
    assert.equal(r.json.error.current_version, 1);
    assert.equal((await getPlan(ref)).items.length, 2);

    // Reorder, change one, add one; the unchanged item keeps its version.
    plan = await putOk(ref, {
      version: 1,
      items: [
        { id: b.id, support_type: 'Legal', goal: 'Legal advice', responsible_org: police.id, status: 'done' },
        { id: a.id, support_type: 'Accommodation', goal: 'Shelter', action: 'Find a bed', responsible_org: hope.id, due_date: day(10) },
        item({ support_type: 'Health', goal: 'Check-up', due_date: day(-3) }),
      ],
    });
    assert.equal(plan.version, 2);
    assert.deepEqual(plan.items.map((i) => i.id).slice(0, 2), [b.id, a.id]);
    assert.equal(plan.items[0].version, 2, 'changed');
    assert.equal(plan.items[0].status, 'done');
    assert.equal(plan.items[0].completed_on, day(0));
    assert.equal(plan.items[1].version, 1, 'unchanged');
    assert.equal(plan.items[1].updated_at, a.updated_at);
    assert.equal(plan.items[2].overdue, true, 'due three days ago and still planned');
    assert.equal(plan.items[0].overdue, false);

    // Left out of a PUT: removed.
    plan = await putOk(ref, { version: 2, items: [{ id: a.id, ...item({ goal: 'Shelter', action: 'Find a bed', due_date: day(10) }) }] });
    assert.deepEqual(plan.items.map((i) => i.id), [a.id]);
    assert.equal(plan.items[0].version, 1);
    assert.equal(plan.version, 3);
    assert.deepEqual(await getPlan(ref), plan);
  });

  test('one item added and one item changed, each with its own version', async () => {
    const ref = await newCase();
    let r = await cm.post(`/cases/${ref}/plan/items`, item({ goal: 'First goal', due_date: day(5) }));
    assert.equal(r.status, 201, r.text);
    assert.equal(r.json.version, 1, 'the plan is made by its first item');
    r = await cm.post(`/cases/${ref}/plan/items`, item({ support_type: 'Education', goal: 'Language course' }));
    assert.equal(r.status, 201, r.text);
    assert.equal(r.json.version, 2);
    const [first, second] = r.json.items;
    assert.equal(second.goal, 'Language course', 'appended at the end');

    r = await cm.patch(`/cases/${ref}/plan/items/${first.id}`, { version: 1, status: 'in_progress', due_date: null, action: 'Call the landlord' });
    assert.equal(r.status, 200, r.text);
    const changed = r.json.items.find((i) => i.id === first.id);
    assert.equal(changed.version, 2);
    assert.equal(changed.status, 'in_progress');
    assert.equal(changed.due_date, null, 'null clears');
    assert.equal(changed.action, 'Call the landlord');
    assert.equal(changed.goal, 'First goal', 'not sent: kept');
    assert.equal(r.json.version, 3);
    assert.equal(r.json.items.find((i) => i.id === second.id).version, 1);

    r = await cm.patch(`/cases/${ref}/plan/items/${first.id}`, { version: 1, status: 'done' });
    assertError(r, 409, 'stale_version', 'version');
    assert.equal(r.json.error.current_version, 2);
    r = await cm.patch(`/cases/${ref}/plan/items/${'0'.repeat(32)}`, { version: 1, status: 'done' });
    assertError(r, 404, 'not_found');
    // An item of another case is not found through this one.
    const other = await newCase();
    r = await cm.patch(`/cases/${other}/plan/items/${first.id}`, { version: 2, status: 'done' });
    assertError(r, 404, 'not_found');
    // A PUT based on the plan before the PATCH is refused.
    r = await cm.put(`/cases/${ref}/plan`, { version: 2, items: [] });
    assertError(r, 409, 'stale_version', 'version');
    assert.equal(r.json.error.current_version, 3);
    assert.equal((await getPlan(ref)).items.length, 2);
  });

  test('bad input is refused with the field at fault, and nothing is written', async () => {
    const ref = await newCase();
    const base = await putOk(ref, { version: 0, items: [item()] });
    const put = (body) => cm.put(`/cases/${ref}/plan`, body);
    assertError(await put({ items: [] }), 400, 'missing_field', 'version');
    assertError(await put({ version: 1 }), 400, 'missing_field', 'items');
    assertError(await put({ version: 'one', items: [] }), 400, 'wrong_type', 'version');
    assertError(await put({ version: 1, items: {} }), 400, 'wrong_type', 'items');
    assertError(await put({ version: 1, items: ['goal'] }), 400, 'wrong_type', 'items[0]');
    assertError(await put({ version: 1, items: [{ support_type: 'Legal', responsible_org: hope.id }] }), 400, 'missing_field', 'items[0].goal');
    assertError(await put({ version: 1, items: [item(), item({ support_type: 'Shelter' })] }), 400, 'invalid', 'items[1].support_type');
    assertError(await put({ version: 1, items: [item({ support_type: undefined })] }), 400, 'missing_field', 'items[0].support_type');
    assertError(await put({ version: 1, items: [item({ responsible_org: undefined })] }), 400, 'missing_field', 'items[0].responsible_org');
    assertError(await put({ version: 1, items: [item({ responsible_org: 'f'.repeat(32) })] }), 400, 'invalid', 'items[0].responsible_org');
    assertError(await put({ version: 1, items: [item({ due_date: '2026-02-30' })] }), 400, 'invalid', 'items[0].due_date');
    assertError(await put({ version: 1, items: [item({ due_date: '30/01/2026' })] }), 400, 'invalid', 'items[0].due_date');
    assertError(await put({ version: 1, items: [item({ status: 'finished' })] }), 400, 'invalid', 'items[0].status');
    assertError(await put({ version: 1, items: [item({ goal: '   ' })] }), 400, 'invalid', 'items[0].goal');
    assertError(await put({ version: 1, items: [item({ goal: 'a\u0001b' })] }), 400, 'invalid', 'items[0].goal');
    assertError(await put({ version: 1, items: [item({ goal: 'x'.repeat(2001) })] }), 400, 'too_long', 'items[0].goal');
    assertError(await put({ version: 1, items: [item({ action: 'y'.repeat(2001) })] }), 400, 'too_long', 'items[0].action');
    assertError(await put({ version: 1, items: [item({ colour: 'red' })] }), 400, 'unknown_field', 'items[0].colour');
    assertError(await put({ version: 1, items: [item({ goal: 7 })] }), 400, 'wrong_type', 'items[0].goal');
    assertError(await put({ version: 1, items: Array.from({ length: 65 }, () => item()) }), 400, 'too_long', 'items');
    assertError(await put({ version: 1, items: [item({ id: '0'.repeat(32) })] }), 400, 'invalid', 'items[0].id');
    const id = base.items[0].id;
    assertError(await put({ version: 1, items: [{ id, ...item() }, { id, ...item() }] }), 400, 'invalid', 'items[1].id');
    // 2000 characters of Arabic (two bytes each) are within the limit.
    const arabic = 'خ'.repeat(2000);
    let r = await cm.post(`/cases/${ref}/plan/items`, item({ goal: arabic }));
    assert.equal(r.status, 201, r.text);
    assert.equal(r.json.items[1].goal, arabic);

    const post = (body) => cm.post(`/cases/${ref}/plan/items`, body);
    assertError(await post({ ...item(), id }), 400, 'unknown_field', 'id');
    assertError(await post({ ...item(), version: 1 }), 400, 'unknown_field', 'version');
    assertError(await post(item({ goal: undefined })), 400, 'missing_field', 'goal');
    assertError(await post(item({ due_date: '2026-13-01' })), 400, 'invalid', 'due_date');
    const patch = (body) => cm.patch(`/cases/${ref}/plan/items/${id}`, body);
    assertError(await patch({ status: 'done' }), 400, 'missing_field', 'version');
    assertError(await patch({ version: 1, status: 'closed' }), 400, 'invalid', 'status');
    assertError(await patch({ version: 1, responsible_org: 'e'.repeat(32) }), 400, 'invalid', 'responsible_org');
    assertError(await patch({ version: 1, goal: 'z'.repeat(2001) }), 400, 'too_long', 'goal');

    const log = (body) => cm.post(`/cases/${ref}/services`, body);
    assertError(await log({ support_type: 'Legal' }), 400, 'missing_field', 'date');
    assertError(await log({ date: day(0) }), 400, 'missing_field', 'support_type');
    assertError(await log({ date: day(1), support_type: 'Legal' }), 400, 'future_date', 'date');
    assertError(await log({ date: '2026-04-31', support_type: 'Legal' }), 400, 'invalid', 'date');
    assertError(await log({ date: day(0), support_type: 'Tea' }), 400, 'invalid', 'support_type');
    assertError(await log({ date: day(0), item: 'a'.repeat(32) }), 400, 'invalid', 'item');
    assertError(await log({ date: day(0), support_type: 'Legal', referral: 'b'.repeat(32) }), 400, 'invalid', 'referral');
    assertError(await log({ date: day(0), support_type: 'Legal', note: 'bad\u0007bell' }), 400, 'invalid', 'note');
    assertError(await log({ date: day(0), support_type: 'Legal', org: police.id }), 400, 'unknown_field', 'org');
    const otherCase = await newCase();
    const otherItem = (await putOk(otherCase, { version: 0, items: [item()] })).items[0].id;
    assertError(await log({ date: day(0), item: otherItem }), 400, 'invalid', 'item');

    const now = await getPlan(ref);
    assert.equal(now.version, 2, 'only the good POST changed the plan');
    assert.equal(now.items[0].version, 1);
    assert.deepEqual((await cm.get(`/cases/${ref}/services`)).json.items, []);
  });

  test('services are logged by the caller\'s organisation, listed latest delivery first in pages', async () => {
    const ref = await newCase();
    const plan = await putOk(ref, { version: 0, items: [item({ goal: 'Shelter' }), item({ support_type: 'Legal', goal: 'Lawyer' })] });
    const [shelterItem, legalItem] = plan.items;
    let r = await cm.post(`/cases/${ref}/services`, { date: day(-2), item: shelterItem.id, note: 'First night' });
    assert.equal(r.status, 201, r.text);
    const first = r.json;
    assert.match(first.id, /^[0-9a-f]{32}$/);
    assert.deepEqual(
      { item: first.item, support_type: first.support_type, date: first.date, referral: first.referral, note: first.note },
      { item: shelterItem.id, support_type: 'Accommodation', date: day(-2), referral: null, note: 'First night' },
      'the support type defaults to the item\'s',
    );
    assert.deepEqual(first.org, { id: hope.id, name_en: hope.name_en, name_ar: hope.name_ar });
    assert.equal(first.logged_by, me.id);
    assert.equal(first.logged_by_name, me.display_name);
    assert.ok(Math.abs(first.logged_at - Date.now() / 1000) < 120);
    r = await cm.post(`/cases/${ref}/services`, { date: day(0), support_type: 'Psychological' });
    assert.equal(r.status, 201, r.text);
    assert.equal(r.json.item, null);
    assert.equal(r.json.note, null);
    r = await cm.post(`/cases/${ref}/services`, { date: day(-1), item: legalItem.id, support_type: 'Interpretation' });
    assert.equal(r.status, 201, r.text);
    assert.equal(r.json.support_type, 'Interpretation', 'a given support type wins');

    const all = await listAll(cm, `/cases/${ref}/services`);
    assert.equal(all.length, 3);
    r = await cm.get(`/cases/${ref}/services`, { query: { limit: '2' } });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.items.length, 2);
    assert.ok(r.json.next_cursor);
    const page2 = await cm.get(`/cases/${ref}/services`, { query: { limit: '2', cursor: r.json.next_cursor } });
    assert.equal(page2.status, 200, page2.text);
    assert.equal(page2.json.items.length, 1);
    assert.equal(page2.json.next_cursor, null);
    assert.deepEqual([...r.json.items, ...page2.json.items].map((s) => s.id), all.map((s) => s.id));
    assert.deepEqual(all.map((s) => s.date), [day(0), day(-1), day(-2)], 'the latest delivery first');
    assert.equal(all[2].id, first.id);
    assertError(await cm.get(`/cases/${ref}/services`, { query: { cursor: 'nonsense' } }), 400, 'invalid', 'cursor');

    // An item that services point at cannot be removed; cancelling it keeps the history.
    r = await cm.put(`/cases/${ref}/plan`, { version: 1, items: [{ id: legalItem.id, support_type: 'Legal', goal: 'Lawyer', responsible_org: hope.id }] });
    assertError(r, 409, 'plan_item_in_use', 'items');
    assert.equal((await getPlan(ref)).items.length, 2);
    r = await cm.patch(`/cases/${ref}/plan/items/${shelterItem.id}`, { version: 1, status: 'cancelled' });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.items[0].status, 'cancelled');
    assert.equal(r.json.items[0].overdue, false);
  });

  test('the person\'s own copy of their data holds the plan and the services, without staff', async () => {
    const ref = await newCase();
    const plan = await putOk(ref, {
      version: 0, items: [item({ goal: 'Own flat', action: 'Apply for housing', due_date: day(30), responsible_org: police.id })],
    });
    let r = await cm.post(`/cases/${ref}/services`, { date: day(-1), item: plan.items[0].id, note: 'Visited <the> office' });
    assert.equal(r.status, 201, r.text);
    r = await cm.get(`/cases/${ref}/subject-export`);
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json.support_plan, [{
      support_type: 'Accommodation', goal: 'Own flat', action: 'Apply for housing', due_date: day(30), status: 'planned',
      completed_on: null, responsible: { en: police.name_en, ar: police.name_ar },
    }]);
    assert.deepEqual(r.json.services_delivered, [{
      date: day(-1), support_type: 'Accommodation', note: 'Visited <the> office', delivered_by: { en: hope.name_en, ar: hope.name_ar },
    }]);
    assert.ok(!r.text.includes(me.id), 'no staff id');
    r = await cm.get(`/cases/${ref}/subject-export`, { query: { format: 'html' } });
    assert.equal(r.status, 200, r.text);
    assert.match(r.text, /<h2>Support plan · <span lang="ar" dir="rtl">خطة الدعم<\/span><\/h2>/);
    assert.ok(r.text.includes('Own flat') && r.text.includes(police.name_en));
    assert.ok(r.text.includes('Visited &lt;the&gt; office'), 'escaped');
    assert.ok(!r.text.includes('<the>'));
  });

  test('another organisation, and staff without case access, get the 404 of an unknown reference', async () => {
    const ref = await newCase();
    const plan = await putOk(ref, { version: 0, items: [item({ responsible_org: safeCare.id })] });
    const itemId = plan.items[0].id;
    const calls = (r) => [
      ['GET', `/cases/${r}/plan`],
      ['PUT', `/cases/${r}/plan`, { version: 1, items: [] }],
      ['POST', `/cases/${r}/plan/items`, item()],
      ['PATCH', `/cases/${r}/plan/items/${itemId}`, { version: 1, status: 'done' }],
      ['GET', `/cases/${r}/services`],
      ['POST', `/cases/${r}/services`, { date: day(0), support_type: 'Legal' }],
    ];
    // shelter: another organisation, named responsible for the item but with no referral;
    // provider: the case's own organisation, but no case access.
    for (const [who, c] of Object.entries({ shelter, provider })) {
      const unknown = calls('BH-1999-99999');
      for (const [i, [method, path, body]] of calls(ref).entries()) {
        const r = await c.req(method, path, body ? { body } : {});
        assertError(r, 404, 'not_found');
        const u = await c.req(unknown[i][0], unknown[i][1], unknown[i][2] ? { body: unknown[i][2] } : {});
        assert.equal(u.status, 404);
        assert.equal(r.text, u.text, `${who} ${method} ${path}: the same answer as an unknown reference`);
      }
    }
    const now = await getPlan(ref);
    assert.equal(now.version, 1);
    assert.equal(now.items[0].status, 'planned');
    assert.deepEqual((await cm.get(`/cases/${ref}/services`)).json.items, []);
  });

  test('every read and write is audited', async () => {
    const ref = await newCase();
    const plan = await putOk(ref, { version: 0, items: [item()] });
    await cm.post(`/cases/${ref}/plan/items`, item({ goal: 'Second' }));
    await cm.patch(`/cases/${ref}/plan/items/${plan.items[0].id}`, { version: 1, status: 'in_progress' });
    await getPlan(ref);
    await cm.post(`/cases/${ref}/services`, { date: day(0), support_type: 'Legal' });
    await cm.get(`/cases/${ref}/services`);
    const rows = await listAll(auditor, '/audit');
    const mine = rows.filter((a) => a.actor_id === me.id && a.object_type === 'case');
    const caseId = mine.filter((a) => a.action === 'plan.update').pop().object_id;
    const actions = mine.filter((a) => a.object_id === caseId).map((a) => a.action);
    for (const a of ['plan.update', 'plan.item.add', 'plan.item.update', 'plan.read', 'service.log', 'service.read'])
      assert.ok(actions.includes(a), `${a} in ${actions.join(', ')}`);
    const text = JSON.stringify(rows);
    assert.equal(text.indexOf('Stable housing'), -1, 'no plan text in the audit log');
  });

  test('erasing the case removes its plan, items and services', async () => {
    const ref = await newCase('Erase Plan');
    const plan = await putOk(ref, { version: 0, items: [item(), item({ support_type: 'Health', goal: 'Doctor' })] });
    let r = await cm.post(`/cases/${ref}/services`, { date: day(0), item: plan.items[0].id, note: 'to be erased' });
    assert.equal(r.status, 201, r.text);
    const caseId = sql(`SELECT id FROM cases WHERE ref = '${ref}'`);
    assert.match(caseId, /^[0-9a-f]{32}$/);
    const count = (t) => Number(sql(`SELECT COUNT(*) FROM ${t} WHERE case_id = '${caseId}'`));
    assert.deepEqual([count('plans'), count('plan_items'), count('plan_services')], [1, 2, 1]);
    r = await cm.del(`/cases/${ref}`);
    assert.equal(r.status, 204, r.text);
    assert.deepEqual([count('plans'), count('plan_items'), count('plan_services')], [0, 0, 0]);
    assertError(await cm.get(`/cases/${ref}/plan`), 404, 'not_found');
    assertError(await cm.get(`/cases/${ref}/services`), 404, 'not_found');
    assertError(await cm.post(`/cases/${ref}/services`, { date: day(0), support_type: 'Legal' }), 404, 'not_found');
  });

  describe('an organisation serving the case through a referral', { skip: !HAS_REFERRALS && 'the referral routes are not in src/api/api.c yet' }, () => {
    let ref, plan, ownItem, theirItem, referral, cmService;
    const move = async (to, extra = {}) => {
      const cur = (await shelter.get(`/referrals/${referral}`)).json;
      const r = await shelter.post(`/referrals/${referral}/transitions`, { to, version: cur.version, ...extra });
      assert.equal(r.status, 200, r.text);
      return r.json;
    };

    before(async () => {
      // Safe Care Centre offers shelter and takes referrals.
      let r = await shelter.put(`/services/${safeCare.id}`, {
        services: ['Accommodation', 'Psychological'], regions: ['Capital Governorate'], languages: ['ar', 'en'],
        accepts: ['women'], capacity: { total: 10, free: 4 }, accepting: true,
      });
      assert.equal(r.status, 200, r.text);
      ref = await newCase('Referred Person');
      r = await cm.post(`/cases/${ref}/consents`, { purpose: 'domestic_referral', given: true, date: day(0) });
      assert.equal(r.status, 201, r.text);
      plan = await putOk(ref, {
        version: 0,
        items: [
          item({ support_type: 'Legal', goal: SECRET.goal2, responsible_org: hope.id }),
          item({ goal: SECRET.goal, action: SECRET.action, responsible_org: safeCare.id, due_date: day(3) }),
        ],
      });
      [ownItem, theirItem] = plan.items;
      r = await cm.post(`/cases/${ref}/services`, { date: day(0), item: ownItem.id, note: SECRET.note });
      assert.equal(r.status, 201, r.text);
      cmService = r.json;
      r = await cm.post('/referrals', {
        case: ref, to_org: safeCare.id, services: ['Accommodation'], urgency: 'urgent',
        reason: 'Needs a safe bed tonight', profile: 'shelter',
      });
      assert.equal(r.status, 201, r.text);
      referral = r.json.id;
    });

    test('before acceptance the receiver gets 404, as for an unknown case', async () => {
      assertError(await shelter.get(`/cases/${ref}/plan`), 404, 'not_found');
      await move('acknowledged');
      assertError(await shelter.get(`/cases/${ref}/plan`), 404, 'not_found');
      assertError(await shelter.get(`/cases/${ref}/services`), 404, 'not_found');
      assertError(await shelter.post(`/cases/${ref}/services`, { date: day(0), support_type: 'Accommodation' }), 404, 'not_found');
    });

    test('once accepted it sees only its own items and services, and sets their status', async () => {
      await move('accepted', { planned_start: day(0) });
      const p = await getPlan(ref, shelter);
      assert.equal(p.view, 'receiver');
      assert.equal(p.version, null, 'no plan version for a receiver');
      assert.equal(p.updated_by, null);
      assert.deepEqual(p.items.map((i) => i.id), [theirItem.id]);
      assert.equal(p.items[0].goal, SECRET.goal);
      assert.equal(JSON.stringify(p).indexOf(SECRET.goal2), -1, 'nothing of the other item');
      let r = await shelter.get(`/cases/${ref}/services`);
      assert.equal(r.status, 200, r.text);
      assert.deepEqual(r.json.items, [], 'not the services of others');
      // Nothing of the case itself (a service provider has no case permission at all).
      r = await shelter.get(`/cases/${ref}`);
      assert.ok([403, 404].includes(r.status), r.text);
      assert.equal(r.text.indexOf('Referred Person'), -1);

      // Its own item's status, nothing else.
      r = await shelter.patch(`/cases/${ref}/plan/items/${theirItem.id}`, { version: theirItem.version, status: 'in_progress' });
      assert.equal(r.status, 200, r.text);
      assert.equal(r.json.view, 'receiver');
      assert.equal(r.json.items[0].status, 'in_progress');
      const shelterMe = (await shelter.get('/me')).json;
      assert.equal(r.json.items[0].updated_by, shelterMe.id);
      assertError(await shelter.patch(`/cases/${ref}/plan/items/${theirItem.id}`, { version: 2, goal: 'Changed' }), 403, 'forbidden', 'goal');
      assertError(await shelter.patch(`/cases/${ref}/plan/items/${theirItem.id}`, { version: 2, due_date: null }), 403, 'forbidden', 'due_date');
      assertError(await shelter.patch(`/cases/${ref}/plan/items/${ownItem.id}`, { version: 1, status: 'done' }), 404, 'not_found');
      assertError(await shelter.patch(`/cases/${ref}/plan/items/${theirItem.id}`, { version: 1, status: 'done' }), 409, 'stale_version', 'version');
      assertError(await shelter.put(`/cases/${ref}/plan`, { version: 2, items: [] }), 403, 'forbidden');
      assertError(await shelter.post(`/cases/${ref}/plan/items`, item({ responsible_org: safeCare.id })), 403, 'forbidden');

      // Logs what it delivers, against its item and through its referral.
      r = await shelter.post(`/cases/${ref}/services`, { date: day(0), item: theirItem.id, referral, note: SECRET.receiverNote });
      assert.equal(r.status, 201, r.text);
      assert.equal(r.json.org.id, safeCare.id);
      assert.equal(r.json.referral, referral);
      assert.equal(r.json.support_type, 'Accommodation');
      const theirs = r.json;
      assertError(await shelter.post(`/cases/${ref}/services`, { date: day(0), item: ownItem.id }), 400, 'invalid', 'item');
      r = await shelter.get(`/cases/${ref}/services`);
      assert.deepEqual(r.json.items.map((s) => s.id), [theirs.id]);

      // The owner sees everything: both services, the receiver's status change.
      const all = await listAll(cm, `/cases/${ref}/services`);
      assert.deepEqual(all.map((s) => s.id).sort(), [cmService.id, theirs.id].sort());
      assert.equal(all.find((s) => s.id === theirs.id).note, SECRET.receiverNote);
      const owner = await getPlan(ref);
      assert.equal(owner.items[1].status, 'in_progress');
      assert.equal(owner.items[1].updated_by, shelterMe.id);
      assert.equal(owner.version, 2, 'the receiver\'s change raised the plan version');
      // The owner may not log a service through a referral to someone else.
      assertError(await cm.post(`/cases/${ref}/services`, { date: day(0), support_type: 'Legal', referral }), 400, 'invalid', 'referral');
    });

    test('after completion the receiver gets 404 again', async () => {
      await move('in_service');
      assert.equal((await shelter.get(`/cases/${ref}/plan`)).status, 200, 'in service: still serving');
      await move('completed', { outcome: 'goals_met' });
      for (const [method, path, body] of [
        ['GET', `/cases/${ref}/plan`], ['GET', `/cases/${ref}/services`],
        ['POST', `/cases/${ref}/services`, { date: day(0), support_type: 'Accommodation' }],
        ['PATCH', `/cases/${ref}/plan/items/${theirItem.id}`, { version: 2, status: 'done' }],
      ]) {
        const r = await shelter.req(method, path, body ? { body } : {});
        assertError(r, 404, 'not_found');
      }
      // The owner still sees what the receiver logged.
      assert.equal((await listAll(cm, `/cases/${ref}/services`)).length, 2);
    });
  });

  test('goal, action and note texts are never stored in clear', async () => {
    const ref = await newCase();
    await putOk(ref, { version: 0, items: [item({ goal: SECRET.goal, action: SECRET.action }), item({ goal: SECRET.goal2 })] });
    const r = await cm.post(`/cases/${ref}/services`, { date: day(0), support_type: 'Legal', note: SECRET.note });
    assert.equal(r.status, 201, r.text);
    assert.equal((await getPlan(ref)).items[0].goal, SECRET.goal);
    const haystack = storedBytes(server);
    assert.ok(haystack.length > 0);
    for (const s of Object.values(SECRET))
      for (const word of [s, s.split(' ').slice(-2).join(' ')])
        assert.equal(haystack.indexOf(Buffer.from(word)), -1, `"${word}" found in the database`);
  });
});
