// SPDX-License-Identifier: AGPL-3.0-only

package app_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/samtykke/samtykke/internal/app"
	"github.com/samtykke/samtykke/internal/ledger"
	"github.com/samtykke/samtykke/internal/store"
	"github.com/samtykke/samtykke/internal/store/storetest"
)

// unguardCheckpoints drops the append-only guard of the checkpoints.
var unguardCheckpoints = map[string][]string{
	"sqlite":   {`DROP TRIGGER ledger_checkpoints_no_update`, `DROP TRIGGER ledger_checkpoints_no_delete`},
	"postgres": {`ALTER TABLE ledger_checkpoints DISABLE TRIGGER USER`},
}

// TestCheckpointCatchesWhatChainsCannot: after a signed checkpoint, a
// contact deleted with its events, states and row, a chain's tail cut off
// with the contact's head and states set back to match, or a withdrawal
// turned into a consent with the chain recomputed by the project's own hash
// function and the gate's state set to match (the gate then allows), leave
// every chain intact; verification compares them with the checkpoint and names
// the contact. An altered checkpoint is a fault too; an untouched ledger
// with events appended since verifies (L-02, invariant 3).
func TestCheckpointCatchesWhatChainsCannot(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		tamper  func(t *testing.T, tb *bundle, b storetest.Backend, contactID string, events []store.StoredEvent)
		problem string // part of the fault's description; "" when it must verify
		names   bool   // the fault names the contact
	}{
		{"deleted contact", func(t *testing.T, tb *bundle, b storetest.Backend, c string, _ []store.StoredEvent) {
			for _, table := range []string{"consent_events", "consent_states", "contact_keys", "contact_tags", "messages", "confirmations"} {
				exec(t, tb, b, `DELETE FROM `+table+` WHERE contact_id = $1`, c)
			}
			exec(t, tb, b, `DELETE FROM contacts WHERE id = $1`, c)
		}, "events are gone", true},
		{"cut tail, head set back", func(t *testing.T, tb *bundle, b storetest.Backend, c string, es []store.StoredEvent) {
			exec(t, tb, b, `DELETE FROM consent_events WHERE id = $1`, es[1].ID)
			exec(t, tb, b, `UPDATE contacts SET head_seq = 1, head_hash = $1 WHERE id = $2`, es[0].Hash, c)
		}, "records head seq 2", true},
		{"withdrawal turned into a consent, chain recomputed", func(t *testing.T, tb *bundle, b storetest.Backend, c string, es []store.StoredEvent) {
			// With the triggers dropped, the withdrawal becomes a confirmation
			// and its hash is recomputed with the project's own function, so the
			// chain itself is intact again; the gate's state follows it.
			e := es[1].Event
			e.Kind, e.AgeConfirmed, e.ValidUntil = ledger.Confirmed, true, es[0].ValidUntil
			e.Hash = e.ComputeHash()
			exec(t, tb, b, `UPDATE consent_events SET kind = $1, hash = $2, age_confirmed = $3, valid_until = $4 WHERE id = $5`,
				string(e.Kind), e.Hash, e.AgeConfirmed, e.ValidUntil.UnixMicro(), e.ID)
			exec(t, tb, b, `UPDATE contacts SET head_hash = $1 WHERE id = $2`, e.Hash, c)
			exec(t, tb, b, `UPDATE consent_states SET status = 'active', event_id = $1, since = $2, valid_until = $3, age_ok = $4,
				basis = 'consent' WHERE contact_id = $5`, e.ID, e.At.UnixMicro(), e.ValidUntil.UnixMicro(), e.AgeConfirmed, c)
			if d, err := tb.app.Gate(tb.ctx, integrator, c, "offers"); err != nil || !d.Allowed {
				t.Fatalf("the attack did not take: the gate says %+v, %v", d, err)
			}
		}, "removed or replaced", true},
		{"altered signature", func(t *testing.T, tb *bundle, b storetest.Backend, _ string, _ []store.StoredEvent) {
			exec(t, tb, b, `UPDATE ledger_checkpoints SET signature = $1`, bytes.Repeat([]byte{1}, 64))
		}, "signature does not verify", false},
		{"untouched, events appended since", func(t *testing.T, tb *bundle, _ storetest.Backend, c string, _ []store.StoredEvent) {
			tb.now = tb.now.Add(time.Minute)
			if _, err := tb.app.RecordConsent(tb.ctx, integrator, confirmed("+47 400 11 333")); err != nil {
				t.Fatal(err)
			}
			tb.consented(t, "+47 912 34 567") // consents again: a third event after the checkpoint
		}, "", false},
	}
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				t.Parallel()
				tb := setup(t, b)
				tb.seed(t)
				tb.consented(t, "+47 400 11 222") // an unrelated contact whose chain stays intact
				rec := tb.consented(t, "+47 912 34 567")
				before, err := tb.store.ConsentStates(tb.ctx, rec.ContactID)
				if err != nil {
					t.Fatal(err)
				}
				if _, err := tb.app.Withdraw(tb.ctx, integrator, app.WithdrawInput{Subject: app.Subject{ContactID: rec.ContactID}, Purpose: "offers"}); err != nil {
					t.Fatal(err)
				}
				events, _ := tb.store.Events(tb.ctx, rec.ContactID)
				if len(events) != 2 {
					t.Fatalf("setup: %d events", len(events))
				}
				tb.now = tb.now.Add(app.CheckpointLag + time.Second)
				cp, err := tb.app.Checkpoint(tb.ctx)
				if err != nil {
					t.Fatal(err)
				}
				if cp.Contacts != 2 || cp.Events != 3 {
					t.Fatalf("checkpoint counts %d contacts and %d events, want 2 and 3", cp.Contacts, cp.Events)
				}
				if rep, err := tb.app.VerifyLedger(tb.ctx); err != nil || !rep.Checkpoint.Equal(cp.At) {
					t.Fatalf("untampered ledger = %+v, %v; want it verified against the checkpoint of %v", rep, err, cp.At)
				}
				for _, q := range append(unguard[b.Name], unguardCheckpoints[b.Name]...) {
					exec(t, tb, b, q)
				}
				c.tamper(t, tb, b, rec.ContactID, events)
				if c.name == "cut tail, head set back" {
					// The states set back to what the shortened chain folds into.
					if err := tb.store.Tx(tb.ctx, func(tx store.Tx) error {
						for _, s := range before {
							if err := tx.PutConsentState(tb.ctx, s); err != nil {
								return err
							}
						}
						return nil
					}); err != nil {
						t.Fatal(err)
					}
				}
				_, err = tb.app.VerifyLedger(tb.ctx)
				if c.problem == "" {
					if err != nil {
						t.Fatalf("verify: %v; want the untouched ledger to verify", err)
					}
					return
				}
				var fault *ledger.Fault
				if !errors.As(err, &fault) || !errors.Is(err, ledger.ErrBroken) {
					t.Fatalf("verify after tampering: err = %v; want a *ledger.Fault", err)
				}
				if !strings.Contains(fault.Problem, c.problem) || (c.names && fault.ContactID != rec.ContactID) {
					t.Errorf("fault = %+v; want problem containing %q, naming the contact: %v", fault, c.problem, c.names)
				}
			})
		}
	})
}

