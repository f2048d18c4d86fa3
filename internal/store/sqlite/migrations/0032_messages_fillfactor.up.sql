-- PostgreSQL's messages leave room on each page for the answer's update
-- (fillfactor 45). SQLite has no such setting: this number changes nothing here.
SELECT 1;
