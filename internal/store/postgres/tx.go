// SPDX-License-Identifier: AGPL-3.0-only

package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"

	"github.com/samtykke/samtykke/internal/store"
	"github.com/samtykke/samtykke/internal/store/sqlstore"
)

// txConn is a transaction on one pooled connection that sends what it can
// hold together with what follows, in one pipelined batch: its BEGIN goes
// with its first statement, the writes given to Later with the next one,
// and its COMMIT with the last of them (unless one of them must change one
// row: LaterOne's count is checked before the COMMIT leaves). Several
// queries can go in one batch (QueryEach). Under a campaign's load every
// round trip waits for the CPU, and a withdrawal waits for each of its own
// (K-06).
type txConn struct {
	conn   *pgxpool.Conn
	insert *river.Client[pgx.Tx]
	held   pgx.Batch
	ops    []heldOp // what each held statement is, for its error
	sent   bool     // the BEGIN has left
	done   bool     // committed or rolled back: the connection is back
}

func (s *Store) begin(ctx context.Context) (sqlstore.TxConn, error) {
	pool := s.pool
	if store.IsUrgent(ctx) {
		pool = s.urgent
	}
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return nil, err
	}
	t := &txConn{conn: conn, insert: s.insert}
	t.hold(heldOp{name: "begin"}, "begin")
	return t, nil
}

// heldOp names a held statement, whether it must change exactly one row,
// and where its count goes.
type heldOp struct {
	name  string
	one   bool
	count *sqlstore.Count
}

func (t *txConn) hold(op heldOp, q string, args ...any) {
	t.held.Queue(q, args...)
	t.ops = append(t.ops, op)
}

func (t *txConn) Later(_ context.Context, op, q string, args ...any) error {
	t.hold(heldOp{name: op}, q, args...)
	return nil
}

func (t *txConn) LaterOne(_ context.Context, op, q string, args ...any) error {
	t.hold(heldOp{name: op, one: true}, q, args...)
	return nil
}

func (t *txConn) LaterCount(_ context.Context, op string, n *sqlstore.Count, q string, args ...any) error {
	t.hold(heldOp{name: op, count: n}, q, args...)
	return nil
}

func (t *txConn) Flush(ctx context.Context) error { return t.flush(ctx) }

// send sends the held statements, and qs after them, and returns the
// results positioned at the first of qs; the caller closes them.
func (t *txConn) send(ctx context.Context, qs ...sqlstore.Query) (pgx.BatchResults, error) {
	b, ops := t.held, t.ops
	t.held, t.ops, t.sent = pgx.Batch{}, nil, true
	for _, q := range qs {
		b.Queue(q.SQL, q.Args...)
	}
	br := t.conn.SendBatch(ctx, &b)
	for _, op := range ops {
		tag, err := br.Exec()
		if err == nil && op.one && tag.RowsAffected() != 1 {
			err = fmt.Errorf("%w: %d rows changed, not one", store.ErrConflict, tag.RowsAffected())
		}
		if err == nil && op.count != nil {
			op.count.N, op.count.Known = tag.RowsAffected(), true
		}
		if err != nil {
			_ = br.Close()
			if isUnique(err) {
				return nil, fmt.Errorf("%s: %w: %v", op.name, store.ErrConflict, err)
			}
			return nil, fmt.Errorf("%s: %w", op.name, err)
		}
	}
	return br, nil
}

var _ sqlstore.Pipeliner = (*txConn)(nil)

// QueryEach sends the queries with the held statements, one round trip for
// all, and gives each query's rows to read in turn.
func (t *txConn) QueryEach(ctx context.Context, qs []sqlstore.Query, read func(i int, rows sqlstore.Rows) error) error {
	br, err := t.send(ctx, qs...)
	if err != nil {
		return err
	}
	for i := range qs {
		rows, err := br.Query()
		if err == nil {
			err = sqlstore.ReadRows(rows, func(rows sqlstore.Rows) error { return read(i, rows) })
		}
		if err != nil {
			_ = br.Close()
			return err
		}
	}
	return br.Close()
}

// flush sends the held statements on their own.
func (t *txConn) flush(ctx context.Context) error {
	if t.held.Len() == 0 {
		return nil
	}
	br, err := t.send(ctx)
	if err != nil {
		return err
	}
	return br.Close()
}

func (t *txConn) exec(ctx context.Context, q string, args []any) (pgconn.CommandTag, error) {
	if t.held.Len() == 0 {
		return t.conn.Exec(ctx, q, args...)
	}
	br, err := t.send(ctx, sqlstore.Query{SQL: q, Args: args})
	if err != nil {
		return pgconn.CommandTag{}, err
	}
	tag, err := br.Exec()
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	return tag, err
}

func (t *txConn) query(ctx context.Context, q string, args []any) (pgx.Rows, error) {
	if t.held.Len() == 0 {
		return t.conn.Query(ctx, q, args...)
	}
	br, err := t.send(ctx, sqlstore.Query{SQL: q, Args: args})
	if err != nil {
		return nil, err
	}
	rows, err := br.Query()
	if err != nil {
		_ = br.Close()
		return nil, err
	}
	return batchRows{rows, br}, nil
}

func (t *txConn) queryRow(ctx context.Context, q string, args []any) pgx.Row {
	if t.held.Len() == 0 {
		return t.conn.QueryRow(ctx, q, args...)
	}
	br, err := t.send(ctx, sqlstore.Query{SQL: q, Args: args})
	if err != nil {
		return errRow{err}
	}
	return batchRow{br.QueryRow(), br}
}

var _ sqlstore.Copier = (*txConn)(nil)

