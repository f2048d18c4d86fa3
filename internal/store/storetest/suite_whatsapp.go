// SPDX-License-Identifier: AGPL-3.0-only

package storetest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

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
			{"", "wamid.A", message.Read, true},  // by wamid among c1's messages
			{"m1", "", message.Delivered, false}, // late, out of order
			{"m1", "", message.Failed, false},    // read already: it arrived
		}
		for _, st := range steps {
			tx(t, s, func(tx store.Tx) error {
				ok, err := applyStatus(ctx, tx, store.StatusUpdate{ID: st.id, WAMID: st.wamid, ContactID: "c1", Status: st.status, Code: 131026, Title: "x"}, t0)
				if ok != st.changed {
					t.Errorf("ApplyStatus(%s) changed = %v, want %v", st.status, ok, st.changed)
				}
				return err
			})
		}
		// The answer to a send that a status webhook overtook changes nothing.
		tx(t, s, func(tx store.Tx) error { return tx.FinishMessage(ctx, "m1", message.Sent, "wamid.B", 0, "", t0) })
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
		tx(t, s, func(tx store.Tx) error {
			ok, err := applyStatus(ctx, tx, store.StatusUpdate{WAMID: "wamid.none", ContactID: "c1", Status: message.Sent}, t0)
			if ok {
				t.Errorf("a status for an unknown wamid changed something")
			}
			return err
		})
	})

	t.Run("status webhooks in a batch", func(t *testing.T) {
		t.Parallel()
		s := b.Open(t)
		tx(t, s, func(tx store.Tx) error { return tx.CreateContact(ctx, newContact("c1", 1)) })
		for _, id := range []string{"m1", "m2", "m3", "m4"} {
			m := message.Message{ID: id, ContactID: "c1", Kind: message.Receipt, BodyKey: "receipt", Status: message.Queued, CreatedAt: t0}
			tx(t, s, func(tx store.Tx) error { return tx.CreateMessage(ctx, m) })
			tx(t, s, func(tx store.Tx) error { return tx.ClaimMessage(ctx, id, t0) })
		}
		tx(t, s, func(tx store.Tx) error { return tx.FinishMessage(ctx, "m2", message.Sent, "wamid.2", 0, "", t0) })
		tx(t, s, func(tx store.Tx) error { return tx.FinishMessage(ctx, "m3", message.Unknown, "", 0, "timeout", t0) })
		at := t0.Add(time.Minute)
		us := []store.StatusUpdate{
			{ID: "m1", WAMID: "wamid.1", Status: message.Sent},
			{ID: "m1", WAMID: "wamid.1", Status: message.Delivered},   // folds onto the one before
			{ID: "m1", WAMID: "wamid.1", Status: message.Sent},        // behind: no change
			{WAMID: "wamid.2", ContactID: "c1", Status: message.Read}, // by wamid among the recipient's messages
			{WAMID: "wamid.4", ContactID: "c9", Status: message.Read}, // another recipient's wamid: no change
			{ID: "m3", WAMID: "wamid.3", Status: message.Failed, Code: 131026, Title: "Message undeliverable"},
			{ID: "m3", WAMID: "wamid.3", Status: message.Delivered},        // failed, then delivered after all
			{ID: "nope", WAMID: "wamid.x", Status: message.Sent},           // not ours
			{WAMID: "wamid.y", ContactID: "c1", Status: message.Delivered}, // not ours either
			{ID: "m4", WAMID: "wamid.4", Status: message.Failed, Code: 131049, Title: "ecosystem"},
		}
		var got []bool
		tx(t, s, func(tx store.Tx) error {
			// Committed lazily, the statuses are there all the same.
			if err := tx.LazyCommit(ctx); err != nil {
				return err
			}
			var err error
			got, err = tx.ApplyStatuses(ctx, us, at)
			return err
		})
		if diff := cmp.Diff([]bool{true, true, false, true, false, true, true, false, false, true}, got); diff != "" {
			t.Errorf("ApplyStatuses changed (-want +got):\n%s", diff)
		}
		type state struct {
			Status message.Status
			WAMID  string
			Code   int
			Title  string
		}
		want := map[string]state{
			"m1": {message.Delivered, "wamid.1", 0, ""},
			"m2": {message.Read, "wamid.2", 0, ""},
			"m3": {message.Delivered, "wamid.3", 0, ""},
			"m4": {message.Failed, "wamid.4", 131049, "ecosystem"},
		}
		for id, w := range want {
			m, err := s.Message(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if g := (state{m.Status, m.WAMID, m.ErrorCode, m.ErrorTitle}); g != w || !m.UpdatedAt.Equal(at) {
				t.Errorf("%s = %+v at %v, want %+v at %v", id, g, m.UpdatedAt, w, at)
			}
		}
		tx(t, s, func(tx store.Tx) error {
			got, err := tx.ApplyStatuses(ctx, nil, at)
			if len(got) != 0 {
				t.Errorf("ApplyStatuses(nil) = %v", got)
			}
			return err
		})
	})

	t.Run("undeliverable failures in a row", func(t *testing.T) {
		t.Parallel()
		s := b.Open(t)
		tx(t, s, func(tx store.Tx) error {
			for i, id := range []string{"c1", "c2"} {
				if err := tx.CreateContact(ctx, newContact(id, byte(i+1))); err != nil {
					return err
				}
			}
			for i := range 11 {
				m := message.Message{ID: fmt.Sprintf("m%d", i), ContactID: "c1", Kind: message.Receipt, BodyKey: "receipt",
					Status: message.Sending, CreatedAt: t0}
				if i == 9 {
					m.ContactID = "c2"
				}
				if err := tx.CreateMessage(ctx, m); err != nil {
					return err
				}
				if err := tx.FinishMessage(ctx, m.ID, message.Sent, fmt.Sprintf("wamid.%d", i), 0, "", t0); err != nil {
					return err
				}
			}
			return nil
		})
		undeliverable := func(id string) store.StatusUpdate {
			return store.StatusUpdate{ID: id, Status: message.Failed, Code: 131026, Title: "Message undeliverable", Undeliverable: true}
		}
		status := func(id string, st message.Status) store.StatusUpdate { return store.StatusUpdate{ID: id, Status: st} }
		count := func(id string) int {
			t.Helper()
			c, err := s.Contact(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			byIndex, err := s.ContactByIndex(ctx, c.BlindIndex)
			if err != nil || byIndex.Undeliverable != c.Undeliverable {
				t.Fatalf("ContactByIndex = %+v, %v; want the count %d", byIndex, err, c.Undeliverable)
			}
			return c.Undeliverable
		}
		for _, step := range []struct {
			name string
			us   []store.StatusUpdate
			want int
		}{
			{"one failure", []store.StatusUpdate{undeliverable("m0")}, 1},
			{"the same again", []store.StatusUpdate{undeliverable("m0")}, 1},
			{"another reason", []store.StatusUpdate{{ID: "m1", Status: message.Failed, Code: 131049, Title: "ecosystem"}}, 1},
			{"sent is no delivery", []store.StatusUpdate{status("m2", message.Sent)}, 1},
			{"a second in a row", []store.StatusUpdate{undeliverable("m2")}, 2},
			{"delivered", []store.StatusUpdate{status("m3", message.Delivered)}, 0},
			{"two in one batch", []store.StatusUpdate{undeliverable("m4"), undeliverable("m5")}, 2},
			{"read after them", []store.StatusUpdate{undeliverable("m6"), status("m7", message.Read)}, 0},
			{"delivered, then a failure", []store.StatusUpdate{status("m8", message.Delivered), undeliverable("m10")}, 1},
		} {
			tx(t, s, func(tx store.Tx) error { _, err := tx.ApplyStatuses(ctx, step.us, t0); return err })
			if got := count("c1"); got != step.want {
				t.Errorf("%s: undeliverable = %d, want %d", step.name, got, step.want)
			}
		}
		tx(t, s, func(tx store.Tx) error {
			_, err := tx.ApplyStatuses(ctx, []store.StatusUpdate{undeliverable("m9")}, t0)
			return err
		})
		tx(t, s, func(tx store.Tx) error {
			_, err := tx.ApplyStatuses(ctx, []store.StatusUpdate{{WAMID: "wamid.8", ContactID: "c1", Status: message.Read},
				undeliverable("m1"), undeliverable("m0")}, t0) // m1 failed already: no move
			return err
		})
		if a, b := count("c1"), count("c2"); a != 0 || b != 1 {
			t.Errorf("undeliverable = %d, %d; want 0 for c1 (read), 1 for c2 (its own)", a, b)
		}
		// The person writes from the number: reachable.
		tx(t, s, func(tx store.Tx) error { return tx.MarkReachable(ctx, newContact("c2", 2).BlindIndex) })
		tx(t, s, func(tx store.Tx) error { return tx.MarkReachable(ctx, []byte("no one")) })
		if got := count("c2"); got != 0 {
			t.Errorf("after the person wrote: undeliverable = %d, want 0", got)
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
		// Handled as it came: stored without its body, never pending, and a
		// redelivery of it is recognised.
		handled := store.InboxItem{ID: "i0", Digest: []byte("d0"), ReceivedAt: t0, BodyCT: []byte("sealed"), ProcessedAt: t0}
		tx(t, s, func(tx store.Tx) error { return tx.PutInbox(ctx, handled) })
		again := handled
		again.ID, again.ProcessedAt = "i0b", time.Time{}
		if err := s.Tx(ctx, func(tx store.Tx) error { return tx.PutInbox(ctx, again) }); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("redelivered handled body: %v, want ErrConflict", err)
		}
		if n := b.Int(t, s, `SELECT count(*) FROM webhook_inbox WHERE id = 'i0' AND length(body_ct) = 0 AND processed_at > 0`); n != 1 {
			t.Errorf("a body handled as it came was kept, or left pending")
		}
		pending, err := s.PendingInbox(ctx, 10, t0)
		if err != nil || len(pending) != 1 || !cmp.Equal(pending[0], item) {
			t.Fatalf("PendingInbox = %+v, %v", pending, err)
		}
		second := store.InboxItem{ID: "i3", Digest: []byte("d3"), ReceivedAt: t0.Add(time.Second), BodyCT: []byte("three")}
		tx(t, s, func(tx store.Tx) error { return tx.PutInbox(ctx, second) })
		pending, err = s.PendingInbox(ctx, 10, t0)
		if err != nil || len(pending) != 2 || !cmp.Equal(pending[0], item) || !cmp.Equal(pending[1], second) {
			t.Fatalf("PendingInbox with two bodies = %+v, %v; want oldest first", pending, err)
		}
		// Put off, a body is not pending until its time; then it comes in
		// its place, its attempts counted.
		later := t0.Add(5 * time.Second)
		tx(t, s, func(tx store.Tx) error { return tx.DeferInbox(ctx, "i1", later) })
		if pending, _ := s.PendingInbox(ctx, 10, later.Add(-time.Microsecond)); len(pending) != 1 || pending[0].ID != "i3" {
			t.Fatalf("PendingInbox before the retry = %+v; want only i3", pending)
		}
		tx(t, s, func(tx store.Tx) error { return tx.DeferInbox(ctx, "i1", later) })
		if pending, _ := s.PendingInbox(ctx, 10, later); len(pending) != 2 || pending[0].ID != "i1" || pending[0].Attempts != 2 {
			t.Fatalf("PendingInbox at the retry = %+v; want i1 first, 2 attempts", pending)
		}
		if err := s.Tx(ctx, func(tx store.Tx) error { return tx.DeferInbox(ctx, "nobody", later) }); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("DeferInbox of no body: %v, want ErrNotFound", err)
		}
		tx(t, s, func(tx store.Tx) error { return tx.MarkInboxProcessed(ctx, []string{"i3"}, t0) })
		tx(t, s, func(tx store.Tx) error { return tx.MarkInboxProcessed(ctx, []string{"i1"}, t0) })
		if pending, _ := s.PendingInbox(ctx, 10, t0); len(pending) != 0 {
			t.Fatalf("processed item still pending")
		}
		if n := b.Int(t, s, `SELECT count(*) FROM webhook_inbox WHERE length(body_ct) > 0`); n != 0 {
			t.Errorf("a handled body was kept")
		}
		// Dropped, a body leaves nothing: the same body may be stored again.
		tx(t, s, func(tx store.Tx) error { return tx.DropInbox(ctx, []string{"i3", "i1"}) })
		tx(t, s, func(tx store.Tx) error { return tx.DropInbox(ctx, nil) })
		if n := b.Int(t, s, `SELECT count(*) FROM webhook_inbox WHERE id IN ('i1', 'i3')`); n != 0 {
			t.Errorf("%d dropped bodies left", n)
		}
		tx(t, s, func(tx store.Tx) error { return tx.PutInbox(ctx, item) })
		if pending, _ := s.PendingInbox(ctx, 10, t0); len(pending) != 1 {
			t.Fatalf("a dropped body stored again is not pending")
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

	t.Run("handled webhooks are purged in batches", func(t *testing.T) {
		t.Parallel()
		s := b.Open(t)
		cutoff := t0.Add(time.Hour)
		old, recent := t0, cutoff
		tx(t, s, func(tx store.Tx) error {
			for i, it := range []store.InboxItem{
				{ID: "old-1", ProcessedAt: old}, {ID: "old-2", ProcessedAt: old}, {ID: "old-3", ProcessedAt: old},
				{ID: "recent", ProcessedAt: recent}, {ID: "pending", BodyCT: []byte("sealed")},
			} {
				it.Digest, it.ReceivedAt = []byte(fmt.Sprintf("digest-%d", i)), old
				if err := tx.PutInbox(ctx, it); err != nil {
					return err
				}
			}
			for _, k := range []struct {
				key string
				at  time.Time
			}{{"msg:old", old}, {"msg:recent", recent}} {
				if _, err := tx.MarkSeen(ctx, k.key, k.at); err != nil {
					return err
				}
			}
			return nil
		})
		var got []int64
		for range 3 {
			tx(t, s, func(tx store.Tx) error {
				n, err := tx.PurgeWebhooks(ctx, cutoff, 2)
				got = append(got, n)
				return err
			})
		}
		// Each batch takes up to two of each kind: 2 bodies and 1 key, then 1 body.
		if diff := cmp.Diff([]int64{3, 1, 0}, got); diff != "" {
			t.Errorf("PurgeWebhooks batches (-want +got):\n%s", diff)
		}
		if n := b.Int(t, s, `SELECT count(*) FROM webhook_inbox WHERE id IN ('recent', 'pending')`); n != 2 {
			t.Errorf("a recent or pending body was purged")
		}
		if n := b.Int(t, s, `SELECT count(*) FROM webhook_inbox`); n != 2 {
			t.Errorf("%d bodies left, want 2", n)
		}
		tx(t, s, func(tx store.Tx) error {
			for key, want := range map[string]bool{"msg:old": true, "msg:recent": false} {
				fresh, err := tx.MarkSeen(ctx, key, cutoff)
				if err != nil {
					return err
				}
				if fresh != want {
					t.Errorf("after the purge MarkSeen(%s) = %v, want %v", key, fresh, want)
				}
			}
			return nil
		})
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

	t.Run("a bsuid goes with one number", func(t *testing.T) {
		t.Parallel()
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
	})

	t.Run("an objection by bsuid waits for the number", func(t *testing.T) {
		t.Parallel()
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
	})
}

// applyStatus applies one status webhook.
func applyStatus(ctx context.Context, tx store.Tx, u store.StatusUpdate, at time.Time) (bool, error) {
	ok, err := tx.ApplyStatuses(ctx, []store.StatusUpdate{u}, at)
	if err != nil {
		return false, err
	}
	return ok[0], nil
}
