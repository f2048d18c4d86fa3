// SPDX-License-Identifier: AGPL-3.0-only

package storetest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/samtykke/samtykke/internal/consent"
	"github.com/samtykke/samtykke/internal/ledger"
	"github.com/samtykke/samtykke/internal/store"
)

// appendEvent appends the next event of a contact's chain inside tx.
func appendEvent(ctx context.Context, t store.Tx, contactID string, kind ledger.Kind, purpose string, at time.Time) (ledger.Event, error) {
	c, err := t.LockContact(ctx, contactID)
	if err != nil {
		return ledger.Event{}, err
	}
	e := ledger.Next(c.Head, ledger.Event{ID: fmt.Sprintf("%s-%d", contactID, c.Head.Seq+1), ContactID: contactID,
		Kind: kind, Purpose: purpose, Channel: "whatsapp", At: at, Method: "test", Actor: "test", AgeConfirmed: true},
		ledger.Evidence{NoticeVersion: 1})
	return e, t.AppendEvent(ctx, e, []byte("sealed-evidence"))
}

func exerciseLedgerAppend(t *testing.T, b Backend) {
	ctx := context.Background()
	s := b.Open(t)
	tx(t, s, func(tx store.Tx) error { return tx.CreateContact(ctx, newContact("c1", 1)) })
	var want []ledger.Event
	for i, k := range []ledger.Kind{ledger.Requested, ledger.Confirmed, ledger.Withdrawn} {
		tx(t, s, func(tx store.Tx) error {
			e, err := appendEvent(ctx, tx, "c1", k, "offers", t0.Add(time.Duration(i)*time.Second))
			want = append(want, e)
			return err
		})
	}
	got, err := s.Events(ctx, "c1")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 {
		t.Fatalf("got %d events, want 3", len(got))
	}
	for i := range got {
		if diff := cmp.Diff(want[i], got[i].Event); diff != "" {
			t.Errorf("event %d round trip (-want +got):\n%s", i, diff)
		}
		if string(got[i].SealedEvidence) != "sealed-evidence" {
			t.Errorf("event %d evidence = %q", i, got[i].SealedEvidence)
		}
	}
	c, _ := s.Contact(ctx, "c1")
	if c.Head.Seq != 3 || string(c.Head.Hash) != string(want[2].Hash) {
		t.Errorf("head = %+v, want seq 3 and the last hash", c.Head)
	}
	// An event that does not follow the head is refused, and nothing changes:
	// neither the chain nor what the transaction wrote after it (a backend
	// may hold the append and check it with a later statement, never with
	// the COMMIT).
	stale := ledger.Next(ledger.Head{Seq: 1, Hash: want[0].Hash}, ledger.Event{ID: "x", ContactID: "c1",
		Kind: ledger.Confirmed, At: t0, Method: "test", Actor: "test"}, ledger.Evidence{})
	err = s.Tx(ctx, func(tx store.Tx) error {
		if err := tx.AppendEvent(ctx, stale, nil); err != nil {
			return err
		}
		return tx.PutConsentState(ctx, activeState("c1", "after-stale"))
	})
	if !errors.Is(err, store.ErrConflict) {
		t.Fatalf("stale append: err = %v, want ErrConflict", err)
	}
	if got, _ := s.Events(ctx, "c1"); len(got) != 3 {
		t.Errorf("stale append left %d events", len(got))
	}
	if st, err := s.ConsentState(ctx, "c1", "after-stale"); err != nil || st.Status != consent.StatusNone {
		t.Errorf("the stale append's transaction committed a state: %+v, %v", st, err)
	}
	// Event finds one event by its id, with its evidence; an unknown id is
	// ErrNotFound.
	for _, w := range want {
		got, err := s.Event(ctx, w.ID)
		if err != nil {
			t.Fatalf("Event(%s): %v", w.ID, err)
		}
		if diff := cmp.Diff(w, got.Event); diff != "" || string(got.SealedEvidence) != "sealed-evidence" {
			t.Errorf("Event(%s) (-want +got):\n%s, evidence %q", w.ID, diff, got.SealedEvidence)
		}
	}
	if _, err := s.Event(ctx, "no-such-event"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Event of an unknown id: err = %v, want ErrNotFound", err)
	}
	// ScanChains yields the head, then the events in order.
	var items []store.ChainItem
	if err := s.ScanChains(ctx, func(it store.ChainItem) error { items = append(items, it); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(items) != 4 || items[0].Event != nil || items[0].Head.Seq != 3 || string(items[0].KeyWrapped) != "wrapped-c1" ||
		string(items[0].PhoneSealed) != "sealed-c1" {
		t.Fatalf("ScanChains = %+v", items)
	}
	for i, it := range items[1:] {
		if it.Event == nil || it.Event.Seq != int64(i+1) || !cmp.Equal(it.Event.Event, want[i]) {
			t.Errorf("ScanChains item %d = %+v", i+1, it.Event)
		}
	}
}

func exerciseLedgerAppendOnly(t *testing.T, b Backend) {
	ctx := context.Background()
	// The API offers no way to change or remove an event...
	for _, typ := range []reflect.Type{reflect.TypeFor[store.Tx](), reflect.TypeFor[store.Store]()} {
		for i := range typ.NumMethod() {
			m := typ.Method(i).Name
			ledgerish := strings.Contains(m, "Event") || strings.Contains(m, "Ledger") || strings.Contains(m, "Chain")
			if ledgerish && !strings.HasPrefix(m, "Append") && m != "Events" && m != "Event" && m != "ScanChains" {
				t.Errorf("%s has method %s: the ledger's API must only append and read", typ, m)
			}
		}
	}
	// ...and the database refuses it beneath the API.
	s := b.Open(t)
	tx(t, s, func(tx store.Tx) error {
		if err := tx.CreateContact(ctx, newContact("c1", 1)); err != nil {
			return err
		}
		_, err := appendEvent(ctx, tx, "c1", ledger.Confirmed, "offers", t0)
		return err
	})
	for _, q := range []string{`UPDATE consent_events SET kind = 'withdrawn'`, `DELETE FROM consent_events`} {
		if err := b.Exec(t, s, q); err == nil {
			t.Errorf("%s succeeded; want the database to refuse it", q)
		}
	}
	if n := b.Int(t, s, `SELECT count(*) FROM consent_events WHERE kind = 'confirmed'`); n != 1 {
		t.Errorf("events after refused changes: %d", n)
	}
}

func exerciseLedgerConcurrentAppends(t *testing.T, b Backend) {
	ctx := context.Background()
	s := b.Open(t)
	tx(t, s, func(tx store.Tx) error {
		if err := tx.CreateContact(ctx, newContact("a", 1)); err != nil {
			return err
		}
		return tx.CreateContact(ctx, newContact("b", 2))
	})
	var wg sync.WaitGroup
	errs := make(chan error, 40)
	for i := range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			id := []string{"a", "b"}[i%2]
			errs <- s.Tx(ctx, func(tx store.Tx) error {
				_, err := appendEvent(ctx, tx, id, ledger.Refreshed, "offers", t0.Add(time.Duration(i)*time.Millisecond))
				return err
			})
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("concurrent append: %v", err)
		}
	}
	for _, id := range []string{"a", "b"} {
		var v ledger.Verifier
		es, _ := s.Events(ctx, id)
		for _, e := range es {
			if err := v.Add(e.Event); err != nil {
				t.Errorf("chain %s: %v", id, err)
			}
		}
		if len(es) != 20 {
			t.Errorf("chain %s has %d events, want 20", id, len(es))
		}
	}
}
