-- What the prescription checks read beyond allergies and conditions: the day a patient was last
-- recorded as pregnant, and the latest eGFR (mL/min/1.73 m²) with the day it was measured.
alter table patient add column pregnancy_noted_on text;
alter table patient add column egfr integer check (egfr is null or egfr between 1 and 250);
alter table patient add column egfr_measured_on text check ((egfr is null) = (egfr_measured_on is null));
