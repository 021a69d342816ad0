-- The dashboard's figures, kept current by triggers in the transaction of every change that moves
-- them, so that reading them costs the same at a million appointments as at ten:
--   ('status', <appointment status>)   n = appointments in that status
--   ('active', <role>)                 n = active accounts of that role
--   ('paid' | 'pending', <currency>)   n = invoices in that status, minor = their total in minor units
-- and per doctor, the appointments that are pending, confirmed or completed.
-- Writers run side by side here: one row per figure would make every booking wait for the one
-- before it to commit (each adds one to 'pending'). So each figure is spread over 16 rows, a
-- connection writing to the row of its backend's number; the reader adds them up.
create table tally (
    kind text not null,
    key text not null,
    shard smallint not null,
    n bigint not null,
    minor bigint not null,
    primary key (kind, key, shard)
);

create table doctor_tally (
    doctor_id uuid primary key,
    n bigint not null
);

insert into tally (kind, key, shard, n, minor)
    select 'status', status, 0, count(*), 0 from appointment group by status;
insert into tally (kind, key, shard, n, minor)
    select 'active', role, 0, count(*), 0 from account where active group by role;
insert into tally (kind, key, shard, n, minor)
    select status, currency, 0, count(*), sum(total_minor) from invoice where status in ('paid', 'pending') group by status, currency;
insert into doctor_tally (doctor_id, n)
    select doctor_id, count(*) from appointment where status in ('pending', 'confirmed', 'completed') group by doctor_id;

create function tally_add(figure text, figure_key text, dn bigint, dminor bigint) returns void language sql as $$
    insert into tally (kind, key, shard, n, minor) values (figure, figure_key, (pg_backend_pid() % 16)::smallint, dn, dminor)
    on conflict (kind, key, shard) do update set n = tally.n + excluded.n, minor = tally.minor + excluded.minor
$$;

create function doctor_tally_add(doctor uuid, dn bigint) returns void language sql as $$
    insert into doctor_tally (doctor_id, n) values (doctor, dn)
    on conflict (doctor_id) do update set n = doctor_tally.n + excluded.n
$$;

create function tally_appointment() returns trigger language plpgsql as $$
begin
    if tg_op in ('UPDATE', 'DELETE') then
        perform tally_add('status', old.status, -1, 0);
        if old.status in ('pending', 'confirmed', 'completed') then
            perform doctor_tally_add(old.doctor_id, -1);
        end if;
    end if;
    if tg_op in ('INSERT', 'UPDATE') then
        perform tally_add('status', new.status, 1, 0);
        if new.status in ('pending', 'confirmed', 'completed') then
            perform doctor_tally_add(new.doctor_id, 1);
        end if;
    end if;
    return null;
end
$$;

create trigger tally_appointment_insert after insert or delete on appointment
    for each row execute function tally_appointment();
create trigger tally_appointment_update after update of status, doctor_id on appointment
    for each row when (old.status is distinct from new.status or old.doctor_id is distinct from new.doctor_id)
    execute function tally_appointment();

create function tally_account() returns trigger language plpgsql as $$
begin
    if tg_op in ('UPDATE', 'DELETE') and old.active then
        perform tally_add('active', old.role, -1, 0);
    end if;
    if tg_op in ('INSERT', 'UPDATE') and new.active then
        perform tally_add('active', new.role, 1, 0);
    end if;
    return null;
end
$$;

create trigger tally_account_insert after insert or delete on account
    for each row execute function tally_account();
create trigger tally_account_update after update of active, role on account
    for each row when (old.active is distinct from new.active or old.role is distinct from new.role)
    execute function tally_account();

create function tally_invoice() returns trigger language plpgsql as $$
begin
    if tg_op in ('UPDATE', 'DELETE') and old.status in ('paid', 'pending') then
        perform tally_add(old.status, old.currency, -1, -old.total_minor);
    end if;
    if tg_op in ('INSERT', 'UPDATE') and new.status in ('paid', 'pending') then
        perform tally_add(new.status, new.currency, 1, new.total_minor);
    end if;
    return null;
end
$$;

create trigger tally_invoice_insert after insert or delete on invoice
    for each row execute function tally_invoice();
create trigger tally_invoice_update after update of status, currency, total_minor on invoice
    for each row when (old.status is distinct from new.status or old.currency is distinct from new.currency
                       or old.total_minor is distinct from new.total_minor)
    execute function tally_invoice();
