-- Failed sign-ins, counted per account and per client address within a window. Kept in the
-- database so that every process serving the hospital throttles against the same counts.

create table login_failure (
    key text not null,
    at text not null
);
create index login_failure_key_at_idx on login_failure (key, at);
