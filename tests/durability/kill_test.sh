#!/usr/bin/env bash
# kill_test.sh: acknowledged writes survive a crash.
#
# Starts the real server on a fresh `ihala init --demo` folder, streams writes
# (POST /api/v1/orgs) from a few concurrent clients and records each id the
# server acknowledged (201 with an id), SIGKILLs the server at a random moment,
# then checks, on the crashed folder: SQLite's integrity check says ok and
# `ihala audit verify` exits 0; and after a restart: every id ever
# acknowledged answers 200, and every audited read answered 200 (a reader
# streams GET /api/v1/orgs/{id} beside the writers) has its row in the audit
# log (the server journals reads' rows first: src/audit/journal.h). Ten
# rounds on the same folder.
#
#   IHALA_BIN   the binary (default build/asan/ihala)
#   ROUNDS      rounds (default 10)
#   WRITERS     concurrent writing clients (default 3)
#   KEEP=1      keep the scratch folder (printed) for inspection
#
# Output is TAP: `ok N - ...` / `not ok N - ...`, then `# pass X` and `# fail Y`.
# Needs curl and sqlite3.
set -uo pipefail

IHALA_BIN=${IHALA_BIN:-build/asan/ihala}
ROUNDS=${ROUNDS:-10}
WRITERS=${WRITERS:-3}
WRITES=${WRITES:-5000}      # requests queued per writer per round (the kill comes first)
export IHALA_PWHASH=fast
# A crash is what we test; ASan must not turn leaks at exit into failures.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0}

n_test=0
n_pass=0
n_fail=0
server_pid=
work=

ok() { n_test=$((n_test + 1)); n_pass=$((n_pass + 1)); echo "ok $n_test - $*"; }
not_ok() { n_test=$((n_test + 1)); n_fail=$((n_fail + 1)); echo "not ok $n_test - $*"; }
diag() { sed 's/^/# /'; }
bail() {
	echo "Bail out! $*"
	[ -n "$work" ] && [ -f "$work/server.log" ] && tail -n 20 "$work/server.log" | diag
	finish
}

finish() {
	if [ -n "$server_pid" ]; then
		kill -9 "$server_pid" 2>/dev/null
		wait "$server_pid" 2>/dev/null
		server_pid=
	fi
	echo "# pass $n_pass"
	echo "# fail $n_fail"
	[ -n "$work" ] && [ "${KEEP:-0}" != 1 ] && rm -rf "$work"
	[ "$n_fail" -eq 0 ] && [ "$n_test" -gt 0 ] && exit 0
	exit 1
}
trap 'bail "interrupted"' INT TERM

for tool in curl sqlite3; do
	command -v "$tool" >/dev/null || { echo "1..0 # SKIP $tool is not installed"; exit 0; }
done
[ -x "$IHALA_BIN" ] || { echo "Bail out! $IHALA_BIN is not built"; exit 1; }
IHALA_BIN=$(cd "$(dirname "$IHALA_BIN")" && pwd)/$(basename "$IHALA_BIN")

work=$(mktemp -d "${TMPDIR:-/tmp}/ihala-kill-XXXXXX")
dir=$work/data
jar=$work/cookies
acked=$work/acked

echo "1..$((ROUNDS * 4 + 2))"

# --- set-up: a fresh demo folder on a free port -----------------------------

"$IHALA_BIN" init --demo "$dir" >"$work/init.out" 2>"$work/init.err" || {
	cat "$work/init.err" | diag
	bail "ihala init --demo failed"
}
password=$(sed -n '2s/^password: //p' "$work/init.out")
[ -n "$password" ] || bail "no 'password: X' on line 2 of the output of init --demo"

port=$((20000 + RANDOM % 30000))
if grep -q '^listen *=' "$dir/ihala.conf"; then
	sed -i "s/^listen *=.*/listen = 127.0.0.1:$port/" "$dir/ihala.conf"
else
	echo "listen = 127.0.0.1:$port" >>"$dir/ihala.conf"
fi
base=http://127.0.0.1:$port/api/v1

start_server() {
	"$IHALA_BIN" serve "$dir" >>"$work/server.log" 2>&1 &
	server_pid=$!
	local i
	for i in $(seq 1 100); do
		# Alive and answering (not some other program on a taken port).
		kill -0 "$server_pid" 2>/dev/null || break
		if curl -s -o /dev/null --max-time 1 "$base/health"; then
			kill -0 "$server_pid" 2>/dev/null && return 0
			break
		fi
		sleep 0.1
	done
	return 1
}

# json_field NAME FILE: the string value of "NAME" in a JSON object (flat).
json_field() {
	sed -n "s/.*\"$1\" *: *\"\\([^\"]*\\)\".*/\\1/p" "$2" | head -n 1
}

