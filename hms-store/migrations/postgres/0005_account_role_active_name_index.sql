-- Lists of doctors and of patients read one role's active accounts in name order; with `active`
-- in the index, counting them and walking them need no table reads.
drop index account_role_name_idx;
create index account_role_active_name_idx on account (role, active, full_name, id);
