#!/usr/bin/env bash
# HTTP load, with wrk (Debian's package): first the Django seed system 000 (seed.sh: its doctor
# list, a patient's appointment list and booking), then hms-server over a synthetic hospital on
# SQLite and PostgreSQL, then a bare poem handler returning a constant body of the same size as a
# page of doctors. Prints req/s, p50, p99 and the server's peak memory for each run, and then the
# ratios of this run: hms / seed for the three operations on each backend, and each figure as a
# share of the bare handler's. Bounded: each run lasts DURATION seconds (default 10) at CONNECTIONS
# connections (default 16). The seed's part (SEED=0 skips it) sets the seed up on its first run,
# which needs Python 3.11 or 3.12 and PyPI; its settings are described in seed.sh.
#
#   bash benches/http/run.sh                 # the seed, both backends, 1,000,000 appointments
#   SEED=0 APPOINTMENTS=100000 BACKENDS=sqlite bash benches/http/run.sh   # without the seed
set -euo pipefail
cd "$(dirname "$0")/../.."

DURATION=${DURATION:-10}
CONNECTIONS=${CONNECTIONS:-16}
THREADS=${THREADS:-2}
SEED=${SEED:-1}
# shellcheck source=benches/http/report.sh
source benches/http/report.sh
# shellcheck source=benches/http/seed.sh
source benches/http/seed.sh
# shellcheck source=benches/http/data.sh
source benches/http/data.sh

command -v wrk >/dev/null || { apt-get install -y wrk >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y wrk >/dev/null; }; }
command -v jq >/dev/null || apt-get install -y jq >/dev/null
cargo build --release -p hms-server --bin hms-server --example baseline >/dev/null 2>&1
TARGET=${CARGO_TARGET_DIR:-target}
BIN=$TARGET/release/hms-server
DATA=target/bench-data
mkdir -p "$DATA"

# report, run_wrk, table_header, print_notes and ratio_table are in report.sh; report's fourth
# argument keeps the run's req/s in RPS for the ratio table.

# The smallest id (UUID v7: time first) of a row made from now on.
since_id() { printf '%012x%020x' "$(( $(date +%s%N) / 1000000 ))" 0; }

# What the booking run wrote, counted in the database after it: every booking writes its
# appointment, two notifications and two e-mails (patient and doctor) and an audit event, in one
# transaction. Nothing else writes during the run. Prints one line for the notes.
booking_writes() { # backend, database url, since id, wrk output
  local counts ok
  local q="select (select count(*) from appointment where id >= ID),
                  (select count(*) from notification where kind = 'appointment_booked' and id >= ID),
                  (select count(*) from outgoing_email where id >= ID),
                  (select count(*) from audit_event where operation = 'appointment.book' and id >= ID)"
  local lit="'$3'::uuid"
  if [ "$1" = sqlite ]; then lit="x'$3'"; fi
  counts=$(sql "$2" "${q//ID/$lit}")
  ok=$(( $(awk '/requests in/ {print $1}' <<<"$4") - $(awk '/Non-2xx/ {print $NF}' <<<"$4" | grep . || echo 0) ))
  IFS='|' read -r appointments notifications emails audits <<<"$counts"
  local verdict="all written"
  if [ "$appointments" -lt "$ok" ] || [ "$notifications" -ne $((2 * appointments)) ] || [ "$emails" -ne $((2 * appointments)) ] || [ "$audits" -ne "$appointments" ]; then
    verdict="MISSING WRITES"
  fi
  echo "$1 bookings: $ok answered 2xx; written: $appointments appointments, $notifications notifications, $emails e-mails, $audits audit events (1, 2, 2 and 1 a booking): $verdict"
}


table_header
if [ "$SEED" != 0 ]; then seed_measure; fi

for backend in $BACKENDS; do
  URL=$(data_set "$backend")

  start_server "$URL" 300
  PATIENT=$(login patient4242@bulk.hms demo-password-2026)
  ADMIN=$(login admin@bulk.hms "$HMS_ADMIN_PASSWORD")
  PAGE_BYTES=$(curl -s "$API/api/doctors" | wc -c)
  # A first load, not reported: the pool opens its connections (on PostgreSQL, each a new server
  # process, which otherwise lands in the first run's p99).
  wrk -t"$THREADS" -c"$CONNECTIONS" -d2s -H "Authorization: Bearer $PATIENT" "$API/api/appointments" >/dev/null 2>&1
  report "$backend: GET /api/doctors (page of 20, anonymous)" "$(run_wrk "$API/api/doctors")" "$SERVER" "$backend:doctors"
  report "$backend: GET /api/appointments (as a patient)" "$(run_wrk -H "Authorization: Bearer $PATIENT" "$API/api/appointments")" "$SERVER" "$backend:appointments"
  FROM=$(date -u +%Y-%m-%dT%H:%M:%SZ); TO=$(date -u -d '+7 days' +%Y-%m-%dT%H:%M:%SZ)
  report "$backend: GET /api/doctors/{id}/slots (one week)" \
    "$(run_wrk "$API/api/doctors/01010000-0000-7000-8000-0000000004d2/slots?from=$FROM&to=$TO")" "$SERVER"
  report "$backend: GET /api/dashboard (cached)" "$(run_wrk -H "Authorization: Bearer $ADMIN" "$API/api/dashboard")" "$SERVER"
  BASE_DAY=$(( ($(date -u +%s) / 86400 + 200 + RANDOM % 5000) * 86400 ))
  SINCE=$(since_id)
  BOOKED=$(BASE_DAY=$BASE_DAY TOKEN=$ADMIN THREADS=$THREADS run_wrk -s benches/http/book.lua "$API")
  report "$backend: POST /api/appointments (distinct slots)" "$BOOKED" "$SERVER" "$backend:book"
  NOTES+=("$(booking_writes "$backend" "$URL" "$SINCE" "$BOOKED")")
  report "$backend: POST /api/auth/login (argon2id)" "$(run_wrk -s benches/http/login.lua "$API/api/auth/login")" "$SERVER"
  kill "$SERVER"; wait "$SERVER" 2>/dev/null || true

  start_server "$URL" 0
  ADMIN=$(login admin@bulk.hms "$HMS_ADMIN_PASSWORD")
  # The new server's pool opens its connections first, as the first server's did.
  wrk -t"$THREADS" -c"$CONNECTIONS" -d2s -H "Authorization: Bearer $ADMIN" "$API/api/dashboard" >/dev/null 2>&1
  DURATION=$(( DURATION < 10 ? DURATION : 10 )) report "$backend: GET /api/dashboard (uncached)" "$(run_wrk -H "Authorization: Bearer $ADMIN" "$API/api/dashboard")" "$SERVER"
  kill "$SERVER"; wait "$SERVER" 2>/dev/null || true
done

BODY_BYTES=$PAGE_BYTES BIND=127.0.0.1:$PORT "$TARGET/release/examples/baseline" &
BASE=$!
sleep 1
report "baseline: bare poem handler, constant ${PAGE_BYTES}-byte JSON" "$(run_wrk "$API/")" "$BASE" baseline
kill "$BASE"

print_notes
ratio_table
