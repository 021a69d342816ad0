-- The overlap check of a new appointment read every active appointment of the doctor that starts
-- before the new one ends (for a booking weeks ahead, all of them: hundreds of row lookups a
-- booking in a large hospital). No appointment is longer than a day (slots are at most 8 hours,
-- and the busy-time reads rely on the same bound), so only those that start less than a day
-- before the new one can overlap it. Instants are stored as RFC 3339 text in UTC, so the bound is
-- made in that form; a start SQLite could not read gives no bound at all rather than a wrong one.
drop trigger appointment_no_overlap_insert;
create trigger appointment_no_overlap_insert before insert on appointment
when new.status in ('pending', 'confirmed')
begin
    select raise(abort, 'appointment_doctor_overlap')
    where exists (
        select 1 from appointment a
        where a.doctor_id = new.doctor_id and a.status in ('pending', 'confirmed')
          and a.starts_at < new.ends_at and a.ends_at > new.starts_at
          and a.starts_at > coalesce(strftime('%Y-%m-%dT%H:%M:%S+00:00', new.starts_at, '-1 day'), '')
    );
    select raise(abort, 'appointment_patient_overlap')
    where exists (
        select 1 from appointment a
        where a.patient_id = new.patient_id and a.status in ('pending', 'confirmed')
          and a.starts_at < new.ends_at and a.ends_at > new.starts_at
          and a.starts_at > coalesce(strftime('%Y-%m-%dT%H:%M:%S+00:00', new.starts_at, '-1 day'), '')
    );
end;
