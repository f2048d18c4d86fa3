-- Every setting and lifting of a contact's restriction of processing (Art.
-- 18, R-06): by whom, when and why. contacts.restricted is the current
-- state, which the gate reads; these rows are its history. The reason is
-- checked text that names no number (access.CheckReason).
CREATE TABLE contact_restrictions (
	id TEXT PRIMARY KEY,
	contact_id TEXT NOT NULL REFERENCES contacts (id),
	restricted INTEGER NOT NULL,
	reason TEXT NOT NULL,
	actor TEXT NOT NULL,
	at INTEGER NOT NULL
) STRICT;
-- statement
CREATE INDEX contact_restrictions_contact ON contact_restrictions (contact_id, at);
-- statement
-- A new number waiting for its one-time code (R-03), one a contact: it
-- replaces the contact's number only when the code sent to it comes back.
-- The number is sealed under the contact's data key; blind_index finds the
-- change when the person writes the code from the new number; the code
-- itself is never stored, only its keyed hash. tries counts wrong codes.
CREATE TABLE number_changes (
	contact_id TEXT PRIMARY KEY REFERENCES contacts (id),
	id TEXT NOT NULL,
	phone_ct BLOB NOT NULL,
	blind_index BLOB NOT NULL,
	code_hash BLOB NOT NULL,
	source TEXT NOT NULL,
	tries INTEGER NOT NULL,
	created_at INTEGER NOT NULL,
	expires_at INTEGER NOT NULL
) STRICT;
-- statement
CREATE INDEX number_changes_blind_index ON number_changes (blind_index);
-- statement
CREATE INDEX number_changes_expires_at ON number_changes (expires_at);
