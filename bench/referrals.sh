#!/usr/bin/env bash
# bench/referrals.sh: the referral benchmark (part of `make bench`, after
# bench/cases.sh). Issue 5: with 100,000 open referrals across 200
# organisations, an organisation's work list and the coordinator's answer
# with p99 under 20 ms on the release build, on SQLite and on PostgreSQL.
#   1. a data set per backend, made once with `ihala init --demo` and
#      build/<mode>/bench/gen_referrals (bench/gen_referrals.c: the real case
#      path, the rows of referral_create and referral_transition, batches of
#      100 cases per transaction) and kept in build/bench/referrals-N (SQLite:
#      the data folder; PostgreSQL: the data folder with its keys and a
#      pg_dump of the database, restored into a throwaway cluster from
#      scripts/pg.sh on later runs);
#   2. the release server on that data, its clock set back to the moment the
#      data was made (IHALA_CLOCK_OFFSET), so that the share of overdue
#      referrals is the generated one however old the cache is;
#   3. wrk runs, signed in as the case manager of the organisation that
#      receives most ("bench-busy"), of a small one ("bench-small") and as the
#      demo coordinator (the whole country): GET /api/v1/worklist (first page,
#      default limit) and GET /api/v1/referrals?role=received&overdue=1; and
#      the coordinator's GET /api/v1/referrals?overdue=1 (every overdue
#      referral of the country, newest first).
# Each wrk run: 1 thread, 16 connections, BENCH_SECONDS (default 10), after a
# 1 s warm-up. The figures are printed beside bench/reference-referrals.txt
# (BENCH_WRITE_REFERENCE=1 writes it). Printed, never enforced: exit 0
# whenever it could run, 1 when something could not.
#
# Environment: BENCH_REFERRALS=N (default 100000; 0 skips this script),
# BENCH_BACKENDS ("sqlite postgres"), BENCH_SECONDS, BENCH_CONNECTIONS,
# BENCH_WRITE_REFERENCE=1, IHALA_BIN, GEN_REFERRALS_BIN.
# Remove build/bench/referrals-N* to make the data again. A data set is also
# made again when the tree's newest migration is not the one it was made at
# (written in its .complete marker): on PostgreSQL it is restored from its
# dump and migrated at every run, and a migration that rewrites rows leaves
# dead rows and a busy autovacuum in the measured runs.
set -u

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 1
N=${BENCH_REFERRALS:-100000}
[ "$N" -gt 0 ] 2>/dev/null || { echo "bench: referral benchmark skipped (BENCH_REFERRALS=$N)"; exit 0; }
BACKENDS=${BENCH_BACKENDS:-sqlite postgres}
DURATION=${BENCH_SECONDS:-10}
CONNS=${BENCH_CONNECTIONS:-16}
IHALA=${IHALA_BIN:-build/release/ihala}
GEN=${GEN_REFERRALS_BIN:-build/release/bench/gen_referrals}
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
REF=bench/reference-referrals.txt
TARGET_P99=20
LOAD_BEFORE=$(cut -d' ' -f1 /proc/loadavg)
T_START=$(date +%s)

# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"

# cpu_ticks PID+pg: the process and the PostgreSQL cluster's (its postmaster and
# every backend) together, so that run_wrk's "cpu us/r" counts the database's
# work on PostgreSQL as it does on SQLite, where it runs in the server.
eval "lib_$(declare -f cpu_ticks)"
cpu_ticks() {
	case $1 in
	*+pg) ;;
	*) lib_cpu_ticks "$1"; return ;;
	esac
	local total pm p t
	total=$(lib_cpu_ticks "${1%+pg}") || return 1
	pm=$(head -n1 "$PG_DIR/pg/postmaster.pid" 2>/dev/null)
	for p in $pm $(pgrep -P "${pm:-0}"); do
		t=$(lib_cpu_ticks "$p") && total=$((total + t))
	done
	echo "$total"
}

