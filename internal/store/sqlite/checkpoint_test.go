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
