// SPDX-License-Identifier: AGPL-3.0-only

package e2e

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/samtykke/samtykke/internal/app"
	"github.com/samtykke/samtykke/internal/consent"
	"github.com/samtykke/samtykke/internal/ledger"
	"github.com/samtykke/samtykke/internal/message"
	"github.com/samtykke/samtykke/internal/store/storetest"
	"github.com/samtykke/samtykke/internal/webhook"
	"github.com/samtykke/samtykke/internal/whatsapp"
	"github.com/samtykke/samtykke/internal/whatsapp/sim"
)

const (
	kari = "+4791234567"
	ola  = "+4741234568"
)

func (h *harness) optIn(phone string, purposes ...string) app.OptInStarted {
	h.t.Helper()
	st, err := h.app.RequestOptIn(h.ctx, app.OptInRequest{Phone: phone, Purposes: purposes, AgeConfirmed: true,
		IP: "192.0.2.7", UserAgent: "e2e"})
	if err != nil {
		h.t.Fatal(err)
	}
	return st
}

func (h *harness) contactID(phone string) string {
	h.t.Helper()
	id, err := h.app.Lookup(h.ctx, admin, phone, "end-to-end check")
	if err != nil {
		h.t.Fatal(err)
	}
	return id
}

// textsTo is what the simulator accepted for a number, by type.
func (h *harness) textsTo(phone string) []sim.Message { return h.sim.Messages(phone) }

// TestOptInConfirmGateStopp: the whole double opt-in and opt-out over the
// simulator, on both stores (C-04, K-01, K-05, K-06).
func TestOptInConfirmGateStopp(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		h := start(t, b)
		started := h.optIn("912 34 567", "offers", "news")
		if started.Code == "" || !strings.Contains(started.ChatLink, "wa.me/"+h.sim.DisplayNumber()+"?text=JA+"+started.Code) {
			t.Fatalf("started = %+v", started)
		}
		// Asking sends nothing to the number (M-04): the person writes first.
		if got := h.textsTo(kari); len(got) != 0 {
			t.Fatalf("the opt-in request sent %d messages before the person wrote", len(got))
		}
		id := h.contactID(kari)
		if d := h.gate(id, "offers"); d.Allowed || d.Reason != consent.ReasonPending {
			t.Fatalf("gate before confirmation = %+v; want pending", d)
		}

		// The code from another number confirms nothing.
		h.write(ola, "JA "+started.Code)
		if d := h.gate(id, "offers"); d.Allowed {
			t.Fatalf("another number's JA confirmed kari's request")
		}

		// The person confirms from their own WhatsApp.
		d := h.write(kari, "ja "+strings.ToLower(started.Code)+" 👍")
		if g := h.gate(id, "offers"); !g.Allowed || g.EventID == "" {
			t.Fatalf("gate after confirmation = %+v", g)
		}
		if g := h.gate(id, "news"); !g.Allowed {
			t.Fatalf("gate for news after confirmation = %+v", g)
		}
		// L-03: the confirmed event names the confirming message.
		hist, err := h.app.ConsentHistory(h.ctx, admin, id)
		if err != nil {
			t.Fatal(err)
		}
		var confirmed int
		for _, e := range hist.Events {
			if e.Kind == "confirmed" {
				confirmed++
				if e.Evidence == nil || e.Evidence.ConfirmationMessageID != d.ID || e.Evidence.NoticeHash == "" ||
					e.Evidence.IP != "192.0.2.7" || e.Evidence.WordingHash == "" || e.Evidence.Confirmation != ledger.ConfirmationVerified {
					t.Errorf("confirmed evidence = %+v", e.Evidence)
				}
			}
		}
		if confirmed != 2 {
			t.Fatalf("%d confirmed events, want 2", confirmed)
		}
		// The receipt goes back, with the preference-centre link (L-04).
		h.waitFor("the receipt", func() bool { return len(h.textsTo(kari)) == 1 })

		// "  stopp! " withdraws at once, suppresses, and confirms once.
		h.write(kari, "  stopp! ")
		for _, p := range []string{"offers", "news"} {
			if g := h.gate(id, p); g.Allowed || g.Reason != consent.ReasonSuppressed {
				t.Fatalf("gate for %s after STOPP = %+v; want suppressed", p, g)
			}
		}
		h.waitFor("the opt-out confirmation", func() bool { return len(h.textsTo(kari)) == 2 })
		h.write(kari, "STOPP")
		h.write(kari, "Stopp takk")
		if n := h.count(`SELECT count(*) FROM messages WHERE kind = 'optout_confirmation'`); n != 1 {
			t.Fatalf("%d opt-out confirmations queued, want exactly one", n)
		}
		// JA or START never re-subscribes by itself (K-03).
		h.write(kari, "JA")
		h.write(kari, "START")
		h.write(kari, "JA "+started.Code) // the used code
		if g := h.gate(id, "offers"); g.Allowed {
			t.Fatalf("JA re-subscribed after STOPP: %+v", g)
		}
		h.waitFor("the queue to settle", func() bool {
			return h.count(`SELECT count(*) FROM messages WHERE status IN ('queued', 'sending')`) == 0
		})
		if got := h.textsTo(kari); len(got) != 2 {
			t.Fatalf("kari got %d messages, want the receipt and one opt-out confirmation", len(got))
		}
		// A number that did not ask never receives anything.
		if got := h.textsTo(ola); len(got) != 0 {
			t.Fatalf("ola, who never asked, got %d messages", len(got))
		}
		if _, err := h.app.VerifyLedger(h.ctx); err != nil {
			t.Fatalf("ledger after the flow: %v", err)
		}
	})
}

