-- Signed checkpoints over every chain (L-02, invariant 3): at a time, the
-- number of contacts with events and of their events, and a root hash over
-- each such contact's (id, head seq, head hash), signed with an Ed25519 key
-- derived from the master key (never stored here). heads holds what the root
-- covers, so that verification can name a contact whose events are gone.
-- Append-only, like the ledger.
CREATE TABLE ledger_checkpoints (
	at BIGINT PRIMARY KEY,
	contacts BIGINT NOT NULL,
	events BIGINT NOT NULL,
	root BYTEA NOT NULL,
	public_key BYTEA NOT NULL,
	signature BYTEA NOT NULL,
	heads BYTEA NOT NULL
);
-- statement
CREATE TRIGGER ledger_checkpoints_append_only BEFORE UPDATE OR DELETE ON ledger_checkpoints
FOR EACH ROW EXECUTE FUNCTION samtykke_refuse('ledger_checkpoints is append-only');
-- statement
CREATE TRIGGER ledger_checkpoints_no_truncate BEFORE TRUNCATE ON ledger_checkpoints
FOR EACH STATEMENT EXECUTE FUNCTION samtykke_refuse('ledger_checkpoints is append-only');
