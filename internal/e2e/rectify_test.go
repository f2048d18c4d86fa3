// SPDX-License-Identifier: AGPL-3.0-only

package e2e

import (
	"encoding/json"
	"testing"

	"github.com/samtykke/samtykke/internal/app"
	"github.com/samtykke/samtykke/internal/consent"
	"github.com/samtykke/samtykke/internal/contact"
	"github.com/samtykke/samtykke/internal/ledger"
	"github.com/samtykke/samtykke/internal/store/storetest"
	"github.com/samtykke/samtykke/internal/whatsapp"
	"github.com/samtykke/samtykke/internal/whatsapp/sim"
)

// campaignTo runs a campaign for "offers" to the end and returns its view.
func (h *harness) campaignTo() app.CampaignView {
	h.t.Helper()
	c := h.offer()
	h.start(c)
	return h.finished(c)
}

// TestRestrictionSkipsCampaigns: R-06: a restricted contact is skipped by a
// campaign's dispatch with the reason "restricted" and gets nothing; once
// the restriction is lifted the next campaign reaches it.
func TestRestrictionSkipsCampaigns(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		h := startFast(t, b)
		h.subscribeMany(3, "offers")
		id := h.contactID(number(1))
		if _, err := h.app.Restrict(h.ctx, admin, id, true, "the person contests the data"); err != nil {
			t.Fatal(err)
		}
		v := h.campaignTo()
		if v.Counts["sent"] != 2 || v.Skipped[string(consent.ReasonRestricted)] != 1 {
			t.Fatalf("campaign while restricted: counts %v, skipped %v; want 2 sent and 1 restricted", v.Counts, v.Skipped)
		}
		if n := len(h.sim.Messages(number(1))); n != 0 {
			t.Fatalf("the restricted contact got %d messages", n)
		}
		if _, err := h.app.Restrict(h.ctx, admin, id, false, "the data was checked"); err != nil {
			t.Fatal(err)
		}
		if v := h.campaignTo(); v.Counts["sent"] != 3 {
			t.Fatalf("campaign after lifting: counts %v, skipped %v; want 3 sent", v.Counts, v.Skipped)
		}
		if n := len(h.sim.Messages(number(1))); n != 1 {
			t.Fatalf("after lifting, the contact got %d messages, want 1", n)
		}
	})
}

// templateCode is the body parameter of a template message the simulator
// accepted: the code it carries.
func templateCode(t *testing.T, m sim.Message) string {
	t.Helper()
	var req struct {
		Template whatsapp.Template `json:"template"`
	}
	if err := json.Unmarshal(m.Request, &req); err != nil || len(req.Template.Components) == 0 ||
		len(req.Template.Components[0].Parameters) == 0 {
		t.Fatalf("template message %s: %v", m.ID, err)
	}
	return req.Template.Components[0].Parameters[0].Text
}

// TestNumberChangedOnThePlatform: the platform's message that a
// person changed number is never a silent re-subscription. The old number's
// contact is restricted at once, so a campaign sends to neither number; the
// new number gets only a code. The person confirms with the template's
// button from the new number: then the contact, with its consents, has the
// new number, the change is in the ledger, and the next campaign reaches
// the new number and not the old.
func TestNumberChangedOnThePlatform(t *testing.T) {
	t.Parallel()
	const newNumber = "+4799887766"
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		h := startFast(t, b)
		h.subscribeMany(2, "offers")
		old := number(1)
		id := h.contactID(old)

		if d, err := h.sim.Inbound(sim.Inbound{From: old, ChangedNumber: newNumber}); err != nil || !d.Delivered {
			t.Fatalf("the number change: %+v, %v", d, err)
		}
		if d := h.gate(id, "offers"); d.Allowed || d.Reason != consent.ReasonRestricted {
			t.Fatalf("gate after the number change = %+v; want restricted", d)
		}
		h.waitFor("the code to the new number", func() bool { return len(h.sim.Messages(newNumber)) == 1 })
		codeMsg := h.sim.Messages(newNumber)[0]
		if codeMsg.TemplateName != app.NumberTemplate || codeMsg.Category != "utility" {
			t.Fatalf("the message to the new number: %s (%s), want the number template", codeMsg.TemplateName, codeMsg.Category)
		}
		code := templateCode(t, codeMsg)

		v := h.campaignTo()
		if v.Skipped[string(consent.ReasonRestricted)] != 1 || v.Counts["sent"] != 1 {
			t.Fatalf("campaign after the number change: counts %v, skipped %v", v.Counts, v.Skipped)
		}
		if n := len(h.sim.Messages(old)); n != 0 {
			t.Fatalf("the old number got %d messages", n)
		}
		if n := len(h.sim.Messages(newNumber)); n != 1 {
			t.Fatalf("the new number got %d messages, want only the code", n)
		}
		if id, err := h.app.Lookup(h.ctx, admin, newNumber, "end-to-end check"); err == nil {
			t.Fatalf("the new number names contact %s before it confirmed", id)
		}
		// Whoever holds the old number now gets nothing of the restricted
		// contact's, not even the opt-in page a shop's QR code asks for.
		h.write(old, "JA BUTIKK")
		h.waitFor("the opt-in link to be decided", func() bool {
			return h.count(`SELECT count(*) FROM messages WHERE kind = 'optin_link' AND status = 'skipped' AND error_title = 'contact restricted'`) == 1
		})
		if n := len(h.sim.Messages(old)); n != 0 {
			t.Fatalf("the old number got %d messages while restricted", n)
		}

		// The person taps the template's button on the new number.
		d, err := h.sim.Inbound(sim.Inbound{From: newNumber, Button: &whatsapp.InboundButton{Payload: contact.CodePayload + code, Text: "Bekreft"}})
		if err != nil || !d.Delivered {
			t.Fatalf("the confirmation: %+v, %v", d, err)
		}
		if got := h.contactID(newNumber); got != id {
			t.Fatalf("the new number names %s, want %s", got, id)
		}
		if g := h.gate(id, "offers"); !g.Allowed {
			t.Fatalf("gate after the confirmation = %+v", g)
		}
		hist, err := h.app.ConsentHistory(h.ctx, admin, id)
		if err != nil {
			t.Fatal(err)
		}
		last := hist.Events[len(hist.Events)-1]
		if last.Kind != ledger.Rectified || last.Evidence == nil || last.Evidence.ConfirmationMessageID != d.ID {
			t.Fatalf("last event = %+v, evidence %+v; want rectified by the confirming message", last.Event, last.Evidence)
		}

		v = h.campaignTo()
		if v.Counts["sent"] != 2 || len(v.Skipped) != 0 {
			t.Fatalf("campaign after the confirmation: counts %v, skipped %v", v.Counts, v.Skipped)
		}
		if n := len(h.sim.Messages(newNumber)); n != 2 {
			t.Fatalf("the new number got %d messages, want the code and the campaign", n)
		}
		if n := len(h.sim.Messages(old)); n != 0 {
			t.Fatalf("the old number got %d messages", n)
		}
		if _, err := h.app.VerifyLedger(h.ctx); err != nil {
			t.Fatalf("ledger: %v", err)
		}
	})
}
