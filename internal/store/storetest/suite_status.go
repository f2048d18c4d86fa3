// SPDX-License-Identifier: AGPL-3.0-only

package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/samtykke/samtykke/internal/message"
	"github.com/samtykke/samtykke/internal/store"
)

func exerciseStatusBatch(t *testing.T, b Backend) {
	ctx := context.Background()
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
}

func exerciseUndeliverable(t *testing.T, b Backend) {
	ctx := context.Background()
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
}

// applyStatus applies one status webhook.
func applyStatus(ctx context.Context, tx store.Tx, u store.StatusUpdate, at time.Time) (bool, error) {
	ok, err := tx.ApplyStatuses(ctx, []store.StatusUpdate{u}, at)
	if err != nil {
		return false, err
	}
	return ok[0], nil
}
