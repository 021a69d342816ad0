-- Today's appointments on the dashboard, kept like its other figures: the appointments that count
-- (pending, confirmed, completed, missed) by the quarter hour they start in, as the number of
-- quarter hours since 1970 (UTC). A day in any time zone in use begins on a quarter hour, so a
-- day's count is the sum of its 96 (92, 100) rows, however many appointments it holds; the store
-- counts the appointments themselves for a day that does not begin on one.
-- The bucket is taken from the stored text's first 19 characters (its seconds, in UTC) and floored,
-- so that neither SQLite's rounding of fractions nor an instant before 1970 moves a row across.
create table start_tally (
    bucket integer not null,
    shard integer not null,
    n integer not null,
    primary key (bucket, shard)
) without rowid;

insert into start_tally (bucket, shard, n)
    select b, 0, count(*) from (
        select (e - (((e % 900) + 900) % 900)) / 900 as b
        from (select cast(strftime('%s', substr(starts_at, 1, 19)) as integer) as e from appointment
              where status in ('pending', 'confirmed', 'completed', 'no_show'))
    ) group by b;

create trigger start_tally_insert after insert on appointment
when new.status in ('pending', 'confirmed', 'completed', 'no_show') begin
    insert into start_tally (bucket, shard, n)
        values ((cast(strftime('%s', substr(new.starts_at, 1, 19)) as integer)
                 - (((cast(strftime('%s', substr(new.starts_at, 1, 19)) as integer) % 900) + 900) % 900)) / 900, 0, 1)
        on conflict (bucket, shard) do update set n = n + 1;
end;

create trigger start_tally_update after update of status, starts_at on appointment
when (old.status in ('pending', 'confirmed', 'completed', 'no_show')) <> (new.status in ('pending', 'confirmed', 'completed', 'no_show'))
  or (old.starts_at <> new.starts_at and new.status in ('pending', 'confirmed', 'completed', 'no_show')) begin
    update start_tally set n = n - 1
        where old.status in ('pending', 'confirmed', 'completed', 'no_show') and shard = 0
          and bucket = (cast(strftime('%s', substr(old.starts_at, 1, 19)) as integer)
                        - (((cast(strftime('%s', substr(old.starts_at, 1, 19)) as integer) % 900) + 900) % 900)) / 900;
    insert into start_tally (bucket, shard, n)
        select (cast(strftime('%s', substr(new.starts_at, 1, 19)) as integer)
                - (((cast(strftime('%s', substr(new.starts_at, 1, 19)) as integer) % 900) + 900) % 900)) / 900, 0, 1
        where new.status in ('pending', 'confirmed', 'completed', 'no_show')
        on conflict (bucket, shard) do update set n = n + 1;
end;

create trigger start_tally_delete after delete on appointment
when old.status in ('pending', 'confirmed', 'completed', 'no_show') begin
    update start_tally set n = n - 1
        where shard = 0
          and bucket = (cast(strftime('%s', substr(old.starts_at, 1, 19)) as integer)
                        - (((cast(strftime('%s', substr(old.starts_at, 1, 19)) as integer) % 900) + 900) % 900)) / 900;
end;