func exec(t *testing.T, tb *bundle, b storetest.Backend, q string, args ...any) {
	t.Helper()
	if err := b.Exec(t, tb.store, q, args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

// TestCheckpointsDailyWithAWitnessOverHTTP: each checkpoint is also POSTed
// to the outside witness (SAMTYKKE_CHECKPOINT_URL), and one that is not
// taken fails the checkpoint; day after day only the newest keeps its
// heads, verification compares with it, and removing those heads is found
// (L-02).
func TestCheckpointsDailyWithAWitnessOverHTTP(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		var mu sync.Mutex
		var got []ledger.Checkpoint
		status := http.StatusCreated
		witness := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			var cp ledger.Checkpoint
			if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json" || json.NewDecoder(r.Body).Decode(&cp) != nil {
				w.WriteHeader(http.StatusBadRequest)
				return
			}
			mu.Lock()
			defer mu.Unlock()
			got = append(got, cp)
			w.WriteHeader(status)
		}))
		defer witness.Close()
		tb := setupWith(t, b, app.Config{CheckpointURL: witness.URL})
		tb.seed(t)
		tb.consented(t, "+47 912 34 567")
		for day := range 3 {
			tb.now = tb.now.Add(24 * time.Hour)
			cp, err := tb.app.Checkpoint(tb.ctx)
			if err != nil {
				t.Fatalf("day %d: %v", day, err)
			}
			mu.Lock()
			if len(got) != day+1 || !got[day].At.Equal(cp.At) || !bytes.Equal(got[day].Signature, cp.Signature) {
				t.Errorf("day %d: the witness has %d checkpoints", day, len(got))
			}
			mu.Unlock()
			tb.consented(t, fmt.Sprintf("+47 400 11 %03d", day))
		}
		if rep, err := tb.app.VerifyLedger(tb.ctx); err != nil || rep.Checkpoint.IsZero() {
			t.Fatalf("verify: %+v, %v", rep, err)
		}
		if n := b.Int(t, tb.store, `SELECT count(*) FROM ledger_checkpoint_heads`); n != 1 {
			t.Errorf("heads kept for %d checkpoints, want the newest only", n)
		}
		mu.Lock()
		status = http.StatusInternalServerError
		mu.Unlock()
		tb.now = tb.now.Add(24 * time.Hour)
		if _, err := tb.app.Checkpoint(tb.ctx); err == nil || !strings.Contains(err.Error(), "500") {
			t.Errorf("a witness answering 500: %v", err)
		}
		exec(t, tb, b, `DELETE FROM ledger_checkpoint_heads`)
		var fault *ledger.Fault
		if _, err := tb.app.VerifyLedger(tb.ctx); !errors.As(err, &fault) || !strings.Contains(fault.Problem, "do not hash to its signed root") {
			t.Errorf("the newest heads removed: %v", err)
		}
	})
}
