// SPDX-License-Identifier: AGPL-3.0-only

// Package sqlstore implements store.Store once, in SQL that SQLite and
// PostgreSQL both accept ($N placeholders, ON CONFLICT, RETURNING). What truly
// differs between them — connections, locking, error codes, River's driver and
// the schema — each backend package supplies through a Backend.
package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/riverqueue/river"

	"github.com/samtykke/samtykke/internal/store"
)

// DB is a connection pool or a transaction of either backend.
type DB interface {
	Exec(ctx context.Context, query string, args ...any) (int64, error)
	Query(ctx context.Context, query string, args ...any) (Rows, error)
	QueryRow(ctx context.Context, query string, args ...any) Row
}

// Rows is a result set.
type Rows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
	Close()
}

// Row is a single-row result.
type Row interface {
	Scan(dest ...any) error
}

// TxConn is an open transaction of a backend.
type TxConn interface {
	DB
	Commit(ctx context.Context) error
	Rollback(ctx context.Context) error
	// Enqueue inserts a River job in this transaction.
	Enqueue(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) error
	// Later runs a write whose only outcome is its error. A backend that
	// pipelines (PostgreSQL) may hold it and send it with the transaction's
	// next statement, Enqueue or Commit, one round trip for all: that call
	// then reports its error, named by op (a unique violation as
	// store.ErrConflict). The transaction fails either way.
	Later(ctx context.Context, op, query string, args ...any) error
	// LaterOne is Later for a write that must change exactly one row: any
	// other count fails the transaction with store.ErrConflict.
	LaterOne(ctx context.Context, op, query string, args ...any) error
	// LaterCount is Later for a write whose count of changed rows is read
	// once it has been sent (n.Known), with the next statement or Flush.
	LaterCount(ctx context.Context, op string, n *Count, query string, args ...any) error
	// Flush sends what is held.
	Flush(ctx context.Context) error
}

// Count is the rows a held write changed, known once it was sent.
type Count struct {
	N     int64
	Known bool
}

// Query is a statement and its arguments.
type Query struct {
	SQL  string
	Args []any
}

// Pipeliner is a TxConn that sends several queries in one round trip
// (PostgreSQL's pipeline). Each query runs after the one before it has
// finished, with a snapshot of its own under READ COMMITTED, so a query
// after a lock reads what the lock's holder committed.
type Pipeliner interface {
	// QueryEach sends the queries, after what is held, and gives each
	// one's rows to read in turn.
	QueryEach(ctx context.Context, qs []Query, read func(i int, rows Rows) error) error
}

// queryEach is Pipeliner.QueryEach on any DB: one query after the other
// where the backend has no pipeline.
func queryEach(ctx context.Context, db DB, qs []Query, read func(i int, rows Rows) error) error {
	if p, ok := db.(Pipeliner); ok {
		return p.QueryEach(ctx, qs, read)
	}
	for i, q := range qs {
		rows, err := db.Query(ctx, q.SQL, q.Args...)
		if err != nil {
			return err
		}
		if err := ReadRows(rows, func(rows Rows) error { return read(i, rows) }); err != nil {
			return err
		}
	}
	return nil
}

// ReadRows gives rows to read, closes them and reports read's error or
// theirs.
func ReadRows(rows Rows, read func(Rows) error) error {
	err := read(rows)
	rows.Close()
	if err == nil {
		err = rows.Err()
	}
	return err
}

// Copier is a TxConn that writes many rows into a table by the backend's
// bulk path (PostgreSQL's COPY): WriteImport uses it for its plain inserts
// where the backend has it.
type Copier interface {
	CopyFrom(ctx context.Context, table string, cols []string, rows [][]any) (int64, error)
}

// Backend is what a database brings to the shared implementation.
type Backend struct {
	Name string
	// Read is the pool for reads outside transactions.
	Read DB
	// Begin opens a write transaction.
	Begin func(ctx context.Context) (TxConn, error)
	// ForUpdate is appended to a SELECT that must lock its row for the
	// transaction (" FOR UPDATE" on PostgreSQL; SQLite has one writer).
	// ForShare locks it against every change but not against other
	// share locks (" FOR SHARE").
	ForUpdate, ForShare string
	// LazyCommit is the statement that lets a transaction's commit return
	// before its WAL reaches the disk; empty where commits never wait for it
	// (SQLite at synchronous NORMAL).
	LazyCommit string
	// JSONStrings turns a JSON array of strings into rows with a column
	// "value" (json_each on SQLite, jsonb_array_elements_text on PostgreSQL).
	JSONStrings func(param string) string
	// InList is the condition "is one of the list in param", and ListArg the
	// argument that carries the list: a JSON array on SQLite, a text array on
	// PostgreSQL (so that its planner uses the index).
	InList  func(param string) string
	ListArg func(ids []string) any
	// Arrays says the database takes array parameters (PostgreSQL): batch
	// updates then pass columns as arrays instead of chunks of VALUES rows.
	Arrays bool
	// WritingCTE says a WITH clause may hold an UPDATE (PostgreSQL): two
	// writes that go together are then one statement.
	WritingCTE bool
	// Least names the two-argument minimum function ("min" or "LEAST").
	Least string
	// Analyze is the statement that refreshes the planner's statistics.
	Analyze string
	// CachedPlans says the database keeps a generic plan per connection
	// (PostgreSQL), so statistics must follow a growing table: AnalyzeGrowing
	// refreshes those of the tables a campaign fills, and no more (all of
	// them took about 20 µs a message of a 100k campaign).
	CachedPlans    bool
	AnalyzeGrowing string
	// TokenLock, when set, is run before the first-run token's insert so
	// that replicas starting together make one (SQLite's one writer already
	// does).
	TokenLock string
	// MigrationLock, when set, is run first in every migration transaction so
	// that replicas starting together migrate one at a time.
	MigrationLock string
	// Migrations holds NNNN_name.up.sql files.
	Migrations fs.FS
	// ReclaimJobs makes the queue's jobs that are running under the client
	// id $1 available again, for a process that restarts under that id.
	ReclaimJobs string
	// MigrateQueue applies River's migrations.
	MigrateQueue func(ctx context.Context) error
	// IsUnique reports a unique-constraint violation.
	IsUnique func(error) bool
	// IsNoRows reports an empty single-row result.
	IsNoRows func(error) bool
	// Scrub, when set, makes the database files forget deleted data
	// (store.Store.Scrub).
	Scrub func(ctx context.Context) error
	Ping  func(ctx context.Context) error
	Close func() error
}

