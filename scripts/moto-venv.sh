#!/usr/bin/env bash
# An S3-compatible server for the object-store tests: moto's stand-alone server, from PyPI, in
# target/moto-venv (made once; the tests start `target/moto-venv/bin/moto_server` on 127.0.0.1).
set -euo pipefail
cd "$(dirname "$0")/.."
MOTO_VERSION=5.2.6
VENV=target/moto-venv
if [ ! -x "$VENV/bin/moto_server" ] || [ "$("$VENV/bin/python" -c 'import moto; print(moto.__version__)' 2>/dev/null)" != "$MOTO_VERSION" ]; then
    mkdir -p target
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check "moto[server]==$MOTO_VERSION"
fi
echo "moto $MOTO_VERSION: $VENV/bin/moto_server"
