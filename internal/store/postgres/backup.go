// SPDX-License-Identifier: AGPL-3.0-only

package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"

	"github.com/samtykke/samtykke/internal/store"
	"github.com/samtykke/samtykke/internal/store/sqlstore"
)

// A backup of PostgreSQL is made in process, not by pg_dump: COPY of every
// table of the schema, in one REPEATABLE READ READ ONLY transaction, which
// is the snapshot pg_dump itself takes (S-03). No client binary whose
// major version must match the server's, nothing to install beside the
// one binary, and the archive does not depend on the server's version:
// the schema comes back from samtykke's own migrations, up to the
// snapshot's version, and the rows by COPY, all in one transaction.

// tablePart is how a table's part is named in an archive: "table " and
// this as JSON.
type tablePart struct {
	Name    string   `json:"name"`
	Columns []string `json:"columns"`
}

const sequencesPart = "sequences"

// Snapshot is a snapshot being read: a transaction holding one view of the
// database until Close.
type Snapshot struct {
	conn   *pgxpool.Conn
	tx     pgx.Tx
	info   store.SnapshotInfo
	tables []tablePart
}

// Snapshot begins a snapshot of the database: every later read of it sees
// the database as it was at this moment, while the service goes on
// writing. Close ends it.
func (s *Store) Snapshot(ctx context.Context) (_ *Snapshot, err error) {
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return nil, fmt.Errorf("postgres snapshot: %w", err)
	}
	tx, err := conn.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		conn.Release()
		return nil, fmt.Errorf("postgres snapshot: %w", err)
	}
	sn := &Snapshot{conn: conn, tx: tx}
	defer func() {
		if err != nil {
			sn.Close()
			err = fmt.Errorf("postgres snapshot: %w", err)
		}
	}()
	if err := tx.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM schema_migrations`).Scan(&sn.info.SchemaVersion); err != nil {
		return nil, err
	}
	if err := tx.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM river_migration WHERE line = 'main'`).Scan(&sn.info.QueueVersion); err != nil {
		return nil, err
	}
	if sn.tables, err = tables(ctx, tx); err != nil {
		return nil, err
	}
	return sn, nil
}

// tables lists the schema's tables with their stored columns, each after
// the tables its foreign keys name, so that a restore copies them in this
// order.
func tables(ctx context.Context, tx pgx.Tx) ([]tablePart, error) {
	rows, err := tx.Query(ctx, `SELECT c.relname,
			array(SELECT a.attname::text FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0
				AND NOT a.attisdropped AND a.attgenerated = '' ORDER BY a.attnum),
			array(SELECT DISTINCT p.relname::text FROM pg_constraint k JOIN pg_class p ON p.oid = k.confrelid
				WHERE k.conrelid = c.oid AND k.contype = 'f' AND p.oid <> c.oid)
		FROM pg_class c
		WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind = 'r' AND NOT c.relispartition
		ORDER BY c.relname`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var all []tablePart
	deps := map[string][]string{}
	for rows.Next() {
		var t tablePart
		var d []string
		if err := rows.Scan(&t.Name, &t.Columns, &d); err != nil {
			return nil, err
		}
		all = append(all, t)
		deps[t.Name] = d
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var out []tablePart
	done := map[string]bool{}
	for len(out) < len(all) {
		moved := false
		for _, t := range all {
			if done[t.Name] {
				continue
			}
			ready := true
			for _, d := range deps[t.Name] {
				ready = ready && done[d]
			}
			if ready {
				out, done[t.Name], moved = append(out, t), true, true
			}
		}
		if !moved {
			return nil, errors.New("the tables' foreign keys form a cycle")
		}
	}
	return out, nil
}

// Info is the snapshot's schema versions.
func (sn *Snapshot) Info() store.SnapshotInfo { return sn.info }

// WriteParts writes every table, by COPY in text form, and the sequences'
// values, each as a part that part opens.
func (sn *Snapshot) WriteParts(ctx context.Context, part func(name string) (io.WriteCloser, error)) error {
	pg := sn.conn.Conn().PgConn()
	for _, t := range sn.tables {
		head, _ := json.Marshal(t)
		w, err := part("table " + string(head))
		if err != nil {
			return err
		}
		if _, err := pg.CopyTo(ctx, w, "COPY "+ident(t.Name)+" ("+idents(t.Columns)+") TO STDOUT"); err != nil {
			return fmt.Errorf("copy %s: %w", t.Name, err)
		}
		if err := w.Close(); err != nil {
			return err
		}
	}
	rows, err := sn.tx.Query(ctx, `SELECT sequencename::text, last_value FROM pg_sequences
		WHERE schemaname = current_schema() AND last_value IS NOT NULL ORDER BY sequencename`)
	if err != nil {
		return err
	}
	seqs := map[string]int64{}
	for rows.Next() {
		var name string
		var v int64
		if err := rows.Scan(&name, &v); err != nil {
			rows.Close()
			return err
		}
		seqs[name] = v
	}
	if err := rows.Err(); err != nil {
		return err
	}
	w, err := part(sequencesPart)
	if err != nil {
		return err
	}
	if err := json.NewEncoder(w).Encode(seqs); err != nil {
		return err
	}
	return w.Close()
}

// Close ends the snapshot's transaction.
func (sn *Snapshot) Close() error {
	err := sn.tx.Rollback(context.Background())
	sn.conn.Release()
	return err
}

// ErrNotEmpty is returned by Restore when the target schema holds anything.
var ErrNotEmpty = errors.New("the target schema is not empty")

// Restore builds the schema of a snapshot and copies its rows in (S-03):
// River's migrations up to info.QueueVersion first, each in its own
// transaction as River needs (a migration adds an enum value that a later
// one uses, which PostgreSQL allows only after a commit); then, in one
// transaction, samtykke's migrations up to info.SchemaVersion and each part
// that next returns, until next returns io.EOF (the archive read whole and
// intact). The target schema (the URL's search_path, or public) must hold
// nothing. On any error that transaction rolls back and River's tables are
// migrated down again: the schema is left empty, as it was. The store is
// left at the snapshot's schema: Migrate brings it up to date.
func (s *Store) Restore(ctx context.Context, info store.SnapshotInfo, next func() (string, io.Reader, error)) (err error) {
	var schema *string
	var n int
	if err := s.pool.QueryRow(ctx, `SELECT current_schema(), (SELECT count(*) FROM pg_class
		WHERE relnamespace = current_schema()::regnamespace)`).Scan(&schema, &n); err != nil {
		return err
	}
	if schema == nil {
		return errors.New("the database URL's search_path names no schema that exists: create it first")
	}
	if n > 0 {
		return fmt.Errorf("%w: schema %s holds %d tables, indexes or sequences; restore into an empty schema or database",
			ErrNotEmpty, *schema, n)
	}
	m, err := rivermigrate.New(riverpgxv5.New(s.pool), nil)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_, derr := m.Migrate(context.WithoutCancel(ctx), rivermigrate.DirectionDown, &rivermigrate.MigrateOpts{TargetVersion: -1})
			if derr != nil {
				err = fmt.Errorf("%w (and River's tables made for the restore could not be dropped again: %v)", err, derr)
			}
		}
	}()
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, &rivermigrate.MigrateOpts{TargetVersion: info.QueueVersion}); err != nil {
		return fmt.Errorf("river migrations: %w", err)
	}
	return s.restoreRows(ctx, info, next)
}

