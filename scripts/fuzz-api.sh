#!/usr/bin/env bash
# Schema-driven fuzzing of the HTTP API with schemathesis: every operation of /openapi.json,
# anonymously and signed in as each demo role, with every check schemathesis has (5xx, statuses
# and headers and bodies that contradict the document, schema-invalid input accepted,
# schema-valid input refused, authentication ignored, use after delete, ...) and its stateful
# phase, which chains operations through links it infers from the responses.
#
# Each role runs against its own server over a fresh SQLite database with the demo hospital, so
# what one run does (an admin deactivating accounts, a patient booking every free slot, failed
# sign-ins throttling the address) cannot change what another run sees.
#
#   scripts/fuzz-api.sh                          bounded run (the test suite's step)
#   HMS_FUZZ_EXAMPLES=500 scripts/fuzz-api.sh    the long run
#
# Settings: HMS_FUZZ_EXAMPLES (examples per operation and phase, default 10), HMS_FUZZ_SEED
# (default 1; `random` for a new seed each run), HMS_FUZZ_ROLES (default: every role, e.g.
# "anonymous admin"), HMS_FUZZ_ARGS (more `schemathesis run` options). Reports (JUnit) are
# written to target/fuzz-report/ROLE/.
set -euo pipefail
cd "$(dirname "$0")/.."

SCHEMATHESIS_VERSION=4.32.5
EXAMPLES="${HMS_FUZZ_EXAMPLES:-10}"
SEED="${HMS_FUZZ_SEED:-1}"
ROLES="${HMS_FUZZ_ROLES:-anonymous admin receptionist nurse doctor patient}"
TARGET_DIR="${CARGO_TARGET_DIR:-target}"
VENV=target/fuzz-venv
REPORTS=target/fuzz-report
PASSWORD=demo-password-2026

mkdir -p target
if [ ! -x "$VENV/bin/schemathesis" ] || [ "$("$VENV/bin/schemathesis" --version 2>/dev/null)" != "schemathesis, version $SCHEMATHESIS_VERSION" ]; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
fi
PY="$VENV/bin/python"

cargo build --quiet -p hms-server
WORK="$(mktemp -d)"
# A copy, so that a build during a long run cannot change the server under it.
SERVER="$WORK/hms-server"
cp "$TARGET_DIR/debug/hms-server" "$SERVER"

SERVER_PID=""
stop_server() {
    if [ -n "$SERVER_PID" ]; then
        kill "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
        SERVER_PID=""
    fi
}
cleanup() {
    stop_server
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

free_port() {
    "$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Starts a server with the demo hospital on a fresh database; sets BASE.
start_server() {
    local name="$1" port
    port="$(free_port)"
    BASE="http://127.0.0.1:$port"
    # Tokens outlive the longest run; the mail job has no SMTP server and only queues.
    HMS_JWT_SECRET="fuzzing-secret-that-is-long-enough-for-hs256" RUST_LOG="${RUST_LOG:-warn}" \
        "$SERVER" serve --demo --database "sqlite:$WORK/$name.db?mode=rwc" --bind "127.0.0.1:$port" \
        --access-ttl 86400 >"$WORK/$name.log" 2>&1 &
    SERVER_PID=$!
    for _ in $(seq 1 100); do
        if curl -fsS "$BASE/healthz" >/dev/null 2>&1; then
            return 0
        fi
        if ! kill -0 "$SERVER_PID" 2>/dev/null; then
            cat "$WORK/$name.log" >&2
            echo "the server did not start" >&2
            exit 1
        fi
        sleep 0.2
    done
    echo "the server did not answer on $BASE/healthz" >&2
    exit 1
}

# Signs in as EMAIL; prints the access token.
login() {
    curl -fsS -X POST "$BASE/api/auth/login" -H 'content-type: application/json' \
        -d "{\"email\":\"$1\",\"password\":\"$PASSWORD\"}" |
        "$PY" -c 'import json, sys; print(json.load(sys.stdin)["access_token"])'
}

email_of() {
    case "$1" in
        admin) echo admin@demo.hms ;;
        receptionist) echo desk@demo.hms ;;
        nurse) echo nurse@demo.hms ;;
        doctor) echo house@demo.hms ;;
        patient) echo alan@demo.hms ;;
        *) echo "unknown role $1" >&2; exit 2 ;;
    esac
}

seed_args=()
if [ "$SEED" != random ]; then
    seed_args=(--seed "$SEED")
fi
# shellcheck disable=SC2206 # word splitting of the extra options is intended
extra_args=(${HMS_FUZZ_ARGS:-})

# One schemathesis run; the arguments after the name select operations or add headers.
fuzz() {
    local name="$1"
    shift
    "$VENV/bin/schemathesis" --config-file scripts/fuzz-api.toml run "$BASE/openapi.json" \
        --max-examples "$EXAMPLES" \
        "${seed_args[@]}" \
        --workers 1 \
        --generation-database none \
        --no-color \
        --report junit --report-junit-path "$REPORTS/$name.xml" \
        "${extra_args[@]}" \
        "$@"
}

mkdir -p "$REPORTS"
failed=()
started=$SECONDS
for role in $ROLES; do
    printf '\n--- schemathesis: %s\n' "$role"
    start_server "$role"
    if [ "$role" = anonymous ]; then
        fuzz "$role" || failed+=("$role")
    else
        token="$(login "$(email_of "$role")")"
        # Signing out ends the session the token names, and every later request of the run would
        # answer 401; so sign-out is fuzzed on its own once the rest of the role's run is over.
        fuzz "$role" -H "Authorization: Bearer $token" --exclude-path /api/auth/logout || failed+=("$role")
        fuzz "$role-logout" -H "Authorization: Bearer $token" --include-path /api/auth/logout || failed+=("$role-logout")
    fi
    stop_server
    if [[ " ${failed[*]} " == *" $role "* || " ${failed[*]} " == *" $role-logout "* ]]; then
        tail -n 20 "$WORK/$role.log" >&2
    fi
done

printf '\nschemathesis: %s in %ss\n' "${ROLES// /, }" "$((SECONDS - started))"
if [ "${#failed[@]}" -gt 0 ]; then
    echo "schemathesis found failures in: ${failed[*]}" >&2
    exit 1
fi
echo "schemathesis: no failures"
