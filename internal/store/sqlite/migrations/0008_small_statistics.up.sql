-- PostgreSQL's 0008 makes the planner's samples of the growing tables
-- smaller; SQLite keeps no statistics for them (see Analyze), so there is
-- nothing to do here. The file keeps both stores' migration numbers alike.
SELECT 1;
