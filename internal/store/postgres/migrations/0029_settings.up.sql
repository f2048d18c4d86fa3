-- Settings an operator makes in the staff pages rather than in the
-- environment (STYLE E): today the controller's details given at the first
-- run (issue 23 point 2), as JSON under the key 'controller'. They hold no
-- personal data of the people on the list, and no secret.
CREATE TABLE settings (
	key TEXT PRIMARY KEY,
	value TEXT NOT NULL,
	updated_at BIGINT NOT NULL,
	updated_by TEXT NOT NULL
);
