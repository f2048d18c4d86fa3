-- A message the platform refused for its recipient's pair rate limit
-- (131056) goes back to queued without using up an attempt, and is not
-- tried again before retry_at: 4^X seconds later, X the times it was
-- refused so far (pair_limited). Other recipients are not held up.
ALTER TABLE messages ADD COLUMN pair_limited INTEGER NOT NULL DEFAULT 0;
-- statement
ALTER TABLE messages ADD COLUMN retry_at BIGINT NOT NULL DEFAULT 0;
-- statement
ALTER TABLE messages ALTER COLUMN pair_limited SET STATISTICS 10;
-- statement
ALTER TABLE messages ALTER COLUMN retry_at SET STATISTICS 10;
