// SPDX-License-Identifier: AGPL-3.0-only

package admin_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/samtykke/samtykke/internal/app"
	"github.com/samtykke/samtykke/internal/controller"
	"github.com/samtykke/samtykke/internal/server"
	"github.com/samtykke/samtykke/internal/staff"
	"github.com/samtykke/samtykke/internal/store/storetest"
)

// dpoFixture is what the DPO's pages show in the tests: a rights request
// about a number, a stored audit, a recorded breach.
type dpoFixture struct {
	request, audit, breach string
}

// number is the person's number of the tests' rights request; no page may
// show it in clear.
const number = "+4791234567"

func (tb *bundle) dpoFixture() dpoFixture {
	tb.t.Helper()
	ctx, dpo := tb.t.Context(), app.Actor{Name: "cli:test", Role: staff.DPO}
	if _, err := tb.app.CreatePurpose(ctx, app.Actor{Name: "cli:test", Role: staff.Admin}, purpose); err != nil {
		tb.t.Fatal(err)
	}
	if _, _, err := tb.app.CreateContact(ctx, dpo, app.NewContact{Phone: number, Language: "nb"}); err != nil {
		tb.t.Fatal(err)
	}
	rq, err := tb.app.FileRequest(ctx, dpo, app.RightsInput{Type: "access", Phone: number, Via: "letter"})
	if err != nil {
		tb.t.Fatal(err)
	}
	rep, err := tb.app.RunAudit(ctx, dpo)
	if err != nil {
		tb.t.Fatal(err)
	}
	title, aware := "Feilsendt eksportfil", tb.now.Add(-2*time.Hour)
	b, err := tb.app.RecordBreach(ctx, dpo, app.BreachInput{Title: &title, AwareAt: &aware})
	if err != nil {
		tb.t.Fatal(err)
	}
	return dpoFixture{request: rq.ID, audit: rep.ID, breach: b.ID}
}

// withController completes the controller's details, as the record of
// processing requires (Art. 30(1)(a)).
func withController(c *server.Config) {
	c.App.Controller = controller.Controller{Address: "Storgata 1, 0155 Oslo", Email: "post@butikken.no",
		DPO: controller.Contact{Name: "Personvernombudet", Email: "personvern@butikken.no"}}
}

// inClear are the forms of the tests' number a page must not show.
var inClear = []string{"91234567", "912 34 567", "91 23 45 67", "4791234567"}

