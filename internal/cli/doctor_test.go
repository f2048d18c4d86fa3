// SPDX-License-Identifier: AGPL-3.0-only

package cli

import (
	"crypto/rand"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/samtykke/samtykke/internal/server/tlstest"
)

// TestDoctor runs samtykke doctor on a real data folder, and against a fake
// Cloud API for the token check: each line OK or FAIL with its fix, exit 1
// on any FAIL, and no secret printed (issue 22 point 8).
func TestDoctor(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if code, _, stderr := run(t, nil, "migrate", "--data-dir", dir); code != 0 {
		t.Fatalf("migrate: exit %d: %s", code, stderr)
	}
	if code, _, stderr := run(t, nil, "token", "create", "--role", "admin", "--data-dir", dir); code != 0 { // records the key's fingerprint
		t.Fatalf("token create: exit %d: %s", code, stderr)
	}
	cloud := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v25.0/1234567890" {
			w.WriteHeader(http.StatusNotFound)
			_, _ = w.Write([]byte(`{"error":{"message":"Unsupported get request","code":100}}`))
			return
		}
		if r.Header.Get("Authorization") != "Bearer EAAG-good-token" {
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = w.Write([]byte(`{"error":{"message":"Invalid OAuth access token","code":190}}`))
			return
		}
		_, _ = w.Write([]byte(`{"display_phone_number":"+47 22 33 44 55","verified_name":"Butikken","id":"1234567890"}`))
	}))
	t.Cleanup(cloud.Close)
	wa := func(token, phoneID string) map[string]string {
		return map[string]string{"SAMTYKKE_WHATSAPP_BASE_URL": cloud.URL, "SAMTYKKE_WHATSAPP_TOKEN": token,
			"SAMTYKKE_WHATSAPP_PHONE_NUMBER_ID": phoneID, "SAMTYKKE_WHATSAPP_APP_SECRET": "app-secret-doc",
			"SAMTYKKE_WHATSAPP_VERIFY_TOKEN": "verify-doc", "SAMTYKKE_WHATSAPP_BUSINESS_NUMBER": "4722334455"}
	}
	blocker := filepath.Join(t.TempDir(), "a-file") // a journal "under" a file cannot be made
	if err := os.WriteFile(blocker, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	other := make([]byte, 32)
	_, _ = rand.Read(other)
	certs, wrong := t.TempDir(), t.TempDir()
	tlstest.Write(t, certs, 1)
	tlstest.Write(t, wrong, 2)
	tlsEnv := func(key string) map[string]string {
		return map[string]string{"SAMTYKKE_TLS_CERT_FILE": filepath.Join(certs, "cert.pem"), "SAMTYKKE_TLS_KEY_FILE": key}
	}
	for _, c := range []struct {
		name  string
		env   map[string]string
		dir   string
		code  int
		lines []string // each a line's start, in order
	}{
		{"the simulator", nil, dir, 0, []string{"OK   configuration", "OK   database", "OK   migrations", "OK   master key", "OK   erasures", "OK   whatsapp", "OK   webhook"}},
		{"an erasure journal that cannot be written", map[string]string{"SAMTYKKE_ERASURE_JOURNAL": filepath.Join(blocker, "erasures.jsonl")}, dir, 1,
			[]string{"OK   master key", "FAIL erasures      the erasure journal"}},
		{"a good token", wa("EAAG-good-token", "1234567890"), dir, 0, []string{"OK   whatsapp      the token reads phone number 1234567890", "OK   webhook"}},
		{"a refused token", wa("EAAG-expired", "1234567890"), dir, 1, []string{"FAIL whatsapp      the Cloud API refused the token (401, code 190)"}},
		{"a wrong phone-number id", wa("EAAG-good-token", "999"), dir, 1, []string{"FAIL whatsapp      reading phone number 999 answered 404"}},
		{"another master key", map[string]string{"SAMTYKKE_MASTER_KEY": base64.StdEncoding.EncodeToString(other)}, dir, 1,
			[]string{"OK   database", "FAIL master key    the master key"}},
		{"no database", nil, t.TempDir(), 1, []string{"OK   configuration", "FAIL database"}},
		{"a TLS certificate", tlsEnv(filepath.Join(certs, "key.pem")), dir, 0, []string{"OK   configuration", "OK   tls           certificate for 127.0.0.1 valid until"}},
		{"a TLS key of another certificate", tlsEnv(filepath.Join(wrong, "key.pem")), dir, 1,
			[]string{"FAIL tls           TLS certificate " + filepath.Join(certs, "cert.pem") + " and key " + filepath.Join(wrong, "key.pem") + ": the private key does not match the certificate"}},
		{"bad configuration", map[string]string{"SAMTYKKE_WHATSAPP_TOKEN": "EAAG-good-token"}, dir, 1, []string{"FAIL configuration"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			code, stdout, stderr := run(t, c.env, "doctor", "--data-dir", c.dir)
			if code != c.code {
				t.Errorf("exit %d, want %d; stdout:\n%s%s", code, c.code, stdout, stderr)
			}
			rest := "\n" + stdout
			for _, l := range c.lines {
				i := strings.Index(rest, "\n"+l)
				if i < 0 {
					t.Errorf("no line %q (in order) in:\n%s", l, stdout)
					continue
				}
				rest = rest[i+1:]
			}
			for _, s := range []string{"EAAG-good-token", "EAAG-expired", "app-secret-doc", "verify-doc"} {
				if strings.Contains(stdout+stderr, s) {
					t.Errorf("doctor printed a secret")
				}
			}
		})
	}
}
