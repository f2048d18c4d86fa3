// SPDX-License-Identifier: AGPL-3.0-only

package web

import (
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/samtykke/samtykke/internal/app"
	"github.com/samtykke/samtykke/internal/consent"
	"github.com/samtykke/samtykke/internal/ledger"
	"github.com/samtykke/samtykke/internal/store/storetest"
)

// started submits the form for a number and returns the started page.
func (tb *testBundle) started(phone string, purposes ...string) response {
	tb.t.Helper()
	r := tb.post("/optin", tb.optInForm(phone, purposes...))
	if r.status != http.StatusOK || codeRE.FindStringSubmatch(r.body) == nil {
		tb.t.Fatalf("POST /optin = %d\n%s", r.status, r.body)
	}
	return r
}

// TestConfirmBySMSLink: the SMS alternative, once a day; opening the link
// shows a button and changes nothing (a link scanner confirms nobody); the
// click confirms; an expired link says so.
func TestConfirmBySMSLink(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		tb := setup(t, b)
		page := tb.started("+47 912 34 567", "offers")
		ref := refRE.FindStringSubmatch(page.body)[1]
		alt := url.Values{"csrf": {csrf(t, page.body)}, "lang": {"nb"}, "ref": {ref}, "channel": {app.ConfirmBySMS}}
		if r := tb.post("/optin/confirm-another-way", alt); r.status != http.StatusOK {
			t.Fatalf("SMS alternative = %d\n%s", r.status, r.body)
		}
		if r := tb.post("/optin/confirm-another-way", alt); r.status != http.StatusTooManyRequests {
			t.Fatalf("second SMS the same day = %d, want 429", r.status)
		}
		sent := tb.sms.Sent()
		if len(sent) != 1 {
			t.Fatalf("sink = %+v", sent)
		}
		path := regexp.MustCompile(`/confirm/[A-Za-z0-9_-]+`).FindString(sent[0].Text)
		r := tb.get(path)
		if r.status != http.StatusOK || !strings.Contains(r.body, `action="`+path+`"`) {
			t.Fatalf("GET %s = %d\n%s", path, r.status, r.body)
		}
		if n := tb.count(`SELECT count(*) FROM consent_events WHERE kind = 'confirmed'`); n != 0 {
			t.Fatal("opening the link confirmed the consent; only the click may")
		}
		r = tb.post(path, url.Values{"csrf": {csrf(t, r.body)}, "lang": {"nb"}})
		must(t, r.body, "Du er nå påmeldt")
		if n := tb.count(`SELECT count(*) FROM consent_events WHERE kind = 'confirmed'`); n != 1 {
			t.Fatalf("%d confirmed events after the click, want 1", n)
		}
		// A link past its request's expiry.
		page2 := tb.started("+47 412 34 567", "news")
		ref2 := refRE.FindStringSubmatch(page2.body)[1]
		tb.post("/optin/confirm-another-way", url.Values{"csrf": {csrf(t, page2.body)}, "lang": {"nb"}, "ref": {ref2}, "channel": {app.ConfirmBySMS}})
		path2 := regexp.MustCompile(`/confirm/[A-Za-z0-9_-]+`).FindString(tb.sms.Sent()[1].Text)
		tb.now = tb.now.Add(73 * time.Hour)
		r = tb.get(path2)
		r = tb.post(path2, url.Values{"csrf": {csrf(t, r.body)}, "lang": {"nb"}})
		if r.status != http.StatusGone || !strings.Contains(r.body, "Lenken er utløpt") {
			t.Fatalf("expired link = %d\n%s", r.status, r.body)
		}
	})
}

// consentedToBoth records a confirmed consent to offers and news for one
// number, and returns its contact and the path of its preference link.
func (tb *testBundle) consentedToBoth() (contactID, path string) {
	tb.t.Helper()
	for _, key := range []string{"offers", "news"} {
		rec, err := tb.app.RecordConsent(tb.ctx, admin, app.ConsentInput{Subject: app.Subject{Phone: "+47 912 34 567"},
			Purpose: key, Method: "web_form", CollectedAt: tb.now.Add(-time.Hour), AgeConfirmed: true,
			Evidence: ledger.Evidence{AffirmativeAct: "checkbox", WordingHash: "h", ConfirmationChannel: "whatsapp", ConfirmationMessageID: "wamid.1"}})
		if err != nil {
			tb.t.Fatal(err)
		}
		contactID = rec.ContactID
	}
	return contactID, strings.TrimPrefix(tb.app.PreferencesLink(contactID), publicURL)
}

