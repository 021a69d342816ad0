#!/usr/bin/env bash
# The Django seed system 000 (../shared/django-seed) under the same wrk load as hms in run.sh: its
# doctor list, one patient's appointment list and booking, one row each in run.sh's table format,
# with the req/s kept for the ratio table (RPS[seed:doctors], RPS[seed:appointments],
# RPS[seed:book]). run.sh sources this file and calls seed_measure; run on its own, it prints the
# table with the seed's rows only:
#
#   DURATION=3 bash benches/http/seed.sh
#   SEED_BOOK_AS=patients bash benches/http/seed.sh   # each booking with its own patient's token
#
# What it does: the seed's setup.sh (once; it needs Python 3.11 or 3.12 and PyPI, and takes a few
# minutes), start.sh --reset (the freshly seeded database; tokens valid for 600 minutes), a login
# as patient1 and as admin, a 2-second load that is not reported, then
#   GET  /api/doctors/        with patient1's token (the seed's list needs one; a page of 10)
#   GET  /api/appointments/   as patient1 (the 10 seeded appointments, one page)
#   POST /api/appointments/   distinct free slots for patients 101-200 (seed_book.lua), as admin
#                             or (SEED_BOOK_AS=patients) each with its patient's token
# and stop.sh. After the bookings it counts, through the seed's API, the appointments that were
# created, and checks the count against the 201 responses.
#
# The seed runs gunicorn with 3 sync workers, which close the connection after every response:
# wrk opens a new connection for each request there. Its peak RSS is the sum over gunicorn's master
# and workers (pages shared since the fork counted in each).
#
# Environment: DURATION, CONNECTIONS, THREADS (as run.sh); SEED_DIR (default ../shared/django-seed
# from the repository root); DJANGO_SEED_STATE (default target/django-seed-state: the venv, the
# databases and the logs; nothing is written into SEED_DIR); SEED_BIND (default 127.0.0.1:8001);
# SEED_WORKERS (default 3); SEED_BASE_DATE (first booking day, default 2030-01-01; the seeded
# appointments are all in 2025-2026); SEED_BOOK_AS (admin, the default, or patients);
# SEED_JOURNAL_MODE (wal or delete: the SQLite journal mode to start with; default, the seeded
# database's own, delete).

SEED_PASSWORD=Bench-pass-2026

seed_login() { # seed API url, username: prints the access token
  curl -sf -X POST "$1/api/auth/login/" -H 'Content-Type: application/json' \
    -d "{\"username\":\"$2\",\"password\":\"$SEED_PASSWORD\"}" | jq -r .access
}

seed_count() { # seed API url, admin token: prints the number of appointments
  curl -sf -H "Authorization: Bearer $2" "$1/api/appointments/" | jq -r .count
}

seed_report() { # name, key, wrk output: report's row (pids from $pids), and a note of wrk's socket errors
  local errs
  report "$1" "$3" "$pids" "$2"
  errs=$(grep -m1 'Socket errors' <<<"$3" || true)
  if [ -n "$errs" ]; then NOTES+=("$1, wrk: ${errs#"${errs%%[! ]*}"}"); fi
}

seed_stop() {
  "$SEED_DIR/stop.sh" >>"$DJANGO_SEED_STATE/logs/harness.log" 2>&1 || true
}

