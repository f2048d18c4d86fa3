-- samtykke schema for SQLite. Times are Unix microseconds UTC (0 = none).
-- Personal data lives only in *_ct columns, sealed under a per-contact key.
CREATE TABLE purposes (
	key TEXT PRIMARY KEY,
	channel TEXT NOT NULL,
	legal_basis TEXT NOT NULL,
	description_nb TEXT NOT NULL,
	description_en TEXT NOT NULL,
	retention_days INTEGER NOT NULL,
	refresh_days INTEGER NOT NULL,
	fields TEXT NOT NULL,
	created_at INTEGER NOT NULL
) STRICT;
-- statement
CREATE TABLE notices (
	id TEXT PRIMARY KEY,
	language TEXT NOT NULL,
	version INTEGER NOT NULL,
	summary TEXT NOT NULL,
	sections TEXT NOT NULL,
	hash TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	published_at INTEGER NOT NULL
) STRICT;
-- statement
CREATE UNIQUE INDEX notices_language_version ON notices (language, version) WHERE version > 0;
-- statement
-- A published notice is immutable (T-01).
CREATE TRIGGER notices_immutable BEFORE UPDATE ON notices WHEN OLD.version > 0
BEGIN SELECT RAISE(ABORT, 'a published notice is immutable'); END;
-- statement
CREATE TRIGGER notices_no_delete BEFORE DELETE ON notices WHEN OLD.version > 0
BEGIN SELECT RAISE(ABORT, 'a published notice is immutable'); END;
-- statement
CREATE TABLE contacts (
	id TEXT PRIMARY KEY,
	phone_ct BLOB,
	blind_index BLOB UNIQUE,
	region TEXT NOT NULL,
	mobile INTEGER NOT NULL,
	language TEXT NOT NULL,
	fields_ct BLOB,
	restricted INTEGER NOT NULL,
	created_at INTEGER NOT NULL,
	erased_at INTEGER NOT NULL,
	head_seq INTEGER NOT NULL,
	head_hash BLOB
) STRICT;
-- statement
-- Deleting a contact's wrapped key erases its data for good (crypto-shredding).
CREATE TABLE contact_keys (
	contact_id TEXT PRIMARY KEY REFERENCES contacts (id),
	wrapped BLOB NOT NULL
) STRICT;
-- statement
CREATE TABLE consent_events (
	id TEXT PRIMARY KEY,
	contact_id TEXT NOT NULL REFERENCES contacts (id),
	seq INTEGER NOT NULL,
	kind TEXT NOT NULL,
	purpose TEXT NOT NULL,
	channel TEXT NOT NULL,
	at INTEGER NOT NULL,
	method TEXT NOT NULL,
	source TEXT NOT NULL,
	actor TEXT NOT NULL,
	valid_until INTEGER NOT NULL,
	age_confirmed INTEGER NOT NULL,
	evidence_digest BLOB NOT NULL,
	prev_hash BLOB,
	hash BLOB NOT NULL,
	evidence_ct BLOB,
	UNIQUE (contact_id, seq)
) STRICT;
-- statement
-- The ledger is append-only (L-01, invariant 3).
CREATE TRIGGER consent_events_no_update BEFORE UPDATE ON consent_events
BEGIN SELECT RAISE(ABORT, 'consent_events is append-only'); END;
-- statement
CREATE TRIGGER consent_events_no_delete BEFORE DELETE ON consent_events
BEGIN SELECT RAISE(ABORT, 'consent_events is append-only'); END;
-- statement
CREATE TABLE consent_states (
	contact_id TEXT NOT NULL REFERENCES contacts (id),
	purpose TEXT NOT NULL,
	status TEXT NOT NULL,
	event_id TEXT NOT NULL,
	since INTEGER NOT NULL,
	valid_until INTEGER NOT NULL,
	age_ok INTEGER NOT NULL,
	basis TEXT NOT NULL,
	PRIMARY KEY (contact_id, purpose)
) STRICT, WITHOUT ROWID;
-- statement
CREATE INDEX consent_states_purpose_status ON consent_states (purpose, status, contact_id);
-- statement
CREATE TABLE suppressions (
	token BLOB PRIMARY KEY,
	reason TEXT NOT NULL,
	at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
-- statement
CREATE TABLE api_tokens (
	id TEXT PRIMARY KEY,
	name TEXT NOT NULL,
	role TEXT NOT NULL,
	hash BLOB NOT NULL UNIQUE,
	created_at INTEGER NOT NULL,
	revoked_at INTEGER NOT NULL
) STRICT;
-- statement
CREATE TABLE access_log (
	id TEXT PRIMARY KEY,
	at INTEGER NOT NULL,
	actor TEXT NOT NULL,
	action TEXT NOT NULL,
	contact_id TEXT NOT NULL,
	reason TEXT NOT NULL,
	request_id TEXT NOT NULL
) STRICT;
-- statement
CREATE INDEX access_log_contact ON access_log (contact_id, at);
