#!/usr/bin/env bash
# Runs the README's shell examples as printed — the session with curl, account security, the
# prescription analysis, then FHIR — against a demo server on a fresh SQLite database, and checks what they
# print, so that the README cannot drift from what hms does. (Its Rust example is compiled by the
# doc tests; its Python example is run by hms-py/tests/test_open.py.)
set -euo pipefail
cd "$(dirname "$0")/.."

for tool in jq oathtool; do
    if ! command -v "$tool" >/dev/null; then
        apt-get install -y "$tool" >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y "$tool" >/dev/null; }
    fi
done

TARGET_DIR="${CARGO_TARGET_DIR:-target}"
cargo build --quiet -p hms-server
WORK="$(mktemp -d)"
SERVER_PID=""
cleanup() {
    [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
    rm -rf "$WORK"
}
trap cleanup EXIT

# The README's block of shell that follows the heading $1.
block() {
    awk -v heading="$1" '
        $0 == heading { inside = 1; next }
        inside && /^## / { exit }
        inside && /^```sh$/ { code = 1; next }
        code && /^```$/ { exit }
        code { print }
    ' README.md
}

PORT="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
# No AI endpoint: the analysis runs its deterministic checks alone, as the README says.
env -u GROQ_API_KEY -u HMS_AI_BASE_URL -u HMS_AI_API_KEY HMS_JWT_SECRET="readme-examples-secret-long-enough-for-hs256" RUST_LOG=warn \
    "$TARGET_DIR/debug/hms-server" serve --demo --database "sqlite:$WORK/hms.db" --bind "127.0.0.1:$PORT" >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 100); do
    curl -fsS "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break
    sleep 0.2
done

run() {
    local heading="$1" code
    code="$(block "$heading")"
    [ -n "$code" ] || { echo "README.md has no shell block under '$heading'" >&2; exit 1; }
    grep -q '^API=http://127.0.0.1:8000$' <<<"$code" || { echo "the block under '$heading' does not set API" >&2; exit 1; }
    printf '%s\n' "$code" | sed "s#^API=http://127.0.0.1:8000\$#API=http://127.0.0.1:$PORT#" | bash -euo pipefail
}

expect() {
    local what="$1" output="$2" pattern="$3"
    if ! grep -qE -- "$pattern" <<<"$output"; then
        echo "$what printed no match for /$pattern/:" >&2
        echo "$output" >&2
        exit 1
    fi
}

session="$(run '## A session with curl')"
echo "$session"
expect "the curl session" "$session" '^"confirmed"$'
expect "the curl session" "$session" '"diagnosis": "Tension headache"'
expect "the curl session" "$session" '^"Tension headache"$'

security="$(run '## Account security with curl')"
echo "$security"
expect "the account-security example" "$security" '^If an account has this address'
expect "the account-security example" "$security" '^10$'
expect "the account-security example" "$security" '"current":true'

analysis="$(run '## Prescription analysis')"
echo "$analysis"
expect "the analysis example" "$analysis" '"outcome": "checks_only"'
expect "the analysis example" "$analysis" '"review_unavailable_reason": "no AI endpoint is configured'
expect "the analysis example" "$analysis" '"category": "allergy"'
expect "the analysis example" "$analysis" '"severity": "critical"'
expect "the analysis example" "$analysis" '"amoxicillin"'
fhir="$(run '## FHIR for integrators')"
echo "$fhir"
expect "the FHIR example" "$fhir" '^Patient Practitioner PractitionerRole Schedule Slot Appointment MedicationRequest DocumentReference Binary Invoice AuditEvent$'
expect "the FHIR example" "$fhir" '^proposed$'
expect "the FHIR example" "$fhir" '^include Patient Alan Turing$'
expect "the FHIR example" "$fhir" '^amoxicillin: amoxicillin 500 mg, oral, three times daily, for 7 days$'
expect "the FHIR example" "$fhir" '^Appointment [0-9]+$'
expect "the FHIR example" "$fhir" '^Appointment$'
echo "README examples: ok"
