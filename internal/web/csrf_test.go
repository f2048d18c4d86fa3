// SPDX-License-Identifier: AGPL-3.0-only

package web

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

func TestCSRF(t *testing.T) {
	t.Parallel()
	s := testServer(t)
	s.cfg.Secure = true
	s.cfg.CSRFKey = []byte(strings.Repeat("k", 32))

	// A browser without the cookie gets one: __Host-, Secure, HttpOnly, Lax.
	rec := httptest.NewRecorder()
	field := s.csrfField(rec, httptest.NewRequest(http.MethodGet, "/optin", nil))
	cookies := rec.Result().Cookies()
	if len(cookies) != 1 {
		t.Fatalf("cookies = %v", cookies)
	}
	c := cookies[0]
	if c.Name != "__Host-samtykke_csrf" || !c.Secure || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" {
		t.Fatalf("cookie = %+v", c)
	}
	post := func(cookie *http.Cookie, token string) error {
		body := url.Values{"csrf": {token}}.Encode()
		r := httptest.NewRequest(http.MethodPost, "/optin", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if cookie != nil {
			r.AddCookie(cookie)
		}
		return s.checkCSRF(httptest.NewRecorder(), r)
	}
	if err := post(c, field); err != nil {
		t.Fatalf("matching token refused: %v", err)
	}
	// A browser that has the cookie keeps it, and its token.
	r := httptest.NewRequest(http.MethodGet, "/optin", nil)
	r.AddCookie(c)
	rec = httptest.NewRecorder()
	if again := s.csrfField(rec, r); again != field || len(rec.Result().Cookies()) != 0 {
		t.Fatalf("second page: token %q (was %q), cookies %v", again, field, rec.Result().Cookies())
	}
	other := &http.Cookie{Name: c.Name, Value: strings.Repeat("A", 43)}
	for name, err := range map[string]error{
		"no cookie":        post(nil, field),
		"no field":         post(c, ""),
		"another cookie":   post(other, field),
		"bad cookie value": post(&http.Cookie{Name: c.Name, Value: "x"}, s.csrfMAC("x")),
		"cookie as field":  post(c, c.Value),
	} {
		if status, _ := classify(err); status != http.StatusForbidden {
			t.Errorf("%s: status %d, want 403", name, status)
		}
	}
	// Another key does not accept the token.
	s2 := testServer(t)
	s2.cfg.Secure, s2.cfg.CSRFKey = true, []byte(strings.Repeat("j", 32))
	if s2.csrfMAC(c.Value) == field {
		t.Fatal("the token does not depend on the key")
	}
}

func TestClientIP(t *testing.T) {
	t.Parallel()
	s := testServer(t)
	r := httptest.NewRequest(http.MethodPost, "/optin", nil)
	r.RemoteAddr = "192.0.2.7:5555"
	r.Header.Set("X-Forwarded-For", "203.0.113.1, 198.51.100.2")
	if ip := s.clientIP(r); ip != "192.0.2.7" {
		t.Fatalf("untrusted X-Forwarded-For: %q", ip)
	}
	s.cfg.TrustForwardedFor = true
	if ip := s.clientIP(r); ip != "198.51.100.2" {
		t.Fatalf("trusted X-Forwarded-For: %q", ip)
	}
	r.Header.Set("X-Forwarded-For", "garbage")
	if ip := s.clientIP(r); ip != "192.0.2.7" {
		t.Fatalf("unparsable X-Forwarded-For: %q", ip)
	}
}
