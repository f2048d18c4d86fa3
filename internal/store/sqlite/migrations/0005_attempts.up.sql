-- How many times a campaign message's send failed in a way the platform
-- calls retryable; at the dispatch limit it fails for good (reference §2.2).
ALTER TABLE messages ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
-- statement
-- Messages whose outcome is unknown, for settling those no webhook ever
-- explained: an unknown outcome is never resent (reference §6).
CREATE INDEX messages_unknown ON messages (updated_at) WHERE status = 'unknown';
