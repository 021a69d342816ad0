-- Account security: what sessions record about their client, password-reset tokens, the second
-- factor (a sealed TOTP key and hashed recovery codes), and the challenge between a sign-in's
-- password and its code. Every secret handed to a person is stored only as its SHA-256.

alter table session add column last_used_at text;
alter table session add column client_address text;
alter table session add column user_agent text;
alter table session add column enrolment_only integer not null default 0;
update session set last_used_at = created_at;

create table password_reset (
    id blob primary key,
    user_id blob not null references account (id),
    secret_sha256 text not null,
    created_at text not null,
    expires_at text not null,
    used_at text,
    forced_by blob references account (id)
);
create index password_reset_user_idx on password_reset (user_id);

create table second_factor (
    user_id blob primary key references account (id),
    secret_sealed text not null,
    confirmed_at text,
    last_step integer,
    created_at text not null
);

create table recovery_code (
    id blob primary key,
    user_id blob not null references account (id),
    code_sha256 text not null,
    used_at text
);
create index recovery_code_user_idx on recovery_code (user_id);

create table sign_in_challenge (
    id blob primary key,
    user_id blob not null references account (id),
    secret_sha256 text not null,
    created_at text not null,
    expires_at text not null,
    used_at text,
    client_address text,
    user_agent text
);

-- "Forgot password" requests, answered alike whatever the address: the e-mail (with a token, for
-- an address that has an active account) is made when the outbox is next worked through.
create table password_reset_request (
    id blob primary key,
    email text not null,
    requested_at text not null,
    processed_at text
);
create index password_reset_request_pending_idx on password_reset_request (processed_at, requested_at);
