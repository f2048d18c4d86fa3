// SPDX-License-Identifier: AGPL-3.0-only

package e2e

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/samtykke/samtykke/internal/app"
	"github.com/samtykke/samtykke/internal/campaign"
	"github.com/samtykke/samtykke/internal/consent"
	"github.com/samtykke/samtykke/internal/ledger"
	"github.com/samtykke/samtykke/internal/store/storetest"
	"github.com/samtykke/samtykke/internal/tag"
	"github.com/samtykke/samtykke/internal/whatsapp/sim"
)

// TestCampaignByTags: a campaign narrowed by tags reaches, through the queue
// and the Cloud API, exactly the consenting contacts that carry any of its
// tags (G-01: only contacts with a consent; tags narrow the audience,
// never widen it).
func TestCampaignByTags(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		h := startWith(t, b, func(s *sim.Config, a *app.Config) {
			s.MPS, s.PairRateEvery, s.Statuses = 0, 0, []string{}
			a.Dispatch = app.DispatchConfig{Rate: 1000, Batch: 2}
			a.Tags = []tag.Tag{{Key: "vip", Description: consent.Text{NB: "Faste kunder", EN: "Regular customers"}},
				{Key: "oslo", Description: consent.Text{NB: "Butikken i Oslo", EN: "The Oslo shop"}},
				{Key: "b2b", Description: consent.Text{NB: "Bedriftskunder", EN: "Business customers"}}}
		})
		// Eight consenting contacts; 1 and 4 are vip, 2 is oslo, 6 both, 3 b2b.
		// Number 7 is vip too but withdraws before the campaign.
		tagged := map[int][]string{1: {"vip"}, 2: {"oslo"}, 3: {"b2b"}, 4: {"vip"}, 6: {"vip", "oslo"}, 7: {"vip"}}
		ids := map[int]string{}
		for i := range 8 {
			rec, err := h.app.RecordConsent(h.ctx, admin, app.ConsentInput{Subject: app.Subject{Phone: number(i)}, Purpose: "offers",
				Method: "import", CollectedAt: time.Now().Add(-time.Hour), AgeConfirmed: true,
				Evidence: ledger.Evidence{AffirmativeAct: "checkbox", WordingHash: "h", ConfirmationChannel: "whatsapp", ConfirmationMessageID: "w"}})
			if err != nil {
				t.Fatal(err)
			}
			ids[i] = rec.ContactID
			if tags := tagged[i]; tags != nil {
				if _, err := h.app.SetContactTags(h.ctx, admin, rec.ContactID, tags); err != nil {
					t.Fatal(err)
				}
			}
		}
		if _, err := h.app.Withdraw(h.ctx, admin, app.WithdrawInput{Subject: app.Subject{ContactID: ids[7]}, Purpose: "offers"}); err != nil {
			t.Fatal(err)
		}
		tpl := h.offer().Template
		if _, err := h.app.CreateCampaign(h.ctx, admin, campaign.Campaign{Name: "Gull", Purpose: "offers", Template: tpl,
			Tags: []string{"vip", "gold"}}); err == nil || !strings.Contains(err.Error(), `"gold"`) {
			t.Fatalf("campaign with an undeclared tag: %v", err)
		}
		c, err := h.app.CreateCampaign(h.ctx, admin, campaign.Campaign{Name: "Faste kunder og Oslo", Purpose: "offers", Template: tpl,
			Tags: []string{"vip", "oslo"}})
		if err != nil {
			t.Fatal(err)
		}
		h.start(c)
		v := h.finished(c)
		if v.Audience != 4 || v.Counts["sent"] != 4 {
			t.Fatalf("campaign = audience %d, counts %v; want 4 sent", v.Audience, v.Counts)
		}
		var got []string
		for _, m := range h.sim.Messages("") {
			if m.TemplateName == "spring_sale" {
				got = append(got, m.WaID)
			}
		}
		var want []string
		for _, i := range []int{1, 2, 4, 6} {
			want = append(want, strings.TrimPrefix(number(i), "+"))
		}
		slices.Sort(got)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("recipients (-want +got):\n%s", diff)
		}
	})
}
