// SPDX-License-Identifier: AGPL-3.0-only

package storetest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	gocmp "github.com/google/go-cmp/cmp"

	"github.com/samtykke/samtykke/internal/campaign"
	"github.com/samtykke/samtykke/internal/consent"
	"github.com/samtykke/samtykke/internal/message"
	"github.com/samtykke/samtykke/internal/store"
)

// The audience of the campaign fixture: contacts c1..c7, of whom c1, c2, c4,
// c6 and c7 have active consent for "offers"; c3 withdrew it; c5 consented to
// "news" only; c4 speaks English.
var (
	audienceAll = []string{"c1", "c2", "c4", "c6", "c7"}
	audienceEN  = []string{"c4"}
)

func activeState(contactID, purpose string) consent.State {
	return consent.State{ContactID: contactID, Purpose: purpose, Status: consent.StatusActive, EventID: "e-" + contactID + "-" + purpose,
		Since: t0.Add(-24 * time.Hour), ValidUntil: t0.Add(730 * 24 * time.Hour), AgeOK: true, Basis: consent.BasisConsent}
}

// campaignFixture stores the purposes, the seven contacts and their consent
// states, and returns a draft campaign for "offers" (not stored).
func campaignFixture(t *testing.T, s store.Store) campaign.Campaign {
	t.Helper()
	ctx := context.Background()
	tx(t, s, func(tx store.Tx) error {
		for _, key := range []string{"offers", "news"} {
			p := consent.Purpose{Key: key, Channel: consent.WhatsApp, Basis: consent.BasisConsent,
				Description: consent.Text{NB: key, EN: key}, RetentionDays: 365, Fields: []string{"first_name"}, CreatedAt: t0}
			if err := tx.CreatePurpose(ctx, p); err != nil {
				return err
			}
		}
		for i := 1; i <= 7; i++ {
			id := fmt.Sprintf("c%d", i)
			c := newContact(id, byte(i))
			if id == "c4" {
				c.Language = "en"
			}
			if err := tx.CreateContact(ctx, c); err != nil {
				return err
			}
			st := activeState(id, "offers")
			switch id {
			case "c3":
				st.Status, st.ValidUntil, st.Basis = consent.StatusWithdrawn, time.Time{}, ""
			case "c5":
				st = activeState(id, "news")
			}
			if err := tx.PutConsentState(ctx, st); err != nil {
				return err
			}
		}
		return nil
	})
	return campaign.Campaign{ID: "k1", Name: "Vårsalg", Purpose: "offers", Status: campaign.Running, CreatedAt: t0,
		Template: campaign.Template{Name: "spring_sale", Params: []string{"first_name"}, Languages: map[string]campaign.Variant{
			"nb": {Body: "Hei {{first_name}}! Butikk AS har vårsalg. Svar STOPP for å melde deg av. https://butikk.example/privacy"},
			"en": {Body: "Hi {{first_name}}! Butikk AS has a sale. https://butikk.example/privacy", OptOutButton: true},
		}}}
}

// walkAll walks a campaign's audience in slices of limit with
// ClaimAudience and records each slice as queued messages (as a dispatcher
// records its decisions), following the cursor to the end; it returns how
// many messages it recorded and the last contact reached.
func walkAll(t *testing.T, s store.Store, c campaign.Campaign, after string, limit int) (added int, last string) {
	t.Helper()
	ctx := context.Background()
	last = after
	for calls := 0; ; calls++ {
		if calls > 20 {
			t.Fatalf("ClaimAudience still finds more after %d calls", calls)
		}
		var n int
		done := false
		tx(t, s, func(tx store.Tx) error {
			rows, err := tx.ClaimAudience(ctx, c, last, limit)
			if err != nil || len(rows) == 0 {
				done = true
				return err
			}
			if len(rows) > limit {
				t.Fatalf("ClaimAudience(limit %d) took %d", limit, len(rows))
			}
			ds := make([]store.Decision, len(rows))
			for i, r := range rows {
				ds[i] = store.Decision{MessageID: r.MessageID, ContactID: r.Contact.ID, Status: message.Queued}
			}
			last = rows[len(rows)-1].Contact.ID
			ids, err := tx.DecideMessages(ctx, c, ds, t0)
			n = len(ids)
			return err
		})
		added += n
		if done {
			return added, last
		}
	}
}

