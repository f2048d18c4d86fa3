-- Rights requests (Arts. 12, 15-21; T-03, T-04): one row a request, named by
-- the contact's pseudonymous id ('' when no contact holds the number), with
-- its deadline and, while identity is unproven, the hash of the one-time
-- code sent to the number. No personal data in clear.
CREATE TABLE rights_requests (
	id TEXT PRIMARY KEY,
	type TEXT NOT NULL,
	contact_id TEXT NOT NULL,
	channel TEXT NOT NULL,
	via TEXT NOT NULL,
	language TEXT NOT NULL,
	state TEXT NOT NULL,
	received_at BIGINT NOT NULL,
	due_at BIGINT NOT NULL,
	extended_until BIGINT NOT NULL,
	extension_reason TEXT NOT NULL,
	told_at BIGINT NOT NULL,
	told_how TEXT NOT NULL,
	verified_at BIGINT NOT NULL,
	closed_at BIGINT NOT NULL,
	answer TEXT NOT NULL,
	created_by TEXT NOT NULL,
	code_hash BYTEA,
	code_expires BIGINT NOT NULL,
	code_tries BIGINT NOT NULL
);
-- statement
CREATE INDEX rights_requests_due ON rights_requests (state, due_at);
-- statement
CREATE INDEX rights_requests_contact ON rights_requests (contact_id);
-- statement
-- Every step of a request: who, when, what (no personal data).
CREATE TABLE rights_steps (
	id TEXT PRIMARY KEY,
	request_id TEXT NOT NULL REFERENCES rights_requests (id) ON DELETE CASCADE,
	at BIGINT NOT NULL,
	actor TEXT NOT NULL,
	action TEXT NOT NULL,
	note TEXT NOT NULL
);
-- statement
CREATE INDEX rights_steps_request ON rights_steps (request_id, at);
