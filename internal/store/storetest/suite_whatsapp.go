// SPDX-License-Identifier: AGPL-3.0-only

package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/samtykke/samtykke/internal/store"
)

// exerciseWhatsApp covers the store methods of the WhatsApp channel. The
// cases are in the files of their tables, as in sqlstore: suite_message.go,
// suite_status.go, suite_inbox.go, suite_confirmation.go, suite_ratelimit.go,
// and the BSUID's here.
func exerciseWhatsApp(t *testing.T, b Backend) {
	t.Run("messages move forward only", parallel(b, exerciseMessages))
	t.Run("a contact's messages (R-01)", parallel(b, exerciseContactMessages))
	t.Run("status webhooks in a batch", parallel(b, exerciseStatusBatch))
	t.Run("undeliverable failures in a row", parallel(b, exerciseUndeliverable))
	t.Run("webhook inbox and seen keys", parallel(b, exerciseInbox))
	t.Run("handled webhooks are purged in batches", parallel(b, exerciseInboxPurge))
	t.Run("confirmations", parallel(b, exerciseConfirmations))
	t.Run("rate limits count per window", parallel(b, exerciseRateLimits))
	t.Run("bsuid and erasure", parallel(b, exerciseBSUIDErasure))
	t.Run("a bsuid goes with one number", parallel(b, exerciseBSUIDOneNumber))
	t.Run("an objection by bsuid waits for the number", parallel(b, exerciseBSUIDObjection))
}

func exerciseBSUIDErasure(t *testing.T, b Backend) {
	ctx := context.Background()
	s := b.Open(t)
	tx(t, s, func(tx store.Tx) error {
		if err := tx.CreateContact(ctx, newContact("c1", 1)); err != nil {
			return err
		}
		return tx.SetBSUID(ctx, "c1", []byte("sealed-bsuid"), []byte("bsuid-index"))
	})
	if c, err := s.ContactByBSUID(ctx, []byte("bsuid-index")); err != nil || c.ID != "c1" {
		t.Fatalf("ContactByBSUID = %+v, %v", c, err)
	}
	tx(t, s, func(tx store.Tx) error { return tx.EraseContact(ctx, "c1", t0) })
	c, err := s.Contact(ctx, "c1")
	if err != nil || !c.Erased() || c.PhoneCT != nil || c.KeyWrapped != nil || c.BlindIndex != nil {
		t.Fatalf("erased contact = %+v, %v", c, err)
	}
	if _, err := s.ContactByBSUID(ctx, []byte("bsuid-index")); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("erased contact still found by bsuid: %v", err)
	}
	if err := s.Tx(ctx, func(tx store.Tx) error { return tx.EraseContact(ctx, "zz", t0) }); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("erase unknown: %v", err)
	}
}

