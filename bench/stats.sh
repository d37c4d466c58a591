#!/usr/bin/env bash
# bench/stats.sh: the statistics benchmark (part of `make bench`, after
# bench/referrals.sh). Issue 7: breakdowns over 1,000,000 cases (two and three
# dimensions, with and without filters, units persons and cases) on the release
# build, beside two references computing the same counts on the same data in
# the same run, on SQLite and on PostgreSQL installations:
#   1. the data: SQLite, the folder of bench/cases.sh (build/bench/cases-N, made
#      the same way when missing); PostgreSQL, a data folder and its cluster kept
#      in build/bench/stats-pg-N, made once from the SQLite folder's cases (see
#      below); the cluster is stopped between runs and started again in place
#      (restoring a million cases from a dump would take longer than the run);
#   2. build/<mode>/bench/stats_bench (bench/stats_bench.c) on each: stats_prepare
#      with every row derived again (BENCH_STATS_REDERIVE=0: only what is missing),
#      the first count (loads the columns), each query BENCH_STATS_RUNS times
#      (default 30: p50, p99), the annual report in both views; then the
#      statistical rows exported as a flat table and a plain GROUP BY per query
#      in an in-memory SQLite (median of BENCH_STATS_SQLITE_RUNS, default 3);
#   3. DuckDB (npm @duckdb/node-api, installed into bench/node_modules only:
#      bench/package.json) on the same export (bench/stats_duckdb.mjs: medians of
#      BENCH_STATS_DUCK_RUNS, default 10, on $(nproc) threads): the same SQL as
#      SQLite, and the inner cells on a table in DuckDB's own best form (ENUM
#      codes, LISTs), the figure the target compares with;
#   4. the check: the engine, SQLite and DuckDB give the same count for every
#      cell of every query (and DuckDB's timed form the same inner cells), else
#      the script says so loudly and exits 1;
#   5. the table: ours p50/p99 beside DuckDB's and SQLite's medians, p99 / DuckDB
#      (target <= 2), and the annual report (target < 1 s).
# Figures are printed, never enforced (exit 0 when it could run and the counts agree).
#
# Environment: BENCH_CASES=N (default 1000000; 0 skips), BENCH_BACKENDS ("sqlite postgres"),
# BENCH_STATS_RUNS, BENCH_STATS_DUCK_RUNS, BENCH_STATS_SQLITE_RUNS, BENCH_STATS_REDERIVE=1,
# BENCH_STATS_YEAR (default: last year), IHALA_BIN, GEN_BIN, STATS_BENCH_BIN, PGBIN.
# Remove build/bench/stats-pg-N to make the PostgreSQL data again.
set -u

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 1
N=${BENCH_CASES:-1000000}
[ "$N" -gt 0 ] 2>/dev/null || { echo "bench: statistics benchmark skipped (BENCH_CASES=$N)"; exit 0; }
BACKENDS=${BENCH_BACKENDS:-sqlite postgres}
RUNS=${BENCH_STATS_RUNS:-30}
DUCK_RUNS=${BENCH_STATS_DUCK_RUNS:-10}
SQLITE_RUNS=${BENCH_STATS_SQLITE_RUNS:-3}
IHALA=${IHALA_BIN:-build/release/ihala}
GEN=${GEN_BIN:-build/release/bench/gen_cases}
DRIVER=${STATS_BENCH_BIN:-build/release/bench/stats_bench}
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
TARGET_RATIO=2
TARGET_REPORT_MS=1000
LOAD_BEFORE=$(cut -d' ' -f1 /proc/loadavg)
T_START=$(date +%s)
CPUS=$(nproc)

# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"

for tool in node npm; do
	command -v "$tool" >/dev/null 2>&1 || die "$tool is not installed (the DuckDB reference runs on Node.js)"
