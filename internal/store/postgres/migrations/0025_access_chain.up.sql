-- The access log (invariant 6, issue 22 point 3) becomes append-only and one
-- hash chain, as the consent ledger is. Each entry is written once, then
-- sealed once, in the transaction that wrote it, with its place in the chain
-- (seq, from 1, in the order entries commit), the previous entry's hash and
-- its own (access.Entry.ComputeHash); after that it never changes. An
-- export's end is an entry of its own (action 'export_end', refers naming
-- the export's entry) instead of an update of the export's entry.
ALTER TABLE access_log ADD COLUMN refers TEXT NOT NULL DEFAULT '';
-- statement
ALTER TABLE access_log ADD COLUMN seq BIGINT;
-- statement
ALTER TABLE access_log ADD COLUMN prev_hash BYTEA;
-- statement
ALTER TABLE access_log ADD COLUMN hash BYTEA;
-- statement
CREATE UNIQUE INDEX access_log_seq ON access_log (seq);
-- statement
-- An export ends once.
CREATE UNIQUE INDEX access_log_export_end ON access_log (refers) WHERE action = 'export_end';
-- statement
-- The end of the chain: the last sealed entry's seq and hash. Sealing takes
-- this row's lock (several replicas write at once: one chain).
CREATE TABLE access_head (
	id INTEGER PRIMARY KEY CHECK (id = 1),
	seq BIGINT NOT NULL,
	hash BYTEA
);
-- statement
INSERT INTO access_head (id, seq, hash) VALUES (1, 0, NULL);
-- statement
CREATE TRIGGER access_head_no_delete BEFORE DELETE ON access_head
FOR EACH ROW EXECUTE FUNCTION samtykke_refuse('access_head is kept');
-- statement
CREATE TRIGGER access_head_no_truncate BEFORE TRUNCATE ON access_head
FOR EACH STATEMENT EXECUTE FUNCTION samtykke_refuse('access_head is kept');
-- statement
-- Where the kept chain starts after retention pruned an oldest prefix: the
-- seq and hash of the last entry pruned, and when. Append-only.
CREATE TABLE access_anchors (
	seq BIGINT PRIMARY KEY,
	hash BYTEA NOT NULL,
	at BIGINT NOT NULL
);
-- statement
CREATE TRIGGER access_anchors_append_only BEFORE UPDATE OR DELETE ON access_anchors
FOR EACH ROW EXECUTE FUNCTION samtykke_refuse('access_anchors is append-only');
-- statement
CREATE TRIGGER access_anchors_no_truncate BEFORE TRUNCATE ON access_anchors
FOR EACH STATEMENT EXECUTE FUNCTION samtykke_refuse('access_anchors is append-only');
-- statement
-- An entry is sealed once (its chain fields set, nothing else) and never
-- changed after; only the pruned prefix may go: entries at or before the
-- newest anchor.
CREATE FUNCTION samtykke_access_log_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'DELETE' THEN
		IF OLD.seq IS NOT NULL AND OLD.seq <= (SELECT coalesce(max(seq), 0) FROM access_anchors) THEN
			RETURN OLD;
		END IF;
		RAISE EXCEPTION 'access_log is append-only: only entries past retention, behind an anchor, are pruned'
			USING ERRCODE = 'restrict_violation';
	END IF;
	IF OLD.hash IS NULL AND NEW.hash IS NOT NULL AND NEW.seq IS NOT NULL
		AND (NEW.id, NEW.at, NEW.actor, NEW.action, NEW.contact_id, NEW.reason, NEW.request_id, NEW.scope, NEW.row_count,
			NEW.outcome, NEW.refers)
		IS NOT DISTINCT FROM (OLD.id, OLD.at, OLD.actor, OLD.action, OLD.contact_id, OLD.reason, OLD.request_id, OLD.scope,
			OLD.row_count, OLD.outcome, OLD.refers) THEN
		RETURN NEW;
	END IF;
	RAISE EXCEPTION 'access_log is append-only' USING ERRCODE = 'restrict_violation';
END $$;
-- statement
CREATE TRIGGER access_log_append_only BEFORE UPDATE OR DELETE ON access_log
FOR EACH ROW EXECUTE FUNCTION samtykke_access_log_guard();
-- statement
CREATE TRIGGER access_log_no_truncate BEFORE TRUNCATE ON access_log
FOR EACH STATEMENT EXECUTE FUNCTION samtykke_refuse('access_log is append-only');
-- statement
-- The daily checkpoint signs the access log's head too (seq 0 and no hash
-- in a checkpoint made before this migration, whose signature covers
-- neither).
ALTER TABLE ledger_checkpoints ADD COLUMN access_seq BIGINT NOT NULL DEFAULT 0;
-- statement
ALTER TABLE ledger_checkpoints ADD COLUMN access_hash BYTEA;
-- statement
-- go: seal access log
