#!/usr/bin/env bash
# What bounds a booking: the database's own ceiling for the booking's statements, without hms,
# beside hms's bookings over HTTP, alternating in one sitting on the data set of run.sh.
#
# - PostgreSQL: pgbench runs floor/postgres_booking.pgbench (the session read, BEGIN, the doctor's
#   schedule with the patient, the writes, COMMIT, as hms-store sends them) at the connections and
#   threads of the HTTP runs.
# - SQLite: floor/sqlite_booking.py runs the booking's turn at the writer (the read and the writes)
#   from one thread, in transactions of 16 bookings, as group commit makes them under load.
#
# Then the booking run of run.sh (wrk, benches/http/book.lua, as the front desk). ROUNDS rounds
# (default 3) of DURATION seconds (default 10) each; the server is stopped while the floor runs.
#
#   bash benches/http/floor.sh
#   BACKENDS=sqlite APPOINTMENTS=100000 ROUNDS=2 bash benches/http/floor.sh
set -euo pipefail
cd "$(dirname "$0")/../.."

ROUNDS=${ROUNDS:-3}
# shellcheck source=benches/http/report.sh
source benches/http/report.sh
# shellcheck source=benches/http/data.sh
source benches/http/data.sh

for tool in wrk jq pgbench; do
  command -v "$tool" >/dev/null || { echo "floor.sh needs $tool (wrk, jq: Debian's packages; pgbench: postgresql-client)" >&2; exit 1; }
done
cargo build --release -p hms-server --bin hms-server >/dev/null 2>&1
BIN=${CARGO_TARGET_DIR:-target}/release/hms-server
DATA=target/bench-data
mkdir -p "$DATA"

# A day far enough ahead that no earlier run booked it (each round books its own days).
fresh_day() { echo $(( ($(date -u +%s) / 86400 + 30000 + RANDOM * 4) * 86400 )); }

floor() { # backend, url
  if [ "$1" = sqlite ]; then
    python3 benches/http/floor/sqlite_booking.py "${2#sqlite:}" "$DURATION" 16 $(( $(fresh_day) / 86400 - $(date -u +%s) / 86400 ))
  else
    local session admin out
    # The booking's ids and the sequence that numbers the floor's bookings, in the bench database.
    PGOPTIONS="-c client_min_messages=warning" psql -q "$2" -c "create sequence if not exists hms_floor_seq" \
      -c "create or replace function hms_floor_uuid() returns uuid language sql volatile as \$\$
            select (lpad(to_hex((extract(epoch from clock_timestamp()) * 1000)::bigint), 12, '0') || '7'
                    || substr(md5(random()::text), 1, 19))::uuid \$\$"
    admin=$(psql "$2" -tAc "select id from account where email = 'admin@bulk.hms'")
    session=$(psql "$2" -tAc "select id from session where user_id = '$admin' and revoked_at is null and expires_at > now() order by created_at desc limit 1")
    out=$(pgbench -n -M prepared -c "$CONNECTIONS" -j "$THREADS" -T "$DURATION" -f benches/http/floor/postgres_booking.pgbench \
      -D base="$(fresh_day)" -D sid="$session" -D admin="$admin" "$2" 2>&1)
    awk '/^tps/ {tps = $3} /latency average/ {lat = $4 " " $5} /failed transactions/ {failed = $5}
         END {printf "postgres floor: %.0f bookings/s, latency average %s, failed %s\n", tps, lat, failed}' <<<"$out"
  fi
}

for backend in $BACKENDS; do
  URL=$(data_set "$backend")
  # A session of the admin for the PostgreSQL floor's session read.
  start_server "$URL" 300
  login admin@bulk.hms "$HMS_ADMIN_PASSWORD" >/dev/null
  kill "$SERVER"; wait "$SERVER" 2>/dev/null || true
  for round in $(seq 1 "$ROUNDS"); do
    echo "$backend, round $round"
    floor "$backend" "$URL"
    start_server "$URL" 300
    ADMIN=$(login admin@bulk.hms "$HMS_ADMIN_PASSWORD")
    PATIENT=$(login patient4242@bulk.hms demo-password-2026)
    # The pool opens its connections before the measured run (as in run.sh: a patient's list).
    wrk -t"$THREADS" -c"$CONNECTIONS" -d2s -H "Authorization: Bearer $PATIENT" "$API/api/appointments" >/dev/null 2>&1
    report "$backend: POST /api/appointments (distinct slots)" \
      "$(BASE_DAY=$(fresh_day) TOKEN=$ADMIN THREADS=$THREADS run_wrk -s benches/http/book.lua "$API")" "$SERVER"
    kill "$SERVER"; wait "$SERVER" 2>/dev/null || true
  done
done
