#!/usr/bin/env bash
# FHIR bulk export of a large hospital: a synthetic one (2,000 doctors, 200,000 patients and
# 100,000 appointments by default) is loaded once into target/bench-data, the release server
# exports it ($export, polled to the end), and every NDJSON line is parsed. Prints how long the
# export took, what it wrote, and the server's resident memory before and at its peak (VmHWM),
# which is what "bounded memory" means here: the peak does not grow with the data.
#
#   bash benches/fhir-export.sh                     SQLite
#   BACKEND=postgres bash benches/fhir-export.sh    PostgreSQL (a database of its own)
#   APPOINTMENTS=1000000 bash benches/fhir-export.sh
set -euo pipefail
cd "$(dirname "$0")/.."

APPOINTMENTS=${APPOINTMENTS:-100000}
PATIENTS=${PATIENTS:-200000}
DOCTORS=${DOCTORS:-2000}
BACKEND=${BACKEND:-sqlite}
PG_ADMIN=${PG_ADMIN:-postgres://postgres@127.0.0.1:5432/postgres}
export HMS_SECRET_KEY=${HMS_SECRET_KEY:-000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f}
export HMS_JWT_SECRET=${HMS_JWT_SECRET:-bench-jwt-secret-that-is-long-enough-2026}
export HMS_ADMIN_PASSWORD=load-test-passphrase-2026
export RUST_LOG=warn

cargo build --release -q -p hms-server --bin hms-server
BIN=${CARGO_TARGET_DIR:-target}/release/hms-server
DATA=target/bench-data
mkdir -p "$DATA"
export HMS_EXPORT_DIR="$PWD/$DATA/exports"

if [ "$BACKEND" = sqlite ]; then
  URL="sqlite:$PWD/$DATA/export-$APPOINTMENTS.db"
  [ -f "$DATA/export-$APPOINTMENTS.db" ] || "$BIN" demo-data --database "$URL" --doctors "$DOCTORS" --patients "$PATIENTS" --appointments "$APPOINTMENTS" >/dev/null
else
  NAME=hms_export_$APPOINTMENTS
  URL="${PG_ADMIN%/*}/$NAME"
  if ! psql "$URL" -tAc 'select 1 from account limit 1' >/dev/null 2>&1; then
    psql "$PG_ADMIN" -qc "drop database if exists $NAME" -qc "create database $NAME"
    "$BIN" demo-data --database "$URL" --doctors "$DOCTORS" --patients "$PATIENTS" --appointments "$APPOINTMENTS" >/dev/null
  fi
fi
"$BIN" create-admin --database "$URL" --email admin@bulk.hms --name "Bench Admin" >/dev/null 2>&1 || true

PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
BASE="http://127.0.0.1:$PORT/fhir/R4"
"$BIN" serve --database "$URL" --bind "127.0.0.1:$PORT" --production >"$DATA/export-server.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null; wait $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.2; done
TOKEN=$(curl -sf -X POST "http://127.0.0.1:$PORT/api/auth/login" -H 'content-type: application/json' \
  -d "{\"email\":\"admin@bulk.hms\",\"password\":\"$HMS_ADMIN_PASSWORD\"}" | python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])')
rss() { awk "/^$1:/ {print \$2}" "/proc/$SERVER/status"; }
# A search first, so that the memory before is that of a server that has answered.
curl -sf -H "authorization: Bearer $TOKEN" "$BASE/Appointment?_count=100" >/dev/null
BEFORE=$(rss VmRSS)

START=$(date +%s.%N)
STATUS=$(curl -sf -D - -o /dev/null -H "authorization: Bearer $TOKEN" -H 'prefer: respond-async' "$BASE/\$export" \
  | awk 'tolower($1) == "content-location:" {print $2}' | tr -d '\r')
while :; do
  CODE=$(curl -s -o "$DATA/export-manifest.json" -w '%{http_code}' -H "authorization: Bearer $TOKEN" "$STATUS")
  [ "$CODE" = 200 ] && break
  [ "$CODE" = 202 ] || { echo "status $CODE" >&2; cat "$DATA/export-manifest.json" >&2; exit 1; }
  sleep 0.2
done
END=$(date +%s.%N)
PEAK=$(rss VmHWM)

python3 - "$DATA/export-manifest.json" "$TOKEN" <<'PY'
import json, sys, urllib.request
manifest = json.load(open(sys.argv[1]))
total = size = 0
for output in manifest["output"]:
    req = urllib.request.Request(output["url"], headers={"Authorization": f"Bearer {sys.argv[2]}"})
    lines = 0
    with urllib.request.urlopen(req) as res:
        for raw in res:
            resource = json.loads(raw)
            assert resource["resourceType"] == output["type"], output["type"]
            lines += 1
            size += len(raw)
    assert lines == output["count"], (output["type"], lines, output["count"])
    total += lines
    print(f"  {output['type']:<18} {lines:>9,} resources")
print(f"  {'all':<18} {total:>9,} resources, {size / 1e6:,.1f} MB of NDJSON; every line parses")
PY
awk -v s="$START" -v e="$END" -v b="$BEFORE" -v p="$PEAK" -v n="$APPOINTMENTS" -v k="$BACKEND" 'BEGIN {
  printf "%s, %d appointments: export written in %.1f s; server memory %.0f MB before, peak %.0f MB\n", k, n, e - s, b / 1024, p / 1024 }'
curl -s -X DELETE -o /dev/null -H "authorization: Bearer $TOKEN" "$STATUS"