// TestJAWithoutRequestChangesNothing (K-03).
func TestJAWithoutRequestChangesNothing(t *testing.T) {
	t.Parallel()
	h := start(t, storetest.SQLite)
	before := h.count(`SELECT (SELECT count(*) FROM contacts) + (SELECT count(*) FROM consent_events) + (SELECT count(*) FROM messages)`)
	for _, text := range []string{"JA", "ja takk", "JA ZZ9ZZ9", "Ja, men hva koster det?", "START"} {
		h.write(kari, text)
	}
	after := h.count(`SELECT (SELECT count(*) FROM contacts) + (SELECT count(*) FROM consent_events) + (SELECT count(*) FROM messages)`)
	if after != before {
		t.Fatalf("JA without a pending request changed %d rows", after-before)
	}
	if got := h.textsTo(kari); len(got) != 0 {
		t.Fatalf("JA without a request got %d answers", len(got))
	}
}

// TestWebhookSignatureAndReplay: a badly signed webhook stores nothing; a
// replayed one has no second effect (invariant 7, reference §4.3-§4.4).
func TestWebhookSignatureAndReplay(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		h := start(t, b)
		started := h.optIn(kari, "offers")
		id := h.contactID(kari)
		body := []byte(`{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":{` +
			`"messaging_product":"whatsapp","metadata":{"display_phone_number":"4722334455","phone_number_id":"` + h.sim.PhoneNumberID() + `"},` +
			`"contacts":[{"profile":{"name":"Kari"},"wa_id":"4791234567"}],` +
			`"messages":[{"from":"4791234567","id":"wamid.replay1","timestamp":"` + nowStamp() + `","type":"text","text":{"body":"JA ` + started.Code + `"}}]}}]}]}`)
		post := func(sig string) int {
			req, _ := http.NewRequest("POST", h.srv.URL+"/webhooks/whatsapp", bytes.NewReader(body))
			if sig != "" {
				req.Header.Set(whatsapp.SignatureHeader, sig)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			return resp.StatusCode
		}
		rows := func() int64 {
			return h.count(`SELECT (SELECT count(*) FROM webhook_inbox) + (SELECT count(*) FROM consent_events) + (SELECT count(*) FROM webhook_seen)`)
		}
		before := rows()
		for _, sig := range []string{"", "sha256=00", whatsapp.Sign("another-secret", body), strings.Replace(whatsapp.Sign(appSecret, body), "a", "b", 1)} {
			if code := post(sig); code != http.StatusUnauthorized {
				t.Errorf("signature %q: status %d, want 401", sig, code)
			}
		}
		if rows() != before {
			t.Fatalf("badly signed webhooks stored %d rows", rows()-before)
		}
		if g := h.gate(id, "offers"); g.Allowed {
			t.Fatalf("an unsigned JA confirmed the consent")
		}
		good := whatsapp.Sign(appSecret, body)
		for i := range 3 {
			if code := post(good); code != http.StatusOK {
				t.Fatalf("delivery %d: status %d", i, code)
			}
		}
		if n := h.count(`SELECT count(*) FROM consent_events WHERE kind = 'confirmed'`); n != 1 {
			t.Fatalf("%d confirmed events after three deliveries of one webhook, want 1", n)
		}
		if n := h.count(`SELECT count(*) FROM webhook_inbox`); n != 1 {
			t.Fatalf("the replayed body was stored %d times", n)
		}
		// The same message in a different body (the platform re-batches) is also recognised.
		h.write(kari, "JA "+started.Code)
		if n := h.count(`SELECT count(*) FROM consent_events WHERE kind = 'confirmed'`); n != 1 {
			t.Fatalf("confirmed events = %d after a second JA", n)
		}
		// Verification handshake (§4.2).
		resp, err := http.Get(h.srv.URL + "/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token=vt&hub.challenge=1158201444")
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("handshake: %v %v", resp, err)
		}
		resp.Body.Close()
		if err := h.sim.Verify(h.ctx, h.srv.URL+"/webhooks/whatsapp", "wrong"); err == nil {
			t.Fatal("handshake with a wrong verify token succeeded")
		}
		if err := h.sim.Verify(h.ctx, h.srv.URL+"/webhooks/whatsapp", "vt"); err != nil {
			t.Fatalf("handshake: %v", err)
		}
	})
}

