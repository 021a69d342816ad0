"""The Python side of the overhead measurement: the calls `examples/call_overhead.rs` makes from
Rust, made from Python, so that the difference between the two is what the Python layer adds
(argument conversion, releasing and retaking the GIL, the result object, the interpreter's call).

    python hms-py/benches/overhead.py                    # wall-clock medians (the `hms` package installed)
    python hms-py/benches/overhead.py count lookup 500   # 500 calls, for an instruction count

`hms-py/benches/callgrind.sh` runs both sides under callgrind and prints the figures. The workloads:

- `lookup`: `hospital.doctor(doctor_id)`, one doctor's public profile on in-memory SQLite;
- `invalid`: `hospital.free_slots(doctor_id, from_=t, to=t)`, an empty range the core refuses
  before any I/O (a `ValidationError`), so the whole call runs on the calling thread.
"""

from __future__ import annotations

import statistics
import sys
import timeit
from datetime import datetime, timezone
from decimal import Decimal

import hms

#: Each workload as one statement, run in the namespace `setup` returns.
WORKLOADS = {
    "lookup": "hospital.doctor(doctor_id)",
    "invalid": """
try:
    hospital.free_slots(doctor_id, from_=at, to=at)
except ValidationError:
    pass
""",
}

#: Calls per timed run, for the wall-clock medians.
CALLS = {"lookup": 2_000, "invalid": 100_000}


def setup() -> dict[str, object]:
    """The hospital and doctor `call_overhead.rs` sets up, as the names the workloads use."""
    hospital = hms.Hospital.open("sqlite::memory:", fast_password_hashing=True, analysis=False)
    doctor = hospital.register(
        email="doctor@example.org",
        password="a sound test passphrase",
        full_name="Doctor Who",
        role="doctor",
        doctor=hms.DoctorDetails(specialization="Cardiology", license_number="LIC-1", consultation_fee=Decimal("100")),
    )
    return {
        "hospital": hospital,
        "doctor_id": doctor.id,
        "at": datetime(2030, 1, 7, 9, 0, tzinfo=timezone.utc),
        "ValidationError": hms.ValidationError,
    }


def main(argv: list[str]) -> int:
    names = setup()
    if len(argv) == 3 and argv[0] == "count":
        # The statement compiled into a plain loop: no timer and no per-call function of the harness.
        exec(compile(f"for _ in range({int(argv[2])}):\n" + _indent(WORKLOADS[argv[1]]), "<count>", "exec"), names)
        return 0
    if argv not in ([], ["time"]):
        print("usage: overhead.py [time] | count (lookup|invalid) CALLS", file=sys.stderr)
        return 2
    for workload, calls in CALLS.items():
        timer = timeit.Timer(WORKLOADS[workload], globals=names)
        timer.timeit(calls)
        runs = [timer.timeit(calls) / calls * 1e6 for _ in range(15)]
        print(f"python {workload}: median {statistics.median(runs):.3f} µs, best {min(runs):.3f} µs a call (15 runs of {calls})")
    return 0


def _indent(statement: str) -> str:
    return "".join(f"    {line}\n" for line in statement.strip().splitlines())


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
