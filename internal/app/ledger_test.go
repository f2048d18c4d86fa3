// SPDX-License-Identifier: AGPL-3.0-only

package app_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/samtykke/samtykke/internal/app"
	"github.com/samtykke/samtykke/internal/consent"
	"github.com/samtykke/samtykke/internal/ledger"
	"github.com/samtykke/samtykke/internal/store"
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

// derivedWorld is a database whose derived state verification compares
// with the fold of the chains (invariant 11), every history recorded
// through the app: a consent with a soft opt-in beside it, a withdrawal, an
// objection to all marketing (on two channels, suppressing the number), an
// opt-in request that expired beside a consent, and one that expired on a
// contact who never consented, who is erased.
type derivedWorld struct {
	active, withdrawn, objected, expired, erased string // contact ids
	objection                                    string // the objected contact's objection event
}

func (tb *bundle) derivedWorld(t *testing.T) derivedWorld {
	t.Helper()
	tb.seed(t)
	if _, err := tb.app.CreatePurpose(tb.ctx, admin, consent.Purpose{Key: "mail", Channel: consent.Email, Basis: consent.BasisConsent,
		RetentionDays: 365, Description: consent.Text{NB: "Nyhetsbrev", EN: "Newsletter"}}); err != nil {
		t.Fatal(err)
	}
	record := func(in app.ConsentInput) app.Recorded {
		t.Helper()
		rec, err := tb.app.RecordConsent(tb.ctx, integrator, in)
		if err != nil {
			t.Fatal(err)
		}
		return rec
	}
	withdraw := func(id, purpose string) app.Withdrawn {
		t.Helper()
		out, err := tb.app.Withdraw(tb.ctx, integrator, app.WithdrawInput{Subject: app.Subject{ContactID: id}, Purpose: purpose})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	var w derivedWorld
	w.active = tb.consented(t, "+47 400 11 222").ContactID
	soft := confirmed("+47 400 11 222")
	soft.Purpose, soft.Method = "customers", "in_store"
	soft.Evidence = ledger.Evidence{OrderRef: "ORD-1", ProductCategory: "sko", OptOutOfferedAt: "2026-11-29T11:00:00Z"}
	record(soft)
	w.withdrawn = tb.consented(t, "+47 912 34 567").ContactID
	withdraw(w.withdrawn, "offers")
	w.objected = tb.consented(t, "+47 412 34 567").ContactID
	mail := confirmed("+47 412 34 567")
	mail.Purpose = "mail"
	record(mail)
	w.objection = withdraw(w.objected, "all").EventID
	mail.Subject.Phone = "+47 413 34 567"
	w.expired = record(mail).ContactID
	for _, number := range []string{"+47 413 34 567", "+47 414 34 567"} {
		if _, err := tb.app.RequestOptIn(tb.ctx, app.OptInRequest{Phone: number, Purposes: []string{"offers"}, AgeConfirmed: true}); err != nil {
			t.Fatal(err)
		}
	}
	tb.now = tb.now.Add(73 * time.Hour)
	if n, err := tb.app.ExpireOptIns(tb.ctx); err != nil || n != 2 {
		t.Fatalf("ExpireOptIns = %d, %v; want 2", n, err)
	}
	erased, err := tb.store.ContactByIndex(tb.ctx, tb.vault.BlindIndex("+4741434567"))
	if err == nil {
		t.Fatalf("the contact that never consented was not erased: %+v", erased)
	}
	// The erased contact is the one whose key is gone.
	if err := tb.store.ScanChains(tb.ctx, func(it store.ChainItem) error {
		if it.Event == nil && it.KeyWrapped == nil {
			w.erased = it.ContactID
		}
		return nil
	}); err != nil || w.erased == "" {
		t.Fatalf("no erased contact found: %v", err)
	}
	return w
}

// TestVerifyLedgerChecksDerivedState changes the derived state beneath the
// API, in the real database, with every chain left intact, and expects
// verification to name the contact and the purpose (invariant 11, L-02).
func TestVerifyLedgerChecksDerivedState(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		tamper  func(w derivedWorld) (string, []any)
		contact func(w derivedWorld) string
		purpose string // the purpose the fault names ("" for the suppression list)
		event   func(w derivedWorld) string
		problem string // part of the fault's description
	}{
		{"a withdrawn consent set back to active", func(w derivedWorld) (string, []any) {
			return `UPDATE consent_states SET status = 'active', basis = 'consent' WHERE contact_id = $1 AND purpose = 'offers'`, []any{w.withdrawn}
		}, func(w derivedWorld) string { return w.withdrawn }, "offers", nil, "status stored active, events give withdrawn"},
		{"a consent state deleted", func(w derivedWorld) (string, []any) {
			return `DELETE FROM consent_states WHERE contact_id = $1 AND purpose = 'offers'`, []any{w.active}
		}, func(w derivedWorld) string { return w.active }, "offers", nil, "no consent state is stored"},
		{"a consent state no event gives", func(w derivedWorld) (string, []any) {
			return `INSERT INTO consent_states (contact_id, purpose, status, event_id, since, valid_until, age_ok, basis)
				VALUES ($1, 'customers', 'active', 'e', 1, 0, true, 'existing_customer')`, []any{w.withdrawn}
		}, func(w derivedWorld) string { return w.withdrawn }, "customers", nil, "no event"},
		{"a consent validity moved", func(w derivedWorld) (string, []any) {
			return `UPDATE consent_states SET valid_until = valid_until + 86400000000 WHERE contact_id = $1 AND purpose = 'offers'`, []any{w.active}
		}, func(w derivedWorld) string { return w.active }, "offers", nil, "valid_until stored"},
		{"an erased contact set back to active", func(w derivedWorld) (string, []any) {
			return `UPDATE consent_states SET status = 'active' WHERE contact_id = $1`, []any{w.erased}
		}, func(w derivedWorld) string { return w.erased }, "offers", nil, "status stored active, events give erased"},
		{"a state on another channel than the objection", func(w derivedWorld) (string, []any) {
			return `UPDATE consent_states SET status = 'active', basis = 'consent' WHERE contact_id = $1 AND purpose = 'mail'`, []any{w.objected}
		}, func(w derivedWorld) string { return w.objected }, "mail", nil, "events give withdrawn"},
		{"the suppression list emptied", func(derivedWorld) (string, []any) { return `DELETE FROM suppressions`, nil },
			func(w derivedWorld) string { return w.objected }, "", func(w derivedWorld) string { return w.objection }, "not on the suppression list"},
		{"a suppression time cleared", func(derivedWorld) (string, []any) { return `UPDATE suppressions SET at = 0`, nil },
			func(w derivedWorld) string { return w.objected }, "", func(w derivedWorld) string { return w.objection }, "no time"},
	}
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				t.Parallel()
				tb := setup(t, b)
				w := tb.derivedWorld(t)
				if _, err := tb.app.VerifyLedger(tb.ctx); err != nil {
					t.Fatalf("untampered database does not verify: %v", err)
				}
				q, args := c.tamper(w)
				if err := b.Exec(t, tb.store, q, args...); err != nil {
					t.Fatalf("tamper %q: %v", q, err)
				}
				_, err := tb.app.VerifyLedger(tb.ctx)
				var fault *ledger.Fault
				if !errors.As(err, &fault) || !errors.Is(err, ledger.ErrBroken) {
					t.Fatalf("verify after tampering: err = %v; want a *ledger.Fault", err)
				}
				wantEvent := ""
				if c.event != nil {
					wantEvent = c.event(w)
				}
				if fault.ContactID != c.contact(w) || fault.Purpose != c.purpose || fault.EventID != wantEvent || !strings.Contains(fault.Problem, c.problem) {
					t.Errorf("fault = %+v; want contact %s, purpose %q, event %q, problem containing %q", fault, c.contact(w), c.purpose, wantEvent, c.problem)
				}
				if strings.Contains(err.Error(), "+47") || strings.Contains(err.Error(), "4123") {
					t.Errorf("the fault names a number: %v", err)
				}
			})
		}
	})
}

