// dedup.test.mjs: duplicates inside one installation (docs/linkage.md).
//  - Febrl 4 (../shared/data/febrl4/): both files imported as HTCDS CSV, each
//    record id kept as the case's external reference; `ihala link dedup
//    --out` finds the likely pairs; against the truth (rec-N-org and
//    rec-N-dup-0 are one person) precision, recall and F1 >= 0.99.
//  - A new case like an existing one creates a pair when it is saved.
//  - The review queue respects organisations: a case manager sees and
//    decides the pairs of its own organisation only; a pair across
//    organisations is the coordinator's, who sees no person's values.
//  - "Same person" merges and un-merge restores every record, the person
//    ids and the pair, with the audit rows; "different" is remembered.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BIN, BACKEND, startServer, errCode, listAll } from './lib.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const FEBRL = join(ROOT, '..', 'shared', 'data', 'febrl4');
const b64 = (x) => Buffer.from(x).toString('base64');

function runCli(args) {
  return new Promise((resolve) => {
    execFile(BIN, args, { env: { ...process.env, IHALA_PWHASH: 'fast' }, maxBuffer: 64 << 20, timeout: 120000 },
      (err, stdout, stderr) => resolve({ code: err ? err.code ?? 1 : 0, stdout, stderr }));
  });
}

