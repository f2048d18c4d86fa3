// SPDX-License-Identifier: AGPL-3.0-only

package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/samtykke/samtykke/internal/store/storetest"
)

// TestCSRFToken: a form's token is signed for its action and its time, and
// accepted for a day (the cookieless CSRF defence described in csrf.go).
func TestCSRFToken(t *testing.T) {
	t.Parallel()
	s := testServer(t)
	s.cfg.CSRFKey = []byte(strings.Repeat("k", 32))
	now := time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
	good := s.csrfToken("/optin", now)
	if err := s.checkToken("/optin", good, now.Add(time.Hour)); err != nil {
		t.Fatalf("a fresh token is refused: %v", err)
	}
	if err := s.checkToken("/optin", s.csrfToken("/optin", now.Add(time.Minute)), now); err != nil {
		t.Fatalf("a token a minute ahead (another replica's clock) is refused: %v", err)
	}
	other := testServer(t)
	other.cfg.CSRFKey = []byte(strings.Repeat("j", 32))
	issued, mac, _ := strings.Cut(good, ".")
	for _, tc := range []struct {
		name, action, token string
		at                  time.Time
	}{
		{"empty", "/optin", "", now},
		{"no time", "/optin", mac, now},
		{"another form's token", "/optout", good, now},
		{"another key's token", "/optin", other.csrfToken("/optin", now), now},
		{"a day and a second old", "/optin", good, now.Add(csrfMaxAge + time.Second)},
		{"from the future", "/optin", s.csrfToken("/optin", now.Add(time.Hour)), now},
		{"time moved", "/optin", "1" + good, now},
		{"time spelled otherwise", "/optin", "+" + good, now},
		{"mac cut short", "/optin", good[:len(good)-2], now},
		{"mac padding bits set", "/optin", issued + "." + flipPadding(mac), now},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := s.checkToken(tc.action, tc.token, tc.at); err == nil {
				t.Fatalf("token %q for %s accepted", tc.token, tc.action)
			}
		})
	}
}

// flipPadding sets the unused low bits of the last character of the
// unpadded base64url string that ends s (after its last '.' or '/'): a lax
// decoder reads the same bytes from it.
func flipPadding(s string) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	n := len(s) - strings.LastIndexAny(s, "./") - 1
	unused := map[int]int{2: 4, 3: 2}[n%4] // 1 or 2 bytes in the last group
	i := strings.IndexByte(alphabet, s[len(s)-1])
	return s[:len(s)-1] + string(alphabet[i|(1<<unused-1)])
}

// TestCrossSitePostRefused: a POST that the browser says comes from another
// site, or whose Origin is another host, is refused with 403 before anything
// is read, even with a valid form token; it changes nothing (invariant 8).
func TestCrossSitePostRefused(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		tb := setup(t, b)
		host := strings.TrimPrefix(tb.srv.URL, "http://")
		post := func(form url.Values, headers map[string]string) response {
			req, _ := http.NewRequest(http.MethodPost, tb.srv.URL+"/optin", strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			for k, v := range headers {
				req.Header.Set(k, v)
			}
			return tb.do(tb.newClient(), req)
		}
		for _, tc := range []struct {
			name    string
			headers map[string]string
		}{
			{"Sec-Fetch-Site cross-site", map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"}},
			{"Sec-Fetch-Site same-site", map[string]string{"Sec-Fetch-Site": "same-site", "Origin": "https://shop." + host}},
			{"cross-site even with our Origin", map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": tb.srv.URL}},
			{"a foreign Origin, no Sec-Fetch-Site", map[string]string{"Origin": "https://evil.example"}},
			{"a null Origin, no Sec-Fetch-Site", map[string]string{"Origin": "null"}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				r := post(tb.optInForm("+47 481 23 456", "offers"), tc.headers)
				if r.status != http.StatusForbidden {
					t.Fatalf("status %d, want 403\n%s", r.status, r.body)
				}
				must(t, r.body, "Skjemaet ble sendt fra et annet nettsted")
				mustNot(t, r.body, "481")
			})
		}
		if n := tb.count("SELECT count(*) FROM consent_events"); n != 0 {
			t.Fatalf("%d consent events after cross-site POSTs", n)
		}
		if n := tb.count("SELECT count(*) FROM contacts"); n != 0 {
			t.Fatalf("%d contacts after cross-site POSTs", n)
		}
		// The same form from the page itself goes through, with no cookie.
		for i, headers := range []map[string]string{
			{"Sec-Fetch-Site": "same-origin", "Origin": tb.srv.URL},
			{"Origin": tb.srv.URL}, // a browser without Fetch Metadata
			{},                     // no browser at all
		} {
			form := tb.optInForm("+47 481 23 45"+string(rune('6'+i)), "offers")
			if r := post(form, headers); r.status != http.StatusOK || codeRE.FindString(r.body) == "" {
				t.Fatalf("same-origin POST %v = %d\n%s", headers, r.status, r.body)
			}
		}
	})
}