seed_measure() {
  local api tok_patient tok_admin master pids before after out line
  case ${SEED_BOOK_AS:-admin} in
    admin | patients) ;;
    *) echo "SEED_BOOK_AS is admin or patients, not ${SEED_BOOK_AS}" >&2; return 1 ;;
  esac
  SEED_DIR=$(cd "${SEED_DIR:-../shared/django-seed}" && pwd)
  DJANGO_SEED_STATE=${DJANGO_SEED_STATE:-$PWD/target/django-seed-state}
  mkdir -p "$DJANGO_SEED_STATE/logs"
  DJANGO_SEED_STATE=$(cd "$DJANGO_SEED_STATE" && pwd)
  export DJANGO_SEED_STATE
  local bind=${SEED_BIND:-127.0.0.1:8001}
  api=http://$bind
  local log=$DJANGO_SEED_STATE/logs/harness.log
  : >"$log"

  if ! "$SEED_DIR/setup.sh" >>"$log" 2>&1; then
    echo "the seed's setup.sh failed (SEED=0 skips the seed); its output:" >&2
    tail -20 "$log" >&2
    return 1
  fi
  # A server left over from an interrupted run on this state folder would keep start.sh from starting.
  seed_stop
  trap seed_stop EXIT
  trap 'exit 130' INT TERM
  if ! ACCESS_TOKEN_LIFETIME_MINUTES=600 BIND=$bind WORKERS=${SEED_WORKERS:-3} \
      SQLITE_JOURNAL_MODE=${SEED_JOURNAL_MODE:-} "$SEED_DIR/start.sh" --reset >>"$log" 2>&1; then
    echo "the seed did not start; see $log and $DJANGO_SEED_STATE/logs/gunicorn.log" >&2
    tail -20 "$log" >&2
    return 1
  fi
  master=$(cat "$DJANGO_SEED_STATE/gunicorn.pid")

  if ! tok_patient=$(seed_login "$api" patient1) || ! tok_admin=$(seed_login "$api" admin); then
    echo "the seed's logins as patient1 and admin failed; see $DJANGO_SEED_STATE/logs/gunicorn.log" >&2
    return 1
  fi
  local tokens_file=""
  if [ "${SEED_BOOK_AS:-admin}" = patients ]; then
    # One login per patient 101-200, as many at a time as there are workers (each login is
    # deliberately slow on the seed: PBKDF2 with 600,000 iterations).
    tokens_file=$DJANGO_SEED_STATE/tmp/patient-tokens
    mkdir -p "$DJANGO_SEED_STATE/tmp"
    export SEED_API=$api SEED_PASSWORD
    # shellcheck disable=SC2016 # expanded by the inner bash
    seq 101 200 | xargs -P "${SEED_WORKERS:-3}" -n 1 bash -c \
      'printf "%s %s\n" "$1" "$(curl -sf -X POST "$SEED_API/api/auth/login/" -H "Content-Type: application/json" -d "{\"username\":\"patient$1\",\"password\":\"$SEED_PASSWORD\"}" | jq -r .access)"' _ \
      >"$tokens_file"
    if [ "$(grep -c ' ey' "$tokens_file")" -ne 100 ]; then
      echo "the seed's logins of patients 101-200 did not all succeed (see $tokens_file)" >&2
      return 1
    fi
  fi
  # Every endpoint answers 200 with these tokens before anything is measured.
  for line in "$tok_patient /api/doctors/" "$tok_patient /api/appointments/" "$tok_admin /api/appointments/"; do
    if ! curl -sf -o /dev/null -H "Authorization: Bearer ${line% *}" "$api${line#* }"; then
      echo "the seed does not answer GET ${line#* } with a token (logins: see $log)" >&2
      return 1
    fi
  done
  before=$(seed_count "$api" "$tok_admin")

  # A first load, not reported, as for hms: the workers' first requests.
  wrk -t"$THREADS" -c"$CONNECTIONS" -d2s -H "Authorization: Bearer $tok_patient" "$api/api/appointments/" >/dev/null 2>&1
  pids="$master $(pgrep -P "$master" | tr '\n' ' ')"
  seed_report "seed: GET /api/doctors/ (page of 10, as a patient)" seed:doctors \
    "$(run_wrk -H "Authorization: Bearer $tok_patient" "$api/api/doctors/")"
  seed_report "seed: GET /api/appointments/ (as a patient)" seed:appointments \
    "$(run_wrk -H "Authorization: Bearer $tok_patient" "$api/api/appointments/")"
  out=$(BASE_EPOCH=$(date -u -d "${SEED_BASE_DATE:-2030-01-01}" +%s) TOKEN=$tok_admin TOKENS_FILE=$tokens_file \
    THREADS=$THREADS run_wrk -s benches/http/seed_book.lua "$api")
  seed_report "seed: POST /api/appointments/ (distinct slots)" seed:book "$out"
  # The workers still serve the requests that were queued when wrk stopped: count once it settles.
  after=$(seed_count "$api" "$tok_admin")
  for _ in 1 2 3 4 5 6 7 8 9 10; do
    sleep 0.5
    line=$(seed_count "$api" "$tok_admin")
    if [ "$line" = "$after" ]; then break; fi
    after=$line
  done
  line=$(grep -m1 '^seed_book:' <<<"$out" || true)
  NOTES+=("seed bookings: ${line#seed_book: }; the seed's count of appointments went from $before to $after ($((after - before)) created; requests in flight when wrk stops are created without their 201 being counted).")
  # Every 201 is a new appointment, and at most one request per connection can be in flight at the end.
  local ok201
  ok201=$(sed -n 's/^seed_book: \([0-9]*\) answered 201.*/\1/p' <<<"$line")
  if [ -z "$ok201" ] || [ $((after - before)) -lt "$ok201" ] || [ $((after - before)) -gt $((ok201 + CONNECTIONS)) ]; then
    NOTES+=("seed bookings: WARNING: the appointments created ($((after - before))) do not match the 201 responses (${ok201:-none counted}).")
  fi
  NOTES+=("seed: gunicorn, ${SEED_WORKERS:-3} sync workers on SQLite, Connection: close after every response (wrk reconnects for each request); peak RSS summed over its master and workers.")

  seed_stop
  trap - EXIT INT TERM
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  set -euo pipefail
  cd "$(dirname "$0")/../.."
  command -v wrk >/dev/null || { apt-get install -y wrk >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y wrk >/dev/null; }; }
  command -v jq >/dev/null || apt-get install -y jq >/dev/null
  # shellcheck source=benches/http/report.sh
  source benches/http/report.sh
  table_header
  seed_measure
  print_notes
fi