func exerciseBSUIDOneNumber(t *testing.T, b Backend) {
	ctx := context.Background()
	s := b.Open(t)
	tx(t, s, func(tx store.Tx) error {
		for i, id := range []string{"c1", "c2", "c3", "c4"} {
			if err := tx.CreateContact(ctx, newContact(id, byte(i+1))); err != nil {
				return err
			}
		}
		if err := tx.SetBSUID(ctx, "c1", []byte("sealed-1"), []byte("bsuid-1")); err != nil {
			return err
		}
		return tx.SetBSUID(ctx, "c3", []byte("sealed-3"), []byte("bsuid-3"))
	})
	tx(t, s, func(tx store.Tx) error { return tx.EraseContact(ctx, "c4", t0) })
	// Read for many numbers in one statement: more than one chunk of them.
	indexes := [][]byte{newContact("c1", 1).BlindIndex, newContact("c2", 2).BlindIndex, newContact("c4", 4).BlindIndex}
	for i := range 70 {
		indexes = append(indexes, []byte{9, byte(i)})
	}
	indexes = append(indexes, newContact("c3", 3).BlindIndex)
	var got map[string][]byte
	tx(t, s, func(tx store.Tx) (err error) { got, err = tx.ContactBSUIDs(ctx, indexes); return err })
	want := map[string][]byte{"\x01\x01\x02\x03": []byte("bsuid-1"), "\x02\x01\x02\x03": {}, "\x03\x01\x02\x03": []byte("bsuid-3")}
	if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("ContactBSUIDs (-want +got):\n%s", diff)
	}
	// The platform now ties bsuid-1 to c2's number: c1 lets it go.
	tx(t, s, func(tx store.Tx) error { return tx.SetBSUID(ctx, "c2", []byte("sealed-2"), []byte("bsuid-1")) })
	if c, err := s.ContactByBSUID(ctx, []byte("bsuid-1")); err != nil || c.ID != "c2" {
		t.Fatalf("ContactByBSUID after the move = %+v, %v; want c2", c, err)
	}
	if n := b.Int(t, s, `SELECT count(*) FROM contacts WHERE id = 'c1' AND bsuid_index IS NULL AND bsuid_ct IS NULL`); n != 1 {
		t.Errorf("c1 kept a bsuid the platform gave to another number")
	}
	tx(t, s, func(tx store.Tx) error { return tx.SetBSUID(ctx, "c2", []byte("sealed-2"), []byte("bsuid-1")) })
	if c, err := s.ContactByBSUID(ctx, []byte("bsuid-1")); err != nil || c.ID != "c2" {
		t.Fatalf("ContactByBSUID after the same again = %+v, %v; want c2", c, err)
	}
}

func exerciseBSUIDObjection(t *testing.T, b Backend) {
	ctx := context.Background()
	s := b.Open(t)
	t1, t2 := t0.Add(time.Hour), t0.Add(2*time.Hour)
	tx(t, s, func(tx store.Tx) error {
		if err := tx.ObjectByBSUID(ctx, "tok-a", "objection:keyword", t0); err != nil {
			return err
		}
		if err := tx.ObjectByBSUID(ctx, "tok-a", "objection:button", t1); err != nil { // waiting: the first stays
			return err
		}
		return tx.ObjectByBSUID(ctx, "tok-b", "objection:platform_preference", t1)
	})
	link := func(at time.Time, tokens ...string) map[string]store.BSUIDObjection {
		var got map[string]store.BSUIDObjection
		tx(t, s, func(tx store.Tx) (err error) { got, err = tx.LinkBSUIDObjections(ctx, tokens, at); return err })
		return got
	}
	want := map[string]store.BSUIDObjection{"tok-a": {Reason: "objection:keyword", At: t0}}
	if diff := cmp.Diff(want, link(t1, "tok-a", "tok-c")); diff != "" {
		t.Errorf("LinkBSUIDObjections (-want +got):\n%s", diff)
	}
	if got := link(t1, "tok-a"); len(got) != 0 {
		t.Errorf("an objection was linked twice: %v", got)
	}
	if got := link(t1); len(got) != 0 {
		t.Errorf("LinkBSUIDObjections of nothing = %v", got)
	}
	// A new objection after the link waits again.
	tx(t, s, func(tx store.Tx) error { return tx.ObjectByBSUID(ctx, "tok-a", "objection:button", t2) })
	want = map[string]store.BSUIDObjection{"tok-a": {Reason: "objection:button", At: t2},
		"tok-b": {Reason: "objection:platform_preference", At: t1}}
	if diff := cmp.Diff(want, link(t2, "tok-a", "tok-b")); diff != "" {
		t.Errorf("LinkBSUIDObjections after a new objection (-want +got):\n%s", diff)
	}
	if n := b.Int(t, s, `SELECT count(*) FROM bsuid_objections WHERE linked_at = $1`, t2.UnixMicro()); n != 2 {
		t.Errorf("%d objections linked at t2, want 2", n)
	}
}
