// SPDX-License-Identifier: AGPL-3.0-only

package e2e

import (
	"context"
	"encoding/base32"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/samtykke/samtykke/internal/app"
	"github.com/samtykke/samtykke/internal/controller"
	"github.com/samtykke/samtykke/internal/staff"
	"github.com/samtykke/samtykke/internal/store/storetest"
	"github.com/samtykke/samtykke/internal/whatsapp/sim"
)

// axeSource is axe-core, pinned in tools/a11y (installed by .ci/run with
// npm ci); without it the accessibility check skips, unless
// SAMTYKKE_TEST_BROWSER=require makes that a failure.
func axeSource(t *testing.T) string {
	b, err := os.ReadFile(filepath.Join("..", "..", "tools", "a11y", "node_modules", "axe-core", "axe.min.js"))
	if err != nil {
		if os.Getenv("SAMTYKKE_TEST_BROWSER") == "require" {
			t.Fatalf("axe-core is required: cd tools/a11y && npm ci (%v)", err)
		}
		t.Skipf("axe-core not installed (cd tools/a11y && npm ci): %v", err)
	}
	return string(b)
}

// adminTour is a staff member's browser on the admin pages: it saves a
// screenshot of each main page and checks each with axe-core.
type adminTour struct {
	t     *testing.T
	ctx   context.Context
	h     *harness
	axe   string
	shots string
	seen  []string
}

