// SPDX-License-Identifier: AGPL-3.0-only

package cli

import (
	"crypto/tls"
	"crypto/x509"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/samtykke/samtykke/internal/server/tlstest"
)

// TestServeTLS: with SAMTYKKE_TLS_CERT_FILE and SAMTYKKE_TLS_KEY_FILE serve
// answers HTTPS only, sends HSTS, and takes a rotated certificate without a
// restart; a missing or mismatched pair stops it at the start, saying which
// (S-01).
func TestServeTLS(t *testing.T) {
	t.Parallel()
	dir, certs := t.TempDir(), t.TempDir()
	first := tlstest.Write(t, certs, 1)
	env := map[string]string{"SAMTYKKE_TLS_CERT_FILE": filepath.Join(certs, "cert.pem"), "SAMTYKKE_TLS_KEY_FILE": filepath.Join(certs, "key.pem")}
	srv := startServe(t, dir, env)
	defer srv.stop()
	if !strings.HasPrefix(srv.base, "https://127.0.0.1:") {
		t.Fatalf("serve runs on %s; want https", srv.base)
	}
	pool := x509.NewCertPool()
	pool.AddCert(first)
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}, ForceAttemptHTTP2: true}}
	resp, err := client.Get(srv.base + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Strict-Transport-Security"), "max-age=") || resp.ProtoMajor != 2 {
		t.Fatalf("GET /healthz over TLS: %d %s, HSTS %q; want 200 over HTTP/2 with HSTS", resp.StatusCode, resp.Proto, resp.Header.Get("Strict-Transport-Security"))
	}
	// Plain HTTP on the TLS address is not served.
	if resp, err := http.Get("http://" + strings.TrimPrefix(srv.base, "https://") + "/healthz"); err == nil {
		resp.Body.Close()
		if resp.StatusCode == 200 {
			t.Fatal("plain HTTP answered on the TLS address")
		}
	}

	// A rotation in place is picked up within a few seconds, no restart.
	second := tlstest.Write(t, certs, 2)
	pool.AddCert(second)
	addr := strings.TrimPrefix(srv.base, "https://")
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		conn, err := tls.Dial("tcp", addr, &tls.Config{RootCAs: pool})
		if err != nil {
			t.Fatal(err)
		}
		got := conn.ConnectionState().PeerCertificates[0].SerialNumber.Int64()
		conn.Close()
		if got == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("still certificate %d after the rotation", got)
		}
	}

	other := t.TempDir()
	tlstest.Write(t, other, 3)
	for _, c := range []struct {
		name string
		env  map[string]string
		says string
	}{
		{"mismatched", map[string]string{"SAMTYKKE_TLS_CERT_FILE": env["SAMTYKKE_TLS_CERT_FILE"], "SAMTYKKE_TLS_KEY_FILE": filepath.Join(other, "key.pem")},
			"the private key does not match the certificate"},
		{"missing", map[string]string{"SAMTYKKE_TLS_CERT_FILE": filepath.Join(other, "none.pem"), "SAMTYKKE_TLS_KEY_FILE": filepath.Join(other, "key.pem")},
			"no such file"},
		{"a certificate without its key", map[string]string{"SAMTYKKE_TLS_CERT_FILE": env["SAMTYKKE_TLS_CERT_FILE"]},
			"SAMTYKKE_TLS_CERT_FILE and SAMTYKKE_TLS_KEY_FILE go together"},
	} {
		code, stdout, stderr := run(t, c.env, "serve", "--addr", "127.0.0.1:0", "--sim-addr", "127.0.0.1:0", "--data-dir", t.TempDir())
		if code == 0 || !strings.Contains(stderr, c.says) || strings.Contains(stdout, "running on") {
			t.Errorf("%s: exit %d, stderr %q; want a refusal saying %q", c.name, code, stderr, c.says)
		}
	}
}
