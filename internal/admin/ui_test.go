// SPDX-License-Identifier: AGPL-3.0-only

package admin_test

import (
	"encoding/base32"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/samtykke/samtykke/internal/access"
	"github.com/samtykke/samtykke/internal/app"
	"github.com/samtykke/samtykke/internal/consent"
	"github.com/samtykke/samtykke/internal/notice"
	"github.com/samtykke/samtykke/internal/staff"
	"github.com/samtykke/samtykke/internal/store/storetest"
)

// browser is one staff member's browser: its own cookie jar, signed in.
type browser struct {
	tb   *bundle
	http *http.Client
}

// signIn makes an account of role and signs it in, through the second
// factor's enrolment when the role needs one.
func (tb *bundle) signIn(name string, role staff.Role) *browser {
	tb.t.Helper()
	_, enrol, err := tb.app.CreateUser(tb.t.Context(), app.Actor{Name: "cli:test", Role: staff.Admin},
		app.UserInput{Name: name, Role: role, Password: password})
	if err != nil {
		tb.t.Fatal(err)
	}
	jar, _ := cookiejar.New(nil)
	br := &browser{tb: tb, http: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	page := br.do("GET", "/admin/login", nil)
	r := br.do("POST", "/admin/login", url.Values{"name": {name}, "password": {password}, "csrf": {tb.csrf(page)}})
	if enrol != nil {
		u, _ := url.Parse(enrol.URI)
		key, _ := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(u.Query().Get("secret"))
		page = br.do("GET", "/admin/enrol", nil)
		r = br.do("POST", "/admin/enrol", url.Values{"code": {tb.code(key)}, "csrf": {tb.csrf(page)}})
	}
	if r.status != http.StatusSeeOther || r.header.Get("Location") != "/admin" {
		tb.t.Fatalf("sign in as %s: %d to %q\n%s", name, r.status, r.header.Get("Location"), r.body)
	}
	return br
}

func (br *browser) do(method, path string, form url.Values, headers ...string) response {
	br.tb.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, _ := http.NewRequest(method, br.tb.srv.URL+path, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := br.http.Do(req)
	if err != nil {
		br.tb.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return response{status: resp.StatusCode, header: resp.Header, body: string(b)}
}

// csrfFor is the token of the page's form that posts to action.
func csrfFor(t *testing.T, r response, action string) string {
	t.Helper()
	re := regexp.MustCompile(`(?s)<form[^>]*action="` + regexp.QuoteMeta(action) + `"[^>]*>.*?name="csrf" value="([^"]+)"`)
	m := re.FindStringSubmatch(r.body)
	if m == nil {
		t.Fatalf("no form posting to %s in\n%s", action, r.body)
	}
	return m[1]
}

// get fetches a page and fails unless it answers status.
func (br *browser) get(path string, status int) response {
	br.tb.t.Helper()
	r := br.do("GET", path, nil)
	if r.status != status {
		br.tb.t.Fatalf("GET %s: %d, want %d\n%s", path, r.status, status, r.body)
	}
	return r
}

// purpose is a valid purpose for the tests.
var purpose = consent.Purpose{Key: "tilbud", Channel: consent.WhatsApp, Basis: consent.BasisConsent,
	Description: consent.Text{NB: "Tilbud og nyheter", EN: "Offers and news"}, RetentionDays: 365}

// publish creates and publishes a complete notice in lang through the app.
func (tb *bundle) publish(lang string) notice.Notice {
	tb.t.Helper()
	admin := app.Actor{Name: "cli:test", Role: staff.Admin}
	n, err := tb.app.CreateNotice(tb.t.Context(), admin, notice.Sample(lang, notice.SampleInput{Business: "Butikken AS"}))
	if err == nil {
		n, err = tb.app.PublishNotice(tb.t.Context(), admin, n.ID)
	}
	if err != nil {
		tb.t.Fatal(err)
	}
	return n
}

// TestPagesByRole: each role sees in the navigation, and may open, only the
// pages its permissions allow; the others answer 403 (issue 23 point 4,
// S-02). Every page renders for the roles that may use it, in both languages.
func TestPagesByRole(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		tb := setup(t, b)
		tb.offers(t)
		tb.publish("nb")
		pages := []struct {
			path string
			perm staff.Permission
		}{
			{"/admin/", staff.ReadStats}, {"/admin/contacts", staff.ReadContacts}, {"/admin/campaigns", staff.ReadCampaigns},
			{"/admin/campaigns/new", staff.WriteCampaigns}, {"/admin/purposes", staff.ReadPurposes},
			{"/admin/notices", staff.ReadNotices}, {"/admin/notices/new?language=en", staff.WriteNotices},
			{"/admin/replies", staff.ReadReplies}, {"/admin/templates", staff.ReadCampaigns},
			{"/admin/staff", staff.ManageTokens}, {"/admin/settings", staff.ManageTokens}, {"/admin/setup", staff.WriteNotices},
		}
		for _, role := range []staff.Role{staff.Admin, staff.DPO, staff.Marketer, staff.Auditor} {
			br := tb.signIn("u_"+string(role), role)
			home := br.do("GET", "/admin/", nil)
			for _, p := range pages {
				allowed := role.Can(p.perm)
				if p.path == "/admin/" {
					allowed = true // the home page shows the navigation to every role
				}
				want := http.StatusForbidden
				if allowed {
					want = http.StatusOK
				}
				for _, lang := range []string{"", "en"} {
					path := p.path
					if lang != "" {
						path += map[bool]string{true: "&", false: "?"}[strings.Contains(path, "?")] + "lang=" + lang
					}
					r := br.do("GET", path, nil)
					if r.status != want {
						t.Errorf("%s GET %s: %d, want %d", role, path, r.status, want)
					}
					if r.status == 200 && regexp.MustCompile(`\badmin\.[a-z_]+\.[a-z_.]+`).MatchString(stripTags(r.body)) {
						t.Errorf("%s GET %s shows a catalog key: %s", role, path, regexp.MustCompile(`\badmin\.[a-z_]+\.[a-z_.]+`).FindString(stripTags(r.body)))
					}
				}
				base, _, _ := strings.Cut(p.path, "?")
				inNav := strings.Contains(home.body, `<li><a href="`+base+`"`)
				if navPage := base != "/admin/campaigns/new" && base != "/admin/notices/new" && base != "/admin/setup"; navPage && inNav != role.Can(p.perm) {
					t.Errorf("%s: %s in the navigation = %v, want %v", role, base, inNav, role.Can(p.perm))
				}
			}
			if role == staff.Marketer && (strings.Contains(home.body, `href="/admin/contacts"`) || strings.Contains(home.body, `href="/admin/staff"`)) {
				t.Errorf("the marketer's home links to contacts or staff:\n%s", home.body)
			}
		}
	})
}

var tagRE = regexp.MustCompile(`<[^>]*>`)

func stripTags(s string) string { return tagRE.ReplaceAllString(s, " ") }

// TestPagesRefuseWithoutSessionOrCSRF: without a session a page leads to
// the login and a form changes nothing; a form without its token, with
// another form's token, or from another site is refused with 403 and
// changes nothing (issue 23 point 4).
func TestPagesRefuseWithoutSessionOrCSRF(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		tb := setup(t, b)
		if r := tb.do("GET", "/admin/purposes", nil); r.status != 303 || !strings.HasPrefix(r.header.Get("Location"), "/admin/login") {
			t.Errorf("no session: %d to %q", r.status, r.header.Get("Location"))
		}
		form := url.Values{"key": {"nyheter"}, "description_nb": {"Nyheter"}, "description_en": {"News"}, "channel": {"whatsapp"},
			"legal_basis": {"consent"}, "retention_days": {"365"}}
		if r := tb.do("POST", "/admin/purposes", form); r.status != 403 && r.status != 401 {
			t.Errorf("a form without a session: %d", r.status)
		}
		br := tb.signIn("kari", staff.Admin)
		page := br.get("/admin/purposes", 200)
		token := csrfFor(t, page, "/admin/purposes")
		logout := csrfFor(t, page, "/admin/logout")
		for name, c := range map[string]struct {
			form    url.Values
			headers []string
		}{
			"no token":              {form, nil},
			"another form's token":  {with(form, "csrf", logout), nil},
			"another site":          {with(form, "csrf", token), []string{"Sec-Fetch-Site", "cross-site"}},
			"another origin":        {with(form, "csrf", token), []string{"Origin", "https://evil.example"}},
			"a token made up":       {with(form, "csrf", "1764417600.AAAAAAAAAAAAAAAAAAAAAA"), nil},
			"the login page's form": {with(form, "csrf", tb.csrf(tb.do("GET", "/admin/login", nil))), nil},
		} {
			if r := br.do("POST", "/admin/purposes", c.form, c.headers...); r.status != 403 {
				t.Errorf("%s: %d, want 403", name, r.status)
			}
		}
		if ps, _ := tb.app.Purposes(t.Context(), app.Actor{Role: staff.Admin}); len(ps) != 0 {
			t.Fatalf("refused forms created %d purposes", len(ps))
		}
		r := br.do("POST", "/admin/purposes", with(form, "csrf", token))
		if r.status != 303 || r.header.Get("Location") != "/admin/purposes?done=purpose_created" {
			t.Fatalf("the form with its token: %d to %q\n%s", r.status, r.header.Get("Location"), r.body)
		}
		if ps, _ := tb.app.Purposes(t.Context(), app.Actor{Role: staff.Admin}); len(ps) != 1 || ps[0].Key != "nyheter" {
			t.Errorf("purposes after the form: %+v", ps)
		}
		// Bad input: the form comes back with the reason and its fields, nothing stored.
		r = br.do("POST", "/admin/purposes", with(with(form, "key", "Bad Key"), "csrf", token))
		if r.status != 400 || !strings.Contains(r.body, `role="alert"`) || !strings.Contains(r.body, `value="Bad Key"`) {
			t.Errorf("a bad key: %d\n%s", r.status, r.body)
		}
		// A marketer's valid token still does not let the role write.
		mk := tb.signIn("markedsforer", staff.Marketer)
		mpage := mk.get("/admin/campaigns", 200)
		if r := mk.do("POST", "/admin/purposes", with(with(form, "key", "annet"), "csrf", csrfFor(t, mpage, "/admin/logout"))); r.status != 403 {
			t.Errorf("a marketer's post to purposes: %d, want 403", r.status)
		}
	})
}

