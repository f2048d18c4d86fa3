-- Compliance audits (S-04, P-07): every report, whole, as JSON, with when it
-- ran, who ran it, how long it took and how many checks passed, warned and
-- failed. A report names records only by pseudonymous id: no personal data.
-- Append-only: a report is evidence of what was found when.
CREATE TABLE audits (
	id TEXT PRIMARY KEY,
	at BIGINT NOT NULL,
	actor TEXT NOT NULL,
	duration_us BIGINT NOT NULL,
	passed INTEGER NOT NULL,
	warned INTEGER NOT NULL,
	failed INTEGER NOT NULL,
	body TEXT NOT NULL
);
-- statement
CREATE INDEX audits_at ON audits (at, id);
-- statement
CREATE TRIGGER audits_append_only BEFORE UPDATE OR DELETE ON audits
FOR EACH ROW EXECUTE FUNCTION samtykke_refuse('audits is append-only');
-- statement
CREATE TRIGGER audits_no_truncate BEFORE TRUNCATE ON audits
FOR EACH STATEMENT EXECUTE FUNCTION samtykke_refuse('audits is append-only');
-- statement
-- How long each opt-out written on WhatsApp (a keyword, the opt-out button,
-- the platform's marketing stop) took to take effect (C-05, K-06): from the
-- receipt of its webhook body to the transaction that committed the
-- withdrawal or suppression. Written in that transaction; via, the trigger, is
-- one of a fixed set (app.Triggers). No contact id, no number.
CREATE TABLE optout_timings (
	id TEXT PRIMARY KEY,
	received_at BIGINT NOT NULL,
	committed_at BIGINT NOT NULL,
	via TEXT NOT NULL
);
-- statement
CREATE INDEX optout_timings_committed ON optout_timings (committed_at);
