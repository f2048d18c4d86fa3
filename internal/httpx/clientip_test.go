// SPDX-License-Identifier: AGPL-3.0-only

package httpx_test

import (
	"net/http/httptest"
	"testing"

	"github.com/samtykke/samtykke/internal/httpx"
)

// TestClientIP: X-Forwarded-For is believed only from a trusted proxy, and
// only as far as the first hop that is not one; so the per-IP limits see
// each visitor behind a proxy, and no visitor can pick their own address.
func TestClientIP(t *testing.T) {
	t.Parallel()
	trusted, err := httpx.ParseProxies([]string{"10.0.0.0/8", "192.0.2.7", " "})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		remote  string
		xff     []string
		trusted bool
		want    string
	}{
		{"no proxies configured: the header is ignored", "203.0.113.9:5555", []string{"198.51.100.1"}, false, "203.0.113.9"},
		{"an untrusted peer's header is ignored", "203.0.113.9:5555", []string{"198.51.100.1"}, true, "203.0.113.9"},
		{"a trusted proxy names the client", "10.1.2.3:443", []string{"198.51.100.1"}, true, "198.51.100.1"},
		{"a client's forged entry is left of the real one", "10.1.2.3:443", []string{"1.2.3.4, 198.51.100.1"}, true, "198.51.100.1"},
		{"two trusted hops are walked through", "10.1.2.3:443", []string{"198.51.100.1, 192.0.2.7"}, true, "198.51.100.1"},
		{"several header lines count as one list", "10.1.2.3:443", []string{"1.2.3.4", "198.51.100.1, 10.9.9.9"}, true, "198.51.100.1"},
		{"garbage stops the walk at the hop that added it", "10.1.2.3:443", []string{"198.51.100.1, nonsense"}, true, "10.1.2.3"},
		{"a trusted proxy without the header is the client", "10.1.2.3:443", nil, true, "10.1.2.3"},
		{"IPv6 peer", "[2001:db8::1]:443", []string{"198.51.100.1"}, true, "2001:db8::1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := httptest.NewRequest("GET", "/optin", nil)
			r.RemoteAddr = tc.remote
			for _, v := range tc.xff {
				r.Header.Add("X-Forwarded-For", v)
			}
			tr := trusted
			if !tc.trusted {
				tr = nil
			}
			if got := httpx.ClientIP(r, tr); got != tc.want {
				t.Errorf("ClientIP = %s, want %s", got, tc.want)
			}
		})
	}
	for _, bad := range []string{"10.0.0.0/33", "proxy.local", "10.0.0"} {
		if _, err := httpx.ParseProxies([]string{bad}); err == nil {
			t.Errorf("ParseProxies(%q): no error", bad)
		}
	}
}
