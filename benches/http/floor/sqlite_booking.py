"""What bounds a booking on SQLite: the booking's writer work alone, without hms.

Runs the statements hms-store sends inside a booking's turn at the writer (the doctor's schedule
with the patient, one read; then the appointment, two notifications, two e-mails and the audit
event) against a copy of the benchmark's data set's schema and rows, from one thread on one
connection with the store's settings (WAL, foreign keys, `synchronous` as HMS_SQLITE_SYNCHRONOUS
says, FULL by default), in transactions of GROUP bookings, as group commit makes them under
load. No HTTP, no session check, no hand-offs between threads: a ceiling for the writer that
hms's bookings share. The statements are those hms-store sends (as `RUST_LOG=sqlx::query=debug`
logs them); keep them in step with `hms-store` when its booking changes.

    python3 benches/http/floor/sqlite_booking.py DATABASE SECONDS GROUP DAY_OFFSET

Prints the bookings a second and the time of each part a booking (microseconds).
"""

import os
import sqlite3
import sys
import time

PARTIES = """
    select 0 as part, d.id, a.full_name, a.email, a.active, d.specialization, d.license_number,
    d.years_of_experience, d.consultation_fee, d.currency, d.bio, d.accepting_appointments,
    d.updated_at, d.version, cast(null as integer) as position, cast(null as integer) as weekday,
    cast(null as time) as start_time, cast(null as time) as end_time, cast(null as integer) as
    slot_minutes, cast(null as date) as valid_from, cast(null as date) as valid_until, cast(null as
    timestamptz) as starts_at, cast(null as timestamptz) as ends_at, cast(null as text) as reason,
    cast(null as text) as phone, cast(null as date) as date_of_birth, cast(null as text) as sex,
    cast(null as text) as blood_group, cast(null as text) as address, cast(null as text) as
    emergency_contact, cast(null as text) as allergies, cast(null as text) as conditions, cast(null
    as text) as medical_history, cast(null as date) as pregnancy_noted_on, cast(null as integer) as
    egfr, cast(null as date) as egfr_measured_on from doctor d join account a on a.id = d.id where
    d.id = ?1 union all select 1, null, null, null, null, null, null, null, null, null, null, null,
    null, null, r.position, r.weekday, r.start_time, r.end_time, r.slot_minutes, r.valid_from,
    r.valid_until, null, null, null, null, null, null, null, null, null, null, null, null, null,
    null, null from availability_rule r where r.doctor_id = ?1 union all select 2, e.id, null, null,
    null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null,
    null, e.starts_at, e.ends_at, e.reason, null, null, null, null, null, null, null, null, null,
    null, null, null from availability_exception e where e.doctor_id = ?1 and e.ends_at > ?2 union
    all select 3, p.id, a.full_name, a.email, a.active, null, null, null, null, null, null, null,
    p.updated_at, p.version, null, null, null, null, null, null, null, null, null, null, a.phone,
    p.date_of_birth, p.sex, p.blood_group, p.address, p.emergency_contact, p.allergies,
    p.conditions, p.medical_history, p.pregnancy_noted_on, p.egfr, p.egfr_measured_on from patient p
    join account a on a.id = p.id where p.id = ?3 order by part, position, starts_at
"""
APPOINTMENT = """
    insert into appointment (id, doctor_id, patient_id, starts_at, ends_at, status, reason, notes,
    booked_by, cancellation_reason, reminder_queued_at, created_at, updated_at) VALUES (?, ?, ?, ?,
    ?, ?, ?, ?, ?, ?, ?, ?, ?)
"""
NOTIFICATIONS = """
    insert into notification (id, recipient_id, kind, message, created_at, read_at) VALUES (?, ?, ?,
    ?, ?, ?), (?, ?, ?, ?, ?, ?)
"""
EMAILS = """
    insert into outgoing_email (id, recipient, subject, body, created_at, attempts, next_attempt_at,
    sent_at, last_error) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?), (?, ?, ?, ?, ?, ?, ?, ?, ?)
"""
AUDIT = """
    insert into audit_event (id, at, actor_id, actor_role, action, operation, entity, entity_id,
    patient_id, outcome, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
"""


def main() -> None:
    path, seconds, group, day_offset = sys.argv[1], float(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    synchronous = os.environ.get("HMS_SQLITE_SYNCHRONOUS", "full")
    c = sqlite3.connect(path, isolation_level=None)
    for pragma in ("journal_mode = wal", f"synchronous = {synchronous}", "foreign_keys = on", "busy_timeout = 10000"):
        c.execute("pragma " + pragma)
    admin = c.execute("select id from account where email = 'admin@bulk.hms'").fetchone()[0]

    def uid() -> bytes:  # time first, as the store's UUID v7 ids
        return int(time.time() * 1000).to_bytes(6, "big") + b"\x70" + os.urandom(9)

    def doctor(n: int) -> bytes:  # the synthetic hospital's ids (hms-store's bulk loader)
        return bytes.fromhex("010100000000700080000000") + n.to_bytes(4, "big")

    def patient(n: int) -> bytes:
        return bytes.fromhex("010200000000700080000000") + n.to_bytes(4, "big")

    def instant(s: int) -> str:
        return time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(s))

    message = "Patient Nvc booked an appointment with you on 2031-03-04 10:00 (UTC)."
    body = message + "\n\nThis message was sent by the hospital's appointment system."
    base = (int(time.time()) // 86400 + day_offset) * 86400
    parts = [0.0] * 6  # the read, the four writes, the commit
    clock = time.perf_counter
    n = 0
    start = clock()
    end = start + seconds
    while clock() < end:
        c.execute("begin immediate")
        for _ in range(group):
            # Distinct slots, as benches/http/book.lua books them.
            d, p, r = n % 2000, (n * 7) % 200000, n // 2000
            at = base + (r // 16) * 86400 + 9 * 3600 + (r % 16) * 1800
            n += 1
            now = time.strftime("%Y-%m-%dT%H:%M:%S.000000+00:00", time.gmtime())
            t0 = clock()
            c.execute(PARTIES, (doctor(d), instant(at), patient(p))).fetchall()
            t1 = clock()
            a = uid()
            c.execute(APPOINTMENT, (a, doctor(d), patient(p), instant(at), instant(at + 1800), "pending", "", "", admin, None, None, now, now))
            t2 = clock()
            c.execute(NOTIFICATIONS, (uid(), patient(p), "appointment_booked", message, now, None,
                                      uid(), doctor(d), "appointment_booked", message, now, None))
            t3 = clock()
            c.execute(EMAILS, (uid(), "patient@bulk.hms", "Appointment booked", body, now, 0, now, None, None,
                               uid(), "doctor@bulk.hms", "Appointment booked", body, now, 0, now, None, None))
            t4 = clock()
            c.execute(AUDIT, (uid(), now, admin, "admin", "create", "appointment.book", "appointment", a, patient(p), "success", ""))
            t5 = clock()
            for i, dt in enumerate((t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4)):
                parts[i] += dt
        t6 = clock()
        c.execute("commit")
        parts[5] += clock() - t6
    elapsed = clock() - start
    each = [x / n * 1e6 for x in parts]
    print(f"sqlite floor: {n / elapsed:.0f} bookings/s, {elapsed / n * 1e6:.0f} us each (read {each[0]:.0f}, "
          f"appointment {each[1]:.0f}, notifications {each[2]:.0f}, e-mails {each[3]:.0f}, audit {each[4]:.0f}, "
          f"commit {each[5]:.0f}), groups of {group}, synchronous {synchronous}")


if __name__ == "__main__":
    main()
