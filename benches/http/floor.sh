#!/usr/bin/env bash
# What bounds hms's reads and writes: the database's own ceiling for the statements of a patient's
# list and of a booking, without hms, beside hms's same request over HTTP, alternating in one
# sitting on the data set of run.sh, and the bare handler of run.sh in the same sitting.
#
# - A patient's list (`GET /api/appointments` as patient 4242): on SQLite, the example
#   `sqlite_list_floor` of hms-store runs the list's statements through SQLite's C interface from
#   THREADS threads (the session, the first page, the count when the page is full); on PostgreSQL,
#   pgbench runs floor/postgres_list.pgbench at the HTTP runs' connections and threads.
# - A booking: on PostgreSQL, pgbench runs floor/postgres_booking.pgbench (the session read, BEGIN,
#   the doctor's schedule with the patient, the writes, COMMIT, as hms-store sends them); on SQLite,
#   floor/sqlite_booking.py runs the booking's turn at the writer (the read and the writes) from
#   one thread, in transactions of 16 bookings, as group commit makes them under load.
#
# Each round runs a floor and then hms's run of run.sh (wrk) for each of WHAT (default "list
# booking"); ROUNDS rounds (default 3) of DURATION seconds (default 10) each; the server is stopped
# while a floor runs. At the end: the bare handler, and the medians with their ratios.
#
#   bash benches/http/floor.sh
#   BACKENDS=sqlite WHAT=list APPOINTMENTS=100000 ROUNDS=2 bash benches/http/floor.sh
set -euo pipefail
cd "$(dirname "$0")/../.."

ROUNDS=${ROUNDS:-3}
WHAT=${WHAT:-list booking}
# shellcheck source=benches/http/report.sh
source benches/http/report.sh
# shellcheck source=benches/http/data.sh
source benches/http/data.sh

for tool in wrk jq pgbench python3; do
  command -v "$tool" >/dev/null || { echo "floor.sh needs $tool (wrk, jq: Debian's packages; pgbench: postgresql-client)" >&2; exit 1; }
done
# As run.sh builds the server, so that the two share one build; the floor of a list on its own.
cargo build --release -p hms-server --bin hms-server --example baseline >/dev/null 2>&1
cargo build --release -p hms-store --example sqlite_list_floor >/dev/null 2>&1
TARGET=${CARGO_TARGET_DIR:-target}
BIN=$TARGET/release/hms-server
DATA=target/bench-data
mkdir -p "$DATA"

# A day far enough ahead that no earlier run booked it (each round books its own days).
fresh_day() { echo $(( ($(date -u +%s) / 86400 + 30000 + RANDOM * 4) * 86400 )); }

# Figures by "backend:what:floor|hms", a line of values each.
declare -A FIG

