-- The access log (invariant 6, issue 22 point 3) becomes append-only and one
-- hash chain, as the consent ledger is. Each entry is written once, then
-- sealed once, in the transaction that wrote it, with its place in the chain
-- (seq, from 1, in the order entries commit), the previous entry's hash and
-- its own (access.Entry.ComputeHash); after that it never changes. An
-- export's end is an entry of its own (action 'export_end', refers naming
-- the export's entry) instead of an update of the export's entry.
ALTER TABLE access_log ADD COLUMN refers TEXT NOT NULL DEFAULT '';
-- statement
ALTER TABLE access_log ADD COLUMN seq INTEGER;
-- statement
ALTER TABLE access_log ADD COLUMN prev_hash BLOB;
-- statement
ALTER TABLE access_log ADD COLUMN hash BLOB;
-- statement
CREATE UNIQUE INDEX access_log_seq ON access_log (seq);
-- statement
-- An export ends once.
CREATE UNIQUE INDEX access_log_export_end ON access_log (refers) WHERE action = 'export_end';
-- statement
-- The end of the chain: the last sealed entry's seq and hash. Sealing takes
-- this row's lock (several replicas write at once on PostgreSQL: one chain).
CREATE TABLE access_head (
	id INTEGER PRIMARY KEY CHECK (id = 1),
	seq INTEGER NOT NULL,
	hash BLOB
) STRICT;
-- statement
INSERT INTO access_head (id, seq, hash) VALUES (1, 0, NULL);
-- statement
CREATE TRIGGER access_head_no_delete BEFORE DELETE ON access_head
BEGIN SELECT RAISE(ABORT, 'access_head is kept'); END;
-- statement
-- Where the kept chain starts after retention pruned an oldest prefix: the
-- seq and hash of the last entry pruned, and when. Append-only.
CREATE TABLE access_anchors (
	seq INTEGER PRIMARY KEY,
	hash BLOB NOT NULL,
	at INTEGER NOT NULL
) STRICT;
-- statement
CREATE TRIGGER access_anchors_no_update BEFORE UPDATE ON access_anchors
BEGIN SELECT RAISE(ABORT, 'access_anchors is append-only'); END;
-- statement
CREATE TRIGGER access_anchors_no_delete BEFORE DELETE ON access_anchors
BEGIN SELECT RAISE(ABORT, 'access_anchors is append-only'); END;
-- statement
-- An entry is sealed once (its chain fields set, nothing else) and never
-- changed after.
CREATE TRIGGER access_log_no_update BEFORE UPDATE ON access_log
WHEN OLD.hash IS NOT NULL OR NEW.hash IS NULL OR NEW.seq IS NULL
	OR NEW.id IS NOT OLD.id OR NEW.at IS NOT OLD.at OR NEW.actor IS NOT OLD.actor OR NEW.action IS NOT OLD.action
	OR NEW.contact_id IS NOT OLD.contact_id OR NEW.reason IS NOT OLD.reason OR NEW.request_id IS NOT OLD.request_id
	OR NEW.scope IS NOT OLD.scope OR NEW.row_count IS NOT OLD.row_count OR NEW.outcome IS NOT OLD.outcome
	OR NEW.refers IS NOT OLD.refers
BEGIN SELECT RAISE(ABORT, 'access_log is append-only'); END;
-- statement
-- Only the pruned prefix may go: entries at or before the newest anchor.
CREATE TRIGGER access_log_no_delete BEFORE DELETE ON access_log
WHEN OLD.seq IS NULL OR OLD.seq > (SELECT coalesce(max(seq), 0) FROM access_anchors)
BEGIN SELECT RAISE(ABORT, 'access_log is append-only: only entries past retention, behind an anchor, are pruned'); END;
-- statement
-- The daily checkpoint signs the access log's head too (seq 0 and no hash
-- in a checkpoint made before this migration, whose signature covers
-- neither).
ALTER TABLE ledger_checkpoints ADD COLUMN access_seq INTEGER NOT NULL DEFAULT 0;
-- statement
ALTER TABLE ledger_checkpoints ADD COLUMN access_hash BLOB;
-- statement
-- go: seal access log
