-- An objection (STOPP, the opt-out button, the platform's stop) from a
-- person the platform names only by their business-scoped user id (BSUID:
-- people with a username, no number), who is on no contact: kept under a
-- keyed token of the BSUID (never the BSUID itself) until a message or a
-- status names that BSUID together with a number. Then the number is
-- suppressed as of at, the number's contact (if any) gets the objection in
-- its ledger, and linked_at records when (0: still waiting).
CREATE TABLE bsuid_objections (
	token TEXT PRIMARY KEY,
	reason TEXT NOT NULL,
	at INTEGER NOT NULL,
	linked_at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
