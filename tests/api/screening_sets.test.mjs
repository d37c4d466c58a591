// screening_sets.test.mjs: the indicator sets, over HTTP and the command line.
// GET /api/v1/screening/sets and /screening/sets/{key}: who may read them
// (the roles with the screening permission; admin, analyst and auditor may
// not), what they serve (every indicator with id, dimension, grade and both
// texts; the rules), 404 for an unknown key or a set restricted to other
// countries, 400 for a bad ?version. `ihala screening import-set` into the
// data folder of a running server: a bad file is refused with its line and
// the set in use does not change; the same file again is a no-op; the same
// version with other content is refused; a new version is served at once.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, BACKEND, startServer, errCode } from './lib.mjs';

const env = { ...process.env, IHALA_PWHASH: 'fast' };
const cli = (args) => spawnSync(BIN, args, { env, encoding: 'utf8', timeout: 60000 });

const DIMS = ['deceptive_recruitment', 'coercive_recruitment', 'vulnerability_recruitment', 'exploitation',
  'coercion_destination', 'vulnerability_destination'];
const GRADES = ['strong', 'medium', 'weak'];
const BUILTIN = ['adult-labour', 'adult-sexual', 'child-labour', 'child-sexual'];
const DIM_RULE = 'strong >= 2 or (strong >= 1 and medium + weak >= 1) or medium >= 3 or (medium >= 2 and weak >= 1)';
const VICTIM_RULE = '(deceptive_recruitment or coercive_recruitment or vulnerability_recruitment) and exploitation';

// A national list as a committee would write it; `over` replaces whole lines by their keyword.
function setFile({ key = 'bh-national', version = 1, title = 'National list', country = null, lines = {} } = {}) {
  const out = [
    '# a national list written for the API tests',
    `set ${key}`,
    `version ${version}`,
    'population adult',
    'exploitation labour',
    `title | ${title} | القائمة الوطنية`,
    'source | National committee | اللجنة الوطنية',
  ];
  if (country) out.push(`country ${country}`);
  DIMS.forEach((d, i) => out.push(`dimension ${d} | Dimension ${i} | البعد ${i}`));
  out.push(`rule dimension: ${DIM_RULE}`);
  out.push(`rule victim: ${VICTIM_RULE}`);
  DIMS.forEach((d, i) => {
    out.push(`indicator N-${i}-S | ${d} | strong | Strong question ${i}? | سؤال قوي ${i}؟`);
    out.push(`indicator N-${i}-W | ${d} | weak | Weak question ${i}? | سؤال ضعيف ${i}؟`);
  });
  for (const [n, text] of Object.entries(lines)) out[Number(n) - 1] = text;
  return out.join('\n') + '\n';
}

