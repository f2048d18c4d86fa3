// SPDX-License-Identifier: AGPL-3.0-only

package storetest

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	gocmp "github.com/google/go-cmp/cmp"

	"github.com/samtykke/samtykke/internal/campaign"
	"github.com/samtykke/samtykke/internal/consent"
	"github.com/samtykke/samtykke/internal/message"
	"github.com/samtykke/samtykke/internal/store"
)

func exerciseAudienceWalk(t *testing.T, b Backend) {
	ctx := context.Background()
	tests := []struct {
		name     string
		language string
		limit    int
		want     []string
	}{
		{"all languages in slices of 2", "", 2, audienceAll},
		{"all languages in slices of 5 (the last slice is empty)", "", 5, audienceAll},
		{"all languages in one slice", "", 100, audienceAll},
		{"en only in slices of 2", "en", 2, audienceEN},
		{"nb only in slices of 1", "nb", 1, []string{"c1", "c2", "c6", "c7"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := b.Open(t)
			c := campaignFixture(t, s)
			c.Language = tt.language
			tx(t, s, func(tx store.Tx) error { return tx.CreateCampaign(ctx, c) })
			added, last := walkAll(t, s, c, "", tt.limit)
			if added != len(tt.want) {
				t.Errorf("added %d, want %d", added, len(tt.want))
			}
			if want := tt.want[len(tt.want)-1]; last != want {
				t.Errorf("last cursor = %q, want %q", last, want)
			}
			if n := b.Int(t, s, `SELECT count(*) FROM messages WHERE campaign_id = 'k1'`); n != int64(len(tt.want)) {
				t.Errorf("%d message rows, want %d", n, len(tt.want))
			}
			for _, id := range tt.want {
				m, err := s.Message(ctx, msgID("k1", id))
				if err != nil {
					t.Fatalf("message of %s: %v", id, err)
				}
				want := message.Message{ID: "k1:" + id, ContactID: id, Kind: message.Campaign, Purpose: "offers",
					Status: message.Queued, CreatedAt: t0, UpdatedAt: t0, CampaignID: "k1"}
				if diff := gocmp.Diff(want, m); diff != "" {
					t.Errorf("message of %s (-want +got):\n%s", id, diff)
				}
			}
			for _, id := range []string{"c1", "c2", "c3", "c4", "c5", "c6", "c7"} {
				if slices.Contains(tt.want, id) {
					continue
				}
				if _, err := s.Message(ctx, msgID("k1", id)); !errors.Is(err, store.ErrNotFound) {
					t.Errorf("%s is not in the audience but has a message: %v", id, err)
				}
			}

			// Walking again from the start adds no row (one message per
			// campaign and contact, whatever crashes): a queued message is
			// decided again, a decided one is not.
			for i, want := range []int{len(tt.want), 0} {
				tx(t, s, func(tx store.Tx) error {
					rows, err := tx.ClaimAudience(ctx, c, "", 100)
					if err != nil {
						return err
					}
					var ds []store.Decision
					for _, r := range rows {
						ds = append(ds, store.Decision{MessageID: r.MessageID, ContactID: r.Contact.ID, Status: message.Sending, ConsentEventID: r.State.EventID})
					}
					ids, err := tx.DecideMessages(ctx, c, ds, t0)
					if len(ids) != want {
						t.Errorf("walk %d recorded %d, want %d", i+2, len(ids), want)
					}
					return err
				})
			}
			if n := b.Int(t, s, `SELECT count(*) FROM messages WHERE campaign_id = 'k1'`); n != int64(len(tt.want)) {
				t.Errorf("%d message rows after a second expansion, want %d", n, len(tt.want))
			}
			// Past the end: nothing.
			tx(t, s, func(tx store.Tx) error {
				rows, err := tx.ClaimAudience(ctx, c, "c9", 10)
				if len(rows) != 0 {
					t.Errorf("ClaimAudience after the end = %+v", rows)
				}
				return err
			})
			tx(t, s, func(tx store.Tx) error {
				n, err := tx.CountAudience(ctx, c)
				if n != int64(len(tt.want)) {
					t.Errorf("CountAudience = %d, want %d", n, len(tt.want))
				}
				return err
			})
			// Another campaign for the same people gets its own messages.
			k2 := c
			k2.ID = "k2"
			tx(t, s, func(tx store.Tx) error { return tx.CreateCampaign(ctx, k2) })
			if n, _ := walkAll(t, s, k2, "", 10); n != len(tt.want) {
				t.Errorf("second campaign added %d, want %d", n, len(tt.want))
			}
		})
	}
}

