// SPDX-License-Identifier: AGPL-3.0-only

package cli

import (
	"context"
	"errors"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/samtykke/samtykke/internal/app"
)

// TestTokenListAndRevoke: a token made with --expires lists with its dates
// and never its secret; revoking it by id refuses it at once; a second
// revocation, an unknown id and a bad expiry fail, saying why (S-02).
func TestTokenListAndRevoke(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if code, _, stderr := run(t, nil, "migrate", "--data-dir", dir); code != 0 {
		t.Fatalf("migrate: exit %d: %s", code, stderr)
	}
	code, secret, stderr := run(t, nil, "token", "create", "--role", "integrator", "--name", "nettbutikken", "--expires", "90d", "--data-dir", dir)
	if code != 0 {
		t.Fatalf("token create: exit %d: %s", code, stderr)
	}
	secret = strings.TrimSpace(secret)
	if code, _, stderr := run(t, nil, "token", "create", "--role", "auditor", "--data-dir", dir); code != 0 {
		t.Fatalf("token create: exit %d: %s", code, stderr)
	}
	code, list, stderr := run(t, nil, "token", "list", "--data-dir", dir)
	if code != 0 || strings.Contains(list, secret) {
		t.Fatalf("token list: exit %d (%s), or the secret is shown", code, stderr)
	}
	lines := strings.Split(strings.TrimSpace(list), "\n")
	if len(lines) != 3 || !regexp.MustCompile(`^ID\s+ROLE\s+NAME\s+CREATED\s+EXPIRES\s+REVOKED$`).MatchString(lines[0]) {
		t.Fatalf("token list = %q; want a header and two tokens", list)
	}
	f := strings.Fields(lines[1])
	created, err1 := time.Parse(time.RFC3339, f[3])
	expires, err2 := time.Parse(time.RFC3339, f[4])
	if f[1] != "integrator" || f[2] != "nettbutikken" || err1 != nil || err2 != nil || expires.Sub(created) != 90*24*time.Hour || f[5] != "-" {
		t.Errorf("first token's line = %q; want integrator nettbutikken, expiring 90 days after creation, not revoked", lines[1])
	}
	if g := strings.Fields(lines[2]); g[1] != "auditor" || g[4] != "never" {
		t.Errorf("second token's line = %q; want an auditor's that never expires", lines[2])
	}

	sys := openData(t, map[string]string{"SAMTYKKE_DATA_DIR": dir})
	if _, err := sys.app.Authenticate(context.Background(), secret); err != nil {
		t.Fatalf("the new token: %v", err)
	}
	sys.store.Close()
	id := f[0]
	code, out, stderr := run(t, nil, "token", "revoke", id, "--data-dir", dir)
	if code != 0 || !strings.Contains(out, "revoked token "+id) {
		t.Fatalf("token revoke: exit %d, %q, %s", code, out, stderr)
	}
	sys = openData(t, map[string]string{"SAMTYKKE_DATA_DIR": dir})
	if _, err := sys.app.Authenticate(context.Background(), secret); !errors.Is(err, app.ErrUnauthenticated) {
		t.Errorf("the revoked token: %v, want ErrUnauthenticated", err)
	}
	sys.store.Close()
	if _, list, _ := run(t, nil, "token", "list", "--data-dir", dir); strings.Fields(strings.Split(list, "\n")[1])[5] == "-" {
		t.Errorf("after revoking, the list shows no revocation: %q", list)
	}
	for _, c := range []struct {
		args []string
		code int
		err  string
	}{
		{[]string{"token", "revoke", id, "--data-dir", dir}, 1, "revoked already"},
		{[]string{"token", "revoke", "nope", "--data-dir", dir}, 1, "not found"},
		{[]string{"token", "revoke", "--data-dir", dir}, 2, "which token?"},
		{[]string{"token", "create", "--role", "dpo", "--expires", "soon", "--data-dir", dir}, 1, "expiry"},
		{[]string{"token", "create", "--role", "dpo", "--expires", "-3d", "--data-dir", dir}, 1, "expiry"},
	} {
		code, _, stderr := run(t, nil, c.args...)
		if code != c.code || !strings.Contains(stderr, c.err) {
			t.Errorf("%q: exit %d, %q; want %d naming %q", c.args, code, stderr, c.code, c.err)
		}
	}
}

// TestSecretsNeverLogged runs serve at debug level with every secret set
// and sends it requests with a wrong token, the metrics token and a staff
// token: neither its output nor its log holds any secret (S-01).
func TestSecretsNeverLogged(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	secrets := map[string]string{
		"SAMTYKKE_METRICS_TOKEN":         "metrics-secret-5f1c",
		"SAMTYKKE_WHATSAPP_APP_SECRET":   "app-secret-77ab",
		"SAMTYKKE_WHATSAPP_VERIFY_TOKEN": "verify-token-91de",
		"SAMTYKKE_MASTER_KEY":            "ZTdWNZSh36rieNiWYJN++pXNa3/wBDod/aJXTfMOcNs=",
	}
	env := map[string]string{"SAMTYKKE_LOG_LEVEL": "debug", "SAMTYKKE_TRUSTED_PROXIES": "127.0.0.1"}
	for k, v := range secrets {
		env[k] = v
	}
	srv := startServe(t, dir, env)
	secrets["first-run admin token"] = srv.token
	for _, c := range []struct{ path, token string }{
		{"/metrics", secrets["SAMTYKKE_METRICS_TOKEN"]},
		{"/metrics", "stk_wrong-metrics-guess"},
		{"/api/v1/tokens", srv.token},
		{"/api/v1/purposes", "stk_not-a-real-token-4242"},
		{"/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token=" + secrets["SAMTYKKE_WHATSAPP_VERIFY_TOKEN"] + "&hub.challenge=1", ""},
	} {
		req, _ := http.NewRequest("GET", srv.base+c.path, nil)
		if c.token != "" {
			req.Header.Set("Authorization", "Bearer "+c.token)
		}
		req.Header.Set("X-Forwarded-For", "198.51.100.1")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	if code := srv.stop(); code != 0 {
		t.Fatalf("serve exited %d", code)
	}
	out := srv.stdout + srv.stderr.String()
	if !strings.Contains(out, "level=DEBUG") && !strings.Contains(out, "msg=request") {
		t.Fatalf("serve logged no requests; the check proves nothing")
	}
	for name, v := range secrets {
		if v == "" {
			t.Fatalf("%s is empty", name)
		}
		if strings.Contains(out, v) {
			t.Errorf("serve's output holds %s", name)
		}
	}
	if strings.Contains(out, "stk_not-a-real-token-4242") || strings.Contains(out, "stk_wrong-metrics-guess") {
		t.Error("serve's output holds a token a client sent")
	}
}
