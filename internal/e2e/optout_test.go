// SPDX-License-Identifier: AGPL-3.0-only

package e2e

import (
	"testing"

	"github.com/samtykke/samtykke/internal/consent"
	"github.com/samtykke/samtykke/internal/store/storetest"
	"github.com/samtykke/samtykke/internal/whatsapp"
	"github.com/samtykke/samtykke/internal/whatsapp/sim"
)

// subscribed opts a number in and confirms it from that number.
func (h *harness) subscribed(phone string, purposes ...string) string {
	h.t.Helper()
	st := h.optIn(phone, purposes...)
	h.write(phone, "JA "+st.Code)
	id := h.contactID(phone)
	if g := h.gate(id, purposes[0]); !g.Allowed {
		h.t.Fatalf("setup: %+v", g)
	}
	return id
}

// TestOptOutButtonAndOrdinarySentences: the opt-out button withdraws; a
// sentence that merely contains the word does not (K-01, R-09).
func TestOptOutButtonAndOrdinarySentences(t *testing.T) {
	t.Parallel()
	h := start(t, storetest.SQLite)
	id := h.subscribed(kari, "offers")
	for _, text := range []string{"Når stopper tilbudet?", "Jeg vil ikke at dere skal stoppe", "Hvorfor slutter kampanjen?"} {
		h.write(kari, text)
	}
	if g := h.gate(id, "offers"); !g.Allowed {
		t.Fatalf("an ordinary sentence withdrew consent: %+v", g)
	}
	d, err := h.sim.Inbound(sim.Inbound{From: kari, Button: &whatsapp.InboundButton{Payload: "OPTOUT", Text: "Stopp kampanjer"}})
	if err != nil || !d.Delivered {
		t.Fatal(err)
	}
	if g := h.gate(id, "offers"); g.Allowed || g.Reason != consent.ReasonSuppressed {
		t.Fatalf("gate after the opt-out button = %+v", g)
	}
	hist, _ := h.app.ConsentHistory(h.ctx, admin, id)
	last := hist.Events[len(hist.Events)-1]
	if last.Kind != "objected" || last.Method != "button" {
		t.Fatalf("last event = %+v; want an objection by button", last.Event)
	}
}

// TestStopped131050: a send that fails with 131050 (the person stopped
// marketing inside WhatsApp) is an objection (M-11).
func TestStopped131050(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		h := start(t, b)
		// The receipt of the confirmation fails after acceptance with 131050.
		if err := h.sim.AddFault(sim.Fault{ErrorCode: 131050, AfterAccept: true, To: kari}); err != nil {
			t.Fatal(err)
		}
		st := h.optIn(kari, "offers")
		h.write(kari, "JA "+st.Code)
		id := h.contactID(kari)
		h.waitFor("the 131050 to withdraw", func() bool { return !h.gate(id, "offers").Allowed })
		if g := h.gate(id, "offers"); g.Reason != consent.ReasonSuppressed {
			t.Fatalf("gate = %+v", g)
		}
		if n := h.count(`SELECT count(*) FROM messages WHERE status = 'failed' AND error_code = 131050`); n != 1 {
			t.Fatalf("failed messages = %d", n)
		}
	})
}

// TestBusinessScopedUserID: the BSUID is kept beside the number, and a later
// message that carries only the BSUID still reaches the right contact (§7).
func TestBusinessScopedUserID(t *testing.T) {
	t.Parallel()
	h := start(t, storetest.SQLite)
	st := h.optIn(kari, "offers")
	if _, err := h.sim.Inbound(sim.Inbound{From: kari, UserID: "NO.1234567890", Text: "JA " + st.Code}); err != nil {
		t.Fatal(err)
	}
	id := h.contactID(kari)
	if n := h.count(`SELECT count(*) FROM contacts WHERE id = $1 AND bsuid_index IS NOT NULL`, id); n != 1 {
		t.Fatal("the BSUID was not recorded")
	}
	if n := h.count(`SELECT count(*) FROM contacts WHERE instr(bsuid_ct, 'NO.1234567890') > 0`); n != 0 {
		t.Fatal("the BSUID is stored in clear")
	}
	// A username user: the platform leaves wa_id out; only the BSUID identifies them.
	body := []byte(`{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":{` +
		`"messaging_product":"whatsapp","metadata":{"display_phone_number":"4722334455","phone_number_id":"1"},` +
		`"contacts":[{"profile":{"name":"Kari"},"user_id":"NO.1234567890"}],` +
		`"messages":[{"from_user_id":"NO.1234567890","id":"wamid.bsuid1","timestamp":"` + nowStamp() + `","type":"text","text":{"body":"STOPP"}}]}}]}]}`)
	if err := h.app.ReceiveWebhook(h.ctx, body); err != nil {
		t.Fatal(err)
	}
	if g := h.gate(id, "offers"); g.Allowed {
		t.Fatalf("STOPP by BSUID did not withdraw: %+v", g)
	}
}