// decideIn records decisions on campaign messages named campaign:contact, of
// campaigns for the purpose "offers".
func decideIn(ctx context.Context, tx store.Tx, ds []store.Decision, at time.Time) error {
	if len(ds) == 0 {
		_, err := tx.DecideMessages(ctx, campaign.Campaign{ID: "k1", Purpose: "offers"}, nil, at)
		return err
	}
	byCampaign := map[string][]store.Decision{}
	var order []string
	for _, d := range ds {
		k, contactID, _ := strings.Cut(d.MessageID, ":")
		d.ContactID = contactID
		if _, ok := byCampaign[k]; !ok {
			order = append(order, k)
		}
		byCampaign[k] = append(byCampaign[k], d)
	}
	for _, k := range order {
		if _, err := tx.DecideMessages(ctx, campaign.Campaign{ID: k, Purpose: "offers"}, byCampaign[k], at); err != nil {
			return err
		}
	}
	return nil
}

// startCampaign stores the fixture's campaign and records its whole audience as queued.
func startCampaign(t *testing.T, s store.Store) campaign.Campaign {
	t.Helper()
	c := campaignFixture(t, s)
	tx(t, s, func(tx store.Tx) error { return tx.CreateCampaign(context.Background(), c) })
	if n, _ := walkAll(t, s, c, "", 100); n != len(audienceAll) {
		t.Fatalf("walked %d, want %d", n, len(audienceAll))
	}
	return c
}

// roundTrip stores campaigns and reads each back unchanged.
func roundTrip(t *testing.T, s store.Store, cs ...campaign.Campaign) {
	t.Helper()
	ctx := context.Background()
	tx(t, s, func(tx store.Tx) error {
		for _, c := range cs {
			if err := tx.CreateCampaign(ctx, c); err != nil {
				return err
			}
		}
		return nil
	})
	for _, want := range cs {
		got, err := s.Campaign(ctx, want.ID)
		if err != nil {
			t.Fatal(err)
		}
		if diff := gocmp.Diff(want, got); diff != "" {
			t.Errorf("campaign %s round trip (-want +got):\n%s", want.ID, diff)
		}
	}
}

func msgID(campaignID, contactID string) string { return campaignID + ":" + contactID }

// messageStatuses reads the status of each contact's message in a campaign.
func messageStatuses(t *testing.T, s store.Store, campaignID string, contacts ...string) map[string]message.Message {
	t.Helper()
	out := map[string]message.Message{}
	for _, id := range contacts {
		m, err := s.Message(context.Background(), msgID(campaignID, id))
		if err != nil {
			t.Fatalf("message of %s: %v", id, err)
		}
		out[id] = m
	}
	return out
}

// exerciseCampaigns covers the store methods of campaigns: the audience,
// the dispatch (gate decisions and send results, reference §6), pacing and
// the retention of message logs (RT-08). The cases are in
// suite_campaign_walk.go (the audience walk), suite_campaign_dispatch.go and
// suite_campaign_results.go (decisions and results), and, for the methods
// sqlstore keeps with their own tables, suite_suppression.go,
// suite_ratelimit.go and suite_message.go.
func exerciseCampaigns(t *testing.T, b Backend) {
	t.Run("campaigns round trip", parallel(b, exerciseCampaignRoundTrip))
	t.Run("the audience walk records one message per contact", parallel(b, exerciseAudienceWalk))
	t.Run("the walk's gate rows, cursor and end", parallel(b, exerciseWalkGateRows))
	t.Run("a contact who withdrew is left out of the slice", parallel(b, exerciseWalkLeavesOutWithdrawn))
	t.Run("a locked campaign is not written back over a dispatcher's change", parallel(b, exerciseLockCampaign))

	// Both ways a dispatcher takes contacts, the audience walk and the pass
	// over messages put back for another try, wait for a withdrawal that
	// holds a contact and then read it.
	ctx := context.Background()
	for _, claim := range []dispatchClaim{
		{"the walk", false, func(tx store.Tx, c campaign.Campaign) ([]store.DispatchRow, error) {
			return tx.ClaimAudience(ctx, c, "", 10)
		}},
		{"the pass over retries", true, func(tx store.Tx, c campaign.Campaign) ([]store.DispatchRow, error) {
			return tx.ClaimQueued(ctx, c.ID, c.Purpose, "", 10, t0.Add(time.Hour))
		}},
	} {
		t.Run("a withdrawal committed while "+claim.name+" waits for its contact is seen (K-06)", parallel(b, func(t *testing.T, b Backend) {
			exerciseWithdrawalDuringClaim(t, b, claim)
		}))
	}

	t.Run("a walk holds off a withdrawal but not another campaign's walk", parallel(b, exerciseWalksHoldTogether))
	t.Run("lock queued and dispatch rows", parallel(b, exerciseLockQueued))
	t.Run("suppressed tokens", parallel(b, exerciseSuppressedTokens))
	t.Run("decisions and results", parallel(b, exerciseDecisions))
	t.Run("late decisions: a message decided after a withdrawal of its consent", parallel(b, exerciseLateDecisions))
	t.Run("counts, skip and abandon", parallel(b, exerciseCampaignCounts))
	t.Run("token buckets", parallel(b, exerciseTokenBuckets))
	t.Run("token buckets with a fractional rate", parallel(b, exerciseTokenBucketsFractional))
	t.Run("borrowed tokens", parallel(b, exerciseBorrowedTokens))
	t.Run("unknown outcomes are settled in batches", parallel(b, exerciseSettleUnknown))
	t.Run("message logs are purged in batches (RT-08)", parallel(b, exerciseMessagePurge))
	t.Run("batches longer than a statement's rows", parallel(b, exerciseLongBatches))
}

