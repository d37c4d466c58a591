// Checks of the interface labels (no browser, no server): both languages carry
// the same keys and placeholders, every error code of the API contract has a
// label, and every label the code asks for exists.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const load = (l) => JSON.parse(fs.readFileSync(path.join(repo, 'ui', 'i18n', l + '.json'), 'utf8'));
const en = load('en');
const ar = load('ar');

const placeholders = (s) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

function sources(dir) {
  const out = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(sources(p));
    else if (/\.tsx?$/.test(e.name)) out.push(fs.readFileSync(p, 'utf8'));
  }
  return out.join('\n');
}

test('Arabic and English have the same keys and placeholders', () => {
  assert.deepEqual(Object.keys(ar).sort(), Object.keys(en).sort());
  for (const k of Object.keys(en)) {
    assert.ok(en[k].trim() !== '', `en ${k} is empty`);
    assert.ok(ar[k].trim() !== '', `ar ${k} is empty`);
    assert.deepEqual(placeholders(ar[k]), placeholders(en[k]), `placeholders of ${k}`);
  }
});

test('Arabic labels are written in Arabic', () => {
  for (const [k, v] of Object.entries(ar)) {
    assert.match(v, /[\u0600-\u06ff]/, `ar ${k} has no Arabic letter: ${v}`);
  }
});

test('every error code of the API contract has a label', () => {
  const contract = fs.readFileSync(path.join(repo, 'docs', 'api-contract.md'), 'utf8');
  const section = contract
    .split('## Error codes')[1]
    .split('\n## ')[0]
    .replace(/\([^)]*\)/g, ''); // drop asides such as: (`fields` names it)
  const codes = [...section.matchAll(/`([a-z_]+)`/g)].map((m) => m[1]);
  assert.ok(codes.length >= 20, 'found the error codes in the contract');
  for (const c of codes) {
    assert.ok(en['error.' + c], `en error.${c}`);
    assert.ok(ar['error.' + c], `ar error.${c}`);
  }
});

test('every label the code uses exists, and the enumerations are complete', () => {
  const src = sources(path.join(repo, 'ui', 'src'));
  const used = new Set([...src.matchAll(/\bt\(\s*'([a-z][\w.]*)'/g)].map((m) => m[1]));
  // keys passed around as values: loginNotice, shellNotice, Home tiles
  for (const m of src.matchAll(/'((?:login|password|totp)\.[a-z_]+)'/g)) used.add(m[1]);
  assert.ok(used.size > 50, 'found the labels in the sources');
  for (const k of used) if (!/[._]$/.test(k)) assert.ok(k in en, `missing label ${k}`); // 'role.' + r: a prefix
  const lists = fs.readFileSync(path.join(repo, 'ui', 'src', 'countries.ts'), 'utf8');
  const block = (name) => lists.split(name)[1].split('];')[0];
  for (const t of [...block('ORG_TYPES').matchAll(/'(\w+)'/g)].map((m) => m[1])) assert.ok(en['orgType.' + t], `orgType.${t}`);
  for (const r of [...block('ROLES').matchAll(/'(\w+)'/g)].map((m) => m[1])) assert.ok(en['role.' + r], `role.${r}`);
  for (const n of ['orgs', 'users', 'audit', 'home', 'password', 'totp']) assert.ok(en['nav.' + n], `nav.${n}`);
  for (const n of ['orgs', 'users', 'audit']) assert.ok(en['home.tile_' + n], `home.tile_${n}`);
});
