#!/usr/bin/env bash
# bench/dedup.sh: duplicate detection inside one installation at scale (part
# of `make bench`, run from bench/run.sh). Issue 6: `ihala link dedup` over
# 1,000,000 person records on 2 cores in under 2 minutes.
#   1. the data set of bench/cases.sh, build/bench/cases-N (default N =
#      1,000,000): made once there (or here, the same way, when it is
#      missing: `ihala init --demo` and build/release/bench/gen_cases, the
#      real create path) and kept for later runs. gen_cases writes each
#      case's blind index and duplicate signature, as the server does, but
#      leaves the check on save to `ihala link dedup` (docs/linkage.md);
#   2. "prepare": the data folder opened once by this binary (`ihala org
#      list`), which applies new migrations and, for a data folder written
#      by an older ihala, rebuilds the search index and the signatures of
#      every case. Timed apart; about a second when there is nothing to do;
#   3. `ihala link dedup DIR` itself, timed with /usr/bin/time: wall clock,
#      CPU (user + system), peak memory, and its counts. It stores the pairs
#      in the data folder's review queue: the first run inserts them, later
#      runs rescore them (the same work, fewer new rows). Its log lines give
#      the time of each phase.
# The figures are printed beside bench/reference-dedup.txt
# (BENCH_WRITE_REFERENCE=1 writes it). Printed, never enforced: exit 0
# whenever it could run, 1 when something could not.
#
# Environment: BENCH_DEDUP_CASES=N (default 1000000; 0 skips this script),
# BENCH_WRITE_REFERENCE=1, IHALA_BIN, GEN_BIN. Remove build/bench/cases-N* to
# make the data again (bench/cases.sh shares it).
set -u

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 1
N=${BENCH_DEDUP_CASES:-1000000}
[ "$N" -gt 0 ] 2>/dev/null || { echo "bench: dedup benchmark skipped (BENCH_DEDUP_CASES=$N)"; exit 0; }
IHALA=${IHALA_BIN:-build/release/ihala}
GEN=${GEN_BIN:-build/release/bench/gen_cases}
REF=bench/reference-dedup.txt
TARGET_S=120
LOAD_BEFORE=$(cut -d' ' -f1 /proc/loadavg)

# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"

[ -x "$IHALA" ] || die "$IHALA is missing: run 'make MODE=release all' first"
[ -x /usr/bin/time ] || die "/usr/bin/time is not installed (Debian: apt-get install time)"

# ---- 1. the data set (shared with bench/cases.sh) ----
DATA=build/bench/cases-$N
if [ ! -f "$DATA.complete" ]; then
	[ -x "$GEN" ] || die "$GEN is missing: run 'make MODE=release build/release/bench/gen_cases'"
	echo "bench: generating $N cases into $DATA (once; kept for later runs)" >&2
	rm -rf "$DATA" "$DATA.complete"
	mkdir -p build/bench
	"$IHALA" init --demo "$DATA" >"$DATA.init" 2>/dev/null || die "ihala init --demo $DATA failed"
	run_bg "$GEN" "$DATA" "$N" --queries "$DATA.queries" >"$DATA.gen" 2>&1 \
		|| { tail "$DATA.gen" >&2; die "gen_cases failed"; }
	touch "$DATA.complete"
fi

# ---- 2. prepare: migrations and, once after an upgrade, the index and signatures ----
echo "bench: dedup: opening $DATA once (migrations; the search index and signatures when older)" >&2
t0=$(date +%s.%N)
run_bg "$IHALA" org list "$DATA" >"$WORK/prepare.out" 2>"$WORK/prepare.err" \
	|| { tail "$WORK/prepare.err" >&2; die "ihala could not open $DATA"; }
t1=$(date +%s.%N)
PREPARE_S=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
REBUILT=$(grep -c 'search index rebuilt' "$WORK/prepare.err")

# ---- 3. ihala link dedup ----
echo "bench: dedup: ihala link dedup $DATA ($(nproc) CPUs, load $(cut -d' ' -f1 /proc/loadavg))" >&2
run_bg /usr/bin/time -f '%e %U %S %M' -o "$WORK/time" "$IHALA" link dedup "$DATA" \
	>"$WORK/dedup.out" 2>"$WORK/dedup.err" \
	|| { cat "$WORK/dedup.out" >&2; tail "$WORK/dedup.err" >&2; die "ihala link dedup failed"; }
