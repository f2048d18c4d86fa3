// SPDX-License-Identifier: AGPL-3.0-only

package sqlite_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/samtykke/samtykke/internal/store/sqlite"
	"github.com/samtykke/samtykke/internal/store/storetest"
)

// TestSnapshotFile (S-03): a snapshot is a whole database at the schema's
// version, made while a write transaction of the store is open, without
// that transaction's rows; RestoreFile writes it back, and refuses (leaving
// no file) what is not a whole database.
func TestSnapshotFile(t *testing.T) {
	t.Parallel()
	b := storetest.SQLite
	ctx := context.Background()
	s := b.Open(t).(*sqlite.Store)
	if err := b.Exec(t, s, `INSERT INTO contacts (id, region, mobile, language, restricted, created_at, erased_at, head_seq)
		VALUES ('c1', 'NO', true, 'nb', false, 0, 0, 0)`); err != nil {
		t.Fatal(err)
	}
	tx, err := s.Writer().BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO contacts (id, region, mobile, language, restricted, created_at, erased_at, head_seq)
		VALUES ('uncommitted', 'NO', true, 'nb', false, 0, 0, 0)`); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	snap := filepath.Join(dir, "snap.db")
	info, err := s.Snapshot(ctx, snap)
	tx.Rollback()
	if err != nil {
		t.Fatal(err)
	}
	if info.SchemaVersion != sqlite.NewestMigration() {
		t.Errorf("snapshot schema %d, want %d", info.SchemaVersion, sqlite.NewestMigration())
	}
	if fi, err := os.Stat(snap); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("snapshot file: %v, %v; want mode 0600", fi, err)
	}
	raw, _ := os.ReadFile(snap)
	restored := filepath.Join(dir, "restored.db")
	if err := sqlite.RestoreFile(ctx, bytes.NewReader(raw), restored); err != nil {
		t.Fatal(err)
	}
	r, err := sqlite.Open(ctx, restored)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if n := b.Int(t, r, `SELECT count(*) FROM contacts`); n != 1 {
		t.Errorf("restored %d contacts, want 1 (the uncommitted one is not in the snapshot)", n)
	}
	for name, bad := range map[string][]byte{"cut": raw[:len(raw)/2], "garbage": bytes.Repeat([]byte("x"), 8192)} {
		p := filepath.Join(dir, name+".db")
		if err := sqlite.RestoreFile(ctx, bytes.NewReader(bad), p); err == nil {
			t.Errorf("%s: restored", name)
		}
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Errorf("%s: the refused file stays (%v)", name, err)
		}
	}
}