func exerciseWalkGateRows(t *testing.T, b Backend) {
	ctx := context.Background()
	s := b.Open(t)
	c := campaignFixture(t, s)
	tx(t, s, func(tx store.Tx) error { return tx.CreateCampaign(ctx, c) })
	tx(t, s, func(tx store.Tx) error {
		rows, err := tx.ClaimAudience(ctx, c, "c1", 2)
		if err != nil {
			return err
		}
		var got []string
		for _, r := range rows {
			got = append(got, r.MessageID+" "+r.Contact.ID+" "+string(r.State.Status)+" "+r.State.EventID+" "+r.State.Purpose)
			if r.Contact.KeyWrapped == nil || r.Contact.PhoneCT == nil {
				t.Errorf("%s: no key or number to send with", r.Contact.ID)
			}
		}
		want := []string{"k1:c2 c2 active e-c2-offers offers", "k1:c4 c4 active e-c4-offers offers"}
		if diff := gocmp.Diff(want, got); diff != "" {
			t.Errorf("ClaimAudience after c1 (-want +got):\n%s", diff)
		}
		return nil
	})
	tx(t, s, func(tx store.Tx) error {
		if err := tx.SetCampaignAudience(ctx, "k1", 42); err != nil {
			return err
		}
		return tx.SetCampaignCursor(ctx, "k1", "c4")
	})
	tx(t, s, func(tx store.Tx) error {
		cur, err := tx.CampaignCursor(ctx, "k1")
		if cur != "c4" {
			t.Errorf("cursor = %q, want c4", cur)
		}
		return err
	})
	if got, err := s.Campaign(ctx, "k1"); err != nil || got.Audience != 42 || got.Walked {
		t.Fatalf("after SetCampaignAudience: %+v, %v", got, err)
	}
	// A contact whose consent ended after the campaign started is still
	// walked (the gate skips it, with the reason); one who withdrew
	// before the start is not in the audience.
	c.StartedAt = t0.Add(time.Hour)
	for id, at := range map[string]time.Time{"c6": t0.Add(2 * time.Hour), "c7": t0.Add(30 * time.Minute)} {
		w := activeState(id, "offers")
		w.Status, w.Basis, w.ValidUntil, w.Since, w.EventID = consent.StatusWithdrawn, "", time.Time{}, at, "w-"+id
		tx(t, s, func(tx store.Tx) error { return tx.PutConsentState(ctx, w) })
	}
	tx(t, s, func(tx store.Tx) error {
		rows, err := tx.ClaimAudience(ctx, c, "c4", 10)
		if len(rows) != 1 || rows[0].Contact.ID != "c6" || rows[0].State.Status != consent.StatusWithdrawn {
			t.Errorf("ClaimAudience after c4 = %+v; want c6, withdrawn during the campaign", rows)
		}
		return err
	})
	tx(t, s, func(tx store.Tx) error {
		n, err := tx.CountAudience(ctx, c)
		if n != 3 {
			t.Errorf("CountAudience = %d, want 3 (c1, c2, c4 active)", n)
		}
		return err
	})
	walkAll(t, s, c, "c4", 10) // c6
	if n, err := s.CountCampaignMessages(ctx, "k1", message.Sending); err != nil || n != 0 {
		t.Fatalf("CountCampaignMessages(sending) = %d, %v; want 0", n, err)
	}
	n, err := s.CountCampaignMessages(ctx, "k1", "")
	if err != nil || n != 1 {
		t.Fatalf("CountCampaignMessages = %d, %v; want 1 (c6, skipped)", n, err)
	}
	tx(t, s, func(tx store.Tx) error { return tx.FinishWalk(ctx, "k1", n) })
	if got, err := s.Campaign(ctx, "k1"); err != nil || got.Audience != 1 || !got.Walked {
		t.Fatalf("after FinishWalk: audience %d, walked %v, %v; want 1 message, walked", got.Audience, got.Walked, err)
	}
	// The count taken at the start runs beside the walk: landing after its
	// end, it leaves the walk's exact count.
	tx(t, s, func(tx store.Tx) error { return tx.SetCampaignAudience(ctx, "k1", 42) })
	if got, err := s.Campaign(ctx, "k1"); err != nil || got.Audience != 1 {
		t.Fatalf("SetCampaignAudience after FinishWalk: audience %d, %v; want the walk's 1", got.Audience, err)
	}
}

