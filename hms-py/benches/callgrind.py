"""Counts what the Python layer costs a call: runs `overhead.py count` and `call_overhead count`
under callgrind, N and 2N calls each, and prints the per-call instruction counts, their difference,
and that difference in µs at the instructions-per-µs ratio measured on this machine. Run through
`callgrind.sh`, which builds both sides; by hand:

    python hms-py/benches/callgrind.py --python <python with hms> --rust <target>/release/examples/call_overhead

Per call, for each side, from the difference between the N and 2N runs:

- `all threads`: every instruction of the process (the runtime's workers and SQLite's thread too);
- `calling thread`: the thread that makes the call (Python's main thread, or Rust's);
- `core call`: inclusive cost of `Runtime::block_on`, the core workflow run to completion;
- `outside`: calling thread minus core call — the interpreter, argument conversion, GIL release
  and retake, the result object, error conversion on the Python side; the loop alone on Rust's.

The Python layer is `outside` (Python) minus `outside` (Rust): the core call itself, with its
thread wake-ups, is the same future on both sides and is left out, so the figure does not depend
on scheduling. For the `invalid` workload everything runs on the calling thread, and the totals
agree. The ratio is the Python `invalid` call's instructions over its best wall-clock time per
call measured natively (the least disturbed of 15 runs; the call is almost all interpreter and
wrapper code, like the layer). Wall-clock medians are shown too, and vary with the machine's load.
"""

from __future__ import annotations

import argparse
import glob
import os
import re
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

HERE = Path(__file__).resolve().parent

#: Calls per workload in the shorter run; the longer run makes twice as many.
CALLS = {"lookup": 1_000, "invalid": 10_000}

#: The wrapper method each workload calls.
METHOD = {"lookup": "__pymethod_doctor__", "invalid": "__pymethod_free_slots__"}

#: Functions whose inclusive cost per call is shown for the Python side.
BLOCK_ON = "tokio::runtime::runtime::Runtime::block_on"
DETACH = "pyo3::marker::Python::detach"
PARTS = {
    "argument conversion": [
        "<_hms::convert::Id as pyo3::conversion::FromPyObject>::extract",
        "<_hms::convert::Instant as pyo3::conversion::FromPyObject>::extract",
        "pyo3::impl_::extract_argument::FunctionDescription::extract_arguments_tuple_dict",
    ],
    "result object": ["pyo3::pyclass_init::PyClassInitializer<T>::create_class_object"],
    "error conversion": ["_hms::errors::to_py"],
}


@dataclass
class Counts:
    """Instruction counts of one run under callgrind."""

    all_threads: int
    calling_thread: int
    functions: dict[str, int]

    def inclusive(self, name: str) -> int:
        return self.functions.get(name, 0)


