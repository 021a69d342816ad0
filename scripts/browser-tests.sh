#!/usr/bin/env bash
# The portal in a real browser: Debian's Chromium driven over WebDriver (chromedriver) by pytest
# and selenium, against a real hms-server on a fresh SQLite database with the demo hospital (the
# `server` fixture in tests/browser/conftest.py starts it). Each role's day is clicked and typed
# as its user would, axe-core checks every page (no serious or critical violation), and
# screenshots of each portal's home page at 390 px and 1280 px are written to
# target/browser-screenshots/.
#
# Installs what it needs: chromium and chromium-driver from Debian's packages where missing, and
# selenium, axe-selenium-python and pytest (pinned) in target/browser-venv.
#
#   scripts/browser-tests.sh                      every browser test
#   scripts/browser-tests.sh -k patient           pytest's own options pass through
#   HMS_WEB_DIR=hms-server/web scripts/...        serve the portal from the working files
set -euo pipefail
cd "$(dirname "$0")/.."

TARGET_DIR="${CARGO_TARGET_DIR:-target}"
VENV=target/browser-venv
export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_PROGRESS_BAR=off

step() { printf '\n==> %s\n' "$*"; }

if ! command -v chromium >/dev/null 2>&1 || ! command -v chromedriver >/dev/null 2>&1; then
    step "chromium and chromium-driver from Debian's packages"
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get install -y chromium chromium-driver >/dev/null 2>&1 \
        || { $SUDO apt-get update >/dev/null && $SUDO apt-get install -y chromium chromium-driver >/dev/null; }
fi
chromium --version

if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c 'import selenium, axe_selenium_python, pytest' 2>/dev/null; then
    step "selenium, axe-selenium-python and pytest in $VENV"
    python3 -m venv "$VENV"
    "$VENV/bin/python" -m pip install --quiet "selenium==4.51.0" "axe-selenium-python==2.1.6" "pytest==9.2.0"
fi

step "the server binary"
cargo build --quiet -p hms-server --bin hms-server
export HMS_SERVER_BIN="$TARGET_DIR/debug/hms-server"

step "the portal in Chromium"
"$VENV/bin/python" -m pytest -p no:cacheprovider -q tests/browser "$@"
ls target/browser-screenshots/
