// SPDX-License-Identifier: AGPL-3.0-only

package sqlite_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/samtykke/samtykke/internal/store"
	"github.com/samtykke/samtykke/internal/store/sqlite"
)

// TestCheckpointsBesideTheWriter: commits only append to the write-ahead
// log; the checkpointer copies it back while the store is open, and the log
// is empty once it is closed.
func TestCheckpointsBesideTheWriter(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "samtykke.db")
	s, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	walSize := func() int64 {
		fi, err := os.Stat(path + "-wal")
		if err != nil {
			return 0
		}
		return fi.Size()
	}
	dbSize := func() int64 {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		return fi.Size()
	}
	before := dbSize()
	for i := range 500 {
		if err := s.Tx(ctx, func(tx store.Tx) error {
			_, err := tx.MarkSeen(ctx, fmt.Sprintf("key-%04d-%s", i, strings.Repeat("x", 200)), time.Now())
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
	if walSize() == 0 {
		t.Fatal("no write-ahead log while open: the test proves nothing")
	}
	// The commits append to the log only; the file grows when the
	// checkpointer copies the log back, while the store stays open.
	for deadline := time.Now().Add(10 * time.Second); dbSize() <= before; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the database file stayed at %d bytes: nothing checkpointed the log", before)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if n := walSize(); n != 0 {
		t.Fatalf("write-ahead log of %d bytes after close, want it truncated", n)
	}
}

// TestAnalyzeLeavesGrowingTablesUnmeasured: the statistics refresh keeps
// none for the tables a campaign fills, so the planner never takes them for
// small (a batch update once scanned messages for every batch).
func TestAnalyzeLeavesGrowingTablesUnmeasured(t *testing.T) {
	ctx := context.Background()
	s, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "samtykke.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	for i := range 100 {
		if err := s.Tx(ctx, func(tx store.Tx) error {
			_, err := tx.MarkSeen(ctx, fmt.Sprintf("st:%03d", i), time.Now())
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
	stats := func() int {
		var n int
		if err := s.Writer().QueryRowContext(ctx, `SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'webhook_seen'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if _, err := s.Writer().ExecContext(ctx, `ANALYZE`); err != nil {
		t.Fatal(err)
	}
	if stats() == 0 {
		t.Fatal("a plain ANALYZE measured nothing: the test proves nothing")
	}
	if err := s.Analyze(ctx); err != nil {
		t.Fatal(err)
	}
	if n := stats(); n != 0 {
		t.Fatalf("%d statistics rows for webhook_seen after Analyze, want none", n)
	}
}
