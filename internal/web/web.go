// SPDX-License-Identifier: AGPL-3.0-only

// Package web serves samtykke's public pages (API.md "Public pages"): the
// opt-in form and its confirmation, the confirmation link, the preference
// centre, the web opt-out, the privacy notice and the consent receipt, in bokmål by default and in English with
// ?lang=en. Pages are server-rendered from embedded templates parsed once,
// work without JavaScript, set no cookie, and refuse a POST from another
// site (csrf.go).
package web

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/netip"
	"strings"
	"time"
	_ "time/tzdata" // the pages show times in Europe/Oslo wherever the binary runs

	"github.com/samtykke/samtykke/internal/app"
	"github.com/samtykke/samtykke/internal/httpx"
	"github.com/samtykke/samtykke/internal/pageview"
)

// Config is what the pages need besides the app.
type Config struct {
	// BusinessName is the controller's name the pages show should the app
	// name none; they show the app's (Controller().Name), which follows the
	// first run's setting on every replica.
	BusinessName string
	// CSRFKey signs the forms' CSRF tokens; at least 32 random bytes, the
	// same on every replica (the vault's CSRF key).
	CSRFKey []byte
	// Log receives one line per failed (5xx) request; nil discards.
	Log *slog.Logger
	// Secure says every request arrives over HTTPS: serve's own TLS, or an
	// https public URL. The pages set no cookie (the CSRF defence is
	// cookieless, see csrf.go); a page that sets one marks it Secure when
	// this is set or httpx.RequestSecure says so of its request.
	Secure bool
	// TrustedProxies are the reverse proxies (SAMTYKKE_TRUSTED_PROXIES)
	// whose X-Forwarded-For names the client (httpx.ClientIP); none: the
	// address is the connection's (RemoteAddr).
	TrustedProxies []netip.Prefix
}

// Server serves the public pages.
type Server struct {
	app         *app.App
	cfg         Config
	log         *slog.Logger
	views       *pageview.Set
	assets      map[string]asset
	zone        *time.Location
	crossOrigin *http.CrossOriginProtection
	clock       func() time.Time // the CSRF tokens' clock; time.Now
}

// New parses the templates and hashes the assets; it fails on a missing or
// unregistered template file.
func New(a *app.App, cfg Config) (*Server, error) {
	if a == nil {
		return nil, errors.New("web: no app")
	}
	if len(cfg.CSRFKey) < 32 {
		return nil, errors.New("web: CSRFKey must be at least 32 bytes")
	}
	s := &Server{app: a, cfg: cfg, log: cfg.Log, crossOrigin: http.NewCrossOriginProtection(), clock: time.Now}
	if s.log == nil {
		s.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	var err error
	if s.zone, err = time.LoadLocation("Europe/Oslo"); err != nil {
		return nil, fmt.Errorf("web: %w", err)
	}
	if s.assets, err = loadAssets(); err != nil {
		return nil, err
	}
	if s.views, err = s.parseViews(templateFS, viewFiles); err != nil {
		return nil, err
	}
	return s, nil
}

// caching says what a response may do in caches.
type caching int

const (
	noStore    caching = iota // pages with tokens, codes or CSRF fields
	shortCache                // public text that may change (privacy notices)
	immutable                 // content-hashed assets
)

// route is one entry of the routing table.
type route struct {
	pattern    string
	embeddable bool // may be shown in another site's frame (the opt-in flow)
	cache      caching
	handler    func(w http.ResponseWriter, r *http.Request) error
}

func (s *Server) routes() []route {
	return []route{
		{pattern: "GET /{$}", handler: s.home},
		{pattern: "GET /optin", embeddable: true, handler: s.optInForm},
		{pattern: "POST /optin", embeddable: true, handler: s.optInSubmit},
		// The alternatives continue the opt-in flow, so they answer inside its frame too.
		{pattern: "POST /optin/confirm-another-way", embeddable: true, handler: s.confirmAnotherWay},
		{pattern: "GET /confirm/{token}", handler: s.confirmLink},
		{pattern: "POST /confirm/{token}", handler: s.confirmSubmit},
		{pattern: "GET /preferences/{token}", handler: s.preferences},
		{pattern: "POST /preferences/{token}", handler: s.withdraw},
		{pattern: "GET /optout", handler: s.optOutForm},
		{pattern: "POST /optout", handler: s.optOutSubmit},
		{pattern: "GET /rights", handler: s.rightsForm},
		{pattern: "POST /rights", handler: s.rightsSubmit},
		{pattern: "POST /rights/verify", handler: s.rightsVerify},
		{pattern: "GET /rights/{token}", handler: s.rightsStatus},
		{pattern: "GET /rights/{token}/package", handler: s.rightsPackage},
		{pattern: "GET /receipt/{token}", handler: s.receipt},
		{pattern: "GET " + ReceiptKeyPath, cache: shortCache, handler: s.receiptKey},
		{pattern: "GET /privacy", cache: shortCache, handler: s.privacy},
		{pattern: "GET /privacy/{version}", cache: shortCache, handler: s.privacyVersion},
		{pattern: "GET /static/{hash}/{file}", cache: immutable, handler: s.static},
	}
}

// Register adds the public pages to mux.
func (s *Server) Register(mux *http.ServeMux) {
	for _, rt := range s.routes() {
		mux.Handle(rt.pattern, s.wrap(rt))
	}
}

// wrap sets the security headers, refuses unsafe methods from another site
// or without a valid form token before the handler runs, and renders any
// error the handler returns.
func (s *Server) wrap(rt route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		frame := "'none'"
		if rt.embeddable {
			frame = "*"
		} else {
			h.Set("X-Frame-Options", "DENY")
		}
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; "+
			"form-action 'self'; base-uri 'none'; object-src 'none'; frame-ancestors "+frame)
		// same-origin, not no-referrer: with no-referrer a browser sends
		// "Origin: null" on its POSTs, and where it sends no Sec-Fetch-Site
		// (plain http on a host that is not local) the origin check needs
		// the real one. Other sites still get no referrer, so no link token
		// leaves in one.
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Content-Type-Options", "nosniff")
		switch rt.cache {
		case noStore:
			h.Set("Cache-Control", "no-store")
		case shortCache:
			h.Set("Cache-Control", "public, max-age=300")
		case immutable:
			h.Set("Cache-Control", "public, max-age=31536000, immutable")
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			if err := s.checkCSRF(w, r); err != nil {
				s.serveError(w, r, err)
				return
			}
		}
		if err := rt.handler(w, r); err != nil {
			s.serveError(w, r, err)
		}
	})
}

