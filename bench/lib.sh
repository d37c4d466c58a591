# bench/lib.sh: helpers shared by bench/run.sh and bench/cases.sh (sourced).
# Expects ROOT, CONNS and DURATION set; sets WORK (a temporary folder removed
# on exit with every process started through run_bg or added to PIDS).

TICKS=$(getconf CLK_TCK)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/ihala-bench.XXXXXX")
PIDS=()
cleanup() {
	for p in "${PIDS[@]}"; do
		kill "$p" 2>/dev/null
	done
	for p in "${PIDS[@]}"; do
		wait "$p" 2>/dev/null
	done
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Run a command in the background and wait for it: a trapped signal then
# interrupts the wait at once instead of after the command's own end.
run_bg() {
	"$@" &
	local p=$! rc q keep=()
	PIDS+=("$p")
	wait "$p"
	rc=$?
	for q in "${PIDS[@]}"; do   # done: never kill a reused process id later
		[ "$q" = "$p" ] || keep+=("$q")
	done
	PIDS=("${keep[@]}")
	return $rc
}

die() {
	echo "bench: $*" >&2
	exit 1
}

# Wait until FILE holds a line matching REGEX (up to SECONDS, default 10); print that line.
wait_line() {
	local file=$1 regex=$2 i
	for i in $(seq 1 $((${3:-10} * 10))); do
		if grep -Eq "$regex" "$file" 2>/dev/null; then
			grep -Em1 "$regex" "$file"
			return 0
		fi
		sleep 0.1
	done
	return 1
}

rss_kb() {
	awk '/^VmRSS:/ {print $2}' "/proc/$1/status" 2>/dev/null
}

# User + system CPU time of a process, in clock ticks.
cpu_ticks() {
	local s
	s=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	s=${s##*) }   # drop "pid (comm) "; the fields then start at field 3 (state)
	# shellcheck disable=SC2086
	set -- $s
	echo $((${12} + ${13}))
}

# Every target must answer 200 before it is measured.
check_200() {
	local code
	code=$(curl -s -o /dev/null -w '%{http_code}' "$@")
	[ "$code" = 200 ] || die "$* answered $code, not 200"
}

# ---- 3. wrk ----
# to_ms VALUE: wrk's "231.00us" / "7.36ms" / "1.02s" / "1.5m" in milliseconds.
to_ms() {
	awk -v v="$1" 'BEGIN {
		n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
		if (u == "us") n /= 1000; else if (u == "s") n *= 1000; else if (u == "m") n *= 60000
		printf "%.3f", n }'
}

# The stall probe (bench/stall.c), built once per run into WORK; none when it cannot be built.
STALL=$WORK/stall
cc -O2 -o "$STALL" "$ROOT/bench/stall.c" 2>/dev/null || STALL=

# run_wrk NAME PID URL [wrk args...]: sets R_<NAME>_{rps,p50,p99,cpu,err,stall}.
# R_<NAME>_stall is "N/L": N times a thread of the machine waited more than
# 5 ms for a CPU during the run, the longest L ms (bench/stall.c); "-" without the probe.
run_wrk() {
	local name=$1 pid=$2 url=$3 out t0 t1 reqs sp=
	shift 3
	out=$WORK/wrk.$name
	run_bg wrk -t1 -c"$CONNS" -d1s "$@" "$url" >/dev/null 2>&1   # warm-up, not counted
	t0=$(cpu_ticks "$pid")
	if [ -n "$STALL" ]; then
		"$STALL" "$DURATION" >"$out.stall" 2>/dev/null &
		sp=$!   # ends by itself after the run
	fi
	run_bg wrk -t1 -c"$CONNS" -d"${DURATION}s" --latency "$@" "$url" >"$out" 2>&1 \
		|| { cat "$out" >&2; die "wrk failed on $url"; }
	t1=$(cpu_ticks "$pid")
	[ -z "$sp" ] || wait "$sp" 2>/dev/null
	printf -v "R_${name}_stall" '%s' "$(awk '$1 == "stalls" {print $2 "/" $4} END {if (!NR) print "-"}' "$out.stall" 2>/dev/null || echo -)"
	local rps p50 p99 errs
	rps=$(awk '/^Requests\/sec:/ {print $2}' "$out")
	p50=$(to_ms "$(awk '$1 == "50%" {print $2}' "$out")")
	p99=$(to_ms "$(awk '$1 == "99%" {print $2}' "$out")")
	reqs=$(awk '/requests in/ {print $1}' "$out")
	errs=$(awk '/Non-2xx or 3xx responses:/ {n += $NF} /Socket errors:/ {
		for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+,?$/) n += $i } END {print n + 0}' "$out")
	[ -n "$rps" ] || { cat "$out" >&2; die "could not read wrk's output for $name"; }
	# Server CPU time per request, in microseconds (all its threads together).
	local cpu
	cpu=$(awk -v d=$((t1 - t0)) -v hz="$TICKS" -v n="${reqs:-0}" \
		'BEGIN { if (n > 0) printf "%.1f", d / hz * 1e6 / n; else print "-" }')
	printf -v "R_${name}_rps" '%s' "$rps"
	printf -v "R_${name}_p50" '%s' "$p50"
	printf -v "R_${name}_p99" '%s' "$p99"
	printf -v "R_${name}_cpu" '%s' "$cpu"
	printf -v "R_${name}_err" '%s' "$errs"
}

ratio() {   # ratio A B -> A/B with two decimals, "-" when not computable
	awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || a == "-" || b + 0 == 0) print "-"; else printf "%.2f", a / b }'
}
mb() { awk -v k="$1" 'BEGIN { if (k == "" || k == "-") print "-"; else printf "%.1f", k / 1024 }'; }
