-- Compliance audits (S-04, P-07): every report, whole, as JSON, with when it
-- ran, who ran it, how long it took and how many checks passed, warned and
-- failed. A report names records only by pseudonymous id: no personal data.
-- Append-only: a report is evidence of what was found when.
CREATE TABLE audits (
	id TEXT PRIMARY KEY,
	at INTEGER NOT NULL,
	actor TEXT NOT NULL,
	duration_us INTEGER NOT NULL,
	passed INTEGER NOT NULL,
	warned INTEGER NOT NULL,
	failed INTEGER NOT NULL,
	body TEXT NOT NULL
) STRICT;
-- statement
CREATE INDEX audits_at ON audits (at, id);
-- statement
CREATE TRIGGER audits_no_update BEFORE UPDATE ON audits
BEGIN SELECT RAISE(ABORT, 'audits is append-only'); END;
-- statement
CREATE TRIGGER audits_no_delete BEFORE DELETE ON audits
BEGIN SELECT RAISE(ABORT, 'audits is append-only'); END;
-- statement
-- How long each opt-out written on WhatsApp (a keyword, the opt-out button,
-- the platform's marketing stop) took to take effect (C-05, K-06): from the
-- receipt of its webhook body to the transaction that committed the
-- withdrawal or suppression. Written in that transaction; via, the trigger, is
-- one of a fixed set (app.Triggers). No contact id, no number.
CREATE TABLE optout_timings (
	id TEXT PRIMARY KEY,
	received_at INTEGER NOT NULL,
	committed_at INTEGER NOT NULL,
	via TEXT NOT NULL
) STRICT;
-- statement
CREATE INDEX optout_timings_committed ON optout_timings (committed_at);