// TestDerivedStateTamperingIsReal: the changes verification must find do
// change what the gate answers, so that finding them matters.
func TestDerivedStateTamperingIsReal(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		tb := setup(t, b)
		w := tb.derivedWorld(t)
		for _, c := range []struct {
			contact, sql string
		}{
			{w.withdrawn, `UPDATE consent_states SET status = 'active', basis = 'consent' WHERE contact_id = $1 AND purpose = 'offers'`},
			{w.objected, `UPDATE consent_states SET status = 'active', basis = 'consent' WHERE contact_id = $1 AND purpose = 'offers'`},
		} {
			if d, err := tb.app.Gate(tb.ctx, marketer, c.contact, "offers"); err != nil || d.Allowed {
				t.Fatalf("gate before = %+v, %v; want refused", d, err)
			}
			if err := b.Exec(t, tb.store, c.sql, c.contact); err != nil {
				t.Fatal(err)
			}
		}
		if d, _ := tb.app.Gate(tb.ctx, marketer, w.withdrawn, "offers"); !d.Allowed {
			t.Errorf("gate after setting the state back = %+v; want allowed (the attack is real)", d)
		}
		if d, _ := tb.app.Gate(tb.ctx, marketer, w.objected, "offers"); d.Allowed || d.Reason != consent.ReasonSuppressed {
			t.Errorf("gate with the state set back but the number suppressed = %+v; want suppressed", d)
		}
		if err := b.Exec(t, tb.store, `DELETE FROM suppressions`); err != nil {
			t.Fatal(err)
		}
		if d, _ := tb.app.Gate(tb.ctx, marketer, w.objected, "offers"); !d.Allowed {
			t.Errorf("gate with the suppression deleted too = %+v; want allowed (the attack is real)", d)
		}
	})
}

