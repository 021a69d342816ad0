-- hms schema for PostgreSQL. Instants are timestamptz (UTC), decimals numeric,
-- lists and structured values JSON text.

create extension if not exists btree_gist;

create table account (
    id uuid primary key,
    email text not null,
    full_name text not null,
    phone text,
    role text not null check (role in ('admin', 'doctor', 'nurse', 'receptionist', 'patient')),
    password_hash text not null,
    active boolean not null,
    created_at timestamptz not null,
    updated_at timestamptz not null
);
create unique index account_email_key on account (email);
create index account_role_idx on account (role, created_at);

create table doctor (
    id uuid primary key references account (id),
    specialization text not null,
    license_number text not null,
    years_of_experience integer not null,
    consultation_fee numeric(20, 4) not null,
    currency text not null,
    bio text not null,
    accepting_appointments boolean not null,
    updated_at timestamptz not null
);
create unique index doctor_license_key on doctor (license_number);
create index doctor_specialization_idx on doctor (lower(specialization));

create table patient (
    id uuid primary key references account (id),
    date_of_birth date,
    sex text not null,
    blood_group text not null,
    address text not null,
    emergency_contact text not null,
    allergies text not null,
    conditions text not null,
    medical_history text not null,
    updated_at timestamptz not null
);

create table availability_rule (
    doctor_id uuid not null references doctor (id),
    position integer not null,
    weekday integer not null check (weekday between 1 and 7),
    start_time time not null,
    end_time time not null,
    slot_minutes integer not null,
    valid_from date,
    valid_until date,
    primary key (doctor_id, position)
);

create table availability_exception (
    id uuid primary key,
    doctor_id uuid not null references doctor (id),
    starts_at timestamptz not null,
    ends_at timestamptz not null,
    reason text not null
);
create index availability_exception_doctor_idx on availability_exception (doctor_id, ends_at);

create table appointment (
    id uuid primary key,
    doctor_id uuid not null references doctor (id),
    patient_id uuid not null references patient (id),
    starts_at timestamptz not null,
    ends_at timestamptz not null,
    status text not null check (status in ('pending', 'confirmed', 'completed', 'cancelled', 'rejected', 'no_show')),
    reason text not null,
    notes text not null,
    booked_by uuid not null references account (id),
    cancellation_reason text,
    reminder_queued_at timestamptz,
    created_at timestamptz not null,
    updated_at timestamptz not null,
    check (starts_at < ends_at)
);
create index appointment_doctor_idx on appointment (doctor_id, starts_at);
create index appointment_patient_idx on appointment (patient_id, starts_at);
create index appointment_status_idx on appointment (status, starts_at);
-- Two active appointments of one doctor (or of one patient) never overlap, whatever the number of
-- server processes: the database refuses the second.
alter table appointment add constraint appointment_doctor_overlap
    exclude using gist (doctor_id with =, tstzrange(starts_at, ends_at, '[)') with &&)
    where (status in ('pending', 'confirmed'));
alter table appointment add constraint appointment_patient_overlap
    exclude using gist (patient_id with =, tstzrange(starts_at, ends_at, '[)') with &&)
    where (status in ('pending', 'confirmed'));

create table visit_note (
    id uuid primary key,
    patient_id uuid not null references patient (id),
    appointment_id uuid references appointment (id),
    author_id uuid not null references account (id),
    kind text not null check (kind in ('clinical', 'nursing')),
    text text not null,
    corrects uuid references visit_note (id),
    created_at timestamptz not null
);
create index visit_note_patient_idx on visit_note (patient_id, created_at);

create table document (
    id uuid primary key,
    patient_id uuid not null references patient (id),
    appointment_id uuid references appointment (id),
    kind text not null,
    file_name text not null,
    content_type text not null,
    size_bytes bigint not null,
    sha256 text not null,
    description text not null,
    uploaded_by uuid not null references account (id),
    created_at timestamptz not null
);
create index document_patient_idx on document (patient_id, created_at);

create table prescription (
    id uuid primary key,
    appointment_id uuid not null references appointment (id),
    doctor_id uuid not null references doctor (id),
    patient_id uuid not null references patient (id),
    diagnosis text not null,
    medications text not null,
    instructions text not null,
    follow_up date,
    revision integer not null,
    created_at timestamptz not null,
    updated_at timestamptz not null
);
create unique index prescription_appointment_key on prescription (appointment_id);
create index prescription_doctor_idx on prescription (doctor_id, created_at);
create index prescription_patient_idx on prescription (patient_id, created_at);

create table prescription_analysis (
    id uuid primary key,
    prescription_id uuid not null references prescription (id),
    prescription_revision integer not null,
    requested_by uuid not null references account (id),
    created_at timestamptz not null,
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
    last bigint not null
);

create table invoice (
    id uuid primary key,
    number text not null,
    appointment_id uuid not null references appointment (id),
    patient_id uuid not null references patient (id),
    lines text not null,
    currency text not null,
    tax_rate numeric(20, 4) not null,
    discount numeric(20, 4) not null,
    subtotal numeric(20, 4) not null,
    tax numeric(20, 4) not null,
    total numeric(20, 4) not null,
    total_minor bigint not null check (total_minor >= 0),
    status text not null check (status in ('pending', 'paid', 'cancelled')),
    payment_method text check (payment_method in ('cash', 'card', 'online', 'insurance')),
    paid_at timestamptz,
    cancelled_at timestamptz,
    issued_by uuid not null references account (id),
    created_at timestamptz not null,
    updated_at timestamptz not null
);
create unique index invoice_number_key on invoice (number);
create unique index invoice_appointment_key on invoice (appointment_id);
create index invoice_status_idx on invoice (status, created_at);
create index invoice_patient_idx on invoice (patient_id, created_at);
-- A paid invoice is never edited.
create function invoice_paid_is_final() returns trigger language plpgsql as $$
begin
    raise exception 'invoice_paid_is_final' using errcode = 'check_violation';
end $$;
create trigger invoice_paid_is_final before update on invoice
    for each row when (old.status = 'paid') execute function invoice_paid_is_final();

create table notification (
    id uuid primary key,
    recipient_id uuid not null references account (id),
    kind text not null,
    message text not null,
    created_at timestamptz not null,
    read_at timestamptz
);
create index notification_recipient_idx on notification (recipient_id, created_at);

create table outgoing_email (
    id uuid primary key,
    recipient text not null,
    subject text not null,
    body text not null,
    created_at timestamptz not null,
    attempts integer not null,
    next_attempt_at timestamptz,
    sent_at timestamptz,
    last_error text
);
create index outgoing_email_due_idx on outgoing_email (next_attempt_at) where sent_at is null;

create table audit_event (
    id uuid primary key,
    at timestamptz not null,
    actor_id uuid,
    actor_role text,
    action text not null,
    operation text not null,
    entity text not null,
    entity_id text,
    patient_id uuid,
    outcome text not null,
    detail text not null
);
create index audit_event_at_idx on audit_event (at);
create index audit_event_patient_idx on audit_event (patient_id, at);
create index audit_event_actor_idx on audit_event (actor_id, at);
-- The audit log is append-only.
create function audit_event_is_append_only() returns trigger language plpgsql as $$
begin
    raise exception 'audit_event_is_append_only' using errcode = 'check_violation';
end $$;
create trigger audit_event_no_change before update or delete on audit_event
    for each row execute function audit_event_is_append_only();
