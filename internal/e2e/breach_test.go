// SPDX-License-Identifier: AGPL-3.0-only

package e2e

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/samtykke/samtykke/internal/app"
	"github.com/samtykke/samtykke/internal/breach"
	"github.com/samtykke/samtykke/internal/controller"
	"github.com/samtykke/samtykke/internal/ledger"
	"github.com/samtykke/samtykke/internal/store/storetest"
	"github.com/samtykke/samtykke/internal/whatsapp"
	"github.com/samtykke/samtykke/internal/whatsapp/sim"
)

// breachTemplates are the breach notices the simulator accepted for a number.
func (h *harness) breachTemplates(phone string) []whatsapp.Template {
	h.t.Helper()
	var out []whatsapp.Template
	for _, m := range h.sim.Messages(phone) {
		if m.TemplateName != app.BreachNoticeTemplate {
			continue
		}
		var req struct {
			Template whatsapp.Template `json:"template"`
		}
		if err := json.Unmarshal(m.Request, &req); err != nil {
			h.t.Fatal(err)
		}
		out = append(out, req.Template)
	}
	return out
}

// TestBreachToldOverWhatsApp: a high-risk breach is counted on /metrics
// while its 72 hours run (B-01); the whole list is told by the queue, each
// person in their own language by the utility template with the texts of
// the breach and the DPO as the contact point (B-05, Art. 34(2)); a number
// that said STOPP gets nothing and is recorded as not told this way
// (invariant 9); the register counts who was told and whose message
// arrived. On both stores.
func TestBreachToldOverWhatsApp(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		h := startWith(t, b, func(_ *sim.Config, a *app.Config) {
			a.Controller = controller.Controller{OrgNumber: "923609016", DPO: controller.Contact{Name: "Personvernombudet", Email: "pvo@butikken.example"}}
		})
		const per = "+4793456789"
		for _, c := range []struct{ phone, lang string }{{kari, "nb"}, {ola, "en"}, {per, "nb"}} {
			if _, err := h.app.RecordConsent(h.ctx, admin, app.ConsentInput{Subject: app.Subject{Phone: c.phone, Language: c.lang},
				Purpose: "offers", Method: "web_form", CollectedAt: time.Now().Add(-time.Hour), AgeConfirmed: true,
				Evidence: ledger.Evidence{AffirmativeAct: "checkbox", WordingHash: "h", ConfirmationChannel: "whatsapp", ConfirmationMessageID: "w"}}); err != nil {
				t.Fatal(err)
			}
		}
		h.write(per, "STOPP")

		aware := time.Now().UTC().Add(-50 * time.Hour)
		str := func(s string) *string { return &s }
		people := map[string]breach.Notice{
			"nb": {What: "En bærbar PC med kundelisten ble stjålet.", Consequences: "Du kan få falske meldinger i vårt navn.",
				Advice: "Svar aldri på meldinger som ber om koder."},
			"en": {What: "A laptop with the customer list was stolen.", Consequences: "You may get false messages in our name.",
				Advice: "Never answer messages that ask for codes."},
		}
		v, err := h.app.RecordBreach(h.ctx, admin, app.BreachInput{Title: str("Stolen laptop"), AwareAt: &aware, Risk: str("high"),
			PeopleNotice: &people})
		if err != nil {
			t.Fatal(err)
		}
		reg := h.registry
		if open, soon, late := series(t, reg, "samtykke_breaches", "state", "open"), series(t, reg, "samtykke_breaches", "state", "due_soon"),
			series(t, reg, "samtykke_breaches", "state", "overdue"); open != 1 || soon != 1 || late != 0 {
			t.Errorf("/metrics with 22 hours left: open %v, due_soon %v, overdue %v; want 1, 1, 0", open, soon, late)
		}

		told, err := h.app.NotifyPeople(h.ctx, admin, v.ID, app.PeopleSelection{All: true})
		if err != nil || !told.Walking {
			t.Fatalf("all: %+v, %v", told, err)
		}
		h.waitFor("the breach notices", func() bool { return len(h.breachTemplates(kari)) == 1 && len(h.breachTemplates(ola)) == 1 })
		for _, c := range []struct{ phone, lang string }{{kari, "nb"}, {ola, "en"}} {
			tpl := h.breachTemplates(c.phone)[0]
			if tpl.Language.Code != c.lang || len(tpl.Components) != 1 || len(tpl.Components[0].Parameters) != 5 {
				t.Fatalf("%s's notice: %+v", c.lang, tpl)
			}
			ps := tpl.Components[0].Parameters
			if ps[0].Text != "Butikken AS" || ps[1].Text != people[c.lang].What || ps[3].Text != people[c.lang].Advice ||
				!strings.Contains(ps[4].Text, "pvo@butikken.example") {
				t.Errorf("%s's notice parameters: %+v", c.lang, ps)
			}
		}
		if got := h.breachTemplates(per); len(got) != 0 {
			t.Errorf("a number that said STOPP was sent %d breach notices", len(got))
		}
		h.waitFor("delivery", func() bool {
			got, err := h.app.Breach(h.ctx, admin, v.ID)
			return err == nil && got.People.Delivered == 2
		})
		got, err := h.app.Breach(h.ctx, admin, v.ID)
		if err != nil {
			t.Fatal(err)
		}
		if *got.People != (breach.PeopleTold{MustBeTold: true, Told: 2, Delivered: 2, NotReachable: 1}) {
			t.Errorf("people told: %+v", *got.People)
		}

		if _, err := h.app.MarkNotified(h.ctx, admin, v.ID, app.NotificationInput{Reference: "AR-7"}); err != nil {
			t.Fatal(err)
		}
		if soon := series(t, reg, "samtykke_breaches", "state", "due_soon"); soon != 0 {
			t.Errorf("due_soon after notifying: %v", soon)
		}
	})
}