// TestDPOPagesByRole: the DPO's pages (rights requests, audits, the record
// of processing, the DPIA, breaches) open for the roles whose permission
// they need, in both languages, and answer 403 to the others; the
// navigation links to them only for those roles; the forms that act show
// only to a role that may act: the DPO acts, the auditor reads (and runs
// audits, as the policy grants), the marketer sees none of it (issue 23
// points 3 and 4, S-02, T-03, S-04, D-02, B-01, B-04). No page shows the
// request's number in clear (invariant 6).
func TestDPOPagesByRole(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		tb := setup(t, b, withController)
		fx := tb.dpoFixture()
		pages := []struct {
			path string
			perm staff.Permission
			form string // a form the page shows to a role that may act
			act  staff.Permission
		}{
			{"/admin/rights", staff.ReadRights, "", ""},
			{"/admin/rights?state=overdue", staff.ReadRights, "", ""},
			{"/admin/rights/" + fx.request, staff.ReadRights, "/admin/rights/" + fx.request + "/extend", staff.WriteRights},
			{"/admin/audits", staff.ReadAudits, "/admin/audits", staff.RunAudits},
			{"/admin/audits/" + fx.audit, staff.ReadAudits, "", ""},
			{"/admin/records", staff.ReadRecords, "", ""},
			{"/admin/dpia", staff.ReadRecords, "/admin/dpia", staff.WriteDPIA},
			{"/admin/breaches", staff.ReadBreaches, "/admin/breaches", staff.WriteBreaches},
			{"/admin/breaches/" + fx.breach, staff.ReadBreaches, "", ""},
		}
		keyRE := regexp.MustCompile(`\badmin\.[a-z_]+\.[a-z_.]+`)
		for _, role := range []staff.Role{staff.DPO, staff.Auditor, staff.Marketer, staff.Admin} {
			br := tb.signIn("u_"+string(role), role)
			home := br.get("/admin/", 200)
			for _, p := range pages {
				want := http.StatusForbidden
				if role.Can(p.perm) {
					want = http.StatusOK
				}
				for _, lang := range []string{"nb", "en"} {
					path := p.path + map[bool]string{true: "&", false: "?"}[strings.Contains(p.path, "?")] + "lang=" + lang
					r := br.do("GET", path, nil)
					if r.status != want {
						t.Errorf("%s GET %s: %d, want %d", role, path, r.status, want)
						continue
					}
					if r.status != 200 {
						continue
					}
					if k := keyRE.FindString(stripTags(r.body)); k != "" {
						t.Errorf("%s GET %s shows a catalog key: %s", role, path, k)
					}
					for _, c := range inClear {
						if strings.Contains(r.body, c) {
							t.Errorf("%s GET %s shows the number in clear (%s)", role, path, c)
						}
					}
					if p.form != "" {
						hasForm := strings.Contains(r.body, `action="`+p.form+`"`)
						if hasForm != role.Can(p.act) {
							t.Errorf("%s GET %s: a form to %s = %v, want %v", role, path, p.form, hasForm, role.Can(p.act))
						}
					}
				}
				base, _, _ := strings.Cut(p.path, "?")
				if strings.Count(base, "/") == 2 { // a page of the navigation
					if inNav := strings.Contains(home.body, `<li><a href="`+base+`"`); inNav != role.Can(p.perm) {
						t.Errorf("%s: %s in the navigation = %v, want %v", role, base, inNav, role.Can(p.perm))
					}
				}
			}
		}
		// The record's JSON is the record, for a role that may read it.
		dpo := tb.signIn("personvern", staff.DPO)
		r := dpo.get("/admin/records.json", 200)
		if r.header.Get("Content-Type") != "application/json" || !strings.Contains(r.body, `"activities"`) || !strings.Contains(r.body, `"tilbud"`) {
			t.Errorf("the record's JSON: %s\n%s", r.header.Get("Content-Type"), r.body)
		}
		mk := tb.signIn("markedsforer", staff.Marketer)
		if r := mk.do("GET", "/admin/records.json", nil); r.status != 403 || strings.Contains(r.body, `"activities"`) {
			t.Errorf("the marketer's GET of the record's JSON: %d", r.status)
		}
		// The 72-hour clock: aware two hours ago, 70 hours are left.
		if r := dpo.get("/admin/breaches?lang=en", 200); !strings.Contains(r.body, "70 hours left") {
			t.Errorf("the register does not show the 72-hour clock:\n%s", r.body)
		}
	})
}

