// SPDX-License-Identifier: AGPL-3.0-only

package admin

import (
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/samtykke/samtykke/internal/app"
	"github.com/samtykke/samtykke/internal/httpx"
	"github.com/samtykke/samtykke/internal/i18n"
	"github.com/samtykke/samtykke/internal/pageview"
	"github.com/samtykke/samtykke/internal/staff"
)

// The staff pages (issue 23): the dashboard, purposes and notices,
// contacts, campaigns, staff and tokens, settings, the first-run setup,
// and the DPO's: rights requests, audits, records of processing, the DPIA
// and the breach register.
// Each page calls the same app use case as the API route beside it, as the
// signed-in staff member's Actor, so the role, the ledger and the access
// log apply exactly as they do to a token; a page shows, and links to, only
// what the role may use.

//go:embed templates/pages/*.html
var pageFS embed.FS

// Session is a signed-in staff member as the pages see them: who acts, and
// the CSRF token of a form of the session posting to an action.
type Session struct {
	Actor app.Actor
	CSRF  func(action string) string
}

// PagesConfig is what the pages need besides the app.
type PagesConfig struct {
	// Session finds the staff member signed in on a request with a full
	// session; false: nobody, and the pages send the browser to LoginPath.
	Session func(r *http.Request) (Session, bool, error)
	// CheckCSRF refuses an unsafe request from another site or whose form
	// token is missing or is not its session's, having read the form; it
	// runs before any handler of an unsafe method.
	CheckCSRF func(w http.ResponseWriter, r *http.Request) error
	// LoginPath and LogoutPath are the sign-in page and the sign-out form's
	// action (default /admin/login and /admin/logout).
	LoginPath, LogoutPath string
	// Settings is the configuration as the settings page shows it, secrets
	// already redacted.
	Settings []Setting
	// Log receives one line per failed (5xx) request; nil discards.
	Log *slog.Logger
}

// Setting is one line of the read-only configuration view.
type Setting struct {
	Key, Value string
}

// Pages serves the staff pages.
type Pages struct {
	app    *app.App
	cfg    PagesConfig
	log    *slog.Logger
	views  *pageview.Set
	assets assets
	zone   *time.Location
}

// NewPages parses the pages' templates and hashes their assets.
func NewPages(a *app.App, cfg PagesConfig) (*Pages, error) {
	if a == nil || cfg.Session == nil || cfg.CheckCSRF == nil {
		return nil, errors.New("admin: pages need the app, a session and a CSRF check")
	}
	if cfg.LoginPath == "" {
		cfg.LoginPath = "/admin/login"
	}
	if cfg.LogoutPath == "" {
		cfg.LogoutPath = "/admin/logout"
	}
	p := &Pages{app: a, cfg: cfg, log: cfg.Log, assets: loadAssets()}
	if p.log == nil {
		p.log = slog.New(slog.DiscardHandler)
	}
	var err error
	if p.zone, err = time.LoadLocation("Europe/Oslo"); err != nil {
		return nil, fmt.Errorf("admin: %w", err)
	}
	if p.views, err = parsePages(pageFS, p.assets.url); err != nil {
		return nil, err
	}
	return p, nil
}

// pageFiles lists each view's template files, the layout first: the one
// place a template file is registered (STYLE I.9).
var pageFiles = map[string][]string{
	"dashboard":      {"layout.html", "dashboard.html"},
	"purposes":       {"layout.html", "purpose_fields.html", "purposes.html"},
	"notices":        {"layout.html", "notices.html"},
	"notice_edit":    {"layout.html", "notice_edit.html"},
	"notice":         {"layout.html", "notice.html"},
	"notice_diff":    {"layout.html", "notice_diff.html"},
	"contacts":       {"layout.html", "contacts.html"},
	"contact":        {"layout.html", "contact.html"},
	"campaigns":      {"layout.html", "campaigns.html"},
	"campaign_new":   {"layout.html", "campaign_new.html"},
	"campaign":       {"layout.html", "campaign.html"},
	"replies":        {"layout.html", "replies.html"},
	"reply":          {"layout.html", "reply.html"},
	"templates":      {"layout.html", "templates.html"},
	"staff":          {"layout.html", "staff.html"},
	"settings":       {"layout.html", "settings.html"},
	"setup":          {"layout.html", "purpose_fields.html", "setup.html"},
	"ui_error":       {"layout.html", "ui_error.html"},
	"rights":         {"layout.html", "rights.html"},
	"rights_request": {"layout.html", "rights_request.html"},
	"audits":         {"layout.html", "audits.html"},
	"audit":          {"layout.html", "audit.html"},
	"records":        {"layout.html", "records.html"},
	"dpia":           {"layout.html", "dpia.html"},
	"breaches":       {"layout.html", "breaches.html"},
	"breach":         {"layout.html", "breach.html"},
}

