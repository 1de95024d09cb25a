-- Case numbers from a sequence: a counter row made every intake wait for the one before it to commit.
CREATE SEQUENCE case_numbers;
SELECT setval('case_numbers', (SELECT value FROM counters WHERE name = 'case') + 1, false);