PG_DIR=""
pg_stop() {
	[ -z "$PG_DIR" ] || bash scripts/pg.sh stop "$PG_DIR" >/dev/null 2>&1
	PG_DIR=""
}
trap 'pg_stop; cleanup' EXIT

for tool in wrk curl; do
	command -v "$tool" >/dev/null 2>&1 || die "$tool is not installed"
done
[ -x "$IHALA" ] || die "$IHALA is missing: run 'make MODE=release all' first"
[ -x "$GEN" ] || die "$GEN is missing: run 'make MODE=release build/release/bench/gen_referrals'"
mkdir -p build/bench

# The targets: NAME USER PATH (USER: a key of the password table below).
TARGETS=(
	"me_busy busy /api/v1/me"
	"wl_busy busy /api/v1/worklist"
	"wl_small small /api/v1/worklist"
	"wl_coord coord /api/v1/worklist"
	"rx_busy busy /api/v1/referrals?role=received&overdue=1"
	"rx_small small /api/v1/referrals?role=received&overdue=1"
	"rx_coord coord /api/v1/referrals?role=received&overdue=1"
	"od_coord coord /api/v1/referrals?overdue=1"
)
label() {
	case $1 in
	me_busy) echo 'GET /me, busiest org (baseline)' ;;
	wl_busy) echo 'worklist, busiest org' ;; wl_small) echo 'worklist, small org' ;;
	wl_coord) echo 'worklist, coordinator' ;; rx_busy) echo 'received+overdue, busiest org' ;;
	rx_small) echo 'received+overdue, small org' ;; rx_coord) echo 'received+overdue, coordinator' ;;
	od_coord) echo 'all overdue, coordinator' ;;
	esac
}

# ---- 1. the data sets ----
# make_data BACKEND DATA [CONN]: ihala init --demo and gen_referrals, once.
make_data() {
	local backend=$1 data=$2 conn=${3:-} t0 t1 err=$WORK/$1
	echo "bench: generating $N referrals into $data ($backend; once, kept for later runs)" >&2
	rm -rf "$data" "$data".*
	t0=$(date +%s)
	if [ "$backend" = sqlite ]; then
		"$IHALA" init --demo "$data" >"$data.init" 2>"$err.init.err" \
			|| { cat "$err.init.err" >&2; die "ihala init --demo $data failed"; }
		run_bg "$GEN" "$data" "$N" >"$data.gen" 2>"$err.gen.err" \
			|| { tail "$err.gen.err" >&2; die "gen_referrals failed"; }
	else
		"$IHALA" init --demo --db "$conn" "$data" >"$data.init" 2>"$err.init.err" \
			|| { cat "$err.init.err" >&2; die "ihala init --demo --db failed"; }
		run_bg "$GEN" "$data" "$N" --db "$conn" >"$data.gen" 2>"$err.gen.err" \
			|| { tail "$err.gen.err" >&2; die "gen_referrals --db failed"; }
		run_bg "$PGBIN/pg_dump" -Fc -f "$data.dump" "$conn" 2>"$err.dump.err" \
			|| { cat "$err.dump.err" >&2; die "pg_dump failed"; }
	fi
	t1=$(date +%s)
	echo "total $((t1 - t0)) s (init and generation)" >>"$data.gen"
	echo "$SCHEMA" >"$data.complete"
}
# made DATA: the data set is there, made at the tree's newest migration.
made() { [ -f "$1.complete" ] && [ "$(cat "$1.complete")" = "$SCHEMA" ]; }

# A throwaway PostgreSQL (scripts/pg.sh); sets PG_CONN.
pg_start() {
	PG_DIR=$(mktemp -d /tmp/ihala-bench-pg.XXXXXX)
	rmdir "$PG_DIR"
	PG_CONN=$(bash scripts/pg.sh start "$PG_DIR" 2>"$WORK/pg.log")
	if [ -z "$PG_CONN" ]; then
		cat "$WORK/pg.log" >&2
		PG_DIR=""
		die "PostgreSQL could not start (scripts/pg.sh)"
	fi
}

