-- A stored webhook body whose handling fails is tried again later, with a
-- growing wait, and the bodies after it are handled meanwhile: one poison
-- body must not hold back an opt-out that came after it.
ALTER TABLE webhook_inbox ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
-- statement
ALTER TABLE webhook_inbox ADD COLUMN retry_at BIGINT NOT NULL DEFAULT 0;