# post PATH BODY OUT: POST with the session cookie and the CSRF token; prints the status.
post() {
	curl -s -o "$3" -w '%{http_code}' -b "$jar" -c "$jar" --max-time 5 \
		-H 'Content-Type: application/json' -H "X-CSRF-Token: $csrf" \
		-X POST --data "$2" "$base$1"
}

login() {
	local pw=$1 status
	status=$(curl -s -o "$work/login.json" -w '%{http_code}' -c "$jar" --max-time 5 \
		-H 'Content-Type: application/json' -X POST \
		--data "{\"username\":\"admin\",\"password\":\"$pw\"}" "$base/session")
	[ "$status" = 200 ] || return 1
	csrf=$(json_field csrf_token "$work/login.json")
	[ -n "$csrf" ]
}

start_server || bail "the server did not start"
login "$password" || bail "admin login failed"
new_password="kill-test-$RANDOM-$RANDOM-password"
status=$(post /me/password "{\"current\":\"$password\",\"new\":\"$new_password\"}" "$work/pw.json")
[ "$status" = 200 ] || { diag <"$work/pw.json"; bail "password change answered $status"; }
csrf=$(json_field csrf_token "$work/pw.json")
[ -n "$csrf" ] || bail "password change gave no csrf_token"
status=$(post /orgs '{"name_ar":"منظمة","name_en":"Probe","type":"NGO","country":"BH"}' "$work/probe.json")
if [ "$status" = 201 ] && id=$(json_field id "$work/probe.json") && [ -n "$id" ]; then
	echo "$id" >>"$acked"
	probe=$id
	: >"$work/reads.acked"
	ok "set-up: signed in, password changed, first org created"
else
	diag <"$work/probe.json"
	not_ok "set-up: POST /api/v1/orgs answered $status"
	bail "cannot write"
fi

# --- writers -------------------------------------------------------------

# writer N ROUND: create orgs until the server goes away. One curl process runs
# the whole stream over one connection (starting a process per request would
# make the writes too sparse to catch the server mid-commit), printing one
# line per finished transfer: the status and the file holding the answer. A
# write counts as acknowledged only when its line says 201 and the answer
# holds an id.
# write_config N ROUND: the writer's curl config (built before the clock starts).
write_config() {
	local n=$1 round=$2 out=$work/w$1-$2
	mkdir -p "$out"
	awk -v n_writes="$WRITES" -v tag="$n-$round" -v base="$base" -v csrf="$csrf" -v jar="$jar" -v out="$out" '
	BEGIN {
		q = "\\\""   # \" inside a double-quoted curl config string
		for (i = 1; i <= n_writes; i++) {
			if (i > 1)
				print "next"
			printf "url = \"%s/orgs\"\n", base
			printf "data = \"{%sname_ar%s:%sمنظمة %s-%d%s,%sname_en%s:%sOrg %s-%d%s,", q, q, q, tag, i, q, q, q, q, tag, i, q
			printf "%stype%s:%sNGO%s,%scountry%s:%sBH%s}\"\n", q, q, q, q, q, q, q, q
			printf "header = \"Content-Type: application/json\"\nheader = \"X-CSRF-Token: %s\"\n", csrf
			printf "cookie = \"%s\"\nmax-time = 5\noutput = \"%s/%d.json\"\n", jar, out, i
			printf "write-out = \"%%{http_code} %%{filename_effective}\\n\"\n"
		}
	}' >"$work/w$n.cfg"
}

writer() {
	local n=$1 round=$2 cfg=$work/w$1.cfg out=$work/w$1-$2
	local code file files=() n_ok
	# Reads the cookie jar, never writes it: the writers run concurrently.
	# --fail-early: stop at the first failed transfer (the server is gone).
	curl -s --fail-early -K "$cfg" >"$out.log" 2>/dev/null
	while read -r code file; do
		case $code in
		201) files+=("$file") ;;
		000) ;;   # connection refused or reset: the server is gone
		*) echo "writer $n: status $code: $(head -c 200 "$file")" >>"$work/writers.log" ;;
		esac
	done <"$out.log"
	: >"$out.acked"
	[ "${#files[@]}" -eq 0 ] && return 0
	# The id of each acknowledged answer, one awk for all of them.
	awk 'match($0, /"id" *: *"[0-9a-f]+"/) {
		s = substr($0, RSTART, RLENGTH); sub(/^"id" *: *"/, "", s); sub(/"$/, "", s); print s; nextfile
	}' "${files[@]}" >"$out.acked"
	n_ok=$(wc -l <"$out.acked")
	[ "$n_ok" -eq "${#files[@]}" ] ||
		echo "writer $n: ${#files[@]} answers 201 but only $n_ok carry an id" >>"$work/writers.log"
}

