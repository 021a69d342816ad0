#!/usr/bin/env bash
# What the Python layer costs a call, counted in instructions with callgrind: the same calls made
# from Python (`overhead.py`) and from Rust (`examples/call_overhead.rs`, blocking on a shared
# multi-thread runtime as the module does), each N and 2N times, so that the per-call difference
# is the layer's own cost. Prints the figures `BENCHMARKS.md` reports ("## Python").
#
#     bash hms-py/benches/callgrind.sh
#
# Builds the `hms` package into a fresh virtual environment (`pip install ./hms-py`, a release
# build) and the Rust example (`cargo build --release`), then takes a few minutes: 24 runs under
# valgrind and the wall-clock medians. Needs valgrind (callgrind_annotate), Python 3.9+ with venv
# and pip, and a Rust toolchain. HMS_PY_VENV=<dir> reuses an environment where `hms` is installed;
# CALLGRIND_ARGS (e.g. "--repeats 1") is passed on to callgrind.py.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT="$(pwd)"

PYTHON="${PYTHON:-python3}"
export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_PROGRESS_BAR=off

if [ -n "${HMS_PY_VENV:-}" ]; then
    VENV="$HMS_PY_VENV"
else
    VENV="$(mktemp -d "${TMPDIR:-/tmp}/hms-py-bench.XXXXXX")"
    trap 'rm -rf "$VENV"' EXIT
    echo "==> pip install ./hms-py into $VENV" >&2
    "$PYTHON" -m venv "$VENV"
    rm -f hms-py/python/hms/_hms*.so
    "$VENV/bin/python" -m pip install --quiet ./hms-py
fi

echo "==> cargo build --release --example call_overhead" >&2
cargo build --quiet --release --example call_overhead
TARGET_DIR="$(cargo metadata --format-version 1 --no-deps | "$PYTHON" -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')"

# shellcheck disable=SC2086
exec "$VENV/bin/python" "$ROOT/hms-py/benches/callgrind.py" \
    --python "$VENV/bin/python" --rust "$TARGET_DIR/release/examples/call_overhead" ${CALLGRIND_ARGS:-}