// TestPlatformStopAndStatuses: a user_preferences stop objects (M-11), and
// status webhooks move the receipt forward through the batch job.
func TestPlatformStopAndStatuses(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		h := start(t, b)
		started := h.optIn(kari, "offers")
		h.write(kari, "JA "+started.Code)
		id := h.contactID(kari)
		h.waitFor("the receipt to be read", func() bool {
			return h.count(`SELECT count(*) FROM messages WHERE kind = 'receipt' AND status = 'read'`) == 1
		})
		if _, err := h.sim.SetUserPreference(sim.UserPreference{From: kari, Value: "stop"}); err != nil {
			t.Fatal(err)
		}
		if g := h.gate(id, "offers"); g.Allowed || g.Reason != consent.ReasonSuppressed {
			t.Fatalf("gate after the platform stop = %+v", g)
		}
		if _, err := h.sim.SetUserPreference(sim.UserPreference{From: kari, Value: "resume"}); err != nil {
			t.Fatal(err)
		}
		if g := h.gate(id, "offers"); g.Allowed {
			t.Fatalf("a platform resume re-subscribed: %+v", g)
		}
		if n := h.count(`SELECT count(*) FROM messages WHERE kind = 'optout_confirmation'`); n != 0 {
			t.Fatalf("a platform stop was answered with a message")
		}
	})
}

// TestWebhookSizeLimit: a body over the limit gets 413 and stores nothing,
// even when it is signed.
func TestWebhookSizeLimit(t *testing.T) {
	t.Parallel()
	h := start(t, storetest.SQLite)
	body := bytes.Repeat([]byte("x"), webhook.MaxBody+1)
	req, _ := http.NewRequest("POST", h.srv.URL+"/webhooks/whatsapp", bytes.NewReader(body))
	req.Header.Set(whatsapp.SignatureHeader, whatsapp.Sign(appSecret, body))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Fatalf("status %d, want 413", resp.StatusCode)
	}
	if n := h.count(`SELECT count(*) FROM webhook_inbox`); n != 0 {
		t.Fatalf("an oversized webhook stored %d rows", n)
	}
}

// nowStamp is the time now as a webhook's timestamp.
func nowStamp() string { return strconv.FormatInt(time.Now().Unix(), 10) }

