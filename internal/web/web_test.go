// SPDX-License-Identifier: AGPL-3.0-only

package web

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"html"
	"image/png"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/samtykke/samtykke/internal/app"
	"github.com/samtykke/samtykke/internal/consent"
	"github.com/samtykke/samtykke/internal/controller"
	"github.com/samtykke/samtykke/internal/ledger"
	"github.com/samtykke/samtykke/internal/notice"
	"github.com/samtykke/samtykke/internal/notify"
	"github.com/samtykke/samtykke/internal/staff"
	"github.com/samtykke/samtykke/internal/store"
	"github.com/samtykke/samtykke/internal/store/storetest"
	"github.com/samtykke/samtykke/internal/vault"
)

// testBundle is a real app on a real store of one backend, its pages served
// through httptest, and a browser-like client that keeps cookies.
type testBundle struct {
	t      *testing.T
	ctx    context.Context
	app    *app.App
	store  store.Store
	b      storetest.Backend
	srv    *httptest.Server
	client *http.Client
	sms    *notify.Sink
	now    time.Time
}

var (
	admin      = app.Actor{ID: "t-admin", Name: "admin", Role: staff.Admin}
	integrator = app.Actor{ID: "t-int", Name: "shop", Role: staff.Integrator}
	marketer   = app.Actor{ID: "t-mkt", Name: "marketing", Role: staff.Marketer}
)

const publicURL = "http://x"

func setup(t *testing.T, b storetest.Backend) *testBundle {
	t.Helper()
	master := make([]byte, vault.KeySize)
	_, _ = rand.Read(master)
	v, err := vault.New(master)
	if err != nil {
		t.Fatal(err)
	}
	s := b.Open(t)
	sms := &notify.Sink{}
	a := app.New(s, v, app.Config{BusinessNumber: "4790000000", PublicURL: publicURL, SMS: sms,
		Controller: controller.Controller{Address: "Storgata 1, 0155 Oslo", Email: "personvern@butikk.example", Phone: "+47 22 12 34 56"}},
		slog.New(slog.NewTextHandler(io.Discard, nil)))
	tb := &testBundle{t: t, ctx: context.Background(), app: a, store: s, b: b, sms: sms,
		now: time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)}
	a.NowFunc = func() time.Time { return tb.now }
	tb.seed()
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	ws, err := New(a, Config{BusinessName: "Butikken AS", CSRFKey: key})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	ws.Register(mux)
	tb.srv = httptest.NewServer(mux)
	t.Cleanup(tb.srv.Close)
	tb.client = tb.newClient()
	return tb
}

// newClient is a fresh browser: its own cookies, redirects not followed.
func (tb *testBundle) newClient() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// completeNotice has every Art. 13 item (T-01).
func completeNotice(lang, summary string) notice.Notice {
	n := notice.Notice{Language: lang, Summary: summary}
	for _, it := range notice.Required {
		n.Sections = append(n.Sections, notice.Section{Item: it, Title: "Om " + string(it), Body: "Tekst om " + string(it)})
	}
	return n
}

// seed creates two consent purposes, one existing-customer purpose (never on
// the form), and publishes a notice in nb and en.
func (tb *testBundle) seed() {
	tb.t.Helper()
	for _, p := range []consent.Purpose{
		{Key: "offers", Channel: consent.WhatsApp, Basis: consent.BasisConsent, RetentionDays: 365, RefreshDays: 365,
			Description: consent.Text{NB: "Tilbud", EN: "Offers"}},
		{Key: "news", Channel: consent.WhatsApp, Basis: consent.BasisConsent, RetentionDays: 365,
			Description: consent.Text{NB: "Nyhetsbrev", EN: "Newsletters"}},
		{Key: "customers", Channel: consent.WhatsApp, Basis: consent.BasisExistingCustomer, RetentionDays: 365,
			Description: consent.Text{NB: "Kundetilbud", EN: "Customer offers"}},
	} {
		if _, err := tb.app.CreatePurpose(tb.ctx, admin, p); err != nil {
			tb.t.Fatal(err)
		}
	}
	tb.publish("nb", "Vi sender tilbud på WhatsApp når du har sagt ja.")
	tb.publish("en", "We send offers on WhatsApp when you have said yes.")
}

func (tb *testBundle) publish(lang, summary string) notice.Notice {
	tb.t.Helper()
	n, err := tb.app.CreateNotice(tb.ctx, admin, completeNotice(lang, summary))
	if err != nil {
		tb.t.Fatal(err)
	}
	if n, err = tb.app.PublishNotice(tb.ctx, admin, n.ID); err != nil {
		tb.t.Fatal(err)
	}
	return n
}

