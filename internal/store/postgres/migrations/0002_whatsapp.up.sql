-- WhatsApp channel: outbound messages, the webhook inbox, pending opt-in
-- confirmations, rate limits, and the platform's business-scoped user id.
ALTER TABLE contacts ADD COLUMN bsuid_ct BYTEA;
-- statement
ALTER TABLE contacts ADD COLUMN bsuid_index BYTEA;
-- statement
CREATE UNIQUE INDEX contacts_bsuid_index ON contacts (bsuid_index);
-- statement
CREATE TABLE messages (
	id TEXT PRIMARY KEY,
	contact_id TEXT NOT NULL REFERENCES contacts (id),
	kind TEXT NOT NULL,
	purpose TEXT NOT NULL,
	consent_event_id TEXT NOT NULL,
	body_key TEXT NOT NULL,
	wamid TEXT,
	status TEXT NOT NULL,
	error_code BIGINT NOT NULL,
	error_title TEXT NOT NULL,
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL
);
-- statement
CREATE UNIQUE INDEX messages_wamid ON messages (wamid) WHERE wamid IS NOT NULL;
-- statement
CREATE INDEX messages_contact_kind ON messages (contact_id, kind, created_at);
-- statement
CREATE TABLE webhook_inbox (
	id TEXT PRIMARY KEY,
	digest BYTEA NOT NULL UNIQUE,
	received_at BIGINT NOT NULL,
	body_ct BYTEA NOT NULL,
	processed_at BIGINT NOT NULL
);
-- statement
CREATE INDEX webhook_inbox_pending ON webhook_inbox (processed_at, id);
-- statement
CREATE TABLE webhook_seen (
	key TEXT PRIMARY KEY,
	at BIGINT NOT NULL
);
-- statement
CREATE TABLE confirmations (
	id TEXT PRIMARY KEY,
	contact_id TEXT NOT NULL REFERENCES contacts (id),
	code_hash BYTEA NOT NULL UNIQUE,
	purposes TEXT NOT NULL,
	language TEXT NOT NULL,
	created_at BIGINT NOT NULL,
	expires_at BIGINT NOT NULL,
	confirmed_at BIGINT NOT NULL
);
-- statement
CREATE INDEX confirmations_contact ON confirmations (contact_id);
-- statement
CREATE INDEX confirmations_expires ON confirmations (expires_at);
-- statement
CREATE TABLE rate_limits (
	key TEXT PRIMARY KEY,
	window_start BIGINT NOT NULL,
	count BIGINT NOT NULL
);
