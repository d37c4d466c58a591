#!/usr/bin/env bash
# bench/run.sh: the `make bench` benchmarks (the Makefile builds the release
# binary first). Three wrk runs on loopback, each printed beside the ceiling
# and beside the reference run in bench/reference.txt:
#   bare    build/bench/bare (bench/bare.c): libmicrohttpd alone, fixed 200
#   me      ihala GET /api/v1/me with a session cookie (auth + store lookup)
#   asset   ihala GET /assets/<first .js named by index.html> (embedded file)
# plus the ihala server's resident memory at idle, before and after the load;
# then bench/dedup.sh (`ihala link dedup` over 1,000,000 cases).
#
# Environment:
#   BENCH_SECONDS=N          seconds per wrk run (default 20)
#   BENCH_CONNECTIONS=N      wrk connections (default 16); wrk uses 1 thread
#   BENCH_WRITE_REFERENCE=1  also write this run's figures to bench/reference.txt
#   IHALA_BIN=path           the server binary (default build/release/ihala)
#
# The figures are printed, never enforced: the exit status is 0 whenever the
# benchmark could run, whatever the targets say; 1 when something could not run.
set -u

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 1
DURATION=${BENCH_SECONDS:-20}
CONNS=${BENCH_CONNECTIONS:-16}
IHALA=${IHALA_BIN:-build/release/ihala}
REF=bench/reference.txt
BARE=build/bench/bare

# Targets (see docs/benchmarks.md).
TARGET_RPS_RATIO=0.50     # authenticated endpoint req/s >= 50% of the ceiling
TARGET_P99_RATIO=2.0      # authenticated endpoint p99 <= 2x the ceiling's p99
TARGET_RSS_KB=30720       # idle RSS < 30 MB

# Other work on the machine skews every figure (the ratios less than the
# absolute ones): show the load average before anything starts and after the runs.
LOAD_BEFORE=$(cut -d' ' -f1 /proc/loadavg)

# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"

for tool in wrk curl cc pkg-config; do
	command -v "$tool" >/dev/null 2>&1 || die "$tool is not installed (Debian: apt-get install $tool)"
done
[ -x "$IHALA" ] || die "$IHALA is missing: run 'make MODE=release all' first"

# ---- 1. the bare libmicrohttpd server ----
mkdir -p build/bench
# shellcheck disable=SC2046
cc -O2 -Wall -Wextra -o "$BARE" bench/bare.c $(pkg-config --cflags --libs libmicrohttpd) -lpthread \
	|| die "cannot build bench/bare.c"


# ---- 2. a fresh demo data folder, the ihala server, a session ----
DATA=$WORK/data
"$IHALA" init --demo "$DATA" >"$WORK/init.out" 2>"$WORK/init.err" \
	|| { cat "$WORK/init.err" >&2; die "ihala init --demo failed"; }
PASS=$(awk '$1 == "username:" && $2 == "coordinator" && $3 == "password:" {print $4; exit}' "$WORK/init.out")
[ -n "$PASS" ] || die "no coordinator account in the output of ihala init --demo"
THREADS=$(awk -F' *= *' '$1 == "threads" {print $2; exit}' "$DATA/ihala.conf")
THREADS=${THREADS:-4}

# Real Argon2id (IHALA_PWHASH unset): the one login below pays for it once.
env -u IHALA_PWHASH "$IHALA" serve "$DATA" --listen 127.0.0.1:0 >"$WORK/serve.out" 2>"$WORK/serve.err" &
IHALA_PID=$!
PIDS+=("$IHALA_PID")
line=$(wait_line "$WORK/serve.err" 'serving on https?://') \
	|| { cat "$WORK/serve.err" >&2; die "ihala serve did not start"; }
IHALA_PORT=$(sed -E 's|.*://[^ ]*:([0-9]+)/.*|\1|' <<<"$line")
IHALA_URL=http://127.0.0.1:$IHALA_PORT
sleep 1
RSS_START=$(rss_kb "$IHALA_PID")

login_body=$(printf '{"username":"coordinator","password":"%s"}' "$PASS")
COOKIE=$(curl -s -D - -o "$WORK/login.json" -H 'Content-Type: application/json' \
	--data "$login_body" "$IHALA_URL/api/v1/session" |
	tr -d '\r' | sed -nE 's/^[Ss]et-[Cc]ookie: *ihala_session=([^;]*).*/\1/p' | head -n1)
