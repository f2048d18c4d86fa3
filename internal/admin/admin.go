// SPDX-License-Identifier: AGPL-3.0-only

// Package admin serves the staff UI under /admin (API.md "Staff UI"): the
// login of staff accounts with their second factor, the enrolment of one,
// logout, and the home page; the UI's other pages will grow here (issue 23).
// Pages are server-rendered in the public pages' look (style.Layout), in
// bokmål by default and English with ?lang=en, work without JavaScript and
// are never cached. Handlers behind the session middleware get the Actor
// (ActorFrom); every unsafe method is checked for CSRF before its handler
// runs (csrf.go).
package admin

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/netip"
	"time"

	"github.com/samtykke/samtykke/internal/app"
	"github.com/samtykke/samtykke/internal/httpx"
	"github.com/samtykke/samtykke/internal/pageview"
	"github.com/samtykke/samtykke/internal/staff"
)

// Config is what the admin UI needs besides the app.
type Config struct {
	// BusinessName is the controller's name in the pages' header should the
	// app name none; they show the app's (Controller().Name), which follows
	// the first run's setting on every replica.
	BusinessName string
	// CSRFKey signs the forms' tokens; at least 32 bytes, the same on every
	// replica (the vault's CSRF key).
	CSRFKey []byte
	// TrustedProxies are the reverse proxies whose X-Forwarded-For names
	// the client (the login limits count it) and whose X-Forwarded-Proto
	// says the browser's connection is https (the cookie is then Secure).
	TrustedProxies []netip.Prefix
	// Log receives one line per failed (5xx) request; nil discards.
	Log *slog.Logger
}

// Server serves the admin UI.
type Server struct {
	app         *app.App
	cfg         Config
	log         *slog.Logger
	views       *pageview.Set
	crossOrigin *http.CrossOriginProtection
	clock       func() time.Time // the CSRF tokens' clock
}

// New parses the templates; it fails on a missing or unregistered one.
func New(a *app.App, cfg Config) (*Server, error) {
	if a == nil {
		return nil, errors.New("admin: no app")
	}
	if len(cfg.CSRFKey) < 32 {
		return nil, errors.New("admin: CSRFKey must be at least 32 bytes")
	}
	s := &Server{app: a, cfg: cfg, log: cfg.Log, crossOrigin: http.NewCrossOriginProtection(), clock: time.Now}
	if s.log == nil {
		s.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	var err error
	if s.views, err = parseViews(); err != nil {
		return nil, err
	}
	return s, nil
}

// route is one entry of the routing table; a handler that needs a full
// session is wrapped by authed.
type route struct {
	pattern string
	handler func(w http.ResponseWriter, r *http.Request) error
}

func (s *Server) routes() []route {
	return []route{
		{"GET /admin", s.authed(s.home)},
		{"GET /admin/login", s.loginForm},
		{"POST /admin/login", s.loginSubmit},
		{"GET /admin/login/code", s.codeForm},
		{"POST /admin/login/code", s.codeSubmit},
		{"GET /admin/enrol", s.enrolForm},
		{"POST /admin/enrol", s.enrolSubmit},
		{"POST /admin/logout", s.logout},
	}
}

// Register adds the admin UI to mux.
func (s *Server) Register(mux *http.ServeMux) {
	for _, rt := range s.routes() {
		mux.Handle(rt.pattern, s.wrap(rt.handler))
	}
}

// wrap sets the security headers (never cached, never framed), refuses an
// unsafe method from another site or without its form's token before the
// handler runs, and renders any error the handler returns.
func (s *Server) wrap(h func(w http.ResponseWriter, r *http.Request) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Cache-Control", "no-store")
		hd.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; "+
			"form-action 'self'; base-uri 'none'; object-src 'none'; frame-ancestors 'none'")
		hd.Set("X-Frame-Options", "DENY")
		hd.Set("Referrer-Policy", "same-origin")
		hd.Set("X-Content-Type-Options", "nosniff")
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			if err := s.checkCSRF(w, r); err != nil {
				s.serveError(w, r, err)
				return
			}
		}
		if err := h(w, r); err != nil {
			s.serveError(w, r, err)
		}
	})
}

type ctxKey struct{}

// ActorFrom is the staff account a request behind the session middleware
// acts as.
func ActorFrom(ctx context.Context) (app.Actor, bool) {
	a, ok := ctx.Value(ctxKey{}).(app.Actor)
	return a, ok
}

// authed is the session middleware: h runs with the Actor of the request's
// full session in its context (ActorFrom). Without one the browser goes to
// the login, or to the step its session waits for.
func (s *Server) authed(h func(w http.ResponseWriter, r *http.Request) error) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		info, err := s.app.Session(r.Context(), s.cookie(r))
		if errors.Is(err, app.ErrUnauthenticated) {
			s.redirect(w, r, "/admin/login")
			return nil
		} else if err != nil {
			return err
		}
		switch info.Stage {
		case staff.StageTOTP:
			s.redirect(w, r, "/admin/login/code")
			return nil
		case staff.StageEnrol:
			s.redirect(w, r, "/admin/enrol")
			return nil
		}
		actor := app.Actor{ID: info.User.ID, Name: info.User.Name, Role: info.User.Role, User: true,
			RequestID: httpx.RequestID(r.Context())}
		return h(w, r.WithContext(context.WithValue(r.Context(), ctxKey{}, actor)))
	}
}

// redirect sends the browser to a path of the UI in the request's language
// (303: a POST is followed by a GET).
func (s *Server) redirect(w http.ResponseWriter, r *http.Request, path string) {
	lang, explicit := requestLang(r)
	if explicit && lang == "en" {
		path += "?lang=en"
	}
	http.Redirect(w, r, path, http.StatusSeeOther)
}

// errorKeys are the words of the error page for each code of httpx's table.
var errorKeys = map[string]string{
	"unauthenticated": "admin.error.session",
	"forbidden":       "admin.error.forbidden",
	"rate_limited":    "admin.login.locked",
	"too_large":       "admin.error.invalid",
	"invalid_input":   "admin.error.invalid",
	"refused":         "admin.error.invalid",
	"not_found":       "admin.error.not_found",
}

// csrfError is a form refused for its CSRF token or its origin, with the
// words the person reads.
type csrfError struct {
	key string
	err error
}

func (e *csrfError) Error() string { return e.err.Error() }
func (e *csrfError) Unwrap() error { return e.err }

// serveError renders the error page in the request's language with the
// status of httpx's table, and logs a 5xx once, here, with the route
// pattern (never the path, the form or the cookie).
func (s *Server) serveError(w http.ResponseWriter, r *http.Request, err error) {
	e := httpx.Classify(err)
	key, ok := errorKeys[e.Code]
	var ce *csrfError
	switch {
	case errors.As(err, &ce):
		key = ce.key
	case e.Status >= 500 || !ok:
		key = "admin.error.internal"
	}
	if e.Status >= 500 {
		s.log.ErrorContext(r.Context(), "admin request failed", "request_id", httpx.RequestID(r.Context()),
			"method", r.Method, "route", r.Pattern, "error", err)
	}
	s.render(w, r, e.Status, &errorPage{basePage: s.base(r), MessageKey: key})
}

// clientIP is the address the login limits count.
func (s *Server) clientIP(r *http.Request) string { return httpx.ClientIP(r, s.cfg.TrustedProxies) }

func (s *Server) now() time.Time { return s.clock() }