// TestUntouchedDerivedStateVerifies: consents, a soft opt-in, a withdrawal,
// an objection on two channels, expiries and an erased contact, as the app
// recorded them, verify; every state and the suppression are counted
// (invariant 11).
func TestUntouchedDerivedStateVerifies(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		tb := setup(t, b)
		tb.derivedWorld(t)
		rep, err := tb.app.VerifyLedger(tb.ctx)
		if err != nil {
			t.Fatalf("verify = %v", err)
		}
		states := tb.b.Int(t, tb.store, `SELECT count(*) FROM consent_states`)
		if rep.Contacts != 5 || rep.States != states || states < 7 || rep.Suppressions != 1 || rep.Unchecked != 0 || rep.Reread != 0 {
			t.Errorf("report = %+v; want 5 contacts, all %d states, 1 suppression checked, none unchecked or read again", rep, states)
		}
	})
}

// TestErasedObjectionIsNotCheckable: once a contact who objected is erased,
// its number is gone and its suppression token cannot be recomputed: the
// list cannot be checked for it, and the report counts it as unchecked
// (invariant 11, what is not checkable).
func TestErasedObjectionIsNotCheckable(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		tb := setup(t, b)
		w := tb.derivedWorld(t)
		for _, q := range []string{`DELETE FROM contact_keys WHERE contact_id = $1`,
			`UPDATE contacts SET phone_ct = NULL, blind_index = NULL WHERE id = $1`} {
			if err := b.Exec(t, tb.store, q, w.objected); err != nil {
				t.Fatal(err)
			}
		}
		if err := b.Exec(t, tb.store, `DELETE FROM suppressions`); err != nil {
			t.Fatal(err)
		}
		rep, err := tb.app.VerifyLedger(tb.ctx)
		if err != nil || rep.Unchecked != 1 || rep.Suppressions != 0 {
			t.Fatalf("verify = %+v, %v; want it to pass with one objection unchecked", rep, err)
		}
	})
}

// TestVerifyLedgerWhileWriting: consents and withdrawals committed while
// verification runs move the stored states past the chains it read; that is
// no fault, and verification must not report one (invariant 11).
func TestVerifyLedgerWhileWriting(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		tb := setup(t, b)
		tb.derivedWorld(t)
		done := make(chan error, 1)
		go func() {
			for i := range 60 {
				rec, err := tb.app.RecordConsent(tb.ctx, integrator, confirmed(fmt.Sprintf("+47 9%07d", 1000000+i)))
				if err == nil {
					purpose := []string{"offers", "all"}[i%2]
					_, err = tb.app.Withdraw(tb.ctx, integrator, app.WithdrawInput{Subject: app.Subject{ContactID: rec.ContactID}, Purpose: purpose})
				}
				if err != nil {
					done <- err
					return
				}
			}
			done <- nil
		}()
		for runs := 0; ; runs++ {
			if _, err := tb.app.VerifyLedger(tb.ctx); err != nil {
				t.Fatalf("verification %d while writing: %v", runs+1, err)
			}
			select {
			case err := <-done:
				if err != nil {
					t.Fatal(err)
				}
				if _, err := tb.app.VerifyLedger(tb.ctx); err != nil {
					t.Fatalf("verification after writing: %v", err)
				}
				return
			default:
			}
		}
	})
}

// TestVerifyLedgerAcrossWindows: verification compares the derived state a
// window of contacts at a time; a change on either side of a window's edge,
// and in the last window, is found and named, the first in the walk's order
// first (invariant 11).
func TestVerifyLedgerAcrossWindows(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		tb := setup(t, b)
		tb.seed(t)
		const n = 2100 // two full windows and part of a third
		for start := 0; start < n; start += 700 {
			ins := make([]app.ConsentInput, 700)
			for i := range ins {
				ins[i] = confirmed(fmt.Sprintf("+47 4%07d", start+i))
			}
			if _, err := tb.app.RecordConsents(tb.ctx, integrator, ins); err != nil {
				t.Fatal(err)
			}
		}
		var order []string // contacts in the order verification walks them
		if err := tb.store.ScanChains(tb.ctx, func(it store.ChainItem) error {
			if it.Event == nil {
				order = append(order, it.ContactID)
			}
			return nil
		}); err != nil || len(order) != n {
			t.Fatalf("ScanChains: %d contacts, %v", len(order), err)
		}
		edges := []int{n - 1, 1000, 999} // each earlier than the one before
		for _, i := range edges {
			if _, err := tb.app.Withdraw(tb.ctx, integrator, app.WithdrawInput{Subject: app.Subject{ContactID: order[i]}, Purpose: "offers"}); err != nil {
				t.Fatal(err)
			}
		}
		rep, err := tb.app.VerifyLedger(tb.ctx)
		if err != nil || rep.Contacts != n || rep.States != n || rep.Reread != 0 {
			t.Fatalf("untampered: %+v, %v; want %d contacts and states, none read again", rep, err, n)
		}
		for _, i := range edges {
			if err := b.Exec(t, tb.store, `UPDATE consent_states SET status = 'active', basis = 'consent' WHERE contact_id = $1`, order[i]); err != nil {
				t.Fatal(err)
			}
			_, err := tb.app.VerifyLedger(tb.ctx)
			var fault *ledger.Fault
			if !errors.As(err, &fault) || fault.ContactID != order[i] || fault.Purpose != "offers" {
				t.Errorf("contact %d of %d set back to active: err = %v; want a fault naming it", i+1, n, err)
			}
		}
	})
}
