// bench/stats_duckdb.mjs: the DuckDB reference of bench/stats.sh. Loads the
// flat tables that bench/stats_bench.c exported (DIR/duck_load.sql reads
// DIR/flat.csv and DIR/m<i>.csv), runs each query of DIR/queries.tsv (the
// same SQL as the SQLite reference: its inner cells as one GROUP BY, and the
// full answer with margins) once to warm up and RUNS more times each, prints
// key=value lines (duck_load_ms; q<N>_duckdb_ms and q<N>_duckdb_full_ms, the
// medians) and writes the full answers' counts to DIR/duckdb.tsv (query,
// key..., count; "*" the margin, \N unknown). DuckDB is a dependency of bench/ only
// (bench/package.json), never of ihala.
//
//   node bench/stats_duckdb.mjs DIR [RUNS] [THREADS]
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';

const [dir, runsArg = '10', threadsArg = '2'] = process.argv.slice(2);
if (!dir) {
  console.error('usage: node bench/stats_duckdb.mjs DIR [RUNS] [THREADS]');
  process.exit(2);
}
const runs = Number(runsArg);
const ms = (t0) => Number(process.hrtime.bigint() - t0) / 1e6;
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const instance = await DuckDBInstance.create(':memory:', { threads: String(threadsArg) });
const con = await instance.connect();

let t0 = process.hrtime.bigint();
for (const stmt of readFileSync(join(dir, 'duck_load.sql'), 'utf8').split(';\n')) {
  if (stmt.trim()) await con.run(stmt);
}
console.log(`duck_load_ms=${ms(t0).toFixed(1)}`);

async function timed(sql) {
  const times = [];
  for (let k = 0; k < runs; k++) {
    const t = process.hrtime.bigint();
    const r = await con.runAndReadAll(sql);
    r.getRows();
    times.push(ms(t));
  }
  return median(times);
}

const out = [];
for (const line of readFileSync(join(dir, 'queries.tsv'), 'utf8').split('\n')) {
  if (!line) continue;
  const [id, ndimsText, cellsSql, fullSql] = line.split('\t');
  const ndims = Number(ndimsText);
  const first = await con.runAndReadAll(fullSql);   // the answer checked, and a warm-up
  for (const row of first.getRows()) {
    const n = Number(row[ndims + 1]);
    if (!n) continue;
    const key = row.slice(1, ndims + 1).map((v) => (v === null ? '\\N' : String(v)));
    out.push([row[0], ...key, String(n)].join('\t'));
  }
  await con.runAndReadAll(cellsSql);
  console.log(`${id}_duckdb_ms=${(await timed(cellsSql)).toFixed(2)}`);
  console.log(`${id}_duckdb_full_ms=${(await timed(fullSql)).toFixed(2)}`);
}
writeFileSync(join(dir, 'duckdb.tsv'), out.join('\n') + '\n');
