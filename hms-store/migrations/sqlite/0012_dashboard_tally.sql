-- The dashboard's figures, kept current by triggers in the transaction of every change that moves
-- them, so that reading them costs the same at a million appointments as at ten:
--   ('status', <appointment status>)   n = appointments in that status
--   ('active', <role>)                 n = active accounts of that role
--   ('paid' | 'pending', <currency>)   n = invoices in that status, minor = their total in minor units
-- and per doctor, the appointments that are pending, confirmed or completed.
-- `shard` spreads one figure over several rows on PostgreSQL, whose writers run side by side;
-- SQLite's writers take turns, so here it is always 0.
create table tally (
    kind text not null,
    key text not null,
    shard integer not null,
    n integer not null,
    minor integer not null,
    primary key (kind, key, shard)
) without rowid;

create table doctor_tally (
    doctor_id blob primary key,
    n integer not null
) without rowid;

insert into tally (kind, key, shard, n, minor)
    select 'status', status, 0, count(*), 0 from appointment group by status;
insert into tally (kind, key, shard, n, minor)
    select 'active', role, 0, count(*), 0 from account where active = 1 group by role;
insert into tally (kind, key, shard, n, minor)
    select status, currency, 0, count(*), sum(total_minor) from invoice where status in ('paid', 'pending') group by status, currency;
insert into doctor_tally (doctor_id, n)
    select doctor_id, count(*) from appointment where status in ('pending', 'confirmed', 'completed') group by doctor_id;

create trigger tally_appointment_insert after insert on appointment begin
    insert into tally (kind, key, shard, n, minor) values ('status', new.status, 0, 1, 0)
        on conflict (kind, key, shard) do update set n = n + 1;
    insert into doctor_tally (doctor_id, n) select new.doctor_id, 1 where new.status in ('pending', 'confirmed', 'completed')
        on conflict (doctor_id) do update set n = n + 1;
end;

create trigger tally_appointment_update after update of status, doctor_id on appointment
when old.status <> new.status or old.doctor_id <> new.doctor_id begin
    update tally set n = n - 1 where kind = 'status' and key = old.status and shard = 0;
    insert into tally (kind, key, shard, n, minor) values ('status', new.status, 0, 1, 0)
        on conflict (kind, key, shard) do update set n = n + 1;
    update doctor_tally set n = n - 1 where doctor_id = old.doctor_id and old.status in ('pending', 'confirmed', 'completed');
    insert into doctor_tally (doctor_id, n) select new.doctor_id, 1 where new.status in ('pending', 'confirmed', 'completed')
        on conflict (doctor_id) do update set n = n + 1;
end;

create trigger tally_appointment_delete after delete on appointment begin
    update tally set n = n - 1 where kind = 'status' and key = old.status and shard = 0;
    update doctor_tally set n = n - 1 where doctor_id = old.doctor_id and old.status in ('pending', 'confirmed', 'completed');
end;

create trigger tally_account_insert after insert on account when new.active = 1 begin
    insert into tally (kind, key, shard, n, minor) values ('active', new.role, 0, 1, 0)
        on conflict (kind, key, shard) do update set n = n + 1;
end;

create trigger tally_account_update after update of active, role on account
when old.active <> new.active or old.role <> new.role begin
    update tally set n = n - 1 where kind = 'active' and key = old.role and shard = 0 and old.active = 1;
    insert into tally (kind, key, shard, n, minor) select 'active', new.role, 0, 1, 0 where new.active = 1
        on conflict (kind, key, shard) do update set n = n + 1;
end;

create trigger tally_account_delete after delete on account when old.active = 1 begin
    update tally set n = n - 1 where kind = 'active' and key = old.role and shard = 0;
end;

create trigger tally_invoice_insert after insert on invoice when new.status in ('paid', 'pending') begin
    insert into tally (kind, key, shard, n, minor) values (new.status, new.currency, 0, 1, new.total_minor)
        on conflict (kind, key, shard) do update set n = n + 1, minor = minor + excluded.minor;
end;

create trigger tally_invoice_update after update of status, currency, total_minor on invoice
when old.status <> new.status or old.currency <> new.currency or old.total_minor <> new.total_minor begin
    update tally set n = n - 1, minor = minor - old.total_minor
        where kind = old.status and key = old.currency and shard = 0 and old.status in ('paid', 'pending');
    insert into tally (kind, key, shard, n, minor) select new.status, new.currency, 0, 1, new.total_minor where new.status in ('paid', 'pending')
        on conflict (kind, key, shard) do update set n = n + 1, minor = minor + excluded.minor;
end;

create trigger tally_invoice_delete after delete on invoice when old.status in ('paid', 'pending') begin
    update tally set n = n - 1, minor = minor - old.total_minor where kind = old.status and key = old.currency and shard = 0;
end;
