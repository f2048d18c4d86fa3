// SPDX-License-Identifier: AGPL-3.0-only

package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/samtykke/samtykke/internal/app"
	"github.com/samtykke/samtykke/internal/ledger"
	"github.com/samtykke/samtykke/internal/store/storetest"
)

// consented records a confirmed consent for a number and returns its contact.
func (tb *testBundle) consented(phone, purpose string) string {
	tb.t.Helper()
	rec, err := tb.app.RecordConsent(tb.ctx, admin, app.ConsentInput{Subject: app.Subject{Phone: phone},
		Purpose: purpose, Method: "web_form", CollectedAt: tb.now.Add(-time.Hour), AgeConfirmed: true,
		Evidence: ledger.Evidence{AffirmativeAct: "checkbox", WordingHash: "h", ConfirmationChannel: "whatsapp", ConfirmationMessageID: "wamid.1"}})
	if err != nil {
		tb.t.Fatal(err)
	}
	return rec.ContactID
}

// linksQueued counts the preference-link messages waiting to go.
func (tb *testBundle) linksQueued() int64 {
	tb.t.Helper()
	return tb.count("SELECT count(*) FROM messages WHERE kind = 'preferences_link'")
}

// TestOptOutPages: /optout and /privacy carry the web opt-out form, and the
// preference centre links to it (M-06: the opt-out is offered on the
// website too).
func TestOptOutPages(t *testing.T) {
	t.Parallel()
	tb := setup(t, storetest.SQLite)
	form := []string{`<form method="post" action="/optout" class="optout">`, `name="csrf" value="`,
		`type="tel" id="optout-phone" name="phone"`, `<button type="submit" class="primary">Meld deg av</button>`}
	r := tb.get("/optout")
	if r.status != http.StatusOK {
		t.Fatalf("GET /optout = %d", r.status)
	}
	must(t, r.body, append(form, "<h1>Meld deg av</h1>", "svare STOPP", `href="/optout?lang=en"`)...)
	if r.header.Get("X-Frame-Options") != "DENY" || r.header.Get("Cache-Control") != "no-store" {
		t.Errorf("headers = %v", r.header)
	}
	r = tb.get("/optout?lang=en")
	must(t, r.body, "<h1>Unsubscribe</h1>", `<input type="hidden" name="lang" value="en">`)
	// The page every campaign message links to has the form near its top.
	r = tb.get("/privacy")
	must(t, r.body, append(form, `<h2 id="optout-heading">Meld deg av</h2>`, `<a href="/optout">Avmelding på egen side</a>`)...)
	if strings.Index(r.body, `action="/optout"`) > strings.Index(r.body, "summary-heading") {
		t.Error("the opt-out form comes after the notice; it belongs at the top")
	}
	must(t, tb.get("/privacy/1").body, `action="/optout"`)
	// The preference centre leads there too.
	id := tb.consented("+47 912 34 567", "offers")
	r = tb.get(strings.TrimPrefix(tb.app.PreferencesLink(id), publicURL))
	must(t, r.body, `<a href="/optout">Meld av et annet nummer, eller få en ny lenke på WhatsApp</a>`)
}

