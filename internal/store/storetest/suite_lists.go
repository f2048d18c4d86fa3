// SPDX-License-Identifier: AGPL-3.0-only

package storetest

import (
	"context"
	"testing"
	"time"

	gocmp "github.com/google/go-cmp/cmp"

	"github.com/samtykke/samtykke/internal/campaign"
	"github.com/samtykke/samtykke/internal/ledger"
	"github.com/samtykke/samtykke/internal/store"
)

// exerciseLists covers what the admin UI's lists and dashboard read (issue
// 23): campaigns and contacts newest first with keyset paging and their
// filters, the consented audience per purpose, and opt-ins and opt-outs by
// hour.
func exerciseLists(t *testing.T, b Backend) {
	ctx := context.Background()
	s := b.Open(t)
	k := tagFixture(t, s) // c1..c7; active for offers: c1, c2, c4, c6, c7; for news: c5
	tx(t, s, func(tx store.Tx) error {
		for i, st := range []campaign.Status{campaign.Draft, campaign.Running, campaign.Draft} {
			c := k
			c.ID, c.Status, c.CreatedAt = "k"+string(rune('1'+i)), st, t0.Add(time.Duration(i)*time.Minute)
			if err := tx.CreateCampaign(ctx, c); err != nil {
				return err
			}
		}
		return nil
	})
	campaigns := func(f store.CampaignFilter) []string {
		t.Helper()
		cs, err := s.Campaigns(ctx, f)
		if err != nil {
			t.Fatalf("campaigns %+v: %v", f, err)
		}
		ids := []string{}
		for _, c := range cs {
			ids = append(ids, c.ID)
		}
		return ids
	}
	for _, c := range []struct {
		f    store.CampaignFilter
		want []string
	}{
		{store.CampaignFilter{}, []string{"k3", "k2", "k1"}},
		{store.CampaignFilter{Limit: 2}, []string{"k3", "k2"}},
		{store.CampaignFilter{Before: "k2"}, []string{"k1"}},
		{store.CampaignFilter{Status: campaign.Draft}, []string{"k3", "k1"}},
		{store.CampaignFilter{Status: campaign.Draft, Before: "k3", Limit: 1}, []string{"k1"}},
		{store.CampaignFilter{Status: campaign.Done}, []string{}},
	} {
		if got := campaigns(c.f); !gocmp.Equal(got, c.want) {
			t.Errorf("campaigns %+v = %v; want %v", c.f, got, c.want)
		}
	}

	contacts := func(f store.ContactFilter) []string {
		t.Helper()
		cs, err := s.Contacts(ctx, f)
		if err != nil {
			t.Fatalf("contacts %+v: %v", f, err)
		}
		ids := []string{}
		for _, c := range cs {
			ids = append(ids, c.ID)
		}
		return ids
	}
	for _, c := range []struct {
		f    store.ContactFilter
		want []string
	}{
		{store.ContactFilter{}, []string{"c7", "c6", "c5", "c4", "c3", "c2", "c1"}},
		{store.ContactFilter{Limit: 3, Before: "c5"}, []string{"c4", "c3", "c2"}},
		{store.ContactFilter{Tag: "vip"}, []string{"c5", "c4", "c3", "c1"}},
		{store.ContactFilter{Tag: "vip", Before: "c4", Limit: 1}, []string{"c3"}},
		{store.ContactFilter{Tag: "none"}, []string{}},
	} {
		if got := contacts(c.f); !gocmp.Equal(got, c.want) {
			t.Errorf("contacts %+v = %v; want %v", c.f, got, c.want)
		}
	}

	audience, err := s.AudienceByPurpose(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if want := map[string]int64{"offers": 5, "news": 1}; !gocmp.Equal(audience, want) {
		t.Errorf("audience by purpose = %v; want %v", audience, want)
	}

	// Events in two hours and one before the window; a requested event is
	// neither an opt-in nor an opt-out.
	h := t0.Truncate(time.Hour)
	tx(t, s, func(tx store.Tx) error {
		for _, e := range []struct {
			contact string
			kind    ledger.Kind
			at      time.Time
		}{
			{"c1", ledger.Confirmed, h.Add(-2 * time.Hour)}, // before since
			{"c1", ledger.Requested, h.Add(5 * time.Minute)},
			{"c2", ledger.Confirmed, h.Add(10 * time.Minute)},
			{"c4", ledger.SoftOptIn, h.Add(59 * time.Minute)},
			{"c2", ledger.Withdrawn, h.Add(61 * time.Minute)},
			{"c4", ledger.Objected, h.Add(70 * time.Minute)},
			{"c6", ledger.Confirmed, h.Add(80 * time.Minute)},
		} {
			if _, err := appendEvent(ctx, tx, e.contact, e.kind, "offers", e.at); err != nil {
				return err
			}
		}
		return nil
	})
	changes, err := s.ConsentChanges(ctx, h.Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	want := []store.HourCount{
		{Hour: h, Kind: ledger.Confirmed, N: 1}, {Hour: h, Kind: ledger.SoftOptIn, N: 1},
		{Hour: h.Add(time.Hour), Kind: ledger.Confirmed, N: 1}, {Hour: h.Add(time.Hour), Kind: ledger.Objected, N: 1},
		{Hour: h.Add(time.Hour), Kind: ledger.Withdrawn, N: 1},
	}
	if diff := gocmp.Diff(want, changes); diff != "" {
		t.Errorf("consent changes (-want +got):\n%s", diff)
	}
}