func parsePages(fsys fs.FS, asset func(string) (string, error)) (*pageview.Set, error) {
	funcs := template.FuncMap{"asset": asset, "deref": func(t *time.Time) time.Time { return *t }}
	return pageview.Parse(pageview.Spec{Site: "admin", FS: fsys, Dir: "templates/pages", Files: pageFiles, Funcs: funcs})
}

// request is one request to a page: who asks, in which language.
type request struct {
	*http.Request
	Session
	lang string
}

// handler is a page's handler; an error it returns is rendered as a page.
type handler func(w http.ResponseWriter, r *request) error

// Register adds the staff pages to mux.
func (p *Pages) Register(mux *http.ServeMux) {
	for pattern, h := range p.routes() {
		mux.Handle(pattern, p.wrap(h))
	}
	mux.Handle("GET /admin/assets/{hash}/{file}", http.HandlerFunc(p.assets.serve))
}

func (p *Pages) routes() map[string]handler {
	return map[string]handler{
		"GET /admin/{$}":                      p.dashboard,
		"GET /admin/setup":                    p.setupForm,
		"POST /admin/setup":                   p.setupSubmit,
		"GET /admin/purposes":                 p.purposes,
		"POST /admin/purposes":                p.purposeCreate,
		"GET /admin/notices":                  p.notices,
		"GET /admin/notices/new":              p.noticeNew,
		"POST /admin/notices":                 p.noticeCreate,
		"POST /admin/notices/check":           p.noticeCheck,
		"GET /admin/notices/diff":             p.noticeDiff,
		"GET /admin/notices/{id}":             p.notice,
		"POST /admin/notices/{id}/publish":    p.noticePublish,
		"GET /admin/contacts":                 p.contacts,
		"POST /admin/contacts":                p.contacts,
		"GET /admin/contacts/{id}":            p.contact,
		"POST /admin/contacts/{id}/{action}":  p.contactAction,
		"GET /admin/campaigns":                p.campaigns,
		"GET /admin/campaigns/new":            p.campaignNew,
		"POST /admin/campaigns":               p.campaignCreate,
		"GET /admin/campaigns/{id}":           p.campaign,
		"GET /admin/campaigns/{id}/progress":  p.campaignProgress,
		"POST /admin/campaigns/{id}/{action}": p.campaignAction,
		"GET /admin/replies":                  p.replies,
		"GET /admin/replies/{id}":             p.reply,
		"POST /admin/replies/{id}/answer":     p.replyAnswer,
		"GET /admin/templates":                p.templates,
		"POST /admin/templates/sync":          p.templatesSync,
		"GET /admin/staff":                    p.staffPage,
		"POST /admin/tokens":                  p.tokenCreate,
		"POST /admin/users/{id}/disable":      p.userDisable,
		"POST /admin/tokens/{id}/revoke":      p.tokenRevoke,
		"GET /admin/settings":                 p.settings,
		"GET /admin/rights":                   p.rights,
		"GET /admin/rights/{id}":              p.rightsRequest,
		"POST /admin/rights/{id}/{action}":    p.rightsAction,
		"GET /admin/audits":                   p.audits,
		"POST /admin/audits":                  p.auditRun,
		"GET /admin/audits/{id}":              p.audit,
		"GET /admin/records":                  p.records,
		"GET /admin/records.json":             p.recordsJSON,
		"GET /admin/dpia":                     p.dpia,
		"POST /admin/dpia":                    p.dpiaSave,
		"GET /admin/breaches":                 p.breaches,
		"POST /admin/breaches":                p.breachCreate,
		"GET /admin/breaches/{id}":            p.breach,
	}
}

// langCookie keeps the language a staff member chose (?lang=en).
const langCookie = "samtykke_admin_lang"

