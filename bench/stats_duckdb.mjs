// bench/stats_duckdb.mjs: the DuckDB reference of bench/stats.sh. Loads the
// rows that bench/stats_bench.c exported (DIR/duck_load.sql reads DIR/flat.csv
// and DIR/m<i>.csv into the tables flat and m<i>, the same as the SQLite
// reference's, then builds fl: one row per case, ENUM codes for single values
// and LISTs for multiple ones, DuckDB's own best form). For each query of
// DIR/queries.tsv it runs, once to warm up and RUNS more times each:
//   typed   the inner cells on fl (q<N>_duckdb_ms: the figure the target uses)
//   plain   the inner cells as the SQLite reference's plain GROUP BY (q<N>_duckdb_plain_ms)
//   full    every cell with its margins, UNION ALL (q<N>_duckdb_full_ms)
// and writes the full answers to DIR/duckdb.tsv and the typed form's cells to
// DIR/duckdb_cells.tsv (query, key..., count; "*" the margin, \N unknown), both
// checked against the engine by bench/stats.sh. DuckDB is a dependency of
// bench/ only (bench/package.json), never of ihala.
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

function rows(result, ndims, into) {
  for (const row of result.getRows()) {
    const n = Number(row[ndims + 1]);
    if (!n) continue;
    const key = row.slice(1, ndims + 1).map((v) => (v === null ? '\\N' : String(v)));
    into.push([row[0], ...key, String(n)].join('\t'));
  }
}

const out = [];
const cells = [];
for (const line of readFileSync(join(dir, 'queries.tsv'), 'utf8').split('\n')) {
  if (!line) continue;
  const [id, ndimsText, typedSql, fullSql, plainSql] = line.split('\t');
  const ndims = Number(ndimsText);
  rows(await con.runAndReadAll(fullSql), ndims, out);     // the answer checked, and a warm-up
  rows(await con.runAndReadAll(typedSql), ndims, cells);  // the timed form's answer, checked too
  console.log(`${id}_duckdb_ms=${(await timed(typedSql)).toFixed(2)}`);
  await con.runAndReadAll(plainSql);
  console.log(`${id}_duckdb_plain_ms=${(await timed(plainSql)).toFixed(2)}`);
  console.log(`${id}_duckdb_full_ms=${(await timed(fullSql)).toFixed(2)}`);
}
writeFileSync(join(dir, 'duckdb.tsv'), out.join('\n') + '\n');
writeFileSync(join(dir, 'duckdb_cells.tsv'), cells.join('\n') + '\n');
