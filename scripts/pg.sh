#!/usr/bin/env bash
# pg.sh: a throwaway PostgreSQL 15 cluster for tests, without systemd.
#
#   scripts/pg.sh start DIR   create DIR, init a cluster in DIR/pg, start it on a
#                             Unix socket in DIR (no TCP), create database ihala,
#                             print one line: the libpq conninfo to use
#   scripts/pg.sh stop DIR    stop it (immediate: nothing in it is worth a clean
#                             shutdown) and remove DIR
#
# As root, the server runs as user postgres (PostgreSQL refuses to run as root),
# so DIR must be reachable by postgres: use a path under /tmp. As any other
# user, it runs as that user. Authentication is "trust": test use only.
# Everything but the conninfo line goes to stderr or DIR/pg.log.
set -euo pipefail

PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
FIRST_PORT=55432

die() { echo "pg.sh: $*" >&2; exit 1; }

usage() { die "usage: pg.sh start|stop DIR"; }

# Run a PostgreSQL program as the cluster's owner.
as_owner() {
	if [ "$(id -u)" = 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

# A port no other cluster on this machine is using: no socket with that number
# in the usual places (the throwaway clusters of this script live in /tmp/*),
# and nothing listening on it over TCP.
free_port() {
	local port=$FIRST_PORT
	while [ "$port" -lt $((FIRST_PORT + 1000)) ]; do
		if ! compgen -G "/tmp/.s.PGSQL.$port" >/dev/null &&
		   ! compgen -G "/tmp/*/.s.PGSQL.$port" >/dev/null &&
		   ! compgen -G "/var/run/postgresql/.s.PGSQL.$port" >/dev/null &&
		   ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
			echo "$port"
			return 0
		fi
		port=$((port + 1))
	done
	die "no free port from $FIRST_PORT"
}

start() {
	local dir=$1
	[ -e "$dir/pg" ] && die "$dir/pg exists: stop it first"
	mkdir -p "$dir"
	chmod 0755 "$dir"
	if [ "$(id -u)" = 0 ]; then
		id postgres >/dev/null 2>&1 || die "no user postgres"
		chown postgres: "$dir"
	fi
	touch "$dir/.ihala-pg"   # marks DIR as ours, for stop's rm -rf
	if [ "$(id -u)" = 0 ]; then chown postgres: "$dir/.ihala-pg"; fi

	as_owner "$PGBIN/initdb" -D "$dir/pg" -A trust -U postgres -E UTF8 --locale=C.UTF-8 \
		>"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; die "initdb failed"; }

	local port tries=0
	while :; do
		port=$(free_port)
		if as_owner "$PGBIN/pg_ctl" -D "$dir/pg" -l "$dir/pg.log" -w -t 60 \
			-o "-p $port -k $dir -c listen_addresses= -c fsync=off" start >&2; then
			break
		fi
		tries=$((tries + 1))
		[ "$tries" -lt 5 ] || { cat "$dir/pg.log" >&2; die "server did not start"; }
	done
	echo "$port" >"$dir/port"

	"$PGBIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$dir" -p "$port" -U postgres -d postgres \
		-c "CREATE DATABASE ihala" >&2 || die "create database failed"
	echo "host=$dir port=$port dbname=ihala user=postgres"
}

stop() {
	local dir=$1
	[ -d "$dir" ] || return 0
	[ -e "$dir/.ihala-pg" ] || die "$dir was not made by pg.sh start: not removing it"
	if [ -f "$dir/pg/postmaster.pid" ]; then
		as_owner "$PGBIN/pg_ctl" -D "$dir/pg" -m immediate -w stop >&2 || true
	fi
	rm -rf -- "$dir"
}

[ $# -eq 2 ] || usage
dir=$(realpath -m -- "$2")
[ "$dir" != / ] || die "refusing DIR /"
case $1 in
start) start "$dir" ;;
stop) stop "$dir" ;;
*) usage ;;
esac
