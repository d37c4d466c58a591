// link_keys.test.mjs: `ihala link keys`, the cross-script keys of names
// read from standard input (docs/linkage.md, "Cross-script keys"): the
// exact output format (NAME<TAB>NORMALISED<TAB>KEYS, one line per input
// line), Arabic and Latin spellings that meet, an empty line, a line that
// is not UTF-8 (skipped, named on stderr, exit status 1), --help, and
// registration under `ihala link`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { BIN } from './lib.mjs';

const keys = (input, args = []) =>
  spawnSync(BIN, ['link', 'keys', ...args], { input, timeout: 60000 });

// Output lines as [name, normalised, keys], from a successful run.
function rows(r) {
  const out = r.stdout.toString('utf8');
  assert.ok(out.endsWith('\n'), 'every line ends with a newline');
  return out.slice(0, -1).split('\n').map((l) => l.split('\t'));
}

// Two names meet when every token of the one with fewer tokens shares a
// key with some token of the other (either one when they have as many).
function meet(a, b) {
  const toks = (k) => (k === '' ? [] : k.split(' ').map((t) => t.split('|')));
  const covered = (x, y) => x.length > 0 && x.every((t) => y.some((u) => t.some((k) => u.includes(k))));
  const [x, y] = [toks(a), toks(b)];
  if (x.length !== y.length) return x.length < y.length ? covered(x, y) : covered(y, x);
  return covered(x, y) || covered(y, x);
}

test('link keys prints NAME, normal form and keys, tab-separated, one line per name', () => {
  const input = ['محمد', 'Mohammed', 'مُحَمَّد', 'Al-Hassan', 'الحسن', '', 'Abd Allah', '1234', 'Khaled\r', 'Anna\tMaria'].join('\n') + '\n';
  const r = keys(input);
  assert.equal(r.status, 0, r.stderr.toString());
  assert.equal(r.stderr.toString(), '');
  assert.deepEqual(rows(r), [
    ['محمد', 'محمد', 'MHMD'],
    ['Mohammed', 'mohammed', 'MHMD'],
    ['مُحَمَّد', 'محمد', 'MHMD'],
    ['Al-Hassan', 'al hassan', 'ALHSN HSN'],
    ['الحسن', 'الحسن', 'ALHSN|LHSN HSN'],
    ['', '', ''],
    ['Abd Allah', 'abd allah', 'ABDL'],
    ['1234', '1234', ''],
    ['Khaled', 'khaled', 'XLD|KLD|KHLD'],
    ['Anna Maria', 'anna maria', 'AN|ALN MR'],
  ]);
});

test('usual Latin spellings meet their Arabic-script name; other names do not', () => {
  const groups = [
    ['محمد', 'Mohammed', 'Muhammad', 'Mohamed', 'Mohamad'],
    ['عبد الله', 'Abdullah', 'Abdallah', 'Abd Allah'],
    ['خالد', 'Khaled', 'Khalid'],
    ['يوسف', 'Youssef', 'Yusuf', 'Yousef'],
    ['فاطمة', 'Fatima', 'Fatma'],
    ['حسين', 'Hussein', 'Husayn', 'Hussain'],
  ];
  const names = groups.flat();
  const r = keys(names.join('\n') + '\n');
  assert.equal(r.status, 0, r.stderr.toString());
  const k = new Map(rows(r).map(([name, , ks]) => [name, ks]));
  assert.equal(k.size, names.length);
  for (const [arabic, ...latin] of groups) {
    for (const l of latin) assert.ok(meet(k.get(arabic), k.get(l)), `${arabic} (${k.get(arabic)}) meets ${l} (${k.get(l)})`);
    for (const other of groups)
      if (other[0] !== arabic) assert.ok(!meet(k.get(arabic), k.get(other[1])), `${arabic} does not meet ${other[1]}`);
  }
  const two = keys('محمد\nAhmed\n');
  const [[, , a], [, , b]] = rows(two);
  assert.ok(!meet(a, b), `محمد (${a}) and Ahmed (${b}) do not meet`);
});

test('a line that is not UTF-8 is skipped and named; the others are printed; exit status 1', () => {
  const input = Buffer.concat([
    Buffer.from('Omar\n'),
    Buffer.from([0x62, 0x61, 0x64, 0xff, 0xfe, 0x0a]), // "bad" + invalid bytes
    Buffer.from('عمر\n'),
    Buffer.from([0xc3, 0x0a]), // truncated sequence
    Buffer.from('x'.repeat(1025) + '\n'), // over the 1024-byte cap
    Buffer.from('Umar'), // last line without a newline
  ]);
  const r = keys(input);
  assert.equal(r.status, 1);
  assert.deepEqual(rows(r), [
    ['Omar', 'omar', 'AMR'],
    ['عمر', 'عمر', 'AMR'],
    ['Umar', 'umar', 'AMR'],
  ]);
  const err = r.stderr.toString();
  assert.match(err, /line 2: not valid UTF-8/);
  assert.match(err, /line 4: not valid UTF-8/);
  assert.match(err, /line 5: longer than 1024 bytes/);
  assert.doesNotMatch(err, /line [136]:/);
});

test('empty input prints nothing; --help documents the format; link lists keys', () => {
  const empty = keys('');
  assert.equal(empty.status, 0);
  assert.equal(empty.stdout.length, 0);
  const help = keys('', ['--help']);
  assert.equal(help.status, 0);
  const text = help.stdout.toString();
  assert.match(text, /usage: ihala link keys/);
  assert.match(text, /NAME<TAB>NORMALISED<TAB>KEYS/);
  assert.match(text, /'\|'/);
  const bad = keys('', ['extra']);
  assert.equal(bad.status, 2);
  const link = spawnSync(BIN, ['link', '--help'], { encoding: 'utf8' });
  assert.equal(link.status, 0);
  assert.match(link.stdout, /keys\s+normalised forms and cross-script keys/);
});
