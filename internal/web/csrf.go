// SPDX-License-Identifier: AGPL-3.0-only

package web

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/samtykke/samtykke/internal/app"
	"github.com/samtykke/samtykke/internal/httpx"
)

// maxForm is the largest form body a page accepts.
const maxForm = 16 << 10

// The CSRF defence of the public forms sets no cookie, so that the opt-in
// form also works inside another site's frame, where a browser sends no
// SameSite cookie (and often no third-party cookie at all). It has two parts:
//
//  1. The browser's own word (http.CrossOriginProtection): a POST whose
//     Sec-Fetch-Site is anything but same-origin (or none, typed by the
//     person), or, from a browser too old to send it, whose Origin is not this
//     host, is refused with 403. A form inside a frame is samtykke's own
//     document, so its POST is same-origin wherever the frame sits; another
//     site's form is cross-site. This is what refuses forged requests.
//  2. A stateless token in each form: HMAC(CSRFKey, action, issue time)
//     (httpx.CSRF, which the admin UI shares, binding its tokens to the session),
//     valid for csrfMaxAge. It names no person and anyone can fetch one with
//     the page; it proves that the POST answers a form samtykke served for
//     that action lately, so a request put together without loading a form
//     is refused and a page left open for days asks to be reloaded.
//
// Both are checked before the handler runs, so a refused POST changes nothing.

// csrfMaxAge is how long a form's token is accepted.
const csrfMaxAge = 24 * time.Hour

// csrfSkew is how far in the future a token's time may lie (replicas' clocks).
const csrfSkew = 2 * time.Minute

// csrf signs and checks the forms' tokens, bound to their action only.
func (s *Server) csrf() httpx.CSRF {
	return httpx.CSRF{Key: s.cfg.CSRFKey, MaxAge: csrfMaxAge, Skew: csrfSkew}
}

// csrfToken is the token of a form posting to action: "<unix time>.<mac>".
func (s *Server) csrfToken(action string, at time.Time) string { return s.csrf().Token(action, "", at) }

// csrfField is the hidden csrf field of a form whose action is the path action.
func (s *Server) csrfField(action string) string { return s.csrfToken(action, s.now()) }

// errCSRF is a token that is missing, altered, for another form or too old.
var errCSRF = httpx.ErrCSRF

// checkToken checks a form's token against the path it was posted to.
func (s *Server) checkToken(action, token string, now time.Time) error {
	return s.csrf().Check(action, "", token, now)
}

// checkCSRF refuses a cross-origin POST, then reads the form (at most
// maxForm bytes) and checks its token.
func (s *Server) checkCSRF(w http.ResponseWriter, r *http.Request) error {
	if err := s.crossOrigin.Check(r); err != nil {
		return withKey("error.cross_site", fmt.Errorf("%w: %w", app.ErrForbidden, err))
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	if err := r.ParseForm(); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return httpx.Errorf(http.StatusRequestEntityTooLarge, "too_large", "the form is larger than %d bytes", maxForm)
		}
		return fmt.Errorf("%w: unreadable form", app.ErrInvalid)
	}
	if err := s.checkToken(r.URL.Path, r.PostForm.Get("csrf"), s.now()); err != nil {
		return withKey("error.csrf", fmt.Errorf("%w: %w", app.ErrForbidden, err))
	}
	return nil
}