// response is what a test looks at.
type response struct {
	status int
	header http.Header
	body   string
}

func (tb *testBundle) do(c *http.Client, req *http.Request) response {
	tb.t.Helper()
	res, err := c.Do(req)
	if err != nil {
		tb.t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		tb.t.Fatal(err)
	}
	return response{status: res.StatusCode, header: res.Header, body: string(b)}
}

func (tb *testBundle) get(path string) response {
	tb.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, tb.srv.URL+path, nil)
	return tb.do(tb.client, req)
}

func (tb *testBundle) postWith(c *http.Client, path string, form url.Values) response {
	tb.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, tb.srv.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("User-Agent", "web-test")
	return tb.do(c, req)
}

func (tb *testBundle) post(path string, form url.Values) response {
	tb.t.Helper()
	return tb.postWith(tb.client, path, form)
}

// count runs a raw count beneath the store.
func (tb *testBundle) count(q string) int64 {
	tb.t.Helper()
	return tb.b.Int(tb.t, tb.store, q)
}

var (
	csrfRE     = regexp.MustCompile(`name="csrf" value="([^"]+)"`)
	checkboxRE = regexp.MustCompile(`<input[^>]*type="checkbox"[^>]*>`)
	codeRE     = regexp.MustCompile(`JA ([2-9A-HJKMNP-Z]{6})`)
	refRE      = regexp.MustCompile(`name="ref" value="([^"]+)"`)
	qrRE       = regexp.MustCompile(`<img src="data:image/png;base64,([^"]+)"`)
)

// csrf is the form token of a page.
func csrf(t *testing.T, body string) string {
	t.Helper()
	m := csrfRE.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no csrf field in:\n%s", body)
	}
	return m[1]
}

// optInForm opens the form and returns a submission of it with the given
// purposes ticked, the age box ticked, and the token of the page.
func (tb *testBundle) optInForm(phone string, purposes ...string) url.Values {
	tb.t.Helper()
	r := tb.get("/optin")
	if r.status != http.StatusOK {
		tb.t.Fatalf("GET /optin = %d\n%s", r.status, r.body)
	}
	return url.Values{"csrf": {csrf(tb.t, r.body)}, "lang": {"nb"}, "notice_version": {"1"}, "phone": {phone},
		"purpose": purposes, "age_confirmed": {"yes"}}
}

func must(t *testing.T, body string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(body, w) {
			t.Errorf("page lacks %q:\n%s", w, body)
		}
	}
}

func mustNot(t *testing.T, body string, nots ...string) {
	t.Helper()
	for _, n := range nots {
		if strings.Contains(body, n) {
			t.Errorf("page has %q, which it must not:\n%s", n, body)
		}
	}
}

