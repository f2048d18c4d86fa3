// SPDX-License-Identifier: AGPL-3.0-only

package web

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/samtykke/samtykke/internal/app"
	"github.com/samtykke/samtykke/internal/i18n"
	"github.com/samtykke/samtykke/internal/notice"
	"github.com/samtykke/samtykke/internal/receipt"
	"github.com/samtykke/samtykke/internal/rights"
)

// testServer is a Server with its views and assets, without an app.
func testServer(t *testing.T) *Server {
	t.Helper()
	s := &Server{cfg: Config{CSRFKey: make([]byte, 32)}, log: slog.New(slog.NewTextHandler(io.Discard, nil)), zone: time.UTC}
	var err error
	if s.assets, err = loadAssets(); err != nil {
		t.Fatal(err)
	}
	if s.views, err = s.parseViews(templateFS, viewFiles); err != nil {
		t.Fatal(err)
	}
	return s
}

// samplePages are, for every view, a page with every field and list filled
// (so every branch that shows a field runs) and a zero one (the other branches).
func samplePages(lang string) []page {
	b := basePage{Lang: lang, BusinessName: "Butikken AS", CSRF: "token", SwitchURL: "/optin?lang=en"}
	n := notice.Notice{Version: 2, Summary: "Kort", Hash: "abc", Sections: []notice.Section{{Item: notice.Controller, Title: "T", Body: "B"}}}
	return []page{
		&optInPage{basePage: b, Notice: n, MinAge: 15, AgeChecked: true, LinkToken: "t", Error: "feil", ErrorIsPhone: true,
			Purposes: []purposeBox{{FormPurpose: app.FormPurpose{Key: "offers", Description: "Tilbud", Wording: "Ja"}, Checked: true}}},
		&optInPage{basePage: b, Error: "feil", ErrorIsPhone: true},
		&optInPage{},
		&startedPage{basePage: b, Code: "ABC234", ChatLink: "https://wa.me/4790000000?text=JA+ABC234", QR: "data:image/png;base64,AA==",
			Ref: "ref", Expires: "i morgen"},
		&startedPage{},
		&sentPage{basePage: b, MessageKey: "page.sent.sms"},
		&sentPage{},
		&donePage{basePage: b},
		&donePage{},
		&confirmPage{basePage: b, Action: "/confirm/tok"},
		&confirmPage{},
		&preferencesPage{basePage: b, Action: "/preferences/p.x.y", Phone: "+47 4** ** *56", Message: "ok",
			Items: []preferenceItem{{Purpose: "offers", Description: "Tilbud", Status: "aktiv", Since: "i dag", CanWithdraw: true}}},
		&preferencesPage{},
		&preferencesPage{basePage: b, Action: "/preferences/p.x.y", Expired: true, Message: "ok"},
		&optOutPage{basePage: b, optOutForm: optOutForm{Error: "feil", ErrorIsPhone: true}},
		&optOutPage{basePage: b, Sent: true},
		&optOutPage{},
		&privacyPage{basePage: b, Notice: n, Published: "i dag", Current: 3, optOutForm: optOutForm{Error: "feil", ErrorIsPhone: true},
			Versions: []versionLink{{Version: 3, URL: "/privacy/3"}, {Version: 2, URL: "/privacy/2", Shown: true}}},
		&privacyPage{},
		&rightsPage{basePage: b, Types: rights.Types, Type: "erasure", Error: "feil", ErrorIsPhone: true},
		&rightsPage{basePage: b, Ref: "ref", Error: "feil"},
		&rightsPage{basePage: b, Received: "01.05.2026", Due: "01.06.2026", PackageURL: "/rights/r.x.y/package",
			Status: &app.PublicRights{Type: rights.Access, State: rights.Done, Extended: true, Reason: "mange", Answer: "svar"}},
		&rightsPage{basePage: b, Status: &app.PublicRights{Type: rights.Erasure, State: rights.Open}},
		&rightsPage{},
		&receiptPage{basePage: b, R: receipt.Receipt{ConsentReceiptID: "id", PIIPrincipalID: "c1", PolicyURL: "/privacy/2",
			CollectionMethod: "nettskjema", Record: receipt.Record{WithdrawalMethod: "STOPP", Notice: receipt.Notice{Version: 2, Hash: "abc"}},
			Proof: receipt.Proof{KeyID: "kid"}}, Controller: receipt.Controller{Name: "Butikken AS", Contact: "DPO", Email: "p@b.example",
			Phone: "tel:+4722123456", URL: "https://b.example"}, Purpose: "Tilbud", Service: "Butikken AS på WhatsApp", Given: "i dag",
			Termination: "til du trekker det tilbake", Status: "aktiv", Address: "Storgata 1, 0155 Oslo", Phone: "+4722123456",
			JSONURL: "/receipt/k.x.y.json", KeyURL: ReceiptKeyPath},
		&receiptPage{},
		&errorPage{basePage: b, MessageKey: "error.link_expired", HelpKey: "error.link_help"},
		&errorPage{},
	}
}

