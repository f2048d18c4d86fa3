-- Staff accounts for the admin UI (issue 22 point 1, S-02): a password kept
-- as an argon2id PHC string, a TOTP secret sealed under the vault (purpose
-- "totp:<user id>") with the last step a code was accepted for (a code is
-- used once), and the failed-login count and lock that hold on every
-- replica. Times are microseconds since the epoch; 0 is never.
CREATE TABLE staff_users (
	id TEXT PRIMARY KEY,
	name TEXT NOT NULL UNIQUE,
	role TEXT NOT NULL,
	password_hash TEXT NOT NULL,
	totp_sealed BYTEA,
	totp_confirmed_at BIGINT NOT NULL DEFAULT 0,
	totp_step BIGINT NOT NULL DEFAULT 0,
	created_at BIGINT NOT NULL,
	disabled_at BIGINT NOT NULL DEFAULT 0,
	last_login_at BIGINT NOT NULL DEFAULT 0,
	failed_logins BIGINT NOT NULL DEFAULT 0,
	locked_until BIGINT NOT NULL DEFAULT 0
);
-- statement
-- A session is the hash of its cookie's secret, never the secret; each
-- request reads its row and its user's, so a logout or a disabled user is
-- refused at once on every replica.
CREATE TABLE staff_sessions (
	id TEXT PRIMARY KEY,
	user_id TEXT NOT NULL REFERENCES staff_users (id),
	hash BYTEA NOT NULL UNIQUE,
	stage TEXT NOT NULL,
	created_at BIGINT NOT NULL,
	last_seen BIGINT NOT NULL,
	expires_at BIGINT NOT NULL
);
-- statement
CREATE INDEX staff_sessions_user ON staff_sessions (user_id);
-- statement
CREATE INDEX staff_sessions_expiry ON staff_sessions (expires_at);
-- statement
-- The login log: every attempt, success, failure, lockout and logout, for
-- the DPO to read. Never a password or a code; the name only when it is a
-- user's (a password typed into the name field is not kept).
CREATE TABLE staff_logins (
	id TEXT PRIMARY KEY,
	at BIGINT NOT NULL,
	name TEXT NOT NULL,
	user_id TEXT NOT NULL,
	ip TEXT NOT NULL,
	outcome TEXT NOT NULL
);
-- statement
CREATE INDEX staff_logins_at ON staff_logins (at);
