-- The heads a checkpoint covers (L-02) move to a table of their own, kept
-- for the newest checkpoint only: a checkpoint is made every day, and its
-- heads take about 80 bytes a contact, so keeping every day's would grow
-- without end. The checkpoint rows (time, counts, root, signature) stay,
-- append-only; a new row's heads column is left empty. Removing the newest
-- heads is found by verification: they no longer hash to the signed root.
CREATE TABLE ledger_checkpoint_heads (
	at BIGINT PRIMARY KEY REFERENCES ledger_checkpoints (at),
	heads BYTEA NOT NULL
);
-- statement
INSERT INTO ledger_checkpoint_heads (at, heads)
SELECT at, heads FROM ledger_checkpoints ORDER BY at DESC LIMIT 1;