// page waits for the selector on the current page, then checks the page's
// accessibility and saves its screenshot as name.png.
func (a *adminTour) page(name, ready string) string {
	a.t.Helper()
	if err := chromedp.Do(a.ctx, chromedp.WaitVisible(ready)); err != nil {
		url, _ := chromedp.Run(a.ctx, chromedp.Evaluate[string](`location.href`))
		html, _ := chromedp.Run(a.ctx, chromedp.OuterHTML("body"))
		a.t.Fatalf("%s: %s never appeared at %s: %v\n%s", name, ready, url, err, html)
	}
	// Serious and critical violations of WCAG 2.1 A and AA, and of best practice.
	res, err := chromedp.Run(a.ctx, chromedp.Evaluate[string](a.axe+`;
axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]}}).then(r =>
  JSON.stringify(r.violations.filter(v => v.impact === "serious" || v.impact === "critical").map(v =>
    ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map(n => n.html)}))))`, chromedp.EvalAwaitPromise))
	if err != nil {
		a.t.Fatalf("%s: axe: %v", name, err)
	}
	var violations []struct {
		ID, Impact, Help string
		Nodes            []string
	}
	if err := json.Unmarshal([]byte(res), &violations); err != nil {
		a.t.Fatalf("%s: axe result %q: %v", name, res, err)
	}
	for _, v := range violations {
		a.t.Errorf("%s: axe %s (%s): %s %v", name, v.ID, v.Impact, v.Help, v.Nodes)
	}
	png, err := chromedp.Run(a.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		a.t.Fatalf("%s: screenshot: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(a.shots, name+".png"), png, 0o644); err != nil {
		a.t.Fatal(err)
	}
	a.seen = append(a.seen, name)
	html, err := chromedp.Run(a.ctx, chromedp.OuterHTML("html"))
	if err != nil {
		a.t.Fatal(err)
	}
	return html
}

// clear empties a form field.
func (a *adminTour) clear(sel string) {
	a.t.Helper()
	if _, err := chromedp.Run(a.ctx, chromedp.Evaluate[bool](`(document.querySelector('`+sel+`').value = "") === ""`)); err != nil {
		a.t.Fatalf("clear %s: %v", sel, err)
	}
}

func (a *adminTour) do(what string, actions ...chromedp.Action[chromedp.Void]) {
	a.t.Helper()
	if err := chromedp.Do(a.ctx, actions...); err != nil {
		a.t.Fatalf("%s: %v", what, err)
	}
}

// TestBrowserAdminFirstRunToStopp is the staff UI end to end in headless
// Chromium (issue 23 point 5): a new service's first admin signs in and
// sets it up (business, org number, first purpose, the notices from the
// sample, published in bokmål and English); /optin opens and a person opts
// in through it and the simulator; the marketer's campaign runs to the end
// with its progress live on the page; the person's STOPP lands in their
// consent timeline. Each main page is screenshotted (into
// $SAMTYKKE_SCREENSHOTS when set, else a temporary folder) and checked with
// axe-core: no serious or critical violation.
func TestBrowserAdminFirstRunToStopp(t *testing.T) {
	t.Parallel()
	ctx := browserFor(t, 4*time.Minute) // a loaded machine: 30 s alone
	axe := axeSource(t)
	h := startOpts(t, storetest.SQLite, func(_ *sim.Config, c *app.Config) { // what the record of processing needs (Art. 30(1)(a))
		c.Controller = controller.Controller{Email: "post@butikken.example", DPO: controller.Contact{Email: "personvern@butikken.example"}}
	}, options{noSeed: true})
	shots := os.Getenv("SAMTYKKE_SCREENSHOTS")
	if shots == "" {
		shots = t.TempDir()
	} else if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatal(err)
	}
	a := &adminTour{t: t, ctx: ctx, h: h, axe: axe, shots: shots}
	const password = "korrekt hest batteri stift"
	if _, _, err := h.app.CreateUser(h.ctx, app.Actor{Name: "cli:serve first run", Role: staff.Admin},
		app.UserInput{Name: "admin", Role: staff.Admin, Password: password}); err != nil {
		t.Fatal(err)
	}

	// First run: the setup page asks for a login first.
	a.do("open setup", chromedp.Navigate(h.srv.URL+"/admin/setup"))
	a.page("login", `#password`)
	a.do("sign in", chromedp.SendKeys(`#name`, "admin"), chromedp.SendKeys(`#password`, password), chromedp.Submit(`#password`))
	// An admin sets up the second factor at the first login (S-02: admin
	// 2FA): the page shows the key; an authenticator's code confirms it.
	a.page("enrol", `#secret`)
	shown, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('#secret').textContent`))
	if err != nil {
		t.Fatal(err)
	}
	key, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(strings.ReplaceAll(strings.TrimSpace(shown), " ", ""))
	if err != nil {
		t.Fatalf("the enrolment page's key %q: %v", shown, err)
	}
	totp := staff.TOTPCode(key, staff.TOTPStep(h.app.NowFunc()))
	a.do("enrol", chromedp.SendKeys(`#code`, totp), chromedp.Submit(`#code`),
		chromedp.WaitVisible(`a[href="/admin/"]`), chromedp.Navigate(h.srv.URL+"/admin/setup"))
	a.page("setup", `#business_name`)
	a.clear(`#business_name`)
	a.do("setup", chromedp.SendKeys(`#business_name`, "Kiwi Majorstuen AS"),
		chromedp.SendKeys(`#org_number`, "974 760 673"), chromedp.Submit(`#business_name`))
	editor := a.page("notice-editor", `form[data-check] textarea#summary`)
	if !strings.Contains(editor, "Kiwi Majorstuen AS, org.nr. 974760673") || !strings.Contains(editor, "Alt er med.") {
		t.Fatalf("the editor does not start from the sample for the business:\n%s", editor)
	}
	// Completeness as you type: emptying a section shows it missing.
	a.clear(`#body_complaint`)
	a.do("empty a section", chromedp.SendKeys(`#body_complaint`, " "))
	h.waitFor("the live completeness check", func() bool {
		cls, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('[data-item="complaint"]').className`))
		return cls == "missing"
	})
	a.do("restore the section", chromedp.SendKeys(`#body_complaint`, "Du kan klage til Datatilsynet."))
	h.waitFor("the item back", func() bool {
		cls, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('[data-item="complaint"]').className`))
		return cls == "ok"
	})
	a.do("save the draft", chromedp.Submit(`#summary`))
	a.page("notice-draft", `form[action$="/publish"] button`)
	a.do("publish", chromedp.Click(`form[action$="/publish"] button`))
	a.page("notices", `a[href="/admin/notices/new?language=en"]`)
	a.do("english draft", chromedp.Navigate(h.srv.URL+"/admin/notices/new?language=en"), chromedp.WaitVisible(`#summary`),
		chromedp.Submit(`#summary`), chromedp.WaitVisible(`form[action$="/publish"] button`),
		chromedp.Click(`form[action$="/publish"] button`), chromedp.WaitVisible(`a[href="/admin/notices/new?language=en"]`))

	// /optin is open: a person opts in, and confirms from their WhatsApp.
	a.do("opt in", chromedp.Navigate(h.srv.URL+"/optin"), chromedp.WaitVisible(`input[name="phone"]`),
		chromedp.Click(`input[name="purpose"][value="tilbud"]`), chromedp.Click(`input[name="age_confirmed"]`),
		chromedp.SendKeys(`input[name="phone"]`, "912 34 567"), chromedp.Submit(`input[name="phone"]`),
		chromedp.WaitVisible(`img[src^="data:image/png"]`))
	started, _ := chromedp.Run(ctx, chromedp.OuterHTML("html"))
	code := regexp.MustCompile(`JA ([2-9A-HJKMNP-Z]{6})`).FindStringSubmatch(started)
	if code == nil {
		t.Fatalf("no confirmation code on the started page:\n%s", started)
	}
	h.write(kari, "JA "+code[1])
	id := h.contactID(kari)
	if g := h.gate(id, "tilbud"); !g.Allowed {
		t.Fatalf("gate after confirming: %+v", g)
	}

	// The campaign, written and started in the UI, runs to the end.
	if err := h.sim.AddTemplate(sim.Template{Name: "jul_tilbud", Language: "nb", Category: "MARKETING"}); err != nil {
		t.Fatal(err)
	}
	a.do("new campaign", chromedp.Navigate(h.srv.URL+"/admin/campaigns/new"))
	a.page("campaign-new", `#body_nb`)
	// A start time without its date comes back on its field, which axe checks too.
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(document.getElementById('start_time').value = "10:00") === "10:00"`)); err != nil {
		t.Fatal(err)
	}
	a.do("a start time alone", chromedp.Submit(`#name`))
	if refused := a.page("campaign-new-refused", `#start-error`); !strings.Contains(refused, `aria-describedby="start-help start-error" aria-invalid="true"`) {
		t.Errorf("the refused start time is not tied to its error:\n%s", refused)
	}
	a.do("new campaign again", chromedp.Navigate(h.srv.URL+"/admin/campaigns/new"), chromedp.WaitVisible(`#body_nb`))
	a.do("write the campaign", chromedp.SendKeys(`#name`, "Julesalg"), chromedp.SendKeys(`#template`, "jul_tilbud"),
		chromedp.SendKeys(`#body_nb`, "Julesalg hos Kiwi Majorstuen AS: 20 % på alt. Personvern: "+h.srv.URL+"/privacy Svar STOPP for å melde deg av."),
		chromedp.Submit(`#name`))
	draft := a.page("campaign-draft", `form[action$="/start"] button`)
	if !strings.Contains(draft, "1 kontakter har aktivt samtykke") {
		t.Errorf("the draft does not count the audience:\n%s", draft)
	}
	a.do("start", chromedp.Click(`form[action$="/start"] button`))
	h.waitFor("the campaign to finish on the page", func() bool {
		st, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`(document.getElementById('campaign-status') || {}).textContent || ""`))
		return st == "Ferdig"
	})
	done := a.page("campaign-done", `#progress-bar`)
	if !regexp.MustCompile(`data-count="(sent|delivered|read)">1<`).MatchString(done) {
		t.Errorf("the finished campaign shows no message sent:\n%s", done)
	}

	// STOPP lands in the person's timeline.
	h.write(kari, "STOPP")
	if g := h.gate(id, "tilbud"); g.Allowed {
		t.Fatalf("gate after STOPP: %+v", g)
	}
	a.do("contact", chromedp.Navigate(h.srv.URL+"/admin/contacts/"+id))
	contact := a.page("contact-timeline", `.timeline`)
	// STOPP is an objection to direct marketing, newest first.
	stopp, confirmed := strings.Index(contact, "Protest mot direkte markedsføring"), strings.Index(contact, "Samtykke bekreftet")
	if stopp < 0 || confirmed < 0 || stopp > confirmed || !strings.Contains(contact, "Trukket tilbake") || strings.Contains(contact, "91234567") {
		t.Errorf("the timeline lacks the withdrawal or shows the number:\n%s", contact)
	}
	for _, p := range []struct{ name, path, ready string }{
		{"dashboard", "/admin/", `svg[role="img"]`},
		{"contacts", "/admin/contacts", `table`},
		{"campaigns", "/admin/campaigns", `table`},
		{"replies", "/admin/replies", `table`},
		{"templates", "/admin/templates", `table`},
		{"purposes", "/admin/purposes", `#key`},
		{"staff", "/admin/staff", `#token-name`},
		{"settings", "/admin/settings", `table`},
		{"dashboard-en", "/admin/?lang=en", `svg[role="img"]`},
	} {
		a.do(p.name, chromedp.Navigate(h.srv.URL+p.path))
		a.page(p.name, p.ready)
	}
	// A person's message with its conversation (issue 23 point 2): after
	// STOPP the page says why no answer may go.
	a.do("open a reply", chromedp.Navigate(h.srv.URL+"/admin/replies"), chromedp.WaitVisible(`a[href^="/admin/replies/"]`),
		chromedp.Click(`a[href^="/admin/replies/"]`))
	if reply := a.page("reply", `#conversation-h`); !strings.Contains(reply, `id="answer-refusal"`) || strings.Contains(reply, "91234567") {
		t.Errorf("the reply page after STOPP offers an answer or shows the number:\n%s", reply)
	}
	// The DPO's pages, which the admin may use too: rights requests, an
	// audit run and its report, the record of processing, the DPIA saved as
	// a new version, a breach recorded with its report draft (in English, as
	// chosen above).
	for _, p := range []struct{ name, path, ready string }{
		{"rights", "/admin/rights?state=all", `table`},
		{"records", "/admin/records", `#rec-g`},
		{"audits", "/admin/audits", `form[action="/admin/audits"] button`},
	} {
		a.do(p.name, chromedp.Navigate(h.srv.URL+p.path))
		a.page(p.name, p.ready)
	}
	a.do("run an audit", chromedp.Click(`form[action="/admin/audits"] button`))
	a.page("audit", `#audit-status`)
	a.do("dpia", chromedp.Navigate(h.srv.URL+"/admin/dpia"))
	a.page("dpia", `#description`)
	a.do("save the DPIA", chromedp.Click(`form[action="/admin/dpia"] button`))
	a.page("dpia-saved", `a[href="/admin/dpia?version=1"]`)
	a.do("breaches", chromedp.Navigate(h.srv.URL+"/admin/breaches"))
	a.page("breaches", `#title`)
	a.do("record a breach", chromedp.SendKeys(`#title`, "Feilsendt eksportfil"), chromedp.Click(`form[action="/admin/breaches"] button`))
	if breach := a.page("breach", `#breach-report`); !strings.Contains(breach, "Feilsendt eksportfil") || !strings.Contains(breach, "hours left") {
		t.Errorf("the recorded breach's page lacks its title or its clock:\n%s", breach)
	}
	// A phone's width: the same pages, no horizontal scrolling of the page.
	a.do("phone", chromedp.EmulateViewport(390, 844), chromedp.Navigate(h.srv.URL+"/admin/"))
	a.page("dashboard-phone", `nav.main`)
	wide, _ := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth + 1`))
	if wide {
		t.Error("the dashboard scrolls sideways on a phone")
	}
	t.Logf("screenshots of %d pages in %s: %s", len(a.seen), shots, strings.Join(a.seen, ", "))
}
