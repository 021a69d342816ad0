-- Every record that can be edited has a version: 1 when made, one more at each change. An update
-- names the version it replaces (`where version = $n - 1`), so a change decided on an older copy
-- is refused rather than kept, and clients can make their edits conditional (`If-Match`).
alter table account add column version integer not null default 1;
alter table doctor add column version integer not null default 1;
alter table patient add column version integer not null default 1;
alter table appointment add column version integer not null default 1;
alter table invoice add column version integer not null default 1;