func TestOptInFormPage(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		tb := setup(t, b)
		for _, tc := range []struct {
			name, query, lang string
			wants             []string
		}{
			{name: "bokmål by default", query: "", lang: "nb", wants: []string{
				"Butikken AS", "Vi sender tilbud på WhatsApp når du har sagt ja.",
				`<a href="/privacy" target="_blank" rel="noopener">Les personvernerklæringen vår</a>`,
				"Ja, jeg vil få tilbud fra Butikken AS på WhatsApp", "Ja, jeg vil få nyhetsbrev fra Butikken AS på WhatsApp",
				`<label for="age">Jeg er 15 år eller eldre</label>`,
				"Du kan når som helst trekke tilbake samtykket ved å svare STOPP",
				`<input type="hidden" name="lang" value="nb">`}},
			{name: "English", query: "?lang=en", lang: "en", wants: []string{
				"We send offers on WhatsApp when you have said yes.",
				`<a href="/privacy?lang=en" target="_blank" rel="noopener">Read our privacy notice</a>`,
				"Yes, I want offers from Butikken AS on WhatsApp", `<label for="age">I am 15 or older</label>`,
				"You can withdraw your consent at any time by replying STOPP",
				`<input type="hidden" name="lang" value="en">`}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				r := tb.get("/optin" + tc.query)
				if r.status != http.StatusOK {
					t.Fatalf("status %d", r.status)
				}
				must(t, r.body, tc.wants...)
				must(t, r.body, `<html lang="`+tc.lang+`">`, `name="csrf" value="`, `<input type="hidden" name="notice_version" value="1">`,
					`type="tel" id="phone" name="phone" autocomplete="tel"`, `<label for="phone">`)
				// C-07, C-08: one unticked box per consent purpose, and an unticked age box.
				boxes := checkboxRE.FindAllString(r.body, -1)
				if len(boxes) != 3 {
					t.Fatalf("%d checkboxes, want 2 purposes + age: %q", len(boxes), boxes)
				}
				for _, box := range boxes {
					if strings.Contains(box, "checked") {
						t.Errorf("pre-ticked box: %s", box)
					}
				}
				must(t, r.body, `name="purpose" value="offers"`, `name="purpose" value="news"`, `name="age_confirmed"`)
				mustNot(t, r.body, `value="customers"`, "page.", "form.")
				// Labels are bound to their boxes.
				must(t, r.body, `id="purpose-offers"`, `<label for="purpose-offers">`, `id="age"`)
				// The exact wording is what the app hashes as evidence: it is shown verbatim.
				f, err := tb.app.OptInForm(tb.ctx, tc.lang)
				if err != nil {
					t.Fatal(err)
				}
				for _, p := range f.Purposes {
					must(t, r.body, ">"+html.EscapeString(p.Wording)+"</label>")
				}
				// The embeddable page (frame-ancestors *) with no caching.
				h := r.header
				if csp := h.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") ||
					!strings.Contains(csp, "img-src 'self' data:") || !strings.Contains(csp, "frame-ancestors *") {
					t.Errorf("CSP = %q", csp)
				}
				if h.Get("X-Frame-Options") != "" || h.Get("Referrer-Policy") != "same-origin" || h.Get("Cache-Control") != "no-store" {
					t.Errorf("headers = %v", h)
				}
			})
		}
		// No cookie: inside another site's frame the browser would not send
		// it back, and the form must work there (the CSRF defence is
		// cookieless, csrf.go).
		req, _ := http.NewRequest(http.MethodGet, tb.srv.URL+"/optin", nil)
		if c := tb.do(tb.newClient(), req).header.Values("Set-Cookie"); len(c) != 0 {
			t.Errorf("the form sets cookies: %q", c)
		}
		// The shop-QR flow: the number comes from the link, so no phone field.
		r := tb.get("/optin?t=abc_DEF-1")
		must(t, r.body, `<input type="hidden" name="t" value="abc_DEF-1">`, "Vi bruker nummeret du skrev til oss fra på WhatsApp.",
			`href="/optin?lang=en&amp;t=abc_DEF-1"`)
		mustNot(t, r.body, `type="tel"`)
	})
}

func TestOptInCSRF(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		tb := setup(t, b)
		good := tb.optInForm("+47 481 23 456", "offers")
		noToken := url.Values{}
		for k, v := range good {
			if k != "csrf" {
				noToken[k] = v
			}
		}
		wrong := url.Values{}
		for k, v := range good {
			wrong[k] = v
		}
		wrong.Set("csrf", base64.RawURLEncoding.EncodeToString(make([]byte, 32)))
		otherForm := url.Values{}
		for k, v := range good {
			otherForm[k] = v
		}
		otherForm.Set("csrf", csrf(t, tb.get("/confirm/abc").body)) // signed for /confirm/abc
		for _, tc := range []struct {
			name   string
			client *http.Client
			form   url.Values
		}{
			{"no token", tb.client, noToken},
			{"wrong token", tb.client, wrong},
			{"another form's token", tb.client, otherForm},
		} {
			t.Run(tc.name, func(t *testing.T) {
				r := tb.postWith(tc.client, "/optin", tc.form)
				if r.status != http.StatusForbidden {
					t.Fatalf("status %d, want 403", r.status)
				}
				must(t, r.body, "sikkerhetskoden")
				mustNot(t, r.body, "481")
			})
		}
		if n := tb.count("SELECT count(*) FROM consent_events"); n != 0 {
			t.Fatalf("%d consent events after refused POSTs", n)
		}
		if n := tb.count("SELECT count(*) FROM contacts"); n != 0 {
			t.Fatalf("%d contacts after refused POSTs", n)
		}
		// The same form with its token goes through.
		if r := tb.post("/optin", good); r.status != http.StatusOK {
			t.Fatalf("status %d with the token", r.status)
		}
	})
}

