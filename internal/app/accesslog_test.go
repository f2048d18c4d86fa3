// SPDX-License-Identifier: AGPL-3.0-only

package app_test

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/samtykke/samtykke/internal/access"
	"github.com/samtykke/samtykke/internal/store/storetest"
)

// unguardAccessLog drops the access log's append-only guard, as someone
// with the database's owner rights could.
var unguardAccessLog = map[string][]string{
	"sqlite":   {`DROP TRIGGER access_log_no_update`, `DROP TRIGGER access_log_no_delete`},
	"postgres": {`ALTER TABLE access_log DISABLE TRIGGER USER`},
}

// accessed records n reads of a contact through the app, each an entry of
// the access log.
func (tb *bundle) accessed(t *testing.T, contactID string, n int) {
	t.Helper()
	for range n {
		if _, err := tb.app.Contact(tb.ctx, admin, contactID); err != nil {
			t.Fatal(err)
		}
	}
}

// TestVerifyAccessLogCatchesTampering: samtykke ledger verify checks the
// access log's chain too (invariant 6, S-02): with the triggers dropped, an
// edited, deleted, inserted or cut-off entry is a *access.Fault naming it;
// the untouched log verifies with its length and head. A tail cut with the
// head set back to match is whole as a chain: the head the daily checkpoint
// signed finds it.
func TestVerifyAccessLogCatchesTampering(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		tamper  []string // %S is the seq of the log's middle entry, %L of its last
		problem string
		seq     string // the seq the fault names
	}{
		{"edited reason", []string{`UPDATE access_log SET reason = 'routine' WHERE seq = %S`}, "edited", "%S"},
		{"edited actor", []string{`UPDATE access_log SET actor = 'cli:nobody' WHERE seq = %S`}, "edited", "%S"},
		{"deleted entry", []string{`DELETE FROM access_log WHERE seq = %S`}, "deleted", "%S+1"},
		{"cut tail", []string{`DELETE FROM access_log WHERE seq = %L`}, "removed from the end", "%L-1"},
		{"head moved back with the tail, after a checkpoint", []string{`DELETE FROM access_log WHERE seq = %L`,
			`UPDATE access_head SET seq = seq - 1, hash = (SELECT hash FROM access_log WHERE seq = %L - 1)`}, "checkpoint signed head seq", "%L-1"},
		{"entry written beneath the store", []string{`INSERT INTO access_log (id, at, actor, action, contact_id, reason, request_id)
			VALUES ('forged', 1, 'cli:x', 'read', 'c', 'a forged reason', '')`}, "outside the chain", "0"},
	}
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				t.Parallel()
				tb := setup(t, b)
				tb.seed(t)
				rec := tb.consented(t, "+47 912 34 567")
				tb.accessed(t, rec.ContactID, 4)
				total := tb.b.Int(t, tb.store, `SELECT count(*) FROM access_log`)
				rep, err := tb.app.VerifyLedger(tb.ctx)
				if err != nil || rep.Accesses != total || rep.AccessHead != total || len(rep.AccessHash) != 64 {
					t.Fatalf("untouched log = %+v, %v; want %d entries checked", rep, err, total)
				}
				mid, last := total/2, total
				if strings.Contains(c.name, "checkpoint") {
					if _, err := tb.app.Checkpoint(tb.ctx); err != nil {
						t.Fatal(err)
					}
				}
				subst := strings.NewReplacer("%S", fmt.Sprint(mid), "%L", fmt.Sprint(last))
				for _, q := range unguardAccessLog[b.Name] {
					if err := b.Exec(t, tb.store, q); err != nil {
						t.Fatal(err)
					}
				}
				for _, q := range c.tamper {
					if err := b.Exec(t, tb.store, subst.Replace(q)); err != nil {
						t.Fatalf("tamper %q: %v", q, err)
					}
				}
				_, err = tb.app.VerifyLedger(tb.ctx)
				var f *access.Fault
				if !errors.As(err, &f) || !errors.Is(err, access.ErrBroken) {
					t.Fatalf("verify after tampering: %v; want an *access.Fault", err)
				}
				wantSeq := map[string]int64{"%S": mid, "%S+1": mid + 1, "%L-1": last - 1, "0": 0}[c.seq]
				if f.Seq != wantSeq || !strings.Contains(f.Problem, c.problem) {
					t.Errorf("fault = %+v; want seq %d and a problem containing %q", f, wantSeq, c.problem)
				}
				// The number as written or as stored, not three digits a
				// random id may hold too.
				if msg := err.Error(); strings.Contains(msg, "91234567") || strings.Contains(msg, "912 34 567") {
					t.Errorf("the fault shows the number: %v", err)
				}
			})
		}
	})
}

// TestAccessLogConcurrentWriters: replicas record accesses at once (here
// goroutines on the pool's connections, each transaction on its own); the
// log stays one chain, every entry in it once (invariant 6).
func TestAccessLogConcurrentWriters(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		tb := setup(t, b)
		tb.seed(t)
		rec := tb.consented(t, "+47 912 34 567")
		before := tb.b.Int(t, tb.store, `SELECT count(*) FROM access_log`)
		const writers, each = 8, 15
		var wg sync.WaitGroup
		errs := make(chan error, writers*each)
		for range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range each {
					if _, err := tb.app.Contact(tb.ctx, admin, rec.ContactID); err != nil {
						errs <- err
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		rep, err := tb.app.VerifyLedger(tb.ctx)
		want := before + writers*each
		if err != nil || rep.Accesses != want || rep.AccessHead != want {
			t.Fatalf("verify = %+v, %v; want one chain of %d entries", rep, err, want)
		}
		if n := tb.b.Int(t, tb.store, `SELECT count(DISTINCT seq) FROM access_log`); n != want {
			t.Errorf("%d distinct seqs; want %d", n, want)
		}
	})
}
