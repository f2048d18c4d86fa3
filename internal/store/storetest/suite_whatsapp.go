// SPDX-License-Identifier: AGPL-3.0-only

package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/samtykke/samtykke/internal/message"
	"github.com/samtykke/samtykke/internal/optin"
	"github.com/samtykke/samtykke/internal/store"
)

// exerciseWhatsApp covers the store methods of the WhatsApp channel.
func exerciseWhatsApp(t *testing.T, b Backend) {
	ctx := context.Background()

	t.Run("messages move forward only", func(t *testing.T) {
		t.Parallel()
		s := b.Open(t)
		tx(t, s, func(tx store.Tx) error { return tx.CreateContact(ctx, newContact("c1", 1)) })
		m := message.Message{ID: "m1", ContactID: "c1", Kind: message.Receipt, BodyKey: "receipt", Status: message.Queued, CreatedAt: t0, UpdatedAt: t0}
		tx(t, s, func(tx store.Tx) error { return tx.CreateMessage(ctx, m) })
		tx(t, s, func(tx store.Tx) error { return tx.ClaimMessage(ctx, "m1", t0) })
		if err := s.Tx(ctx, func(tx store.Tx) error { return tx.ClaimMessage(ctx, "m1", t0) }); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("second claim: %v, want ErrConflict (at most once)", err)
		}
		tx(t, s, func(tx store.Tx) error { return tx.FinishMessage(ctx, "m1", message.Sent, "wamid.A", 0, "", t0) })
		steps := []struct {
			id, wamid string
			status    message.Status
			changed   bool
		}{
			{"", "wamid.A", message.Read, true},
			{"m1", "", message.Delivered, false}, // late, out of order
			{"m1", "", message.Failed, false},    // read already: it arrived
		}
		for _, st := range steps {
			tx(t, s, func(tx store.Tx) error {
				ok, err := tx.ApplyStatus(ctx, st.id, st.wamid, st.status, 131026, "x", t0)
				if ok != st.changed {
					t.Errorf("ApplyStatus(%s) changed = %v, want %v", st.status, ok, st.changed)
				}
				return err
			})
		}
		got, err := s.Message(ctx, "m1")
		if err != nil || got.Status != message.Read || got.WAMID != "wamid.A" || got.ErrorCode != 0 {
			t.Fatalf("message = %+v, %v", got, err)
		}
		last, err := s.LastMessage(ctx, "c1", message.Receipt)
		if err != nil || last.ID != "m1" {
			t.Fatalf("LastMessage = %+v, %v", last, err)
		}
		if _, err := s.LastMessage(ctx, "c1", message.Campaign); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("LastMessage of another kind: %v", err)
		}
		err = s.Tx(ctx, func(tx store.Tx) error {
			_, err := tx.ApplyStatus(ctx, "", "wamid.none", message.Sent, 0, "", t0)
			return err
		})
		if !errors.Is(err, store.ErrNotFound) {
			t.Errorf("status for an unknown wamid: %v", err)
		}
	})

	t.Run("webhook inbox and seen keys", func(t *testing.T) {
		t.Parallel()
		s := b.Open(t)
		item := store.InboxItem{ID: "i1", Digest: []byte("d1"), ReceivedAt: t0, BodyCT: []byte("sealed")}
		tx(t, s, func(tx store.Tx) error { return tx.PutInbox(ctx, item) })
		dup := item
		dup.ID = "i2"
		if err := s.Tx(ctx, func(tx store.Tx) error { return tx.PutInbox(ctx, dup) }); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("redelivered body: %v, want ErrConflict", err)
		}
		pending, err := s.PendingInbox(ctx, 10)
		if err != nil || len(pending) != 1 || !cmp.Equal(pending[0], item) {
			t.Fatalf("PendingInbox = %+v, %v", pending, err)
		}
		tx(t, s, func(tx store.Tx) error { return tx.MarkInboxProcessed(ctx, []string{"i1"}, t0) })
		if pending, _ := s.PendingInbox(ctx, 10); len(pending) != 0 {
			t.Fatalf("processed item still pending")
		}
		if n := b.Int(t, s, `SELECT count(*) FROM webhook_inbox WHERE length(body_ct) > 0`); n != 0 {
			t.Errorf("a handled body was kept")
		}
		for i, want := range []bool{true, false} {
			tx(t, s, func(tx store.Tx) error {
				fresh, err := tx.MarkSeen(ctx, "msg:wamid.1", t0)
				if fresh != want {
					t.Errorf("MarkSeen #%d = %v, want %v", i, fresh, want)
				}
				return err
			})
		}
	})

	t.Run("confirmations", func(t *testing.T) {
		t.Parallel()
		s := b.Open(t)
		tx(t, s, func(tx store.Tx) error { return tx.CreateContact(ctx, newContact("c1", 1)) })
		c := optin.Confirmation{ID: "k1", ContactID: "c1", CodeHash: optin.HashCode("AB12CD"), Purposes: []string{"offers", "news"},
			Language: "nb", CreatedAt: t0, ExpiresAt: t0.Add(optin.DefaultTTL)}
		tx(t, s, func(tx store.Tx) error { return tx.CreateConfirmation(ctx, c) })
		got, err := s.Confirmation(ctx, optin.HashCode(" ab12cd "))
		if err != nil || !cmp.Equal(got, c) {
			t.Fatalf("Confirmation = %+v, %v", got, err)
		}
		if exp, _ := s.ExpiredConfirmations(ctx, t0.Add(time.Hour), 10); len(exp) != 0 {
			t.Fatalf("expired too early: %v", exp)
		}
		tx(t, s, func(tx store.Tx) error {
			n, err := tx.PendingConfirmations(ctx, "c1")
			if n != 1 {
				t.Errorf("PendingConfirmations = %d", n)
			}
			return err
		})
		if exp, _ := s.ExpiredConfirmations(ctx, t0.Add(optin.DefaultTTL), 10); len(exp) != 1 {
			t.Fatalf("ExpiredConfirmations at expiry = %v", exp)
		}
		tx(t, s, func(tx store.Tx) error { return tx.MarkConfirmed(ctx, "k1", t0) })
		if err := s.Tx(ctx, func(tx store.Tx) error { return tx.MarkConfirmed(ctx, "k1", t0) }); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("code used twice: %v", err)
		}
		if exp, _ := s.ExpiredConfirmations(ctx, t0.Add(optin.DefaultTTL), 10); len(exp) != 0 {
			t.Fatalf("a confirmed request counts as expired")
		}
		tx(t, s, func(tx store.Tx) error { return tx.DeleteConfirmation(ctx, "k1") })
		if _, err := s.Confirmation(ctx, c.CodeHash); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("deleted confirmation: %v", err)
		}
	})

	t.Run("rate limits count per window", func(t *testing.T) {
		t.Parallel()
		s := b.Open(t)
		var got []bool
		for i := range 4 {
			at := t0.Add(time.Duration(i) * time.Minute)
			if i == 3 {
				at = t0.Add(24 * time.Hour) // a new window
			}
			tx(t, s, func(tx store.Tx) error {
				ok, err := tx.Hit(ctx, "optin:ip:192.0.2.1", time.Hour, 2, at)
				got = append(got, ok)
				return err
			})
		}
		if !cmp.Equal(got, []bool{true, true, false, true}) {
			t.Fatalf("Hit = %v, want [true true false true]", got)
		}
	})

	t.Run("bsuid and erasure", func(t *testing.T) {
		t.Parallel()
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
	})
}