func TestOptInSubmit(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		tb := setup(t, b)
		r := tb.post("/optin", tb.optInForm("+47 481 23 456", "offers"))
		if r.status != http.StatusOK {
			t.Fatalf("status %d\n%s", r.status, r.body)
		}
		m := codeRE.FindStringSubmatch(r.body)
		if m == nil {
			t.Fatalf("no code on the page:\n%s", r.body)
		}
		code := m[1]
		must(t, r.body, "Bekreft ved å sende JA på WhatsApp", "Koden din er "+code,
			`href="https://wa.me/4790000000?text=JA&#43;`+code+`" target="_top">Åpne WhatsApp for å bekrefte</a>`,
			"02.12.2026 kl. 13.00", // 72 hours on, in Oslo time
			`action="/optin/confirm-another-way"`, `name="channel" value="whatsapp_template"`, `name="channel" value="sms"`,
			`name="channel" value="email"`, `type="email"`, "Du kan når som helst trekke tilbake samtykket")
		mustNot(t, r.body, "481", "23 456")
		// The QR code is a PNG.
		q := qrRE.FindStringSubmatch(r.body)
		if q == nil {
			t.Fatal("no QR image")
		}
		raw, err := base64.StdEncoding.DecodeString(html.UnescapeString(q[1]))
		if err != nil {
			t.Fatal(err)
		}
		if img, err := png.Decode(bytes.NewReader(raw)); err != nil || img.Bounds().Dx() < 200 {
			t.Fatalf("QR image: %v", err)
		}
		if r.header.Get("Cache-Control") != "no-store" {
			t.Errorf("a page with a code must not be stored: %v", r.header)
		}
		// One 'requested' event per ticked purpose, nothing for the other.
		if n := tb.count("SELECT count(*) FROM consent_events WHERE kind = 'requested' AND purpose = 'offers'"); n != 1 {
			t.Fatalf("%d requested events for offers, want 1", n)
		}
		if n := tb.count("SELECT count(*) FROM consent_events"); n != 1 {
			t.Fatalf("%d consent events, want 1", n)
		}
		// Two ticked purposes: two events more.
		if r := tb.post("/optin", tb.optInForm("+47 412 34 567", "offers", "news")); r.status != http.StatusOK {
			t.Fatalf("status %d", r.status)
		}
		if n := tb.count("SELECT count(*) FROM consent_events WHERE kind = 'requested'"); n != 3 {
			t.Fatalf("%d requested events, want 3", n)
		}
	})
}

// TestOptInNoEnumeration: the answer is the same page whether or not the
// number was known, except for the values that are new on every request.
func TestOptInNoEnumeration(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		tb := setup(t, b)
		// A number with an active consent already.
		if _, err := tb.app.RecordConsent(tb.ctx, integrator, app.ConsentInput{Subject: app.Subject{Phone: "+47 933 33 333"},
			Purpose: "offers", Method: "web_form", CollectedAt: tb.now.Add(-time.Hour), AgeConfirmed: true,
			Evidence: ledger.Evidence{AffirmativeAct: "checkbox", WordingHash: "sha256:abc", ConfirmationChannel: "whatsapp", ConfirmationMessageID: "wamid.1"}}); err != nil {
			t.Fatal(err)
		}
		normal := func(body string) string {
			body = qrRE.ReplaceAllString(body, `<img src="QR"`)
			body = refRE.ReplaceAllString(body, `name="ref" value="REF"`)
			body = csrfRE.ReplaceAllString(body, `name="csrf" value="CSRF"`)
			if m := codeRE.FindStringSubmatch(body); m != nil {
				body = strings.ReplaceAll(body, m[1], "CODE")
			}
			return body
		}
		var pages []string
		for _, number := range []string{"+47 922 22 222", "+47 922 22 222", "92222222", "+47 933 33 333"} { // new, known, known, consented
			r := tb.post("/optin", tb.optInForm(number, "offers"))
			if r.status != http.StatusOK {
				t.Fatalf("status %d", r.status)
			}
			pages = append(pages, normal(r.body))
		}
		for i := 1; i < len(pages); i++ {
			if pages[i] != pages[0] {
				t.Fatalf("page %d differs from the page for a new number:\n%s\n---\n%s", i, pages[0], pages[i])
			}
		}
	})
}