func exerciseWalkLeavesOutWithdrawn(t *testing.T, b Backend) {
	ctx := context.Background()
	s := b.Open(t)
	c := campaignFixture(t, s)
	tx(t, s, func(tx store.Tx) error { return tx.CreateCampaign(ctx, c) })
	w := activeState("c2", "offers")
	w.Status, w.Basis, w.ValidUntil = consent.StatusWithdrawn, "", time.Time{}
	tx(t, s, func(tx store.Tx) error { return tx.PutConsentState(ctx, w) })
	if added, _ := walkAll(t, s, c, "", 2); added != len(audienceAll)-1 {
		t.Errorf("added %d, want %d", added, len(audienceAll)-1)
	}
	if _, err := s.Message(ctx, msgID("k1", "c2")); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("withdrawn c2 has a message: %v", err)
	}
}

// exerciseLockCampaign: an action reads a campaign, changes its status and
// writes it back whole; a dispatcher's change committed meanwhile (here the
// audience counted beside the walk) waits for the action and is not lost
// under the older copy. Without the lock PostgreSQL's read committed let
// the count commit first and the action overwrite it.
func exerciseLockCampaign(t *testing.T, b Backend) {
	ctx := context.Background()
	s := b.Open(t)
	c := campaignFixture(t, s)
	tx(t, s, func(tx store.Tx) error { return tx.CreateCampaign(ctx, c) })
	if err := s.Tx(ctx, func(tx store.Tx) error {
		_, err := tx.LockCampaign(ctx, "nope")
		return err
	}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("LockCampaign of no campaign: %v, want ErrNotFound", err)
	}
	counted := make(chan error, 1)
	tx(t, s, func(tx store.Tx) error {
		got, err := tx.LockCampaign(ctx, c.ID)
		if err != nil || got.ID != c.ID || got.Audience != 0 {
			t.Fatalf("LockCampaign = %+v, %v", got, err)
		}
		go func() {
			counted <- s.Tx(ctx, func(tx store.Tx) error { return tx.SetCampaignAudience(ctx, c.ID, 42) })
		}()
		select {
		case err := <-counted:
			t.Fatalf("the count committed while the campaign was locked (%v)", err)
		case <-time.After(200 * time.Millisecond):
		}
		got.Status = campaign.Paused
		return tx.UpdateCampaign(ctx, got, "")
	})
	if err := <-counted; err != nil {
		t.Fatal(err)
	}
	if got, err := s.Campaign(ctx, c.ID); err != nil || got.Audience != 42 || got.Status != campaign.Paused {
		t.Fatalf("after the action and the count: audience %d, status %s, %v; want 42, paused", got.Audience, got.Status, err)
	}
}

// dispatchClaim is one way a dispatcher takes contacts.
type dispatchClaim struct {
	name    string
	queued  bool // the campaign's messages were put back to queued
	claimed func(tx store.Tx, c campaign.Campaign) ([]store.DispatchRow, error)
}

