// SPDX-License-Identifier: AGPL-3.0-only

package bench

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/samtykke/samtykke/internal/store"
)

// BulkOf is the fastest bulk write of a store's database, for
// Database.Bulk: pgx's CopyFrom (COPY) on PostgreSQL, one transaction of one
// prepared insert on SQLite.
func BulkOf(st store.Store) func(ctx context.Context, table string, cols []string, next func() []any) error {
	switch db := st.(type) {
	case interface{ Pool() *pgxpool.Pool }:
		return func(ctx context.Context, table string, cols []string, next func() []any) error {
			_, err := db.Pool().CopyFrom(ctx, pgx.Identifier{table}, cols, &copySource{next: next})
			return err
		}
	case interface{ Writer() *sql.DB }:
		return func(ctx context.Context, table string, cols []string, next func() []any) error {
			return sqliteBulk(ctx, db.Writer(), table, cols, next)
		}
	}
	return func(context.Context, string, []string, func() []any) error {
		return fmt.Errorf("no bulk write for a %T", st)
	}
}

// copySource feeds pgx's CopyFrom from next, a row at a time.
type copySource struct {
	next func() []any
	row  []any
}

func (c *copySource) Next() bool             { c.row = c.next(); return c.row != nil }
func (c *copySource) Values() ([]any, error) { return c.row, nil }
func (c *copySource) Err() error             { return nil }

// sqliteBulk is SQLite's fastest write of many rows: one transaction of one
// prepared insert.
func sqliteBulk(ctx context.Context, db *sql.DB, table string, cols []string, next func() []any) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback() //nolint:errcheck
	stmt, err := tx.PrepareContext(ctx, "INSERT INTO "+table+" ("+strings.Join(cols, ", ")+") VALUES (?"+strings.Repeat(", ?", len(cols)-1)+")")
	if err != nil {
		return err
	}
	defer stmt.Close()
	for row := next(); row != nil; row = next() {
		if _, err := stmt.ExecContext(ctx, row...); err != nil {
			return err
		}
	}
	return tx.Commit()
}
