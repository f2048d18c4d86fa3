-- Contact tags and the tags a campaign's audience is narrowed to. A contact
-- carries only tags declared in SAMTYKKE_TAGS (P-03): the app checks the
-- declaration, the database the form of a key ([a-z0-9][a-z0-9-]{0,31}).
-- Erasing a contact deletes its tags.
CREATE TABLE contact_tags (
	contact_id TEXT NOT NULL REFERENCES contacts (id),
	tag TEXT NOT NULL CHECK (length(tag) BETWEEN 1 AND 32 AND tag GLOB '[a-z0-9]*' AND tag NOT GLOB '*[^a-z0-9-]*'),
	PRIMARY KEY (contact_id, tag)
) STRICT, WITHOUT ROWID;
-- statement
-- Which contacts carry a tag.
CREATE INDEX contact_tags_tag ON contact_tags (tag, contact_id);
-- statement
-- A JSON list; an audience holds the contacts with any of them ('[]': everyone).
ALTER TABLE campaigns ADD COLUMN tags TEXT NOT NULL DEFAULT '[]';