// restoreRows is Restore's transaction: samtykke's schema, then the rows.
func (s *Store) restoreRows(ctx context.Context, info store.SnapshotInfo, next func() (string, io.Reader, error)) error {
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	tx, err := conn.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(context.WithoutCancel(ctx)) //nolint:errcheck
	if err := s.MigrateUpTo(ctx, txDB{tx}, info.SchemaVersion); err != nil {
		return err
	}
	pg := conn.Conn().PgConn()
	for {
		name, r, err := next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		switch {
		case strings.HasPrefix(name, "table "):
			var t tablePart
			if err := json.Unmarshal([]byte(strings.TrimPrefix(name, "table ")), &t); err != nil || t.Name == "" {
				return fmt.Errorf("a part names no table: %q", name)
			}
			// What the migrations wrote (their records, a chain's first
			// head) gives way to the snapshot's: the tables are this
			// transaction's own, so their guards against deletion are
			// set aside for that one statement.
			var seeded bool
			if err := tx.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM "+ident(t.Name)+")").Scan(&seeded); err != nil {
				return fmt.Errorf("table %s: %w", t.Name, err)
			}
			if seeded {
				for _, q := range []string{"ALTER TABLE " + ident(t.Name) + " DISABLE TRIGGER USER", "DELETE FROM " + ident(t.Name),
					"ALTER TABLE " + ident(t.Name) + " ENABLE TRIGGER USER"} {
					if _, err := tx.Exec(ctx, q); err != nil {
						return fmt.Errorf("table %s: %w", t.Name, err)
					}
				}
			}
			if _, err := pg.CopyFrom(ctx, r, "COPY "+ident(t.Name)+" ("+idents(t.Columns)+") FROM STDIN"); err != nil {
				return fmt.Errorf("copy %s: %w", t.Name, err)
			}
		case name == sequencesPart:
			var seqs map[string]int64
			if err := json.NewDecoder(r).Decode(&seqs); err != nil {
				return fmt.Errorf("sequences: %w", err)
			}
			for seq, v := range seqs {
				if _, err := tx.Exec(ctx, `SELECT setval(CAST($1 AS regclass), $2)`, ident(seq), v); err != nil {
					return fmt.Errorf("sequence %s: %w", seq, err)
				}
			}
		default:
			return fmt.Errorf("a part this samtykke does not know: %q", name)
		}
	}
	return tx.Commit(ctx)
}

func ident(name string) string { return pgx.Identifier{name}.Sanitize() }

func idents(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = ident(n)
	}
	return strings.Join(q, ", ")
}

// txDB runs sqlstore's statements on a pgx transaction.
type txDB struct{ tx pgx.Tx }

func (d txDB) Exec(ctx context.Context, q string, args ...any) (int64, error) {
	tag, err := d.tx.Exec(ctx, q, args...)
	return tag.RowsAffected(), err
}

func (d txDB) Query(ctx context.Context, q string, args ...any) (sqlstore.Rows, error) {
	rows, err := d.tx.Query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	return rows, nil
}

func (d txDB) QueryRow(ctx context.Context, q string, args ...any) sqlstore.Row {
	return d.tx.QueryRow(ctx, q, args...)
}
