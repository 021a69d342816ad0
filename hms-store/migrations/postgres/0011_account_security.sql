-- Account security: what sessions record about their client, password-reset tokens, the second
-- factor (a sealed TOTP key and hashed recovery codes), and the challenge between a sign-in's
-- password and its code. Every secret handed to a person is stored only as its SHA-256.

alter table session add column last_used_at timestamptz;
alter table session add column client_address text;
alter table session add column user_agent text;
alter table session add column enrolment_only boolean not null default false;
update session set last_used_at = created_at;

create table password_reset (
    id uuid primary key,
    user_id uuid not null references account (id),
    secret_sha256 text not null,
    created_at timestamptz not null,
    expires_at timestamptz not null,
    used_at timestamptz,
    forced_by uuid references account (id)
);
create index password_reset_user_idx on password_reset (user_id);

create table second_factor (
    user_id uuid primary key references account (id),
    secret_sealed text not null,
    confirmed_at timestamptz,
    last_step bigint,
    created_at timestamptz not null
);

create table recovery_code (
    id uuid primary key,
    user_id uuid not null references account (id),
    code_sha256 text not null,
    used_at timestamptz
);
create index recovery_code_user_idx on recovery_code (user_id);

create table sign_in_challenge (
    id uuid primary key,
    user_id uuid not null references account (id),
    secret_sha256 text not null,
    created_at timestamptz not null,
    expires_at timestamptz not null,
    used_at timestamptz,
    client_address text,
    user_agent text
);

-- "Forgot password" requests, answered alike whatever the address: the e-mail (with a token, for
-- an address that has an active account) is made when the outbox is next worked through.
create table password_reset_request (
    id uuid primary key,
    email text not null,
    requested_at timestamptz not null,
    processed_at timestamptz
);
create index password_reset_request_pending_idx on password_reset_request (processed_at, requested_at);
