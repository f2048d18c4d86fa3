// SPDX-License-Identifier: AGPL-3.0-only

package storetest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/samtykke/samtykke/internal/store"
)

func exerciseInbox(t *testing.T, b Backend) {
	ctx := context.Background()
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
	// MarkSeenLater tells the same, whether a statement carried it (a
	// STOPP's lock) or the function sent it alone.
	for i, want := range []bool{true, false} {
		tx(t, s, func(tx store.Tx) error {
			fresh := tx.MarkSeenLater(ctx, "msg:wamid.2", t0)
			if i == 0 {
				if _, err := tx.ConsentStates(ctx, "c1"); err != nil {
					return err
				}
			}
			got, err := fresh()
			if got != want {
				t.Errorf("MarkSeenLater #%d = %v, want %v", i, got, want)
			}
			return err
		})
	}
}

func exerciseInboxPurge(t *testing.T, b Backend) {
	ctx := context.Background()
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
}
