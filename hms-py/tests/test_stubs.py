"""The type stubs: they match the compiled module, and real code type-checks against them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

TESTS = Path(__file__).resolve().parent
QUICKSTART = TESTS.parent.parent / "examples" / "quickstart.py"


def run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, *args], cwd=tmp_path, capture_output=True, text=True, timeout=600)


def test_stubtest_finds_the_stubs_true_to_the_module(tmp_path: Path) -> None:
    result = run(tmp_path, "-m", "mypy.stubtest", "hms")
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_quickstart_and_the_tests_type_check(tmp_path: Path) -> None:
    result = run(tmp_path, "-m", "mypy", "--strict", "--cache-dir", str(tmp_path / "cache"), str(QUICKSTART), str(TESTS))
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_quickstart_runs(tmp_path: Path) -> None:
    result = run(tmp_path, str(QUICKSTART))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "hospital open on sqlite"
    assert "appointment completed" in lines
    assert any(line.startswith("invoice INV-") and line.endswith("= 144.00 GBP") for line in lines), lines
    assert any(line.endswith(" is paid") for line in lines), lines
    assert "the patient has 5 notifications" in lines