// postSigned posts a webhook body signed with the app secret, as the
// platform does, and returns the status code.
func (h *harness) postSigned(body []byte) int {
	h.t.Helper()
	req, err := http.NewRequest("POST", h.srv.URL+"/webhooks/whatsapp", bytes.NewReader(body))
	if err != nil {
		h.t.Fatal(err)
	}
	req.Header.Set(whatsapp.SignatureHeader, whatsapp.Sign(appSecret, body))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// signedValue is a webhook body of one change, as the platform sends it.
func (h *harness) signedValue(v whatsapp.WebhookValue) []byte {
	h.t.Helper()
	v.MessagingProduct = "whatsapp"
	v.Metadata = whatsapp.Metadata{DisplayPhoneNumber: h.sim.DisplayNumber(), PhoneNumberID: h.sim.PhoneNumberID()}
	body, err := json.Marshal(whatsapp.WebhookPayload{Object: whatsapp.WebhookObject, Entry: []whatsapp.WebhookEntry{{ID: "1",
		Changes: []whatsapp.WebhookChange{{Field: whatsapp.FieldMessages, Value: v}}}}})
	if err != nil {
		h.t.Fatal(err)
	}
	return body
}

// TestOldWebhookIgnored: a validly signed body whose events are older than
// the window in which a redelivery is recognised (8 days, after which its
// dedupe records are purged) changes nothing and is answered 200, so that a
// captured body cannot be replayed later; the same events, fresh, take effect
// (invariant 7, reference §4.3-§4.4).
func TestOldWebhookIgnored(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		h := startWith(t, b, func(s *sim.Config, _ *app.Config) { s.Statuses = []string{whatsapp.StatusSent} })
		id := h.subscribed(kari, "offers")
		receipt := func() message.Message {
			m, err := h.store.LastMessage(h.ctx, id, message.Receipt)
			if err != nil {
				t.Fatal(err)
			}
			return m
		}
		h.waitFor("the receipt to be sent", func() bool { return receipt().Status == message.Sent })
		m := receipt()
		rows := func() int64 {
			return h.count(`SELECT (SELECT count(*) FROM webhook_inbox) + (SELECT count(*) FROM consent_events) +
				(SELECT count(*) FROM webhook_seen) + (SELECT count(*) FROM suppressions)`)
		}
		at := func(t time.Time) whatsapp.UnixTime { return whatsapp.UnixTime(t.Unix()) }
		delivered := func(ts whatsapp.UnixTime) []byte {
			return h.signedValue(whatsapp.WebhookValue{Statuses: []whatsapp.Status{{ID: m.WAMID, Status: whatsapp.StatusDelivered,
				Timestamp: ts, RecipientID: "4791234567", BizOpaqueCallbackData: m.ID}}})
		}
		stopp := func(wamid string, ts whatsapp.UnixTime) []byte {
			return h.signedValue(whatsapp.WebhookValue{
				Contacts: []whatsapp.WebhookContact{{Profile: whatsapp.Profile{Name: "Kari"}, WaID: "4791234567"}},
				Messages: []whatsapp.InboundMessage{{From: "4791234567", ID: wamid, Timestamp: ts, Type: "text",
					Text: &whatsapp.InboundText{Body: "STOPP"}}}})
		}
		before := rows()
		for _, old := range []time.Time{time.Now().AddDate(0, 0, -30), time.Now().Add(-8 * 24 * time.Hour), time.Unix(0, 0)} {
			for _, body := range [][]byte{delivered(at(old)), stopp("wamid.old", at(old))} {
				if code := h.postSigned(body); code != http.StatusOK {
					t.Fatalf("an old body: status %d, want 200 (else the platform retries it)", code)
				}
			}
		}
		if got := receipt().Status; got != message.Sent {
			t.Errorf("an old status moved the receipt to %s", got)
		}
		if g := h.gate(id, "offers"); !g.Allowed {
			t.Errorf("an old STOPP withdrew: %+v", g)
		}
		if rows() != before {
			t.Errorf("old bodies stored or changed %d rows", rows()-before)
		}
		// Within the window (a redelivery days later), the same events count.
		recent := at(time.Now().Add(-6 * 24 * time.Hour))
		if code := h.postSigned(delivered(recent)); code != http.StatusOK {
			t.Fatalf("status %d", code)
		}
		if got := receipt().Status; got != message.Delivered {
			t.Errorf("a status from within the window: receipt %s, want delivered", got)
		}
		if code := h.postSigned(stopp("wamid.old", at(time.Now()))); code != http.StatusOK {
			t.Fatalf("status %d", code)
		}
		if g := h.gate(id, "offers"); g.Allowed || g.Reason != consent.ReasonSuppressed {
			t.Errorf("a fresh STOPP: gate %+v, want suppressed", g)
		}
	})
}

