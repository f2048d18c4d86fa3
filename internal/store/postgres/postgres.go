// SPDX-License-Identifier: AGPL-3.0-only

// Package postgres is the store for deployments where several samtykke
// replicas share one PostgreSQL database, through pgx. A contact's chain is
// serialised by locking its row (SELECT ... FOR UPDATE), so appends for
// different people never wait on each other, across replicas too.
package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"

	"github.com/samtykke/samtykke/internal/store"
	"github.com/samtykke/samtykke/internal/store/sqlstore"
)

//go:embed migrations/*.sql
var migrations embed.FS

// isUnique reports a unique constraint violated (SQLSTATE 23505).
func isUnique(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23505"
}

// Store is the PostgreSQL store.
type Store struct {
	*sqlstore.Store
	url    string
	pool   *pgxpool.Pool
	urgent *pgxpool.Pool // for urgent transactions alone (store.Urgent)
	insert *river.Client[pgx.Tx]
}

// urgentConns is how many connections are kept for urgent transactions
// (withdrawals): they never queue behind campaign batches for one.
const urgentConns = 2

var _ store.Store = (*Store)(nil)

// Open connects to the database at url (postgres://...). A search_path in the
// URL's options selects a schema.
func Open(ctx context.Context, url string) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("postgres: bad database URL: %w", redact(err))
	}
	// Our statements are index lookups over a cached working set, and the
	// per-message ones take arrays whose real length (hundreds) made custom
	// plans pick seq scans and hash joins when the statistics were stale
	// (measured: 150 ms instead of 7 for 500 rows). Generic plans estimate an
	// unnest at 10 rows and stay on the indexes; the URL may override both.
	for k, v := range map[string]string{"plan_cache_mode": "force_generic_plan", "random_page_cost": "1.1"} {
		if _, set := cfg.ConnConfig.RuntimeParams[k]; !set {
			cfg.ConnConfig.RuntimeParams[k] = v
		}
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: cannot reach %s:%d: %w", cfg.ConnConfig.Host, cfg.ConnConfig.Port, err)
	}
	// A withdrawal waited 60 ms (median) for one of the pool's connections
	// while ten campaigns shared them: it gets connections of its own.
	ucfg := cfg.Copy()
	ucfg.MaxConns, ucfg.MinConns = urgentConns, 0
	urgent, err := pgxpool.NewWithConfig(ctx, ucfg)
	if err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: %w", err)
	}
	insert, err := river.NewClient(riverpgxv5.New(pool), &river.Config{})
	if err != nil {
		pool.Close()
		urgent.Close()
		return nil, err
	}
	s := &Store{url: url, pool: pool, urgent: urgent, insert: insert}
	sub, _ := fs.Sub(migrations, "migrations")
	s.Store = sqlstore.New(sqlstore.Backend{
		Name:        "postgres",
		Read:        poolDB{pool},
		Begin:       s.begin,
		ForUpdate:   " FOR UPDATE",
		ForShare:    " FOR SHARE",
		LazyCommit:  "SET LOCAL synchronous_commit = off",
		JSONStrings: func(p string) string { return "jsonb_array_elements_text(CAST(" + p + " AS jsonb))" },
		Least:       "LEAST",
		ReclaimJobs: `UPDATE river_job SET state = 'available', scheduled_at = now()
			WHERE state = 'running' AND attempted_by[array_length(attempted_by, 1)] = $1`,
		Arrays:         true,
		WritingCTE:     true,
		CachedPlans:    true,
		AnalyzeGrowing: "ANALYZE messages, webhook_inbox, webhook_seen",
		// Campaigns starting together (one per sending number) take turns,
		// and one that waited while another took the statistics does not take
		// them again: ten campaigns queued 200-700 ms each behind one
		// another's ANALYZE (log_lock_waits; docs/performance.md). The
		// tables are analyzed in the order named, so the last one's time
		// says the whole statement ended after this campaign asked. The turn
		// is the schema's: deployments (and tests) in other schemas of the
		// same database do not wait for it.
		Analyze: `DO $$
			DECLARE asked timestamptz := clock_timestamp();
			BEGIN
				PERFORM pg_advisory_xact_lock(7270017, hashtext(current_schema()));
				IF NOT EXISTS (SELECT 1 FROM pg_stat_user_tables WHERE relid = 'webhook_seen'::regclass
					AND last_analyze >= asked) THEN
					ANALYZE contacts, contact_keys, contact_tags, consent_states, messages, suppressions, webhook_inbox, webhook_seen;
				END IF;
			END $$`,
		InList:        func(p string) string { return "IN (SELECT unnest(CAST(" + p + " AS text[])))" },
		ListArg:       func(ids []string) any { return ids },
		MigrationLock: `SELECT pg_advisory_xact_lock(7270011)`,
		TokenLock:     `SELECT pg_advisory_xact_lock(7270013)`,
		Migrations:    sub,
		MigrateQueue: func(ctx context.Context) error {
			m, err := rivermigrate.New(riverpgxv5.New(pool), nil)
			if err != nil {
				return err
			}
			// River's own migrations are not safe to run concurrently either.
			conn, err := pool.Acquire(ctx)
			if err != nil {
				return err
			}
			defer conn.Release()
			if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock(7270012)`); err != nil {
				return err
			}
			defer conn.Exec(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock(7270012)`) //nolint:errcheck
			_, err = m.Migrate(ctx, rivermigrate.DirectionUp, nil)
			return err
		},
		IsUnique: isUnique,
		IsNoRows: func(err error) bool { return errors.Is(err, pgx.ErrNoRows) },
		Ping:     pool.Ping,
		Close: func() error {
			pool.Close()
			urgent.Close()
			return nil
		},
	})
	return s, nil
}

// redact drops a connection string (which may hold a password) from an error.
func redact(err error) error {
	var pe *pgconn.ParseConfigError
	if errors.As(err, &pe) {
		return errors.New("cannot parse it")
	}
	return err
}

// URL is the database URL the store was opened with (it may hold a password:
// never log it).
func (s *Store) URL() string { return s.url }

// Pool is the connection pool, for River's worker client.
func (s *Store) Pool() *pgxpool.Pool { return s.pool }

// Queue makes a River client that works jobs on this database.
func (s *Store) Queue(cfg *river.Config) (store.Queue, error) {
	return river.NewClient(riverpgxv5.New(s.pool), cfg)
}

type poolDB struct{ pool *pgxpool.Pool }

func (d poolDB) Exec(ctx context.Context, q string, args ...any) (int64, error) {
	tag, err := d.pool.Exec(ctx, q, args...)
	return tag.RowsAffected(), err
}

func (d poolDB) Query(ctx context.Context, q string, args ...any) (sqlstore.Rows, error) {
	rows, err := d.pool.Query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	return rows, nil
}

func (d poolDB) QueryRow(ctx context.Context, q string, args ...any) sqlstore.Row {
	return d.pool.QueryRow(ctx, q, args...)
}
