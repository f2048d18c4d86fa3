// SPDX-License-Identifier: AGPL-3.0-only

package app_test

import (
	"testing"

	"github.com/samtykke/samtykke/internal/app"
	"github.com/samtykke/samtykke/internal/campaign"
	"github.com/samtykke/samtykke/internal/message"
	"github.com/samtykke/samtykke/internal/store"
	"github.com/samtykke/samtykke/internal/store/storetest"
)

// TestCampaignViewBeforeTheWalkEnds: contacts the walk has not reached have
// no message yet; the view counts them as queued, and as skipped once the
// campaign is cancelled, so that the counts always add up to the audience.
func TestCampaignViewBeforeTheWalkEnds(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		tb := setup(t, b)
		tb.seed(t)
		c, err := tb.app.CreateCampaign(tb.ctx, marketer, campaign.Campaign{Name: "Vårsalg", Purpose: "offers",
			Template: campaign.Template{Name: "spring_sale",
				Languages: map[string]campaign.Variant{"nb": {Body: "Butikken AS har salg. https://butikk.example/privacy. Svar STOPP for å melde deg av."}}}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tb.app.CampaignAction(tb.ctx, marketer, c.ID, "start"); err != nil {
			t.Fatal(err)
		}
		// The first slice counted 40 contacts and has decided none yet.
		if err := tb.store.Tx(tb.ctx, func(tx store.Tx) error { return tx.SetCampaignAudience(tb.ctx, c.ID, 40) }); err != nil {
			t.Fatal(err)
		}
		check := func(status message.Status, want int64, reason string) app.CampaignView {
			t.Helper()
			v, err := tb.app.Campaign(tb.ctx, marketer, c.ID)
			if err != nil {
				t.Fatal(err)
			}
			if v.Counts[status] != want || (reason != "" && v.Skipped[reason] != want) {
				t.Fatalf("counts %v, skipped %v; want %d %s %s", v.Counts, v.Skipped, want, status, reason)
			}
			return v
		}
		if v := check(message.Queued, 40, ""); v.Progress != 0 {
			t.Errorf("progress %v before any decision", v.Progress)
		}
		if _, err := tb.app.CampaignAction(tb.ctx, marketer, c.ID, "cancel"); err != nil {
			t.Fatal(err)
		}
		if v := check(message.Skipped, 40, "campaign cancelled"); v.Counts[message.Queued] != 0 || v.Progress != 1 {
			t.Errorf("cancelled: queued %d, progress %v", v.Counts[message.Queued], v.Progress)
		}
	})
}
