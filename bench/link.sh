#!/usr/bin/env bash
# bench/link.sh: the CLK linkage benchmark (part of `make bench`). Issue 6:
# Dice comparisons per second per core on 1024-bit filters (target: at least
# 400 million), and the time to match 1,000,000 x 1,000,000 encodings.
#   1. build/bench/link_bench from bench/link_bench.c, linked with the release
#      library (build/release/libihala.a, or LINK_LIB);
#   2. kernel: one thread, one filter against 2048 others held in the L2
#      cache, for every kernel this CPU runs (portable, avx2, avx512);
#   3. encode: clk_encode of 100,000 synthetic persons on one thread;
#   4. match: clk_match of BENCH_LINK_A x BENCH_LINK_B random-ish encodings
#      (default 1,000,000 x 100,000) on BENCH_LINK_THREADS threads (default
#      2) at the default threshold 0.75 with the default kernel. The time of
#      1,000,000 x 1,000,000 is this time scaled by 1,000,000 / B (the work is
#      linear in B: every record of A is compared with the part of B its
#      popcount can meet); BENCH_LINK_FULL=1 runs 1,000,000 x 1,000,000
#      itself (about 15 minutes on the reference machine).
# The figures are printed beside bench/reference-link.txt
# (BENCH_WRITE_REFERENCE=1 writes it). Printed, never enforced: exit 0
# whenever it could run, 1 when something could not.
#
# Environment: BENCH_LINK=0 skips this script; BENCH_SECONDS (kernel seconds
# per kernel, default 3); BENCH_LINK_A, BENCH_LINK_B, BENCH_LINK_THREADS,
# BENCH_LINK_FULL=1; BENCH_WRITE_REFERENCE=1; LINK_LIB.
set -u

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 1
[ "${BENCH_LINK:-1}" != 0 ] || { echo "bench: linkage benchmark skipped (BENCH_LINK=0)"; exit 0; }
SECONDS_PER_KERNEL=${BENCH_SECONDS:-3}
NA=${BENCH_LINK_A:-1000000}
NB=${BENCH_LINK_B:-100000}
if [ "${BENCH_LINK_FULL:-0}" = 1 ]; then
	NA=1000000
	NB=1000000
fi
THREADS=${BENCH_LINK_THREADS:-2}
LIB=${LINK_LIB:-build/release/libihala.a}
TOOL=build/bench/link_bench
REF=bench/reference-link.txt
TARGET_MPS=400
PKGS="libmicrohttpd jansson sqlite3 libpq libsodium liboath libutf8proc xlsxwriter expat libzip libcurl"
LOAD_BEFORE=$(cut -d' ' -f1 /proc/loadavg)

die() {
	echo "bench: $*" >&2
	exit 1
}

[ -f "$LIB" ] || die "$LIB is missing: run 'make MODE=release all' first"
mkdir -p build/bench
# shellcheck disable=SC2086,SC2046
cc -std=c11 -D_GNU_SOURCE -O2 -Isrc -o "$TOOL" bench/link_bench.c "$LIB" $(pkg-config --libs $PKGS) -lpthread \
	|| die "cannot build bench/link_bench.c"

declare -A NOW=() REFV=()
collect() {   # collect CMD...: key=value lines into NOW
	local line out
	out=$("$@") || die "$TOOL $* failed"
	while IFS= read -r line; do
		case $line in *=*) NOW[${line%%=*}]=${line#*=} ;; esac
	done <<<"$out"
}

echo "bench: linkage: kernels (${SECONDS_PER_KERNEL} s each), encoding, matching $NA x $NB on $THREADS threads"
collect "$TOOL" kernel "$SECONDS_PER_KERNEL"
collect "$TOOL" encode 100000
collect "$TOOL" match "$NA" "$NB" "$THREADS"
LOAD_AFTER=$(cut -d' ' -f1 /proc/loadavg)
NOW[match_1m_s]=$(awk -v s="${NOW[match_s]}" -v b="$NB" -v a="$NA" 'BEGIN { printf "%.0f", s * (1000000 / b) * (1000000 / a) }')

