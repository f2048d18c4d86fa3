// SPDX-License-Identifier: AGPL-3.0-only

package sqlstore

import (
	"context"
	"database/sql"
	"sync"
)

// StdDB adapts a database/sql pool to DB. Statements are prepared once and
// kept (database/sql would otherwise parse every statement on every call:
// 7% of a dispatch profile on SQLite).
type StdDB struct {
	DB    *sql.DB
	cache *stmtCache
}

// NewStdDB wraps a pool with a statement cache.
func NewStdDB(db *sql.DB) StdDB {
	return StdDB{DB: db, cache: &stmtCache{db: db, m: map[string]*sql.Stmt{}}}
}

// stmtCache holds prepared statements of one pool, up to a bound.
type stmtCache struct {
	db *sql.DB
	mu sync.Mutex
	m  map[string]*sql.Stmt
}

const maxCachedStatements = 256

// get returns the prepared statement for q, or nil when it is not worth keeping.
func (c *stmtCache) get(ctx context.Context, q string) *sql.Stmt {
	if c == nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if s, ok := c.m[q]; ok {
		return s
	}
	if len(c.m) >= maxCachedStatements {
		return nil
	}
	s, err := c.db.PrepareContext(ctx, q)
	if err != nil {
		return nil // let the plain call report the error
	}
	c.m[q] = s
	return s
}

// Exec runs a statement and returns the rows it affected.
func (d StdDB) Exec(ctx context.Context, q string, args ...any) (int64, error) {
	if s := d.cache.get(ctx, q); s != nil {
		return affected(s.ExecContext(ctx, args...))
	}
	return affected(d.DB.ExecContext(ctx, q, args...))
}

// Query runs a query.
func (d StdDB) Query(ctx context.Context, q string, args ...any) (Rows, error) {
	var rows *sql.Rows
	var err error
	if s := d.cache.get(ctx, q); s != nil {
		rows, err = s.QueryContext(ctx, args...)
	} else {
		rows, err = d.DB.QueryContext(ctx, q, args...)
	}
	if err != nil {
		return nil, err
	}
	return stdRows{rows}, nil
}

// QueryRow runs a single-row query.
func (d StdDB) QueryRow(ctx context.Context, q string, args ...any) Row {
	if s := d.cache.get(ctx, q); s != nil {
		return s.QueryRowContext(ctx, args...)
	}
	return d.DB.QueryRowContext(ctx, q, args...)
}

// StdTx adapts a database/sql transaction to DB plus Commit and Rollback.
// It prepares nothing: SQLite's writer has one connection, and preparing on
// the pool while a transaction holds it would wait forever.
type StdTx struct{ Tx *sql.Tx }

// Exec runs a statement and returns the rows it affected.
func (t StdTx) Exec(ctx context.Context, q string, args ...any) (int64, error) {
	return affected(t.Tx.ExecContext(ctx, q, args...))
}

// Query runs a query.
func (t StdTx) Query(ctx context.Context, q string, args ...any) (Rows, error) {
	rows, err := t.Tx.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	return stdRows{rows}, nil
}

// QueryRow runs a single-row query.
func (t StdTx) QueryRow(ctx context.Context, q string, args ...any) Row {
	return t.Tx.QueryRowContext(ctx, q, args...)
}

// Commit commits.
func (t StdTx) Commit(context.Context) error { return t.Tx.Commit() }

// Rollback rolls back.
func (t StdTx) Rollback(context.Context) error { return t.Tx.Rollback() }

func affected(res sql.Result, err error) (int64, error) {
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

type stdRows struct{ *sql.Rows }

func (r stdRows) Close() { _ = r.Rows.Close() }
