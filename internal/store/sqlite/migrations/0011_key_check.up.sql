-- The fingerprint of the master key the data is sealed under (invariant 10):
-- every start compares the key it was given with it and refuses to run on a
-- key that does not open the data. One row; a keyed hash, not the key.
CREATE TABLE key_check (
	id INTEGER PRIMARY KEY CHECK (id = 1),
	fingerprint BLOB NOT NULL,
	created_at INTEGER NOT NULL
) STRICT;
