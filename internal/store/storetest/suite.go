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

	"github.com/samtykke/samtykke/internal/access"
	"github.com/samtykke/samtykke/internal/consent"
	"github.com/samtykke/samtykke/internal/contact"
	"github.com/samtykke/samtykke/internal/ledger"
	"github.com/samtykke/samtykke/internal/notice"
	"github.com/samtykke/samtykke/internal/staff"
	"github.com/samtykke/samtykke/internal/store"
)

// NoopArgs is a River job used to prove that enqueueing is transactional.
type NoopArgs struct{ N int }

// Kind names the job.
func (NoopArgs) Kind() string { return "storetest_noop" }

var t0 = time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)

func tx(t *testing.T, s store.Store, fn func(store.Tx) error) {
	t.Helper()
	if err := s.Tx(context.Background(), fn); err != nil {
		t.Fatalf("tx: %v", err)
	}
}

func newContact(id string, index byte) contact.Contact {
	return contact.Contact{ID: id, PhoneCT: []byte("sealed-" + id), KeyWrapped: []byte("wrapped-" + id),
		BlindIndex: []byte{index, 1, 2, 3}, Region: "NO", Mobile: true, Language: "nb", CreatedAt: t0}
}

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

// Exercise runs the conformance suite against a backend.
func Exercise(t *testing.T, b Backend) {
	ctx := context.Background()

	t.Run("migrate is idempotent and current", func(t *testing.T) {
		t.Parallel()
		s := b.Open(t)
		if err := s.Migrate(ctx); err != nil {
			t.Fatalf("second migrate: %v", err)
		}
		ok, err := s.SchemaCurrent(ctx)
		if err != nil || !ok {
			t.Fatalf("SchemaCurrent = %v, %v; want true", ok, err)
		}
		if err := s.Ping(ctx); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("purposes", func(t *testing.T) {
		t.Parallel()
		s := b.Open(t)
		p := consent.Purpose{Key: "offers", Channel: consent.WhatsApp, Basis: consent.BasisConsent,
			Description: consent.Text{NB: "Tilbud", EN: "Offers"}, RetentionDays: 365, RefreshDays: 730,
			Fields: []string{"first_name"}, CreatedAt: t0}
		tx(t, s, func(tx store.Tx) error { return tx.CreatePurpose(ctx, p) })
		err := s.Tx(ctx, func(tx store.Tx) error { return tx.CreatePurpose(ctx, p) })
		if !errors.Is(err, store.ErrConflict) {
			t.Fatalf("duplicate purpose: err = %v, want ErrConflict", err)
		}
		got, err := s.Purpose(ctx, "offers")
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(p, got); diff != "" {
			t.Errorf("purpose round trip (-want +got):\n%s", diff)
		}
		if _, err := s.Purpose(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("missing purpose: err = %v, want ErrNotFound", err)
		}
		all, err := s.Purposes(ctx)
		if err != nil || len(all) != 1 {
			t.Errorf("Purposes = %v, %v", all, err)
		}
	})

	t.Run("a transaction whose work is done commits though its context ends", func(t *testing.T) {
		t.Parallel()
		s := b.Open(t)
		// Cut short half-way, a COMMIT may have committed or not: the
		// caller would not know (a campaign's decided batch left unsent).
		// Once the work is done the commit runs to its answer.
		short, cancel := context.WithCancel(ctx)
		p := consent.Purpose{Key: "late", Channel: consent.WhatsApp, Basis: consent.BasisConsent,
			Description: consent.Text{NB: "Sent", EN: "Late"}, RetentionDays: 30, CreatedAt: t0}
		if err := s.Tx(short, func(tx store.Tx) error {
			if err := tx.CreatePurpose(short, p); err != nil {
				return err
			}
			cancel()
			return nil
		}); err != nil {
			t.Fatalf("Tx whose context ended after its work: %v, want committed", err)
		}
		if _, err := s.Purpose(ctx, "late"); err != nil {
			t.Errorf("the purpose is not there: %v", err)
		}
	})

	t.Run("notices publish once and stay immutable", func(t *testing.T) {
		t.Parallel()
		s := b.Open(t)
		n := notice.Notice{ID: "n1", Language: "nb", Summary: "Kort", CreatedAt: t0,
			Sections: []notice.Section{{Item: notice.Controller, Title: "Hvem", Body: "Butikk AS"}}}
		tx(t, s, func(tx store.Tx) error { return tx.CreateNotice(ctx, n) })
		if _, err := s.CurrentNotice(ctx, "nb"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("draft counted as current: %v", err)
		}
		tx(t, s, func(tx store.Tx) error {
			v, err := tx.NextNoticeVersion(ctx, "nb")
			if err != nil || v != 1 {
				return fmt.Errorf("NextNoticeVersion = %d, %v; want 1", v, err)
			}
			return tx.PublishNotice(ctx, "n1", v, "hash1", t0)
		})
		err := s.Tx(ctx, func(tx store.Tx) error { return tx.PublishNotice(ctx, "n1", 2, "hash2", t0) })
		if !errors.Is(err, store.ErrConflict) {
			t.Fatalf("second publish: err = %v, want ErrConflict", err)
		}
		if err := b.Exec(t, s, `UPDATE notices SET summary = 'changed' WHERE id = 'n1'`); err == nil {
			t.Fatal("raw UPDATE of a published notice succeeded; want the database to refuse it")
		}
		cur, err := s.CurrentNotice(ctx, "nb")
		if err != nil || cur.Version != 1 || cur.Hash != "hash1" || cur.Summary != "Kort" || cur.PublishedAt == nil {
			t.Fatalf("CurrentNotice = %+v, %v", cur, err)
		}
		if len(cur.Sections) != 1 || cur.Sections[0].Body != "Butikk AS" {
			t.Errorf("sections round trip: %+v", cur.Sections)
		}
		if err := s.Tx(ctx, func(tx store.Tx) error { return tx.PublishNotice(ctx, "zz", 1, "h", t0) }); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("publish missing notice: %v, want ErrNotFound", err)
		}
	})

	t.Run("contacts", func(t *testing.T) {
		t.Parallel()
		s := b.Open(t)
		c := newContact("c1", 1)
		tx(t, s, func(tx store.Tx) error { return tx.CreateContact(ctx, c) })
		dup := newContact("c2", 1)
		if err := s.Tx(ctx, func(tx store.Tx) error { return tx.CreateContact(ctx, dup) }); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("same blind index: err = %v, want ErrConflict", err)
		}
		if _, err := s.Contact(ctx, "c2"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("failed create left a row: %v", err)
		}
		got, err := s.ContactByIndex(ctx, []byte{1, 1, 2, 3})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(c, got); diff != "" {
			t.Errorf("contact round trip (-want +got):\n%s", diff)
		}
		if n, err := s.CountContacts(ctx); err != nil || n != 1 {
			t.Errorf("CountContacts = %d, %v", n, err)
		}
		if _, err := s.ContactByIndex(ctx, []byte{9}); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("unknown index: %v", err)
		}
		if err := s.Tx(ctx, func(tx store.Tx) error { _, err := tx.LockContact(ctx, "nope"); return err }); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("lock missing contact: %v", err)
		}
		if err := s.Tx(ctx, func(tx store.Tx) error { _, err := tx.LockContactByIndex(ctx, []byte{9}); return err }); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("lock by a missing index: %v", err)
		}
	})

	t.Run("a locked contact waits for the lock holder", func(t *testing.T) {
		t.Parallel()
		s := b.Open(t)
		tx(t, s, func(tx store.Tx) error { return tx.CreateContact(ctx, newContact("c1", 1)) })
		locked, release := make(chan struct{}), make(chan struct{})
		var holding sync.Mutex // held by the first transaction until it ends
		holding.Lock()
		go func() {
			tx(t, s, func(tx store.Tx) error {
				if _, err := tx.LockContact(ctx, "c1"); err != nil {
					return err
				}
				close(locked)
				<-release
				holding.Unlock()
				return nil
			})
		}()
		<-locked
		got := make(chan contact.Contact)
		go func() {
			tx(t, s, func(tx store.Tx) error {
				c, err := tx.LockContactByIndex(ctx, []byte{1, 1, 2, 3}) // c1's, as a STOPP finds it
				if holding.TryLock() {
					holding.Unlock()
				} else {
					t.Errorf("LockContactByIndex returned while the first transaction held the contact")
				}
				got <- c
				return err
			})
		}()
		time.Sleep(100 * time.Millisecond)
		close(release)
		if c := <-got; c.ID != "c1" || c.BlindIndex == nil {
			t.Errorf("LockContactByIndex read %+v, want the whole contact", c)
		}
	})

	t.Run("ledger appends in order and refuses gaps", func(t *testing.T) {
		t.Parallel()
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
		// An event that does not follow the head is refused, and nothing changes.
		stale := ledger.Next(ledger.Head{Seq: 1, Hash: want[0].Hash}, ledger.Event{ID: "x", ContactID: "c1",
			Kind: ledger.Confirmed, At: t0, Method: "test", Actor: "test"}, ledger.Evidence{})
		err = s.Tx(ctx, func(tx store.Tx) error { return tx.AppendEvent(ctx, stale, nil) })
		if !errors.Is(err, store.ErrConflict) {
			t.Fatalf("stale append: err = %v, want ErrConflict", err)
		}
		if got, _ := s.Events(ctx, "c1"); len(got) != 3 {
			t.Errorf("stale append left %d events", len(got))
		}
		// ScanChains yields the head, then the events in order.
		var items []store.ChainItem
		if err := s.ScanChains(ctx, func(it store.ChainItem) error { items = append(items, it); return nil }); err != nil {
			t.Fatal(err)
		}
		if len(items) != 4 || items[0].Event != nil || items[0].Head.Seq != 3 || string(items[0].KeyWrapped) != "wrapped-c1" {
			t.Fatalf("ScanChains = %+v", items)
		}
		for i, it := range items[1:] {
			if it.Event == nil || it.Event.Seq != int64(i+1) || !cmp.Equal(it.Event.Event, want[i]) {
				t.Errorf("ScanChains item %d = %+v", i+1, it.Event)
			}
		}
	})

	t.Run("ledger is append-only", func(t *testing.T) {
		t.Parallel()
		// The API offers no way to change or remove an event...
		for _, typ := range []reflect.Type{reflect.TypeFor[store.Tx](), reflect.TypeFor[store.Store]()} {
			for i := range typ.NumMethod() {
				m := typ.Method(i).Name
				ledgerish := strings.Contains(m, "Event") || strings.Contains(m, "Ledger") || strings.Contains(m, "Chain")
				if ledgerish && !strings.HasPrefix(m, "Append") && m != "Events" && m != "ScanChains" {
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
	})

	t.Run("appends to one chain serialise", func(t *testing.T) {
		t.Parallel()
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
	})

	t.Run("consent states", func(t *testing.T) {
		t.Parallel()
		s := b.Open(t)
		tx(t, s, func(tx store.Tx) error { return tx.CreateContact(ctx, newContact("c1", 1)) })
		none, err := s.ConsentState(ctx, "c1", "offers")
		if err != nil || none.Status != consent.StatusNone {
			t.Fatalf("ConsentState before any = %+v, %v", none, err)
		}
		st := consent.State{ContactID: "c1", Purpose: "offers", Status: consent.StatusActive, EventID: "e1",
			Since: t0, ValidUntil: t0.Add(time.Hour), AgeOK: true, Basis: consent.BasisConsent}
		tx(t, s, func(tx store.Tx) error { return tx.PutConsentState(ctx, st) })
		st.Status, st.EventID, st.ValidUntil, st.Basis = consent.StatusWithdrawn, "e2", time.Time{}, ""
		tx(t, s, func(tx store.Tx) error { return tx.PutConsentState(ctx, st) })
		got, err := s.ConsentState(ctx, "c1", "offers")
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(st, got); diff != "" {
			t.Errorf("state (-want +got):\n%s", diff)
		}
		// A state on another channel is in ConsentStates, not in WhatsApp's.
		for _, p := range []consent.Purpose{
			{Key: "offers", Channel: consent.WhatsApp, Basis: consent.BasisConsent, Description: consent.Text{NB: "Tilbud", EN: "Offers"}, CreatedAt: t0},
			{Key: "mail", Channel: consent.Email, Basis: consent.BasisConsent, Description: consent.Text{NB: "Brev", EN: "Mail"}, CreatedAt: t0},
		} {
			tx(t, s, func(tx store.Tx) error { return tx.CreatePurpose(ctx, p) })
		}
		mail := consent.State{ContactID: "c1", Purpose: "mail", Status: consent.StatusActive, EventID: "e3", Since: t0}
		tx(t, s, func(tx store.Tx) error { return tx.PutConsentState(ctx, mail) })
		all, err := s.ConsentStates(ctx, "c1")
		if err != nil || len(all) != 2 {
			t.Errorf("ConsentStates = %v, %v; want mail and offers", all, err)
		}
		for channel, want := range map[consent.Channel]string{consent.WhatsApp: "offers", consent.Email: "mail"} {
			got, err := s.ChannelStates(ctx, "c1", string(channel))
			if err != nil || len(got) != 1 || got[0].Purpose != want {
				t.Errorf("ChannelStates(%s) = %v, %v; want %s alone", channel, got, err, want)
			}
		}
	})

	t.Run("suppression list", func(t *testing.T) {
		t.Parallel()
		s := b.Open(t)
		tok := []byte("token-1")
		if at, err := s.SuppressedAt(ctx, tok); err != nil || !at.IsZero() {
			t.Fatalf("SuppressedAt before = %v, %v", at, err)
		}
		for i := range 2 { // idempotent: the first time counts
			tx(t, s, func(tx store.Tx) error { return tx.Suppress(ctx, tok, "stopp", t0.Add(time.Duration(i)*time.Hour)) })
		}
		if at, err := s.SuppressedAt(ctx, tok); err != nil || !at.Equal(t0) {
			t.Fatalf("SuppressedAt after = %v, %v; want %v", at, err, t0)
		}
	})

	t.Run("key fingerprint and sealed data", func(t *testing.T) {
		t.Parallel()
		s := b.Open(t)
		if fp, err := s.KeyFingerprint(ctx); !errors.Is(err, store.ErrNotFound) || fp != nil {
			t.Fatalf("KeyFingerprint of a new database = %x, %v; want ErrNotFound", fp, err)
		}
		if w, any, err := s.SealedSample(ctx); err != nil || any || w != nil {
			t.Fatalf("SealedSample of a new database = %q, %v, %v; want nothing", w, any, err)
		}
		tx(t, s, func(tx store.Tx) error { return tx.RecordKeyFingerprint(ctx, []byte("fp-1"), t0) })
		tx(t, s, func(tx store.Tx) error { return tx.RecordKeyFingerprint(ctx, []byte("fp-2"), t0) }) // the first stays
		if fp, err := s.KeyFingerprint(ctx); err != nil || string(fp) != "fp-1" {
			t.Fatalf("KeyFingerprint = %q, %v; want the first recorded", fp, err)
		}
		tx(t, s, func(tx store.Tx) error {
			return tx.PutInbox(ctx, store.InboxItem{ID: "i1", Digest: []byte("d1"), ReceivedAt: t0, BodyCT: []byte("x")})
		})
		if w, any, err := s.SealedSample(ctx); err != nil || !any || w != nil {
			t.Fatalf("SealedSample with a stored webhook body = %q, %v, %v; want sealed data and no key", w, any, err)
		}
		tx(t, s, func(tx store.Tx) error { return tx.CreateContact(ctx, newContact("c1", 1)) })
		if w, any, err := s.SealedSample(ctx); err != nil || !any || string(w) != "wrapped-c1" {
			t.Fatalf("SealedSample with a contact = %q, %v, %v; want its wrapped key", w, any, err)
		}
	})

	t.Run("tokens and access log", func(t *testing.T) {
		t.Parallel()
		s := b.Open(t)
		secret, hash := staff.NewSecret()
		tok := staff.Token{ID: "t1", Name: "ci", Role: staff.DPO, Hash: hash, CreatedAt: t0}
		tx(t, s, func(tx store.Tx) error { return tx.CreateToken(ctx, tok) })
		if n, err := s.CountTokens(ctx); err != nil || n != 1 {
			t.Errorf("CountTokens = %d, %v; want 1", n, err)
		}
		got, err := s.TokenByHash(ctx, staff.HashSecret(secret))
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(tok, got); diff != "" {
			t.Errorf("token (-want +got):\n%s", diff)
		}
		if _, err := s.TokenByHash(ctx, staff.HashSecret(secret+"x")); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("wrong secret: %v", err)
		}
		e := access.Entry{ID: "a1", At: t0, Actor: "token:t1:ci", Action: access.Lookup, ContactID: "c1", Reason: "support", RequestID: "r1"}
		tx(t, s, func(tx store.Tx) error { return tx.RecordAccess(ctx, e) })
		es, err := s.Accesses(ctx, "c1")
		if err != nil || len(es) != 1 || !cmp.Equal(es[0], e) {
			t.Errorf("Accesses = %+v, %v", es, err)
		}
	})

	t.Run("enqueue commits and rolls back with its transaction", func(t *testing.T) {
		t.Parallel()
		s := b.Open(t)
		tx(t, s, func(tx store.Tx) error { return tx.Enqueue(ctx, NoopArgs{N: 1}, nil) })
		_ = s.Tx(ctx, func(tx store.Tx) error {
			if err := tx.Enqueue(ctx, NoopArgs{N: 2}, nil); err != nil {
				return err
			}
			return errors.New("roll back")
		})
		if n := b.Int(t, s, `SELECT count(*) FROM river_job WHERE kind = 'storetest_noop'`); n != 1 {
			t.Errorf("jobs = %d, want 1 (the rolled-back one must not exist)", n)
		}
	})

	t.Run("held writes keep their order and their errors", func(t *testing.T) {
		t.Parallel()
		s := b.Open(t)
		// Writes a backend may hold for the next statement are seen by the
		// reads after them in the same transaction, and commit with it.
		tokA, tokB := []byte("held-a"), []byte("held-b")
		item := store.InboxItem{ID: "h1", Digest: []byte("held"), ReceivedAt: t0, BodyCT: []byte("sealed")}
		tx(t, s, func(tx store.Tx) error {
			if err := tx.Suppress(ctx, tokA, "stopp", t0); err != nil {
				return err
			}
			if at, err := tx.SuppressedAt(ctx, tokA); err != nil || !at.Equal(t0) {
				t.Errorf("a single-row read after a held write = %v, %v; want %v", at, err, t0)
			}
			if err := tx.Suppress(ctx, tokB, "stopp", t0); err != nil {
				return err
			}
			if got, err := tx.SuppressedTokens(ctx, [][]byte{tokA, tokB}); err != nil || len(got) != 2 {
				t.Errorf("a query after a held write = %v, %v; want both tokens", got, err)
			}
			if err := tx.PutInbox(ctx, item); err != nil {
				return err
			}
			return tx.Enqueue(ctx, NoopArgs{N: 10}, nil)
		})
		if n := b.Int(t, s, `SELECT count(*) FROM webhook_inbox WHERE id = 'h1'`) +
			b.Int(t, s, `SELECT count(*) FROM river_job WHERE kind = 'storetest_noop'`); n != 2 {
			t.Errorf("held writes before Enqueue: %d of the body and its job committed, want 2", n)
		}
		// A held write that fails fails its transaction, as ErrConflict
		// where it is a duplicate, whatever call reports it, and the
		// transaction leaves nothing. More failures than the pool has
		// connections: a failed commit gives its connection back.
		tokC := []byte("held-c")
		// A leaked connection would make a later transaction wait for ever.
		short, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		next := map[string]func(store.Tx) error{
			"single-row read": func(tx store.Tx) error { _, err := tx.SuppressedAt(ctx, tokA); return err },
			"query":           func(tx store.Tx) error { _, err := tx.SuppressedTokens(ctx, [][]byte{tokA}); return err },
			"write":           func(tx store.Tx) error { _, err := tx.MarkSeen(ctx, "msg:held", t0); return err },
			"enqueue":         func(tx store.Tx) error { return tx.Enqueue(ctx, NoopArgs{N: 11}, nil) },
			"commit":          func(store.Tx) error { return nil },
		}
		for range 5 {
			for name, fn := range next {
				dup := item
				dup.ID = "h-" + name
				err := s.Tx(short, func(tx store.Tx) error {
					if err := tx.Suppress(ctx, tokC, "stopp", t0); err != nil {
						return err
					}
					if err := tx.PutInbox(ctx, dup); err != nil {
						return err
					}
					return fn(tx)
				})
				if !errors.Is(err, store.ErrConflict) {
					t.Errorf("a duplicate held before the %s: %v, want ErrConflict", name, err)
				}
			}
		}
		if err := s.Tx(short, func(tx store.Tx) error { _, err := tx.SuppressedAt(short, tokC); return err }); err != nil {
			t.Fatalf("a transaction after the failed ones: %v", err)
		}
		if n := b.Int(t, s, `SELECT count(*) FROM suppressions WHERE token = 'held-c'`) +
			b.Int(t, s, `SELECT count(*) FROM webhook_seen`) +
			b.Int(t, s, `SELECT count(*) FROM river_job WHERE kind = 'storetest_noop'`); n != 1 {
			t.Errorf("failed transactions left rows: %d, want only the first job", n)
		}
	})

	t.Run("whatsapp", func(t *testing.T) {
		t.Parallel()
		exerciseWhatsApp(t, b)
	})
	t.Run("campaigns", func(t *testing.T) { t.Parallel(); exerciseCampaigns(t, b) })
	t.Run("tags", func(t *testing.T) { t.Parallel(); exerciseTags(t, b) })
	t.Run("queue depth", func(t *testing.T) { t.Parallel(); exerciseQueueDepth(t, b) })

	t.Run("a failing transaction changes nothing", func(t *testing.T) {
		t.Parallel()
		s := b.Open(t)
		err := s.Tx(ctx, func(tx store.Tx) error {
			if err := tx.CreateContact(ctx, newContact("c1", 1)); err != nil {
				return err
			}
			if _, err := appendEvent(ctx, tx, "c1", ledger.Confirmed, "offers", t0); err != nil {
				return err
			}
			return errors.New("later step failed")
		})
		if err == nil {
			t.Fatal("want the error back")
		}
		if n := b.Int(t, s, `SELECT count(*) FROM contacts`) + b.Int(t, s, `SELECT count(*) FROM consent_events`); n != 0 {
			t.Errorf("rolled-back transaction left %d rows", n)
		}
	})
}
