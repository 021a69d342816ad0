-- The dashboard's figures are rewritten by every booking, and each update leaves the row's old
-- version behind until a vacuum. Filled full, a page has no room for the new version, so it goes
-- to another page, with a new index entry, and the tables and their indexes grow by thousands of
-- dead versions a minute under load, which every read of the figures then steps over (the
-- busiest-doctors read went from 2 to 7 ms after 13,000 bookings). Half-empty pages keep each
-- new version on its page (a heap-only update, no new index entry, pruned as the page is
-- read), and a vacuum after every thousand dead versions, not a fifth of the table, keeps them
-- few. The tables hold a few thousand rows: both cost little.
alter table tally set (fillfactor = 50, autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 1000);
alter table doctor_tally set (fillfactor = 50, autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 1000);
alter table start_tally set (fillfactor = 50, autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 1000);