# reader ROUND: audited reads of the probe org until the server goes away;
# appends one line per read answered 200 to $work/reads.acked.
reader() {
	local round=$1 cfg=$work/r.cfg
	if [ ! -f "$cfg" ]; then
		for i in $(seq 1 "$WRITES"); do
			[ "$i" -gt 1 ] && echo next
			printf 'url = "%s/orgs/%s"\noutput = "/dev/null"\nmax-time = 5\n' "$base" "$probe"
			printf 'cookie = "%s"\nwrite-out = "%%{http_code}\\n"\n' "$jar"
		done >"$cfg"
	fi
	curl -s --fail-early -K "$cfg" 2>/dev/null | grep '^200$' >>"$work/reads.acked"
}

# check_acked: every acknowledged id answers 200 (one curl, one connection).
check_acked() {
	local cfg=$work/get.cfg id
	: >"$cfg"
	while read -r id; do
		printf 'url = "%s/orgs/%s"\noutput = "/dev/null"\n' "$base" "$id" >>"$cfg"
	done <"$acked"
	curl -s -b "$jar" -K "$cfg" -w '%{http_code} %{url_effective}\n' >"$work/get.out" 2>/dev/null
	missing=$(grep -vc '^200 ' "$work/get.out")
	answered=$(wc -l <"$work/get.out")
	[ "$missing" -eq 0 ] && [ "$answered" -eq "$(wc -l <"$acked")" ]
}

for round in $(seq 1 "$ROUNDS"); do
	before=$(wc -l <"$acked")
	pids=()
	for w in $(seq 1 "$WRITERS"); do
		write_config "$w" "$round"
	done
	for w in $(seq 1 "$WRITERS"); do
		writer "$w" "$round" &
		pids+=($!)
	done
	reader "$round" &
	pids+=($!)
	# Once the writes flow (the first answer has arrived), kill at a random
	# moment 0.1 to 1.2 seconds later.
	for i in $(seq 1 250); do
		[ -e "$work/w1-$round/2.json" ] && break
		sleep 0.02
	done
	sleep "$(printf '0.%03d' $((100 + RANDOM % 900)))"
	[ $((RANDOM % 4)) = 0 ] && sleep 0.2
	kill -9 "$server_pid" 2>/dev/null
	wait "$server_pid" 2>/dev/null
	server_pid=
	for p in "${pids[@]}"; do wait "$p"; done
	for w in $(seq 1 "$WRITERS"); do
		cat "$work/w$w-$round.acked" >>"$acked"
	done
	after=$(wc -l <"$acked")

	# The crashed folder, before any restart.
	integrity=$(sqlite3 "$dir/ihala.db" 'PRAGMA integrity_check' 2>&1)
	if [ "$integrity" = ok ]; then
		ok "round $round: integrity_check ok after SIGKILL"
	else
		not_ok "round $round: integrity_check after SIGKILL"
		echo "$integrity" | head -n 5 | diag
	fi
	if "$IHALA_BIN" audit verify "$dir" >"$work/verify.out" 2>&1; then
		ok "round $round: audit verify ok after SIGKILL ($(head -n 1 "$work/verify.out"))"
	else
		not_ok "round $round: audit verify after SIGKILL"
		diag <"$work/verify.out"
	fi

	if ! start_server; then
		not_ok "round $round: the server did not restart"
		tail -n 20 "$work/server.log" | diag
		bail "no server"
	fi
	# Every acknowledged audited read has its row (check_acked's own reads of the probe add more).
	reads=$(wc -l <"$work/reads.acked")
	logged=$(sqlite3 "$dir/ihala.db" "SELECT COUNT(*) FROM audit_log WHERE action = 'org.read' AND object_id = '$probe'")
	if [ "$logged" -ge "$reads" ] 2>/dev/null; then
		ok "round $round: all $reads acknowledged reads audited after restart ($logged rows)"
	else
		not_ok "round $round: $reads reads acknowledged, $logged audit rows after restart"
	fi
	# Sessions live in the database: the old cookie should still work.
	if ! curl -s -o /dev/null -f -b "$jar" "$base/me"; then
		login "$new_password" || bail "login after restart failed"
	fi
	if check_acked; then
		ok "round $round: all $after acknowledged orgs present after restart ($((after - before)) new this round)"
	else
		not_ok "round $round: $missing of $after acknowledged orgs missing after restart"
		grep -v '^200 ' "$work/get.out" | head -n 5 | diag
	fi
done

if [ -s "$work/writers.log" ]; then
	not_ok "every write answered 201 until the kill ($(wc -l <"$work/writers.log") other answers)"
	head -n 5 "$work/writers.log" | diag
else
	ok "every write answered 201 until the kill"
fi
finish
