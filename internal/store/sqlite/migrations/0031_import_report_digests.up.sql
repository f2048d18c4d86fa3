-- An imported row's report lives with its digest (issue 21 point 4): the
-- import and line it came from and its reason (the consent's kind), so that
-- an imported row writes one row, not a digest and a report row. The report
-- (ImportReport) is import_rows, now the rows not imported, and these, in
-- line order, each side read by its index (a plain one: a partial index's
-- condition is not proven for a parameter, and the read would scan). Digests
-- from before keep an empty import_id: their rows are in import_rows.
ALTER TABLE import_digests ADD COLUMN import_id TEXT NOT NULL DEFAULT '';
-- statement
ALTER TABLE import_digests ADD COLUMN line INTEGER NOT NULL DEFAULT 0;
-- statement
ALTER TABLE import_digests ADD COLUMN reason TEXT NOT NULL DEFAULT '';
-- statement
CREATE INDEX import_digests_report ON import_digests (import_id, line);