func TestOptInErrors(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		tb := setup(t, b)
		for _, tc := range []struct {
			name   string
			edit   func(url.Values)
			status int
			wants  []string
			nots   []string
		}{
			{name: "landline", status: http.StatusBadRequest, edit: func(f url.Values) { f.Set("phone", "22 33 44 55") },
				wants: []string{"fasttelefonnummer", `aria-invalid="true"`}, nots: []string{"22 33 44 55", "22334455", "4722334455"}},
			{name: "not a number", status: http.StatusBadRequest, edit: func(f url.Values) { f.Set("phone", "98 76 5x 43") },
				nots: []string{"98 76 5x 43", "98765"}},
			{name: "age unticked", status: http.StatusUnprocessableEntity, edit: func(f url.Values) { f.Del("age_confirmed") },
				wants: []string{"Du må være 15 år eller eldre"}},
			{name: "nothing ticked", status: http.StatusBadRequest, edit: func(f url.Values) { f.Del("purpose") },
				wants: []string{"Kryss av for minst ett av valgene."}},
			{name: "unknown purpose", status: http.StatusBadRequest, edit: func(f url.Values) { f["purpose"] = []string{"customers"} },
				wants: []string{"Noe i skjemaet er ikke gyldig"}},
			{name: "notice changed", status: http.StatusUnprocessableEntity, edit: func(f url.Values) { f.Set("notice_version", "7") },
				wants: []string{"Personvernerklæringen ble endret"}},
			{name: "no notice version", status: http.StatusBadRequest, edit: func(f url.Values) { f.Del("notice_version") }},
			{name: "English", status: http.StatusBadRequest, edit: func(f url.Values) { f.Set("phone", "22 33 44 55"); f.Set("lang", "en") },
				wants: []string{"landline", `<html lang="en">`, "Yes, I want offers from"}, nots: []string{"22334455", "22 33 44 55"}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				f := tb.optInForm("+47 481 23 456", "offers")
				tc.edit(f)
				r := tb.post("/optin", f)
				if r.status != tc.status {
					t.Fatalf("status %d, want %d\n%s", r.status, tc.status, r.body)
				}
				must(t, r.body, tc.wants...)
				mustNot(t, r.body, tc.nots...)
				mustNot(t, r.body, `value="+47`, "481 23 456", "48123456") // the number typed is never echoed
				must(t, r.body, `role="alert"`, `name="csrf"`)
				// The boxes the person ticked stay ticked; no other box is.
				for _, box := range checkboxRE.FindAllString(r.body, -1) {
					ticked := strings.Contains(box, "checked")
					want := (strings.Contains(box, `value="offers"`) && slices.Contains(f["purpose"], "offers")) ||
						(strings.Contains(box, `name="age_confirmed"`) && f.Get("age_confirmed") != "")
					if ticked != want {
						t.Errorf("box %s: ticked %v, want %v", box, ticked, want)
					}
				}
			})
		}
		if n := tb.count("SELECT count(*) FROM consent_events"); n != 0 {
			t.Fatalf("%d consent events after refused forms", n)
		}

		t.Run("rate limited", func(t *testing.T) {
			var last response
			for range 6 {
				last = tb.post("/optin", tb.optInForm("+47 955 55 555", "offers"))
			}
			if last.status != http.StatusTooManyRequests {
				t.Fatalf("sixth request for one number: %d, want 429", last.status)
			}
			must(t, last.body, "for mange forsøk")
		})
		t.Run("bad link token", func(t *testing.T) {
			f := tb.optInForm("", "offers")
			f.Set("t", "not-a-token")
			r := tb.post("/optin", f)
			if r.status != http.StatusBadRequest {
				t.Fatalf("status %d", r.status)
			}
			must(t, r.body, "Lenken er ikke gyldig")
		})
		t.Run("too large", func(t *testing.T) {
			f := tb.optInForm("+47 481 23 456", "offers")
			f.Set("pad", strings.Repeat("x", 20<<10))
			if r := tb.post("/optin", f); r.status != http.StatusRequestEntityTooLarge {
				t.Fatalf("status %d, want 413", r.status)
			}
		})
	})
}

func TestNewRefusesShortKey(t *testing.T) {
	t.Parallel()
	tb := setup(t, storetest.SQLite)
	if _, err := New(tb.app, Config{CSRFKey: []byte("short")}); err == nil {
		t.Fatal("New accepted a short CSRF key")
	}
}

func TestNoNoticeYet(t *testing.T) {
	t.Parallel()
	s := storetest.SQLite.Open(t)
	master := make([]byte, vault.KeySize)
	_, _ = rand.Read(master)
	v, _ := vault.New(master)
	ws, err := New(app.New(s, v, app.Config{}, slog.New(slog.NewTextHandler(io.Discard, nil))), Config{CSRFKey: make([]byte, 32)})
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	mux := http.NewServeMux()
	ws.Register(mux)
	mux.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/optin", nil))
	if rec.Code != http.StatusServiceUnavailable || !strings.Contains(rec.Body.String(), "Påmeldingen er ikke åpen ennå") {
		t.Fatalf("no notice: %d\n%s", rec.Code, rec.Body)
	}
}
