// SPDX-License-Identifier: AGPL-3.0-only

package cli

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/samtykke/samtykke/internal/bench"
	"github.com/samtykke/samtykke/internal/store/postgres"
	"github.com/samtykke/samtykke/internal/store/sqlite"
)

// BenchDatabase opens a fresh, migrated database of a backend for one
// benchmark run: a SQLite file in a temporary folder, or a schema of its own
// on the PostgreSQL at pgURL. Close drops it.
func BenchDatabase(pgURL string) func(ctx context.Context, backend string) (bench.Database, error) {
	return func(ctx context.Context, backend string) (bench.Database, error) {
		switch backend {
		case "sqlite":
			dir, err := os.MkdirTemp("", "samtykke-bench-")
			if err != nil {
				return bench.Database{}, err
			}
			st, err := sqlite.Open(ctx, filepath.Join(dir, "bench.db"))
			if err == nil {
				err = st.Migrate(ctx)
			}
			if err != nil {
				os.RemoveAll(dir)
				return bench.Database{}, err
			}
			return bench.Database{Store: st, First: 0, // SQLite binds anonymous placeholders fastest
				Exec: func(ctx context.Context, q string, args ...any) error {
					_, err := st.Writer().ExecContext(ctx, q, args...)
					return err
				},
				Copy: func(ctx context.Context, table string, cols []string, rows [][]any) error {
					return copySQL(ctx, st.Writer(), table, cols, rows)
				},
				Scan:  func(ctx context.Context, q string) (int64, error) { return scanSQL(ctx, st.Writer(), q) },
				Close: func() { st.Close(); os.RemoveAll(dir) }}, nil
		case "postgres":
			conn, err := pgx.Connect(ctx, pgURL)
			if err != nil {
				return bench.Database{}, err
			}
			schema := fmt.Sprintf("bench_%d", time.Now().UnixNano())
			drop := func() {
				_, _ = conn.Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
				conn.Close(context.Background())
			}
			if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
				conn.Close(ctx)
				return bench.Database{}, err
			}
			sep := "?"
			if strings.Contains(pgURL, "?") {
				sep = "&"
			}
			st, err := postgres.Open(ctx, pgURL+sep+"search_path="+schema)
			if err == nil {
				if err = st.Migrate(ctx); err != nil {
					st.Close()
				}
			}
			if err != nil {
				drop()
				return bench.Database{}, err
			}
			return bench.Database{Store: st, First: 1,
				Exec: func(ctx context.Context, q string, args ...any) error {
					_, err := st.Pool().Exec(ctx, q, args...)
					return err
				},
				Copy: func(ctx context.Context, table string, cols []string, rows [][]any) error {
					_, err := st.Pool().CopyFrom(ctx, pgx.Identifier{table}, cols, pgx.CopyFromRows(rows))
					return err
				},
				Scan:  func(ctx context.Context, q string) (int64, error) { return scanPG(ctx, st.Pool(), q) },
				Close: func() { st.Close(); drop() }}, nil
		}
		return bench.Database{}, fmt.Errorf("unknown backend %q", backend)
	}
}

// copySQL inserts rows in one transaction, one prepared statement a row:
// SQLite's fastest way in.
func copySQL(ctx context.Context, db *sql.DB, table string, cols []string, rows [][]any) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }()
	marks := strings.TrimSuffix(strings.Repeat("?, ", len(cols)), ", ")
	stmt, err := tx.PrepareContext(ctx, "INSERT INTO "+table+" ("+strings.Join(cols, ", ")+") VALUES ("+marks+")")
	if err != nil {
		return err
	}
	defer stmt.Close()
	for _, r := range rows {
		if _, err := stmt.ExecContext(ctx, r...); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// scanSQL reads every row of a query, every column as bytes.
func scanSQL(ctx context.Context, db *sql.DB, q string) (int64, error) {
	rows, err := db.QueryContext(ctx, q)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return 0, err
	}
	vals := make([]sql.RawBytes, len(cols))
	dest := make([]any, len(cols))
	for i := range vals {
		dest[i] = &vals[i]
	}
	var n int64
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return n, err
		}
		n++
	}
	return n, rows.Err()
}

// scanPG reads every row of a query, as the server sends it.
func scanPG(ctx context.Context, pool *pgxpool.Pool, q string) (int64, error) {
	rows, err := pool.Query(ctx, q)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	var n int64
	for rows.Next() {
		_ = rows.RawValues()
		n++
	}
	return n, rows.Err()
}
