-- Busy-time lookups read a doctor's (or a patient's) active appointments around an instant. Plain
-- b-tree indexes over exactly those rows keep the planner off the exclusion constraints' GiST
-- indexes, which are there to refuse overlaps, not to find rows fast.
create index appointment_doctor_active_idx on appointment (doctor_id, starts_at) where status in ('pending', 'confirmed');
create index appointment_patient_active_idx on appointment (patient_id, starts_at) where status in ('pending', 'confirmed');
analyze appointment;
