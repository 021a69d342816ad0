#!/usr/bin/env bash
# What one request costs the server, counted rather than timed: CPU time, context switches,
# futex calls and SQLite statement preparations per request, for one endpoint under wrk load,
# and a sampled profile of where the CPU time goes (perf). Uses the data set of run.sh (load it
# first with `BACKENDS=sqlite bash benches/http/run.sh`, or let this script load it).
#
#   bash benches/http/profile.sh                    # a patient's appointment list, SQLite
#   ENDPOINT=book bash benches/http/profile.sh      # bookings on distinct free slots
#   URL=postgres://postgres@127.0.0.1:5432/hms_http_1000000 bash benches/http/profile.sh
#   BIN=/tmp/hms-server-before bash benches/http/profile.sh   # a given build (A/B comparisons)
set -euo pipefail
cd "$(dirname "$0")/../.."

DURATION=${DURATION:-5}
CONNECTIONS=${CONNECTIONS:-16}
ENDPOINT=${ENDPOINT:-appointments}
PORT=${PORT:-8099}
API=http://127.0.0.1:$PORT
DATA=target/bench-data
URL=${URL:-sqlite:$PWD/$DATA/http-1000000.db}
export HMS_JWT_SECRET=benchmark-secret-benchmark-secret-benchmark
export HMS_SECRET_KEY=${HMS_SECRET_KEY:-000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f}
export HMS_ADMIN_PASSWORD=load-test-passphrase-2026
export RUST_LOG=warn

command -v perf >/dev/null || { echo "perf is needed (Debian: linux-perf)" >&2; exit 1; }
command -v wrk >/dev/null || apt-get install -y wrk >/dev/null
command -v jq >/dev/null || apt-get install -y jq >/dev/null
if [ -z "${BIN:-}" ]; then
  cargo build --release -p hms-server --bin hms-server >/dev/null 2>&1
  BIN=${CARGO_TARGET_DIR:-target}/release/hms-server
fi
mkdir -p "$DATA"
if [[ $URL == sqlite:* ]] && [ ! -f "${URL#sqlite:}" ]; then
  "$BIN" demo-data --database "$URL" --doctors 2000 --patients 200000 --appointments 1000000 >/dev/null
fi
"$BIN" create-admin --database "$URL" --email admin@bulk.hms --name "Bench Admin" >/dev/null 2>&1 || true

"$BIN" serve --database "$URL" --bind "127.0.0.1:$PORT" --production >"$DATA/profile-server.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do curl -sf "$API/healthz" >/dev/null && break; sleep 0.2; done
login() { curl -sf -X POST "$API/api/auth/login" -H 'content-type: application/json' -d "{\"email\":\"$1\",\"password\":\"$2\"}" | jq -r .access_token; }

case $ENDPOINT in
  appointments) LOAD=(-H "Authorization: Bearer $(login patient4242@bulk.hms demo-password-2026)" "$API/api/appointments") ;;
  doctors) LOAD=("$API/api/doctors") ;;
  book)
    export BASE_DAY=$(( ($(date -u +%s) / 86400 + 200 + RANDOM % 5000) * 86400 )) THREADS=2
    TOKEN=$(login admin@bulk.hms "$HMS_ADMIN_PASSWORD"); export TOKEN
    LOAD=(-s benches/http/book.lua "$API") ;;
  *) echo "ENDPOINT is appointments, doctors or book" >&2; exit 1 ;;
esac

# A first load, not counted: the pool opens its connections (on PostgreSQL, each a new server
# process) and the caches fill. Bookings move on to days no other run has taken.
next_days() { if [ "$ENDPOINT" = book ]; then BASE_DAY=$(( BASE_DAY + 30 * 86400 )); fi; }
wrk -t2 -c"$CONNECTIONS" -d2s "${LOAD[@]}" >/dev/null 2>&1
next_days

# SQLite's statement preparations, counted with uprobes on the server binary (if perf may).
# They point into this build of the binary, so they are made again on each run.
PROBES=()
perf probe -q -d 'hms_sqlite:*' >/dev/null 2>&1 || true
if perf probe -q -x "$BIN" -a 'hms_sqlite:prepare=sqlite3_prepare_v3' -a 'hms_sqlite:reprepare=sqlite3Reprepare' >/dev/null 2>&1; then
  PROBES=(-e hms_sqlite:prepare -e hms_sqlite:reprepare)
fi
cpu() { awk '{print $14 + $15}' "/proc/$SERVER/stat"; }

c0=$(cpu)
perf stat -x, -o "$DATA/profile-stat.csv" -e context-switches -e syscalls:sys_enter_futex "${PROBES[@]}" -p "$SERVER" -- \
  wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --latency "${LOAD[@]}" >"$DATA/profile-wrk.txt" 2>&1
c1=$(cpu)
rps=$(awk '/Requests\/sec/ {print $2}' "$DATA/profile-wrk.txt")
requests=$(awk '/requests in/ {print $1}' "$DATA/profile-wrk.txt")
echo "$ENDPOINT: $rps req/s, p99 $(awk '/ 99%/ {print $2}' "$DATA/profile-wrk.txt"), $requests requests"
awk -v n="$requests" -v c="$(( c1 - c0 ))" 'BEGIN { printf "  server CPU per request: %.0f µs\n", c * 10000 / n }'
awk -F, -v n="$requests" '$1 ~ /^[0-9]+$/ { printf "  %-40s %8.2f per request\n", $3, $1 / n }' "$DATA/profile-stat.csv"

# Where the time goes: a sampled profile of the same load, by thread and by function.
next_days
perf record -q -F 999 -g -p "$SERVER" -o "$DATA/profile.data" -- sleep "$DURATION" >/dev/null 2>&1 &
REC=$!
wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" "${LOAD[@]}" >/dev/null 2>&1
wait $REC || true
echo "  CPU samples by thread:"
perf report -i "$DATA/profile.data" --no-children -g none --sort comm 2>/dev/null | grep -E '^ +[0-9]' | head -3
echo "  top functions (self):"
perf report -i "$DATA/profile.data" --no-children -g none --sort sym 2>/dev/null | grep -E '^ +[0-9]' | head -"${TOP:-15}"