# ---- 2./3. the server and the runs ----
# login USER PASSWORD: prints the session cookie's value.
login() {
	curl -s -D - -o "$WORK/login.json" -H 'Content-Type: application/json' \
		--data "$(printf '{"username":"%s","password":"%s"}' "$1" "$2")" "$URL/api/v1/session" |
		tr -d '\r' | sed -nE 's/^[Ss]et-[Cc]ookie: *ihala_session=([^;]*).*/\1/p' | head -n1
}

# measure BACKEND DATA [--db CONN]: one server, every target; sets R_<backend>_<target>_*.
measure() {
	local b=$1 data=$2 clock offset line pid t name who path cookie code
	shift 2
	clock=$(awk '$1 == "clock:" {print $2; exit}' "$data.gen")
	[ -n "$clock" ] || die "no clock line in $data.gen"
	offset=$((clock - $(date +%s)))
	IHALA_CLOCK_OFFSET=$offset env -u IHALA_PWHASH "$IHALA" serve "$data" --listen 127.0.0.1:0 "$@" \
		>"$WORK/serve.$b.out" 2>"$WORK/serve.$b.err" &
	pid=$!
	PIDS+=("$pid")
	line=$(wait_line "$WORK/serve.$b.err" 'serving on https?://' 120) \
		|| { tail "$WORK/serve.$b.err" >&2; die "ihala serve ($b) did not start"; }
	URL=http://127.0.0.1:$(sed -E 's|.*://[^ ]*:([0-9]+)/.*|\1|' <<<"$line")
	# Measure after the statistics' columns are loaded (a thread at start; bench/cases.sh).
	wait_line "$WORK/serve.$b.err" 'statistics loaded' 120 >/dev/null \
		|| echo "bench: $b: no 'statistics loaded' line in 120 s; measuring anyway" >&2
	declare -A pass=(
		[busy]=$(awk '$1 == "username:" && $2 == "bench-busy" {print $4; exit}' "$data.gen")
		[small]=$(awk '$1 == "username:" && $2 == "bench-small" {print $4; exit}' "$data.gen")
		[coord]=$(awk '$1 == "username:" && $2 == "coordinator" {print $4; exit}' "$data.init")
	)
	declare -A users=([busy]=bench-busy [small]=bench-small [coord]=coordinator) cookies=()
	for who in busy small coord; do
		[ -n "${pass[$who]}" ] || die "no password for ${users[$who]} in $data.gen / $data.init"
		cookies[$who]=$(login "${users[$who]}" "${pass[$who]}")
		[ -n "${cookies[$who]}" ] || { cat "$WORK/login.json" >&2; die "login as ${users[$who]} failed ($b)"; }
	done
	for t in "${TARGETS[@]}"; do
		read -r name who path <<<"$t"
		cookie="Cookie: ihala_session=${cookies[$who]}"
		code=$(curl -s -o "$WORK/check.json" -w '%{http_code}' -H "$cookie" "$URL$path")
		[ "$code" = 200 ] || { cat "$WORK/check.json" >&2; die "$b: $path as ${users[$who]} answered $code"; }
		# Items on the first page: work list entries have a "due", referrals a "side".
		printf -v "N_${b}_${name}" '%s' "$(grep -o '"due":\|"side":' "$WORK/check.json" | wc -l)"
		[ "$name" != me_busy ] || printf -v "N_${b}_${name}" '%s' -
		echo "bench: $b $(label "$name") (GET $path as ${users[$who]})" >&2
		run_wrk "${b}_${name}" "$pid$([ "$b" = postgres ] && echo +pg)" "$URL$path" -H "$cookie"
	done
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
}

want() { [[ " $BACKENDS " == *" $1 "* ]]; }
for b in $BACKENDS; do
	case $b in sqlite | postgres) ;; *) die "unknown backend $b in BENCH_BACKENDS" ;; esac