LOAD_AFTER=$(cut -d' ' -f1 /proc/loadavg)
read -r WALL USR SYS RSS_KB < <(tail -n1 "$WORK/time")
declare -A NOW=()
NOW[dedup_s]=$WALL
NOW[dedup_cpu_s]=$(awk -v u="$USR" -v s="$SYS" 'BEGIN { printf "%.1f", u + s }')
NOW[dedup_rss_mb]=$(mb "$RSS_KB")
count() { sed -nE "s/^$1: ([0-9]+).*/\\1/p" "$WORK/dedup.out" | head -n1; }
NOW[cases]=$(count cases)
NOW[candidates]=$(count 'candidate pairs')
NOW[likely]=$(count 'likely pairs')
NOW[review]=$(count 'review pairs')
NOW[new]=$(sed -nE 's/^stored: ([0-9]+) new.*/\1/p' "$WORK/dedup.out")
# The phases, from the log line of dedup_run ("dedup phases" key=value seconds).
PHASES=$(grep -m1 'dedup phases' "$WORK/dedup.err" | grep -oE '(load|block|compare|em|score|store|threads)=[0-9.]+' | tr '\n' ' ')
for kv in $PHASES; do
	NOW[phase_${kv%%=*}]=${kv#*=}
done

declare -A REFV=()
if [ -f "$REF" ]; then
	while IFS='=' read -r k v; do
		case $k in '#'* | '') continue ;; esac
		REFV[$k]=$v
	done <"$REF"
fi
ref() { echo "${REFV[$1]:--}"; }

echo
echo "ihala duplicate benchmark: $(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) CPUs," \
	"$(sed -nE 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)"
echo "'ref' = $REF (${REFV[date]:-none}, ${REFV[machine]:-}, load ${REFV[load_before]:--})"
echo "load average before $LOAD_BEFORE, after $LOAD_AFTER (other work on the machine lowers every figure)"
echo "prepare (open once: migrations$([ "$REBUILT" -gt 0 ] && echo ', index and signatures rebuilt')): $PREPARE_S s"
echo
printf '%-44s %12s %12s\n' "ihala link dedup, $N-case data set" 'now' 'ref'
printf '  %-42s %12s %12s\n' 'cases checked' "${NOW[cases]:--}" "$(ref cases)"
printf '  %-42s %12s %12s\n' 'seconds (wall clock)' "${NOW[dedup_s]}" "$(ref dedup_s)"
printf '  %-42s %12s %12s\n' 'CPU seconds (user + system, all threads)' "${NOW[dedup_cpu_s]}" "$(ref dedup_cpu_s)"
printf '  %-42s %12s %12s\n' 'peak memory MB' "${NOW[dedup_rss_mb]}" "$(ref dedup_rss_mb)"
printf '  %-42s %12s %12s\n' 'candidate pairs' "${NOW[candidates]:--}" "$(ref candidates)"
printf '  %-42s %12s %12s\n' 'likely pairs' "${NOW[likely]:--}" "$(ref likely)"
printf '  %-42s %12s %12s\n' 'review pairs' "${NOW[review]:--}" "$(ref review)"
printf '  %-42s %12s %12s\n' 'new pairs stored (0 once stored before)' "${NOW[new]:--}" "$(ref new)"
if [ -n "$PHASES" ]; then
	echo "  phases, seconds:"
	for p in threads load block compare em score store; do
		[ -n "${NOW[phase_$p]:-}" ] && printf '    %-40s %12s %12s\n' "$p" "${NOW[phase_$p]}" "$(ref "phase_$p")"
	done
fi
echo
if awk -v s="${NOW[dedup_s]}" -v t="$TARGET_S" -v n="${NOW[cases]:-0}" 'BEGIN { exit !(s < t && n >= 1000000) }'; then
	echo "target: 1,000,000 cases deduplicated in under $TARGET_S s on $(nproc) cores: met (${NOW[dedup_s]} s)"
elif [ "${NOW[cases]:-0}" -lt 1000000 ]; then
	echo "target: 1,000,000 cases in under $TARGET_S s: not measured here (${NOW[cases]} cases, ${NOW[dedup_s]} s)"
else
	echo "target: 1,000,000 cases deduplicated in under $TARGET_S s on $(nproc) cores: NOT MET (${NOW[dedup_s]} s)"
fi

if [ "${BENCH_WRITE_REFERENCE:-0}" = 1 ]; then
	{
		echo "# bench/reference-dedup.txt: the reference run printed beside bench/dedup.sh."
		echo "# Written by BENCH_WRITE_REFERENCE=1 bash bench/dedup.sh; key=value, s, MB."
		echo "date=$(date -u +%F)"
		echo "machine=$(nproc) CPUs $(sed -nE 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)"
		echo "load_before=$LOAD_BEFORE"
		echo "load_after=$LOAD_AFTER"
		for k in cases dedup_s dedup_cpu_s dedup_rss_mb candidates likely review new; do
			echo "$k=${NOW[$k]:--}"
		done
		for p in threads load block compare em score store; do
			[ -n "${NOW[phase_$p]:-}" ] && echo "phase_$p=${NOW[phase_$p]}"
		done
	} >"$REF"
	echo "bench: wrote $REF"
fi
exit 0
