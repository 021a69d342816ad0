-- The dashboard's triggers write their figures with statements of their own instead of calling a
-- function per figure: the same rows, with less work in every booking's transaction (measured:
-- BENCHMARKS.md, "What keeping the figures costs a booking").

create or replace function tally_appointment() returns trigger language plpgsql as $$
declare
    my_shard smallint := (pg_backend_pid() % 16)::smallint;
begin
    if tg_op in ('UPDATE', 'DELETE') then
        insert into tally as t (kind, key, shard, n, minor) values ('status', old.status, my_shard, -1, 0)
            on conflict (kind, key, shard) do update set n = t.n - 1;
        if old.status in ('pending', 'confirmed', 'completed') then
            update doctor_tally set n = n - 1 where doctor_id = old.doctor_id;
        end if;
    end if;
    if tg_op in ('INSERT', 'UPDATE') then
        insert into tally as t (kind, key, shard, n, minor) values ('status', new.status, my_shard, 1, 0)
            on conflict (kind, key, shard) do update set n = t.n + 1;
        if new.status in ('pending', 'confirmed', 'completed') then
            insert into doctor_tally as d (doctor_id, n) values (new.doctor_id, 1)
                on conflict (doctor_id) do update set n = d.n + 1;
        end if;
    end if;
    return null;
end
$$;

create or replace function tally_account() returns trigger language plpgsql as $$
declare
    my_shard smallint := (pg_backend_pid() % 16)::smallint;
begin
    if tg_op in ('UPDATE', 'DELETE') and old.active then
        insert into tally as t (kind, key, shard, n, minor) values ('active', old.role, my_shard, -1, 0)
            on conflict (kind, key, shard) do update set n = t.n - 1;
    end if;
    if tg_op in ('INSERT', 'UPDATE') and new.active then
        insert into tally as t (kind, key, shard, n, minor) values ('active', new.role, my_shard, 1, 0)
            on conflict (kind, key, shard) do update set n = t.n + 1;
    end if;
    return null;
end
$$;

create or replace function tally_invoice() returns trigger language plpgsql as $$
declare
    my_shard smallint := (pg_backend_pid() % 16)::smallint;
begin
    if tg_op in ('UPDATE', 'DELETE') and old.status in ('paid', 'pending') then
        insert into tally as t (kind, key, shard, n, minor) values (old.status, old.currency, my_shard, -1, -old.total_minor)
            on conflict (kind, key, shard) do update set n = t.n - 1, minor = t.minor - old.total_minor;
    end if;
    if tg_op in ('INSERT', 'UPDATE') and new.status in ('paid', 'pending') then
        insert into tally as t (kind, key, shard, n, minor) values (new.status, new.currency, my_shard, 1, new.total_minor)
            on conflict (kind, key, shard) do update set n = t.n + 1, minor = t.minor + new.total_minor;
    end if;
    return null;
end
$$;

drop function tally_add(text, text, bigint, bigint);
drop function doctor_tally_add(uuid, bigint);
