// SPDX-License-Identifier: AGPL-3.0-only

// Package storetest is the conformance suite every store backend passes, and
// the helpers that open real test databases: a SQLite file in a temporary
// folder, and a fresh schema on the PostgreSQL at TEST_DATABASE_URL (default
// postgres://root@127.0.0.1:5432/test). Without PostgreSQL the PostgreSQL
// cases skip, saying so, unless SAMTYKKE_TEST_POSTGRES=require: then they fail.
package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/samtykke/samtykke/internal/store"
	"github.com/samtykke/samtykke/internal/store/postgres"
	"github.com/samtykke/samtykke/internal/store/sqlite"
)

// Backend opens fresh, migrated stores of one kind and reaches beneath them.
type Backend struct {
	Name string
	// Open returns a new empty, migrated store, closed when the test ends.
	Open func(t testing.TB) store.Store
	// Exec runs raw SQL beneath the store's API, as someone with access to the
	// database file or server could (tamper tests).
	Exec func(t testing.TB, s store.Store, sql string, args ...any) error
	// Int runs a raw single-value query.
	Int func(t testing.TB, s store.Store, sql string, args ...any) int64
	// Files are the files the store keeps its data in, where the test can
	// read them (SQLite: the database and its write-ahead log); none for a
	// server's.
	Files func(t testing.TB, s store.Store) []string
}

// SQLite is the SQLite backend on a file in t.TempDir().
var SQLite = Backend{
	Name: "sqlite",
	Open: func(t testing.TB) store.Store {
		t.Helper()
		s, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "samtykke.db"))
		if err != nil {
			t.Fatalf("open sqlite: %v", err)
		}
		t.Cleanup(func() { s.Close() })
		if err := s.Migrate(context.Background()); err != nil {
			t.Fatalf("migrate sqlite: %v", err)
		}
		return s
	},
	Exec: func(t testing.TB, s store.Store, q string, args ...any) error {
		_, err := s.(*sqlite.Store).Writer().ExecContext(context.Background(), q, args...)
		return err
	},
	Int: func(t testing.TB, s store.Store, q string, args ...any) int64 {
		t.Helper()
		var n int64
		if err := s.(*sqlite.Store).Writer().QueryRowContext(context.Background(), q, args...).Scan(&n); err != nil {
			t.Fatalf("query %q: %v", q, err)
		}
		return n
	},
	Files: func(t testing.TB, s store.Store) []string {
		p := s.(*sqlite.Store).Path()
		return []string{p, p + "-wal"}
	},
}

// PostgresURL is the server the PostgreSQL tests use.
func PostgresURL() string {
	if u := os.Getenv("TEST_DATABASE_URL"); u != "" {
		return u
	}
	return "postgres://root@127.0.0.1:5432/test?sslmode=disable"
}

// RequirePostgres reports whether a missing PostgreSQL must fail the tests.
func RequirePostgres() bool { return os.Getenv("SAMTYKKE_TEST_POSTGRES") == "require" }

// Postgres is the PostgreSQL backend, each store in a schema of its own.
var Postgres = Backend{
	Name: "postgres",
	Open: func(t testing.TB) store.Store {
		t.Helper()
		url := PostgresSchema(t)
		s, err := postgres.Open(context.Background(), url)
		if err != nil {
			t.Fatalf("open postgres: %v", err)
		}
		t.Cleanup(func() { s.Close() })
		if err := s.Migrate(context.Background()); err != nil {
			t.Fatalf("migrate postgres: %v", err)
		}
		return s
	},
	Exec: func(t testing.TB, s store.Store, q string, args ...any) error {
		_, err := s.(*postgres.Store).Pool().Exec(context.Background(), q, args...)
		return err
	},
	Int: func(t testing.TB, s store.Store, q string, args ...any) int64 {
		t.Helper()
		var n int64
		if err := s.(*postgres.Store).Pool().QueryRow(context.Background(), q, args...).Scan(&n); err != nil {
			t.Fatalf("query %q: %v", q, err)
		}
		return n
	},
	Files: func(testing.TB, store.Store) []string { return nil },
}

// PostgresSchema makes an empty schema, dropped when the test ends, and
// returns a database URL whose search_path selects it. It skips the test when
// PostgreSQL is unreachable, or fails it when RequirePostgres says so.
func PostgresSchema(t testing.TB) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	base := PostgresURL()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		if RequirePostgres() {
			t.Fatalf("PostgreSQL required (SAMTYKKE_TEST_POSTGRES=require) but unreachable: %v", err)
		}
		t.Skipf("PostgreSQL unreachable, skipping (set SAMTYKKE_TEST_POSTGRES=require to fail instead): %v", err)
	}
	defer conn.Close(ctx)
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	schema := "t_" + hex.EncodeToString(b)
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		c, err := pgx.Connect(ctx, base)
		if err != nil {
			t.Logf("drop schema %s: %v", schema, err)
			return
		}
		defer c.Close(ctx)
		if _, err := c.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Logf("drop schema %s: %v", schema, err)
		}
	})
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
	}
	return base + sep + "search_path=" + schema
}

// Backends are both backends, for tests that run on each.
var Backends = []Backend{SQLite, Postgres}

// Each runs fn as a subtest per backend.
func Each(t *testing.T, fn func(t *testing.T, b Backend)) {
	for _, b := range Backends {
		t.Run(b.Name, func(t *testing.T) {
			fn(t, b)
		})
	}
}