// TestPreferenceCentre: a signed link shows every consent; one click withdraws
// one, another all (C-05, M-06).
func TestPreferenceCentre(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		tb := setup(t, b)
		contactID, path := tb.consentedToBoth()
		r := tb.get(path)
		if r.status != http.StatusOK {
			t.Fatalf("GET preferences = %d\n%s", r.status, r.body)
		}
		must(t, r.body, "Tilbud", "Nyhetsbrev", "9** ** *67", `name="purpose" value="offers"`, `name="purpose" value="all"`)
		mustNot(t, r.body, "91234567", "912 34 567")
		r = tb.post(path, url.Values{"csrf": {csrf(t, r.body)}, "lang": {"nb"}, "purpose": {"offers"}})
		if r.status != http.StatusOK {
			t.Fatalf("withdraw = %d\n%s", r.status, r.body)
		}
		if d, _ := tb.app.Gate(tb.ctx, admin, contactID, "offers"); d.Allowed || d.Reason != consent.ReasonWithdrawn {
			t.Fatalf("gate for offers after one click = %+v", d)
		}
		if d, _ := tb.app.Gate(tb.ctx, admin, contactID, "news"); !d.Allowed {
			t.Fatalf("withdrawing offers touched news: %+v", d)
		}
		r = tb.post(path, url.Values{"csrf": {csrf(t, r.body)}, "lang": {"nb"}, "purpose": {"all"}})
		if d, _ := tb.app.Gate(tb.ctx, admin, contactID, "news"); d.Allowed {
			t.Fatalf("withdraw all left news allowed: %+v", d)
		}
		// Without the CSRF token nothing changes; a forged or expired link shows an error page.
		if r := tb.post(path, url.Values{"purpose": {"all"}}); r.status != http.StatusForbidden {
			t.Fatalf("POST without CSRF = %d", r.status)
		}
		if r := tb.get(path[:len(path)-3] + "abc"); r.status != http.StatusBadRequest {
			t.Fatalf("forged link = %d", r.status)
		}
	})
}

// TestPreferenceLinkNeverStopsWithdrawal: after 30 days a preference link no
// longer shows the person's consents, but withdrawing through it works for
// as long as the contact exists (M-06; C-05: withdrawal at any time).
func TestPreferenceLinkNeverStopsWithdrawal(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		tb := setup(t, b)
		contactID, path := tb.consentedToBoth()
		tb.now = tb.now.Add(2 * 365 * 24 * time.Hour)
		r := tb.get(path)
		if r.status != http.StatusOK {
			t.Fatalf("GET an old link = %d\n%s", r.status, r.body)
		}
		must(t, r.body, "Lenken er for gammel til at vi viser valgene dine her", `name="purpose" value="all"`,
			`<a href="/optout">Få en ny lenke på WhatsApp</a>`)
		mustNot(t, r.body, "Tilbud", "Nyhetsbrev", "9** ** *67", `value="offers"`) // nothing of the person
		// One purpose (as a page opened while the link was young sends it).
		r = tb.post(path, url.Values{"csrf": {csrf(t, r.body)}, "lang": {"nb"}, "purpose": {"offers"}})
		if r.status != http.StatusOK {
			t.Fatalf("withdraw one through an old link = %d\n%s", r.status, r.body)
		}
		must(t, r.body, "Samtykket er trukket tilbake")
		if d, _ := tb.app.Gate(tb.ctx, admin, contactID, "offers"); d.Allowed || d.Reason != consent.ReasonWithdrawn {
			t.Fatalf("gate for offers after withdrawing through an old link = %+v", d)
		}
		if d, _ := tb.app.Gate(tb.ctx, admin, contactID, "news"); !d.Allowed {
			t.Fatalf("withdrawing offers touched news: %+v", d)
		}
		r = tb.post(path, url.Values{"csrf": {csrf(t, r.body)}, "lang": {"nb"}, "purpose": {"all"}})
		if r.status != http.StatusOK {
			t.Fatalf("withdraw all through an old link = %d\n%s", r.status, r.body)
		}
		must(t, r.body, "Du er nå avmeldt og får ikke flere markedsføringsmeldinger fra oss.")
		mustNot(t, r.body, "Nyhetsbrev", "9** ** *67")
		if d, _ := tb.app.Gate(tb.ctx, admin, contactID, "news"); d.Allowed {
			t.Fatalf("withdraw all through an old link left news allowed: %+v", d)
		}
		// An altered old link is still refused.
		if r := tb.get(path[:len(path)-3] + "abc"); r.status != http.StatusBadRequest {
			t.Fatalf("forged old link = %d", r.status)
		}
	})
}

