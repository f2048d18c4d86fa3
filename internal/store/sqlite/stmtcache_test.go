// SPDX-License-Identifier: AGPL-3.0-only

package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"
)

// cacheDB is a one-connection pool with the statement cache on a fresh file.
func cacheDB(t *testing.T) (*sql.DB, *sql.Conn) {
	t.Helper()
	db, err := openDB(dsn(filepath.Join(t.TempDir(), "cache.db"), false))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	db.SetMaxOpenConns(1)
	ctx := context.Background()
	if _, err := db.ExecContext(ctx, `CREATE TABLE n (v INTEGER PRIMARY KEY)`); err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		if _, err := db.ExecContext(ctx, `INSERT INTO n (v) VALUES ($1)`, i+1); err != nil {
			t.Fatal(err)
		}
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return db, conn
}

// cached is the connection's statement cache, read on its own goroutine.
func cached(t *testing.T, conn *sql.Conn) map[string]*cachedStmt {
	t.Helper()
	var m map[string]*cachedStmt
	if err := conn.Raw(func(dc any) error {
		c, ok := dc.(*cachingConn)
		if !ok {
			return fmt.Errorf("connection is %T, not the caching one", dc)
		}
		m = c.stmts
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return m
}

func sum(t *testing.T, conn *sql.Conn, q string, args ...any) int {
	t.Helper()
	var n int
	if err := conn.QueryRowContext(context.Background(), q, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// A statement is prepared once and run again from the cache with new
// arguments, and the answers stay right.
func TestStatementPreparedOnce(t *testing.T) {
	t.Parallel()
	_, conn := cacheDB(t)
	q := `SELECT coalesce(sum(v), 0) FROM n WHERE v > $1`
	if got := sum(t, conn, q, 2); got != 12 {
		t.Fatalf("sum over 2 = %d, want 12", got)
	}
	first := cached(t, conn)[q]
	if first == nil {
		t.Fatal("the statement was not kept")
	}
	if got := sum(t, conn, q, 4); got != 5 {
		t.Fatalf("sum over 4 = %d, want 5", got)
	}
	if again := cached(t, conn)[q]; again != first {
		t.Fatal("the statement was prepared a second time")
	}
	if _, err := conn.ExecContext(context.Background(), `INSERT INTO n (v) VALUES ($1)`, 10); err != nil {
		t.Fatal(err)
	}
	if got := sum(t, conn, q, 4); got != 15 {
		t.Fatalf("sum over 4 after an insert = %d, want 15", got)
	}
}

// The same statement run while its rows are still open runs uncached, and
// neither result is disturbed.
func TestStatementBusyRunsUncached(t *testing.T) {
	t.Parallel()
	_, conn := cacheDB(t)
	ctx := context.Background()
	q := `SELECT v FROM n WHERE v >= $1 ORDER BY v`
	outer, err := conn.QueryContext(ctx, q, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer outer.Close() // an open Rows would hold the connection's Close
	var got []int
	for outer.Next() {
		var v int
		if err := outer.Scan(&v); err != nil {
			t.Fatal(err)
		}
		inner, err := conn.QueryContext(ctx, q, v)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for inner.Next() {
			if n++; n > 5 {
				inner.Close()
				t.Fatalf("the inner rows go on past their end")
			}
		}
		if err := inner.Close(); err != nil {
			t.Fatal(err)
		}
		if got = append(got, n); len(got) > 5 {
			t.Fatalf("the outer rows go on past their end: %v", got) // reset by the inner query
		}
	}
	if err := outer.Close(); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(got) != "[5 4 3 2 1]" {
		t.Fatalf("rows at or above each value: %v, want [5 4 3 2 1]", got)
	}
	if s := cached(t, conn)[q]; s == nil || s.busy {
		t.Fatalf("after both closed the statement should be kept and free: %+v", s)
	}
}

// The cache keeps at most maxStatements, and a statement that does not
// prepare is reported and not kept.
func TestStatementCacheBounded(t *testing.T) {
	t.Parallel()
	_, conn := cacheDB(t)
	for i := range maxStatements + 20 {
		if got := sum(t, conn, fmt.Sprintf(`SELECT count(*) + %d FROM n`, i)); got != 5+i {
			t.Fatalf("statement %d answered %d, want %d", i, got, 5+i)
		}
	}
	if n := len(cached(t, conn)); n != maxStatements {
		t.Fatalf("%d statements kept, want %d", n, maxStatements)
	}
	bad := `SELECT nothing FROM nowhere`
	if _, err := conn.ExecContext(context.Background(), bad); err == nil {
		t.Fatal("a statement on a missing table ran")
	}
	if _, ok := cached(t, conn)[bad]; ok {
		t.Fatal("a statement that failed to prepare was kept")
	}
}
