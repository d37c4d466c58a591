// directory.test.mjs: the service directory (/api/v1/services): who may read
// and change which entry, every search filter, the capacity rules, the
// validation errors with their fields, and the audit rows of each change.

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, BACKEND, errCode, listAll } from './lib.mjs';

function assertError(r, status, code, field) {
  assert.equal(r.status, status, `status; body: ${r.text}`);
  assert.equal(errCode(r), code, `error code; body: ${r.text}`);
  if (field !== undefined) {
    const fields = r.json.error.fields || {};
    assert.ok(fields[field], `fields.${field} in ${r.text}`);
  }
}

const shelterEntry = () => ({
  services: ['Accommodation', 'Psychological', 'Health'],
  regions: ['Capital Governorate', 'المحافظة الشمالية'],
  languages: ['ar', 'en', 'tl'],
  accepts: ['women', 'children'],
  capacity: { total: 20, free: 3 },
  accepting: true,
  note: 'Call the duty phone before 22:00.',
});

const committeeEntry = () => ({
  services: ['Legal', 'ReturnAndReintegration'],
  regions: ['Capital Governorate', 'Southern Governorate'],
  languages: ['ar', 'en'],
  accepts: ['women', 'men', 'children', 'families'],
  accepting: false,
});

const policeEntry = () => ({
  services: ['ProtectionAndSafety', 'Interpretation'],
  regions: ['Southern Governorate'],
  languages: ['ar', 'ur'],
  accepts: ['men', 'families'],
  accepting: true,
  note: '',
});

