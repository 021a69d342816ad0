-- Document bytes, addressed by their SHA-256, kept in the database itself: every process and
-- machine that reaches the database reaches them, and a dump of the database holds them.
create table blob (
    sha256 text primary key check (sha256 ~ '^[0-9a-f]{64}$'),
    bytes bytea not null,
    size bigint not null check (size = octet_length(bytes)),
    stored_at timestamptz not null default now()
);
-- The bytes are already compressed (PDF, JPEG, PNG) or small: keep them out of line without
-- trying to compress them again.
alter table blob alter column bytes set storage external;
