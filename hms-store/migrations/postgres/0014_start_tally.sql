-- Today's appointments on the dashboard, kept like its other figures: the appointments that count
-- (pending, confirmed, completed, missed) by the quarter hour they start in, as the number of
-- quarter hours since 1970 (UTC). A day in any time zone in use begins on a quarter hour, so a
-- day's count is the sum of its 96 (92, 100) rows, however many appointments it holds; the store
-- counts the appointments themselves for a day that does not begin on one. Spread over 16 rows a
-- quarter hour, as the other figures are, so that bookings of one quarter hour do not queue.
create table start_tally (
    bucket bigint not null,
    shard smallint not null,
    n bigint not null,
    primary key (bucket, shard)
);

insert into start_tally (bucket, shard, n)
    select floor(extract(epoch from starts_at) / 900)::bigint, 0, count(*) from appointment
    where status in ('pending', 'confirmed', 'completed', 'no_show')
    group by 1;

-- An update writes only the figures it moves: confirming an appointment moves its status's count
-- and nothing else.
create or replace function tally_appointment() returns trigger language plpgsql as $$
declare
    my_shard smallint := (pg_backend_pid() % 16)::smallint;
    old_status text := case when tg_op <> 'INSERT' then old.status end;
    new_status text := case when tg_op <> 'DELETE' then new.status end;
    old_doctor boolean := old_status in ('pending', 'confirmed', 'completed');
    new_doctor boolean := new_status in ('pending', 'confirmed', 'completed');
    old_start boolean := old_status in ('pending', 'confirmed', 'completed', 'no_show');
    new_start boolean := new_status in ('pending', 'confirmed', 'completed', 'no_show');
begin
    if tg_op = 'UPDATE' then
        if old.doctor_id = new.doctor_id and old_doctor and new_doctor then
            old_doctor := false;
            new_doctor := false;
        end if;
        if old.starts_at = new.starts_at and old_start and new_start then
            old_start := false;
            new_start := false;
        end if;
    end if;
    if old_status is distinct from new_status then
        if old_status is not null then
            insert into tally as t (kind, key, shard, n, minor) values ('status', old_status, my_shard, -1, 0)
                on conflict (kind, key, shard) do update set n = t.n - 1;
        end if;
        if new_status is not null then
            insert into tally as t (kind, key, shard, n, minor) values ('status', new_status, my_shard, 1, 0)
                on conflict (kind, key, shard) do update set n = t.n + 1;
        end if;
    end if;
    if old_doctor then
        update doctor_tally set n = n - 1 where doctor_id = old.doctor_id;
    end if;
    if new_doctor then
        insert into doctor_tally as d (doctor_id, n) values (new.doctor_id, 1)
            on conflict (doctor_id) do update set n = d.n + 1;
    end if;
    if old_start then
        insert into start_tally as s (bucket, shard, n) values (floor(extract(epoch from old.starts_at) / 900)::bigint, my_shard, -1)
            on conflict (bucket, shard) do update set n = s.n - 1;
    end if;
    if new_start then
        insert into start_tally as s (bucket, shard, n) values (floor(extract(epoch from new.starts_at) / 900)::bigint, my_shard, 1)
            on conflict (bucket, shard) do update set n = s.n + 1;
    end if;
    return null;
end
$$;

drop trigger tally_appointment_update on appointment;
create trigger tally_appointment_update after update of status, doctor_id, starts_at on appointment
    for each row when (old.status is distinct from new.status or old.doctor_id is distinct from new.doctor_id
                       or old.starts_at is distinct from new.starts_at)
    execute function tally_appointment();
