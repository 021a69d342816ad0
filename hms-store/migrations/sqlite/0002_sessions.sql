-- Sign-in sessions and their rotating refresh tokens (only the SHA-256 of a token's secret).

create table session (
    id blob primary key,
    user_id blob not null references account (id),
    created_at text not null,
    expires_at text not null,
    revoked_at text
);
create index session_user_idx on session (user_id);

create table refresh_token (
    id blob primary key,
    session_id blob not null references session (id),
    secret_sha256 text not null,
    created_at text not null,
    expires_at text not null,
    used_at text
);
create index refresh_token_session_idx on refresh_token (session_id);
