// SPDX-License-Identifier: AGPL-3.0-only

package admin

import (
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/samtykke/samtykke/internal/app"
	"github.com/samtykke/samtykke/internal/httpx"
	"github.com/samtykke/samtykke/internal/staff"
)

// The admin UI's CSRF defence, on every unsafe method, before the handler:
//
//  1. The browser's word (http.CrossOriginProtection): a request that
//     Sec-Fetch-Site or Origin says comes from another site is refused.
//  2. The session cookie is SameSite=Lax: another site's POST carries none.
//  3. A token in each form (httpx.CSRF): HMAC(CSRFKey, the form's action,
//     its issue time, and the hash of the request's session cookie when it
//     has one), valid for the longest session. It ties each form to the
//     session it was served to: a token taken from another session, or
//     from before a login (which changes the cookie), is refused.
//
// A refused request is answered 403 and changes nothing.

const (
	maxForm   = 256 << 10 // the privacy notice editor posts thirteen sections
	csrfSkew  = 2 * time.Minute
	cookieTLS = "__Host-samtykke_session" // over https: Secure, Path=/, no Domain
	cookieRaw = "samtykke_session"        // plain http (a localhost without TLS)
)

func (s *Server) csrf() httpx.CSRF {
	return httpx.CSRF{Key: s.cfg.CSRFKey, MaxAge: staff.MaxSessionAge, Skew: csrfSkew}
}

// bind is what a form's token is bound to beside its action: the hash of
// the request's session cookie, or nothing before a login.
func (s *Server) bind(r *http.Request) string {
	c := s.cookie(r)
	if c == "" {
		return ""
	}
	return base64.RawURLEncoding.EncodeToString(staff.HashSecret(c))
}

// csrfField is the token of a form of this request posting to action.
func (s *Server) csrfField(r *http.Request, action string) string {
	return s.csrf().Token(action, s.bind(r), s.now())
}

// checkCSRF refuses a cross-origin request, then reads the form (at most
// maxForm bytes) and checks its token for the path it was posted to.
func (s *Server) checkCSRF(w http.ResponseWriter, r *http.Request) error {
	if err := s.crossOrigin.Check(r); err != nil {
		return &csrfError{key: "admin.error.cross_site", err: fmt.Errorf("%w: %w", app.ErrForbidden, err)}
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	if err := r.ParseForm(); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return httpx.Errorf(http.StatusRequestEntityTooLarge, "too_large", "the form is larger than %d bytes", maxForm)
		}
		return fmt.Errorf("%w: unreadable form", app.ErrInvalid)
	}
	if err := s.csrf().Check(r.URL.Path, s.bind(r), r.PostForm.Get("csrf"), s.now()); err != nil {
		return &csrfError{key: "admin.error.csrf", err: fmt.Errorf("%w: %w", app.ErrForbidden, err)}
	}
	return nil
}

// secure reports whether the browser reached samtykke over https: the
// connection is TLS, or a trusted proxy says so in X-Forwarded-Proto.
func (s *Server) secure(r *http.Request) bool {
	if r.TLS != nil {
		return true
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	peer, err := netip.ParseAddr(host)
	if err != nil {
		return false
	}
	trusted := false
	for _, p := range s.cfg.TrustedProxies {
		trusted = trusted || p.Contains(peer.Unmap())
	}
	return trusted && strings.EqualFold(strings.TrimSpace(r.Header.Get("X-Forwarded-Proto")), "https")
}

// cookieName is the session cookie's name for this request's scheme.
func (s *Server) cookieName(r *http.Request) string {
	if s.secure(r) {
		return cookieTLS
	}
	return cookieRaw
}

// cookie is the request's session secret; empty when it has none.
func (s *Server) cookie(r *http.Request) string {
	c, err := r.Cookie(s.cookieName(r))
	if err != nil || len(c.Value) > 200 {
		return ""
	}
	return c.Value
}

// setCookie gives the browser a session: HttpOnly, SameSite=Lax, Path=/,
// Secure (and named __Host-) over https; it lives as long as a session of
// its stage may (the server ends it sooner when idle).
func (s *Server) setCookie(w http.ResponseWriter, r *http.Request, res app.LoginResult) {
	life := staff.MaxSessionAge
	if res.Stage != staff.StageFull {
		life = staff.PendingTimeout
	}
	http.SetCookie(w, &http.Cookie{Name: s.cookieName(r), Value: res.Secret, Path: "/", HttpOnly: true,
		Secure: s.secure(r), SameSite: http.SameSiteLaxMode, MaxAge: int(life / time.Second)})
}

// clearCookie makes the browser forget its session.
func (s *Server) clearCookie(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: s.cookieName(r), Value: "", Path: "/", HttpOnly: true,
		Secure: s.secure(r), SameSite: http.SameSiteLaxMode, MaxAge: -1})
}
