// SPDX-License-Identifier: AGPL-3.0-only

package storetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/samtykke/samtykke/internal/access"
	"github.com/samtykke/samtykke/internal/store"
)

// chainOf reads the whole kept chain and checks it (invariant 6).
func chainOf(t *testing.T, s store.Store) ([]access.Entry, access.Anchor, access.Head, error) {
	t.Helper()
	ctx := context.Background()
	anchor, head, err := s.AccessLogEnds(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var es []access.Entry
	v := access.NewVerifier(anchor.Head)
	err = s.ScanAccessLog(ctx, anchor.Seq, head.Seq, func(e access.Entry) error {
		es = append(es, e)
		return v.Add(e)
	})
	if err == nil {
		err = v.Close(head)
	}
	return es, anchor, head, err
}

// exerciseAccessChain: entries are sealed into one chain in the order their
// transactions commit, several to a transaction; the database refuses to
// change or delete them by SQL; an entry written beneath the store is
// found (invariant 6, S-02).
func exerciseAccessChain(t *testing.T, b Backend) {
	ctx := context.Background()
	// The API offers no way to change an entry, nor to remove one but by
	// pruning past retention...
	allowed := map[string]bool{"RecordAccess": true, "FinishExport": true, "Accesses": true, "ExportLog": true,
		"AccessLogEnds": true, "ScanAccessLog": true, "PruneAccessLog": true}
	for _, typ := range []reflect.Type{reflect.TypeFor[store.Tx](), reflect.TypeFor[store.Store]()} {
		for i := range typ.NumMethod() {
			if m := typ.Method(i).Name; (strings.Contains(m, "Access") || strings.Contains(m, "Export")) && !allowed[m] &&
				!strings.HasPrefix(m, "Export") {
				t.Errorf("%s has method %s: the access log's API must only append, read and prune", typ, m)
			}
		}
	}
	// ...and the database refuses it beneath the API.
	s := b.Open(t)
	entry := func(i int) access.Entry {
		return access.Entry{ID: fmt.Sprintf("a%d", i), At: t0.Add(time.Duration(i) * time.Hour), Actor: "token:t1:ci",
			Action: access.Lookup, ContactID: "c1", Reason: "support case", RequestID: "r"}
	}
	tx(t, s, func(tx store.Tx) error { return tx.RecordAccess(ctx, entry(1)) })
	tx(t, s, func(tx store.Tx) error {
		if err := tx.RecordAccess(ctx, entry(2)); err != nil {
			return err
		}
		// Read in its own transaction before it commits: not sealed yet.
		es, err := tx.Accesses(ctx, "c1")
		if err != nil || len(es) != 2 || es[1].Seq != 0 {
			t.Errorf("in the transaction: %+v, %v; want a2 unsealed", es, err)
		}
		return tx.RecordAccess(ctx, entry(3))
	})
	// A rolled-back transaction takes no place in the chain.
	_ = s.Tx(ctx, func(tx store.Tx) error {
		if err := tx.RecordAccess(ctx, entry(9)); err != nil {
			return err
		}
		return errors.New("rolled back")
	})
	es, _, head, err := chainOf(t, s)
	if err != nil {
		t.Fatalf("chain: %v", err)
	}
	if len(es) != 3 || head.Seq != 3 || !bytes.Equal(head.Hash, es[2].Hash) {
		t.Fatalf("chain of %d entries, head %d; want 3", len(es), head.Seq)
	}
	for i, e := range es {
		if want := access.Next(access.Head{Seq: int64(i), Hash: e.PrevHash}, entry(i+1)); e.ID != want.ID || !bytes.Equal(e.Hash, want.Hash) {
			t.Errorf("entry %d = %s %x; want %s %x", i+1, e.ID, e.Hash, want.ID, want.Hash)
		}
	}

	t.Run("update and delete by SQL are refused", func(t *testing.T) {
		for _, q := range []string{
			`UPDATE access_log SET reason = 'nothing to see' WHERE id = 'a1'`,
			`UPDATE access_log SET outcome = 'complete' WHERE id = 'a2'`,
			`UPDATE access_log SET hash = NULL, seq = NULL WHERE id = 'a3'`,
			`DELETE FROM access_log WHERE id = 'a2'`,
			`DELETE FROM access_log`,
			`DELETE FROM access_head`,
		} {
			if err := b.Exec(t, s, q); err == nil {
				t.Errorf("%s: accepted; want refused", q)
			}
		}
		if n := b.Int(t, s, `SELECT count(*) FROM access_log WHERE reason = 'support case'`); n != 3 {
			t.Errorf("%d entries left as written; want 3", n)
		}
		if _, _, _, err := chainOf(t, s); err != nil {
			t.Errorf("chain after refused changes: %v", err)
		}
	})

	t.Run("pruning keeps the rest whole", func(t *testing.T) {
		var n int64
		cut := t0.Add(2*time.Hour + time.Minute) // a1 and a2 are before it
		tx(t, s, func(tx store.Tx) (err error) {
			n, err = tx.PruneAccessLog(ctx, cut, t0.Add(24*time.Hour), 100)
			return err
		})
		if n != 2 {
			t.Fatalf("pruned %d; want 2", n)
		}
		es, anchor, _, err := chainOf(t, s)
		if err != nil || len(es) != 1 || es[0].ID != "a3" || anchor.Seq != 2 || !bytes.Equal(anchor.Hash, es[0].PrevHash) {
			t.Errorf("after pruning: %d entries, anchor %+v, %v; want a3 after anchor 2", len(es), anchor, err)
		}
		tx(t, s, func(tx store.Tx) (err error) {
			n, err = tx.PruneAccessLog(ctx, cut, t0.Add(25*time.Hour), 100)
			return err
		})
		if n != 0 {
			t.Errorf("pruned %d again; want 0", n)
		}
		for _, q := range []string{`DELETE FROM access_log WHERE id = 'a3'`, `UPDATE access_anchors SET seq = 3`, `DELETE FROM access_anchors`} {
			if err := b.Exec(t, s, q); err == nil {
				t.Errorf("%s: accepted; want refused", q)
			}
		}
	})

	t.Run("an entry written beneath the store is found", func(t *testing.T) {
		if err := b.Exec(t, s, `INSERT INTO access_log (id, at, actor, action, contact_id, reason, request_id)
			VALUES ('forged', 1, 'cli:x', 'read', 'c1', 'r', '')`); err != nil {
			t.Fatal(err)
		}
		var f *access.Fault
		if _, _, _, err := chainOf(t, s); !errors.As(err, &f) || f.EntryID != "forged" {
			t.Errorf("chain with a forged entry: %v; want a fault naming it", err)
		}
	})
}

// undo0025 takes a store back to before migration 0025, as a database
// written by an older samtykke is.
var undo0025 = map[string][]string{
	"sqlite": {`DROP TRIGGER access_log_no_update`, `DROP TRIGGER access_log_no_delete`, `DROP INDEX access_log_seq`,
		`DROP INDEX access_log_export_end`, `DROP TABLE access_head`, `DROP TABLE access_anchors`,
		`ALTER TABLE access_log DROP COLUMN refers`, `ALTER TABLE access_log DROP COLUMN seq`,
		`ALTER TABLE access_log DROP COLUMN prev_hash`, `ALTER TABLE access_log DROP COLUMN hash`,
		`ALTER TABLE ledger_checkpoints DROP COLUMN access_seq`, `ALTER TABLE ledger_checkpoints DROP COLUMN access_hash`,
		`DELETE FROM schema_migrations WHERE version = 25`},
	"postgres": {`DROP FUNCTION samtykke_access_log_guard() CASCADE`, `DROP TRIGGER access_log_no_truncate ON access_log`,
		`DROP TABLE access_head`, `DROP TABLE access_anchors`,
		`ALTER TABLE access_log DROP COLUMN refers, DROP COLUMN seq, DROP COLUMN prev_hash, DROP COLUMN hash`,
		`ALTER TABLE ledger_checkpoints DROP COLUMN access_seq, DROP COLUMN access_hash`,
		`DELETE FROM schema_migrations WHERE version = 25`},
}

// exerciseAccessBackfill: migration 0025 seals the entries written before
// it into the chain, oldest first, an export finished the old way (its
// entry updated) included; the chain verifies and the export is listed as
// it ended; the entries are then guarded as any (invariant 6).
func exerciseAccessBackfill(t *testing.T, b Backend) {
	ctx := context.Background()
	s := b.Open(t)
	for _, q := range undo0025[b.Name] {
		if err := b.Exec(t, s, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	for i, q := range []string{
		`INSERT INTO access_log (id, at, actor, action, contact_id, reason, request_id, scope, row_count, outcome)
			VALUES ('old-3', $1, 'cli:dpo', 'export', '', 'flytting til nytt system', '', 'contacts', NULL, 'started')`,
		`INSERT INTO access_log (id, at, actor, action, contact_id, reason, request_id) VALUES ('old-1', $1, 'token:t1:ci', 'read', 'c1', '', 'r1')`,
		`INSERT INTO access_log (id, at, actor, action, contact_id, reason, request_id) VALUES ('old-2', $1, 'token:t1:ci', 'lookup', 'c1', 'support', 'r2')`,
		`UPDATE access_log SET row_count = 42, outcome = 'complete' WHERE id = 'old-3'`,
	} {
		at := map[int]int64{0: 3, 1: 1, 2: 2}[i]
		args := []any{t0.Add(time.Duration(at) * time.Minute).UnixMicro()}
		if i == 3 {
			args = nil
		}
		if err := b.Exec(t, s, q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if err := s.Migrate(ctx); err != nil {
		t.Fatalf("migrate over the old log: %v", err)
	}
	es, _, head, err := chainOf(t, s)
	if err != nil {
		t.Fatalf("the sealed log does not verify: %v", err)
	}
	var ids []string
	for _, e := range es {
		ids = append(ids, e.ID)
	}
	if fmt.Sprint(ids) != "[old-1 old-2 old-3]" || head.Seq != 3 {
		t.Errorf("sealed %v, head %d; want old-1 old-2 old-3 in their times' order", ids, head.Seq)
	}
	log, err := s.ExportLog(ctx, 10)
	if err != nil || len(log) != 1 || log[0].Rows == nil || *log[0].Rows != 42 || log[0].Outcome != access.Complete {
		t.Errorf("ExportLog = %+v, %v; want old-3 complete with 42 rows", log, err)
	}
	if err := b.Exec(t, s, `UPDATE access_log SET reason = 'x' WHERE id = 'old-2'`); err == nil {
		t.Errorf("a sealed old entry was changed")
	}
	// New entries follow the old ones in the chain.
	tx(t, s, func(tx store.Tx) error {
		return tx.RecordAccess(ctx, access.Entry{ID: "new-1", At: t0.Add(time.Hour), Actor: "cli:dpo", Action: access.Read, ContactID: "c1"})
	})
	if es, _, _, err := chainOf(t, s); err != nil || len(es) != 4 || es[3].Seq != 4 {
		t.Errorf("after a new entry: %d entries, %v", len(es), err)
	}
}