list_floor() { # backend, url: prints lists/s
  local patient session count out
  if [ "$1" = sqlite ]; then
    patient=$(sql "$2" "select hex(id) from account where email = 'patient4242@bulk.hms'")
    session=$(sql "$2" "select hex(id) from session where user_id = x'$patient' and revoked_at is null order by created_at desc limit 1")
    out=$("$TARGET/release/examples/sqlite_list_floor" "$2" "$session" "$patient" "$DURATION" "$THREADS")
  else
    patient=$(sql "$2" "select id from account where email = 'patient4242@bulk.hms'")
    session=$(sql "$2" "select id from session where user_id = '$patient' and revoked_at is null order by created_at desc limit 1")
    count=$(sql "$2" "select count(*) from appointment where patient_id = '$patient'")
    out=$(pgbench -n -M prepared -c "$CONNECTIONS" -j "$THREADS" -T "$DURATION" -f benches/http/floor/postgres_list.pgbench \
      -D sid="$session" -D pid="$patient" -D full=$(( count >= 20 ? 1 : 0 )) "$2" 2>&1)
    out=$(awk -v n="$count" '/^tps/ {tps = $3} /latency average/ {lat = $4 " " $5} /failed transactions/ {failed = $5}
         END {printf "postgres list floor: %.0f lists/s, latency average %s, failed %s (the patient has %d appointments)\n", tps, lat, failed, n}' <<<"$out")
  fi
  echo "$out" >&2
  awk '{for (i = 1; i < NF; i++) if ($(i + 1) ~ /^lists\/s/) print $i}' <<<"$out"
}

booking_floor() { # backend, url: prints bookings/s
  local session admin out
  if [ "$1" = sqlite ]; then
    out=$(python3 benches/http/floor/sqlite_booking.py "${2#sqlite:}" "$DURATION" 16 $(( $(fresh_day) / 86400 - $(date -u +%s) / 86400 )))
  else
    # The booking's ids and the sequence that numbers the floor's bookings, in the bench database.
    PGOPTIONS="-c client_min_messages=warning" psql -q "$2" -c "create sequence if not exists hms_floor_seq" \
      -c "create or replace function hms_floor_uuid() returns uuid language sql volatile as \$\$
            select (lpad(to_hex((extract(epoch from clock_timestamp()) * 1000)::bigint), 12, '0') || '7'
                    || substr(md5(random()::text), 1, 19))::uuid \$\$"
    admin=$(sql "$2" "select id from account where email = 'admin@bulk.hms'")
    session=$(sql "$2" "select id from session where user_id = '$admin' and revoked_at is null and expires_at > now() order by created_at desc limit 1")
    out=$(pgbench -n -M prepared -c "$CONNECTIONS" -j "$THREADS" -T "$DURATION" -f benches/http/floor/postgres_booking.pgbench \
      -D base="$(fresh_day)" -D sid="$session" -D admin="$admin" "$2" 2>&1)
    out=$(awk '/^tps/ {tps = $3} /latency average/ {lat = $4 " " $5} /failed transactions/ {failed = $5}
         END {printf "postgres floor: %.0f bookings/s, latency average %s, failed %s\n", tps, lat, failed}' <<<"$out")
  fi
  echo "$out" >&2
  awk '{for (i = 1; i < NF; i++) if ($(i + 1) ~ /^bookings\/s/) print $i}' <<<"$out"
}

hms_run() { # backend, url, what: prints req/s
  local out
  start_server "$2" 300
  ADMIN=$(login admin@bulk.hms "$HMS_ADMIN_PASSWORD")
  PATIENT=$(login patient4242@bulk.hms demo-password-2026)
  # The pool opens its connections before the measured run (as in run.sh: a patient's list).
  wrk -t"$THREADS" -c"$CONNECTIONS" -d2s -H "Authorization: Bearer $PATIENT" "$API/api/appointments" >/dev/null 2>&1
  if [ "$3" = list ]; then
    out=$(run_wrk -H "Authorization: Bearer $PATIENT" "$API/api/appointments")
    report "$1: GET /api/appointments (as a patient)" "$out" "$SERVER" >&2
  else
    out=$(BASE_DAY=$(fresh_day) TOKEN=$ADMIN THREADS=$THREADS run_wrk -s benches/http/book.lua "$API")
    report "$1: POST /api/appointments (distinct slots)" "$out" "$SERVER" >&2
  fi
  kill "$SERVER"; wait "$SERVER" 2>/dev/null || true
  grep -m1 'Requests/sec' <<<"$out" | awk '{printf "%.0f\n", $2}'
}

median() { tr ' ' '\n' | grep . | sort -n | awk '{v[NR] = $1} END {if (NR % 2) print v[(NR + 1) / 2]; else printf "%.0f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }

for backend in $BACKENDS; do
  URL=$(data_set "$backend")
  # Sessions of the admin and of the patient for the floors' session reads.
  start_server "$URL" 300
  login admin@bulk.hms "$HMS_ADMIN_PASSWORD" >/dev/null
  login patient4242@bulk.hms demo-password-2026 >/dev/null
  PAGE_BYTES=$(curl -s "$API/api/doctors" | wc -c)
  kill "$SERVER"; wait "$SERVER" 2>/dev/null || true
  for round in $(seq 1 "$ROUNDS"); do
    for what in $WHAT; do
      echo "$backend, $what, round $round" >&2
      FIG[$backend:$what:floor]+=" $("${what}_floor" "$backend" "$URL")"
      FIG[$backend:$what:hms]+=" $(hms_run "$backend" "$URL" "$what")"
    done
  done
done

BODY_BYTES=$PAGE_BYTES BIND=127.0.0.1:$PORT "$TARGET/release/examples/baseline" &
BASE=$!
sleep 1
BARE=$(run_wrk "$API/" | grep -m1 'Requests/sec' | awk '{printf "%.0f\n", $2}')
kill "$BASE"

echo
echo "bare poem handler in this sitting: $BARE req/s; medians of $ROUNDS rounds of ${DURATION} s"
echo
printf '| %-10s | %-8s | %-22s | %8s | %-22s | %8s | %9s | %10s | %8s |\n' \
  backend what "the database alone" median "hms over HTTP" median "hms/floor" "floor/bare" "hms/bare"
echo "|---|---|---|---|---|---|---|---|---|"
for backend in $BACKENDS; do
  for what in $WHAT; do
    f=${FIG[$backend:$what:floor]:-}; h=${FIG[$backend:$what:hms]:-}
    fm=$(median <<<"$f"); hm=$(median <<<"$h")
    printf '| %-10s | %-8s | %-22s | %8s | %-22s | %8s | %9s | %10s | %8s |\n' "$backend" "$what" \
      "$(echo $f | sed 's/ / · /g')" "$fm" "$(echo $h | sed 's/ / · /g')" "$hm" \
      "$(awk -v a="$hm" -v b="$fm" 'BEGIN {printf "%.2f", a / b}')" "$(fmt_share "$fm" "$BARE")" "$(fmt_share "$hm" "$BARE")"
  done
done
