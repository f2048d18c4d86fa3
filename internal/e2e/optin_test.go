// SPDX-License-Identifier: AGPL-3.0-only

package e2e

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/samtykke/samtykke/internal/app"
	"github.com/samtykke/samtykke/internal/store/storetest"
	"github.com/samtykke/samtykke/internal/whatsapp"
	"github.com/samtykke/samtykke/internal/whatsapp/sim"
)

// TestShopQRFlow: "JA BUTIKK" from a shop's QR code gets the opt-in page
// bound to that number; submitting it confirms at once, since the link
// reached the person's own WhatsApp.
func TestShopQRFlow(t *testing.T) {
	t.Parallel()
	h := start(t, storetest.SQLite)
	h.write(kari, "JA BUTIKK")
	h.waitFor("the opt-in link", func() bool { return len(h.textsTo(kari)) == 1 })
	if n := h.count(`SELECT count(*) FROM consent_events`); n != 0 {
		t.Fatalf("writing JA BUTIKK recorded %d consent events; it must subscribe nobody by itself", n)
	}
	link := regexp.MustCompile(`/optin\?t=([A-Za-z0-9_-]+)`).FindStringSubmatch(h.lastText(kari))
	if link == nil {
		t.Fatalf("no opt-in link in %q", h.lastText(kari))
	}
	st, err := h.app.RequestOptIn(h.ctx, app.OptInRequest{LinkToken: link[1], Purposes: []string{"news"}, AgeConfirmed: true, IP: "192.0.2.9"})
	if err != nil || !st.Confirmed || st.Code != "" {
		t.Fatalf("opt-in from the link = %+v, %v", st, err)
	}
	if g := h.gate(h.contactID(kari), "news"); !g.Allowed {
		t.Fatalf("gate = %+v", g)
	}
	if g := h.gate(h.contactID(kari), "offers"); g.Allowed {
		t.Fatalf("an unticked purpose was granted")
	}
	// A tampered link is refused, and so is one whose last character differs
	// only in its unused bits: a link has one spelling.
	bad := link[1][:len(link[1])-2] + "AA"
	if _, err := h.app.RequestOptIn(h.ctx, app.OptInRequest{LinkToken: bad, Purposes: []string{"news"}, AgeConfirmed: true}); !errors.Is(err, app.ErrInvalid) {
		t.Fatalf("tampered link: %v", err)
	}
	spelled := flipUnusedBits(link[1])
	if spelled == link[1] {
		t.Fatalf("the link's last character has no unused bits")
	}
	if _, err := h.app.RequestOptIn(h.ctx, app.OptInRequest{LinkToken: spelled, Purposes: []string{"offers"}, AgeConfirmed: true}); !errors.Is(err, app.ErrLinkInvalid) {
		t.Fatalf("the link with its unused bits set: %v, want ErrLinkInvalid", err)
	}
}

// flipUnusedBits sets the unused low bits of the last character of an
// unpadded base64url token: a lax decoder reads the same bytes from it.
func flipUnusedBits(s string) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	unused := map[int]int{2: 4, 3: 2}[len(s)%4]
	i := strings.IndexByte(alphabet, s[len(s)-1])
	return s[:len(s)-1] + string(alphabet[i|(1<<unused-1)])
}

// lastText is the body of the last text message the simulator accepted for a number.
func (h *harness) lastText(phone string) string {
	ms := h.textsTo(phone)
	if len(ms) == 0 {
		return ""
	}
	var req whatsapp.MessageRequest
	if err := json.Unmarshal(ms[len(ms)-1].Request, &req); err != nil || req.Text == nil {
		return ""
	}
	return req.Text.Body
}

