// SPDX-License-Identifier: AGPL-3.0-only

package storetest

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

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