// Store is store.Store over a Backend.
type Store struct {
	reader
	b      Backend
	growth growth
}

// growth follows how many rows the tables a campaign fills (messages, the
// webhook inbox) gained. Where the database keeps generic plans per
// connection (PostgreSQL), plans made while those tables were small stayed
// seq scans as they grew (measured: 95 µs a message at 50k instead of 18);
// statistics refreshed at 1k, 10k, 100k... rows invalidate them.
type growth struct {
	mu      sync.Mutex
	rows    int
	next    int
	running bool
}

// grew counts rows a committed transaction added and, past the next mark,
// refreshes the statistics beside the work (never two at once).
func (s *Store) grew(n int) {
	if n == 0 || !s.b.CachedPlans {
		return
	}
	g := &s.growth
	g.mu.Lock()
	defer g.mu.Unlock()
	g.rows += n
	if g.rows < max(g.next, 1000) || g.running {
		return
	}
	g.next, g.running = g.rows*10, true
	go func() {
		_ = s.analyze(context.Background(), s.b.AnalyzeGrowing) // best effort: the next mark tries again
		g.mu.Lock()
		g.running = false
		g.mu.Unlock()
	}()
}

var _ store.Reader = (*Store)(nil)

// New wraps a backend.
func New(b Backend) *Store {
	return &Store{reader: reader{db: b.Read, b: &b}, b: b}
}

// Backend names the database.
func (s *Store) Backend() string { return s.b.Name }

// Analyze refreshes the planner's statistics.
func (s *Store) Analyze(ctx context.Context) error { return s.analyze(ctx, s.b.Analyze) }

func (s *Store) analyze(ctx context.Context, stmt string) error {
	conn, err := s.b.Begin(ctx)
	if err != nil {
		return err
	}
	defer func() { _ = conn.Rollback(context.WithoutCancel(ctx)) }()
	if _, err := conn.Exec(ctx, stmt); err != nil {
		return err
	}
	return conn.Commit(ctx)
}

// Ping checks the database answers.
func (s *Store) Ping(ctx context.Context) error { return s.b.Ping(ctx) }

// Close releases connections.
func (s *Store) Close() error { return s.b.Close() }

type migration struct {
	version int
	name    string
	sql     string
}

