// SPDX-License-Identifier: AGPL-3.0-only

package cli

import (
	"encoding/base32"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/samtykke/samtykke/internal/staff"
)

// TestServeFirstRunSetup: serve on an empty data folder makes the first
// staff account, writes its login to a 0600 file (never to its output) and
// prints the setup page's URL; that login opens the setup page; a restart
// makes no second account; nothing is logged as an ERROR for the state of
// a new installation (issue 23 point 2).
func TestServeFirstRunSetup(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	srv := startServe(t, dir, nil)
	path := filepath.Join(dir, firstUserFile)
	if !strings.Contains(srv.stdout, srv.base+"/admin/setup") || !strings.Contains(srv.stdout, path) {
		t.Fatalf("serve did not print the setup URL and the login file:\n%s", srv.stdout)
	}
	info, err := os.Stat(path)
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("%s: %v; want mode 0600", path, err)
	}
	b, _ := os.ReadFile(path)
	m := regexp.MustCompile(`(?m)^password: (\S+)$`).FindSubmatch(b)
	if m == nil {
		t.Fatalf("no password in %s", path)
	}
	password := string(m[1])
	if strings.Contains(srv.stdout, password) || strings.Contains(srv.stderr.String(), password) {
		t.Fatal("the first password was printed")
	}
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	get := func(u string) (int, string) {
		resp, err := c.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	_, login := get(srv.base + "/admin/setup") // leads to the login
	token := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindStringSubmatch(login)
	if token == nil {
		t.Fatalf("no login form:\n%s", login)
	}
	resp, err := c.PostForm(srv.base+"/admin/login", url.Values{"name": {"admin"}, "password": {password}, "csrf": {token[1]}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	// The admin sets up a second factor first (S-02: admin 2FA): the page
	// shows the key, an authenticator's code confirms it.
	_, enrol := get(srv.base + "/admin/enrol")
	shown := regexp.MustCompile(`id="secret"[^>]*>([A-Z2-7 ]+)<`).FindStringSubmatch(enrol)
	token = regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindStringSubmatch(enrol)
	if shown == nil || token == nil {
		t.Fatalf("no enrolment form after the first login:\n%s", enrol)
	}
	key, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(strings.ReplaceAll(shown[1], " ", ""))
	if err != nil {
		t.Fatal(err)
	}
	code := staff.TOTPCode(key, staff.TOTPStep(time.Now()))
	resp, err = c.PostForm(srv.base+"/admin/enrol", url.Values{"code": {code}, "csrf": {token[1]}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if status, body := get(srv.base + "/admin/setup"); status != 200 || !strings.Contains(body, `name="org_number"`) {
		t.Fatalf("the setup page after the login: %d\n%s", status, body)
	}
	if code := srv.stop(); code != 0 {
		t.Fatalf("serve exited %d", code)
	}
	if strings.Contains(srv.stderr.String(), "level=ERROR") {
		t.Errorf("a new installation logged an ERROR:\n%s", srv.stderr.String())
	}
	again := startServe(t, dir, nil)
	defer again.stop()
	if strings.Contains(again.stdout, "/admin/setup") {
		t.Errorf("a restart made another first account:\n%s", again.stdout)
	}
}
