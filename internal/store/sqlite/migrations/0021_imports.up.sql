-- Imports of consent lists (C-03, M-04, RT-05): each import, its per-row
-- report, the keyed digests of the rows imported (a re-import changes
-- nothing) and, for the API, the uploaded file sealed in chunks until the
-- job has read it.
CREATE TABLE imports (
	id TEXT PRIMARY KEY,
	purpose TEXT NOT NULL,
	mode TEXT NOT NULL,
	state TEXT NOT NULL,
	actor TEXT NOT NULL,
	source TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	finished_at INTEGER NOT NULL,
	line INTEGER NOT NULL,
	rows_done INTEGER NOT NULL,
	counts TEXT NOT NULL,
	error TEXT NOT NULL,
	bytes INTEGER NOT NULL,
	file_digest BLOB NOT NULL
) STRICT;
-- statement
CREATE INDEX imports_file ON imports (file_digest, purpose, state);
-- statement
CREATE TABLE import_rows (
	import_id TEXT NOT NULL REFERENCES imports (id),
	line INTEGER NOT NULL,
	outcome TEXT NOT NULL,
	reason TEXT NOT NULL,
	contact_id TEXT NOT NULL,
	PRIMARY KEY (import_id, line)
) STRICT;
-- statement
-- A keyed digest (HMAC) of a row's content with its number and purpose:
-- never the number. It stays after its contact is erased, so that the
-- same list imported again cannot bring the person back.
CREATE TABLE import_digests (
	digest BLOB PRIMARY KEY,
	contact_id TEXT NOT NULL
) STRICT;
-- statement
CREATE TABLE import_chunks (
	import_id TEXT NOT NULL REFERENCES imports (id),
	n INTEGER NOT NULL,
	body_ct BLOB NOT NULL,
	PRIMARY KEY (import_id, n)
) STRICT;
