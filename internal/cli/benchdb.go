// SPDX-License-Identifier: AGPL-3.0-only

package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/samtykke/samtykke/internal/bench"
	"github.com/samtykke/samtykke/internal/store/postgres"
	"github.com/samtykke/samtykke/internal/store/sqlite"
)

// benchDatabase opens a fresh, migrated database of a backend for one
// benchmark run: a SQLite file in a temporary folder, or a schema of its own
// on the PostgreSQL at pgURL. Close drops it.
func benchDatabase(pgURL string) func(ctx context.Context, backend string) (bench.Database, error) {
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
				Bulk:  bench.BulkOf(st),
				Scan:  bench.ScanOf(st),
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
				Bulk:  bench.BulkOf(st),
				Scan:  bench.ScanOf(st),
				Close: func() { st.Close(); drop() }}, nil
		}
		return bench.Database{}, fmt.Errorf("unknown backend %q", backend)
	}
}