[ -n "$COOKIE" ] || { cat "$WORK/login.json" >&2; die "login as coordinator failed"; }
sleep 1
RSS_LOGIN=$(rss_kb "$IHALA_PID")

# The static asset: the first /assets/*.js that index.html names.
curl -s -o "$WORK/index.html" "$IHALA_URL/" || die "GET / failed"
ASSET=$(grep -oE '/assets/[A-Za-z0-9._-]+\.js' "$WORK/index.html" | head -n1)
ASSET_NOTE=""
if [ -z "$ASSET" ]; then
	ASSET_NOTE="no /assets/*.js in index.html (built with IHALA_NO_UI=1?): asset run skipped"
fi

# ---- the bare server ----
"$BARE" 127.0.0.1 0 "$THREADS" >"$WORK/bare.out" 2>"$WORK/bare.err" &
BARE_PID=$!
PIDS+=("$BARE_PID")
line=$(wait_line "$WORK/bare.out" '^port [0-9]+') || die "bench/bare did not start"
BARE_URL=http://127.0.0.1:${line#port }

check_200 "$BARE_URL/"
check_200 -H "Cookie: ihala_session=$COOKIE" "$IHALA_URL/api/v1/me"
[ -z "$ASSET" ] || check_200 "$IHALA_URL$ASSET"

echo "bench: wrk -t1 -c$CONNS -d${DURATION}s --latency, ihala pool of $THREADS threads, $(nproc) CPUs, load $LOAD_BEFORE" >&2
echo "bench: bare (ceiling) GET /" >&2
run_wrk bare "$BARE_PID" "$BARE_URL/"
echo "bench: ihala GET /api/v1/me (session cookie)" >&2
run_wrk me "$IHALA_PID" "$IHALA_URL/api/v1/me" -H "Cookie: ihala_session=$COOKIE"
if [ -n "$ASSET" ]; then
	echo "bench: ihala GET $ASSET" >&2
	run_wrk asset "$IHALA_PID" "$IHALA_URL$ASSET"
fi

# ---- 4. memory after the load ----
LOAD_AFTER=$(cut -d' ' -f1 /proc/loadavg)
sleep 2
RSS_AFTER=$(rss_kb "$IHALA_PID")

# ---- 5/6. the table, now vs reference ----
declare -A REFV=()
if [ -f "$REF" ]; then
	while IFS='=' read -r k v; do
		case $k in ''|'#'*) continue ;; esac
		REFV[$k]=$v
	done <"$REF"
fi
ref() { echo "${REFV[$1]:--}"; }

echo
echo "ihala benchmarks: $(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) CPUs," \
	"$(sed -nE 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)"
echo "wrk -t1 -c$CONNS -d${DURATION}s --latency; 1-min load average $LOAD_BEFORE before, $LOAD_AFTER after" \
	"(the runs themselves add about 2)"
echo "'ref' = bench/reference.txt (${REFV[date]:-none}, ${REFV[machine]:-}, load ${REFV[load_before]:--})"
busy=$(awk -v l="$LOAD_BEFORE" -v n="$(nproc)" 'BEGIN { print (l + 0 > n / 2) ? 1 : 0 }')
[ "$busy" = 0 ] || echo "!! the machine was busy before the runs (load $LOAD_BEFORE on $(nproc) CPUs): figures are noisy"
echo
printf '%-22s %11s %11s %9s %9s %9s %9s %8s %8s %8s %8s %9s %9s\n' \
	target 'req/s' 'ref' 'p50 ms' 'ref' 'p99 ms' 'ref' 'x ceil' 'ref' 'p99 x' 'ref' 'cpu us/r' 'ref'
row() {   # row NAME LABEL
	local n=$1 label=$2 rps p50 p99 cpu err
	rps=R_${n}_rps p50=R_${n}_p50 p99=R_${n}_p99 cpu=R_${n}_cpu err=R_${n}_err
	if [ -z "${!rps:-}" ]; then
		printf '%-22s %11s\n' "$label" '(not run)'
		return
	fi
	local rr pr
	rr=$(ratio "${!rps}" "$R_bare_rps")
	pr=$(ratio "${!p99}" "$R_bare_p99")
	printf '%-22s %11s %11s %9s %9s %9s %9s %8s %8s %8s %8s %9s %9s\n' "$label" \
		"${!rps}" "$(ref "${n}_rps")" "${!p50}" "$(ref "${n}_p50_ms")" \
		"${!p99}" "$(ref "${n}_p99_ms")" "$rr" "$(ref "${n}_rps_ratio")" \
		"$pr" "$(ref "${n}_p99_ratio")" "${!cpu}" "$(ref "${n}_cpu_us")"
	[ "${!err}" = 0 ] || echo "  !! $label: ${!err} socket errors or non-2xx answers during the run"
	printf -v "R_${n}_rr" '%s' "$rr"
	printf -v "R_${n}_pr" '%s' "$pr"
}
row bare 'bare GET / (ceiling)'
row me 'ihala GET /api/v1/me'
if [ -n "$ASSET" ]; then
	row asset "ihala GET asset .js"
