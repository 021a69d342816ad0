#!/usr/bin/env bash
# The FHIR interface read by a FHIR client's models: pytest against a real hms-server on a fresh
# SQLite database with the demo hospital (tests/fhir/conftest.py starts it), every resource parsed
# with PyPI's fhir.resources (R4B models) and written back.
#
# Installs what it needs: fhir.resources and pytest (pinned) in target/fhir-venv.
#
#   scripts/fhir-tests.sh                 every FHIR test
#   scripts/fhir-tests.sh -k paging       pytest's own options pass through
set -euo pipefail
cd "$(dirname "$0")/.."

TARGET_DIR="${CARGO_TARGET_DIR:-target}"
VENV=target/fhir-venv
export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_PROGRESS_BAR=off

if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c 'import fhir.resources, pytest' 2>/dev/null; then
    printf '\n==> fhir.resources and pytest in %s\n' "$VENV"
    python3 -m venv "$VENV"
    "$VENV/bin/python" -m pip install --quiet "fhir.resources==8.3.0" "pytest==9.2.0"
fi

cargo build --quiet -p hms-server --bin hms-server
export HMS_SERVER_BIN="$TARGET_DIR/debug/hms-server"
"$VENV/bin/python" -m pytest -p no:cacheprovider -q tests/fhir "$@"
