// SPDX-License-Identifier: AGPL-3.0-only

package httpx

import (
	"net/http"
	"net/netip"
	"strconv"
	"strings"
)

// MaxRequestBody is the server-wide limit of a request body: the largest a
// route takes (webhooks, 1 MiB). Routes limit themselves further (the JSON
// API to MaxBody, the public forms to a few KiB); one that takes files says
// so through LimitBody's larger.
const MaxRequestBody = 1 << 20

// LimitBody refuses a body above max bytes, or larger(r) when that is not
// 0, before any handler reads it: 413 with a JSON error when the request
// declares its length, and a read that fails past the limit (the handler's
// own 413) when it does not. It is the limit of every listener, whatever
// route a request reaches, including none.
func LimitBody(max int64, larger func(*http.Request) int64, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		limit := max
		if larger != nil {
			if n := larger(r); n > 0 {
				limit = n
			}
		}
		if r.ContentLength > limit {
			w.Header().Set("Connection", "close")
			WriteJSON(w, http.StatusRequestEntityTooLarge, map[string]any{"error": map[string]any{
				"code": "too_large", "message": tooLarge(limit)}})
			return
		}
		if r.Body != nil && r.Body != http.NoBody {
			r.Body = http.MaxBytesReader(w, r.Body, limit)
		}
		next.ServeHTTP(w, r)
	})
}

func tooLarge(limit int64) string {
	return "the body is larger than " + strconv.FormatInt(limit, 10) + " bytes"
}

// RequestSecure reports whether a request reached samtykke over HTTPS:
// on its own TLS listener, or through a trusted reverse proxy (trusted, as
// SAMTYKKE_TRUSTED_PROXIES) that says so in X-Forwarded-Proto. A cookie
// set in answer to a secure request is Secure; HSTS is sent on it. The
// header of a client that is not a trusted proxy is never read.
func RequestSecure(r *http.Request, trusted []netip.Prefix) bool {
	if r.TLS != nil {
		return true
	}
	if len(trusted) == 0 {
		return false
	}
	peer, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil || !isTrusted(peer.Addr(), trusted) {
		return false
	}
	proto, _, _ := strings.Cut(r.Header.Get("X-Forwarded-Proto"), ",")
	return strings.EqualFold(strings.TrimSpace(proto), "https")
}

// HSTSValue is the Strict-Transport-Security header of a secure answer:
// a year, subdomains included.
const HSTSValue = "max-age=31536000; includeSubDomains"

// HSTS sends Strict-Transport-Security on every answer to a secure request
// (RequestSecure); a plain-HTTP answer never carries it, as browsers ignore
// it there and a development setup on http://localhost must stay reachable.
func HSTS(trusted []netip.Prefix, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if RequestSecure(r, trusted) {
			w.Header().Set("Strict-Transport-Security", HSTSValue)
		}
		next.ServeHTTP(w, r)
	})
}