describe(`[${BACKEND}] service directory`, () => {
  let server;
  const c = {};
  const org = {};

  before(async () => {
    server = await startServer();
    c.admin = await server.adminSetup();
    for (const u of ['coordinator', 'casemanager', 'responder', 'provider', 'analyst', 'auditor', 'authority'])
      c[u] = await server.as(u);
    const orgs = await listAll(c.admin, '/orgs');
    for (const [key, name] of [['committee', 'National Committee'], ['hope', 'Hope Shelter'], ['police', 'Police Directorate']]) {
      const o = orgs.find((x) => x.name_en === name);
      assert.ok(o, `demo organisation ${name}`);
      org[key] = o;
    }
  });
  after(async () => {
    if (server) await server.stop();
  });

  test('a new installation lists only the demonstration shelter; an organisation without an entry is 404', async () => {
    const r = await c.coordinator.get('/services');
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json.items.map((e) => e.org_name.en), ['Safe Care Centre']);
    assert.ok(r.json.service_types.some((s) => s.code === 'Accommodation' && s.label.ar && s.label.en));
    assert.ok(r.json.service_types.some((s) => s.code === 'SocialCare' && s.htcds === true));
    assertError(await c.coordinator.get(`/services/${org.hope.id}`), 404, 'not_found');
    assertError(await c.coordinator.get(`/services/${'0'.repeat(32)}`), 404, 'not_found');
  });

  test('analyst and auditor may not read the directory', async () => {
    for (const u of ['analyst', 'auditor']) {
      assertError(await c[u].get('/services'), 403, 'forbidden');
      assertError(await c[u].get(`/services/${org.hope.id}`), 403, 'forbidden');
    }
  });

  test('first responder and competent authority may not change any entry', async () => {
    for (const u of ['responder', 'authority']) {
      assertError(await c[u].put(`/services/${org.police.id}`, policeEntry()), 403, 'forbidden');
      assertError(await c[u].patch(`/services/${org.police.id}/capacity`, { free: 1 }), 403, 'forbidden');
    }
    assertError(await c.coordinator.get(`/services/${org.police.id}`), 404, 'not_found');
  });

  test("the case manager of Hope Shelter keeps its entry, and no other organisation's", async () => {
    const r = await c.casemanager.put(`/services/${org.hope.id}`, shelterEntry());
    assert.equal(r.status, 200, r.text);
    const e = r.json;
    assert.equal(e.org_id, org.hope.id);
    assert.deepEqual(e.org_name, { en: 'Hope Shelter', ar: org.hope.name_ar });
    assert.equal(e.org_type, 'NGO');
    assert.deepEqual(e.services, ['Accommodation', 'Psychological', 'Health']);
    assert.deepEqual(e.regions, ['Capital Governorate', 'المحافظة الشمالية']);
    assert.deepEqual(e.languages, ['ar', 'en', 'tl']);
    assert.deepEqual(e.accepts, ['women', 'children']);
    assert.deepEqual(e.capacity, { total: 20, free: 3 });
    assert.equal(e.accepting, true);
    assert.equal(e.note, 'Call the duty phone before 22:00.');
    assert.ok(Number.isInteger(e.updated_at) && e.updated_at > 0);

    const other = await c.casemanager.put(`/services/${org.police.id}`, policeEntry());
    assertError(other, 404, 'not_found');
    assertError(await c.casemanager.patch(`/services/${org.police.id}/capacity`, { free: 1 }), 404, 'not_found');
    assertError(await c.provider.put(`/services/${org.committee.id}`, committeeEntry()), 404, 'not_found');
    assertError(await c.casemanager.put(`/services/${'f'.repeat(32)}`, policeEntry()), 404, 'not_found');
    // the refused write left nothing behind
    assertError(await c.coordinator.get(`/services/${org.police.id}`), 404, 'not_found');

    // the case manager reads the entry back, as does another organisation's user
    const back = await c.responder.get(`/services/${org.hope.id}`);
    assert.equal(back.status, 200, back.text);
    assert.deepEqual(back.json, e);
  });

  test('coordinator and administrator may change any entry', async () => {
    let r = await c.coordinator.put(`/services/${org.police.id}`, policeEntry());
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.capacity, null);
    assert.equal(r.json.note, '');
    r = await c.admin.put(`/services/${org.committee.id}`, committeeEntry());
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.accepting, false);
    assertError(await c.admin.put(`/services/${'0'.repeat(32)}`, committeeEntry()), 404, 'not_found');
  });

  test('a PUT replaces the whole entry', async () => {
    const changed = { ...policeEntry(), services: ['ProtectionAndSafety'], regions: [], languages: ['ar'] };
    let r = await c.coordinator.put(`/services/${org.police.id}`, changed);
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json.services, ['ProtectionAndSafety']);
    assert.deepEqual(r.json.regions, []);
    assert.deepEqual(r.json.languages, ['ar']);
    r = await c.coordinator.put(`/services/${org.police.id}`, policeEntry());
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json.services, ['ProtectionAndSafety', 'Interpretation']);
  });

  // `init --demo` gives the demonstration shelter (Safe Care Centre) an entry; these tests build their own.
  const names = (r) => {
    assert.equal(r.status, 200, r.text);
    return r.json.items.map((e) => e.org_name.en).filter((n) => n !== 'Safe Care Centre');
  };

  test('the list is sorted by organisation name and every filter narrows it', async () => {
    const all = names(await c.provider.get('/services'));
    assert.deepEqual(all, ['Hope Shelter', 'National Committee', 'Police Directorate']);
    const q = (query) => c.responder.get('/services', { query });
    assert.deepEqual(names(await q({ service: 'Legal' })), ['National Committee']);
    assert.deepEqual(names(await q({ service: 'Accommodation' })), ['Hope Shelter']);
    assert.deepEqual(names(await q({ service: 'Education' })), []);
    assert.deepEqual(names(await q({ region: 'capital governorate' })), ['Hope Shelter', 'National Committee']);
    assert.deepEqual(names(await q({ region: 'SOUTHERN GOVERNORATE' })), ['National Committee', 'Police Directorate']);
    assert.deepEqual(names(await q({ region: 'المحافظة الشمالية' })), ['Hope Shelter']);
    assert.deepEqual(names(await q({ region: 'Southern' })), [], 'a region matches exactly, not by prefix');
    assert.deepEqual(names(await q({ language: 'ur' })), ['Police Directorate']);
    assert.deepEqual(names(await q({ language: 'en' })), ['Hope Shelter', 'National Committee']);
    assert.deepEqual(names(await q({ accepts: 'men' })), ['National Committee', 'Police Directorate']);
    assert.deepEqual(names(await q({ accepts: 'children' })), ['Hope Shelter', 'National Committee']);
    assert.deepEqual(names(await q({ free: '1' })), ['Hope Shelter']);
    assert.deepEqual(names(await q({ accepting: '1' })), ['Hope Shelter', 'Police Directorate']);
    assert.deepEqual(names(await q({ accepting: '0', free: '0' })), all);
    assert.deepEqual(names(await q({ language: 'ar', accepts: 'families', accepting: '1' })), ['Police Directorate']);
    assert.deepEqual(names(await q({ service: 'Legal', region: 'Southern Governorate', language: 'en' })), ['National Committee']);
  });

  test('bad search parameters answer 400 with the parameter', async () => {
    for (const [query, field] of [
      [{ service: 'Shelter' }, 'service'], [{ service: '' }, 'service'], [{ language: 'xx' }, 'language'],
      [{ language: 'EN' }, 'language'], [{ accepts: 'adults' }, 'accepts'], [{ free: 'yes' }, 'free'],
      [{ accepting: '2' }, 'accepting'], [{ region: 'x'.repeat(101) }, 'region'], [{ region: '' }, 'region'],
    ])
      assertError(await c.coordinator.get('/services', { query }), 400, 'invalid', field);
  });

  test('validation errors name the field', async () => {
    const url = `/services/${org.hope.id}`;
    const cases = [
      [{ services: ['Health', 'Legal', 'Shelter'] }, 'invalid', 'services[2]'],
      [{ services: [] }, 'invalid', 'services'],
      [{ services: ['Health', 'Health'] }, 'invalid', 'services[1]'],
      [{ languages: ['ar', 'english'] }, 'invalid', 'languages[1]'],
      [{ languages: ['ar', 'zz'] }, 'invalid', 'languages[1]'],
      [{ accepts: ['adults'] }, 'invalid', 'accepts[0]'],
      [{ regions: Array.from({ length: 51 }, (_, i) => `Region ${i}`) }, 'too_long', 'regions'],
      [{ regions: ['North', 'r'.repeat(101)] }, 'too_long', 'regions[1]'],
      [{ regions: ['North', 'north'] }, 'invalid', 'regions[1]'],
      [{ regions: ['   '] }, 'invalid', 'regions[0]'],
      [{ note: 'n'.repeat(501) }, 'too_long', 'note'],
      [{ capacity: { total: 5, free: 6 } }, 'invalid', 'capacity.free'],
      [{ capacity: { total: -1, free: 0 } }, 'invalid', 'capacity.total'],
      [{ capacity: { total: 5, free: -1 } }, 'invalid', 'capacity.free'],
      [{ capacity: { total: 5 } }, 'missing_field', 'capacity.total'.replace('total', 'free')],
      [{ capacity: { free: 1 } }, 'missing_field', 'capacity.total'],
      [{ services: ['Health'], capacity: { total: 5, free: 1 } }, 'invalid', 'capacity'],
      [{ accepting: undefined }, 'missing_field', 'accepting'],
      [{ services: undefined }, 'missing_field', 'services'],
      [{ extra: 1 }, 'unknown_field', 'extra'],
    ];
    for (const [change, code, field] of cases) {
      const body = { ...shelterEntry(), ...change };
      for (const k of Object.keys(body)) if (body[k] === undefined) delete body[k];
      assertError(await c.casemanager.put(url, body), 400, code, field);
    }
    // exactly at the limits is fine
    const ok = { ...shelterEntry(), regions: Array.from({ length: 50 }, (_, i) => `R${i}`), note: 'n'.repeat(500) };
    ok.regions[0] = 'ر'.repeat(100);
    const r = await c.casemanager.put(url, ok);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.regions.length, 50);
    // nothing invalid was stored on the way: the entry is the last valid one
    const back = await c.coordinator.get(url);
    assert.equal(back.json.note, 'n'.repeat(500));
    const restore = await c.casemanager.put(url, shelterEntry());
    assert.equal(restore.status, 200, restore.text);
  });

  test('the shelter updates its free places; 0..total only', async () => {
    const url = `/services/${org.hope.id}/capacity`;
    let r = await c.provider.patch(url, { free: 0 });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json.capacity, { total: 20, free: 0 });
    assert.deepEqual(names(await c.coordinator.get('/services', { query: { free: '1' } })), []);
    r = await c.casemanager.patch(url, { free: 20 });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json.capacity, { total: 20, free: 20 });
    assertError(await c.casemanager.patch(url, { free: 21 }), 400, 'invalid', 'free');
    assertError(await c.casemanager.patch(url, { free: -1 }), 400, 'invalid', 'free');
    assertError(await c.casemanager.patch(url, {}), 400, 'missing_field', 'free');
    assertError(await c.casemanager.patch(url, { free: '3' }), 400, 'wrong_type', 'free');
    assert.deepEqual((await c.coordinator.get(`/services/${org.hope.id}`)).json.capacity, { total: 20, free: 20 });
    // an entry without capacity has no free places to set
    assertError(await c.coordinator.patch(`/services/${org.police.id}/capacity`, { free: 1 }), 400, 'invalid', 'free');
    // an organisation without an entry
    const other = await c.admin.post('/orgs', { name_ar: 'منظمة أخرى', name_en: 'Another Org', type: 'NGO', country: 'BH' });
    assert.equal(other.status, 201, other.text);
    assertError(await c.admin.patch(`/services/${other.json.id}/capacity`, { free: 1 }), 404, 'not_found');
    assert.deepEqual(names(await c.coordinator.get('/services', { query: { free: '1' } })), ['Hope Shelter']);
  });

  test('each change has its audit row; refused changes have none', async () => {
    const rows = [];
    let after = 0;
    for (let i = 0; i < 100; i++) {
      const r = await c.auditor.get('/audit', { query: { after: String(after), limit: '200' } });
      assert.equal(r.status, 200, r.text);
      rows.push(...r.json.items);
      if (r.json.items.length === 0 || !r.json.next_cursor) break;
      after = r.json.items[r.json.items.length - 1].seq;
    }
    const meId = async (u) => (await c[u].get('/me')).json.id;
    const updates = rows.filter((r) => r.action === 'directory.update');
    const capacity = rows.filter((r) => r.action === 'directory.capacity');
    const cm = await meId('casemanager');
    const coord = await meId('coordinator');
    const admin = await meId('admin');
    const provider = await meId('provider');
    assert.ok(updates.some((r) => r.actor_id === cm && r.object_type === 'org' && r.object_id === org.hope.id && r.outcome === 'ok'));
    assert.ok(updates.some((r) => r.actor_id === coord && r.object_id === org.police.id));
    assert.ok(updates.some((r) => r.actor_id === admin && r.object_id === org.committee.id));
    assert.ok(!updates.some((r) => r.actor_id === cm && r.object_id === org.police.id), 'no row for the refused write');
    assert.ok(capacity.some((r) => r.actor_id === provider && r.object_id === org.hope.id));
    assert.equal(capacity.length, 2, 'one row per capacity change, none for refused ones');
    // hope: first PUT, the valid PUT at the limits, and the restore
    assert.equal(updates.filter((r) => r.object_id === org.hope.id).length, 3);
  });
});
