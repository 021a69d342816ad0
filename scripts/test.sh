#!/usr/bin/env bash
# The whole hms test suite: formatting, lints, the dependency rule, the benches' build, the
# quickstart, the Python module's suite, every Rust test on SQLite and PostgreSQL, the portal in
# a real browser, the FHIR answers read by a FHIR client's models, the README's examples, and a
# bounded schemathesis run against the HTTP API. CI runs exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."

export DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
export HMS_REQUIRE_POSTGRES=1
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"

step() { printf '\n==> %s\n' "$*"; }

step "PostgreSQL must answer at $DATABASE_URL"
if ! psql "$DATABASE_URL" -tAc 'select 1' >/dev/null 2>&1; then
    if command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
        pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n 1)" main start || true
        for _ in $(seq 1 30); do psql "$DATABASE_URL" -tAc 'select 1' >/dev/null 2>&1 && break; sleep 1; done
    fi
fi
psql "$DATABASE_URL" -tAc 'select 1' >/dev/null || { echo "PostgreSQL is unreachable at $DATABASE_URL" >&2; exit 1; }

step "formatting"
cargo fmt --all -- --check

step "lints"
cargo clippy --workspace --all-targets -- -D warnings

step "hms-core depends on no I/O crate"
if cargo tree -p hms-core -e normal --prefix none | grep -E '^(sqlx|tokio|pyo3|poem|poem-openapi|async-openai) '; then
    echo "hms-core must not depend on the crates above" >&2
    exit 1
fi
cargo check -p hms-core --features utoipa

step "benches build"
cargo bench --workspace --no-run

step "the quickstart runs"
cargo run --quiet --example quickstart >/dev/null
echo "quickstart: ok"

step "Python module (pytest on SQLite and PostgreSQL, stubtest)"
bash hms-py/run-tests.sh

step "doc tests"
cargo test --workspace --doc

step "an S3-compatible server for the object-store tests (moto, from PyPI)"
bash scripts/moto-venv.sh

step "tests (SQLite and PostgreSQL)"
if cargo nextest --version >/dev/null 2>&1; then
    cargo nextest run --workspace --no-fail-fast
else
    cargo test --workspace --no-fail-fast
fi

step "the portal in a real browser (Chromium over WebDriver, axe-core on every page)"
bash scripts/browser-tests.sh

step "the FHIR interface read by a FHIR client's models (fhir.resources, R4B)"
bash scripts/fhir-tests.sh

step "the README's shell examples, run as printed"
bash scripts/readme-examples.sh

# Last, so that the server binary is already built by the tests above.
step "schema-driven fuzzing of the HTTP API (schemathesis, bounded)"
bash scripts/fuzz-api.sh