// TestOptOutNoEnumeration: the answer is the same page whatever the number;
// only a number whose consent lets a message go to it gets a preference
// link, at most once a day (M-06; invariant 9).
func TestOptOutNoEnumeration(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		tb := setup(t, b)
		tb.consented("+47 912 34 567", "offers")
		gone := tb.consented("+47 933 33 333", "news")
		if _, err := tb.app.Withdraw(tb.ctx, admin, app.WithdrawInput{Subject: app.Subject{ContactID: gone}, Purpose: "all", Method: "api"}); err != nil {
			t.Fatal(err)
		}
		if _, err := tb.app.Withdraw(tb.ctx, admin, app.WithdrawInput{Subject: app.Subject{Phone: "+47 944 44 444"}, Purpose: "all", Method: "api"}); err != nil {
			t.Fatal(err) // suppressed without ever being a contact
		}
		var pages []string
		for _, tc := range []struct {
			name, number string
			queued       int64
		}{
			{"consented", "+47 912 34 567", 1},
			{"unknown", "+47 922 22 222", 1},
			{"withdrawn and suppressed", "933 33 333", 1},
			{"suppressed only", "+4794444444", 1},
			{"consented, again the same day", "91234567", 1},
		} {
			r := tb.post("/optout", url.Values{"csrf": {csrf(t, tb.get("/optout").body)}, "lang": {"nb"}, "phone": {tc.number}})
			if r.status != http.StatusOK {
				t.Fatalf("%s: status %d\n%s", tc.name, r.status, r.body)
			}
			must(t, r.body, "Har vi samtykke fra dette nummeret, får du straks en melding på WhatsApp")
			mustNot(t, r.body, `action="/optout"`)
			for _, digits := range []string{"912", "922", "933", "944"} {
				mustNot(t, r.body, digits)
			}
			if n := tb.linksQueued(); n != tc.queued {
				t.Fatalf("%s: %d preference links queued, want %d", tc.name, n, tc.queued)
			}
			pages = append(pages, r.body)
		}
		for i := 1; i < len(pages); i++ {
			if pages[i] != pages[0] {
				t.Fatalf("the answer for %d differs from the answer for a consented number:\n%s\n---\n%s", i, pages[0], pages[i])
			}
		}
		// The next day the consented number may ask again.
		tb.now = tb.now.Add(25 * time.Hour)
		tb.post("/optout", url.Values{"csrf": {csrf(t, tb.get("/optout").body)}, "lang": {"nb"}, "phone": {"+47 912 34 567"}})
		if n := tb.linksQueued(); n != 2 {
			t.Fatalf("%d preference links after a day, want 2", n)
		}
	})
}

// TestOptOutErrors: a malformed number is shown what is wrong, never echoed;
// an address that asks too often is refused; another site's post is refused.
// None of them queues anything.
func TestOptOutErrors(t *testing.T) {
	t.Parallel()
	tb := setup(t, storetest.SQLite)
	tb.consented("+47 912 34 567", "offers")
	post := func(phone string) response {
		return tb.post("/optout", url.Values{"csrf": {csrf(t, tb.get("/optout").body)}, "lang": {"nb"}, "phone": {phone}})
	}
	r := post("22 33 44 55")
	if r.status != http.StatusBadRequest {
		t.Fatalf("landline: status %d", r.status)
	}
	must(t, r.body, "fasttelefonnummer", `aria-invalid="true"`, `role="alert"`, `action="/optout"`)
	mustNot(t, r.body, "22 33 44 55", "22334455")

	req, _ := http.NewRequest(http.MethodPost, tb.srv.URL+"/optout", strings.NewReader(url.Values{
		"csrf": {csrf(t, tb.get("/optout").body)}, "lang": {"nb"}, "phone": {"+47 912 34 567"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	if r := tb.do(tb.client, req); r.status != http.StatusForbidden {
		t.Fatalf("cross-site opt-out request = %d, want 403", r.status)
	}
	if n := tb.linksQueued(); n != 0 {
		t.Fatalf("%d links queued after refused requests", n)
	}
	// 30 requests a day from one address, whatever the numbers.
	for i := range 30 {
		if r := post(fmt.Sprintf("+47 412 34 5%02d", i)); r.status != http.StatusOK {
			t.Fatalf("request %d: status %d", i+1, r.status)
		}
	}
	r = post("+47 912 34 567")
	if r.status != http.StatusTooManyRequests {
		t.Fatalf("31st request from one address: %d, want 429", r.status)
	}
	must(t, r.body, "for mange forsøk")
	if n := tb.linksQueued(); n != 0 {
		t.Fatalf("%d links queued; the consented number's request was refused", n)
	}
}
