-- Busy-time lookups read a doctor's (or a patient's) active appointments around an instant.
create index appointment_patient_active_idx on appointment (patient_id, starts_at) where status in ('pending', 'confirmed');