func exerciseCampaignRoundTrip(t *testing.T, b Backend) {
	ctx := context.Background()
	s := b.Open(t)
	c := campaignFixture(t, s)
	c.Status, c.ScheduledAt = campaign.Draft, t0.Add(2*time.Hour)
	c.Window = &campaign.Window{From: "21:00", To: "08:00"}
	bare := campaign.Campaign{ID: "k2", Name: "Nyheter", Purpose: "news", Language: "en", Status: campaign.Draft, CreatedAt: t0,
		Template: campaign.Template{Name: "news", Languages: map[string]campaign.Variant{"en": {Body: "x"}}}}
	roundTrip(t, s, c, bare)
	if err := s.Tx(ctx, func(tx store.Tx) error { return tx.CreateCampaign(ctx, c) }); !errors.Is(err, store.ErrConflict) {
		t.Errorf("same id twice: %v, want ErrConflict", err)
	}
	if _, err := s.Campaign(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown campaign: %v, want ErrNotFound", err)
	}

	tx(t, s, func(tx store.Tx) error {
		cur, err := tx.CampaignCursor(ctx, "k1")
		if cur != "" {
			t.Errorf("cursor of a new campaign = %q, want empty", cur)
		}
		return err
	})
	c.Status, c.Audience, c.Walked = campaign.Done, 5, true
	c.StartedAt, c.FinishedAt = t0.Add(3*time.Hour), t0.Add(4*time.Hour)
	tx(t, s, func(tx store.Tx) error { return tx.UpdateCampaign(ctx, c, "c7") })
	got, err := s.Campaign(ctx, "k1")
	if err != nil {
		t.Fatal(err)
	}
	if diff := gocmp.Diff(c, got); diff != "" {
		t.Errorf("updated campaign (-want +got):\n%s", diff)
	}
	tx(t, s, func(tx store.Tx) error {
		cur, err := tx.CampaignCursor(ctx, "k1")
		if cur != "c7" {
			t.Errorf("cursor after update = %q, want c7", cur)
		}
		return err
	})
	if got, _ := s.Campaign(ctx, "k2"); got.Status != campaign.Draft || got.Audience != 0 {
		t.Errorf("updating k1 changed k2: %+v", got)
	}
	err = s.Tx(ctx, func(tx store.Tx) error { return tx.UpdateCampaign(ctx, campaign.Campaign{ID: "nope"}, "") })
	if !errors.Is(err, store.ErrNotFound) {
		t.Errorf("update unknown campaign: %v, want ErrNotFound", err)
	}
	err = s.Tx(ctx, func(tx store.Tx) error { _, err := tx.CampaignCursor(ctx, "nope"); return err })
	if !errors.Is(err, store.ErrNotFound) {
		t.Errorf("cursor of unknown campaign: %v, want ErrNotFound", err)
	}
}
