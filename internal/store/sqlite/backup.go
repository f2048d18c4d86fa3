// SPDX-License-Identifier: AGPL-3.0-only

package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"strconv"
	"strings"

	"github.com/samtykke/samtykke/internal/store"
)

// Snapshot writes a consistent copy of the database, as of one moment, to a
// new file at dst (which must not exist) by VACUUM INTO, on a connection of
// its own: in WAL mode the copy reads one snapshot while the service goes
// on writing, and waits for nobody (S-03). The copy holds only live pages:
// nothing deleted or overwritten before the snapshot, and it is as sealed
// as the database (invariant 4). It returns the copy's schema version.
func (s *Store) Snapshot(ctx context.Context, dst string) (store.SnapshotInfo, error) {
	db, err := sql.Open("sqlite", "file:"+s.path+"?_pragma="+url.QueryEscape("busy_timeout(10000)"))
	if err != nil {
		return store.SnapshotInfo{}, fmt.Errorf("sqlite snapshot: %w", err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	if _, err := db.ExecContext(ctx, `VACUUM INTO ?`, dst); err != nil {
		return store.SnapshotInfo{}, fmt.Errorf("sqlite snapshot: %w", err)
	}
	if err := os.Chmod(dst, 0o600); err != nil {
		return store.SnapshotInfo{}, err
	}
	v, err := fileSchemaVersion(ctx, dst)
	return store.SnapshotInfo{SchemaVersion: v}, err
}

// fileSchemaVersion is the newest migration recorded in a database file,
// opened read-only.
func fileSchemaVersion(ctx context.Context, path string) (int, error) {
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		return 0, err
	}
	defer db.Close()
	var v int
	if err := db.QueryRowContext(ctx, `SELECT coalesce(max(version), 0) FROM schema_migrations`).Scan(&v); err != nil {
		return 0, fmt.Errorf("%s is not a samtykke database: %w", path, err)
	}
	return v, nil
}

// RestoreFile writes a snapshot's database file from r to path, which must
// not exist (0600), synced to disk, and checks that it is a whole SQLite
// database that holds samtykke's schema. On any error path is removed.
func RestoreFile(ctx context.Context, r io.Reader, path string) (err error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			os.Remove(path)
		}
	}()
	_, err = io.Copy(f, r)
	if err = errors.Join(err, f.Sync(), f.Close()); err != nil {
		return err
	}
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		return err
	}
	defer db.Close()
	var ok string
	if err := db.QueryRowContext(ctx, `PRAGMA integrity_check(1)`).Scan(&ok); err != nil || ok != "ok" {
		return errors.Join(err, fmt.Errorf("the restored database does not pass SQLite's integrity check: %s", ok))
	}
	_, err = fileSchemaVersion(ctx, path)
	return err
}

// NewestMigration is the version of this binary's newest migration (the
// PostgreSQL store has the same numbers).
func NewestMigration() int {
	entries, _ := fs.ReadDir(migrations, "migrations")
	newest := 0
	for _, e := range entries {
		if v, err := strconv.Atoi(strings.SplitN(e.Name(), "_", 2)[0]); err == nil && v > newest {
			newest = v
		}
	}
	return newest
}
