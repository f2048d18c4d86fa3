-- The DPIA (Art. 35): every saved version of the document, whole, as JSON
-- (no personal data: figures, texts and the risk register). Append-only:
-- an edit is a new version.
CREATE TABLE dpia_versions (
	version BIGINT PRIMARY KEY,
	at BIGINT NOT NULL,
	author TEXT NOT NULL,
	body TEXT NOT NULL
);
-- statement
CREATE TRIGGER dpia_versions_append_only BEFORE UPDATE OR DELETE ON dpia_versions
FOR EACH ROW EXECUTE FUNCTION samtykke_refuse('dpia_versions is append-only');