// keyRE finds catalog keys that were not replaced by their text.
var keyRE = regexp.MustCompile(`\b(page|form|error|status|nav|footer)\.[a-z_]+(\.[a-z_]+)?\b`)

// TestTemplates is the templatecheck: every view executes with its typed
// page struct, filled and zero, in both languages, and leaves no key unresolved.
func TestTemplates(t *testing.T) {
	t.Parallel()
	s := testServer(t)
	covered := map[string]bool{}
	for _, lang := range i18n.Languages {
		for _, p := range samplePages(lang) {
			covered[p.view()] = true
			if _, ok := viewFiles[p.view()]; !ok {
				t.Errorf("%T names view %q, which viewFiles lacks", p, p.view())
				continue
			}
			rec := httptest.NewRecorder()
			s.render(rec, httptest.NewRequest(http.MethodGet, "/", nil), http.StatusOK, p)
			if rec.Code != http.StatusOK {
				t.Errorf("%s %T %+v: status %d: %s", lang, p, p, rec.Code, rec.Body)
				continue
			}
			if k := keyRE.FindString(rec.Body.String()); k != "" {
				t.Errorf("%s %T: unresolved key %q", lang, p, k)
			}
		}
	}
	for name := range viewFiles {
		if !covered[name] {
			t.Errorf("view %q has no sample page", name)
		}
	}
}

// TestParseViewsFails: a missing file and an unregistered file both fail.
func TestParseViewsFails(t *testing.T) {
	t.Parallel()
	s := testServer(t)
	layout := &fstest.MapFile{Data: []byte(`{{define "layout"}}{{template "title" .}}{{template "content" .}}{{end}}`)}
	page := &fstest.MapFile{Data: []byte(`{{define "title"}}t{{end}}{{define "content"}}c{{end}}`)}
	fsys := fstest.MapFS{"templates/layout.html": layout, "templates/a.html": page}
	if _, err := s.parseViews(fsys, map[string][]string{"a": {"layout.html", "a.html"}}); err != nil {
		t.Fatalf("a good set fails: %v", err)
	}
	if _, err := s.parseViews(fsys, map[string][]string{"a": {"layout.html", "a.html", "gone.html"}}); err == nil {
		t.Error("a missing file was accepted")
	}
	fsys["templates/stray.html"] = page
	if _, err := s.parseViews(fsys, map[string][]string{"a": {"layout.html", "a.html"}}); err == nil {
		t.Error("an unregistered file was accepted")
	}
	if _, err := s.parseViews(fsys, map[string][]string{"a": {"layout.html"}, "b": {"stray.html", "a.html"}}); err == nil {
		t.Error("a view without layout/title/content was accepted")
	}
}

var (
	templateKeyRE = regexp.MustCompile(`\.T "([^"]+)"`)
	goKeyRE       = regexp.MustCompile(`"((?:page|form|error|status|nav|footer)\.[a-z0-9_.]+)"`)
	placeholderRE = regexp.MustCompile(`\{[a-z_]+\}`)
)

// TestCatalogs: both catalogs have the same keys, and every key the pages
// use is in both, with the same placeholders.
func TestCatalogs(t *testing.T) {
	t.Parallel()
	nb, en := i18n.Keys("nb"), i18n.Keys("en")
	slices.Sort(nb)
	slices.Sort(en)
	for _, k := range nb {
		if !slices.Contains(en, k) {
			t.Errorf("key %q is in nb.json but not in en.json", k)
		}
	}
	for _, k := range en {
		if !slices.Contains(nb, k) {
			t.Errorf("key %q is in en.json but not in nb.json", k)
		}
	}

	used := map[string]string{} // key -> where
	files, _ := filepath.Glob("templates/*.html")
	gos, _ := filepath.Glob("*.go")
	for _, f := range append(files, gos...) {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		re := templateKeyRE
		if strings.HasSuffix(f, ".go") {
			re = goKeyRE
		}
		for _, m := range re.FindAllStringSubmatch(string(b), -1) {
			if !strings.HasSuffix(m[1], ".html") {
				used[m[1]] = f
			}
		}
	}
	if len(used) < 50 {
		t.Fatalf("found only %d keys in use; the scan is broken", len(used))
	}
	for k, where := range used {
		if !slices.Contains(nb, k) || !slices.Contains(en, k) {
			t.Errorf("%s uses key %q, missing from a catalog", where, k)
			continue
		}
		pn := placeholderRE.FindAllString(i18n.T("nb", k), -1)
		pe := placeholderRE.FindAllString(i18n.T("en", k), -1)
		slices.Sort(pn)
		slices.Sort(pe)
		if !slices.Equal(pn, pe) {
			t.Errorf("key %q: placeholders nb %v, en %v", k, pn, pe)
		}
	}
}