// TestConfirmAnotherWay: the template, SMS and e-mail alternatives, each
// limited to one a day per number (M-04).
func TestConfirmAnotherWay(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		h := start(t, b)
		st := h.optIn(kari, "offers")
		id := h.contactID(kari)

		// A utility template with a quick reply that confirms (§5.5).
		if err := h.app.SendConfirmation(h.ctx, st.Ref, app.ConfirmByTemplate, ""); err != nil {
			t.Fatal(err)
		}
		if err := h.app.SendConfirmation(h.ctx, st.Ref, app.ConfirmByTemplate, ""); !errors.Is(err, app.ErrRateLimited) {
			t.Fatalf("second template the same day: %v, want rate limited", err)
		}
		h.waitFor("the confirmation template", func() bool { return len(h.textsTo(kari)) == 1 })
		if m := h.textsTo(kari)[0]; m.Type != "template" || m.TemplateName != app.ConfirmationTemplate || m.Category != "utility" {
			t.Fatalf("confirmation request = %+v", m)
		}
		if g := h.gate(id, "offers"); g.Allowed {
			t.Fatal("sending the request confirmed the consent")
		}
		// The person taps the quick reply: its payload carries the code.
		d, err := h.sim.Inbound(sim.Inbound{From: kari, Button: &whatsapp.InboundButton{Payload: "OPTIN:" + st.Code, Text: "Ja"}})
		if err != nil || !d.Delivered {
			t.Fatalf("button: %+v %v", d, err)
		}
		if g := h.gate(id, "offers"); !g.Allowed {
			t.Fatalf("gate after the quick reply = %+v", g)
		}

		// SMS: a link that confirms when opened.
		st2 := h.optIn(ola, "news")
		if err := h.app.SendConfirmation(h.ctx, st2.Ref, app.ConfirmBySMS, ""); err != nil {
			t.Fatal(err)
		}
		if err := h.app.SendConfirmation(h.ctx, st2.Ref, app.ConfirmBySMS, ""); !errors.Is(err, app.ErrRateLimited) {
			t.Fatalf("second SMS the same day: %v", err)
		}
		sent := h.sink.Sent()
		if len(sent) != 1 || sent[0].To != ola || sent[0].Channel != "sms" {
			t.Fatalf("sink = %+v", sent)
		}
		token := regexp.MustCompile(`/confirm/([A-Za-z0-9_-]+)`).FindStringSubmatch(sent[0].Text)
		if token == nil {
			t.Fatalf("no link in the SMS")
		}
		if err := h.app.ConfirmLink(h.ctx, token[1]); err != nil {
			t.Fatal(err)
		}
		if err := h.app.ConfirmLink(h.ctx, token[1]); err != nil {
			t.Fatalf("opening the link twice: %v", err)
		}
		if n := h.count(`SELECT count(*) FROM consent_events WHERE kind = 'confirmed' AND purpose = 'news'`); n != 1 {
			t.Fatalf("%d confirmations for news, want 1", n)
		}
		// E-mail: the address is used once and kept nowhere.
		st3 := h.optIn("+47 987 65 432", "news")
		if err := h.app.SendConfirmation(h.ctx, st3.Ref, app.ConfirmByEmail, "not-an-address"); !errors.Is(err, app.ErrInvalid) {
			t.Fatalf("bad address: %v", err)
		}
		if err := h.app.SendConfirmation(h.ctx, st3.Ref, app.ConfirmByEmail, "kari@example.no"); err != nil {
			t.Fatal(err)
		}
		if n := h.count(`SELECT count(*) FROM rate_limits WHERE key LIKE '%example%'`); n != 0 {
			t.Fatal("the e-mail address was stored")
		}
		if err := h.app.SendConfirmation(h.ctx, "garbage", app.ConfirmBySMS, ""); !errors.Is(err, app.ErrInvalid) {
			t.Fatalf("bad ref: %v", err)
		}
	})
}

