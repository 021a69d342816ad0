#!/usr/bin/env bash
# The Python suite: builds the `hms` package into a fresh virtual environment, installs it the way
# users do (`pip install ./hms-py`), and runs pytest — the day end to end on SQLite and, when
# DATABASE_URL is set, on PostgreSQL; errors, permissions, threads, values, the quickstart, mypy
# against the stubs and stubtest. Exits non-zero on any failure.
#
# Needs Python 3.9+ with venv and pip, a Rust toolchain, PyPI, and psql when DATABASE_URL is set.
# HMS_PY_DEVELOP=1 builds with `maturin develop` (the dev profile) instead, for quick iterations.
set -euo pipefail
cd "$(dirname "$0")"
HERE="$(pwd)"

PYTHON="${PYTHON:-python3}"
export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_PROGRESS_BAR=off

step() { printf '\n==> %s\n' "$*"; }

VENV="$(mktemp -d "${TMPDIR:-/tmp}/hms-py-venv.XXXXXX")"
trap 'rm -rf "$VENV"' EXIT

step "a fresh virtual environment in $VENV"
"$PYTHON" -m venv "$VENV"
PY="$VENV/bin/python"
"$PY" -m pip install --quiet "maturin==1.16.0"

# A module left in the sources by an earlier `maturin develop` must not shadow or join the build.
rm -f python/hms/_hms*.so

if [ "${HMS_PY_DEVELOP:-}" = "1" ]; then
    step "maturin develop"
    VIRTUAL_ENV="$VENV" PATH="$VENV/bin:$PATH" "$VENV/bin/maturin" develop --quiet --extras test
else
    step "pip install ./hms-py[test] (a release build, with the test dependencies it declares)"
    "$PY" -m pip install --quiet ".[test]"
fi
"$PY" -c 'import hms; print("hms", hms.__version__, "from", hms.__file__)'

if [ -n "${DATABASE_URL:-}" ]; then
    step "pytest on SQLite and on PostgreSQL at $DATABASE_URL"
else
    step "pytest on SQLite (set DATABASE_URL for the PostgreSQL half)"
fi
# Run from a scratch directory so that nothing but the installed package answers `import hms`.
cd "$VENV"
"$PY" -m pytest -p no:cacheprovider -q "$HERE/tests"