done
SQ_DATA=build/bench/referrals-$N
PG_DATA=build/bench/referrals-$N-pg
SCHEMA=$(basename "$(ls src/store/migrations/*.sql | sort | tail -n 1)")
RESTORE_S=-
if want postgres; then
	for tool in pg_dump pg_restore psql pg_ctl initdb; do
		[ -x "$PGBIN/$tool" ] || die "$PGBIN/$tool is missing (Debian: postgresql-15)"
	done
	pg_start
fi
# A missing PostgreSQL data set is made in the background while the SQLite
# one is made: the first waits on round trips to the server, the second on
# the CPU and the disk, and together they take little more than the first.
GEN_PG_PID=""
if want postgres && ! made "$PG_DATA"; then
	(
		PIDS=()
		trap 'for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done; exit 1' TERM
		make_data postgres "$PG_DATA" "$PG_CONN"
	) &
	GEN_PG_PID=$!
	PIDS+=("$GEN_PG_PID")
fi
if want sqlite && ! made "$SQ_DATA"; then
	make_data sqlite "$SQ_DATA"
fi
if [ -n "$GEN_PG_PID" ]; then
	wait "$GEN_PG_PID" || die "making the PostgreSQL data set failed"
	keep=()
	for q in "${PIDS[@]}"; do   # done: never kill a reused process id later
		[ "$q" = "$GEN_PG_PID" ] || keep+=("$q")
	done
	PIDS=("${keep[@]}")
elif want postgres; then
	echo "bench: restoring $PG_DATA.dump into a throwaway PostgreSQL" >&2
	t0=$(date +%s)
	run_bg "$PGBIN/pg_restore" -j 2 -d "$PG_CONN" "$PG_DATA.dump" 2>"$WORK/restore.err" \
		|| { tail "$WORK/restore.err" >&2; die "pg_restore failed"; }
	RESTORE_S=$(($(date +%s) - t0))
fi
if want postgres; then
	# Fresh tables have no statistics until autovacuum comes round: gather them
	# now, so that the plans are those of a database that has been running.
	run_bg "$PGBIN/psql" -X -q -c 'ANALYZE' "$PG_CONN" >/dev/null 2>&1 || die "ANALYZE failed"
fi

# shellcheck disable=SC2034   # SIZE_<backend> is read through ${!s} below
for b in $BACKENDS; do
	if [ "$b" = sqlite ]; then
		SIZE_sqlite="$(du -sm "$SQ_DATA" | cut -f1) MB"
		measure sqlite "$SQ_DATA"
	else
		SIZE_postgres="$("$PGBIN/psql" -X -At -c "SELECT pg_database_size(current_database()) / 1048576" "$PG_CONN") MB"
		measure postgres "$PG_DATA" --db "$PG_CONN"
		pg_stop
	fi
done
LOAD_AFTER=$(cut -d' ' -f1 /proc/loadavg)

# ---- the table, now vs reference ----
declare -A REFV=()
if [ -f "$REF" ]; then
	while IFS='=' read -r k v; do
		case $k in ''|'#'*) continue ;; esac
		REFV[$k]=$v
	done <"$REF"
fi
ref() { echo "${REFV[$1]:--}"; }

echo
echo "ihala referral benchmark: $(date -u +%Y-%m-%dT%H:%M:%SZ), $N open referrals, $(nproc) CPUs," \
	"$(sed -nE 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)"
echo "wrk -t1 -c$CONNS -d${DURATION}s --latency; 1-min load average $LOAD_BEFORE before, $LOAD_AFTER after;" \
	"whole run $(($(date +%s) - T_START)) s"
echo "'ref' = $REF (${REFV[date]:-none}, ${REFV[machine]:-}, load ${REFV[load_before]:--})"
[ "${REFV[connections]:-$CONNS}" = "$CONNS" ] && [ "${REFV[seconds]:-$DURATION}" = "$DURATION" ] \
	|| echo "!! the reference ran with ${REFV[connections]} connections for ${REFV[seconds]} s, this run with $CONNS for $DURATION s: compare with care"
