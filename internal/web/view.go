// SPDX-License-Identifier: AGPL-3.0-only

package web

import (
	"embed"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/samtykke/samtykke/internal/i18n"
	"github.com/samtykke/samtykke/internal/pageview"
	"github.com/samtykke/samtykke/internal/style"
)

//go:embed templates/*.html
var templateFS embed.FS

// viewFiles lists each page's template files: the one place a template
// file is registered (STYLE I.9). Every view defines "title" and
// "content"; the layout (style.Layout, shared with the admin UI) executes them.
var viewFiles = map[string][]string{
	"optin":       {"form.html", "optin.html"},
	"started":     {"form.html", "started.html"},
	"sent":        {"sent.html"},
	"done":        {"done.html"},
	"confirm":     {"form.html", "confirm.html"},
	"preferences": {"form.html", "preferences.html"},
	"privacy":     {"form.html", "optout_form.html", "privacy.html"},
	"optout":      {"form.html", "optout_form.html", "optout.html"},
	"rights":      {"form.html", "rights.html"},
	"receipt":     {"receipt.html"},
	"error":       {"error.html"},
}

// parseViews parses every view of files from fsys once. It fails on a
// registered file that is missing and on a file in templates/ that no view
// registers.
func (s *Server) parseViews(fsys fs.FS, viewFiles map[string][]string) (*pageview.Set, error) {
	return pageview.Parse(pageview.Spec{Site: "web", FS: fsys, Dir: "templates", Files: viewFiles,
		Layout: style.Layout, Funcs: template.FuncMap{"asset": s.assetURL}})
}

// page is a typed page struct: it names its view and carries the basePage.
type page interface {
	view() string
	base() *basePage
}

// render executes a page into a buffer, then writes it with the status; a
// template failure is a bug, logged, and answered with a bare 500.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, p page) {
	s.views.Render(w, r, s.log, status, p.view(), p, i18n.T(p.base().Lang, "error.internal"))
}

// basePage is what every page has: its language, the business's
// name, the CSRF field of its forms and the link to the other language.
type basePage struct {
	Lang         string
	BusinessName string
	CSRF         string // empty on pages without a form
	SwitchURL    string // this page in the other language
}

func (b *basePage) base() *basePage { return b }

// T is the text of key in the page's language, with {name} placeholders
// filled from pairs.
func (b *basePage) T(key string, pairs ...string) string { return i18n.T(b.Lang, key, pairs...) }

// Link is a path of this site in the page's language.
func (b *basePage) Link(path string) string {
	if b.Lang == "en" {
		return path + "?lang=en"
	}
	return path
}

// OtherLang is the language SwitchURL leads to.
func (b *basePage) OtherLang() string {
	if b.Lang == "en" {
		return "nb"
	}
	return "en"
}

// base fills a basePage from the request: the switch link keeps the path
// (a POST-only path falls back to the opt-in page) and the opt-in link token.
func (s *Server) base(r *http.Request, lang, business string) basePage {
	b := basePage{Lang: lang, BusinessName: business}
	path := r.URL.Path
	if r.Method != http.MethodGet && r.Method != http.MethodHead && !slices.Contains(alsoGET, r.Pattern) {
		path = "/optin"
	}
	q := url.Values{"lang": {b.OtherLang()}}
	if t := formValue(r, "t"); t != "" && path == "/optin" {
		q.Set("t", t)
	}
	b.SwitchURL = path + "?" + q.Encode()
	return b
}

// business is the controller's name as the app holds it now: the first
// run's once made, on every replica (app.WatchSettings).
func (s *Server) business() string {
	if n := s.app.Controller().Name; n != "" {
		return n
	}
	return s.cfg.BusinessName
}

// alsoGET are the POST routes whose path also answers GET.
var alsoGET = []string{"POST /optin", "POST /preferences/{token}", "POST /optout", "POST /rights"}

// formValue is a posted field, or else a query parameter, without parsing
// anything (the CSRF check has parsed the body of every POST).
func formValue(r *http.Request, name string) string {
	if v := r.PostForm.Get(name); v != "" {
		return v
	}
	return r.URL.Query().Get(name)
}

// formatTime shows a time in Norway's zone.
func (s *Server) formatTime(lang string, t time.Time) string {
	t = t.In(s.zone)
	if lang == "en" {
		return t.Format("2 January 2006 at 15:04")
	}
	return t.Format("02.01.2006 kl. 15.04")
}

// formatDate shows a date in Norway's zone.
func (s *Server) formatDate(lang string, t time.Time) string {
	t = t.In(s.zone)
	if lang == "en" {
		return t.Format("2 January 2006")
	}
	return t.Format("02.01.2006")
}
