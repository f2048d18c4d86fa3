// SPDX-License-Identifier: AGPL-3.0-only

package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"reflect"

	"modernc.org/sqlite"
)

// maxStatements bounds the statements a connection keeps prepared.
const maxStatements = 128

// openDB opens a pool whose connections keep their prepared statements.
// database/sql hands a query with arguments straight to the driver, and
// modernc.org/sqlite parses it anew each time: the parser was 9% of a
// dispatch profile, River's own statements included.
func openDB(dsn string) (*sql.DB, error) {
	base, err := sqlite.NewConnector(dsn)
	if err != nil {
		return nil, err
	}
	return sql.OpenDB(connector{base}), nil
}

type connector struct{ driver.Connector }

func (c connector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return &cachingConn{conn: conn, stmts: map[string]*cachedStmt{}}, nil
}

// the interfaces every modernc.org/sqlite connection has, which a wrapper
// must pass on (sqlite.NewConnector's documentation).
type fullConn interface {
	driver.Conn
	driver.ConnBeginTx
	driver.ConnPrepareContext
	driver.ExecerContext
	driver.QueryerContext
	driver.Pinger
	driver.SessionResetter
	driver.Validator
}

// cachingConn runs each statement through a statement prepared once on this
// connection, by its text. database/sql uses a connection from one goroutine
// at a time, so the map needs no lock; a statement whose rows are still open
// is not run again until they close (the call goes uncached meanwhile).
type cachingConn struct {
	conn  driver.Conn
	stmts map[string]*cachedStmt
}

type cachedStmt struct {
	stmt driver.Stmt
	busy bool
}

var _ fullConn = (*cachingConn)(nil)

func (c *cachingConn) full() fullConn { return c.conn.(fullConn) }

// Unwrap is the modernc.org/sqlite connection, for sqlite.Limit and the like.
func (c *cachingConn) Unwrap() driver.Conn { return c.conn }

// statement returns the prepared statement for q, or nil when q is to run
// uncached: its statement is busy, or the cache is full of busy ones.
func (c *cachingConn) statement(ctx context.Context, q string) (*cachedStmt, error) {
	if s, ok := c.stmts[q]; ok {
		if s.busy {
			return nil, nil
		}
		return s, nil
	}
	if len(c.stmts) >= maxStatements && !c.evict() {
		return nil, nil
	}
	st, err := c.full().PrepareContext(ctx, q)
	if err != nil {
		return nil, err
	}
	s := &cachedStmt{stmt: st}
	c.stmts[q] = s
	return s, nil
}

// evict closes one statement that is not busy; false when all are.
func (c *cachingConn) evict() bool {
	for q, s := range c.stmts {
		if !s.busy {
			_ = s.stmt.Close()
			delete(c.stmts, q)
			return true
		}
	}
	return false
}

func (c *cachingConn) ExecContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Result, error) {
	s, err := c.statement(ctx, q)
	if err != nil {
		return nil, err
	}
	if s == nil {
		return c.full().ExecContext(ctx, q, args)
	}
	return s.stmt.(driver.StmtExecContext).ExecContext(ctx, args)
}

func (c *cachingConn) QueryContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Rows, error) {
	s, err := c.statement(ctx, q)
	if err != nil {
		return nil, err
	}
	if s == nil {
		return c.full().QueryContext(ctx, q, args)
	}
	rows, err := s.stmt.(driver.StmtQueryContext).QueryContext(ctx, args)
	if err != nil {
		return nil, err
	}
	s.busy = true
	return &cachedRows{Rows: rows, s: s}, nil
}

func (c *cachingConn) Close() error {
	var errs []error
	for _, s := range c.stmts {
		errs = append(errs, s.stmt.Close())
	}
	clear(c.stmts)
	return errors.Join(append(errs, c.conn.Close())...)
}

func (c *cachingConn) Prepare(q string) (driver.Stmt, error) { return c.conn.Prepare(q) }
func (c *cachingConn) Begin() (driver.Tx, error)             { return c.conn.Begin() } //nolint:staticcheck // driver.Conn's own
func (c *cachingConn) BeginTx(ctx context.Context, o driver.TxOptions) (driver.Tx, error) {
	return c.full().BeginTx(ctx, o)
}
func (c *cachingConn) PrepareContext(ctx context.Context, q string) (driver.Stmt, error) {
	return c.full().PrepareContext(ctx, q)
}
func (c *cachingConn) Ping(ctx context.Context) error         { return c.full().Ping(ctx) }
func (c *cachingConn) ResetSession(ctx context.Context) error { return c.full().ResetSession(ctx) }
func (c *cachingConn) IsValid() bool                          { return c.full().IsValid() }

// cachedRows frees its statement for the next call when it closes, and
// passes on the column types database/sql asks the driver about.
type cachedRows struct {
	driver.Rows
	s *cachedStmt
}

func (r *cachedRows) Close() error {
	r.s.busy = false
	return r.Rows.Close()
}

func (r *cachedRows) ColumnTypeDatabaseTypeName(i int) string {
	if t, ok := r.Rows.(driver.RowsColumnTypeDatabaseTypeName); ok {
		return t.ColumnTypeDatabaseTypeName(i)
	}
	return ""
}

func (r *cachedRows) ColumnTypeScanType(i int) reflect.Type {
	if t, ok := r.Rows.(driver.RowsColumnTypeScanType); ok {
		return t.ColumnTypeScanType(i)
	}
	return reflect.TypeFor[any]()
}