// TestUnconfirmedRequestsExpire: after 72 h an unconfirmed request is
// expired and deleted, and a contact that never confirmed is erased (RT-07).
func TestUnconfirmedRequestsExpire(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		h := start(t, b)
		st := h.optIn(kari, "offers")
		id := h.contactID(kari)
		now := time.Now()
		h.app.NowFunc = func() time.Time { return now.Add(71 * time.Hour) }
		if n, err := h.app.ExpireOptIns(h.ctx); err != nil || n != 0 {
			t.Fatalf("expired before 72 h: %d, %v", n, err)
		}
		h.app.NowFunc = func() time.Time { return now.Add(72*time.Hour + time.Minute) }
		if n, err := h.app.ExpireOptIns(h.ctx); err != nil || n != 1 {
			t.Fatalf("ExpireOptIns = %d, %v", n, err)
		}
		if n := h.count(`SELECT count(*) FROM confirmations`); n != 0 {
			t.Fatalf("%d confirmations left", n)
		}
		c, err := h.store.Contact(h.ctx, id)
		if err != nil || !c.Erased() || c.PhoneCT != nil || c.BlindIndex != nil {
			t.Fatalf("contact after expiry = %+v, %v", c, err)
		}
		if _, err := h.app.Lookup(h.ctx, admin, kari, "end-to-end check"); err == nil {
			t.Fatal("the number is still found after its unconfirmed request expired")
		}
		h.app.NowFunc = time.Now
		h.write(kari, "JA "+st.Code)
		if n := h.count(`SELECT count(*) FROM consent_events WHERE kind = 'confirmed'`); n != 0 {
			t.Fatal("an expired code confirmed")
		}
		if _, err := h.app.VerifyLedger(h.ctx); err != nil {
			t.Fatalf("ledger after erasure: %v", err)
		}
	})
}

// TestOptInRefusals: bad input changes nothing, and abuse is rate limited.
func TestOptInRefusals(t *testing.T) {
	t.Parallel()
	h := start(t, storetest.SQLite)
	before := h.count(`SELECT (SELECT count(*) FROM contacts) + (SELECT count(*) FROM consent_events) + (SELECT count(*) FROM confirmations)`)
	cases := []struct {
		name string
		in   app.OptInRequest
		want error
	}{
		{"no purpose", app.OptInRequest{Phone: kari, AgeConfirmed: true}, app.ErrInvalid},
		{"age not confirmed (C-13)", app.OptInRequest{Phone: kari, Purposes: []string{"offers"}}, app.ErrRefused},
		{"landline", app.OptInRequest{Phone: "22 33 44 55", Purposes: []string{"offers"}, AgeConfirmed: true}, app.ErrInvalid},
		{"unknown purpose", app.OptInRequest{Phone: kari, Purposes: []string{"lottery"}, AgeConfirmed: true}, app.ErrInvalid},
		{"stale notice", app.OptInRequest{Phone: kari, Purposes: []string{"offers"}, AgeConfirmed: true, NoticeVersion: 9}, app.ErrRefused},
	}
	for _, c := range cases {
		if _, err := h.app.RequestOptIn(h.ctx, c.in); !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}
	if after := h.count(`SELECT (SELECT count(*) FROM contacts) + (SELECT count(*) FROM consent_events) + (SELECT count(*) FROM confirmations)`); after != before {
		t.Fatalf("refused requests changed %d rows", after-before)
	}
	// Per number: five a day, then refused — the same for every number, known or not.
	for i := range 6 {
		_, err := h.app.RequestOptIn(h.ctx, app.OptInRequest{Phone: ola, Purposes: []string{"offers"}, AgeConfirmed: true, IP: "198.51.100.1"})
		if (i < 5) != (err == nil) || (i == 5 && !errors.Is(err, app.ErrRateLimited)) {
			t.Fatalf("attempt %d: %v", i+1, err)
		}
	}
	// Per address: thirty a day.
	var last error
	for i := range 31 {
		num := "+47 4" + strings.Repeat("0", 6) + string(rune('0'+i%10))
		num = num[:len(num)-2] + string(rune('0'+i/10)) + num[len(num)-1:]
		_, last = h.app.RequestOptIn(h.ctx, app.OptInRequest{Phone: num, Purposes: []string{"offers"}, AgeConfirmed: true, IP: "203.0.113.5"})
	}
	if !errors.Is(last, app.ErrRateLimited) {
		t.Fatalf("31st request from one address: %v, want rate limited", last)
	}
}

