"""The Python side of the overhead comparison: one doctor lookup on an in-memory SQLite hospital,
timed from Python. `cargo bench --bench core` times the same call from Rust ("doctor lookup,
in-memory SQLite, blocking call"); the difference is what the Python layer costs.

    python hms-py/benches/overhead.py          # with the `hms` package installed
"""

from __future__ import annotations

import statistics
import timeit
from decimal import Decimal

import hms


def main() -> None:
    hospital = hms.Hospital.open("sqlite::memory:", fast_password_hashing=True, analysis=False)
    doctor = hospital.register(
        email="doctor@example.org",
        password="a sound test passphrase",
        full_name="Doctor Who",
        role="doctor",
        doctor=hms.DoctorDetails(specialization="Cardiology", license_number="LIC-1", consultation_fee=Decimal("100")),
    )
    lookup = lambda: hospital.doctor(doctor.id)  # noqa: E731
    for _ in range(2000):
        lookup()
    runs = [timeit.timeit(lookup, number=2000) / 2000 * 1e6 for _ in range(15)]
    print(f"doctor lookup from Python: median {statistics.median(runs):.2f} µs a call (15 runs of 2000)")


if __name__ == "__main__":
    main()
