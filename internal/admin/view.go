// SPDX-License-Identifier: AGPL-3.0-only

package admin

import (
	"embed"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strings"

	"github.com/samtykke/samtykke/internal/i18n"
	"github.com/samtykke/samtykke/internal/pageview"
	"github.com/samtykke/samtykke/internal/style"
)

//go:embed templates/*.html
var templateFS embed.FS

// viewFiles lists each page's template files: the one place a template
// file is registered. Every view defines "title" and "content"; the
// public pages' layout (style.Layout) executes them.
var viewFiles = map[string][]string{
	"login": {"form.html", "login.html"},
	"code":  {"form.html", "code.html"},
	"enrol": {"form.html", "enrol.html"},
	"home":  {"form.html", "home.html"},
	"error": {"error.html"},
}

// funcs are the layout's template functions: the stylesheet is the one the
// public pages serve.
var funcs = template.FuncMap{"asset": func(name string) (string, error) {
	if name != "style.css" {
		return "", fmt.Errorf("no asset %q", name)
	}
	return style.CSSPath(), nil
}}

// parseViews parses every view once, on the shared layout; it fails on a
// registered file that is missing and on a file no view registers.
func parseViews() (*pageview.Set, error) {
	return pageview.Parse(pageview.Spec{Site: "admin", FS: templateFS, Dir: "templates", Files: viewFiles,
		Layout: style.Layout, Funcs: funcs})
}

// page is a typed page struct: it names its view and carries the basePage.
type page interface {
	view() string
	base() *basePage
}

// render executes a page into a buffer, then writes it with the status; a
// template failure is a bug, logged, and answered with a bare 500.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, p page) {
	s.views.Render(w, r, s.log, status, p.view(), p, i18n.T(p.base().Lang, "admin.error.internal"))
}

// basePage is what every page has, as the layout reads it.
type basePage struct {
	Lang         string
	BusinessName string
	CSRF         string // the token of the page's form; empty without one
	SwitchURL    string // this page in the other language
}

func (b *basePage) base() *basePage { return b }

// T is the text of key in the page's language.
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

// base fills a basePage from the request; the switch link of a POST leads
// to the GET of its path.
func (s *Server) base(r *http.Request) basePage {
	lang, _ := requestLang(r)
	b := basePage{Lang: lang, BusinessName: s.app.Controller().Name}
	if b.BusinessName == "" {
		b.BusinessName = s.cfg.BusinessName
	}
	path := r.URL.Path
	if !strings.HasPrefix(path, "/admin") || path == "/admin/logout" {
		path = "/admin/login"
	}
	b.SwitchURL = path + "?" + url.Values{"lang": {b.OtherLang()}}.Encode()
	return b
}

// requestLang is the language a request asks for (a form field or
// ?lang=), bokmål by default, and whether it asked at all.
func requestLang(r *http.Request) (string, bool) {
	v := r.PostForm.Get("lang")
	if v == "" {
		v = r.URL.Query().Get("lang")
	}
	switch strings.ToLower(v) {
	case "en":
		return "en", true
	case "nb", "no":
		return "nb", true
	}
	return "nb", false
}

// loginPage is the login form; Name is kept after a refusal, the password never.
type loginPage struct {
	basePage
	Name     string
	ErrorKey string
}

func (*loginPage) view() string { return "login" }

// codePage asks for the TOTP code of a session that waits for it.
type codePage struct {
	basePage
	ErrorKey string
}

func (*codePage) view() string { return "code" }

// enrolPage shows the second factor to set up and asks for its first code.
type enrolPage struct {
	basePage
	URI, Secret string
	Required    bool // the role needs it: no way past without it
	ErrorKey    string
}

func (*enrolPage) view() string { return "enrol" }

// homePage is who is logged in.
type homePage struct {
	basePage
	Name       string
	Role       string
	TOTP       bool
	LogoutCSRF string
}

func (*homePage) view() string { return "home" }

// errorPage says what went wrong.
type errorPage struct {
	basePage
	MessageKey string
}

func (*errorPage) view() string { return "error" }
