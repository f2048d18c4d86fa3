-- samtykke schema for PostgreSQL. Times are Unix microseconds UTC (0 = none),
-- as on SQLite, so that both backends share their SQL.
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
	created_at BIGINT NOT NULL
);
-- statement
CREATE TABLE notices (
	id TEXT PRIMARY KEY,
	language TEXT NOT NULL,
	version INTEGER NOT NULL,
	summary TEXT NOT NULL,
	sections TEXT NOT NULL,
	hash TEXT NOT NULL,
	created_at BIGINT NOT NULL,
	published_at BIGINT NOT NULL
);
-- statement
CREATE UNIQUE INDEX notices_language_version ON notices (language, version) WHERE version > 0;
-- statement
CREATE FUNCTION samtykke_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION '%', TG_ARGV[0] USING ERRCODE = 'restrict_violation';
END $$;
-- statement
-- A published notice is immutable (T-01).
CREATE TRIGGER notices_immutable BEFORE UPDATE OR DELETE ON notices
FOR EACH ROW WHEN (OLD.version > 0) EXECUTE FUNCTION samtykke_refuse('a published notice is immutable');
-- statement
CREATE TABLE contacts (
	id TEXT PRIMARY KEY,
	phone_ct BYTEA,
	blind_index BYTEA UNIQUE,
	region TEXT NOT NULL,
	mobile BOOLEAN NOT NULL,
	language TEXT NOT NULL,
	fields_ct BYTEA,
	restricted BOOLEAN NOT NULL,
	created_at BIGINT NOT NULL,
	erased_at BIGINT NOT NULL,
	head_seq BIGINT NOT NULL,
	head_hash BYTEA
);
-- statement
-- Deleting a contact's wrapped key erases its data for good (crypto-shredding).
CREATE TABLE contact_keys (
	contact_id TEXT PRIMARY KEY REFERENCES contacts (id),
	wrapped BYTEA NOT NULL
);
-- statement
CREATE TABLE consent_events (
	id TEXT PRIMARY KEY,
	contact_id TEXT NOT NULL REFERENCES contacts (id),
	seq BIGINT NOT NULL,
	kind TEXT NOT NULL,
	purpose TEXT NOT NULL,
	channel TEXT NOT NULL,
	at BIGINT NOT NULL,
	method TEXT NOT NULL,
	source TEXT NOT NULL,
	actor TEXT NOT NULL,
	valid_until BIGINT NOT NULL,
	age_confirmed BOOLEAN NOT NULL,
	evidence_digest BYTEA NOT NULL,
	prev_hash BYTEA,
	hash BYTEA NOT NULL,
	evidence_ct BYTEA,
	UNIQUE (contact_id, seq)
);
-- statement
-- The ledger is append-only (L-01, invariant 3).
CREATE TRIGGER consent_events_append_only BEFORE UPDATE OR DELETE ON consent_events
FOR EACH ROW EXECUTE FUNCTION samtykke_refuse('consent_events is append-only');
-- statement
CREATE TRIGGER consent_events_no_truncate BEFORE TRUNCATE ON consent_events
FOR EACH STATEMENT EXECUTE FUNCTION samtykke_refuse('consent_events is append-only');
-- statement
CREATE TABLE consent_states (
	contact_id TEXT NOT NULL REFERENCES contacts (id),
	purpose TEXT NOT NULL,
	status TEXT NOT NULL,
	event_id TEXT NOT NULL,
	since BIGINT NOT NULL,
	valid_until BIGINT NOT NULL,
	age_ok BOOLEAN NOT NULL,
	basis TEXT NOT NULL,
	PRIMARY KEY (contact_id, purpose)
);
-- statement
CREATE INDEX consent_states_purpose_status ON consent_states (purpose, status, contact_id);
-- statement
CREATE TABLE suppressions (
	token BYTEA PRIMARY KEY,
	reason TEXT NOT NULL,
	at BIGINT NOT NULL
);
-- statement
CREATE TABLE api_tokens (
	id TEXT PRIMARY KEY,
	name TEXT NOT NULL,
	role TEXT NOT NULL,
	hash BYTEA NOT NULL UNIQUE,
	created_at BIGINT NOT NULL,
	revoked_at BIGINT NOT NULL
);
-- statement
CREATE TABLE access_log (
	id TEXT PRIMARY KEY,
	at BIGINT NOT NULL,
	actor TEXT NOT NULL,
	action TEXT NOT NULL,
	contact_id TEXT NOT NULL,
	reason TEXT NOT NULL,
	request_id TEXT NOT NULL
);
-- statement
CREATE INDEX access_log_contact ON access_log (contact_id, at);