else
	echo "  ($ASSET_NOTE)"
fi
echo
printf '%-34s %9s %9s\n' 'ihala resident memory (VmRSS)' 'now MB' 'ref MB'
printf '%-34s %9s %9s\n' 'idle after start-up' "$(mb "$RSS_START")" "$(mb "$(ref rss_start_kb)")"
printf '%-34s %9s %9s\n' 'idle after the login (Argon2id)' "$(mb "$RSS_LOGIN")" "$(mb "$(ref rss_login_kb)")"
printf '%-34s %9s %9s\n' 'idle after the load' "$(mb "$RSS_AFTER")" "$(mb "$(ref rss_after_kb)")"

verdict() { if [ "$1" = 1 ]; then echo met; else echo 'NOT MET'; fi; }
t1=$(awk -v r="$R_me_rr" -v t="$TARGET_RPS_RATIO" 'BEGIN { print (r != "-" && r + 0 >= t) ? 1 : 0 }')
t2=$(awk -v r="$R_me_pr" -v t="$TARGET_P99_RATIO" 'BEGIN { print (r != "-" && r + 0 <= t) ? 1 : 0 }')
t3=$(awk -v a="$RSS_START" -v b="$RSS_AFTER" -v t="$TARGET_RSS_KB" 'BEGIN { print (a + 0 < t && b + 0 < t) ? 1 : 0 }')
echo
echo "targets"
printf '  %-58s %-8s (now %s)\n' "GET /api/v1/me req/s >= ${TARGET_RPS_RATIO} x ceiling" "$(verdict "$t1")" "${R_me_rr}x"
printf '  %-58s %-8s (now %s)\n' "GET /api/v1/me p99 <= ${TARGET_P99_RATIO} x ceiling p99" "$(verdict "$t2")" "${R_me_pr}x"
printf '  %-58s %-8s (now %s / %s MB)\n' "idle RSS < $((TARGET_RSS_KB / 1024)) MB (after start-up and after the load)" \
	"$(verdict "$t3")" "$(mb "$RSS_START")" "$(mb "$RSS_AFTER")"

if [ "${BENCH_WRITE_REFERENCE:-0}" = 1 ]; then
	{
		echo "# bench/reference.txt: the reference run printed beside each 'make bench'."
		echo "# Written by BENCH_WRITE_REFERENCE=1 bash bench/run.sh; key=value, ms, KiB."
		echo "date=$(date -u +%Y-%m-%d)"
		echo "machine=$(nproc) CPUs $(sed -nE 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)"
		echo "seconds=$DURATION"
		echo "connections=$CONNS"
		echo "threads=$THREADS"
		echo "load_before=$LOAD_BEFORE"
		echo "load_after=$LOAD_AFTER"
		for n in bare me asset; do
			v=R_${n}_rps
			[ -n "${!v:-}" ] || continue
			p50=R_${n}_p50 p99=R_${n}_p99 cpu=R_${n}_cpu
			echo "${n}_rps=${!v}"
			echo "${n}_p50_ms=${!p50}"
			echo "${n}_p99_ms=${!p99}"
			echo "${n}_cpu_us=${!cpu}"
			if [ "$n" != bare ]; then
				rr=R_${n}_rr pr=R_${n}_pr
				echo "${n}_rps_ratio=${!rr}"
				echo "${n}_p99_ratio=${!pr}"
			fi
		done
		echo "rss_start_kb=$RSS_START"
		echo "rss_login_kb=$RSS_LOGIN"
		echo "rss_after_kb=$RSS_AFTER"
	} >"$REF"
	echo
	echo "bench: wrote $REF"
fi

# ---- 7. duplicate detection over 1,000,000 cases: bench/dedup.sh (BENCH_DEDUP_CASES=0 skips it) ----
echo
bash "$ROOT/bench/dedup.sh" || echo "bench: the duplicate benchmark could not run (see above)" >&2
exit 0