// CopyFrom writes rows into table with COPY, after the held statements.
func (t *txConn) CopyFrom(ctx context.Context, table string, cols []string, rows [][]any) (int64, error) {
	if err := t.flush(ctx); err != nil {
		return 0, err
	}
	n, err := t.conn.CopyFrom(ctx, pgx.Identifier{table}, cols, pgx.CopyFromRows(rows))
	if isUnique(err) {
		return n, fmt.Errorf("copy into %s: %w: %v", table, store.ErrConflict, err)
	}
	return n, err
}

func (t *txConn) Exec(ctx context.Context, q string, args ...any) (int64, error) {
	tag, err := t.exec(ctx, q, args)
	return tag.RowsAffected(), err
}

func (t *txConn) Query(ctx context.Context, q string, args ...any) (sqlstore.Rows, error) {
	rows, err := t.query(ctx, q, args)
	if err != nil {
		return nil, err
	}
	return rows, nil
}

func (t *txConn) QueryRow(ctx context.Context, q string, args ...any) sqlstore.Row {
	return t.queryRow(ctx, q, args)
}

// Commit sends COMMIT with whatever is held. Where a held statement failed,
// the database has ended the transaction with the batch.
func (t *txConn) Commit(ctx context.Context) error {
	if t.done {
		return pgx.ErrTxClosed
	}
	defer t.release()
	if !t.sent && t.held.Len() == 1 {
		return nil // nothing but the BEGIN: nothing was asked of the database
	}
	// A count is checked here, not by the database: sent with the COMMIT,
	// a write that changed no row would be committed with the rest.
	if slices.ContainsFunc(t.ops, func(op heldOp) bool { return op.one }) {
		if err := t.flush(ctx); err != nil {
			_, _ = t.conn.Exec(context.WithoutCancel(ctx), "rollback")
			return err
		}
	}
	// A COMMIT cut short may have committed or not; once the work is done
	// its answer is awaited whatever becomes of ctx.
	tag, err := t.exec(context.WithoutCancel(ctx), "commit", nil)
	if err == nil && tag.String() == "ROLLBACK" {
		err = pgx.ErrTxCommitRollback
	}
	return err
}

func (t *txConn) Rollback(ctx context.Context) error {
	if t.done {
		return pgx.ErrTxClosed
	}
	defer t.release()
	if !t.sent {
		return nil // nothing left: what is held is dropped
	}
	_, err := t.conn.Exec(ctx, "rollback")
	return err
}

// release gives the connection back to the pool, which closes it if it is
// not idle (a transaction left open by a failure).
func (t *txConn) release() {
	t.held, t.ops, t.done = pgx.Batch{}, nil, true
	t.conn.Release()
}

func (t *txConn) Enqueue(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) error {
	_, err := t.insert.InsertTx(ctx, riverTx{t}, args, opts)
	return err
}

// riverTx is the transaction as River takes it: its statements go through
// the same pipeline, so a job's insert leaves with the writes held before it.
// River only runs statements in a transaction it is given.
type riverTx struct{ t *txConn }

var errRiverTx = errors.New("postgres: River may not begin, commit or roll back the store's transaction")

func (r riverTx) Begin(context.Context) (pgx.Tx, error) { return nil, errRiverTx }
func (r riverTx) Commit(context.Context) error          { return errRiverTx }
func (r riverTx) Rollback(context.Context) error        { return errRiverTx }
func (r riverTx) LargeObjects() pgx.LargeObjects        { return pgx.LargeObjects{} }
func (r riverTx) Conn() *pgx.Conn                       { return r.t.conn.Conn() }

func (r riverTx) Exec(ctx context.Context, q string, args ...any) (pgconn.CommandTag, error) {
	return r.t.exec(ctx, q, args)
}

func (r riverTx) Query(ctx context.Context, q string, args ...any) (pgx.Rows, error) {
	return r.t.query(ctx, q, args)
}

func (r riverTx) QueryRow(ctx context.Context, q string, args ...any) pgx.Row {
	return r.t.queryRow(ctx, q, args)
}

func (r riverTx) CopyFrom(ctx context.Context, table pgx.Identifier, cols []string, src pgx.CopyFromSource) (int64, error) {
	if err := r.t.flush(ctx); err != nil {
		return 0, err
	}
	return r.t.conn.CopyFrom(ctx, table, cols, src)
}

func (r riverTx) SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults {
	if err := r.t.flush(ctx); err != nil {
		return errBatch{err}
	}
	return r.t.conn.SendBatch(ctx, b)
}

func (r riverTx) Prepare(ctx context.Context, name, q string) (*pgconn.StatementDescription, error) {
	if err := r.t.flush(ctx); err != nil {
		return nil, err
	}
	return r.t.conn.Conn().Prepare(ctx, name, q)
}

// batchRows closes the batch it came from with itself.
type batchRows struct {
	pgx.Rows
	br pgx.BatchResults
}

func (r batchRows) Close() {
	r.Rows.Close()
	_ = r.br.Close()
}

// batchRow closes the batch it came from once scanned.
type batchRow struct {
	row pgx.Row
	br  pgx.BatchResults
}

func (r batchRow) Scan(dest ...any) error {
	err := r.row.Scan(dest...)
	if cerr := r.br.Close(); err == nil {
		err = cerr
	}
	return err
}

// errRow is a row whose statement never ran: a held statement failed.
type errRow struct{ err error }

func (r errRow) Scan(...any) error { return r.err }

// errBatch is a batch that never left: a held statement failed.
type errBatch struct{ err error }

func (b errBatch) Exec() (pgconn.CommandTag, error) { return pgconn.CommandTag{}, b.err }
func (b errBatch) Query() (pgx.Rows, error)         { return nil, b.err }
func (b errBatch) QueryRow() pgx.Row                { return errRow(b) }
func (b errBatch) Close() error                     { return b.err }
func (b errBatch) Tx() pgx.Tx                       { return nil }