// TestUnreachableNumberSkipped: a number WhatsApp reports undeliverable
// (131026) twice in a row, with nothing delivered between, is marked not
// reachable, and the next campaign skips it with that reason; a number with
// one such failure is still sent to, and a message from the person ends the
// mark (P-04; reference §2.2, code 131026).
func TestUnreachableNumberSkipped(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		// Status webhooks on (sent, delivered, read), campaigns dispatched here.
		h := startOpts(t, b, func(s *sim.Config, a *app.Config) {
			s.MPS, s.PairRateEvery = 0, 0
			a.Dispatch = app.DispatchConfig{Rate: 1000, Batch: 50}
		}, options{noQueue: true})
		h.subscribeMany(2, "offers")
		gone, once := number(0), number(1)
		goneID, onceID := h.contactID(gone), h.contactID(once)
		fault := func(to string, count int) {
			t.Helper()
			if err := h.sim.AddFault(sim.Fault{ErrorCode: whatsapp.CodeUndeliverable, AfterAccept: true, To: to, Count: count}); err != nil {
				t.Fatal(err)
			}
		}
		// run sends a campaign and waits for the statuses of what it sent.
		run := func() app.CampaignView {
			t.Helper()
			c := h.offer()
			h.start(c)
			h.dispatchAll(c)
			h.waitFor("the campaign's statuses", func() bool {
				return h.count(`SELECT count(*) FROM messages WHERE campaign_id = $1 AND status NOT IN ('read', 'failed', 'skipped')`, c.ID) == 0
			})
			v, err := h.app.Campaign(h.ctx, admin, c.ID)
			if err != nil {
				t.Fatal(err)
			}
			return v
		}
		fault(gone, 2)
		if v := run(); v.Counts["read"] != 1 || v.Failed["Message Undeliverable"] != 1 {
			t.Fatalf("first campaign: %+v, failed %v; want both sent, one undeliverable", v.Counts, v.Failed)
		}
		if g := h.gate(goneID, "offers"); !g.Allowed {
			t.Fatalf("after one undeliverable failure: %+v; want still allowed", g)
		}
		fault(once, 1)
		if v := run(); v.Failed["Message Undeliverable"] != 2 || v.Counts["skipped"] != 0 {
			t.Fatalf("second campaign: %+v, failed %v; want both tried and undeliverable", v.Counts, v.Failed)
		}
		if g := h.gate(goneID, "offers"); g.Allowed || g.Reason != consent.ReasonUnreachable {
			t.Errorf("after two undeliverable failures in a row: gate %+v; want unreachable", g)
		}
		v := run()
		if v.Counts["skipped"] != 1 || v.Skipped[string(consent.ReasonUnreachable)] != 1 || v.Counts["read"] != 1 {
			t.Fatalf("third campaign: %+v, skipped %v; want the unreachable number skipped as such, the other sent", v.Counts, v.Skipped)
		}
		if n := h.count(`SELECT count(*) FROM messages WHERE contact_id = $1 AND status = 'skipped' AND error_title = 'unreachable'`, goneID); n != 1 {
			t.Errorf("%d skipped messages to the unreachable number record the reason, want 1", n)
		}
		if g := h.gate(onceID, "offers"); !g.Allowed {
			t.Errorf("one undeliverable failure, then delivered: gate %+v; want allowed", g)
		}
		// The person writes from that number: it takes WhatsApp messages after all.
		h.write(gone, "Hei, jeg har fått ny telefon")
		if g := h.gate(goneID, "offers"); !g.Allowed {
			t.Errorf("after the person wrote: gate %+v; want allowed", g)
		}
	})
}
