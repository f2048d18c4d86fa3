-- An import's resumes (issue 21, C-03): each time a run took up an import a
-- killed or broken run left unfinished, when and after which of the file's
-- rows (the rows up to it were committed before and skipped), as a JSON
-- list, shown with the import and written to its access-log entry.
ALTER TABLE imports ADD COLUMN resumes TEXT NOT NULL DEFAULT '[]';
