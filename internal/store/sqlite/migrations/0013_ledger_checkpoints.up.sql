-- Signed checkpoints over every chain (L-02, invariant 3): at a time, the
-- number of contacts with events and of their events, and a root hash over
-- each such contact's (id, head seq, head hash), signed with an Ed25519 key
-- derived from the master key (never stored here). heads holds what the root
-- covers, so that verification can name a contact whose events are gone.
-- Append-only, like the ledger.
CREATE TABLE ledger_checkpoints (
	at INTEGER PRIMARY KEY,
	contacts INTEGER NOT NULL,
	events INTEGER NOT NULL,
	root BLOB NOT NULL,
	public_key BLOB NOT NULL,
	signature BLOB NOT NULL,
	heads BLOB NOT NULL
) STRICT;
-- statement
CREATE TRIGGER ledger_checkpoints_no_update BEFORE UPDATE ON ledger_checkpoints
BEGIN SELECT RAISE(ABORT, 'ledger_checkpoints is append-only'); END;
-- statement
CREATE TRIGGER ledger_checkpoints_no_delete BEFORE DELETE ON ledger_checkpoints
BEGIN SELECT RAISE(ABORT, 'ledger_checkpoints is append-only'); END;
