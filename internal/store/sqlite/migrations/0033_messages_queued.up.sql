-- A campaign's messages put back to queued (retries) are found by this
-- index, not by reading all of the campaign's messages: the pass over
-- retries after the walk and the check that ends a campaign read every
-- message of it on the single writer (measured at 100,000: 70-84 ms each,
-- and the withdrawals queued behind them waited as long). Few messages are
-- ever queued, so the index stays small; no other status enters it.
CREATE INDEX messages_queued ON messages (id) WHERE status = 'queued';
