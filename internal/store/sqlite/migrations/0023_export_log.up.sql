-- The list and the suppression list leave samtykke as an export (issue 21):
-- each is one access-log entry (action 'export'), written before the first
-- row leaves and finished when the last has: what was exported (scope), how
-- many rows were written, and how it ended. An entry still 'started' is an
-- export whose process died mid-stream; row_count is NULL until the end.
ALTER TABLE access_log ADD COLUMN scope TEXT NOT NULL DEFAULT '';
-- statement
ALTER TABLE access_log ADD COLUMN row_count INTEGER;
-- statement
ALTER TABLE access_log ADD COLUMN outcome TEXT NOT NULL DEFAULT '';
-- statement
-- The exports, newest first, without an index on every access's action.
CREATE INDEX access_log_exports ON access_log (at) WHERE action = 'export';