func (s *Server) now() time.Time { return s.clock() }

// home sends visitors of / to the opt-in page.
func (s *Server) home(w http.ResponseWriter, r *http.Request) error {
	lang, explicit := requestLang(r)
	target := "/optin"
	if explicit {
		target += "?lang=" + lang
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
	return nil
}

// userError is an error with the i18n key of the message the person reads,
// for a page that has words more precise than its code's; the wrapped error
// is for the log and decides the status (STYLE C).
type userError struct {
	key string
	err error
}

func (e *userError) Error() string { return e.key + ": " + e.err.Error() }

func (e *userError) Unwrap() error { return e.err }

// withKey says err to the person in the words of key. The status stays the
// one httpx's table gives err: a page chooses words, never a status.
func withKey(key string, err error) error {
	return &userError{key: key, err: err}
}

// pageKeys are the pages' words for each error code of httpx's table, and
// for the codes of the pages' own *httpx.Error values. The table decides
// the status; the pages add only these keys.
var pageKeys = map[string]string{
	"notice_incomplete": "error.refused",
	"link_expired":      "error.link_expired",
	"link_invalid":      "error.link_invalid",
	"code_wrong":        "page.rights.code_wrong",
	"unauthenticated":   "error.forbidden",
	"forbidden":         "error.forbidden",
	"invalid_input":     "error.invalid",
	"rate_limited":      "error.rate_limited",
	"refused":           "error.refused",
	"not_found":         "error.not_found",
	"conflict":          "error.conflict",
	"not_ready":         "error.internal", // the database is unreachable: try again later
	"canceled":          "error.internal",
	"platform_error":    "error.internal", // WhatsApp failed: try again later
	"key_rotation":      "error.conflict",
	"window_closed":     "error.refused", // staff's answers only; no public page sends one
	"internal":          "error.internal",
	// The pages' own codes.
	"too_large":  "error.too_large",
	"not_set_up": "error.unavailable",
}

// classify maps an error to a status and a message key: the status from
// httpx's table, the one every transport shares, and the key from the
// page's words (withKey) or else from the code.
func classify(err error) (int, string) {
	e := httpx.Classify(err)
	var ue *userError
	if errors.As(err, &ue) {
		return e.Status, ue.key
	}
	if key, ok := pageKeys[e.Code]; ok {
		return e.Status, key
	}
	if e.Status >= 500 {
		return e.Status, "error.internal"
	}
	return e.Status, "error.invalid"
}

// errNotSetUp is why the public pages are closed on a new installation: no
// privacy notice is published yet, and consent must name the one shown.
var errNotSetUp = httpx.Errorf(http.StatusServiceUnavailable, "not_set_up", "no privacy notice is published yet")

// serveError renders the error page in the request's language and logs a
// 5xx once, here, with the route pattern (never the path: it may hold a token).
func (s *Server) serveError(w http.ResponseWriter, r *http.Request, err error) {
	status, key := classify(err)
	if errors.Is(err, errNotSetUp) {
		// The normal state of a new installation, not a failure.
		s.log.InfoContext(r.Context(), "the public pages are closed until a privacy notice is published",
			"route", r.Pattern, "hint", "POST /api/v1/notices, then POST /api/v1/notices/{id}/publish (see the README)")
	} else if status >= 500 {
		s.log.ErrorContext(r.Context(), "web request failed", "request_id", httpx.RequestID(r.Context()),
			"method", r.Method, "route", r.Pattern, "error", err)
	}
	lang, _ := requestLang(r)
	p := &errorPage{basePage: s.base(r, lang, s.business()), MessageKey: key}
	if key == "error.link_expired" || key == "error.link_invalid" {
		p.HelpKey = "error.link_help"
	}
	w.Header().Set("Cache-Control", "no-store")
	s.render(w, r, status, p)
}

// requestLang is the language a request asks for (a form field or ?lang=),
// bokmål by default, and whether it asked at all.
func requestLang(r *http.Request) (string, bool) {
	switch strings.ToLower(formValue(r, "lang")) {
	case "en":
		return "en", true
	case "nb", "no":
		return "nb", true
	}
	return "nb", false
}

// clientIP is the address the per-IP limits count (httpx.ClientIP).
func (s *Server) clientIP(r *http.Request) string { return httpx.ClientIP(r, s.cfg.TrustedProxies) }