describe(`[${BACKEND}] screening indicator sets`, () => {
  let server;
  let tmp;
  const clients = {};
  const ALLOWED = ['coordinator', 'casemanager', 'responder', 'provider', 'authority'];
  const DENIED = ['admin', 'analyst', 'auditor'];

  const write = (name, text) => {
    const p = join(tmp, name);
    writeFileSync(p, text);
    return p;
  };
  const importSet = (file) => cli(['screening', 'import-set', server.dir, file]);

  before(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'ihala-sets-'));
    server = await startServer();
    clients.admin = await server.adminSetup();
    for (const u of [...ALLOWED, 'analyst', 'auditor']) clients[u] = await server.as(u);
    clients.none = server.client();
  });
  after(async () => {
    if (server) await server.stop();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  test('who may read the sets: the roles that screen; 403 for the others, 401 signed out', async () => {
    for (const path of ['/screening/sets', '/screening/sets/adult-labour']) {
      for (const u of ALLOWED) {
        const r = await clients[u].get(path);
        assert.equal(r.status, 200, `${u} GET ${path}: ${r.text}`);
      }
      for (const u of DENIED) {
        const r = await clients[u].get(path);
        assert.equal(r.status, 403, `${u} GET ${path}: ${r.text}`);
        assert.equal(errCode(r), 'forbidden');
      }
      const r = await clients.none.get(path);
      assert.equal(r.status, 401);
      assert.equal(errCode(r), 'unauthenticated');
    }
  });

  test('a fresh installation serves the four built-in lists as summaries', async () => {
    const r = await clients.responder.get('/screening/sets');
    assert.equal(r.status, 200, r.text);
    const keys = r.json.items.map((s) => s.key);
    assert.deepEqual(keys, [...keys].sort(), 'sorted by key');
    for (const key of BUILTIN) {
      const s = r.json.items.find((x) => x.key === key);
      assert.ok(s, `${key} listed`);
      assert.equal(s.population, key.startsWith('child') ? 'child' : 'adult');
      assert.equal(s.exploitation, key.endsWith('labour') ? 'labour' : 'sexual');
      assert.ok(Number.isInteger(s.version) && s.version >= 1);
      assert.ok(s.indicator_count > 0);
      assert.ok(s.title.en && /[\u0600-\u06ff]/.test(s.title.ar));
      assert.equal(s.indicators, undefined, 'a summary has no indicators');
      assert.equal(s.rule, undefined);
    }
  });

  test('a set is served whole: every indicator with id, dimension, grade and both texts, and the rules', async () => {
    for (const key of BUILTIN) {
      const r = await clients.casemanager.get(`/screening/sets/${key}`);
      assert.equal(r.status, 200, r.text);
      const s = r.json;
      assert.equal(s.key, key);
      assert.ok(s.indicators.length > 0);
      const ids = new Set();
      for (const ind of s.indicators) {
        assert.match(ind.id, /^[A-Za-z0-9._-]{1,31}$/);
        assert.ok(!ids.has(ind.id), `duplicate ${ind.id}`);
        ids.add(ind.id);
        assert.ok(DIMS.includes(ind.dimension), ind.dimension);
        assert.ok(GRADES.includes(ind.grade), ind.grade);
        assert.ok(ind.text.en.length > 0);
        assert.match(ind.text.ar, /[\u0600-\u06ff]/);
      }
      for (const d of DIMS) {
        assert.ok(s.indicators.some((i) => i.dimension === d), `${key} has ${d}`);
        assert.equal(typeof s.rule.dimension[d], 'string');
        assert.match(s.rule.dimension[d], />=/);
      }
      assert.match(s.rule.victim, /exploitation/);
      if (key.startsWith('adult')) assert.match(s.rule.victim, /destination/);
      else assert.doesNotMatch(s.rule.victim, /destination/);
      assert.deepEqual(s.dimensions.map((d) => d.key), DIMS);
      for (const d of s.dimensions) assert.ok(d.title.en && /[\u0600-\u06ff]/.test(d.title.ar));
      const list = (await clients.casemanager.get('/screening/sets')).json.items.find((x) => x.key === key);
      assert.equal(list.indicator_count, s.indicators.length);
      assert.equal(list.version, s.version);
    }
  });

  test('unknown keys are 404, a bad version is 400 with the field', async () => {
    for (const path of ['/screening/sets/no-such-set', '/screening/sets/ADULT-LABOUR', '/screening/sets/adult_labour',
      '/screening/sets/' + 'a'.repeat(100)]) {
      const r = await clients.responder.get(path);
      assert.equal(r.status, 404, `${path}: ${r.text}`);
      assert.equal(errCode(r), 'not_found');
    }
    for (const v of ['abc', '0', '-1', '1.0', '01', '99999999', '']) {
      const r = await clients.responder.get('/screening/sets/adult-labour', { query: { version: v } });
      assert.equal(r.status, 400, `version=${v}: ${r.text}`);
      assert.equal(errCode(r), 'invalid');
      assert.ok('version' in r.json.error.fields);
    }
    const r = await clients.responder.get('/screening/sets/adult-labour', { query: { version: '999' } });
    assert.equal(r.status, 404);
    const one = await clients.responder.get('/screening/sets/adult-labour', { query: { version: '1' } });
    assert.equal(one.status, 200);
    assert.equal(one.json.version, 1);
  });

  test('import-set: usage and --help', () => {
    const help = cli(['screening', '--help']);
    assert.equal(help.status, 0);
    assert.match(help.stdout, /usage: ihala screening/);
    assert.match(help.stdout, /import-set DIR FILE/);
    assert.equal(cli(['screening']).status, 2);
    assert.equal(cli(['screening', 'import-set', server.dir]).status, 2);
    assert.equal(cli(['screening', 'frobnicate', server.dir]).status, 2);
    const missing = importSet(join(tmp, 'does-not-exist.set'));
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /cannot read/);
  });

  test('import-set while the server runs: refused files change nothing, new versions are served at once', async () => {
    const get = (q) => clients.responder.get('/screening/sets/bh-national', q ? { query: q } : undefined);
    assert.equal((await get()).status, 404);

    // Version 1.
    const v1 = write('v1.set', setFile());
    let r = importSet(v1);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), 'imported bh-national version 1');
    let g = await get();
    assert.equal(g.status, 200, g.text);
    assert.equal(g.json.version, 1);
    assert.equal(g.json.title.en, 'National list');
    assert.equal(g.json.indicators.length, 12);
    assert.deepEqual(g.json.indicators[0], { id: 'N-0-S', dimension: 'deceptive_recruitment', grade: 'strong',
      text: { en: 'Strong question 0?', ar: 'سؤال قوي 0؟' } });
    assert.equal(g.json.rule.victim, VICTIM_RULE);
    for (const d of DIMS) assert.equal(g.json.rule.dimension[d], DIM_RULE);

    // The same file again: a no-op.
    r = importSet(v1);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), 'bh-national version 1 unchanged');

    // Bad files for version 2: refused with FILE:LINE: reason, and version 1 stays in use.
    const bad = [
      [{ 16: 'indicator N-0-S | deceptive_recruitment | strongest | Q? | س؟' }, 16, /unknown grade 'strongest'/],
      [{ 17: 'indicator N-0-W | deceptive | weak | Q? | س؟' }, 17, /unknown dimension 'deceptive'/],
      [{ 17: 'indicator N-0-S | deceptive_recruitment | weak | Q? | س؟' }, 17, /duplicate indicator id 'N-0-S'/],
      [{ 16: 'indicator N-0-S | deceptive_recruitment | strong | Q? |' }, 16, /missing Arabic text/],
      [{ 14: 'rule dimension: strong >=' }, 14, /expected an integer/],
      [{ 14: 'rule dimension: strong > 2' }, 14, /'>' is not allowed/],
      [{ 14: 'rule dimension: stronk >= 2' }, 14, /unknown variable 'stronk'/],
      [{ 15: 'rule victim: exploitation and destination' }, 15, /unknown dimension 'destination'/],
      [{ 1: 'sett bh-national' }, 1, /unknown keyword 'sett'/],
    ];
    for (const [lines, line, reason] of bad) {
      const file = write('bad.set', setFile({ version: 2, title: 'Must not appear', lines }));
      r = importSet(file);
      assert.equal(r.status, 1, `${JSON.stringify(lines)} accepted: ${r.stdout}`);
      assert.equal(r.stdout, '');
      const want = new RegExp(`^ihala: ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:${line}: `);
      assert.match(r.stderr, want, r.stderr);
      assert.match(r.stderr, reason, r.stderr);
      g = await get();
      assert.equal(g.json.version, 1);
      assert.equal(g.json.title.en, 'National list');
    }
    // A line missing altogether: no line number.
    const noVictim = setFile({ version: 2 }).split('\n').filter((l) => !l.startsWith('rule victim')).join('\n');
    r = importSet(write('novictim.set', noVictim));
    assert.equal(r.status, 1);
    assert.match(r.stderr, /^ihala: \S+novictim\.set: missing the 'rule victim:' line/);

    // Version 1 again with other content: refused, the stored version unchanged.
    r = importSet(write('v1b.set', setFile({ title: 'Other content' })));
    assert.equal(r.status, 1);
    assert.match(r.stderr, /bh-national version 1 is already imported with other content/);
    g = await get();
    assert.equal(g.json.title.en, 'National list');

    // Version 2: served at once, version 1 still readable.
    r = importSet(write('v2.set', setFile({ version: 2, title: 'National list, revised' })));
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), 'imported bh-national version 2');
    g = await get();
    assert.equal(g.json.version, 2);
    assert.equal(g.json.title.en, 'National list, revised');
    g = await get({ version: '1' });
    assert.equal(g.json.version, 1);
    assert.equal(g.json.title.en, 'National list');
    const list = (await clients.coordinator.get('/screening/sets')).json.items;
    assert.equal(list.find((s) => s.key === 'bh-national').version, 2);

    // list-sets shows every version and which one is in use.
    r = cli(['screening', 'list-sets', server.dir]);
    assert.equal(r.status, 0, r.stderr);
    const rows = r.stdout.trim().split('\n').map((l) => l.split('\t'));
    const mine = rows.filter((x) => x[0] === 'bh-national');
    assert.deepEqual(mine.map((x) => [x[1], x[2], x[4], x[5]]), [['2', 'import', 'in-use', '12'], ['1', 'import', 'older', '12']]);
    for (const key of BUILTIN) assert.ok(rows.some((x) => x[0] === key && x[2] === 'builtin'), `${key} listed`);
  });

  test('a set restricted to other countries is invisible (404); to the own country, served', async () => {
    // The demo installation's organisations are in Bahrain.
    let r = importSet(write('eg.set', setFile({ key: 'eg-only', country: 'EG' })));
    assert.equal(r.status, 0, r.stderr);
    r = importSet(write('bh.set', setFile({ key: 'bh-only', country: 'BH' })));
    assert.equal(r.status, 0, r.stderr);
    const eg = await clients.responder.get('/screening/sets/eg-only');
    assert.equal(eg.status, 404, eg.text);
    assert.equal(errCode(eg), 'not_found');
    const bh = await clients.responder.get('/screening/sets/bh-only');
    assert.equal(bh.status, 200, bh.text);
    assert.deepEqual(bh.json.countries, ['BH']);
    const keys = (await clients.responder.get('/screening/sets')).json.items.map((s) => s.key);
    assert.ok(keys.includes('bh-only'));
    assert.ok(!keys.includes('eg-only'));
  });
});