// TestContactsMaskedAndRecorded: the DPO's search by number finds the
// contact, shows the number masked and records a lookup in the access log;
// the number in clear appears on no page; a marketer may neither list nor
// search (issue 23 point 3, invariant 6, S-02).
func TestContactsMaskedAndRecorded(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		tb := setup(t, b)
		const number = "+4791234567"
		id, _, err := tb.app.CreateContact(t.Context(), app.Actor{Name: "cli:test", Role: staff.Admin}, app.NewContact{Phone: number, Language: "nb"})
		if err != nil {
			t.Fatal(err)
		}
		clear := []string{"91234567", "912 34 567", "91 23 45 67", "4791234567"}
		dpo := tb.signIn("personvern", staff.DPO)
		list := dpo.get("/admin/contacts", 200)
		r := dpo.do("POST", "/admin/contacts", url.Values{"query": {"912 34 567"}, "csrf": {csrfFor(t, list, "/admin/contacts")}})
		if r.status != 200 || !strings.Contains(r.body, `/admin/contacts/`+id) || !strings.Contains(r.body, "&#43;47 9** ** *67") {
			t.Fatalf("the search by number does not show the contact masked:\n%s", r.body)
		}
		for _, page := range []response{r, dpo.get("/admin/contacts", 200), dpo.get("/admin/contacts/"+id, 200)} {
			for _, c := range clear {
				if strings.Contains(page.body, c) {
					t.Errorf("a page shows the number in clear (%s)", c)
				}
			}
		}
		es, err := tb.app.Accesses(t.Context(), app.Actor{Role: staff.DPO}, id)
		if err != nil {
			t.Fatal(err)
		}
		var lookups int
		for _, e := range es {
			if e.Action == access.Lookup && strings.Contains(e.Actor, "personvern") {
				lookups++
			}
		}
		if lookups != 1 {
			t.Errorf("lookups by the DPO in the access log: %d, want 1 (%+v)", lookups, es)
		}
		mk := tb.signIn("markedsforer", staff.Marketer)
		if r := mk.do("POST", "/admin/contacts", url.Values{"query": {"91234567"}, "csrf": {csrfFor(t, mk.get("/admin/campaigns", 200), "/admin/logout")}}); r.status != 403 {
			t.Errorf("a marketer's search: %d, want 403", r.status)
		}
		for _, path := range []string{"/admin/contacts", "/admin/contacts/" + id} {
			if r := mk.do("GET", path, nil); r.status != 403 || strings.Contains(r.body, "*67") {
				t.Errorf("marketer GET %s: %d", path, r.status)
			}
		}
		for _, page := range []string{"/admin/", "/admin/campaigns"} {
			body := mk.get(page, 200).body
			if strings.Contains(body, "*67") || strings.Contains(body, "91234567") {
				t.Errorf("the marketer's %s shows a number", page)
			}
		}
		if logs := tb.logs.String(); strings.Contains(logs, "91234567") {
			t.Error("a log line holds the number")
		}
	})
}

