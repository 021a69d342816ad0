-- Lists of doctors and of patients walk one role's accounts in name order.
create index account_role_name_idx on account (role, full_name, id);