// A CSV line of the simple kind Febrl writes (no quotes), cells trimmed.
const cells = (line) => line.split(',').map((s) => s.trim());
const csvCell = (s) => (/[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

// A Febrl date (YYYYMMDD) as YYYY-MM-DD when it is a real date, else '' (a
// typing error in the source: the registry would refuse it).
function febrlDate(d) {
  if (!/^\d{8}$/.test(d)) return '';
  const iso = `${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6, 8)}`;
  const t = new Date(iso + 'T00:00:00Z');
  return !Number.isNaN(t.getTime()) && t.toISOString().slice(0, 10) === iso && t < new Date() ? iso : '';
}

// One Febrl file as an HTCDS CSV: the record id is the external reference.
function febrlToHtcds(file) {
  const lines = readFileSync(file, 'utf8').split(/\r?\n/).filter((l) => l.trim() !== '');
  const head = cells(lines[0]);
  const col = (name) => head.indexOf(name);
  const out = ['ihala_ExternalRef,prs_FirstName,prs_SecondName,prs_Birthdate,prs_IdentityNumber,' +
    'prs_MailingStreet,prs_MailingCity,prs_MailingState,prs_MailingPostalCode'];
  const ids = [];
  for (const line of lines.slice(1)) {
    const c = cells(line);
    const street = [c[col('street_number')], c[col('address_1')]].filter(Boolean).join(' ');
    ids.push(c[col('rec_id')]);
    out.push([c[col('rec_id')], c[col('given_name')], c[col('surname')], febrlDate(c[col('date_of_birth')]),
      c[col('soc_sec_id')], street, c[col('suburb')], c[col('state')], c[col('postcode')]].map(csvCell).join(','));
  }
  return { csv: out.join('\r\n') + '\r\n', ids };
}

// The record id of a Febrl reference without its -org / -dup-0 ending.
const febrlPerson = (ref) => (/^(rec-\d+)-(org|dup-\d+)$/.exec(ref) || [])[1];

function parseCsv(text) {
  const rows = text.replace(/^\ufeff/, '').split(/\r\n/).filter((l) => l !== '');
  return rows.map((l) => l.split(','));
}

describe(`[${BACKEND}] duplicates: Febrl 4`, { skip: !existsSync(join(FEBRL, 'dataset4a.csv')) && 'no Febrl data' }, () => {
  let server, cm;
  before(async () => {
    server = await startServer();
    cm = await server.as('casemanager');
  });
  after(async () => {
    if (server) await server.stop();
  });

  test('link dedup finds the Febrl duplicates: precision, recall and F1 >= 0.99', { timeout: 240000 }, async () => {
    for (const f of ['dataset4a.csv', 'dataset4b.csv']) {
      const { csv, ids } = febrlToHtcds(join(FEBRL, f));
      const r = await cm.post('/import', { format: 'csv', content: b64(csv) });
      assert.equal(r.status, 200, r.text.slice(0, 2000));
      assert.equal(r.json.imported, ids.length);
    }
    const out = join(server.parent, 'pairs.csv');
    const t0 = Date.now();
    const r = await runCli(['link', 'dedup', server.dir, '--out', out]);
    const seconds = (Date.now() - t0) / 1000;
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^cases: \d+$/m);
    assert.match(r.stdout, /^likely pairs: \d+/m);
    assert.equal(statSync(out).mode & 0o777, 0o600, 'the pairs file is private');
    const rows = parseCsv(readFileSync(out, 'utf8'));
    assert.deepEqual(rows[0], ['ref_a', 'ref_b', 'external_ref_a', 'external_ref_b', 'score', 'class']);
    const truth = 5000;
    let tp = 0, fp = 0, reviewTrue = 0;
    for (const [refA, refB, extA, extB, score, cls] of rows.slice(1)) {
      assert.match(refA, /^[A-Z]{2}-\d{4}-\d{5}$/);
      assert.match(refB, /^[A-Z]{2}-\d{4}-\d{5}$/);
      assert.ok(Number.isFinite(Number(score)));
      assert.ok(cls === 'likely' || cls === 'review', cls);
      const a = febrlPerson(extA), b = febrlPerson(extB);
      if (!a || !b) continue; // demonstration cases of the data folder
      const same = a === b && extA !== extB;
      if (cls === 'likely') {
        if (same) tp++;
        else fp++;
      } else if (same) reviewTrue++;
    }
    const precision = tp / (tp + fp), recall = tp / truth, f1 = (2 * precision * recall) / (precision + recall);
    console.log(`febrl4: tp ${tp} fp ${fp} precision ${precision.toFixed(4)} recall ${recall.toFixed(4)} ` +
      `F1 ${f1.toFixed(4)}; true pairs in review ${reviewTrue}; dedup ${seconds.toFixed(1)} s\n${r.stdout}`);
    assert.ok(f1 >= 0.99, `F1 ${f1}`);
    assert.ok(precision >= 0.99 && recall >= 0.98, `precision ${precision}, recall ${recall}`);
  });
});

describe(`[${BACKEND}] duplicates: checked on save, the review queue, merge and undo`, () => {
  let server, admin, cm, coordinator, pcm, responder, auditor, policeOrg, purpose;

  async function newCase(client, person) {
    const r = await client.post('/cases', { person, case: { status: 'Active', purpose } });
    assert.equal(r.status, 201, r.text);
    return r.json.ref;
  }
  // The pairs a client sees, of the given status, as {refs sorted: pair}.
  async function pairs(client, query = {}) {
    const items = await listAll(client, '/link/pairs', query);
    return items;
  }
  const refsOf = (p) => p.cases.map((c) => c.ref).sort().join(' ');
  const pairOf = (items, a, b) => items.find((p) => refsOf(p) === [a, b].sort().join(' '));
  async function auditRows(action) {
    return (await listAll(auditor, '/audit')).filter((x) => x.action === action);
  }

  before(async () => {
    server = await startServer();
    admin = await server.adminSetup();
    cm = await server.as('casemanager');
    coordinator = await server.as('coordinator');
    responder = await server.as('responder');
    auditor = await server.as('auditor');
    const schema = (await cm.get('/schema')).json;
    purpose = schema.entities.find((e) => e.name === 'case').fields.find((f) => f.key === 'purpose').choices[0].value;
    const orgs = await listAll(admin, '/orgs');
    policeOrg = orgs.find((o) => o.name_en === 'Police Directorate');
    assert.ok(policeOrg, 'the demonstration police organisation');
    const u = await admin.post('/users', {
      username: 'police.cm', display_name: 'Police Case Manager', org_id: policeOrg.id, roles: ['case_manager'],
    });
    assert.equal(u.status, 201, u.text);
    pcm = server.client();
    let r = await pcm.login('police.cm', u.json.password);
    assert.equal(r.status, 200, r.text);
    r = await pcm.changePassword(u.json.password, 'police-dedup-' + Date.now() + '-pass');
    assert.equal(r.status, 200, r.text);
  });
  after(async () => {
    if (server) await server.stop();
  });

  const ZUBAIDA = { given_name_latin: 'Zubaida', family_name_latin: 'Qarawani', birth_date: '1991-03-14', gender: 'Feminine', citizenship: ['ET'] };
  let refA, refB, refC, refArabic;

  test('a new case like an existing one makes a pair when it is saved; a different person does not', async () => {
    refA = await newCase(cm, ZUBAIDA);
    const before = await pairs(cm);
    assert.ok(!before.some((p) => p.cases.some((c) => c.ref === refA)), 'no pair for a case without a double');
    refB = await newCase(cm, { ...ZUBAIDA, given_name_latin: 'Zubayda', document_number: 'K1234567' });
    const after1 = await pairs(cm);
    const ab = pairOf(after1, refA, refB);
    assert.ok(ab, `a pair for ${refA} and ${refB}: ${JSON.stringify(after1)}`);
    assert.equal(ab.status, 'open');
    assert.equal(ab.class, 'likely');
    assert.ok(ab.score > 0);
    assert.equal(ab.comparison.given, 'close', 'one letter apart');
    assert.equal(ab.comparison.family, 'exact');
    assert.equal(ab.comparison.birth, 'exact');
    assert.equal(ab.comparison.doc, 'missing');
    assert.equal(ab.comparison.sex, 'same');
    assert.notEqual(ab.cases[0].person_id, ab.cases[1].person_id, 'two persons until someone decides');
    for (const c of ab.cases) assert.match(c.person_id, /^[0-9a-f]{32}$/);
    // The same person in Arabic script meets the Latin records through the cross-script key.
    refArabic = await newCase(cm, { given_name: 'زبيدة', family_name: 'القرواني', birth_date: '1991-03-14', gender: 'Feminine' });
    const withArabic = await pairs(cm);
    const aa = pairOf(withArabic, refA, refArabic);
    assert.ok(aa, 'Arabic-script record paired with its Latin one');
    assert.equal(aa.comparison.given, 'sound');
    // Another person with the same given name only: no likely pair.
    const other = await newCase(cm, { given_name_latin: 'Zubaida', family_name_latin: 'Haddad', birth_date: '1960-07-01', gender: 'Feminine' });
    const all = await pairs(cm);
    assert.ok(!all.some((p) => p.class === 'likely' && p.cases.some((c) => c.ref === other)), 'no likely pair for another person');
  });

  let refP1, refP2, refX;
  test('the review queue respects organisations', async () => {
    refP1 = await newCase(pcm, { given_name_latin: 'Tesfanesh', family_name_latin: 'Worku', birth_date: '1988-11-02' });
    refP2 = await newCase(pcm, { given_name_latin: 'Tesfanesh', family_name_latin: 'Workuu', birth_date: '1988-11-02' });
    // The police record the Zubaida of the shelter too: a pair across organisations.
    refX = await newCase(pcm, { ...ZUBAIDA, document_number: 'K1234567' });

    const cmPairs = await pairs(cm);
    assert.ok(pairOf(cmPairs, refA, refB), 'own pair listed');
    assert.ok(!pairOf(cmPairs, refP1, refP2), 'another organisation\'s pair is not listed');
    assert.ok(!cmPairs.some((p) => p.cases.some((c) => c.ref === refX)), 'a pair across organisations is not listed');
    const pcmPairs = await pairs(pcm);
    assert.ok(pairOf(pcmPairs, refP1, refP2));
    assert.ok(!pcmPairs.some((p) => p.cases.some((c) => [refA, refB, refX].includes(c.ref))));
    const coordPairs = await pairs(coordinator);
    const pp = pairOf(coordPairs, refP1, refP2), ab = pairOf(coordPairs, refA, refB);
    const cross = coordPairs.find((p) => p.cases.some((c) => c.ref === refX) && p.cases.some((c) => c.ref === refB));
    assert.ok(pp && ab && cross, 'the coordinator sees every pair');

    // Out of reach answers 404 like an unknown id, for reading and deciding.
    const missing = await cm.get(`/link/pairs/${'0'.repeat(32)}`);
    assert.equal(missing.status, 404);
    for (const id of [pp.id, cross.id]) {
      const r = await cm.get(`/link/pairs/${id}`);
      assert.equal(r.status, 404, r.text);
      assert.equal(r.text, missing.text);
      const d = await cm.post(`/link/pairs/${id}/decision`, { decision: 'different', version: 1 });
      assert.equal(d.status, 404, d.text);
    }
    assert.equal((await pcm.get(`/link/pairs/${ab.id}`)).status, 404);
    // No link.review: 403.
    assert.equal((await responder.get('/link/pairs')).status, 403);

    // The case manager sees both records' values side by side, audited as reads.
    const reads = (await auditRows('case.read')).length;
    const detail = await cm.get(`/link/pairs/${ab.id}`);
    assert.equal(detail.status, 200, detail.text);
    const byRef = Object.fromEntries(detail.json.cases.map((c) => [c.ref, c]));
    assert.equal(byRef[refA].readable, true);
    assert.equal(byRef[refA].person.given_name_latin, 'Zubaida');
    assert.equal(byRef[refB].person.given_name_latin, 'Zubayda');
    assert.equal(byRef[refB].person.document_number, 'K1234567');
    assert.equal(byRef[refA].person.birth_date, '1991-03-14');
    assert.equal((await auditRows('case.read')).length, reads + 2, 'each record shown is audited');
    // The coordinator reads no case: references, scores, comparison; no values.
    const cd = await coordinator.get(`/link/pairs/${cross.id}`);
    assert.equal(cd.status, 200, cd.text);
    for (const c of cd.json.cases) {
      assert.equal(c.readable, false);
      assert.equal(c.person, undefined, 'no person values for the coordinator');
      assert.equal(c.external_ref, undefined);
    }
    assert.deepEqual(new Set(cd.json.cases.map((c) => c.org_id)).size, 2, 'across two organisations');
    assert.equal(cd.json.comparison.doc, 'exact');

    // Bad input: clear errors with fields.
    let r = await cm.get('/link/pairs', { query: { status: 'maybe' } });
    assert.equal(r.status, 400);
    assert.equal(errCode(r), 'invalid');
    assert.ok(r.json.error.fields.status);
    r = await cm.get('/link/pairs', { query: { class: 'certain' } });
    assert.equal(r.status, 400);
    assert.ok(r.json.error.fields.class);
    r = await cm.get('/link/pairs', { query: { cursor: 'x' } });
    assert.equal(r.status, 400);
    assert.ok(r.json.error.fields.cursor);
    // Paging: a few pairs a page, every pair once, in the same order.
    const paged = [];
    let cursor = null;
    for (let i = 0; i < 1000; i++) {
      const page = await coordinator.get('/link/pairs', { query: cursor ? { limit: 7, cursor } : { limit: 7 } });
      assert.equal(page.status, 200, page.text);
      paged.push(...page.json.items.map((p) => p.id));
      cursor = page.json.next_cursor;
      if (!cursor) break;
    }
    assert.deepEqual(paged, coordPairs.map((p) => p.id));
  });

  test('merge then un-merge restores every record, the persons, the pair and its history', async () => {
    const recordA = (await cm.get(`/cases/${refA}`)).json, recordB = (await cm.get(`/cases/${refB}`)).json;
    const ab = pairOf(await pairs(cm), refA, refB);
    const persons = Object.fromEntries(ab.cases.map((c) => [c.ref, c.person_id]));

    // Bad input first.
    let r = await cm.post(`/link/pairs/${ab.id}/decision`, { decision: 'maybe', version: ab.version });
    assert.equal(r.status, 400, r.text);
    assert.equal(errCode(r), 'invalid');
    assert.ok(r.json.error.fields.decision);
    r = await cm.post(`/link/pairs/${ab.id}/decision`, { decision: 'same' });
    assert.equal(r.status, 400, r.text);
    assert.equal(errCode(r), 'missing_field');
    assert.ok(r.json.error.fields.version);
    r = await cm.post(`/link/pairs/${ab.id}/decision`, { decision: 'same', version: ab.version, extra: 1 });
    assert.equal(r.status, 400);
    assert.equal(errCode(r), 'unknown_field');
    r = await cm.post(`/link/pairs/${ab.id}/decision`, { decision: 'same', version: ab.version + 7 });
    assert.equal(r.status, 409, r.text);
    assert.equal(errCode(r), 'stale_version');
    assert.equal(r.json.error.current_version, ab.version);

    r = await cm.post(`/link/pairs/${ab.id}/decision`, { decision: 'same', version: ab.version });
    assert.equal(r.status, 200, r.text);
    const merged = r.json;
    assert.equal(merged.status, 'same');
    assert.match(merged.merge_id, /^[0-9a-f]{32}$/);
    assert.equal(merged.version, ab.version + 1);
    assert.equal(merged.cases[0].person_id, merged.cases[1].person_id, 'one person now');
    assert.ok(Object.values(persons).includes(merged.cases[0].person_id), 'one of the two persons remains');
    r = await cm.post(`/link/pairs/${ab.id}/decision`, { decision: 'different', version: merged.version });
    assert.equal(r.status, 409);
    assert.equal(errCode(r), 'already_decided');
    assert.ok(!pairOf(await pairs(cm), refA, refB), 'no longer in the open queue');
    assert.ok(pairOf(await pairs(cm, { status: 'same' }), refA, refB));
    // The Arabic record is also the same person as refA, but no one has said so yet.
    const aa = pairOf(await pairs(cm), refA, refArabic);
    assert.ok(aa, 'the pair with the Arabic-script record is still open');

    const merges = (await auditRows('link.merge')).filter((x) => x.object_id === merged.merge_id);
    assert.equal(merges.length, 1, 'link.merge audited with the merge');

    r = await cm.post(`/link/merges/${merged.merge_id}/undo`, {});
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.merge_id, merged.merge_id);
    const undone = r.json.pair;
    assert.equal(undone.status, 'open');
    assert.equal(undone.merge_id, null);
    assert.equal(undone.decided_by, null);
    assert.equal(undone.version, ab.version + 2);
    assert.deepEqual(Object.fromEntries(undone.cases.map((c) => [c.ref, c.person_id])), persons, 'each case has its person back');
    assert.ok(pairOf(await pairs(cm), refA, refB), 'back in the open queue');
    r = await cm.post(`/link/merges/${merged.merge_id}/undo`, {});
    assert.equal(r.status, 409);
    assert.equal(errCode(r), 'merge_undone');
    assert.equal((await cm.post(`/link/merges/${'0'.repeat(32)}/undo`, {})).status, 404);
    assert.equal((await pcm.post(`/link/merges/${merged.merge_id}/undo`, {})).status, 404, 'out of reach');
    assert.equal((await auditRows('link.unmerge')).filter((x) => x.object_id === merged.merge_id).length, 1);

    // The records and their histories were never touched.
    assert.deepEqual((await cm.get(`/cases/${refA}`)).json, recordA);
    assert.deepEqual((await cm.get(`/cases/${refB}`)).json, recordB);
  });

  test('merges undo in reverse order; "different" is remembered and not suggested again', async () => {
    refC = await newCase(cm, { ...ZUBAIDA, family_name_latin: 'Qarawany' });
    let open = await pairs(cm);
    const ab = pairOf(open, refA, refB), ac = pairOf(open, refA, refC), bc = pairOf(open, refB, refC);
    assert.ok(ab && ac && bc, 'three pairs among three records');
    const m1 = (await cm.post(`/link/pairs/${ab.id}/decision`, { decision: 'same', version: ab.version })).json;
    const m2r = await cm.post(`/link/pairs/${ac.id}/decision`, { decision: 'same', version: ac.version });
    assert.equal(m2r.status, 200, m2r.text);
    const m2 = m2r.json;
    // B and C are now one person: "different" would contradict that.
    let r = await cm.post(`/link/pairs/${bc.id}/decision`, { decision: 'different', version: bc.version });
    assert.equal(r.status, 409, r.text);
    assert.equal(errCode(r), 'same_person');
    assert.ok(!pairOf(await pairs(cm), refB, refC), 'an open pair of one person is not listed');
    r = await cm.post(`/link/merges/${m1.merge_id}/undo`, {});
    assert.equal(r.status, 409, r.text);
    assert.equal(errCode(r), 'merge_not_last');
    assert.equal((await cm.post(`/link/merges/${m2.merge_id}/undo`, {})).status, 200);
    assert.equal((await cm.post(`/link/merges/${m1.merge_id}/undo`, {})).status, 200);
    open = await pairs(cm);
    const ids = new Set(pairOf(open, refB, refC).cases.map((c) => c.person_id));
    ids.add(pairOf(open, refA, refB).cases.find((c) => c.ref === refA).person_id);
    assert.equal(ids.size, 3, 'three persons again');

    // "Different" is remembered through a full check.
    const bc2 = pairOf(open, refB, refC);
    r = await cm.post(`/link/pairs/${bc2.id}/decision`, { decision: 'different', version: bc2.version });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.status, 'different');
    assert.equal((await auditRows('link.different')).filter((x) => x.object_id === bc2.id).length, 1);
    const run = await runCli(['link', 'dedup', server.dir]);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.match(run.stdout, /decided different left alone/);
    assert.ok(!pairOf(await pairs(cm), refB, refC), 'not suggested again');
    const kept = pairOf(await pairs(cm, { status: 'different' }), refB, refC);
    assert.equal(kept && kept.id, bc2.id);
    assert.ok(pairOf(await pairs(cm), refA, refB), 'open pairs are still there after the check');
  });

  test('erasing a case takes it out of its pairs and its person', async () => {
    const ab = pairOf(await pairs(cm), refA, refB);
    const m = (await cm.post(`/link/pairs/${ab.id}/decision`, { decision: 'same', version: ab.version })).json;
    assert.equal(m.status, 'same');
    const r = await cm.del(`/cases/${refB}`);
    assert.equal(r.status, 204, r.text);
    assert.equal((await cm.get(`/link/pairs/${ab.id}`)).status, 404, 'the pair went with the case');
    assert.equal((await cm.post(`/link/merges/${m.merge_id}/undo`, {})).status, 404, 'its merge can no longer be undone');
    for (const status of ['open', 'same', 'different'])
      assert.ok(!(await pairs(coordinator, { status })).some((p) => p.cases.some((c) => c.ref === refB)));
    assert.ok(pairOf(await pairs(cm), refA, refC), 'the other pairs stay');
  });
});
