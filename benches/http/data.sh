#!/usr/bin/env bash
# The synthetic hospital of the HTTP harness and its server (2,000 doctors, 200,000 patients, APPOINTMENTS
# appointments), loaded once per backend and size by `hms-server demo-data` and kept under
# target/bench-data (SQLite) or in the database hms_http_<APPOINTMENTS> (PostgreSQL), with the
# admin the runs sign in as; hms-server started on it, a sign-in, and a query's first row.
# Sourced by run.sh and floor.sh, which set BIN and DATA; the settings below are theirs too.

APPOINTMENTS=${APPOINTMENTS:-1000000}
BACKENDS=${BACKENDS:-sqlite postgres}
PG_ADMIN=${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}
PORT=${PORT:-8098}
API=http://127.0.0.1:$PORT
export HMS_JWT_SECRET=benchmark-secret-benchmark-secret-benchmark
export HMS_ADMIN_PASSWORD=load-test-passphrase-2026
export HMS_SECRET_KEY=${HMS_SECRET_KEY:-000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f}
export RUST_LOG=warn

data_set() { # backend: loads the data set if it is not there yet and prints its database URL
  local url name
  if [ "$1" = sqlite ]; then
    url="sqlite:$PWD/$DATA/http-$APPOINTMENTS.db"
    if [ ! -f "$DATA/http-$APPOINTMENTS.db" ]; then
      "$BIN" demo-data --database "$url" --doctors 2000 --patients 200000 --appointments "$APPOINTMENTS" >/dev/null
    fi
  else
    name=hms_http_$APPOINTMENTS
    url="${PG_ADMIN%/*}/$name"
    if ! psql "$url" -tAc 'select 1 from account limit 1' >/dev/null 2>&1; then
      psql "$PG_ADMIN" -qc "drop database if exists $name" -qc "create database $name"
      "$BIN" demo-data --database "$url" --doctors 2000 --patients 200000 --appointments "$APPOINTMENTS" >/dev/null
    fi
  fi
  # The admin of the load (an account that exists already is fine).
  "$BIN" create-admin --database "$url" --email admin@bulk.hms --name "Bench Admin" >/dev/null 2>&1 || true
  echo "$url"
}

start_server() { # database url, dashboard ttl
  HMS_DASHBOARD_TTL=$2 "$BIN" serve --database "$1" --bind "127.0.0.1:$PORT" --production >"$DATA/server.log" 2>&1 &
  SERVER=$!
  for _ in $(seq 1 100); do curl -sf "$API/healthz" >/dev/null && return; sleep 0.2; done
  echo "the server did not start:" >&2; cat "$DATA/server.log" >&2; exit 1
}

login() { curl -sf -X POST "$API/api/auth/login" -H 'content-type: application/json' -d "{\"email\":\"$1\",\"password\":\"$2\"}" | jq -r .access_token; }

sql() { # database url, query: its first row, the columns separated by |
  if [ "${1%%:*}" = sqlite ]; then
    python3 -c 'import sqlite3, sys; print("|".join(str(v) for v in (sqlite3.connect(sys.argv[1]).execute(sys.argv[2]).fetchone() or ())))' "${1#sqlite:}" "$2"
  else
    psql "$1" -tAc "$2"
  fi
}
