"""Threads: calls release the GIL, and one hospital serves many threads safely."""

from __future__ import annotations

import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import hms

from conftest import NOW, PASSWORD, Clinic, register_patient


def test_a_double_booking_from_two_threads(clinic: Clinic) -> None:
    slot = clinic.slots[0]
    barrier = threading.Barrier(2)

    def book(session: hms.Session) -> hms.Appointment | hms.HmsError:
        barrier.wait()
        try:
            return session.book(doctor_id=clinic.doctor_id, starts_at=slot.start, now=NOW)
        except hms.HmsError as error:
            return error

    with ThreadPoolExecutor(max_workers=2) as pool:
        outcomes = list(pool.map(book, [clinic.patient, clinic.other]))

    won = [o for o in outcomes if isinstance(o, hms.Appointment)]
    lost = [o for o in outcomes if not isinstance(o, hms.Appointment)]
    assert len(won) == 1 and len(lost) == 1, outcomes
    assert isinstance(lost[0], hms.ConflictError), repr(lost[0])
    booked = clinic.admin.list_appointments(doctor_id=clinic.doctor_id)
    assert [a.id for a in booked] == [won[0].id], "exactly one appointment holds the slot"


def test_many_threads_share_one_hospital(clinic: Clinic) -> None:
    sessions = [clinic.hospital.as_user(register_patient(clinic.hospital, n).id) for n in range(3, 9)]
    starts = [s.start for s in clinic.slots[:6]]
    barrier = threading.Barrier(len(sessions))

    def book(pair: tuple[hms.Session, object]) -> hms.Appointment:
        session, start = pair
        barrier.wait()
        return session.book(doctor_id=clinic.doctor_id, starts_at=start, now=NOW)  # type: ignore[arg-type]

    with ThreadPoolExecutor(max_workers=len(sessions)) as pool:
        booked = list(pool.map(book, zip(sessions, starts)))
    assert sorted(a.starts_at for a in booked) == starts
    assert clinic.admin.list_appointments().total == len(sessions)


def test_calls_release_the_gil() -> None:
    """While the main thread waits in slow calls (real argon2 password checks), a second thread
    runs Python code. Were the GIL held during a call, that thread could run only around the
    calls' edges, never in the middle of one."""
    hospital = hms.Hospital.open("sqlite::memory:")
    hospital.register(email="slow@example.org", password=PASSWORD, full_name="Slow Hash", role="patient", now=NOW)
    stamps: list[float] = []
    calls: list[tuple[float, float]] = []
    stop = threading.Event()

    def spin() -> None:
        while not stop.is_set():
            stamps.append(time.perf_counter())

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-4)  # a thread waiting for the GIL gets it within 0.1 ms
    try:
        spinner = threading.Thread(target=spin)
        spinner.start()
        time.sleep(0.01)
        for _ in range(5):
            start = time.perf_counter()
            hospital.login("slow@example.org", PASSWORD, now=NOW)
            calls.append((start, time.perf_counter()))
        stop.set()
        spinner.join()
    finally:
        sys.setswitchinterval(interval)

    def ran_inside(start: float, end: float) -> bool:
        quarter = (end - start) / 4
        return any(start + quarter < t < end - quarter for t in stamps)

    inside = [ran_inside(*call) for call in calls]
    assert sum(inside) >= 2, f"the second thread ran in the middle of {sum(inside)} of {len(calls)} calls"
