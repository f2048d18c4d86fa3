-- Campaigns and their per-message state, and the token buckets that pace
-- each sending number across replicas.
CREATE TABLE campaigns (
	id TEXT PRIMARY KEY,
	name TEXT NOT NULL,
	purpose TEXT NOT NULL REFERENCES purposes (key),
	template TEXT NOT NULL,
	language TEXT NOT NULL,
	scheduled_at BIGINT NOT NULL,
	window_from TEXT NOT NULL,
	window_to TEXT NOT NULL,
	sender TEXT NOT NULL,
	status TEXT NOT NULL,
	audience BIGINT NOT NULL,
	expanded BOOLEAN NOT NULL,
	cursor TEXT NOT NULL,
	created_at BIGINT NOT NULL,
	started_at BIGINT NOT NULL,
	finished_at BIGINT NOT NULL
);
-- statement
ALTER TABLE messages ADD COLUMN campaign_id TEXT NOT NULL DEFAULT '';
-- statement
ALTER TABLE messages ADD COLUMN decided_at BIGINT NOT NULL DEFAULT 0;
-- statement
-- At most one message per contact and campaign, whatever crashes: the
-- platform has no idempotency key (reference §6).
CREATE UNIQUE INDEX messages_campaign_contact ON messages (campaign_id, contact_id) WHERE campaign_id <> '';
-- statement
CREATE INDEX messages_campaign_status ON messages (campaign_id, status, contact_id);
-- statement
-- Campaign messages stay out of the per-contact index: each index a status
-- change must update costs on every dispatched message.
DROP INDEX messages_contact_kind;
-- statement
CREATE INDEX messages_contact_kind ON messages (contact_id, kind, created_at) WHERE campaign_id = '';

-- statement
CREATE TABLE rate_buckets (
	sender TEXT PRIMARY KEY,
	tokens DOUBLE PRECISION NOT NULL,
	updated_at BIGINT NOT NULL
);