// TestFirstRunSetupAndNotice: on an empty service the home page leads to
// the setup; a bad organisation number is refused and changes nothing; the
// setup keeps the business and the first purpose; the notice editor starts
// from a sample that covers every Art. 13 item; the completeness check
// answers as you type; the draft is published and /optin opens; the
// history offers a diff (issue 23 points 2-3, T-01).
func TestFirstRunSetupAndNotice(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		tb := setup(t, b)
		if r := tb.do("GET", "/optin", nil); r.status != 503 {
			t.Fatalf("/optin before the setup: %d, want 503", r.status)
		}
		br := tb.signIn("kari", staff.Admin)
		if home := br.get("/admin/", 200); !strings.Contains(home.body, `href="/admin/setup"`) {
			t.Errorf("the home page of a new service does not lead to the setup:\n%s", home.body)
		}
		page := br.get("/admin/setup", 200)
		form := url.Values{"business_name": {"Kiwi Majorstuen AS"}, "org_number": {"974760674"}, "key": {"tilbud"},
			"description_nb": {"Tilbud og nyheter"}, "description_en": {"Offers and news"}, "channel": {"whatsapp"},
			"legal_basis": {"consent"}, "retention_days": {"365"}, "csrf": {csrfFor(t, page, "/admin/setup")}}
		r := br.do("POST", "/admin/setup", form)
		if r.status != 400 || !strings.Contains(r.body, "organisation number") || !strings.Contains(r.body, `value="974760674"`) {
			t.Errorf("a bad check digit: %d\n%s", r.status, r.body)
		}
		if ps, _ := tb.app.Purposes(t.Context(), app.Actor{Role: staff.Admin}); len(ps) != 0 || tb.app.Controller().Name != "Butikken AS" {
			t.Fatalf("a refused setup changed something: %d purposes, name %q", len(ps), tb.app.Controller().Name)
		}
		r = br.do("POST", "/admin/setup", with(form, "org_number", "974 760 673"))
		if r.status != 303 || r.header.Get("Location") != "/admin/notices/new?language=nb&done=setup_done" {
			t.Fatalf("setup: %d to %q\n%s", r.status, r.header.Get("Location"), r.body)
		}
		if c := tb.app.Controller(); c.Name != "Kiwi Majorstuen AS" || c.OrgNumber != "974760673" {
			t.Errorf("controller after setup: %+v", c)
		}
		editor := br.get("/admin/notices/new?language=nb", 200)
		if !strings.Contains(editor.body, "Kiwi Majorstuen AS, org.nr. 974760673") || !strings.Contains(editor.body, "Alt er med.") ||
			strings.Contains(editor.body, `class="missing"`) {
			t.Fatalf("the editor does not start from a complete sample:\n%s", editor.body)
		}
		// Build the editor's form from its fields, as a browser posts it.
		fields := url.Values{"language": {"nb"}, "csrf": {csrfFor(t, editor, "/admin/notices")}}
		sample := notice.Sample("nb", notice.SampleInput{Business: "Kiwi Majorstuen AS", OrgNumber: "974760673", Purposes: []string{"Tilbud og nyheter"}})
		fields.Set("summary", sample.Summary)
		for _, s := range sample.Sections {
			fields.Set("title_"+string(s.Item), s.Title)
			fields.Set("body_"+string(s.Item), s.Body)
		}
		// The live check: the same rule as publishing, nothing stored.
		check := regexp.MustCompile(`data-check-csrf="([^"]+)"`).FindStringSubmatch(editor.body)
		partial := with(with(fields, "body_complaint", ""), "csrf", check[1])
		r = br.do("POST", "/admin/notices/check", partial)
		var got struct{ Missing []string }
		if err := json.Unmarshal([]byte(r.body), &got); err != nil || r.status != 200 || len(got.Missing) != 1 || got.Missing[0] != "complaint" {
			t.Errorf("check without the complaint section: %d %v %v", r.status, got.Missing, err)
		}
		if ns, _ := tb.app.Notices(t.Context()); len(ns) != 0 {
			t.Errorf("the check stored %d notices", len(ns))
		}
		// A draft missing an item is stored but refused on publish, naming it.
		r = br.do("POST", "/admin/notices", with(fields, "body_complaint", ""))
		if r.status != 303 {
			t.Fatalf("save draft: %d\n%s", r.status, r.body)
		}
		draft := br.get(strings.TrimSuffix(r.header.Get("Location"), "?done=notice_saved"), 200)
		action := regexp.MustCompile(`action="(/admin/notices/[^"]+/publish)"`).FindStringSubmatch(draft.body)[1]
		r = br.do("POST", action, url.Values{"csrf": {csrfFor(t, draft, action)}})
		if r.status != 422 || !strings.Contains(r.body, "complaint") {
			t.Errorf("publish without the complaint item: %d\n%s", r.status, r.body)
		}
		// The complete draft publishes; /optin opens.
		editor = br.get("/admin/notices/new?language=nb", 200)
		r = br.do("POST", "/admin/notices", with(fields, "csrf", csrfFor(t, editor, "/admin/notices")))
		draft = br.get(strings.TrimSuffix(r.header.Get("Location"), "?done=notice_saved"), 200)
		action = regexp.MustCompile(`action="(/admin/notices/[^"]+/publish)"`).FindStringSubmatch(draft.body)[1]
		if r = br.do("POST", action, url.Values{"csrf": {csrfFor(t, draft, action)}}); r.status != 303 {
			t.Fatalf("publish: %d\n%s", r.status, r.body)
		}
		if r := tb.do("GET", "/optin", nil); r.status != 200 || !strings.Contains(r.body, "Kiwi Majorstuen AS") {
			t.Errorf("/optin after the setup: %d", r.status)
		}
		// A second version, and the diff between the two.
		editor = br.get("/admin/notices/new?language=nb", 200)
		r = br.do("POST", "/admin/notices", with(with(fields, "body_retention", "Vi lagrer nummeret i ett år."), "csrf", csrfFor(t, editor, "/admin/notices")))
		draft = br.get(strings.TrimSuffix(r.header.Get("Location"), "?done=notice_saved"), 200)
		action = regexp.MustCompile(`action="(/admin/notices/[^"]+/publish)"`).FindStringSubmatch(draft.body)[1]
		br.do("POST", action, url.Values{"csrf": {csrfFor(t, draft, action)}})
		list := br.get("/admin/notices", 200)
		diff := regexp.MustCompile(`href="(/admin/notices/diff\?a=[^"]+)"`).FindAllStringSubmatch(list.body, -1)
		if len(diff) == 0 {
			t.Fatalf("no diff link in the history:\n%s", list.body)
		}
		d := br.get(strings.ReplaceAll(diff[0][1], "&amp;", "&"), 200)
		if !strings.Contains(d.body, `<li class="added">`) || !strings.Contains(d.body, "Vi lagrer nummeret i ett år.") || !strings.Contains(d.body, `<li class="removed">`) {
			t.Errorf("the diff does not show the changed retention:\n%s", d.body)
		}
	})
}