// wrap sets the security headers, sends a browser without a session to the
// sign-in page, refuses an unsafe request without its session's CSRF token
// before the handler runs, and renders any error the handler returns.
func (p *Pages) wrap(h handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "+
			"connect-src 'self'; form-action 'self'; base-uri 'none'; object-src 'none'; frame-ancestors 'none'")
		hd.Set("X-Frame-Options", "DENY")
		hd.Set("Referrer-Policy", "same-origin")
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("Cache-Control", "no-store")
		req := &request{Request: r, lang: p.language(w, r)}
		s, ok, err := p.cfg.Session(r)
		if err != nil {
			p.serveError(w, req, err)
			return
		}
		if !ok {
			if r.Method == http.MethodGet || r.Method == http.MethodHead {
				http.Redirect(w, r, p.cfg.LoginPath+"?next="+urlPathEscape(r.URL.RequestURI()), http.StatusSeeOther)
				return
			}
			p.serveError(w, req, fmt.Errorf("%w: sign in first", app.ErrUnauthenticated))
			return
		}
		req.Session = s
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			if err := p.cfg.CheckCSRF(w, r); err != nil {
				p.serveError(w, req, err)
				return
			}
		}
		if err := h(w, req); err != nil {
			p.serveError(w, req, err)
		}
	})
}

func urlPathEscape(s string) string {
	return strings.NewReplacer("%", "%25", "&", "%26", "#", "%23", "+", "%2B", " ", "%20").Replace(s)
}

// language is ?lang= when given (and kept in a cookie), else the cookie's,
// else bokmål.
func (p *Pages) language(w http.ResponseWriter, r *http.Request) string {
	if q := r.URL.Query().Get("lang"); q != "" {
		lang := i18n.Lang(q)
		http.SetCookie(w, &http.Cookie{Name: langCookie, Value: lang, Path: "/admin", MaxAge: 365 * 24 * 3600,
			HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: r.TLS != nil})
		return lang
	}
	if c, err := r.Cookie(langCookie); err == nil {
		return i18n.Lang(c.Value)
	}
	return "nb"
}

// render executes a page into a buffer, then writes it with the status.
func (p *Pages) render(w http.ResponseWriter, r *request, status int, pg uiPage) {
	p.views.Render(w, r.Request, p.log, status, pg.view(), pg, i18n.T(r.lang, "error.internal"))
}

// serveError renders the error page; a 5xx is logged once, here.
func (p *Pages) serveError(w http.ResponseWriter, r *request, err error) {
	e := httpx.Classify(err)
	if e.Status == http.StatusUnauthorized && r.Method == http.MethodGet {
		http.Redirect(w, r.Request, p.cfg.LoginPath, http.StatusSeeOther)
		return
	}
	if e.Status >= 500 {
		p.log.ErrorContext(r.Context(), "admin request failed", "request_id", httpx.RequestID(r.Context()),
			"method", r.Method, "route", r.Pattern, "error", err)
	}
	key := map[int]string{400: "error.invalid", 401: "error.forbidden", 403: "admin.error.forbidden", 404: "error.not_found",
		409: "error.conflict", 413: "error.too_large", 422: "error.refused", 429: "error.rate_limited"}[e.Status]
	if key == "" {
		key = "error.internal"
	}
	pg := &uiErrorPage{base: p.base(r, ""), MessageKey: key}
	if e.Status < 500 {
		pg.Detail = e.Message
	}
	p.render(w, r, e.Status, pg)
}

// can reports whether the signed-in role grants perm.
func (r *request) can(perm staff.Permission) bool { return r.Actor.Role.Can(perm) }

// forbid is the error for a page the role may not use.
func forbid(perm staff.Permission) error {
	return fmt.Errorf("%w: this page needs %s", app.ErrForbidden, perm)
}

// seeOther answers a successful form with a redirect (post/redirect/get),
// carrying a notice key the next page shows.
func seeOther(w http.ResponseWriter, r *request, path, flash string) error {
	if flash != "" {
		sep := "?"
		if strings.Contains(path, "?") {
			sep = "&"
		}
		path += sep + "done=" + flash
	}
	http.Redirect(w, r.Request, path, http.StatusSeeOther)
	return nil
}
