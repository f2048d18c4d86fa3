// SPDX-License-Identifier: AGPL-3.0-only

// Package sqlite is the embedded default store: one SQLite file in WAL mode,
// opened through modernc.org/sqlite (no cgo), with a single writer connection
// and a pool of readers. River runs on the writer connection, so a job is
// enqueued in the same transaction as the state it acts on.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"runtime"
	"sync"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/samtykke/samtykke/internal/store"
	"github.com/samtykke/samtykke/internal/store/sqlstore"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Store is the SQLite store. It also hands out River clients on its writer.
type Store struct {
	*sqlstore.Store
	path   string
	write  *sql.DB
	read   *sql.DB
	insert *river.Client[*sql.Tx]
	writer writer // our transactions' turn on the writer connection
}

var _ store.Store = (*Store)(nil)

// dsn builds a connection string: busy_timeout before WAL, foreign keys on,
// synchronous NORMAL, secure_delete so that erased data is overwritten in the
// file, and immediate write transactions so that two processes never deadlock
// on a lock upgrade.
func dsn(path string, readOnly bool) string {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "foreign_keys(ON)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Add("_pragma", "secure_delete(ON)")
	// Memory-mapped reads and, on the writer, a page cache: the hot pages
	// cost no system call (measured: pread was 29% of a dispatch profile).
	// Both are bounded: at 300k contacts 16 MB and 64 MB dispatched as fast
	// as 32 MB and 256 MB (ratio to the simulator 0.45 vs 0.50, within the
	// noise), with the peak resident memory 225 MB instead of 507.
	q.Add("_pragma", "mmap_size(67108864)")
	if readOnly {
		// A reader's cache is dropped whole at its next transaction after
		// any write, and SQLite frees it page by page under a lock every
		// connection's page look-ups share: with 16 MB a reader's reset held
		// the writer's transaction, and a STOPP behind it, for 80-117 ms at
		// 100,000 contacts. 512 KB (bench dispatch, N = 100,000, paired
		// rounds): 49-58 µs a message against 54-67 at 2 MB and 65 at 16 MB,
		// opt-out p99 35-36 ms against 41-44 and 40-53; an export of
		// 100,000 contacts as fast (95,500 against 92,800 rows/s).
		q.Add("_pragma", "cache_size(-512)")
		q.Add("_pragma", "query_only(ON)")
	} else {
		// 4 MB and 1 MB made the commits of the answers' records cheaper
		// (SQLite scans the whole cache at a commit's end: 146 and 138 µs
		// against 310-400) but a campaign no faster (docs/performance.md).
		q.Add("_pragma", "cache_size(-16384)")
		q.Set("_txlock", "immediate")
		// Checkpoints run beside the writer (checkpointer), not inside
		// the commit that crosses the threshold: that commit waited for the
		// copy and an fsync of the database file (measured: write
		// transactions' p99 50-750 ms under load, and opt-outs behind them).
		q.Add("_pragma", "wal_autocheckpoint(0)")
		q.Add("_pragma", "journal_size_limit(67108864)")
		// Statement journals in memory: a multi-row insert journals the
		// pages it changes in case it fails midway, and past 64 KiB SQLite
		// wrote that journal to a temporary file (measured: its writes were
		// 13% of an import's CPU on SQLite). The writer's other temporary
		// files are small; the readers' (an export's sort) stay on disk.
		q.Add("_pragma", "temp_store(MEMORY)")
	}
	return "file:" + path + "?" + q.Encode()
}

