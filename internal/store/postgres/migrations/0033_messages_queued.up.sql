-- SQLite's 0033 indexes the queued messages, for its single writer. Here a
-- partial index on status would make every update that changes the status
-- (each answer's) non-HOT, undoing 0032, and a withdrawal waits only for the
-- batch holding its own contact: nothing changes here.
SELECT 1;
