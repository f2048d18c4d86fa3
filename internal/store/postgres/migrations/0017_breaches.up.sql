-- The breach register (GDPR Art. 33(5), B-01..B-05): every personal data
-- breach, notified or not, with the moment the controller became aware and
-- the 72-hour deadline that runs from it (deadline_at, for the counts of
-- /metrics). No personal data: people are counted, never named; lists and
-- the texts people are told are JSON. Times are Unix microseconds (0 = none).
CREATE TABLE breaches (
	id TEXT PRIMARY KEY,
	title TEXT NOT NULL,
	description TEXT NOT NULL,
	cause TEXT NOT NULL,
	source TEXT NOT NULL,
	categories TEXT NOT NULL,
	occurred_at BIGINT NOT NULL,
	occurred_until BIGINT NOT NULL,
	discovered_at BIGINT NOT NULL,
	aware_at BIGINT NOT NULL,
	deadline_at BIGINT NOT NULL,
	data_categories TEXT NOT NULL,
	people_categories TEXT NOT NULL,
	people_approx BIGINT NOT NULL,
	records_approx BIGINT NOT NULL,
	data_location TEXT NOT NULL,
	consequences TEXT NOT NULL,
	measures_taken TEXT NOT NULL,
	measures_proposed TEXT NOT NULL,
	risk TEXT NOT NULL,
	risk_reason TEXT NOT NULL,
	notified_at BIGINT NOT NULL,
	reference TEXT NOT NULL,
	delay_reason TEXT NOT NULL,
	exemption TEXT NOT NULL,
	contact_point TEXT NOT NULL,
	people_notice TEXT NOT NULL,
	state TEXT NOT NULL,
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL,
	closed_at BIGINT NOT NULL,
	created_by TEXT NOT NULL
);
-- statement
CREATE INDEX breaches_aware ON breaches (aware_at);
-- statement
-- The register keeps every breach (Art. 33(5)).
CREATE TRIGGER breaches_no_delete BEFORE DELETE ON breaches
FOR EACH ROW EXECUTE FUNCTION samtykke_refuse('the breach register keeps every breach');
-- statement
CREATE TRIGGER breaches_no_truncate BEFORE TRUNCATE ON breaches
FOR EACH STATEMENT EXECUTE FUNCTION samtykke_refuse('the breach register keeps every breach');
-- statement
-- Every step of a breach's handling: who, when, what. Append-only.
CREATE TABLE breach_steps (
	id TEXT PRIMARY KEY,
	breach_id TEXT NOT NULL REFERENCES breaches (id),
	at BIGINT NOT NULL,
	actor TEXT NOT NULL,
	action TEXT NOT NULL,
	note TEXT NOT NULL
);
-- statement
CREATE INDEX breach_steps_breach ON breach_steps (breach_id, at);
-- statement
CREATE TRIGGER breach_steps_append_only BEFORE UPDATE OR DELETE ON breach_steps
FOR EACH ROW EXECUTE FUNCTION samtykke_refuse('breach_steps is append-only');
-- statement
CREATE TRIGGER breach_steps_no_truncate BEFORE TRUNCATE ON breach_steps
FOR EACH STATEMENT EXECUTE FUNCTION samtykke_refuse('breach_steps is append-only');
-- statement
-- Who was told of a breach (Art. 34), when, in which language, and the
-- WhatsApp message that told them; or why they could not be told this way
-- (outcome suppressed or erased). One row a person and breach. The contact
-- is named by its pseudonymous id, which outlives its personal data.
CREATE TABLE breach_notices (
	breach_id TEXT NOT NULL REFERENCES breaches (id),
	contact_id TEXT NOT NULL,
	at BIGINT NOT NULL,
	language TEXT NOT NULL,
	outcome TEXT NOT NULL,
	message_id TEXT NOT NULL,
	actor TEXT NOT NULL,
	PRIMARY KEY (breach_id, contact_id)
);