// Open opens (creating if needed) the database file at path.
func Open(ctx context.Context, path string) (*Store, error) {
	// Create the file readable by its owner only; SQLite gives its WAL and
	// shared-memory files the same mode.
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	f.Close()
	write, err := openDB(dsn(path, false))
	if err != nil {
		return nil, err
	}
	write.SetMaxOpenConns(1)
	if err := write.PingContext(ctx); err != nil {
		write.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	read, err := openDB(dsn(path, true))
	if err != nil {
		write.Close()
		return nil, err
	}
	read.SetMaxOpenConns(max(4, runtime.NumCPU()))
	insert, err := river.NewClient(riversqlite.New(write), &river.Config{})
	if err != nil {
		write.Close()
		read.Close()
		return nil, err
	}
	s := &Store{path: path, write: write, read: read, insert: insert}
	stopCheckpoints, err := checkpointer(path, &s.writer)
	if err != nil {
		write.Close()
		read.Close()
		return nil, err
	}
	sub, _ := fs.Sub(migrations, "migrations")
	s.Store = sqlstore.New(sqlstore.Backend{
		Name:        "sqlite",
		Read:        sqlstore.StdDB{DB: read},
		Begin:       s.begin,
		Migrations:  sub,
		JSONStrings: func(p string) string { return "json_each(" + p + ")" },
		Least:       "min",
		ReclaimJobs: `UPDATE river_job SET state = 'available', scheduled_at = datetime('now', 'subsec')
			WHERE state = 'running' AND json_extract(attempted_by, '$[#-1]') = $1`,
		// Bounded (it runs in a write transaction, and a withdrawal waits for
		// it): 200 rows an index, SQLite's advice being 100-1000; at 1000 the
		// campaign's start held the writer 82-104 ms at 100,000 contacts, at
		// 200 58 ms. The tables a campaign
		// fills keep no statistics, so the planner takes them as large: with
		// statistics taken while messages was nearly empty, the batch
		// updates scanned it for every batch (measured: 190 ms a batch of
		// 250 at 20k, 1,100 msg/s instead of 9,000). SQLite's documented
		// way: edit sqlite_stat1, then reload it.
		Analyze: `PRAGMA analysis_limit = 200; PRAGMA optimize;
			DELETE FROM sqlite_stat1 WHERE tbl IN ('messages', 'webhook_inbox', 'webhook_seen'); ANALYZE sqlite_schema`,
		InList:  func(p string) string { return "IN (SELECT value FROM json_each(" + p + "))" },
		ListArg: func(ids []string) any { b, _ := json.Marshal(append([]string{}, ids...)); return string(b) },
		MigrateQueue: func(ctx context.Context) error {
			m, err := rivermigrate.New(riversqlite.New(write), nil)
			if err != nil {
				return err
			}
			_, err = m.Migrate(ctx, rivermigrate.DirectionUp, nil)
			return err
		},
		IsUnique: isUnique,
		IsNoRows: func(err error) bool { return errors.Is(err, sql.ErrNoRows) },
		Scrub:    s.scrub,
		Ping:     read.PingContext,
		Close: func() error {
			stopCheckpoints()
			return errors.Join(read.Close(), write.Close())
		},
	})
	return s, nil
}

func isUnique(err error) bool {
	var e *sqlite.Error
	if !errors.As(err, &e) {
		return false
	}
	return e.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || e.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
}

type txConn struct {
	sqlstore.StdTx
	insert *river.Client[*sql.Tx]
	done   func() // gives the writer back, once
}

func (t txConn) Commit(ctx context.Context) error {
	defer t.done()
	return t.StdTx.Commit(ctx)
}

func (t txConn) Rollback(ctx context.Context) error {
	defer t.done()
	return t.StdTx.Rollback(ctx)
}

func (t txConn) Enqueue(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) error {
	_, err := t.insert.InsertTx(ctx, t.Tx, args, opts)
	return err
}

func (s *Store) begin(ctx context.Context) (sqlstore.TxConn, error) {
	if err := s.writer.acquire(ctx, store.IsUrgent(ctx)); err != nil {
		return nil, err
	}
	done := sync.OnceFunc(s.writer.release)
	// Not tied to ctx: database/sql would roll back a transaction whose
	// work is done when ctx ends before its commit. Each statement still
	// takes its own context, and Store.Tx rolls back on any error.
	tx, err := s.write.BeginTx(context.WithoutCancel(ctx), nil)
	if err != nil {
		done()
		return nil, err
	}
	return txConn{StdTx: sqlstore.StdTx{Tx: tx}, insert: s.insert, done: done}, nil
}

// scrub copies the write-ahead log into the database file and truncates the
// log: the log keeps the pages as they were before a deletion until then
// (the file's own pages are zeroed by secure_delete). It runs on the
// writer connection, so after the transaction in progress, and waits for
// readers of older snapshots up to the busy timeout; a checkpoint running
// beside it (the checkpointer's) makes it answer busy at once, so it tries
// again, the connection free between tries, for up to scrubFor.
func (s *Store) scrub(ctx context.Context) error {
	deadline := time.Now().Add(scrubFor)
	for {
		var busy, logged, copied int
		if err := s.write.QueryRowContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`).Scan(&busy, &logged, &copied); err != nil {
			return err
		}
		if busy == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return errors.New("the write-ahead log was not truncated: other checkpoints or readers held it; try again")
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// scrubFor is how long scrub tries to truncate the write-ahead log.
const scrubFor = 10 * time.Second

// Path is the database file.
func (s *Store) Path() string { return s.path }

// Writer is the single writer connection pool, for River's worker client.
func (s *Store) Writer() *sql.DB { return s.write }

// Queue makes a River client that works jobs on this database.
func (s *Store) Queue(cfg *river.Config) (store.Queue, error) {
	return river.NewClient(riversqlite.New(s.write), cfg)
}
