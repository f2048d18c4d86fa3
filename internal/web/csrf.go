// SPDX-License-Identifier: AGPL-3.0-only

package web

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http"
)

// maxForm is the largest form body a page accepts.
const maxForm = 16 << 10

// CSRF is a signed double submit: the cookie holds a random nonce (HttpOnly,
// SameSite=Lax); each form carries HMAC(CSRFKey, nonce), which another site
// can neither read nor compute. A POST whose field does not match its
// cookie is refused before its handler runs, so it changes nothing.

const csrfNonceLen = 32

func (s *Server) csrfCookieName() string {
	if s.cfg.Secure {
		return "__Host-samtykke_csrf" // Secure, Path=/, no Domain: no subdomain can set it
	}
	return "samtykke_csrf"
}

// csrfMAC is the form field that belongs to a cookie's nonce.
func (s *Server) csrfMAC(nonce string) string {
	m := hmac.New(sha256.New, s.cfg.CSRFKey)
	m.Write([]byte("samtykke-csrf\x00" + nonce))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// csrfNonce is the request's nonce, when it has a well-formed one.
func (s *Server) csrfNonce(r *http.Request) (string, bool) {
	c, err := r.Cookie(s.csrfCookieName())
	if err != nil {
		return "", false
	}
	raw, err := base64.RawURLEncoding.DecodeString(c.Value)
	return c.Value, err == nil && len(raw) == csrfNonceLen
}

// csrfField is the value of a form's hidden csrf field; it sets the cookie
// when the browser has none yet.
func (s *Server) csrfField(w http.ResponseWriter, r *http.Request) string {
	nonce, ok := s.csrfNonce(r)
	if !ok {
		b := make([]byte, csrfNonceLen)
		_, _ = rand.Read(b)
		nonce = base64.RawURLEncoding.EncodeToString(b)
		http.SetCookie(w, &http.Cookie{Name: s.csrfCookieName(), Value: nonce, Path: "/",
			HttpOnly: true, Secure: s.cfg.Secure, SameSite: http.SameSiteLaxMode})
	}
	return s.csrfMAC(nonce)
}

// checkCSRF reads the form (at most maxForm bytes) and checks its token.
func (s *Server) checkCSRF(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	if err := r.ParseForm(); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return failf(http.StatusRequestEntityTooLarge, "error.too_large", err)
		}
		return failf(http.StatusBadRequest, "error.invalid", errors.New("unreadable form"))
	}
	nonce, ok := s.csrfNonce(r)
	field := r.PostForm.Get("csrf")
	if !ok || field == "" || !hmac.Equal([]byte(field), []byte(s.csrfMAC(nonce))) {
		return failf(http.StatusForbidden, "error.csrf", errors.New("missing or mismatched CSRF token"))
	}
	return nil
}
