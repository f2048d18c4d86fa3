// SPDX-License-Identifier: AGPL-3.0-only

package sqlstore

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/samtykke/samtykke/internal/store"
)

// StdDB adapts a database/sql pool to DB.
type StdDB struct{ DB *sql.DB }

// Exec runs a statement and returns the rows it affected.
func (d StdDB) Exec(ctx context.Context, q string, args ...any) (int64, error) {
	return affected(d.DB.ExecContext(ctx, q, args...))
}

// Query runs a query.
func (d StdDB) Query(ctx context.Context, q string, args ...any) (Rows, error) {
	rows, err := d.DB.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	return stdRows{rows}, nil
}

// QueryRow runs a single-row query.
func (d StdDB) QueryRow(ctx context.Context, q string, args ...any) Row {
	return d.DB.QueryRowContext(ctx, q, args...)
}

// StdTx adapts a database/sql transaction to DB plus Commit and Rollback.
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

// Later runs a write now: database/sql has no pipeline.
func (t StdTx) Later(ctx context.Context, _, q string, args ...any) error {
	_, err := t.Tx.ExecContext(ctx, q, args...)
	return err
}

// LaterOne runs a write now and fails with store.ErrConflict unless it
// changed exactly one row.
func (t StdTx) LaterOne(ctx context.Context, op, q string, args ...any) error {
	n, err := affected(t.Tx.ExecContext(ctx, q, args...))
	if err == nil && n != 1 {
		err = fmt.Errorf("%s: %w: %d rows changed, not one", op, store.ErrConflict, n)
	}
	return err
}

// LaterCount runs a write now and notes the rows it changed.
func (t StdTx) LaterCount(ctx context.Context, _ string, n *Count, q string, args ...any) error {
	var err error
	n.N, err = affected(t.Tx.ExecContext(ctx, q, args...))
	n.Known = err == nil
	return err
}

// Flush does nothing: nothing is held.
func (t StdTx) Flush(context.Context) error { return nil }

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
