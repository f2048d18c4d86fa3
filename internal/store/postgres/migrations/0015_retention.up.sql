-- Retention and erasure (RT-01..RT-08, R-04, R-05). None of these tables
-- holds personal data: contacts are named by their pseudonymous id.
--
-- Why a number's suppression token was kept when its contact was erased
-- (RT-05: an objector is never messaged again); '' until then.
ALTER TABLE suppressions ADD COLUMN kept TEXT NOT NULL DEFAULT '';
-- statement
-- Tasks for the data protection officer: tell a processor where it may
-- still hold an erased person's data (R-05, Art. 19). done_at 0: open.
CREATE TABLE processor_tasks (
	id TEXT PRIMARY KEY,
	processor TEXT NOT NULL,
	contact_id TEXT NOT NULL,
	created_at BIGINT NOT NULL,
	messages BIGINT NOT NULL,
	last_message_at BIGINT NOT NULL,
	held_until BIGINT NOT NULL,
	instructions TEXT NOT NULL,
	done_at BIGINT NOT NULL,
	done_by TEXT NOT NULL,
	note TEXT NOT NULL
);
-- statement
CREATE INDEX processor_tasks_open ON processor_tasks (done_at, created_at);
-- statement
-- Every deletion the retention rules make, and every erasure on request:
-- the class of data, the rule (with its period), the count and the time.
-- Append-only, like the ledger.
CREATE TABLE retention_log (
	id TEXT PRIMARY KEY,
	at BIGINT NOT NULL,
	class TEXT NOT NULL,
	rule TEXT NOT NULL,
	days INTEGER NOT NULL,
	count BIGINT NOT NULL
);
-- statement
CREATE INDEX retention_log_at ON retention_log (at, id);
-- statement
CREATE TRIGGER retention_log_append_only BEFORE UPDATE OR DELETE ON retention_log
FOR EACH ROW EXECUTE FUNCTION samtykke_refuse('retention_log is append-only');
-- statement
CREATE TRIGGER retention_log_no_truncate BEFORE TRUNCATE ON retention_log
FOR EACH STATEMENT EXECUTE FUNCTION samtykke_refuse('retention_log is append-only');
-- statement
-- The active consents with a refresh date, for the daily expiry (C-10).
CREATE INDEX consent_states_refresh ON consent_states (valid_until) WHERE status = 'active' AND valid_until > 0;
-- statement
-- The access log by time, for its retention.
CREATE INDEX access_log_at ON access_log (at);
