// SPDX-License-Identifier: AGPL-3.0-only

package e2e

import (
	"net/http"
	"testing"
	"time"

	"github.com/samtykke/samtykke/internal/app"
	"github.com/samtykke/samtykke/internal/consent"
	"github.com/samtykke/samtykke/internal/message"
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

// bsuidOnly is a signed body of a message from a person the platform names
// by BSUID alone: a username user, the number left out (reference §7).
func (h *harness) bsuidOnly(userID, wamid, text string) []byte {
	h.t.Helper()
	return h.signedValue(whatsapp.WebhookValue{
		Contacts: []whatsapp.WebhookContact{{Profile: whatsapp.Profile{Name: "Kari", Username: "kari"}, UserID: userID}},
		Messages: []whatsapp.InboundMessage{{FromUserID: userID, ID: wamid, Timestamp: whatsapp.UnixTime(time.Now().Unix()),
			Type: "text", Text: &whatsapp.InboundText{Body: text}}}})
}

// lastEvent is a contact's newest ledger event.
func (h *harness) lastEvent(id string) app.HistoryEvent {
	h.t.Helper()
	hist, err := h.app.ConsentHistory(h.ctx, admin, id)
	if err != nil {
		h.t.Fatal(err)
	}
	return hist.Events[len(hist.Events)-1]
}

// TestBSUIDFromEveryMessage: the BSUID is recorded beside the number from
// any message or status that names both, not only from a keyword, so that a
// STOPP carrying the BSUID alone reaches a person whose earlier messages
// were ordinary ones; no contact is made for an ordinary message
// (reference §7; C-05, K-06).
func TestBSUIDFromEveryMessage(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		h := start(t, b)
		kariID := h.subscribed(kari, "offers")
		olaID := h.subscribed(ola, "offers")
		if _, err := h.sim.Inbound(sim.Inbound{From: kari, UserID: "NO.1111", Text: "Hei! Når åpner dere i morgen?"}); err != nil {
			t.Fatal(err)
		}
		h.waitFor("ola's receipt", func() bool {
			m, err := h.store.LastMessage(h.ctx, olaID, message.Receipt)
			return err == nil && m.WAMID != ""
		})
		receipt, err := h.store.LastMessage(h.ctx, olaID, message.Receipt)
		if err != nil {
			t.Fatal(err)
		}
		status := h.signedValue(whatsapp.WebhookValue{Statuses: []whatsapp.Status{{ID: receipt.WAMID, Status: whatsapp.StatusRead,
			Timestamp: whatsapp.UnixTime(time.Now().Unix()), RecipientID: "4741234568", RecipientUserID: "NO.2222",
			BizOpaqueCallbackData: receipt.ID}}})
		if code := h.postSigned(status); code != http.StatusOK {
			t.Fatalf("status webhook: %d", code)
		}
		if n := h.count(`SELECT count(*) FROM contacts WHERE bsuid_index IS NOT NULL`); n != 2 {
			t.Fatalf("%d contacts with a BSUID after an ordinary message and a status, want 2", n)
		}
		// Someone not on the list writes, with a BSUID: no contact for it.
		contacts := h.count(`SELECT count(*) FROM contacts`)
		if _, err := h.sim.Inbound(sim.Inbound{From: "+4741234569", UserID: "NO.3333", Text: "Hei"}); err != nil {
			t.Fatal(err)
		}
		if n := h.count(`SELECT count(*) FROM contacts`); n != contacts {
			t.Fatalf("an ordinary message made %d contacts", n-contacts)
		}
		for _, c := range []struct{ userID, id, other string }{{"NO.1111", kariID, olaID}, {"NO.2222", olaID, ""}} {
			if code := h.postSigned(h.bsuidOnly(c.userID, "wamid.stopp."+c.userID, "STOPP")); code != http.StatusOK {
				t.Fatalf("BSUID-only STOPP: %d", code)
			}
			if g := h.gate(c.id, "offers"); g.Allowed || g.Reason != consent.ReasonSuppressed {
				t.Errorf("%s: gate after a STOPP by BSUID alone = %+v; want suppressed", c.userID, g)
			}
			if e := h.lastEvent(c.id); e.Kind != "objected" || e.Method != "keyword" {
				t.Errorf("%s: last event = %+v; want an objection by keyword", c.userID, e.Event)
			}
			if c.other != "" {
				if g := h.gate(c.other, "offers"); !g.Allowed {
					t.Errorf("another person's BSUID STOPP reached %s: %+v", c.other, g)
				}
			}
		}
	})
}