// TestCampaignAndTokenPages: a marketer creates a campaign from the form
// (the template checks of R-09 apply), sees its audience count and preview,
// starts it; an admin makes a token whose secret is shown once, then
// revokes it (issue 23 points 3-4).
func TestCampaignAndTokenPages(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		tb := setup(t, b)
		tb.offers(t)
		tb.publish("nb")
		mk := tb.signIn("markedsforer", staff.Marketer)
		page := mk.get("/admin/campaigns/new", 200)
		form := url.Values{"name": {"Julesalg"}, "purpose": {"tilbud"}, "template": {"jul_tilbud"},
			"body_nb": {"Julesalg hos Butikken AS: 20 % på alt. Svar STOPP for å melde deg av."}, "csrf": {csrfFor(t, page, "/admin/campaigns")}}
		r := mk.do("POST", "/admin/campaigns", form)
		if r.status != 422 || !strings.Contains(r.body, "privacy") || !strings.Contains(r.body, "Julesalg hos Butikken AS") {
			t.Errorf("a text without the notice link: %d\n%s", r.status, r.body)
		}
		r = mk.do("POST", "/admin/campaigns", with(form, "body_nb", "Julesalg hos Butikken AS: 20 % på alt. Personvern: http://localhost/privacy Svar STOPP for å melde deg av."))
		if r.status != 303 {
			t.Fatalf("create campaign: %d\n%s", r.status, r.body)
		}
		path := strings.TrimSuffix(r.header.Get("Location"), "?done=campaign_created")
		c := mk.get(path, 200)
		if !strings.Contains(c.body, "0 kontakter har aktivt samtykke") || !strings.Contains(c.body, "Forhåndsvisning") ||
			!strings.Contains(c.body, `data-progress="`+path+`/progress"`) {
			t.Errorf("the draft's page lacks its audience, preview or progress:\n%s", c.body)
		}
		r = mk.do("POST", path+"/start", url.Values{"csrf": {csrfFor(t, c, path+"/start")}})
		if r.status != 303 {
			t.Fatalf("start: %d\n%s", r.status, r.body)
		}
		var prog struct{ Status string }
		if err := json.Unmarshal([]byte(mk.get(path+"/progress", 200).body), &prog); err != nil || (prog.Status != "running" && prog.Status != "done") {
			t.Errorf("progress after the start: %q %v", prog.Status, err)
		}
		if list := mk.get("/admin/campaigns", 200); !strings.Contains(list.body, "Julesalg") {
			t.Errorf("the list lacks the campaign")
		}

		admin := tb.signIn("kari", staff.Admin)
		page = admin.get("/admin/staff", 200)
		r = admin.do("POST", "/admin/tokens", url.Values{"name": {"nettbutikken"}, "role": {"integrator"}, "expires_days": {"30"},
			"csrf": {csrfFor(t, page, "/admin/tokens")}})
		secret := regexp.MustCompile(`stk_[A-Za-z0-9_-]+`).FindString(r.body)
		if r.status != 201 || secret == "" {
			t.Fatalf("create token: %d\n%s", r.status, r.body)
		}
		if actor, err := tb.app.Authenticate(t.Context(), secret); err != nil || actor.Role != staff.Integrator {
			t.Errorf("the token shown does not work: %v %v", actor, err)
		}
		again := admin.get("/admin/staff", 200)
		if strings.Contains(again.body, secret) {
			t.Error("the secret is shown a second time")
		}
		action := regexp.MustCompile(`action="(/admin/tokens/[^"]+/revoke)"`).FindStringSubmatch(again.body)[1]
		if r := admin.do("POST", action, url.Values{"csrf": {csrfFor(t, again, action)}}); r.status != 303 {
			t.Fatalf("revoke: %d\n%s", r.status, r.body)
		}
		if _, err := tb.app.Authenticate(t.Context(), secret); err == nil {
			t.Error("a revoked token still works")
		}
		// Disabling a staff account ends its sessions at once.
		staffPage := admin.get("/admin/staff", 200)
		disable := regexp.MustCompile(`action="(/admin/users/[^"]+/disable)"`).FindStringSubmatch(staffPage.body)
		if disable == nil || strings.Contains(staffPage.body, `action="/admin/users/`+"\n") {
			t.Fatalf("no disable form for the marketer:\n%s", staffPage.body)
		}
		if r := admin.do("POST", disable[1], url.Values{"csrf": {csrfFor(t, staffPage, disable[1])}}); r.status != 303 {
			t.Fatalf("disable: %d\n%s", r.status, r.body)
		}
		if r := mk.do("GET", "/admin/campaigns", nil); r.status != 303 {
			t.Errorf("the disabled marketer's session still works: %d", r.status)
		}
		settings := admin.get("/admin/settings", 200)
		if !strings.Contains(settings.body, "Butikken AS") {
			t.Errorf("settings lack the controller:\n%s", settings.body)
		}
	})
}

// TestDashboardChartsAndTables: the dashboard draws its charts as SVG with
// a title, and gives the same numbers as tables (issue 23 point 3).
func TestDashboardChartsAndTables(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		tb := setup(t, b)
		tb.offers(t)
		mk := tb.signIn("markedsforer", staff.Marketer)
		r := mk.get("/admin/?lang=en", 200)
		for _, want := range []string{`<svg`, `role="img"`, `<title id="audience-title">Consents per purpose</title>`,
			`<caption>Active consents per purpose</caption>`, `<td>tilbud</td>`, `<caption>The last 30 days, Norwegian time.</caption>`} {
			if !strings.Contains(r.body, want) {
				t.Errorf("the dashboard lacks %s", want)
			}
		}
		if strings.Contains(r.body, `href="/admin/setup"`) {
			t.Error("a marketer is led to the setup")
		}
	})
}

// offers creates the tests' purpose (tilbud), as an admin at the CLI would.
func (tb *bundle) offers(t *testing.T) {
	t.Helper()
	if _, err := tb.app.CreatePurpose(t.Context(), app.Actor{Name: "cli:test", Role: staff.Admin}, purpose); err != nil {
		t.Fatal(err)
	}
}
