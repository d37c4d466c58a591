// search_index.test.mjs: full names are found through pairs of name tokens
// (blind index "name2"), in any order and across scripts, newest first; an
// edit re-indexes; and a data folder whose search index predates the pairs is
// rebuilt once when the server starts (SQLite; the rebuild is the same code
// on PostgreSQL).
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { startServer, BACKEND } from './lib.mjs';

function body(given, givenAr, family, familyAr) {
  return {
    person: {
      given_name: givenAr, given_name_latin: given, family_name: familyAr, family_name_latin: family,
      gender: 'Feminine', citizenship: ['EG'],
    },
    case: { status: 'Active', purpose: 'ProtectionAndAssistance', legal_basis: 'Consent' },
  };
}

describe(`[${BACKEND}] search by full name`, () => {
  let server, cm;
  const refs = {};

  before(async () => {
    server = await startServer();
    cm = await server.as('casemanager');
    for (const [k, b] of [
      ['a', body('Fatima', 'فاطمة', 'Quxova', 'كوكسوفا')],
      ['b', body('Fatima', 'فاطمة', 'Zelnikova', 'زلنيكوفا')],
      ['c', body('Amina', 'أمينة', 'Quxova', 'كوكسوفا')],
    ]) {
      const r = await cm.post('/cases', b);
      assert.equal(r.status, 201, r.text);
      refs[k] = r.json.ref;
    }
  });
  after(async () => {
    if (server) await server.stop();
  });

  const found = async (q) => {
    const r = await cm.get('/cases', { query: { q } });
    assert.equal(r.status, 200, r.text);
    return r.json.items.map((x) => x.ref).filter((x) => Object.values(refs).includes(x));
  };

  test('two tokens in any order, in either script or mixed, find only the case holding both', async () => {
    for (const q of ['Fatima Quxova', 'quxova fatima', 'فاطمة كوكسوفا', 'فاطمه Quxova', 'QUXOVA  فاطمة']) {
      assert.deepEqual(await found(q), [refs.a], q);
    }
    assert.deepEqual(await found('Amina Zelnikova'), [], 'both tokens, not either');
    assert.deepEqual(await found('Fatima Quxova Zelnikova'), [], 'three tokens: all of them');
  });

  test('one token finds every case holding it, newest first', async () => {
    assert.deepEqual((await found('Fatima')).sort(), [refs.a, refs.b].sort());
    assert.deepEqual((await found('Quxova')).sort(), [refs.a, refs.c].sort());
    const r = await cm.get('/cases', { query: { q: 'Fatima' } });
    const at = r.json.items.map((x) => x.created_at);
    assert.deepEqual(at, [...at].sort((x, y) => y - x), 'newest first');
  });

  test('an edit re-indexes the pairs', async () => {
    const cur = (await cm.get(`/cases/${refs.a}`)).json;
    const r = await cm.patch(`/cases/${refs.a}`, { version: cur.version, person: { family_name_latin: 'Pelnova', family_name: null } });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(await found('Fatima Quxova'), []);
    assert.deepEqual(await found('Pelnova Fatima'), [refs.a]);
  });

  test('a search index older than the pairs is rebuilt once when the server starts', { skip: BACKEND !== 'sqlite' }, async () => {
    server.proc.kill('SIGTERM');
    await server.exited;
    const db = join(server.dir, 'ihala.db');
    const sql = (q) => {
      const r = spawnSync('sqlite3', [db, q], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      return r.stdout.trim();
    };
    sql("DELETE FROM case_blind WHERE kind = 'name2'; UPDATE search_index SET version = 1;");
    server.stderr = '';
    await server.start();
    assert.match(server.stderr, /search index rebuilt for \d+ of \d+ cases/);
    assert.equal(sql('SELECT version FROM search_index'), '3');   // CASE_SEARCH_INDEX_VERSION (case.h)
    assert.ok(Number(sql("SELECT COUNT(*) FROM case_blind WHERE kind = 'name2'")) > 0);
    cm = await server.as('casemanager');
    assert.deepEqual(await found('Pelnova Fatima'), [refs.a]);
    assert.deepEqual(await found('Amina Quxova'), [refs.c]);
    // Started again: nothing to rebuild.
    server.proc.kill('SIGTERM');
    await server.exited;
    server.stderr = '';
    await server.start();
    assert.doesNotMatch(server.stderr, /search index rebuilt/);
  });
});
