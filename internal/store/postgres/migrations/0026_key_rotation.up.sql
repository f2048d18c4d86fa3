-- The keyring (issue 22 point 4, S-01): every master key the data has been
-- sealed under, by id and fingerprint (never the key), with its role and
-- dates. One key is active; a retiring key still holds data a rotation is
-- moving to the active one; a retired key holds nothing. carried are the
-- keys a rotation keeps (suppression tokens, digests, links, forms), sealed
-- under the key (NULL for key 1, which derives them); the public signing
-- keys keep what an old key signed verifiable once it is gone.
CREATE TABLE vault_keys (
	id INTEGER PRIMARY KEY CHECK (id BETWEEN 1 AND 255),
	fingerprint BYTEA NOT NULL UNIQUE,
	role TEXT NOT NULL CHECK (role IN ('active', 'retiring', 'retired')),
	carried BYTEA,
	checkpoint_pub BYTEA,
	receipt_pub BYTEA,
	created_at BIGINT NOT NULL,
	retired_at BIGINT NOT NULL DEFAULT 0
);
-- statement
CREATE UNIQUE INDEX vault_keys_one_active ON vault_keys (role) WHERE role = 'active';
-- statement
INSERT INTO vault_keys (id, fingerprint, role, created_at)
	SELECT 1, fingerprint, 'active', created_at FROM key_check;
-- statement
-- The key a rotation last moved the contact to (its data key wrapped, its
-- number and BSUID indexed under it); 0: not since it was written.
ALTER TABLE contacts ADD COLUMN key_id BIGINT NOT NULL DEFAULT 0;
-- statement
CREATE INDEX contacts_key_id ON contacts (key_id);
