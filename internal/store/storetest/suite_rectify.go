// SPDX-License-Identifier: AGPL-3.0-only

package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/samtykke/samtykke/internal/contact"
	"github.com/samtykke/samtykke/internal/store"
)

// exerciseRectify: R-03: a contact's language, fields and number are
// corrected in place; a new number another contact holds is a conflict; an
// erased contact is corrected no more.
func exerciseRectify(t *testing.T, b Backend) {
	ctx := context.Background()
	s := b.Open(t)
	tx(t, s, func(tx store.Tx) error {
		for i, id := range []string{"c1", "c2", "c3"} {
			if err := tx.CreateContact(ctx, newContact(id, byte(i+1))); err != nil {
				return err
			}
		}
		return tx.SetBSUID(ctx, "c1", []byte("sealed-bsuid"), []byte("bsuid-index"))
	})
	tx(t, s, func(tx store.Tx) error { return tx.RectifyContact(ctx, "c1", "en", []byte("sealed-fields")) })
	c, err := s.Contact(ctx, "c1")
	if err != nil || c.Language != "en" || string(c.FieldsCT) != "sealed-fields" {
		t.Fatalf("after RectifyContact: %+v, %v", c, err)
	}
	tx(t, s, func(tx store.Tx) error { return tx.RectifyContact(ctx, "c1", "nb", nil) })
	if c, _ := s.Contact(ctx, "c1"); c.Language != "nb" || c.FieldsCT != nil {
		t.Errorf("fields removed: %+v", c)
	}

	// A new number: the old index finds nothing, the new one the contact;
	// the undeliverable count and the BSUID start again.
	if err := b.Exec(t, s, `UPDATE contacts SET undeliverable = 3 WHERE id = 'c1'`); err != nil {
		t.Fatal(err)
	}
	tx(t, s, func(tx store.Tx) error {
		return tx.ChangeContactNumber(ctx, "c1", []byte("sealed-new"), []byte{9, 9}, "+46", false)
	})
	if _, err := s.ContactByIndex(ctx, []byte{1, 1, 2, 3}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the old number still finds a contact: %v", err)
	}
	c, err = s.ContactByIndex(ctx, []byte{9, 9})
	if err != nil || c.ID != "c1" || string(c.PhoneCT) != "sealed-new" || c.Region != "+46" || c.Mobile || c.Undeliverable != 0 {
		t.Fatalf("by the new number: %+v, %v", c, err)
	}
	if _, err := s.ContactByBSUID(ctx, []byte("bsuid-index")); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the old BSUID still finds the contact: %v", err)
	}
	// Another contact's number is a conflict, and changes nothing.
	err = s.Tx(ctx, func(tx store.Tx) error {
		return tx.ChangeContactNumber(ctx, "c1", []byte("x"), []byte{2, 1, 2, 3}, "NO", true)
	})
	if !errors.Is(err, store.ErrConflict) {
		t.Errorf("c2's number for c1: %v, want ErrConflict", err)
	}
	if c, _ := s.Contact(ctx, "c1"); string(c.PhoneCT) != "sealed-new" {
		t.Errorf("a refused change was kept")
	}
	tx(t, s, func(tx store.Tx) error { return tx.EraseContact(ctx, "c3", t0) })
	for name, fn := range map[string]func(store.Tx) error{
		"rectify an unknown contact": func(tx store.Tx) error { return tx.RectifyContact(ctx, "zz", "nb", nil) },
		"rectify an erased contact":  func(tx store.Tx) error { return tx.RectifyContact(ctx, "c3", "nb", nil) },
		"renumber an unknown one":    func(tx store.Tx) error { return tx.ChangeContactNumber(ctx, "zz", []byte("x"), []byte{7}, "NO", true) },
		"renumber an erased one":     func(tx store.Tx) error { return tx.ChangeContactNumber(ctx, "c3", []byte("x"), []byte{7}, "NO", true) },
	} {
		if err := s.Tx(ctx, fn); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("%s: %v, want ErrNotFound", name, err)
		}
	}
}

// exerciseRestrictions: R-06: setting and lifting a restriction changes the
// flag the gate reads and adds to its history, in order.
func exerciseRestrictions(t *testing.T, b Backend) {
	ctx := context.Background()
	s := b.Open(t)
	tx(t, s, func(tx store.Tx) error { return tx.CreateContact(ctx, newContact("c1", 1)) })
	if rs, err := s.Restrictions(ctx, "c1"); err != nil || len(rs) != 0 {
		t.Fatalf("history before any: %v, %v", rs, err)
	}
	want := []contact.Restriction{
		{ID: "r1", ContactID: "c1", On: true, Reason: "the person contests the data", Actor: "token:a:dpo", At: t0},
		{ID: "r2", ContactID: "c1", On: true, Reason: "and a legal claim", Actor: "token:a:dpo", At: t0.Add(time.Minute)},
		{ID: "r3", ContactID: "c1", On: false, Reason: "checked and corrected", Actor: "token:b:dpo", At: t0.Add(time.Hour)},
	}
	for i, r := range want {
		tx(t, s, func(tx store.Tx) error { return tx.Restrict(ctx, r) })
		c, err := s.Contact(ctx, "c1")
		if err != nil || c.Restricted != r.On {
			t.Fatalf("after change %d: restricted = %v, %v; want %v", i+1, c.Restricted, err, r.On)
		}
	}
	got, err := s.Restrictions(ctx, "c1")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("history (-want +got):\n%s", diff)
	}
	err = s.Tx(ctx, func(tx store.Tx) error {
		return tx.Restrict(ctx, contact.Restriction{ID: "r4", ContactID: "zz", On: true, Reason: "x", At: t0})
	})
	if !errors.Is(err, store.ErrNotFound) {
		t.Errorf("an unknown contact: %v, want ErrNotFound", err)
	}
	if rs, _ := s.Restrictions(ctx, "zz"); len(rs) != 0 {
		t.Errorf("a refused restriction left history: %v", rs)
	}
}

