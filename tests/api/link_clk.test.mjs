// link_clk.test.mjs: linkage between two installations without names
// (docs/linkage.md, "Linkage between installations (CLK)"): two agencies,
// each with its own data folder, record some of the same persons with other
// spellings; `ihala link encode` writes each one's CLK encodings with a
// shared secret and `ihala link match` pairs them. Checked: the pairs found
// (and those not), one-to-one, the CSV written, the files' modes, that no
// name or date is in the encodings, the audit row, and every refusal: a
// secret readable by others, in the data folder, beside the encodings, too
// short; files of different secrets or different fields; usage errors.
// Then the same through the API: the coordinator of agency one uploads
// agency two's encodings (POST /api/v1/link/match) and gets back which of
// its own cases match, audited; nobody else may, and bad uploads are 400.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync, statSync, existsSync, chmodSync, mkdirSync, rmSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, BACKEND, startServer, listAll, errCode } from './lib.mjs';

const env = { ...process.env, IHALA_PWHASH: 'fast' };
const ihala = (args) => spawnSync(BIN, args, { env, encoding: 'utf8', timeout: 120000 });

function csv(path) {
  return readFileSync(path, 'utf8').trimEnd().split('\n').map((l) => l.split(','));
}

describe(`[${BACKEND}] link encode and link match`, () => {
  let one, two, work, secrets, out;
  const refs = {};

  // The same persons as two agencies recorded them, and one of each alone.
  const agencyOne = {
    mohammed: { given_name: 'Mohammed', family_name: 'Hassan', birth_date: '1990-04-12', gender: 'Masculine' },
    fatima: { given_name: 'فاطمة', given_name_latin: 'Fatima', family_name: 'نوري', family_name_latin: 'Nouri', birth_date: '1985-07-01', gender: 'Feminine' },
    amina: { given_name: 'Amina', family_name: 'Yusuf', birth_date: '2001-02-03', gender: 'Feminine' },
  };
  const agencyTwo = {
    mohammed: { given_name: 'MOHAMED', family_name: 'Hasan', birth_date: '1990-04-12', gender: 'Masculine' },
    fatima: { given_name: 'Fatima', family_name: 'Nouri', birth_date: '1985-07-01', gender: 'Feminine' },
    other: { given_name: 'Tesfaye', family_name: 'Bekele', birth_date: '1979-09-30', gender: 'Masculine' },
  };

  async function record(server, people, tag) {
    const cm = await server.as('casemanager');
    const schema = (await cm.get('/schema')).json;
    const purpose = schema.entities.find((e) => e.name === 'case').fields.find((f) => f.key === 'purpose').choices[0].value;
    for (const [name, person] of Object.entries(people)) {
      const r = await cm.post('/cases', { person, case: { status: 'Active', purpose } });
      assert.equal(r.status, 201, r.text);
      refs[`${tag}.${name}`] = r.json.ref;
    }
  }

  before(async () => {
    one = await startServer();
    two = await startServer();
    await record(one, agencyOne, 'one');
    await record(two, agencyTwo, 'two');
    work = mkdtempSync(join(tmpdir(), 'ihala-clk-'));
    secrets = join(work, 'secrets');
    out = join(work, 'out');
    mkdirSync(secrets, { mode: 0o700 });
    mkdirSync(out);
    writeFileSync(join(secrets, 'shared'), 'the secret both agencies agreed on\n', { mode: 0o600 });
    writeFileSync(join(secrets, 'other'), 'a different secret, also long enough', { mode: 0o600 });
  });
  after(async () => {
    if (one) await one.stop();
    if (two) await two.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  const encode = (server, file, extra = [], secret = 'shared') =>
    ihala(['link', 'encode', server.dir, '--secret-file', join(secrets, secret), '--out', file, ...extra]);

  test('each agency encodes its cases into a private file that holds no name or date', async () => {
    for (const [server, file] of [[one, 'one.clk'], [two, 'two.clk']]) {
      const r = encode(server, join(out, file));
      assert.equal(r.status, 0, r.stderr);
      const m = /^encoded (\d+) cases to .* \(fields names,birth,sex; 0 left out: nothing to encode\)\nkey check: ([0-9a-f]{16})\n$/.exec(r.stdout);
      assert.ok(m, r.stdout);
      assert.ok(Number(m[1]) >= 303, 'the demo cases and the three of this test');
      const path = join(out, file);
      assert.equal(statSync(path).mode & 0o777, 0o600);
      const text = readFileSync(path, 'utf8');
      const lines = text.trimEnd().split('\n');
      assert.match(lines[0], new RegExp(`^ihala-clk 1 bits=1024 fields=names,birth,sex params=[0-9a-f]{32} check=${m[2]} records=${m[1]}$`));
      assert.equal(lines.length, Number(m[1]) + 1);
      assert.ok(lines.slice(1).every((l) => /^[A-Z]{2}-\d{4}-\d{5}\t[A-Za-z0-9+/]{171}=$/.test(l)), lines[1]);
      for (const word of ['Mohammed', 'MOHAMED', 'Hassan', 'Fatima', 'فاطمة', 'Nouri', '1990', '1985-07-01', 'Feminine', 'Masculine'])
        assert.ok(!text.toLowerCase().includes(word.toLowerCase()), `${word} is not in the encodings`);
      assert.ok(!existsSync(path + '.partial'));
    }
  });

  test('matching pairs the shared persons one to one, and no one else', async () => {
    const pairs = join(out, 'pairs.csv');
    const r = ihala(['link', 'match', join(out, 'one.clk'), join(out, 'two.clk'), '--out', pairs]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^\d+ pairs at or above 0\.75 written to /);
    assert.match(r.stdout, /\(kernel (portable|avx2|avx512)\)/);
    assert.equal(statSync(pairs).mode & 0o777, 0o600);
    const rows = csv(pairs);
    assert.deepEqual(rows[0], ['ref_a', 'ref_b', 'score']);
    const body = rows.slice(1);
    const pairOf = (a) => body.find((x) => x[0] === a);
    assert.equal(pairOf(refs['one.mohammed'])?.[1], refs['two.mohammed'], 'Mohammed Hassan = MOHAMED Hasan');
    assert.equal(pairOf(refs['one.fatima'])?.[1], refs['two.fatima'], 'فاطمة نوري (Fatima Nouri) = Fatima Nouri');
    assert.equal(pairOf(refs['one.amina']), undefined, 'Amina is only at agency one');
    assert.ok(!body.some((x) => x[1] === refs['two.other']), 'Tesfaye is only at agency two');
    // One to one, scores in range and best first.
    assert.equal(new Set(body.map((x) => x[0])).size, body.length);
    assert.equal(new Set(body.map((x) => x[1])).size, body.length);
    const scores = body.map((x) => Number(x[2]));
    assert.ok(scores.every((s, i) => s >= 0.75 && s <= 1 && /^\d\.\d{4}$/.test(body[i][2])));
    assert.ok(scores.every((s, i) => i === 0 || scores[i - 1] >= s));
    assert.ok(Number(pairOf(refs['one.mohammed'])[2]) < 1, 'other spellings: not a perfect score');

    // A file against itself: every record with itself, score 1.
    const self = join(out, 'self.csv');
    assert.equal(ihala(['link', 'match', join(out, 'one.clk'), join(out, 'one.clk'), '--out', self, '--threads', '1']).status, 0);
    const selfRows = csv(self).slice(1);
    assert.ok(selfRows.length >= 303);
    assert.ok(selfRows.every((x) => x[0] === x[1] && x[2] === '1.0000'));

    // A threshold above every score: only the header.
    const top = join(out, 'pairs-1.csv');
    assert.equal(ihala(['link', 'match', join(out, 'one.clk'), join(out, 'two.clk'), '--out', top, '--threshold', '1']).status, 0);
    const perfect = csv(top).slice(1);
    assert.ok(perfect.length < body.length && perfect.every((x) => x[2] === '1.0000'));
  });

  test('the encoding is audited in the data folder, with the count and the system as actor', async () => {
    const auditor = await one.as('auditor');
    const rows = (await listAll(auditor, '/audit')).filter((x) => x.action === 'link.encode');
    assert.ok(rows.length >= 1, 'a link.encode row');
    assert.ok(rows.every((x) => x.object_type === 'clk' && /^\d+$/.test(x.object_id) && x.actor_id === null));
    assert.ok(rows.some((x) => x.outcome === 'ok' && Number(x.object_id) >= 303));
  });

  test('files made with other secrets or other fields are not compared', async () => {
    let r = encode(two, join(out, 'two-other.clk'), [], 'other');
    assert.equal(r.status, 0, r.stderr);
    const pairs = join(out, 'never.csv');
    r = ihala(['link', 'match', join(out, 'one.clk'), join(out, 'two-other.clk'), '--out', pairs]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /encoded with different secrets/);
    assert.ok(!existsSync(pairs));

    r = encode(two, join(out, 'two-doc.clk'), ['--fields', 'names,birth,sex,document']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(readFileSync(join(out, 'two-doc.clk'), 'utf8'), /^ihala-clk 1 bits=1024 fields=names,birth,sex,document /);
    r = ihala(['link', 'match', join(out, 'one.clk'), join(out, 'two-doc.clk'), '--out', pairs]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /encode different fields \(names,birth,sex and names,birth,sex,document\)/);

    // A damaged file: the line is named, the file is not compared.
    const text = readFileSync(join(out, 'two.clk'), 'utf8').split('\n');
    text[2] = text[2].slice(0, -4);
    writeFileSync(join(out, 'bad.clk'), text.join('\n'));
    r = ihala(['link', 'match', join(out, 'one.clk'), join(out, 'bad.clk'), '--out', pairs]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /line 3: the encoding is not 172 base64 characters/);
    assert.ok(!existsSync(pairs));
  });

  test('the secret must be private, long enough, and kept away from the data and the encodings', async () => {
    const target = join(out, 'refused.clk');
    const check = (args, status, pattern) => {
      const r = ihala(['link', 'encode', one.dir, ...args]);
      assert.equal(r.status, status, `${args}: ${r.stdout} ${r.stderr}`);
      assert.match(r.stderr, pattern);
      assert.ok(!existsSync(target), 'nothing written');
    };
    const open = join(secrets, 'open');
    writeFileSync(open, 'the secret both agencies agreed on');
    chmodSync(open, 0o644);
    check(['--secret-file', open, '--out', target], 1, /closed to others \(chmod 600\)/);
    const short = join(secrets, 'short');
    writeFileSync(short, 'too short\n', { mode: 0o600 });
    check(['--secret-file', short, '--out', target], 1, /16 to 4096 bytes/);
    const inside = join(one.dir, 'secret');
    writeFileSync(inside, 'the secret both agencies agreed on', { mode: 0o600 });
    check(['--secret-file', inside, '--out', target], 1, /must not be kept in the data folder/);
    rmSync(inside);
    const beside = join(secrets, 'enc.clk');
    let r = ihala(['link', 'encode', one.dir, '--secret-file', join(secrets, 'shared'), '--out', beside]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /must not be kept beside the encodings/);
    assert.ok(!existsSync(beside));
    check(['--secret-file', join(secrets, 'missing'), '--out', target], 1, /cannot be found/);
    // Usage errors.
    const s = ['--secret-file', join(secrets, 'shared')];
    check([...s], 2, /missing --out FILE/);
    check(['--out', target], 2, /missing --secret-file FILE/);
    check([...s, '--out', target, '--fields', 'names,phone'], 2, /--fields takes/);
    check([...s, '--out', target, '--status', 'Open'], 2, /--status must be/);
    check([...s, '--out', target, '--limit', '0'], 2, /--limit needs/);
  });

  test('--limit and --status choose the cases; match usage errors; help', async () => {
    const file = join(out, 'limited.clk');
    let r = encode(one, file, ['--limit', '5', '--status', 'Active']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^encoded 5 cases/);
    assert.match(readFileSync(file, 'utf8'), /records=5\n/);
    const pairs = join(out, 'p.csv');
    for (const [args, pattern] of [
      [[file], /missing the files A and B/],
      [[file, file], /missing --out PAIRS/],
      [[file, file, '--out', pairs, '--threshold', '0'], /--threshold needs/],
      [[file, file, '--out', pairs, '--threshold', '1.5'], /--threshold needs/],
      [[file, file, '--out', pairs, '--threads', '0'], /--threads needs/],
      [[file, file, file, '--out', pairs], /too many arguments/],
    ]) {
      r = ihala(['link', 'match', ...args]);
      assert.equal(r.status, 2, `${args}: ${r.stderr}`);
      assert.match(r.stderr, pattern);
    }
    r = ihala(['link', 'match', join(out, 'nothing.clk'), file, '--out', pairs]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /cannot open/);
    assert.match(ihala(['link', 'encode', '--help']).stdout, /^usage: ihala link encode DIR --secret-file FILE --out FILE/);
    assert.match(ihala(['link', 'match', '--help']).stdout, /^usage: ihala link match A B --out PAIRS/);
    const help = ihala(['link', '--help']).stdout;
    assert.match(help, /encode +CLK encodings/);
    assert.match(help, /match +pairs of records of two encoding files/);
  });

  test('POST /link/match: the coordinator uploads the other agency\'s encodings and gets our matching cases', async () => {
    const coordinator = await one.as('coordinator');
    const cm = await one.as('casemanager');
    const text = readFileSync(join(out, 'two.clk'), 'utf8');
    // Not set up yet: 409.
    let r = await coordinator.post('/link/match', { encodings: text });
    assert.equal(r.status, 409, r.text);
    assert.equal(errCode(r), 'link_not_configured');
    // Nobody but the coordinator may.
    r = await cm.post('/link/match', { encodings: text });
    assert.equal(r.status, 403, r.text);

    // The secret configured (absolute, outside the data folder): restart.
    one.proc.kill('SIGTERM');
    await one.exited;
    appendFileSync(join(one.dir, 'ihala.conf'), `link_secret_file = ${join(secrets, 'shared')}\n`);
    await one.start();
    const coord = await one.as('coordinator');
    r = await coord.post('/link/match', { encodings: text });
    assert.equal(r.status, 200, r.text);
    const records = text.trimEnd().split('\n').length - 1;
    assert.equal(r.json.records, records);
    assert.ok(r.json.cases >= 303);
    assert.equal(r.json.threshold, 0.75);
    const of = (ref) => r.json.pairs.find((x) => x.ref === ref);
    assert.equal(of(refs['two.mohammed'])?.case, refs['one.mohammed']);
    assert.equal(of(refs['two.fatima'])?.case, refs['one.fatima']);
    assert.equal(of(refs['two.other']), undefined);
    assert.ok(!r.json.pairs.some((x) => x.case === refs['one.amina']));
    assert.ok(r.json.pairs.every((x) => x.score >= 0.75 && x.score <= 1 && Object.keys(x).length === 3));
    assert.equal(new Set(r.json.pairs.map((x) => x.case)).size, r.json.pairs.length, 'one to one');
    // The same pairs as the command line's match of the two files.
    const cli = csv(join(out, 'pairs.csv')).slice(1);
    const fromCli = new Map(cli.map((x) => [x[1], x[0]]));
    for (const x of r.json.pairs) assert.equal(fromCli.get(x.ref), x.case, x.ref);
    const n = r.json.pairs.length;

    r = await coord.post('/link/match', { encodings: text, threshold: 1 });
    assert.equal(r.status, 200, r.text);
    assert.ok(r.json.pairs.every((x) => x.score === 1));
    assert.ok(r.json.pairs.length < n);

    // Bad uploads.
    r = await coord.post('/link/match', { encodings: readFileSync(join(out, 'two-other.clk'), 'utf8') });
    assert.equal(r.status, 400, r.text);
    assert.equal(errCode(r), 'link_other_secret');
    assert.deepEqual(r.json.error.fields, { encodings: 'link_other_secret' });
    r = await coord.post('/link/match', { encodings: readFileSync(join(out, 'bad.clk'), 'utf8') });
    assert.equal(r.status, 400, r.text);
    assert.deepEqual(r.json.error.fields, { encodings: 'invalid' });
    r = await coord.post('/link/match', { encodings: 'Mohammed Hassan 1990-04-12' });
    assert.equal(r.status, 400, r.text);
    r = await coord.post('/link/match', { encodings: text, threshold: 0 });
    assert.equal(r.status, 400, r.text);
    assert.deepEqual(r.json.error.fields, { threshold: 'invalid' });
    r = await coord.post('/link/match', { encodings: text, threshold: 'high' });
    assert.equal(r.status, 400, r.text);
    r = await coord.post('/link/match', {});
    assert.equal(r.status, 400, r.text);

    // Audited: the matches with their count, the refusals as failed.
    const auditor = await one.as('auditor');
    const rows = (await listAll(auditor, '/audit')).filter((x) => x.action === 'link.match');
    assert.ok(rows.some((x) => x.outcome === 'ok' && x.object_id === String(n)), JSON.stringify(rows));
    assert.ok(rows.filter((x) => x.outcome === 'failed').length >= 2);
    assert.ok(rows.every((x) => x.object_type === 'clk' && x.actor_id));

    // A secret file others may read: refused, and the server says it is not set up.
    const open = join(secrets, 'open-server');
    writeFileSync(open, 'the secret both agencies agreed on');
    chmodSync(open, 0o644);
    one.proc.kill('SIGTERM');
    await one.exited;
    appendFileSync(join(one.dir, 'ihala.conf'), `link_secret_file = ${open}\n`);
    await one.start();
    r = await (await one.as('coordinator')).post('/link/match', { encodings: text });
    assert.equal(r.status, 409, r.text);
    assert.equal(errCode(r), 'link_not_configured');
  });
});
