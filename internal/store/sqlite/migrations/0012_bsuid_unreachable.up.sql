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
-- statement
-- How many times in a row the platform could not deliver to a contact's
-- number (131026), with nothing delivered between (P-04): from 2 on
-- (contact.UnreachableAfter) the gate refuses WhatsApp messages as
-- "unreachable". A message delivered or read, or one from the person, sets
-- it back to 0. The partial index holds the few contacts above 0: the reset
-- that every batch of delivered statuses asks for finds them there.
ALTER TABLE contacts ADD COLUMN undeliverable INTEGER NOT NULL DEFAULT 0;
-- statement
CREATE INDEX contacts_undeliverable ON contacts (id) WHERE undeliverable > 0;