// exerciseNumberChanges: R-03: one new number waits a contact, found by
// contact and by the new number's index; wrong codes are counted; expired
// ones and an erased contact's go.
func exerciseNumberChanges(t *testing.T, b Backend) {
	ctx := context.Background()
	s := b.Open(t)
	tx(t, s, func(tx store.Tx) error {
		for i, id := range []string{"c1", "c2", "c3"} {
			if err := tx.CreateContact(ctx, newContact(id, byte(i+1))); err != nil {
				return err
			}
		}
		return nil
	})
	if _, err := s.NumberChange(ctx, "c1"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("before any: %v", err)
	}
	first := contact.NumberChange{ID: "n1", ContactID: "c1", PhoneCT: []byte("sealed-a"), BlindIndex: []byte{7, 7},
		CodeHash: []byte("hash-a"), Source: contact.NumberByStaff, CreatedAt: t0, ExpiresAt: t0.Add(contact.CodeTTL)}
	tx(t, s, func(tx store.Tx) error { return tx.PutNumberChange(ctx, first) })
	got, err := s.NumberChange(ctx, "c1")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(first, got); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
	// A second change of c1 replaces the first.
	second := first
	second.ID, second.PhoneCT, second.BlindIndex, second.CodeHash, second.Source = "n2", []byte("sealed-b"), []byte{8, 8}, []byte("hash-b"), contact.NumberByPlatform
	second.CreatedAt, second.ExpiresAt = t0.Add(time.Minute), t0.Add(time.Minute+contact.CodeTTL)
	tx(t, s, func(tx store.Tx) error { return tx.PutNumberChange(ctx, second) })
	if got, _ := s.NumberChange(ctx, "c1"); got.ID != "n2" || string(got.CodeHash) != "hash-b" {
		t.Errorf("after the second: %+v", got)
	}
	if ns, err := s.NumberChangesTo(ctx, []byte{7, 7}); err != nil || len(ns) != 0 {
		t.Errorf("the replaced number still waits: %v, %v", ns, err)
	}
	// Two contacts may wait for the same number; both are found, oldest first.
	other := contact.NumberChange{ID: "n3", ContactID: "c2", PhoneCT: []byte("sealed-c"), BlindIndex: []byte{8, 8},
		CodeHash: []byte("hash-c"), Source: contact.NumberByStaff, CreatedAt: t0.Add(time.Hour), ExpiresAt: t0.Add(time.Hour + contact.CodeTTL)}
	tx(t, s, func(tx store.Tx) error { return tx.PutNumberChange(ctx, other) })
	ns, err := s.NumberChangesTo(ctx, []byte{8, 8})
	if err != nil || len(ns) != 2 || ns[0].ID != "n2" || ns[1].ID != "n3" {
		t.Fatalf("NumberChangesTo = %+v, %v", ns, err)
	}

	for want := 1; want <= 2; want++ {
		var tries int
		tx(t, s, func(tx store.Tx) error { var err error; tries, err = tx.NumberChangeTried(ctx, "c1"); return err })
		if tries != want {
			t.Errorf("tries = %d, want %d", tries, want)
		}
	}
	if got, _ := s.NumberChange(ctx, "c1"); got.Tries != 2 {
		t.Errorf("stored tries = %d, want 2", got.Tries)
	}
	if err := s.Tx(ctx, func(tx store.Tx) error { _, err := tx.NumberChangeTried(ctx, "c3"); return err }); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a try without a change: %v, want ErrNotFound", err)
	}

	// Expired ones go, at their expiry and not before.
	var n int64
	tx(t, s, func(tx store.Tx) error {
		var err error
		n, err = tx.DeleteExpiredNumberChanges(ctx, t0.Add(contact.CodeTTL+time.Minute-time.Microsecond), 10)
		return err
	})
	if n != 0 {
		t.Errorf("deleted %d before any expired", n)
	}
	tx(t, s, func(tx store.Tx) error {
		var err error
		n, err = tx.DeleteExpiredNumberChanges(ctx, t0.Add(contact.CodeTTL+time.Minute), 10)
		return err
	})
	if _, err := s.NumberChange(ctx, "c1"); n != 1 || !errors.Is(err, store.ErrNotFound) {
		t.Errorf("at c1's expiry: deleted %d, c1's: %v", n, err)
	}
	if _, err := s.NumberChange(ctx, "c2"); err != nil {
		t.Errorf("c2's, not yet expired: %v", err)
	}
	// Erasing a contact takes its waiting number along; deleting is idempotent.
	tx(t, s, func(tx store.Tx) error { return tx.EraseContact(ctx, "c2", t0) })
	if ns, _ := s.NumberChangesTo(ctx, []byte{8, 8}); len(ns) != 0 {
		t.Errorf("an erased contact's number change stayed: %+v", ns)
	}
	tx(t, s, func(tx store.Tx) error { return tx.PutNumberChange(ctx, first) })
	tx(t, s, func(tx store.Tx) error { return tx.DeleteNumberChange(ctx, "c1") })
	tx(t, s, func(tx store.Tx) error { return tx.DeleteNumberChange(ctx, "c1") })
	if _, err := s.NumberChange(ctx, "c1"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("after DeleteNumberChange: %v", err)
	}
}
