// SPDX-License-Identifier: AGPL-3.0-only

package sqlite_test

import (
	"testing"

	"github.com/samtykke/samtykke/internal/store/storetest"
)

func TestConformance(t *testing.T) {
	t.Parallel()
	storetest.Exercise(t, storetest.SQLite)
}

// TestMessageUpdatesLeaveIndexesAlone: no index on messages names a column
// that a send result or a status webhook writes (migration 0007), so that
// an update rewrites the row alone.
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
			AND instr(lower(sql), ' where ') > 0 AND instr(substr(lower(sql), instr(lower(sql), ' where ')), $1) > 0`, col); n != 0 {
			t.Fatalf("a partial index on messages filters on %s", col)
		}
	}
	if n := b.Int(t, s, `SELECT count(*) FROM pragma_index_list('messages')`); n < 3 {
		t.Fatalf("messages has %d indexes; the check above saw nothing", n)
	}
}

func BenchmarkMessages(b *testing.B) { storetest.BenchMessages(b, storetest.SQLite) }