func exerciseWithdrawalDuringClaim(t *testing.T, b Backend, claim dispatchClaim) {
	ctx := context.Background()
	s := b.Open(t)
	c := campaignFixture(t, s)
	c.StartedAt = t0.Add(time.Hour)
	tx(t, s, func(tx store.Tx) error { return tx.CreateCampaign(ctx, c) })
	if claim.queued {
		walkAll(t, s, c, "", 10)
	}
	// The withdrawal holds c2 as the ledger does (the contact first, then
	// its state) and commits only once the claim has had time to block on it.
	locked, release := make(chan struct{}), make(chan struct{})
	var committed time.Time
	withdrew := make(chan error, 1)
	go func() {
		withdrew <- s.Tx(ctx, func(tx store.Tx) error {
			if _, err := tx.LockContact(ctx, "c2"); err != nil {
				return err
			}
			w := activeState("c2", "offers")
			w.Status, w.Basis, w.ValidUntil, w.Since, w.EventID = consent.StatusWithdrawn, "", time.Time{}, t0.Add(2*time.Hour), "w-c2"
			if err := tx.PutConsentState(ctx, w); err != nil {
				return err
			}
			if _, err := tx.ConsentState(ctx, "c2", "offers"); err != nil { // the held write reaches the database
				return err
			}
			close(locked)
			<-release
			committed = time.Now()
			return nil
		})
	}()
	<-locked
	claimed := make(chan []store.DispatchRow, 1)
	var returned time.Time
	go func() {
		tx(t, s, func(tx store.Tx) error {
			rows, err := claim.claimed(tx, c)
			returned = time.Now()
			claimed <- rows
			return err
		})
	}()
	time.Sleep(200 * time.Millisecond)
	close(release)
	if err := <-withdrew; err != nil {
		t.Fatal(err)
	}
	rows := <-claimed
	if !returned.After(committed) {
		t.Fatal("the claim did not wait for the withdrawal's commit")
	}
	var got *store.DispatchRow
	for i := range rows {
		if rows[i].Contact.ID == "c2" {
			got = &rows[i]
		}
	}
	if got == nil {
		t.Fatal("c2, who withdrew after the start, is not claimed")
	}
	if got.State.Status != consent.StatusWithdrawn || got.State.EventID != "w-c2" {
		t.Errorf("c2 read as %s by %s; want withdrawn by w-c2", got.State.Status, got.State.EventID)
	}
}

// exerciseWalksHoldTogether: while a campaign's walk holds its batch, a
// withdrawal of one of those contacts waits for the batch's commit (K-06),
// but on a database with several writers the walk of another campaign to
// the same people does not: one campaign per sending number walks the same
// audience, and exclusive locks queued them behind each other's batches
// contact by contact, and a withdrawal behind all of them.
func exerciseWalksHoldTogether(t *testing.T, b Backend) {
	ctx := context.Background()
	s := b.Open(t)
	c := campaignFixture(t, s)
	other := c
	other.ID = "k9"
	tx(t, s, func(tx store.Tx) error {
		if err := tx.CreateCampaign(ctx, c); err != nil {
			return err
		}
		return tx.CreateCampaign(ctx, other)
	})
	held, release := make(chan struct{}), make(chan struct{})
	walked := make(chan error, 1)
	go func() {
		walked <- s.Tx(ctx, func(tx store.Tx) error {
			rows, err := tx.ClaimAudience(ctx, c, "", 10)
			if err != nil {
				return err
			}
			if len(rows) == 0 {
				return errors.New("the walk claimed nobody")
			}
			close(held)
			<-release
			return nil
		})
	}()
	<-held
	defer func() {
		if release != nil {
			close(release)
			<-walked
		}
	}()
	withdrew := make(chan error, 1)
	go func() {
		withdrew <- s.Tx(ctx, func(tx store.Tx) error {
			_, err := tx.LockContact(ctx, "c2")
			return err
		})
	}()
	if b.Name != "sqlite" { // one writer: no second transaction runs beside the first
		otherWalk := make(chan error, 1)
		go func() {
			otherWalk <- s.Tx(ctx, func(tx store.Tx) error {
				rows, err := tx.ClaimAudience(ctx, other, "", 10)
				if err == nil && len(rows) == 0 {
					err = errors.New("the other walk claimed nobody")
				}
				return err
			})
		}()
		select {
		case err := <-otherWalk:
			if err != nil {
				t.Fatal(err)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("another campaign's walk waited for the first one's batch")
		}
	}
	select {
	case err := <-withdrew:
		t.Fatalf("the withdrawal took the contact while the walk held it (%v)", err)
	case <-time.After(200 * time.Millisecond):
	}
	close(release)
	release = nil
	if err := <-walked; err != nil {
		t.Fatal(err)
	}
	if err := <-withdrew; err != nil {
		t.Fatal(err)
	}
}
