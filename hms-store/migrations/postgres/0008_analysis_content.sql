-- The SHA-256 of the content an analysis read (the prescription's content and the patient's
-- clinical details): a stored analysis is reused only for exactly that content. Older analyses
-- have none and are never reused.
alter table prescription_analysis add column content_sha256 text;
