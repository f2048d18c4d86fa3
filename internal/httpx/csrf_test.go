// SPDX-License-Identifier: AGPL-3.0-only

package httpx

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// TestCSRFBinding: a token bound to a session is accepted for that session
// and its route only, and an unbound token (the public pages') is not
// accepted for a session (the admin UI's forms, issue 22).
func TestCSRFBinding(t *testing.T) {
	t.Parallel()
	c := CSRF{Key: []byte(strings.Repeat("k", 32)), MaxAge: time.Hour, Skew: time.Minute}
	now := time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
	bound := c.Token("/admin/logout", "session-a", now)
	if err := c.Check("/admin/logout", "session-a", bound, now.Add(time.Minute)); err != nil {
		t.Fatalf("the session's own token: %v", err)
	}
	for name, tc := range map[string]struct{ action, bind, token string }{
		"another session":       {"/admin/logout", "session-b", bound},
		"no session":            {"/admin/logout", "", bound},
		"another route":         {"/admin/enrol", "session-a", bound},
		"unbound, in a session": {"/admin/logout", "session-a", c.Token("/admin/logout", "", now)},
	} {
		if err := c.Check(tc.action, tc.bind, tc.token, now); !errors.Is(err, ErrCSRF) {
			t.Errorf("%s: %v; want ErrCSRF", name, err)
		}
	}
	if err := c.Check("/admin/logout", "session-a", bound, now.Add(time.Hour+time.Second)); !errors.Is(err, ErrCSRF) {
		t.Errorf("past MaxAge: %v; want ErrCSRF", err)
	}
}
