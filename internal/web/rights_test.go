// SPDX-License-Identifier: AGPL-3.0-only

package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/samtykke/samtykke/internal/message"
	"github.com/samtykke/samtykke/internal/store/storetest"
)

// rightsCode is the code last queued for a contact (the test reads what the
// person would get on WhatsApp).
func (tb *testBundle) rightsCode(contactID string) string {
	tb.t.Helper()
	m, err := tb.store.LastMessage(tb.ctx, contactID, message.RightsCode)
	if err != nil {
		tb.t.Fatalf("no code queued for %s: %v", contactID, err)
	}
	_, code, _ := strings.Cut(m.BodyKey, "|")
	return code
}

// TestRightsPages: the public rights page works without JavaScript in both
// languages; a request goes through the code sent to the number
// (T-04) to its status page, which shows the deadline and, for access, the
// way to the copy; an unknown number gets the same code form; a wrong code
// shows the form again (T-04: nothing disclosed without it).
func TestRightsPages(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		tb := setup(t, b)
		id := tb.consented("+47 912 34 567", "offers")

		r := tb.get("/rights")
		if r.status != http.StatusOK || r.header.Get("Cache-Control") != "no-store" {
			t.Fatalf("GET /rights = %d %v", r.status, r.header)
		}
		must(t, r.body, "<h1>Dine rettigheter</h1>", `<form method="post" action="/rights" class="rights">`,
			`value="access"`, `value="erasure"`, `value="objection"`, `value="portability"`, `value="rectification"`,
			`value="restriction"`, "Datatilsynet", `href="/rights?lang=en"`)
		mustNot(t, r.body, "<script")
		must(t, tb.get("/rights?lang=en").body, "<h1>Your rights</h1>", "Access: see what we hold about you")

		form := url.Values{"csrf": {csrf(t, r.body)}, "lang": {"nb"}, "type": {"access"}, "phone": {"12"}}
		r = tb.post("/rights", form)
		if r.status != http.StatusBadRequest {
			t.Errorf("a malformed number: %d", r.status)
		}
		must(t, r.body, `aria-invalid="true"`, `value="access" required checked`)

		form.Set("phone", "912 34 567")
		known := tb.post("/rights", form)
		form.Set("phone", "+47 400 00 001")
		unknown := tb.post("/rights", form)
		if known.status != http.StatusOK || unknown.status != http.StatusOK {
			t.Fatalf("POST /rights = %d, %d", known.status, unknown.status)
		}
		// The same page whatever the number, but for its reference.
		strip := func(s string) string { return refRE.ReplaceAllString(csrfRE.ReplaceAllString(s, ""), "") }
		if strip(known.body) != strip(unknown.body) {
			t.Error("the code form differs between a known and an unknown number")
		}
		must(t, known.body, "<h1>Skriv inn koden</h1>", `action="/rights/verify"`)
		ref := refRE.FindStringSubmatch(known.body)[1]
		code := tb.rightsCode(id)

		verify := url.Values{"csrf": {csrf(t, known.body)}, "lang": {"nb"}, "ref": {ref}, "code": {"AAAA22"}}
		r = tb.post("/rights/verify", verify)
		if r.status != http.StatusUnprocessableEntity {
			t.Errorf("a wrong code: %d", r.status)
		}
		must(t, r.body, "Koden stemmer ikke", `name="ref" value="`+ref+`"`)
		verify.Set("code", code)
		r = tb.post("/rights/verify", verify)
		loc := r.header.Get("Location")
		if r.status != http.StatusSeeOther || !strings.HasPrefix(loc, "/rights/r.") {
			t.Fatalf("the right code: %d, Location %q", r.status, loc)
		}
		r = tb.get(loc)
		if r.status != http.StatusOK {
			t.Fatalf("GET status = %d\n%s", r.status, r.body)
		}
		must(t, r.body, "<h1>Henvendelsen din</h1>", "Besvart", "innsyn", "Frist for svar", "/package", "Datatilsynet")
		mustNot(t, r.body, "912", "+47")
		// the copy of the data, as a page and as JSON.
		pkg := strings.Replace(loc, "?", "/package?", 1)
		r = tb.get(pkg)
		if r.status != http.StatusOK || !strings.HasPrefix(r.header.Get("Content-Type"), "text/html") || r.header.Get("Cache-Control") != "no-store" {
			t.Fatalf("GET package = %d %v", r.status, r.header)
		}
		must(t, r.body, "Datatilsynet")
		r = tb.get(strings.Replace(loc, "?lang=nb", "/package?format=json", 1))
		if r.status != http.StatusOK || !strings.Contains(r.body, `"contact"`) || !strings.Contains(r.body, id) {
			t.Errorf("GET package as JSON = %d", r.status)
		}
		if n := tb.count("SELECT count(*) FROM access_log WHERE action = 'package' AND actor LIKE 'data-subject:request:%'"); n != 2 {
			t.Errorf("the person's own accesses recorded: %d, want 2", n)
		}
		if r := tb.get(strings.Replace(loc, "?", "x?", 1)); r.status != http.StatusBadRequest {
			t.Errorf("an altered status link: %d", r.status)
		}
	})
}
