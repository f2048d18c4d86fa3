// SPDX-License-Identifier: AGPL-3.0-only

package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	gocmp "github.com/google/go-cmp/cmp"

	"github.com/samtykke/samtykke/internal/message"
	"github.com/samtykke/samtykke/internal/store"
)

func exerciseMessages(t *testing.T, b Backend) {
	ctx := context.Background()
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
}

func exerciseSettleUnknown(t *testing.T, b Backend) {
	ctx := context.Background()
	s := b.Open(t)
	startCampaign(t, s)
	cutoff, at := t0.Add(time.Hour), t0.Add(2*time.Hour)
	// A new message was last updated when it was created.
	msg := func(id string, st message.Status, updated time.Time) message.Message {
		return message.Message{ID: id, ContactID: "c1", Kind: message.Receipt, BodyKey: "receipt", Status: st, CreatedAt: updated}
	}
	tx(t, s, func(tx store.Tx) error {
		for _, m := range []message.Message{
			msg("u1", message.Unknown, t0), msg("u2", message.Unknown, t0), msg("u3", message.Unknown, cutoff.Add(-time.Microsecond)),
			msg("u-at-cutoff", message.Unknown, cutoff), msg("u-new", message.Unknown, at), msg("sent-old", message.Sent, t0),
			msg("u-then-delivered", message.Unknown, t0),
		} {
			if err := tx.CreateMessage(ctx, m); err != nil {
				return err
			}
		}
		// A late webhook explained this one.
		_, err := applyStatus(ctx, tx, store.StatusUpdate{ID: "u-then-delivered", Status: message.Delivered}, t0)
		return err
	})
	var got []int64
	for range 3 {
		tx(t, s, func(tx store.Tx) error {
			n, err := tx.SettleUnknown(ctx, cutoff, "no status", at, 2)
			got = append(got, n)
			return err
		})
	}
	if diff := gocmp.Diff([]int64{2, 1, 0}, got); diff != "" {
		t.Errorf("SettleUnknown batches (-want +got):\n%s", diff)
	}
	want := map[string]message.Status{"u1": message.Failed, "u2": message.Failed, "u3": message.Failed,
		"u-at-cutoff": message.Unknown, "u-new": message.Unknown, "sent-old": message.Sent, "u-then-delivered": message.Delivered}
	for id, st := range want {
		m, err := s.Message(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if m.Status != st {
			t.Errorf("%s = %s, want %s", id, m.Status, st)
		}
		if st == message.Failed && (m.ErrorTitle != "no status" || !m.UpdatedAt.Equal(at)) {
			t.Errorf("%s settled as %q at %v", id, m.ErrorTitle, m.UpdatedAt)
		}
	}
}

func exerciseMessagePurge(t *testing.T, b Backend) {
	ctx := context.Background()
	s := b.Open(t)
	startCampaign(t, s) // five campaign messages created at t0
	cutoff := t0.Add(time.Hour)
	tx(t, s, func(tx store.Tx) error {
		for _, m := range []message.Message{
			{ID: "old", ContactID: "c1", Kind: message.Receipt, BodyKey: "receipt", Status: message.Sent, CreatedAt: t0.Add(-time.Hour)},
			{ID: "at-cutoff", ContactID: "c1", Kind: message.Receipt, BodyKey: "receipt", Status: message.Sent, CreatedAt: cutoff},
			{ID: "new", ContactID: "c2", Kind: message.Receipt, BodyKey: "receipt", Status: message.Sent, CreatedAt: cutoff.Add(time.Hour)},
		} {
			if err := tx.CreateMessage(ctx, m); err != nil {
				return err
			}
		}
		return nil
	})
	var got []int64
	for range 4 {
		tx(t, s, func(tx store.Tx) error {
			ids, err := s.ExpiredMessages(ctx, cutoff, 4)
			if err != nil {
				return err
			}
			n, err := tx.DeleteMessages(ctx, ids)
			got = append(got, n)
			return err
		})
	}
	if diff := gocmp.Diff([]int64{4, 2, 0, 0}, got); diff != "" {
		t.Errorf("PurgeMessages batches (-want +got):\n%s", diff)
	}
	if n := b.Int(t, s, `SELECT count(*) FROM messages`); n != 2 {
		t.Errorf("%d messages left, want 2", n)
	}
	for _, id := range []string{"at-cutoff", "new"} {
		if _, err := s.Message(ctx, id); err != nil {
			t.Errorf("message %s created at or after the cutoff: %v", id, err)
		}
	}
	for _, id := range []string{"old", "k1:c1"} {
		if _, err := s.Message(ctx, id); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("message %s created before the cutoff: %v, want ErrNotFound", id, err)
		}
	}
}

// exerciseContactMessages: a contact's messages, its campaign messages
// naming their campaign and samtykke's own, oldest first, and no one
// else's (R-01: the access package lists every message sent to a person).
func exerciseContactMessages(t *testing.T, b Backend) {
	ctx := context.Background()
	s := b.Open(t)
	startCampaign(t, s) // a queued campaign message to each of c1, c2, c4, c6 and c7, created at t0
	tx(t, s, func(tx store.Tx) error {
		for _, m := range []message.Message{
			{ID: "r-late", ContactID: "c1", Kind: message.Receipt, BodyKey: "receipt", Status: message.Sent, CreatedAt: t0.Add(time.Hour)},
			{ID: "r-early", ContactID: "c1", Kind: message.OptOutConfirmation, BodyKey: "optout_confirmation", Status: message.Read,
				CreatedAt: t0.Add(-time.Hour)},
			{ID: "r-other", ContactID: "c2", Kind: message.Receipt, BodyKey: "receipt", Status: message.Sent, CreatedAt: t0},
		} {
			if err := tx.CreateMessage(ctx, m); err != nil {
				return err
			}
		}
		return nil
	})
	got, err := s.ContactMessages(ctx, "c1")
	if err != nil {
		t.Fatal(err)
	}
	var ids, campaigns []string
	for _, m := range got {
		if m.ContactID != "c1" {
			t.Errorf("message %s of contact %s among c1's", m.ID, m.ContactID)
		}
		ids = append(ids, m.ID)
		campaigns = append(campaigns, m.CampaignID)
	}
	if len(got) != 3 || ids[0] != "r-early" || ids[2] != "r-late" {
		t.Fatalf("c1's messages = %v; want r-early, the campaign's, r-late", ids)
	}
	if diff := gocmp.Diff([]string{"", "k1", ""}, campaigns); diff != "" {
		t.Errorf("campaign ids (-want +got):\n%s", diff)
	}
	if m := got[1]; m.Kind != message.Campaign || m.Purpose != "offers" || m.Status != message.Queued || !m.CreatedAt.Equal(t0) {
		t.Errorf("the campaign message = %+v", m)
	}
	if one, err := s.Message(ctx, got[1].ID); err != nil || one.CampaignID != "k1" {
		t.Errorf("Message(%s) = campaign %q, %v; want k1", got[1].ID, one.CampaignID, err)
	}
	none, err := s.ContactMessages(ctx, "nobody")
	if err != nil || none == nil || len(none) != 0 {
		t.Errorf("an unknown contact's messages = %v, %v; want none, not nil", none, err)
	}
}
