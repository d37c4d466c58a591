#!/usr/bin/env bash
# The whole test run of `make test`, after the sanitizer build:
#   unit tests (cmocka; SQLite and a throwaway PostgreSQL), fuzz corpus replay,
#   lint, API tests against the real server on SQLite and on PostgreSQL,
#   durability (SIGKILL during writes), browser tests in Debian's Chromium.
# Every suite reports TAP; the last line is `N passed, N failed`.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
B=build/asan
export IHALA_BIN="$top/$B/ihala"
export IHALA_PWHASH=fast
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
logs=build/test-logs
rm -rf "$logs"
mkdir -p "$logs"
pass=0
fail=0
skip=0

# count_tap NAME LOGFILE EXIT_STATUS: add a suite's TAP results to the totals.
count_tap() {
	local name=$1 log=$2 status=$3 p f
	p=$(grep -E '^[[:space:]]*ok [0-9]+' "$log" | grep -cvE '# (SKIP|skip)')
	f=$(grep -E '^[[:space:]]*not ok [0-9]+' "$log" | grep -cvE '# (SKIP|skip|TODO|todo)')
	s=$(grep -cE '^[[:space:]]*(not )?ok [0-9]+.*# (SKIP|skip)' "$log")
	# node's reporter prints nested results indented and a summary; prefer its summary.
	if grep -qE '^# pass [0-9]+' "$log"; then
		p=$(grep -E '^# pass [0-9]+' "$log" | tail -1 | awk '{print $3}')
		f=$(grep -E '^# fail [0-9]+' "$log" | tail -1 | awk '{print $3}')
		s=$(grep -E '^# skipped [0-9]+' "$log" | tail -1 | awk '{print $3}')
		s=${s:-0}
	fi
	if [ "$status" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1   # crashed or failed outside any test
	fi
	pass=$((pass + p))
	fail=$((fail + f))
	skip=$((skip + s))
	printf '%-28s %4d passed, %d failed, %d skipped\n' "$name" "$p" "$f" "$s"
	if [ "$f" -gt 0 ]; then
		echo "---- $name (last lines of $log) ----"
		grep -E 'not ok|FAIL|ERROR|error|Assertion|expected|actual|Sanitizer' "$log" | head -40
		tail -30 "$log"
		echo "----"
	fi
}

# A throwaway PostgreSQL for the whole run.
pgdir=$(mktemp -d /tmp/ihala-pg.XXXXXX)
chmod 755 "$pgdir"
rmdir "$pgdir"
pg_conn=$(bash scripts/pg.sh start "$pgdir" 2>"$logs/pg.log")
if [ -z "$pg_conn" ]; then
	echo "PostgreSQL could not start:"; cat "$logs/pg.log"
	fail=$((fail + 1))
else
	export IHALA_TEST_PG="$pg_conn"
	export IHALA_TEST_PG_ADMIN="${pg_conn/dbname=ihala/dbname=postgres}"
fi
cleanup() { [ -n "${pg_conn:-}" ] && bash scripts/pg.sh stop "$pgdir" >/dev/null 2>&1; }
trap cleanup EXIT

# 1. Unit tests.
for t in "$B"/tests/test_*; do
	[ -x "$t" ] || continue
	name=unit/$(basename "$t")
	CMOCKA_MESSAGE_OUTPUT=TAP timeout 300 "$t" >"$logs/$(basename "$t").log" 2>&1
	count_tap "$name" "$logs/$(basename "$t").log" $?
done

# 2. Fuzz corpora replay (each target over its whole corpus is one test).
for f in build/fuzz/fuzz_*; do
	[ -x "$f" ] || continue
	name=$(basename "$f")
	log="$logs/$name.log"
	if timeout 300 "$f" -runs=0 "tests/fuzz/corpus/$name" >"$log" 2>&1; then
		echo "ok 1 - $name corpus replay" >>"$log"; st=0
	else
		echo "not ok 1 - $name corpus replay" >>"$log"; st=1
	fi
	count_tap "fuzz/$name" "$log" $st
done

# 3. Lint: banned functions and layering.
if bash scripts/lint.sh >"$logs/lint.log" 2>&1; then echo "ok 1 - lint" >>"$logs/lint.log"; st=0
else echo "not ok 1 - lint" >>"$logs/lint.log"; st=1; fi
count_tap lint "$logs/lint.log" $st

# 4. API tests on both backends.
if [ -d tests/api ]; then
	IHALA_TEST_BACKEND=sqlite timeout 900 node --test --test-reporter=tap tests/api/ >"$logs/api-sqlite.log" 2>&1
	count_tap api/sqlite "$logs/api-sqlite.log" $?
	if [ -n "${pg_conn:-}" ]; then
		IHALA_TEST_BACKEND=postgres timeout 900 node --test --test-reporter=tap tests/api/ >"$logs/api-postgres.log" 2>&1
		count_tap api/postgres "$logs/api-postgres.log" $?
	fi
fi

# 5. Durability: SIGKILL during a stream of writes.
if [ -f tests/durability/kill_test.sh ]; then
	timeout 600 bash tests/durability/kill_test.sh >"$logs/durability.log" 2>&1
	count_tap durability "$logs/durability.log" $?
fi

# 6. Browser tests.
if [ -d tests/ui ]; then
	timeout 900 node --test --test-reporter=tap tests/ui/ >"$logs/ui.log" 2>&1
	count_tap ui/browser "$logs/ui.log" $?
fi

echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