// TestWebOptOut: the web opt-out that every campaign message reaches through
// /privacy. A number with a consent gets a utility template with a fresh
// preference link; withdrawing all there stops the gate, and still does a
// month after the link's view expired. An unknown number gets the same page
// and nothing (M-06; C-05: withdrawal at any time).
func TestWebOptOut(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		h := start(t, b)
		id := h.subscribed(kari, "offers", "news")
		h.waitFor("the receipt", func() bool { return len(h.textsTo(kari)) == 1 })
		csrfRE := regexp.MustCompile(`name="csrf" value="([^"]+)"`)
		post := func(path string, form url.Values) (int, string) {
			t.Helper()
			res, err := http.PostForm(h.srv.URL+path, form)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			body, _ := io.ReadAll(res.Body)
			return res.StatusCode, csrfRE.ReplaceAllString(string(body), `name="csrf" value="CSRF"`)
		}
		optOut := func(number string) string {
			t.Helper()
			status, body := post("/optout", url.Values{"csrf": {formToken(t, h.srv.URL+"/privacy")}, "lang": {"nb"}, "phone": {number}})
			if status != http.StatusOK {
				t.Fatalf("POST /optout = %d\n%s", status, body)
			}
			return body
		}

		known := optOut("912 34 567")
		h.waitFor("the preference link", func() bool { return len(h.textsTo(kari)) == 2 })
		m := h.textsTo(kari)[1]
		if m.Type != "template" || m.TemplateName != app.PreferencesLinkTemplate || m.Category != "utility" {
			t.Fatalf("the preference link went as %+v", m)
		}
		var req whatsapp.MessageRequest
		if err := json.Unmarshal(m.Request, &req); err != nil || req.Template == nil || len(req.Template.Components) == 0 ||
			len(req.Template.Components[0].Parameters) == 0 {
			t.Fatalf("template request %s: %v", m.Request, err)
		}
		link := req.Template.Components[0].Parameters[0].Text
		path, ok := strings.CutPrefix(link, h.srv.URL)
		if !ok || !strings.HasPrefix(path, "/preferences/p.") {
			t.Fatalf("the template carries %q, not a preference link", link)
		}
		if n := h.count(`SELECT count(*) FROM messages WHERE body_key LIKE '%preferences/%'`); n != 0 {
			t.Fatalf("%d messages store the link itself", n)
		}

		// An unknown number: the same page, and nothing queued or sent.
		if unknown := optOut("+47 412 34 568"); unknown != known {
			t.Fatalf("the page for an unknown number differs:\n%s\n---\n%s", known, unknown)
		}
		if n := h.count(`SELECT count(*) FROM messages WHERE kind = 'preferences_link'`); n != 1 {
			t.Fatalf("%d preference-link messages, want the one to the consented number", n)
		}
		if ms := h.textsTo(ola); len(ms) != 0 {
			t.Fatalf("the unknown number got %+v", ms)
		}

		// A month and a day later the link no longer shows the consents, but
		// its one click still withdraws everything.
		later := time.Now().Add(31 * 24 * time.Hour)
		h.app.NowFunc = func() time.Time { return later }
		defer func() { h.app.NowFunc = time.Now }()
		token := formToken(t, h.srv.URL+path)
		status, body := post(path, url.Values{"csrf": {token}, "lang": {"nb"}, "purpose": {"all"}})
		if status != http.StatusOK || !strings.Contains(body, "Du er nå avmeldt") {
			t.Fatalf("withdraw all through the month-old link = %d\n%s", status, body)
		}
		for _, purpose := range []string{"offers", "news"} {
			if g := h.gate(id, purpose); g.Allowed {
				t.Fatalf("gate for %s after withdrawing on the web = %+v", purpose, g)
			}
		}
	})
}