// TestBSUIDOnlyStoppHeldUntilTheNumber: a STOPP from a person the platform
// names by BSUID alone, on no contact, is kept (under a keyed token, never
// the BSUID) and reaches the number as soon as a message or a status names
// that BSUID with it: the contact's consent is withdrawn with an objection in
// its ledger, and the number is suppressed, so that a later opt-in counts
// only once the person writes JA from that number (reference §7; C-05,
// R-08, G-02).
func TestBSUIDOnlyStoppHeldUntilTheNumber(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		h := start(t, b)
		kariID := h.subscribed(kari, "offers")
		olaID := h.subscribed(ola, "offers")
		contacts := h.count(`SELECT count(*) FROM contacts`)
		for _, userID := range []string{"NO.1111", "NO.2222", "NO.3333"} {
			if code := h.postSigned(h.bsuidOnly(userID, "wamid.stopp."+userID, "STOPP")); code != http.StatusOK {
				t.Fatalf("BSUID-only STOPP: %d", code)
			}
		}
		if n := h.count(`SELECT count(*) FROM bsuid_objections WHERE linked_at = 0`); n != 3 {
			t.Fatalf("%d objections by BSUID waiting, want 3", n)
		}
		if n := h.count(`SELECT count(*) FROM bsuid_objections WHERE token LIKE '%NO.%' OR token LIKE '%1111%'`); n != 0 {
			t.Fatal("a BSUID is kept in clear")
		}
		if n := h.count(`SELECT count(*) FROM contacts`); n != contacts {
			t.Fatalf("a STOPP by BSUID alone made %d contacts", n-contacts)
		}
		for _, id := range []string{kariID, olaID} {
			if g := h.gate(id, "offers"); !g.Allowed {
				t.Fatalf("before the BSUID names the number: %+v", g)
			}
		}

		// An ordinary message names NO.1111 with kari's number.
		if _, err := h.sim.Inbound(sim.Inbound{From: kari, UserID: "NO.1111", Text: "Hei"}); err != nil {
			t.Fatal(err)
		}
		if g := h.gate(kariID, "offers"); g.Allowed || g.Reason != consent.ReasonSuppressed {
			t.Errorf("kari after the BSUID met her number: gate %+v; want suppressed", g)
		}
		if e := h.lastEvent(kariID); e.Kind != "objected" || e.Method != "keyword" || e.Evidence == nil ||
			e.Evidence.Extra["identified_by"] != "bsuid" || e.Evidence.CollectedAt == "" {
			t.Errorf("kari's last event = %+v, %+v; want the objection by BSUID", e.Event, e.Evidence)
		}
		// A status names NO.2222 with ola's number.
		receipt, err := h.store.LastMessage(h.ctx, olaID, message.Receipt)
		if err != nil {
			t.Fatal(err)
		}
		if code := h.postSigned(h.signedValue(whatsapp.WebhookValue{Statuses: []whatsapp.Status{{ID: receipt.WAMID,
			Status: whatsapp.StatusRead, Timestamp: whatsapp.UnixTime(time.Now().Unix()), RecipientID: "4741234568",
			RecipientUserID: "NO.2222", BizOpaqueCallbackData: receipt.ID}}})); code != http.StatusOK {
			t.Fatalf("status: %d", code)
		}
		if g := h.gate(olaID, "offers"); g.Allowed || g.Reason != consent.ReasonSuppressed {
			t.Errorf("ola after a status named the BSUID with her number: gate %+v; want suppressed", g)
		}
		// NO.3333 belongs to a number on no contact: the number is
		// suppressed, and no contact is made.
		const third = "+4741234569"
		if _, err := h.sim.Inbound(sim.Inbound{From: third, UserID: "NO.3333", Text: "Hei"}); err != nil {
			t.Fatal(err)
		}
		if n := h.count(`SELECT count(*) FROM contacts`); n != contacts {
			t.Fatalf("linking made %d contacts", n-contacts)
		}
		if n := h.count(`SELECT count(*) FROM bsuid_objections WHERE linked_at = 0`); n != 0 {
			t.Errorf("%d objections by BSUID still waiting", n)
		}

		// A later opt-in from the web does not lift it; JA from the number does.
		for _, p := range []struct{ phone, userID, id string }{{kari, "NO.1111", kariID}, {third, "NO.3333", ""}} {
			st := h.optIn(p.phone, "offers")
			id := h.contactID(p.phone)
			if g := h.gate(id, "offers"); g.Allowed || g.Reason != consent.ReasonSuppressed {
				t.Errorf("%s: a web opt-in after the objection: gate %+v; want suppressed", p.userID, g)
			}
			if _, err := h.sim.Inbound(sim.Inbound{From: p.phone, UserID: p.userID, Text: "JA " + st.Code}); err != nil {
				t.Fatal(err)
			}
			if g := h.gate(id, "offers"); !g.Allowed {
				t.Errorf("%s: JA from the number: gate %+v; want allowed", p.userID, g)
			}
			// The objection was applied once: the next message leaves the new consent be.
			if _, err := h.sim.Inbound(sim.Inbound{From: p.phone, UserID: p.userID, Text: "Takk!"}); err != nil {
				t.Fatal(err)
			}
			if g := h.gate(id, "offers"); !g.Allowed {
				t.Errorf("%s: an ordinary message after the JA: gate %+v; want allowed", p.userID, g)
			}
		}
		if _, err := h.app.VerifyLedger(h.ctx); err != nil {
			t.Fatalf("ledger: %v", err)
		}
	})
}
