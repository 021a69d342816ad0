-- hms schema for SQLite. Instants are UTC text (RFC 3339), ids are 16-byte blobs,
-- decimals are exact text, lists and structured values are JSON text.

create table account (
    id blob primary key,
    email text not null,
    full_name text not null,
    phone text,
    role text not null check (role in ('admin', 'doctor', 'nurse', 'receptionist', 'patient')),
    password_hash text not null,
    active integer not null,
    created_at text not null,
    updated_at text not null
);
create unique index account_email_key on account (email);
create index account_role_idx on account (role, created_at);

create table doctor (
    id blob primary key references account (id),
    specialization text not null,
    license_number text not null,
    years_of_experience integer not null,
    consultation_fee text not null,
    currency text not null,
    bio text not null,
    accepting_appointments integer not null,
    updated_at text not null
);
create unique index doctor_license_key on doctor (license_number);
create index doctor_specialization_idx on doctor (specialization collate nocase);

create table patient (
    id blob primary key references account (id),
    date_of_birth text,
    sex text not null,
    blood_group text not null,
    address text not null,
    emergency_contact text not null,
    allergies text not null,
    conditions text not null,
    medical_history text not null,
    updated_at text not null
);

create table availability_rule (
    doctor_id blob not null references doctor (id),
    position integer not null,
    weekday integer not null check (weekday between 1 and 7),
    start_time text not null,
    end_time text not null,
    slot_minutes integer not null,
    valid_from text,
    valid_until text,
    primary key (doctor_id, position)
);

create table availability_exception (
    id blob primary key,
    doctor_id blob not null references doctor (id),
    starts_at text not null,
    ends_at text not null,
    reason text not null
);
create index availability_exception_doctor_idx on availability_exception (doctor_id, ends_at);

create table appointment (
    id blob primary key,
    doctor_id blob not null references doctor (id),
    patient_id blob not null references patient (id),
    starts_at text not null,
    ends_at text not null,
    status text not null check (status in ('pending', 'confirmed', 'completed', 'cancelled', 'rejected', 'no_show')),
    reason text not null,
    notes text not null,
    booked_by blob not null references account (id),
    cancellation_reason text,
    reminder_queued_at text,
    created_at text not null,
    updated_at text not null,
    check (starts_at < ends_at)
);
create index appointment_doctor_idx on appointment (doctor_id, starts_at);
create index appointment_patient_idx on appointment (patient_id, starts_at);
create index appointment_status_idx on appointment (status, starts_at);
-- Two active appointments of one doctor never start together ...
create unique index appointment_doctor_slot_key on appointment (doctor_id, starts_at) where status in ('pending', 'confirmed');
-- ... nor overlap at all; SQLite serialises writers, so a trigger is race-free here.
create trigger appointment_no_overlap_insert before insert on appointment
when new.status in ('pending', 'confirmed')
begin
    select raise(abort, 'appointment_doctor_overlap')
    where exists (
        select 1 from appointment a
        where a.doctor_id = new.doctor_id and a.status in ('pending', 'confirmed')
          and a.starts_at < new.ends_at and a.ends_at > new.starts_at
    );
    select raise(abort, 'appointment_patient_overlap')
    where exists (
        select 1 from appointment a
        where a.patient_id = new.patient_id and a.status in ('pending', 'confirmed')
          and a.starts_at < new.ends_at and a.ends_at > new.starts_at
    );
end;

create table visit_note (
    id blob primary key,
    patient_id blob not null references patient (id),
    appointment_id blob references appointment (id),
    author_id blob not null references account (id),
    kind text not null check (kind in ('clinical', 'nursing')),
    text text not null,
    corrects blob references visit_note (id),
    created_at text not null
);
create index visit_note_patient_idx on visit_note (patient_id, created_at);

create table document (
    id blob primary key,
    patient_id blob not null references patient (id),
    appointment_id blob references appointment (id),
    kind text not null,
    file_name text not null,
    content_type text not null,
    size_bytes integer not null,
    sha256 text not null,
    description text not null,
    uploaded_by blob not null references account (id),
    created_at text not null
);
create index document_patient_idx on document (patient_id, created_at);

create table prescription (
    id blob primary key,
    appointment_id blob not null references appointment (id),
    doctor_id blob not null references doctor (id),
    patient_id blob not null references patient (id),
    diagnosis text not null,
    medications text not null,
    instructions text not null,
    follow_up text,
    revision integer not null,
    created_at text not null,
    updated_at text not null
);
create unique index prescription_appointment_key on prescription (appointment_id);
create index prescription_doctor_idx on prescription (doctor_id, created_at);
create index prescription_patient_idx on prescription (patient_id, created_at);

create table prescription_analysis (
    id blob primary key,
    prescription_id blob not null references prescription (id),
    prescription_revision integer not null,
    requested_by blob not null references account (id),
    created_at text not null,
    checks text not null,
    review text,
    review_unavailable_reason text,
    outcome text not null,
    model text,
    payload_sha256 text,
    latency_ms integer not null,
    disclaimer text not null
);
create index prescription_analysis_idx on prescription_analysis (prescription_id, created_at);

create table invoice_counter (
    year integer primary key,
    last integer not null
);

create table invoice (
    id blob primary key,
    number text not null,
    appointment_id blob not null references appointment (id),
    patient_id blob not null references patient (id),
    lines text not null,
    currency text not null,
    tax_rate text not null,
    discount text not null,
    subtotal text not null,
    tax text not null,
    total text not null,
    total_minor integer not null check (total_minor >= 0),
    status text not null check (status in ('pending', 'paid', 'cancelled')),
    payment_method text check (payment_method in ('cash', 'card', 'online', 'insurance')),
    paid_at text,
    cancelled_at text,
    issued_by blob not null references account (id),
    created_at text not null,
    updated_at text not null
);
create unique index invoice_number_key on invoice (number);
create unique index invoice_appointment_key on invoice (appointment_id);
create index invoice_status_idx on invoice (status, created_at);
create index invoice_patient_idx on invoice (patient_id, created_at);
-- A paid invoice is never edited.
create trigger invoice_paid_is_final before update on invoice
when old.status = 'paid'
begin
    select raise(abort, 'invoice_paid_is_final');
end;

create table notification (
    id blob primary key,
    recipient_id blob not null references account (id),
    kind text not null,
    message text not null,
    created_at text not null,
    read_at text
);
create index notification_recipient_idx on notification (recipient_id, created_at);

create table outgoing_email (
    id blob primary key,
    recipient text not null,
    subject text not null,
    body text not null,
    created_at text not null,
    attempts integer not null,
    next_attempt_at text,
    sent_at text,
    last_error text
);
create index outgoing_email_due_idx on outgoing_email (next_attempt_at) where sent_at is null;

create table audit_event (
    id blob primary key,
    at text not null,
    actor_id blob,
    actor_role text,
    action text not null,
    operation text not null,
    entity text not null,
    entity_id text,
    patient_id blob,
    outcome text not null,
    detail text not null
);
create index audit_event_at_idx on audit_event (at);
create index audit_event_patient_idx on audit_event (patient_id, at);
create index audit_event_actor_idx on audit_event (actor_id, at);
-- The audit log is append-only.
create trigger audit_event_no_update before update on audit_event
begin
    select raise(abort, 'audit_event_is_append_only');
end;
create trigger audit_event_no_delete before delete on audit_event
begin
    select raise(abort, 'audit_event_is_append_only');
end;