if [ -f "$REF" ]; then
	while IFS='=' read -r k v; do
		case $k in '#'* | '') continue ;; esac
		REFV[$k]=$v
	done <"$REF"
fi
ref() { echo "${REFV[$1]:--}"; }

echo
echo "'ref' = $REF (${REFV[date]:-none}, ${REFV[machine]:-}, load ${REFV[load_before]:--})"
echo "load average before $LOAD_BEFORE, after $LOAD_AFTER (other work on the machine lowers every figure)"
[ "${REFV[match_size]:-${NA}x${NB}}" = "${NA}x${NB}" ] \
	|| echo "!! the reference matched ${REFV[match_size]}, this run ${NA}x${NB}: compare the scaled time only"
echo
printf '%-44s %12s %12s\n' 'Dice comparisons, one thread, from L2' 'M/s now' 'ref'
for k in portable avx2 avx512; do
	label=$k
	[ "$k" = "${NOW[kernel_default]}" ] && label="$k (default here)"
	printf '  %-42s %12s %12s\n' "$label" "${NOW[kernel_${k}_mps]:--}" "$(ref "kernel_${k}_mps")"
done
echo
printf '%-44s %12s %12s\n' 'encoding (clk_encode, one thread)' 'now' 'ref'
printf '  %-42s %12s %12s\n' 'persons per second' "${NOW[encode_per_s]}" "$(ref encode_per_s)"
echo
printf '%-44s %12s %12s\n' "matching $NA x $NB, ${NOW[match_threads]} threads, ${NOW[match_kernel]}" 'now' 'ref'
printf '  %-42s %12s %12s\n' 'seconds' "${NOW[match_s]}" "$(ref match_s)"
printf '  %-42s %12s %12s\n' 'pairs compared (the rest skipped by popcount)' "${NOW[match_compared]}" "$(ref match_compared)"
printf '  %-42s %12s %12s\n' 'M comparisons/s per thread, all included' "${NOW[match_mps_per_thread]}" \
	"$(ref match_mps_per_thread)"
printf '  %-42s %12s %12s\n' 'pairs kept (planted copies found)' "${NOW[match_pairs]} (${NOW[match_found]})" \
	"$(ref match_pairs)"
if [ "$NA" = 1000000 ] && [ "$NB" = 1000000 ]; then
	printf '  %-42s %12s %12s\n' '1,000,000 x 1,000,000: seconds, measured' "${NOW[match_1m_s]}" "$(ref match_1m_s)"
else
	printf '  %-42s %12s %12s\n' '1,000,000 x 1,000,000: seconds, scaled' "${NOW[match_1m_s]}" "$(ref match_1m_s)"
fi

echo
best=${NOW[kernel_${NOW[kernel_default]}_mps]}
if awk -v m="$best" -v t="$TARGET_MPS" 'BEGIN { exit !(m >= t) }'; then
	echo "target: >= $TARGET_MPS M Dice comparisons/s per core (${NOW[kernel_default]}: $best): met"
else
	echo "target: >= $TARGET_MPS M Dice comparisons/s per core (${NOW[kernel_default]}: $best): NOT MET"
fi

if [ "${BENCH_WRITE_REFERENCE:-0}" = 1 ]; then
	{
		echo "# bench/reference-link.txt: the reference run printed beside bench/link.sh."
		echo "# Written by BENCH_WRITE_REFERENCE=1 bash bench/link.sh; key=value, M/s, s."
		echo "date=$(date -u +%F)"
		echo "machine=$(nproc) CPUs $(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)"
		echo "load_before=$LOAD_BEFORE"
		echo "load_after=$LOAD_AFTER"
		echo "match_size=${NA}x${NB}"
		for k in kernel_default kernel_portable_mps kernel_avx2_mps kernel_avx512_mps encode_per_s match_kernel \
			match_threads match_s match_compared match_mps_per_thread match_pairs match_found match_1m_s; do
			echo "$k=${NOW[$k]:--}"
		done
	} >"$REF"
	echo "bench: wrote $REF"
fi
exit 0
