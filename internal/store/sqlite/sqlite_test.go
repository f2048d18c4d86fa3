// SPDX-License-Identifier: AGPL-3.0-only

package sqlite_test

import (
	"strings"
	"testing"

	"github.com/samtykke/samtykke/internal/store/sqlite"
	"github.com/samtykke/samtykke/internal/store/storetest"
)

func TestConformance(t *testing.T) {
	t.Parallel()
	storetest.Exercise(t, storetest.SQLite)
}

// TestMessageUpdatesLeaveIndexesAlone: no index on messages names a column
// that a send result or a status webhook writes (migration 0007), so that
// an update rewrites the row alone. The one partial index on status is
// messages_queued (0033): only a retry put back enters it and its next
// decision takes it out; the usual sending → sent → delivered updates match
// its filter neither before nor after, and write no entry.
func TestMessageUpdatesLeaveIndexesAlone(t *testing.T) {
	t.Parallel()
	b := storetest.SQLite
	s := b.Open(t)
	for _, col := range storetest.MessageColumnsWritten {
		if n := b.Int(t, s, `SELECT count(*) FROM pragma_index_list('messages') l, pragma_index_info(l.name) i
			WHERE i.name = $1`, col); n != 0 {
			t.Fatalf("an index on messages names %s, which status updates write", col)
		}
		if n := b.Int(t, s, `SELECT count(*) FROM sqlite_master WHERE type = 'index' AND tbl_name = 'messages'
			AND name <> 'messages_queued'
			AND instr(lower(sql), ' where ') > 0 AND instr(substr(lower(sql), instr(lower(sql), ' where ')), $1) > 0`, col); n != 0 {
			t.Fatalf("a partial index on messages filters on %s", col)
		}
	}
	if n := b.Int(t, s, `SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = 'messages_queued'
		AND lower(sql) LIKE '%where status = ''queued''%'`); n != 1 {
		t.Fatal("messages_queued is missing or filters on something other than status = 'queued'")
	}
	if n := b.Int(t, s, `SELECT count(*) FROM pragma_index_list('messages')`); n < 3 {
		t.Fatalf("messages has %d indexes; the check above saw nothing", n)
	}
}

func BenchmarkMessages(b *testing.B) { storetest.BenchMessages(b, storetest.SQLite) }

// TestImportReportReadsByIndex: the imported rows' half of an import's
// report is read by the (import_id, line) index (migration 0031), not by a
// scan of every digest ever kept (a partial index would not be used for a
// parameter).
func TestImportReportReadsByIndex(t *testing.T) {
	t.Parallel()
	s := storetest.SQLite.Open(t).(*sqlite.Store)
	got := queryPlan(t, s, `SELECT line, reason, contact_id FROM import_digests
		WHERE import_id = $1 AND line > $2 ORDER BY line LIMIT $3`, "i1", 0, 10)
	if !strings.Contains(got, "USING INDEX import_digests_report") || strings.Contains(got, "TEMP B-TREE") {
		t.Fatalf("the report's read of import_digests: %s", got)
	}
}

// TestQueuedMessagesReadByIndex: the pass over a campaign's retries and the
// check that ends it find the queued messages by messages_queued (0033),
// also after the statistics a campaign's start takes, instead of reading
// every message of the campaign on the single writer.
func TestQueuedMessagesReadByIndex(t *testing.T) {
	t.Parallel()
	s := storetest.SQLite.Open(t).(*sqlite.Store)
	if err := s.Analyze(t.Context()); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`SELECT COALESCE(min(retry_at), 0), count(*) FROM messages WHERE id > $2 AND id < $3 AND campaign_id = $1 AND status = 'queued'`,
		`SELECT m.id FROM messages m JOIN contacts c ON c.id = m.contact_id
			WHERE m.id > $4 AND m.id < $5 AND m.campaign_id = $1 AND m.status = 'queued' AND m.retry_at <= $6 ORDER BY m.id LIMIT $3`,
	} {
		if got := queryPlan(t, s, q, "k", "a", 10, "k:", "k;", 0); !strings.Contains(got, "USING INDEX messages_queued") {
			t.Errorf("the queued messages' search: %s", got)
		}
	}
}

// queryPlan is SQLite's plan of a statement on the writer, its steps joined
// by "; ".
func queryPlan(t *testing.T, s *sqlite.Store, q string, args ...any) string {
	t.Helper()
	rows, err := s.Writer().Query(`EXPLAIN QUERY PLAN `+q, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return strings.Join(plan, "; ")
}
