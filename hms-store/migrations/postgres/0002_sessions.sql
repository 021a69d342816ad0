-- Sign-in sessions and their rotating refresh tokens (only the SHA-256 of a token's secret).

create table session (
    id uuid primary key,
    user_id uuid not null references account (id),
    created_at timestamptz not null,
    expires_at timestamptz not null,
    revoked_at timestamptz
);
create index session_user_idx on session (user_id);

create table refresh_token (
    id uuid primary key,
    session_id uuid not null references session (id),
    secret_sha256 text not null,
    created_at timestamptz not null,
    expires_at timestamptz not null,
    used_at timestamptz
);
create index refresh_token_session_idx on refresh_token (session_id);