// TestPrivacyPages: the current notice and every earlier version (T-01).
func TestPrivacyPages(t *testing.T) {
	t.Parallel()
	tb := setup(t, storetest.SQLite)
	v2 := tb.publish("nb", "Ny kortversjon.")
	r := tb.get("/privacy")
	must(t, r.body, "Ny kortversjon.", v2.Hash, `href="/privacy/1"`)
	r = tb.get("/privacy/1")
	if r.status != http.StatusOK {
		t.Fatalf("GET /privacy/1 = %d", r.status)
	}
	must(t, r.body, "Vi sender tilbud på WhatsApp når du har sagt ja.", "Om controller")
	if r := tb.get("/privacy/9"); r.status != http.StatusNotFound {
		t.Fatalf("unknown version = %d", r.status)
	}
	if r := tb.get("/privacy?lang=en"); !strings.Contains(r.body, "We send offers on WhatsApp") {
		t.Fatalf("English notice missing:\n%s", r.body)
	}
}

// TestLinkPaddingBits: a link whose last base64 character differs only in
// its unused bits reads as the same bytes to a lax decoder; it is refused,
// so each link has one spelling and its MAC covers every bit of it.
func TestLinkPaddingBits(t *testing.T) {
	t.Parallel()
	tb := setup(t, storetest.SQLite)
	rec, err := tb.app.RecordConsent(tb.ctx, admin, app.ConsentInput{Subject: app.Subject{Phone: "+47 912 34 567"},
		Purpose: "offers", Method: "web_form", CollectedAt: tb.now.Add(-time.Hour), AgeConfirmed: true,
		Evidence: ledger.Evidence{AffirmativeAct: "checkbox", WordingHash: "h", ConfirmationChannel: "whatsapp", ConfirmationMessageID: "wamid.1"}})
	if err != nil {
		t.Fatal(err)
	}
	prefs := strings.TrimPrefix(tb.app.PreferencesLink(rec.ContactID), publicURL)
	page := tb.started("+47 412 34 567", "news")
	tb.post("/optin/confirm-another-way", url.Values{"csrf": {csrf(t, page.body)}, "lang": {"nb"},
		"ref": {refRE.FindStringSubmatch(page.body)[1]}, "channel": {app.ConfirmBySMS}})
	confirm := regexp.MustCompile(`/confirm/[A-Za-z0-9_-]+`).FindString(tb.sms.Sent()[0].Text)
	for _, path := range []string{prefs, confirm} {
		if flipPadding(path) == path {
			t.Fatalf("%s: its last character has no unused bits", path)
		}
	}
	if r := tb.get(prefs); r.status != http.StatusOK {
		t.Fatalf("GET %s = %d", prefs, r.status)
	}
	if r := tb.get(flipPadding(prefs)); r.status != http.StatusBadRequest || !strings.Contains(r.body, "Lenken er ikke gyldig") {
		t.Errorf("GET %s (unused bits set) = %d, want 400", flipPadding(prefs), r.status)
	}
	token := func(path string) string { return path[strings.LastIndexByte(path, '/')+1:] }
	if _, err := tb.app.WithdrawByLink(tb.ctx, token(flipPadding(prefs)), "all"); !errors.Is(err, app.ErrLinkInvalid) {
		t.Errorf("withdrawing through the altered link: %v, want ErrLinkInvalid", err)
	}
	if err := tb.app.ConfirmLink(tb.ctx, token(flipPadding(confirm))); !errors.Is(err, app.ErrLinkInvalid) {
		t.Errorf("confirming through the altered link: %v, want ErrLinkInvalid", err)
	}
	if d, _ := tb.app.Gate(tb.ctx, admin, rec.ContactID, "offers"); !d.Allowed {
		t.Fatalf("an altered link changed the consent: %+v", d)
	}
}
