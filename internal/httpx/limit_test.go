// SPDX-License-Identifier: AGPL-3.0-only

package httpx_test

import (
	"crypto/tls"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/samtykke/samtykke/internal/httpx"
)

// TestLimitBody: a body above the listener's limit is refused with 413 and
// a JSON error before the handler runs when its length is declared, and
// fails the handler's read past the limit when it is not (chunked); a route
// may take more (the import's files). S-01.
func TestLimitBody(t *testing.T) {
	t.Parallel()
	var ran bool
	h := httpx.LimitBody(10, func(r *http.Request) int64 {
		if r.URL.Path == "/files" {
			return 100
		}
		return 0
	}, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ran = true
		if _, err := io.ReadAll(r.Body); err != nil {
			var tooBig *http.MaxBytesError
			if !errors.As(err, &tooBig) {
				t.Errorf("read past the limit: %v; want *http.MaxBytesError", err)
			}
			w.WriteHeader(http.StatusRequestEntityTooLarge)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	for _, tc := range []struct {
		name, path, body string
		chunked          bool
		status           int
		handlerRan       bool
	}{
		{"within the limit", "/x", "0123456789", false, 204, true},
		{"declared above the limit", "/x", "0123456789a", false, 413, false},
		{"chunked above the limit", "/x", "0123456789a", true, 413, true},
		{"a route that takes more", "/files", strings.Repeat("a", 100), false, 204, true},
		{"above even that", "/files", strings.Repeat("a", 101), false, 413, false},
	} {
		ran = false
		r := httptest.NewRequest("POST", tc.path, strings.NewReader(tc.body))
		if tc.chunked {
			r.ContentLength = -1
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != tc.status || ran != tc.handlerRan {
			t.Errorf("%s: %d (handler ran %v); want %d (%v)", tc.name, w.Code, ran, tc.status, tc.handlerRan)
		}
		if w.Code == 413 && !tc.handlerRan {
			var e struct {
				Error struct{ Code, Message string } `json:"error"`
			}
			if err := json.Unmarshal(w.Body.Bytes(), &e); err != nil || e.Error.Code != "too_large" || !strings.Contains(e.Error.Message, "larger than") {
				t.Errorf("%s: body %s; want a too_large JSON error", tc.name, w.Body)
			}
		}
	}
}

// TestHSTS: Strict-Transport-Security goes with every answer to a request
// that came over HTTPS, on our own TLS or through a trusted proxy saying
// so; never on plain HTTP, nor because an untrusted client claims https.
func TestHSTS(t *testing.T) {
	t.Parallel()
	trusted, _ := httpx.ParseProxies([]string{"10.0.0.0/8"})
	h := httpx.HSTS(trusted, http.NotFoundHandler())
	for _, tc := range []struct {
		name, remote, proto string
		tls                 bool
		want                bool
	}{
		{"plain HTTP", "203.0.113.9:5555", "", false, false},
		{"our own TLS", "203.0.113.9:5555", "", true, true},
		{"a trusted proxy that terminated TLS", "10.1.2.3:443", "https", false, true},
		{"a trusted proxy on plain HTTP", "10.1.2.3:443", "http", false, false},
		{"an untrusted client's claim", "203.0.113.9:5555", "https", false, false},
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = tc.remote
		if tc.proto != "" {
			r.Header.Set("X-Forwarded-Proto", tc.proto)
		}
		if tc.tls {
			r.TLS = &tls.ConnectionState{}
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if got := w.Header().Get("Strict-Transport-Security") == httpx.HSTSValue; got != tc.want {
			t.Errorf("%s: HSTS %v; want %v", tc.name, got, tc.want)
		}
		if httpx.RequestSecure(r, trusted) != tc.want {
			t.Errorf("%s: RequestSecure = %v; want %v", tc.name, !tc.want, tc.want)
		}
	}
}