// TestDPOPagesAct: each page's form changes state through the app's use
// case, as the DPO: a request extended (T-03) and refused naming
// Datatilsynet (Art. 12(4)), an audit run and stored (S-04), a new DPIA
// version saved (D-02), a breach recorded with its clock (B-01, B-04). A
// form without its CSRF token, or from a role that may only read (the
// auditor), is refused and changes nothing; bad input comes back with the
// reason and changes nothing (issue 23 point 4).
func TestDPOPagesAct(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		tb := setup(t, b, withController)
		fx := tb.dpoFixture()
		ctx, reader := t.Context(), app.Actor{Name: "cli:test", Role: staff.DPO}
		dpo := tb.signIn("personvern", staff.DPO)
		aud := tb.signIn("revisor", staff.Auditor)
		audToken := csrfFor(t, aud.get("/admin/rights", 200), "/admin/logout") // a valid token of the auditor's session

		// Rights: extend.
		page := dpo.get("/admin/rights/"+fx.request, 200)
		extend := "/admin/rights/" + fx.request + "/extend"
		told := regexp.MustCompile(`name="told_at" value="([^"]+)"`).FindStringSubmatch(page.body)
		if told == nil {
			t.Fatalf("the extend form has no told_at default:\n%s", page.body)
		}
		form := url.Values{"months": {"2"}, "told_how": {"letter"}, "told_at": {told[1]}, "reason": {"Mange henvendelser samtidig"}}
		if r := dpo.do("POST", extend, form); r.status != 403 {
			t.Errorf("extend without a token: %d, want 403", r.status)
		}
		if r := aud.do("POST", extend, with(form, "csrf", audToken)); r.status != 403 {
			t.Errorf("the auditor's extend: %d, want 403", r.status)
		}
		if r := dpo.do("POST", extend, with(with(form, "months", "3"), "csrf", csrfFor(t, page, extend))); r.status != 400 || !strings.Contains(r.body, `role="alert"`) {
			t.Errorf("an extension of three months: %d\n%s", r.status, r.body)
		}
		if v, _ := tb.app.RightsRequest(ctx, reader, fx.request); v.ExtendedUntil != nil {
			t.Fatalf("refused forms extended the request: %+v", v)
		}
		r := dpo.do("POST", extend, with(form, "csrf", csrfFor(t, page, extend)))
		if r.status != 303 || r.header.Get("Location") != "/admin/rights/"+fx.request+"?done=rights_extend" {
			t.Fatalf("extend: %d to %q\n%s", r.status, r.header.Get("Location"), r.body)
		}
		v, err := tb.app.RightsRequest(ctx, reader, fx.request)
		if err != nil {
			t.Fatal(err)
		}
		if v.ExtendedUntil == nil || v.ExtensionReason != "Mange henvendelser samtidig" || v.ToldHow != "letter" || !v.DueAt.After(v.ReceivedAt.AddDate(0, 2, 0)) {
			t.Errorf("the request after the extension: %+v", v)
		}
		page = dpo.get("/admin/rights/"+fx.request+"?done=rights_extend&lang=en", 200)
		if !strings.Contains(page.body, "The deadline is extended") || !strings.Contains(page.body, "Mange henvendelser samtidig") {
			t.Errorf("the request's page after the extension:\n%s", page.body)
		}
		// Rights: refuse.
		refuse := "/admin/rights/" + fx.request + "/refuse"
		if r := dpo.do("POST", refuse, url.Values{"reason": {"Åpenbart grunnløs"}, "csrf": {csrfFor(t, page, refuse)}}); r.status != 303 {
			t.Fatalf("refuse: %d\n%s", r.status, r.body)
		}
		if v, _ := tb.app.RightsRequest(ctx, reader, fx.request); v.State != "refused" || !strings.Contains(v.Answer, "Datatilsynet") {
			t.Errorf("the refused request: %s, %q", v.State, v.Answer)
		}

		// Audits: run one (the auditor may, by the policy).
		before, _ := tb.app.Audits(ctx, reader, 0)
		list := aud.get("/admin/audits", 200)
		if r := aud.do("POST", "/admin/audits", url.Values{}); r.status != 403 {
			t.Errorf("run an audit without a token: %d, want 403", r.status)
		}
		r = aud.do("POST", "/admin/audits", url.Values{"csrf": {csrfFor(t, list, "/admin/audits")}})
		if r.status != 303 || !strings.HasPrefix(r.header.Get("Location"), "/admin/audits/") {
			t.Fatalf("run an audit: %d to %q\n%s", r.status, r.header.Get("Location"), r.body)
		}
		after, _ := tb.app.Audits(ctx, reader, 0)
		if len(after) != len(before)+1 {
			t.Errorf("audits stored: %d, then %d", len(before), len(after))
		}
		loc, _, _ := strings.Cut(r.header.Get("Location"), "?")
		if rep := aud.get(loc, 200); !strings.Contains(rep.body, `data-check="ledger"`) && !strings.Contains(rep.body, "data-check=") {
			t.Errorf("the report shows no checks:\n%s", rep.body)
		}

		// DPIA: save a new version from the draft's texts.
		page = dpo.get("/admin/dpia", 200)
		field := func(name string) string {
			m := regexp.MustCompile(`(?s)name="` + name + `"[^>]*>(.*?)</textarea>`).FindStringSubmatch(page.body)
			if m == nil {
				t.Fatalf("the DPIA form has no %s", name)
			}
			return htmlUnescape(m[1])
		}
		dform := url.Values{"description": {field("description") + " Gjennomgått av personvernombudet."}, "necessity": {field("necessity")},
			"risks_summary": {field("risks_summary")}, "measures_summary": {field("measures_summary")}, "dpo_advice": {"Godkjent."}}
		if r := aud.do("POST", "/admin/dpia", with(dform, "csrf", audToken)); r.status != 403 {
			t.Errorf("the auditor's DPIA save: %d, want 403", r.status)
		}
		if r := dpo.do("POST", "/admin/dpia", with(with(dform, "necessity", ""), "csrf", csrfFor(t, page, "/admin/dpia"))); r.status != 400 || !strings.Contains(r.body, "necessity") {
			t.Errorf("a DPIA without its necessity: %d\n%s", r.status, r.body)
		}
		if vs, _ := tb.app.DPIAVersions(ctx, reader); len(vs) != 0 {
			t.Fatalf("refused forms saved %d DPIA versions", len(vs))
		}
		if r := dpo.do("POST", "/admin/dpia", with(dform, "csrf", csrfFor(t, page, "/admin/dpia"))); r.status != 303 {
			t.Fatalf("save the DPIA: %d\n%s", r.status, r.body)
		}
		d, err := tb.app.DPIA(ctx, reader, 0)
		if err != nil {
			t.Fatal(err)
		}
		if vs, _ := tb.app.DPIAVersions(ctx, reader); len(vs) != 1 || d.Version != 1 || !strings.HasSuffix(d.Description, "Gjennomgått av personvernombudet.") ||
			d.DPOAdvice != "Godkjent." || len(d.Risks) == 0 || !strings.Contains(d.Author, "personvern") {
			t.Errorf("the saved DPIA: versions %v, %+v", vs, d.Document)
		}
		if r := dpo.get("/admin/dpia?lang=en", 200); !strings.Contains(r.body, "Version 1") || !strings.Contains(r.body, `href="/admin/dpia?version=1"`) {
			t.Errorf("the DPIA page after the save:\n%s", r.body)
		}

		// Breaches: record one, in Norway's time.
		before2, _ := tb.app.Breaches(ctx, reader, "")
		page = dpo.get("/admin/breaches", 200)
		bform := url.Values{"title": {"Tapt bærbar PC"}, "aware_at": {"2026-11-29T10:30"}, "description": {"En bærbar PC med en eksport ble glemt på toget."}}
		if r := dpo.do("POST", "/admin/breaches", bform); r.status != 403 {
			t.Errorf("record a breach without a token: %d, want 403", r.status)
		}
		if r := aud.do("POST", "/admin/breaches", with(bform, "csrf", audToken)); r.status != 403 {
			t.Errorf("the auditor's breach: %d, want 403", r.status)
		}
		r = dpo.do("POST", "/admin/breaches", with(with(bform, "description", "Ring 912 34 567 om saken"), "csrf", csrfFor(t, page, "/admin/breaches")))
		if r.status < 400 || r.status >= 500 || !strings.Contains(r.body, `role="alert"`) {
			t.Errorf("a breach naming a number: %d\n%s", r.status, r.body)
		}
		for _, c := range inClear {
			if strings.Contains(r.body, c) {
				t.Errorf("the refused breach form shows the number back (%s)", c)
			}
		}
		if bs, _ := tb.app.Breaches(ctx, reader, ""); len(bs) != len(before2) {
			t.Fatalf("refused forms recorded %d breaches", len(bs)-len(before2))
		}
		r = dpo.do("POST", "/admin/breaches", with(bform, "csrf", csrfFor(t, page, "/admin/breaches")))
		if r.status != 303 || !strings.HasPrefix(r.header.Get("Location"), "/admin/breaches/") {
			t.Fatalf("record a breach: %d to %q\n%s", r.status, r.header.Get("Location"), r.body)
		}
		id := strings.TrimPrefix(strings.TrimSuffix(r.header.Get("Location"), "?done=breach_recorded"), "/admin/breaches/")
		br, err := tb.app.Breach(ctx, reader, id)
		if err != nil {
			t.Fatal(err)
		}
		if want := time.Date(2026, 11, 29, 9, 30, 0, 0, time.UTC); br.Title != "Tapt bærbar PC" || !br.AwareAt.Equal(want) || !br.DeadlineAt.Equal(want.Add(72*time.Hour)) {
			t.Errorf("the recorded breach: %q aware %s deadline %s", br.Title, br.AwareAt, br.DeadlineAt)
		}
		page = dpo.get("/admin/breaches/"+id+"?lang=en", 200)
		if !strings.Contains(page.body, "Tapt bærbar PC") || !strings.Contains(page.body, `id="breach-report"`) || !strings.Contains(page.body, "69 hours left") {
			t.Errorf("the breach's page:\n%s", page.body)
		}
		if logs := tb.logs.String(); strings.Contains(logs, "91234567") || strings.Contains(logs, "912 34 567") {
			t.Error("a log line holds the number")
		}
	})
}

// htmlUnescape undoes html/template's escaping of a textarea's text.
func htmlUnescape(s string) string {
	return strings.NewReplacer("&#34;", `"`, "&#39;", "'", "&amp;", "&", "&lt;", "<", "&gt;", ">", "&#43;", "+").Replace(s)
}
