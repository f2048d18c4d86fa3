// SPDX-License-Identifier: AGPL-3.0-only

package app_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/samtykke/samtykke/internal/app"
	"github.com/samtykke/samtykke/internal/ledger"
	"github.com/samtykke/samtykke/internal/store/storetest"
)

// unguard drops the database's append-only guard, as someone with direct
// access to the database could.
var unguard = map[string][]string{
	"sqlite":   {`DROP TRIGGER consent_events_no_update`, `DROP TRIGGER consent_events_no_delete`},
	"postgres": {`ALTER TABLE consent_events DISABLE TRIGGER USER`},
}

// TestVerifyLedgerCatchesTampering tampers with the stored ledger beneath the
// API, in the real database, and expects verification to name the first bad
// event (L-02, invariant 3).
func TestVerifyLedgerCatchesTampering(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		tamper  []string // %C is the contact id, %E1..%E3 its events
		problem string   // part of the fault's description
		event   string   // which event the fault names ("" when it names the contact)
	}{
		{"edited kind", []string{`UPDATE consent_events SET kind = 'confirmed' WHERE id = '%E2'`}, "edited", "%E2"},
		{"edited time", []string{`UPDATE consent_events SET at = at - 1000000 WHERE id = '%E1'`}, "edited", "%E1"},
		{"deleted middle event", []string{`DELETE FROM consent_events WHERE id = '%E2'`}, "deleted", "%E3"},
		{"reordered", []string{`UPDATE consent_events SET seq = -1 WHERE id = '%E1'`, `UPDATE consent_events SET seq = 1 WHERE id = '%E2'`,
			`UPDATE consent_events SET seq = 2 WHERE id = '%E1'`}, "", "%E2"},
		{"truncated tail", []string{`DELETE FROM consent_events WHERE id = '%E3'`}, "removed from the end", ""},
		{"removed chain", []string{`DELETE FROM consent_events WHERE contact_id = '%C'`}, "removed from the end", ""},
		{"swapped evidence", []string{`UPDATE consent_events SET evidence_ct = (SELECT evidence_ct FROM consent_events WHERE id = '%E1') WHERE id = '%E2'`},
			"evidence", "%E2"},
	}
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				t.Parallel()
				tb := setup(t, b)
				tb.seed(t)
				// An unrelated contact whose chain stays intact.
				tb.consented(t, "+47 400 11 222")
				rec := tb.consented(t, "+47 912 34 567")
				for _, p := range []string{"offers", "all"} {
					if _, err := tb.app.Withdraw(tb.ctx, integrator, app.WithdrawInput{Subject: app.Subject{ContactID: rec.ContactID}, Purpose: p}); err != nil {
						t.Fatal(err)
					}
				}
				events, _ := tb.store.Events(tb.ctx, rec.ContactID)
				if len(events) != 3 {
					t.Fatalf("setup: %d events", len(events))
				}
				if _, err := tb.app.VerifyLedger(tb.ctx); err != nil {
					t.Fatalf("untampered ledger does not verify: %v", err)
				}
				subst := strings.NewReplacer("%C", rec.ContactID, "%E1", events[0].ID, "%E2", events[1].ID, "%E3", events[2].ID)
				for _, q := range unguard[b.Name] {
					if err := b.Exec(t, tb.store, q); err != nil {
						t.Fatal(err)
					}
				}
				for _, q := range c.tamper {
					if err := b.Exec(t, tb.store, subst.Replace(q)); err != nil {
						t.Fatalf("tamper %q: %v", q, err)
					}
				}
				_, err := tb.app.VerifyLedger(tb.ctx)
				var fault *ledger.Fault
				if !errors.As(err, &fault) || !errors.Is(err, ledger.ErrBroken) {
					t.Fatalf("verify after tampering: err = %v; want a *ledger.Fault", err)
				}
				if fault.ContactID != rec.ContactID || fault.EventID != subst.Replace(c.event) || !strings.Contains(fault.Problem, c.problem) {
					t.Errorf("fault = %+v; want contact %s, event %q, problem containing %q", fault, rec.ContactID, subst.Replace(c.event), c.problem)
				}
			})
		}
	})
}

// TestErasedChainStillVerifies: crypto-shredding a contact's key leaves its
// chain verifiable on the digests alone (L-05).
func TestErasedChainStillVerifies(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		tb := setup(t, b)
		tb.seed(t)
		rec := tb.consented(t, "+47 912 34 567")
		if err := b.Exec(t, tb.store, `DELETE FROM contact_keys WHERE contact_id = $1`, rec.ContactID); err != nil {
			t.Fatal(err)
		}
		rep, err := tb.app.VerifyLedger(tb.ctx)
		if err != nil || rep.Events != 1 || rep.Evidence != 0 {
			t.Fatalf("verify after shredding = %+v, %v; want 1 event verified on its digest", rep, err)
		}
	})
}