def count(command: list[str], workdir: Path, name: str) -> Counts:
    """Runs `command` under callgrind, one output file a thread, and reads the counts."""
    out = workdir / f"{name}.out"
    env = dict(os.environ, PYTHONHASHSEED="0")
    subprocess.run(
        ["valgrind", "--tool=callgrind", "--separate-threads=yes", f"--callgrind-out-file={out}", *command],
        check=True,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    files = sorted(glob.glob(f"{out}-*"))
    totals = [_total(Path(f)) for f in files]
    functions = _inclusive(Path(files[0]))  # the first thread is the calling one
    for f in files:
        os.unlink(f)
    if BLOCK_ON not in functions:
        raise RuntimeError(f"{BLOCK_ON} is not in the profile of {' '.join(command)}: the core call cannot be told apart")
    return Counts(all_threads=sum(totals), calling_thread=totals[0], functions=functions)


def _total(path: Path) -> int:
    for line in path.read_text(errors="replace").splitlines():
        if line.startswith(("summary:", "totals:")):
            return int(line.split()[1])
    raise RuntimeError(f"no totals in {path}")


_LINE = re.compile(r"^\s*([\d,]+)\s+\([^)]*\)\s+(?:\S*?):(.+?)(?: \[[^\]]*\])?\s*$")


def _inclusive(path: Path) -> dict[str, int]:
    """Inclusive cost of every function of one thread, summed over the files it is split into."""
    text = subprocess.run(
        ["callgrind_annotate", "--inclusive=yes", "--threshold=100", str(path)], check=True, capture_output=True, text=True
    ).stdout
    costs: dict[str, int] = {}
    for line in text.splitlines():
        m = _LINE.match(line)
        if m and "'" not in m.group(2):
            costs[m.group(2)] = costs.get(m.group(2), 0) + int(m.group(1).replace(",", ""))
    return costs


def per_call(short: Counts, long: Counts, calls: int) -> dict[str, float]:
    """What one call costs, from a run of `calls` calls and one of twice as many."""

    def diff(f: Callable[[Counts], int]) -> float:
        return (f(long) - f(short)) / calls

    figures = {
        "all threads": diff(lambda c: c.all_threads),
        "calling thread": diff(lambda c: c.calling_thread),
        "core call": diff(lambda c: c.inclusive(BLOCK_ON)),
    }
    figures["outside"] = figures["calling thread"] - figures["core call"]
    return figures


def breakdown(short: Counts, long: Counts, calls: int, workload: str) -> dict[str, float]:
    """Where the Python side's instructions outside the core call go, per call."""

    def diff(names: list[str]) -> float:
        return sum(long.inclusive(n) - short.inclusive(n) for n in names) / calls

    method = next(n for n in long.functions if n.endswith("::" + METHOD[workload]))
    core = diff([BLOCK_ON])
    wrapper = diff([method]) - core
    parts = {"GIL release and retake": diff([DETACH]) - core}
    parts.update({part: diff(names) for part, names in PARTS.items()})
    parts["rest of the wrapper method"] = wrapper - sum(parts.values())
    return {"interpreter and pyo3 trampoline": per_call(short, long, calls)["outside"] - wrapper, **parts}


def wall_clock(command: list[str]) -> dict[str, tuple[float, float]]:
    """The median and best times `time` mode prints, in µs a call, by workload."""
    text = subprocess.run([*command, "time"], check=True, capture_output=True, text=True).stdout
    pattern = r"^\w+ (\w+): median ([\d.]+) µs, best ([\d.]+) µs"
    return {m.group(1): (float(m.group(2)), float(m.group(3))) for m in re.finditer(pattern, text, re.M)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--python", required=True, help="a Python interpreter with the hms package installed")
    parser.add_argument("--rust", required=True, help="the call_overhead example, built with --release")
    parser.add_argument("--repeats", type=int, default=3, help="pairs of runs per side and workload; medians are shown")
    args = parser.parse_args()
    sides = {"python": [args.python, str(HERE / "overhead.py")], "rust": [args.rust]}

    figures: dict[tuple[str, str], dict[str, float]] = {}
    parts: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory(prefix="hms-callgrind.") as tmp:
        for workload, calls in CALLS.items():
            for side, command in sides.items():
                print(f"callgrind: {side} {workload}, {calls} and {2 * calls} calls x {args.repeats}", file=sys.stderr)
                runs, splits = [], []
                for r in range(args.repeats):
                    short = count([*command, "count", workload, str(calls)], Path(tmp), f"{side}-{workload}-{r}-short")
                    long = count([*command, "count", workload, str(2 * calls)], Path(tmp), f"{side}-{workload}-{r}-long")
                    runs.append(per_call(short, long, calls))
                    if side == "python":
                        splits.append(breakdown(short, long, calls, workload))
                figures[side, workload] = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
                if splits:
                    parts[workload] = {k: statistics.median(s[k] for s in splits) for k in splits[0]}
    print("wall clock: 15 runs a side and workload", file=sys.stderr)
    wall = {side: wall_clock(command) for side, command in sides.items()}

    ratio = figures["python", "invalid"]["all threads"] / wall["python"]["invalid"][1]
    rust_ratio = figures["rust", "invalid"]["all threads"] / wall["rust"]["invalid"][1]
    n = ", ".join(f"{w} {c:,}" for w, c in CALLS.items())
    print(f"\ninstructions a call (median of {args.repeats} pairs of runs of N and 2N calls; N: {n})\n")
    columns = ["all threads", "calling thread", "core call", "outside"]
    print(f"| workload | side | {' | '.join(columns)} | wall clock: median | best |")
    print(f"|---|---|{'---:|' * len(columns)}---:|---:|")
    for workload in CALLS:
        for side in sides:
            f = figures[side, workload]
            cells = " | ".join(f"{f[c]:,.0f}" for c in columns)
            median, best = wall[side][workload]
            print(f"| {workload} | {side} | {cells} | {median:.3f} µs | {best:.3f} µs |")
    print(f"\nratio: {ratio:,.0f} instructions/µs (Python `invalid`: instructions / best wall-clock time)", end="")
    print(f"; Rust `invalid`: {rust_ratio:,.0f}")
    print("\n| workload | Python layer (outside, python − rust) | in µs at the ratio | all threads, python − rust |", end="")
    print(" wall-clock medians, python − rust |")
    print("|---|---:|---:|---:|---:|")
    for workload in CALLS:
        layer = figures["python", workload]["outside"] - figures["rust", workload]["outside"]
        total = figures["python", workload]["all threads"] - figures["rust", workload]["all threads"]
        wall_diff = wall["python"][workload][0] - wall["rust"][workload][0]
        print(f"| {workload} | {layer:,.0f} | {layer / ratio:.2f} µs | {total:,.0f} | {wall_diff:.2f} µs |")
    for workload, split in parts.items():
        print(f"\nwhere the Python side's instructions outside the core call go, `{workload}`, a call:\n")
        print("| part | instructions | µs |")
        print("|---|---:|---:|")
        for part, value in split.items():
            print(f"| {part} | {value:,.0f} | {value / ratio:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