done
[ -x "$IHALA" ] || die "$IHALA is missing: run 'make MODE=release all' first"
[ -x "$GEN" ] || die "$GEN is missing: run 'make MODE=release build/release/bench/gen_cases'"
[ -x "$DRIVER" ] || die "$DRIVER is missing: run 'make MODE=release build/release/bench/stats_bench'"
want() { [[ " $BACKENDS " == *" $1 "* ]]; }
for b in $BACKENDS; do
	case $b in sqlite | postgres) ;; *) die "unknown backend $b in BENCH_BACKENDS" ;; esac
done
if want postgres; then
	for tool in pg_ctl initdb psql; do
		[ -x "$PGBIN/$tool" ] || die "$PGBIN/$tool is missing (Debian: postgresql-15)"
	done
fi

# ---- the DuckDB reference: bench/ only ----
if [ ! -f bench/node_modules/@duckdb/node-api/package.json ]; then
	echo "bench: npm install in bench/ (DuckDB, for the reference only)" >&2
	(cd bench && npm install --no-audit --no-fund --loglevel=error) >"$WORK/npm.log" 2>&1 \
		|| { tail "$WORK/npm.log" >&2; die "npm install in bench/ failed"; }
fi

# ---- PostgreSQL: a cluster kept in place between runs ----
as_postgres() {
	if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
PG_CL=""
pg_down() {
	[ -n "$PG_CL" ] && [ -f "$PG_CL/pg/postmaster.pid" ] && as_postgres "$PGBIN/pg_ctl" -D "$PG_CL/pg" -m fast -w stop >/dev/null 2>&1
	PG_CL=""
}
trap 'pg_down; cleanup' EXIT
# pg_up CLUSTER: start the kept cluster on a free port; sets PG_CONN.
pg_up() {
	local cl=$1 port=55600
	while [ -e "/tmp/.s.PGSQL.$port" ] || compgen -G "/tmp/*/.s.PGSQL.$port" >/dev/null ||
		compgen -G "$ROOT/build/bench/*/cluster/.s.PGSQL.$port" >/dev/null ||
		(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do
		port=$((port + 1))
	done
	as_postgres "$PGBIN/pg_ctl" -D "$cl/pg" -l "$cl/pg.log" -w -t 120 \
		-o "-p $port -k $cl -c listen_addresses= -c fsync=off" start >/dev/null 2>&1 \
		|| { tail "$cl/pg.log" >&2; die "the kept PostgreSQL cluster in $cl did not start"; }
	PG_CL=$cl
	PG_CONN="host=$cl port=$port dbname=ihala user=postgres"
}

# ---- 1. the data ----
SQ_DATA=build/bench/cases-$N
PG_HOME=build/bench/stats-pg-$N
mkdir -p build/bench
if want sqlite && [ ! -f "$SQ_DATA.complete" ]; then
	echo "bench: generating $N cases into $SQ_DATA (once; kept for later runs, shared with bench/cases.sh)" >&2
	rm -rf "$SQ_DATA" "$SQ_DATA.complete"
	"$IHALA" init --demo "$SQ_DATA" >"$SQ_DATA.init" 2>/dev/null || die "ihala init --demo $SQ_DATA failed"
	run_bg "$GEN" "$SQ_DATA" "$N" --queries "$SQ_DATA.queries" >"$SQ_DATA.gen" 2>&1 \
		|| { tail "$SQ_DATA.gen" >&2; die "gen_cases failed"; }
	touch "$SQ_DATA.complete"
fi
# PostgreSQL: `ihala init --demo --db` (schema, demonstration users and cases),
# then the SQLite installation's cases copied in with COPY: the rows that
# statistics read (cases, case_facts, link_cases), its cases owned by the
# PostgreSQL installation's demo case manager, their references suffixed "S"
# (both installations number their demonstration cases alike). The sealed
# records, blind indexes, search index and audit rows are not copied:
# statistics never read them (so these copied cases cannot be opened). Going
# through case_create again would take hours here (about 100-300 cases/s on
# PostgreSQL on this machine). Then the fingerprint of the statistical rows is
# cleared, so that the first run's stats_prepare derives every row.
if want postgres && [ ! -f "$PG_HOME.complete" ]; then
	[ -f "$SQ_DATA.complete" ] || die "the PostgreSQL data is copied from $SQ_DATA: run with BENCH_BACKENDS containing sqlite first"
	command -v sqlite3 >/dev/null 2>&1 || die "sqlite3 is not installed (Debian: sqlite3)"
	echo "bench: copying the cases of $SQ_DATA into a PostgreSQL cluster in $PG_HOME (once; kept for later runs)" >&2
	rm -rf "$PG_HOME" "$PG_HOME.complete" "$PG_HOME.stats-derive"
	mkdir -p "$PG_HOME"
	CL=$ROOT/$PG_HOME/cluster
	PG_CONN=$(bash scripts/pg.sh start "$CL" 2>"$WORK/pg.log") || { cat "$WORK/pg.log" >&2; die "scripts/pg.sh start failed"; }
	PG_CL=$CL
	t0=$(date +%s)
	"$IHALA" init --demo --db "$PG_CONN" "$PG_HOME/data" >"$PG_HOME/init" 2>"$WORK/init.err" \
		|| { cat "$WORK/init.err" >&2; die "ihala init --demo --db failed"; }
	psql_c() { "$PGBIN/psql" -X -q -v ON_ERROR_STOP=1 "$PG_CONN" "$@"; }
	read -r CM_ID CM_ORG <<<"$(psql_c -At -F ' ' -c "SELECT id, org_id FROM users WHERE username = 'casemanager'")"
	[[ $CM_ID =~ ^[0-9a-f]{32}$ && $CM_ORG =~ ^[0-9a-f]{32}$ ]] || die "no demo case manager in the PostgreSQL installation"
	SQ_DB=$SQ_DATA/ihala.db
	copy() {   # copy TABLE(COLUMNS) SELECT
		echo "bench:   $1" >&2
		sqlite3 -readonly -csv "$SQ_DB" "$2" | psql_c -c "\\copy $1 FROM pstdin WITH (FORMAT csv)"
		local st=("${PIPESTATUS[@]}")
		if [ "${st[0]}" != 0 ] || [ "${st[1]}" != 0 ]; then die "copying $1 failed"; fi
	}
	copy "cases (id, ref, org_id, created_by, assigned_to, status, external_ref, dek, created_at, updated_at, version)" \
		"SELECT id, ref || 'S', '$CM_ORG', '$CM_ID', NULL, status, external_ref,
		 CASE WHEN dek IS NULL THEN NULL ELSE '\\x' || hex(dek) END, created_at, updated_at, version FROM cases"
	copy "case_facts (case_id, entity, item, key, value)" "SELECT case_id, entity, item, key, value FROM case_facts"
	copy "link_cases (case_id, person_id, sig)" "SELECT case_id, person_id, '\\x' || hex(sig) FROM link_cases"
	psql_c -c "UPDATE stat_seq SET fields = '' WHERE id = 1" -c 'VACUUM ANALYZE' >/dev/null || die "VACUUM ANALYZE failed"
	echo "copied $(sqlite3 -readonly "$SQ_DB" 'SELECT count(*) FROM cases') cases from $SQ_DATA in $(($(date +%s) - t0)) s" >"$PG_HOME/gen"
	pg_down
	touch "$PG_HOME.complete"
fi

# ---- 2./3. the driver and the references, per backend ----
# measure BACKEND DATA [--db CONN]: sets V_<backend>_<key> from the driver's and DuckDB's key=value lines.
measure() {
	local b=$1 data=$2 out=$WORK/$1 line k v
	shift 2
	mkdir -p "$out"
	local rederive=()
	[ "${BENCH_STATS_REDERIVE:-1}" = 1 ] && rederive=(--rederive)
	echo "bench: $b: stats_bench on $data" >&2
	run_bg "$DRIVER" "$data" "$@" --out "$out" --runs "$RUNS" --sqlite-runs "$SQLITE_RUNS" \
		${BENCH_STATS_YEAR:+--year "$BENCH_STATS_YEAR"} "${rederive[@]}" >"$out/driver.out" 2>"$out/driver.err" \
		|| { tail "$out/driver.err" >&2; die "stats_bench failed on $b"; }
	echo "bench: $b: DuckDB on the same rows" >&2
	run_bg node bench/stats_duckdb.mjs "$out" "$DUCK_RUNS" "$CPUS" >"$out/duck.out" 2>"$out/duck.err" \
		|| { tail "$out/duck.err" >&2; die "the DuckDB reference failed on $b"; }
	while IFS= read -r line; do
		k=${line%%=*} v=${line#*=}
		[[ $k =~ ^[a-z0-9_]+$ ]] || continue
		printf -v "V_${b}_${k}" '%s' "$v"
	done < <(cat "$out/driver.out" "$out/duck.out")
	# 4. the check
	local f
	for f in ours sqlite duckdb; do
		LC_ALL=C sort "$out/$f.tsv" >"$out/$f.sorted"
	done
	printf -v "CELLS_$b" '%s' "$(wc -l <"$out/ours.sorted")"
	printf -v "CHECK_$b" '%s' ok
	# the inner cells (no "*" in the key) against the answer of DuckDB's timed form
	awk -F'\t' '{ for (i = 2; i < NF; i++) if ($i == "*") next; print }' "$out/ours.sorted" >"$out/ours_cells.sorted"
	LC_ALL=C sort "$out/duckdb_cells.tsv" >"$out/duckdb_cells.sorted"
	for f in sqlite duckdb duckdb_cells; do
		local mine=$out/ours.sorted
		[ "$f" != duckdb_cells ] || mine=$out/ours_cells.sorted
		if ! cmp -s "$mine" "$out/$f.sorted"; then
			printf -v "CHECK_$b" '%s' "DIFFER from $f"
			echo "!! $b: the engine's counts DIFFER from the $f reference (first differences, < ours, > $f):" >&2
			diff "$mine" "$out/$f.sorted" | head -20 >&2
			FAILED=1
		fi
	done
	# the full derivation time, kept from the run that measured it
	local derive_file=$data.stats-derive
	[ "$b" = postgres ] && derive_file=$PG_HOME.stats-derive
	local kind=V_${b}_prepare_kind ms=V_${b}_prepare_ms
	if [ "${!kind:-}" = full ]; then
		echo "${!ms} $(date -u +%Y-%m-%d)" >"$derive_file"
	fi
	printf -v "DERIVE_$b" '%s' "$(cat "$derive_file" 2>/dev/null || echo '- -')"
}

FAILED=0
# shellcheck disable=SC2034   # SIZE_<backend> is read through ${!s} below
for b in $BACKENDS; do
	if [ "$b" = sqlite ]; then
		SIZE_sqlite="$(du -sm "$SQ_DATA" | cut -f1) MB"
		measure sqlite "$SQ_DATA"
	else
		pg_up "$ROOT/$PG_HOME/cluster"
		SIZE_postgres="$("$PGBIN/psql" -X -At -c "SELECT pg_database_size(current_database()) / 1048576" "$PG_CONN") MB"
		measure postgres "$PG_HOME/data" --db "$PG_CONN"
		pg_down
	fi
done
LOAD_AFTER=$(cut -d' ' -f1 /proc/loadavg)

# ---- 5. the table ----
get() { local n="V_$1_$2"; echo "${!n:--}"; }
echo
echo "ihala statistics benchmark: $(date -u +%Y-%m-%dT%H:%M:%SZ), $N cases, $CPUS CPUs," \
	"$(sed -nE 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)"
echo "ms. p50/p99: ours, stats_run in process (cells and margins), $RUNS runs. References on the same rows (medians):"
echo "  DDB   = DuckDB $(node -e "console.log(require('./bench/node_modules/@duckdb/node-api/package.json').version)" 2>/dev/null)" \
	"on $CPUS threads, inner cells on its own best table (ENUM codes, LISTs unnested), $DUCK_RUNS runs"
echo "  plain = DuckDB, inner cells as one plain GROUP BY over the flat table (text values, joins), $DUCK_RUNS runs"
echo "  full  = DuckDB, every cell with its margins (one GROUP BY per set of margins, UNION ALL), $DUCK_RUNS runs"
echo "  SQL   = SQLite $(sqlite3 --version 2>/dev/null | cut -d' ' -f1) in memory, the same plain SQL: cells median of $SQLITE_RUNS, full once"
echo "  Checked: ours = SQLite full = DuckDB full, and ours' inner cells = DDB's answer. Target: p99 <= $TARGET_RATIO x DDB."
echo "1-min load average $LOAD_BEFORE before, $LOAD_AFTER after; whole run $(($(date +%s) - T_START)) s"
busy=$(awk -v l="$LOAD_BEFORE" -v n="$CPUS" 'BEGIN { print (l + 0 > n / 2) ? 1 : 0 }')
[ "$busy" = 0 ] || echo "!! the machine was busy before the runs (load $LOAD_BEFORE on $CPUS CPUs): figures are noisy"
for b in $BACKENDS; do
	s=SIZE_$b d=DERIVE_$b c=CELLS_$b k=CHECK_$b
	read -r derive_ms derive_date <<<"${!d}"
	echo
	echo "$b: ${!s}; $(get "$b" persons) persons among $(get "$b" export_rows) cases; year $(get "$b" year)"
	echo "  stats_prepare: $(get "$b" prepare_ms) ms this run ($(get "$b" prepare_kind));" \
		"every row derived: $(awk -v m="$derive_ms" 'BEGIN { if (m == "-") print "-"; else printf "%.1f s", m / 1000 }') ($derive_date);" \
		"opening the folder $(get "$b" open_ms) ms"
	echo "  first count (loads the columns): $(get "$b" load_ms) ms; export for the references $(get "$b" export_ms) ms," \
		"DuckDB load $(get "$b" duck_load_ms) ms"
	printf '  %-62s %4s %7s %7s | %7s %7s %7s | %8s %8s | %7s %7s\n' query dims 'p50' 'p99' 'DDB' 'plain' 'full' \
		'SQL cell' 'SQL full' 'p99/DDB' target
	for i in $(seq 1 20); do
		[ "$(get "$b" "q${i}_name")" != - ] || break
		ratio=$(awk -v a="$(get "$b" "q${i}_p99_ms")" -v d="$(get "$b" "q${i}_duckdb_ms")" \
			'BEGIN { if (d + 0 > 0) printf "%.2f", a / d; else print "-" }')
		met=$(awk -v r="$ratio" -v t=$TARGET_RATIO 'BEGIN { print (r != "-" && r + 0 <= t) ? "met" : "NOT MET" }')
		printf '  %-62s %4s %7s %7s | %7s %7s %7s | %8s %8s | %7s %7s\n' "q$i $(get "$b" "q${i}_name")" \
			"$(get "$b" "q${i}_dims")" "$(get "$b" "q${i}_p50_ms")" "$(get "$b" "q${i}_p99_ms")" \
			"$(get "$b" "q${i}_duckdb_ms")" "$(get "$b" "q${i}_duckdb_plain_ms")" "$(get "$b" "q${i}_duckdb_full_ms")" \
			"$(get "$b" "q${i}_sqlite_ms")" "$(get "$b" "q${i}_sqlite_full_ms")" "$ratio" "$met"
	done
	for v in internal publication; do
		mx=$(get "$b" "report_${v}_max_ms")
		printf '  annual report, %-11s view (%d tables): p50 %s ms, max %s ms, target < %d ms: %s\n' "$v" 5 \
			"$(get "$b" "report_${v}_p50_ms")" "$mx" $TARGET_REPORT_MS \
			"$(awk -v m="$mx" -v t=$TARGET_REPORT_MS 'BEGIN { print (m != "-" && m + 0 < t) ? "met" : "NOT MET" }')"
	done
	echo "  check: ${!c} non-zero cells of the engine against SQLite and DuckDB (full and typed cells): ${!k}"
done
if [ "$FAILED" = 1 ]; then
	echo
	echo "!! COUNTS DIFFER between the engine and a reference: see above. This is a bug."
	exit 1
fi
exit 0
