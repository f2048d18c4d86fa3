-- A campaign's messages are written when they are decided, not expanded
-- ahead as queued rows. The primary key, the campaign's id and the contact's
-- (campaign:contact), is what keeps one message per contact and campaign; the
-- second unique index on the same pair only cost an index write per message.
DROP INDEX messages_campaign_contact;
-- statement
-- The audience walk: a purpose's states in contact order, with what the walk
-- filters on, so that a batch reads the index and no more.
CREATE INDEX consent_states_walk ON consent_states (purpose, contact_id, status, since);
-- statement
-- A campaign's audience is walked, not expanded.
ALTER TABLE campaigns RENAME COLUMN expanded TO walked;
