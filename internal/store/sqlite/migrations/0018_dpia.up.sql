-- The DPIA (Art. 35): every saved version of the document, whole, as JSON
-- (no personal data: figures, texts and the risk register). Append-only:
-- an edit is a new version.
CREATE TABLE dpia_versions (
	version INTEGER PRIMARY KEY,
	at INTEGER NOT NULL,
	author TEXT NOT NULL,
	body TEXT NOT NULL
) STRICT;
-- statement
CREATE TRIGGER dpia_versions_no_update BEFORE UPDATE ON dpia_versions
BEGIN SELECT RAISE(ABORT, 'dpia_versions is append-only'); END;
-- statement
CREATE TRIGGER dpia_versions_no_delete BEFORE DELETE ON dpia_versions
BEGIN SELECT RAISE(ABORT, 'dpia_versions is append-only'); END;