busy=$(awk -v l="$LOAD_BEFORE" -v n="$(nproc)" 'BEGIN { print (l + 0 > n / 2) ? 1 : 0 }')
[ "$busy" = 0 ] || echo "!! the machine was busy before the runs (load $LOAD_BEFORE on $(nproc) CPUs): figures are noisy"
for b in $BACKENDS; do
	d=build/bench/referrals-$N
	[ "$b" = sqlite ] || d=$d-pg
	s=SIZE_$b
	echo "$b: $(grep '^referrals:' "$d.gen"); ${!s}"
	echo "  $(grep '^created' "$d.gen"); $(grep '^total' "$d.gen")$([ "$b" = postgres ] && [ "$RESTORE_S" != - ] && echo "; restored from the dump in $RESTORE_S s")"
	grep '^org ' "$d.gen" | sed 's/^/  /'
done
echo
printf '%-9s %-31s %9s %9s %8s %8s %8s %8s %9s %6s %10s\n' backend target 'req/s' 'ref' 'p50 ms' 'ref' 'p99 ms' 'ref' 'cpu us/r' items 'stalls/ms'
for b in $BACKENDS; do
	for t in "${TARGETS[@]}"; do
		read -r name _ <<<"$t"
		rps=R_${b}_${name}_rps p50=R_${b}_${name}_p50 p99=R_${b}_${name}_p99 err=R_${b}_${name}_err items=N_${b}_${name}
		cpu=R_${b}_${name}_cpu stall=R_${b}_${name}_stall
		printf '%-9s %-31s %9s %9s %8s %8s %8s %8s %9s %6s %10s\n' "$b" "$(label "$name")" "${!rps}" "$(ref "${b}_${name}_rps")" \
			"${!p50}" "$(ref "${b}_${name}_p50_ms")" "${!p99}" "$(ref "${b}_${name}_p99_ms")" "${!cpu}" "${!items}" "${!stall}"
		[ "${!err}" = 0 ] || echo "  !! ${!err} socket errors or non-2xx answers during the run"
	done
done
echo "stalls/ms: times a thread waited over 5 ms for a CPU during the run / the longest wait (bench/stall.c)"
echo
echo "target: p99 < $TARGET_P99 ms"
for b in $BACKENDS; do
	for t in "${TARGETS[@]}"; do
		read -r name _ <<<"$t"
		[ "$name" != me_busy ] || continue
		p99=R_${b}_${name}_p99
		printf '  %-9s %-31s %-8s (now %s ms)\n' "$b" "$(label "$name")" \
			"$(awk -v v="${!p99}" -v t=$TARGET_P99 'BEGIN { print (v + 0 < t) ? "met" : "NOT MET" }')" "${!p99}"
	done
done

if [ "${BENCH_WRITE_REFERENCE:-0}" = 1 ]; then
	{
		echo "# bench/reference-referrals.txt: the reference run printed beside bench/referrals.sh."
		echo "# Written by BENCH_WRITE_REFERENCE=1 bash bench/referrals.sh; key=value, ms."
		echo "date=$(date -u +%Y-%m-%d)"
		echo "machine=$(nproc) CPUs $(sed -nE 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)"
		echo "referrals=$N"
		echo "seconds=$DURATION"
		echo "connections=$CONNS"
		echo "load_before=$LOAD_BEFORE"
		echo "load_after=$LOAD_AFTER"
		for b in $BACKENDS; do
			for t in "${TARGETS[@]}"; do
				read -r name _ <<<"$t"
				rps=R_${b}_${name}_rps p50=R_${b}_${name}_p50 p99=R_${b}_${name}_p99 cpu=R_${b}_${name}_cpu
				echo "${b}_${name}_cpu_us=${!cpu}"
				echo "${b}_${name}_rps=${!rps}"
				echo "${b}_${name}_p50_ms=${!p50}"
				echo "${b}_${name}_p99_ms=${!p99}"
			done
		done
	} >"$REF"
	echo
	echo "bench: wrote $REF"
fi
exit 0
