// SPDX-License-Identifier: AGPL-3.0-only

package storetest

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/samtykke/samtykke/internal/consent"
	"github.com/samtykke/samtykke/internal/contact"
	"github.com/samtykke/samtykke/internal/store"
)

func newContact(id string, index byte) contact.Contact {
	return contact.Contact{ID: id, PhoneCT: []byte("sealed-" + id), KeyWrapped: []byte("wrapped-" + id),
		BlindIndex: []byte{index, 1, 2, 3}, Region: "NO", Mobile: true, Language: "nb", CreatedAt: t0}
}

func exerciseContacts(t *testing.T, b Backend) {
	ctx := context.Background()
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
}

func exerciseContactLock(t *testing.T, b Backend) {
	ctx := context.Background()
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
}

// exerciseLockContactStates: LockContactStates finds a contact by its blind
// index with its states of one channel's purposes, and reads them once the
// lock is held, so a STOPP that waited for another change of the contact
// withdraws what that change confirmed (K-06).
func exerciseLockContactStates(t *testing.T, b Backend) {
	ctx := context.Background()
	s := b.Open(t)
	campaignFixture(t, s) // c1: offers (WhatsApp) active
	tx(t, s, func(tx store.Tx) error {
		p := consent.Purpose{Key: "letters", Channel: consent.Email, Basis: consent.BasisConsent,
			Description: consent.Text{NB: "brev", EN: "letters"}, RetentionDays: 365, CreatedAt: t0}
		if err := tx.CreatePurpose(ctx, p); err != nil {
			return err
		}
		return tx.PutConsentState(ctx, activeState("c1", "letters"))
	})
	lockStates := func() (contact.Contact, []consent.State, error) {
		var c contact.Contact
		var ss []consent.State
		err := s.Tx(ctx, func(tx store.Tx) (err error) {
			c, ss, err = tx.LockContactStates(ctx, newContact("c1", 1).BlindIndex, string(consent.WhatsApp))
			return err
		})
		return c, ss, err
	}
	c, ss, err := lockStates()
	if err != nil || c.ID != "c1" || len(ss) != 1 || ss[0].Purpose != "offers" {
		t.Fatalf("LockContactStates = %s, %+v, %v; want c1 with its WhatsApp state alone", c.ID, ss, err)
	}
	err = s.Tx(ctx, func(tx store.Tx) error {
		_, _, err := tx.LockContactStates(ctx, []byte{99, 1, 2, 3}, string(consent.WhatsApp))
		return err
	})
	if !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("an unknown index: err = %v, want ErrNotFound", err)
	}
	if b.Name == "sqlite" {
		return // one writer: no transaction waits for another's lock
	}
	held, release := make(chan struct{}), make(chan struct{})
	confirmed := make(chan error, 1)
	go func() {
		confirmed <- s.Tx(ctx, func(tx store.Tx) error {
			if _, err := tx.LockContact(ctx, "c1"); err != nil {
				return err
			}
			if err := tx.PutConsentState(ctx, activeState("c1", "news")); err != nil {
				return err
			}
			if _, err := tx.ChannelStates(ctx, "c1", string(consent.WhatsApp)); err != nil { // sends the held write
				return err
			}
			close(held)
			<-release
			return nil
		})
	}()
	<-held
	type locked struct {
		ss  []consent.State
		err error
	}
	waited := make(chan locked, 1)
	go func() {
		_, ss, err := lockStates()
		waited <- locked{ss, err}
	}()
	select {
	case got := <-waited:
		close(release)
		t.Fatalf("LockContactStates did not wait for the contact's lock (%+v, %v)", got.ss, got.err)
	case <-time.After(300 * time.Millisecond):
	}
	close(release)
	if err := <-confirmed; err != nil {
		t.Fatal(err)
	}
	got := <-waited
	if got.err != nil {
		t.Fatal(got.err)
	}
	var purposes []string
	for _, st := range got.ss {
		purposes = append(purposes, st.Purpose)
	}
	if strings.Join(purposes, ",") != "news,offers" {
		t.Errorf("states read after the wait: %v, want news,offers (the state the lock's holder committed)", purposes)
	}
}
