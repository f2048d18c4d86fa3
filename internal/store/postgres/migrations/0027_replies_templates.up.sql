-- The ordinary messages people send (issue 23), kept so that staff can
-- answer within the 24-hour service window: each with the keyword class
-- samtykke gave it (optout, optin, rights, none) and the end of its window.
-- The text and the sender's number are personal data: sealed together under
-- the contact's data key (contact_id set; gone with the key at erasure, and
-- the rows deleted), or under the master key when the sender is not a
-- contact (contact_id ''); sender_index is the number's keyed blind index
-- (NULL when the platform sent none), so that an erasure also finds what the
-- number wrote before it was a contact's. Deleted after the replies'
-- retention period.
CREATE TABLE replies (
	id TEXT PRIMARY KEY,
	contact_id TEXT NOT NULL,
	at BIGINT NOT NULL,
	window_ends BIGINT NOT NULL,
	sender_index BYTEA,
	class TEXT NOT NULL CHECK (class IN ('optout', 'optin', 'rights', 'none')),
	sealed BYTEA NOT NULL
);
-- statement
CREATE INDEX replies_contact ON replies (contact_id);
-- statement
CREATE INDEX replies_sender ON replies (sender_index);
-- statement
-- The platform's message templates (GET /{WABA-ID}/message_templates), one
-- row per name and language, as last synced, with what samtykke's checks of
-- a marketing template found (empty: none).
CREATE TABLE templates (
	name TEXT NOT NULL,
	language TEXT NOT NULL,
	platform_id TEXT NOT NULL,
	status TEXT NOT NULL,
	category TEXT NOT NULL,
	body TEXT NOT NULL,
	footer TEXT NOT NULL,
	opt_out_button BOOLEAN NOT NULL,
	problems TEXT NOT NULL,
	synced_at BIGINT NOT NULL,
	PRIMARY KEY (name, language)
);