func (s *Store) migrations() ([]migration, error) {
	entries, err := fs.ReadDir(s.b.Migrations, ".")
	if err != nil {
		return nil, err
	}
	var ms []migration
	seen := map[int]string{}
	for _, e := range entries {
		name := e.Name()
		if !strings.HasSuffix(name, ".up.sql") {
			continue
		}
		num, rest, ok := strings.Cut(name, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || len(num) != 4 {
			return nil, fmt.Errorf("migration %s: name must be NNNN_name.up.sql", name)
		}
		if other, dup := seen[v]; dup {
			return nil, fmt.Errorf("migrations %s and %s share number %d", other, name, v)
		}
		seen[v] = name
		body, err := fs.ReadFile(s.b.Migrations, name)
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{version: v, name: strings.TrimSuffix(rest, ".up.sql"), sql: string(body)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	return ms, nil
}

const createMigrationsTable = `CREATE TABLE IF NOT EXISTS schema_migrations (
	version INTEGER PRIMARY KEY,
	name TEXT NOT NULL,
	applied_at BIGINT NOT NULL
)`

// Migrate applies every pending migration, each in its own transaction, then
// River's.
func (s *Store) Migrate(ctx context.Context) error {
	ms, err := s.migrations()
	if err != nil {
		return err
	}
	for _, m := range ms {
		if err := s.apply(ctx, m); err != nil {
			return fmt.Errorf("migration %04d_%s: %w", m.version, m.name, err)
		}
	}
	if err := s.b.MigrateQueue(ctx); err != nil {
		return fmt.Errorf("river migrations: %w", err)
	}
	return nil
}

func (s *Store) apply(ctx context.Context, m migration) error {
	conn, err := s.b.Begin(ctx)
	if err != nil {
		return err
	}
	defer func() { _ = conn.Rollback(context.WithoutCancel(ctx)) }()
	if s.b.MigrationLock != "" {
		if _, err := conn.Exec(ctx, s.b.MigrationLock); err != nil {
			return err
		}
	}
	if _, err := conn.Exec(ctx, createMigrationsTable); err != nil {
		return err
	}
	var n int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM schema_migrations WHERE version = $1`, m.version).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	for _, stmt := range splitStatements(m.sql) {
		if name, ok := goStep(stmt); ok {
			step := goSteps[name]
			if step == nil {
				return fmt.Errorf("no Go step %q", name)
			}
			if err := step(ctx, conn); err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
			continue
		}
		if _, err := conn.Exec(ctx, stmt); err != nil {
			return fmt.Errorf("%w\nin statement: %s", err, firstLine(stmt))
		}
	}
	if _, err := conn.Exec(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)`,
		m.version, m.name, time.Now().UnixMicro()); err != nil {
		return err
	}
	return conn.Commit(ctx)
}

// SchemaCurrent reports whether every migration of this binary is applied.
func (s *Store) SchemaCurrent(ctx context.Context) (bool, error) {
	ms, err := s.migrations()
	if err != nil {
		return false, err
	}
	var applied int
	err = s.b.Read.QueryRow(ctx, `SELECT count(*) FROM schema_migrations`).Scan(&applied)
	if err != nil {
		return false, nil // no table yet
	}
	return applied >= len(ms), nil
}

// splitStatements splits a migration on lines holding only "-- statement",
// so that a trigger body's semicolons stay whole. A part that is only a
// "-- go: name" line is kept: it names a step of goSteps.
func splitStatements(sql string) []string {
	var out []string
	for _, part := range strings.Split(sql, "\n-- statement\n") {
		if _, ok := goStep(part); ok || strings.TrimSpace(stripComments(part)) != "" {
			out = append(out, part)
		}
	}
	return out
}

// goSteps are the steps of migrations that SQL alone cannot take, named by
// a "-- go: name" line; each runs in its migration's transaction.
var goSteps = map[string]func(ctx context.Context, db DB) error{
	"seal access log": sealAccessLog,
}

// goStep reports the name of the Go step a migration's part is.
func goStep(part string) (string, bool) {
	p := strings.TrimSpace(part)
	name, ok := strings.CutPrefix(p, "-- go: ")
	if !ok || strings.Contains(name, "\n") {
		return "", false
	}
	return strings.TrimSpace(name), true
}

func stripComments(s string) string {
	var b strings.Builder
	for _, line := range strings.Split(s, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(line), "--") {
			b.WriteString(line)
			b.WriteByte('\n')
		}
	}
	return b.String()
}

func firstLine(s string) string {
	s = strings.TrimSpace(stripComments(s))
	line, _, _ := strings.Cut(s, "\n")
	return line
}

func micro(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMicro()
}

func fromMicro(v int64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return time.UnixMicro(v).UTC()
}

// notFound maps an empty result to store.ErrNotFound.
func (r *reader) notFound(err error) error {
	if err != nil && r.b.IsNoRows(err) {
		return store.ErrNotFound
	}
	return err
}

func (r *reader) conflict(err error) error {
	if err != nil && r.b.IsUnique(err) {
		return fmt.Errorf("%w: %v", store.ErrConflict, err)
	}
	return err
}

// errorf names the operation on an error, keeping the sentinel reachable.
func errorf(op string, err *error) {
	if *err != nil && !errors.Is(*err, store.ErrNotFound) {
		*err = fmt.Errorf("%s: %w", op, *err)
	}
}

// NewestMigration is the version of this binary's newest migration.
func (s *Store) NewestMigration() (int, error) {
	ms, err := s.migrations()
	if err != nil || len(ms) == 0 {
		return 0, err
	}
	return ms[len(ms)-1].version, nil
}

// MigrateUpTo applies samtykke's migrations up to and including version on
// db, a transaction the caller holds and commits, recording each: a
// restore builds the schema its snapshot was taken with (S-03), and makes
// nothing if it fails.
func (s *Store) MigrateUpTo(ctx context.Context, db DB, version int) error {
	ms, err := s.migrations()
	if err != nil {
		return err
	}
	if _, err := db.Exec(ctx, createMigrationsTable); err != nil {
		return err
	}
	for _, m := range ms {
		if m.version > version {
			break
		}
		for _, stmt := range splitStatements(m.sql) {
			if _, err := db.Exec(ctx, stmt); err != nil {
				return fmt.Errorf("migration %04d_%s: %w\nin statement: %s", m.version, m.name, err, firstLine(stmt))
			}
		}
		if _, err := db.Exec(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)`,
			m.version, m.name, time.Now().UnixMicro()); err != nil {
			return err
		}
	}
	return nil
}
