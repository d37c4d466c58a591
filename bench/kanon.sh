#!/usr/bin/env bash
# bench/kanon.sh: k-anonymity of the CTDC export (src/domain/stats/kanon.h)
# on synthetic records of its six quasi-identifiers: 100,000 and 1,000,000
# records shaped like a national installation's, and 1,000,000 uniform ones
# (almost every record unique: the worst case). Builds build/bench/kanon_bench
# from bench/kanon_bench.c with the release library (build/release/libihala.a,
# or KANON_LIB) and prints its key=value lines per run, with the load before
# and after. Printed, never enforced: exit 0 whenever it could run.
#
# Environment: BENCH_KANON=0 skips it; KANON_LIB; BENCH_KANON_K (default 11).
set -u

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 1
[ "${BENCH_KANON:-1}" != 0 ] || { echo "bench: k-anonymity benchmark skipped (BENCH_KANON=0)"; exit 0; }
LIB=${KANON_LIB:-build/release/libihala.a}
K=${BENCH_KANON_K:-11}
TOOL=build/bench/kanon_bench
PKGS="libmicrohttpd jansson sqlite3 libpq libsodium liboath libutf8proc xlsxwriter expat libzip libcurl"

[ -f "$LIB" ] || { echo "bench: $LIB is missing: run 'make MODE=release all' first" >&2; exit 1; }
mkdir -p build/bench
# shellcheck disable=SC2046
cc -std=c11 -D_GNU_SOURCE -O2 -Isrc -o "$TOOL" bench/kanon_bench.c "$LIB" $(pkg-config --libs $PKGS) -lpthread \
	|| { echo "bench: cannot build bench/kanon_bench.c" >&2; exit 1; }

echo "bench: k-anonymity (k=$K), $(nproc) CPUs, load before $(cut -d' ' -f1 /proc/loadavg)"
for run in "100000 national" "1000000 national" "1000000 uniform"; do
	# shellcheck disable=SC2086
	set -- $run
	printf '%-9s %-8s ' "$1" "$2"
	/usr/bin/time -f 'cpu_s=%U' "$TOOL" "$1" "$2" "$K" 2>&1 |
		awk -F= '/^(values|dropped|steps|masks_tried|seconds|smallest|cpu_s)=/ { printf "%s=%s ", $1, $2 } END { print "" }'
done
echo "bench: load after $(cut -d' ' -f1 /proc/loadavg)"
