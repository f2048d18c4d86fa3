-- How many times a campaign message's send failed in a way the platform
-- calls retryable; at the dispatch limit it fails for good (issue 4 point 4).
ALTER TABLE messages ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
-- statement
-- Messages whose outcome is unknown, for settling those no webhook ever
-- explained (issue 4 point 4).
CREATE INDEX messages_unknown ON messages (updated_at) WHERE status = 'unknown';
