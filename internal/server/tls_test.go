// SPDX-License-Identifier: AGPL-3.0-only

package server

import (
	"crypto/tls"
	"crypto/x509"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/samtykke/samtykke/internal/server/tlstest"
)

// serial makes a TLS handshake with addr, trusting any of certs, and
// returns the serial of the certificate the server showed.
func serial(t *testing.T, addr string, certs ...*x509.Certificate) int64 {
	t.Helper()
	pool := x509.NewCertPool()
	for _, c := range certs {
		pool.AddCert(c)
	}
	conn, err := tls.Dial("tcp", addr, &tls.Config{RootCAs: pool})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	return conn.ConnectionState().PeerCertificates[0].SerialNumber.Int64()
}

// serveTLS serves HTTPS with c as serve does, until the test ends.
func serveTLS(t *testing.T, c *Certificate) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.NotFoundHandler(), TLSConfig: c.TLSConfig(), ErrorLog: log.New(io.Discard, "", 0)}
	go srv.ServeTLS(ln, "", "") //nolint:errcheck
	t.Cleanup(func() { srv.Close() })
	return ln.Addr().String()
}

// clock is a settable clock for the change checks.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// TestCertificateRotation: serve's certificate is read again when its files
// change (at most a second after), and on Reload (SIGHUP), without a
// restart; a broken pair leaves the last good one in use (S-01).
func TestCertificateRotation(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	first := tlstest.Write(t, dir, 1)
	c, err := LoadCertificate(filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem"), nil)
	if err != nil {
		t.Fatal(err)
	}
	clk := &clock{now: time.Now()}
	c.NowFunc = clk.Now
	addr := serveTLS(t, c)
	if got := serial(t, addr, first); got != 1 {
		t.Fatalf("serial %d; want 1", got)
	}

	// Rotated on disk: seen once the check is due, not before.
	second := tlstest.Write(t, dir, 2)
	if got := serial(t, addr, first, second); got != 1 {
		t.Fatalf("serial %d within the second; want 1 still", got)
	}
	clk.add(time.Second)
	if got := serial(t, addr, first, second); got != 2 {
		t.Fatalf("serial %d after the files changed; want 2", got)
	}

	// Reload (SIGHUP) reads them at once.
	third := tlstest.Write(t, dir, 3)
	if err := c.Reload(); err != nil {
		t.Fatal(err)
	}
	if got := serial(t, addr, second, third); got != 3 {
		t.Fatalf("serial %d after Reload; want 3", got)
	}

	// A half-written rotation (a key of another certificate) is refused
	// and the certificate in use stays.
	key, _ := os.ReadFile(filepath.Join(dir, "key.pem"))
	tlstest.Write(t, dir, 4)
	if err := os.WriteFile(filepath.Join(dir, "key.pem"), key, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := c.Reload(); err == nil || !strings.Contains(err.Error(), "does not match") {
		t.Fatalf("Reload of a mismatched pair = %v; want an error saying so", err)
	}
	clk.add(2 * time.Second)
	if got := serial(t, addr, third); got != 3 {
		t.Fatalf("serial %d after a broken rotation; want 3 still", got)
	}
}

// TestTLSVersions: TLS 1.2 at least; 1.1 is refused.
func TestTLSVersions(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cert := tlstest.Write(t, dir, 1)
	c, err := LoadCertificate(filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem"), nil)
	if err != nil {
		t.Fatal(err)
	}
	addr := serveTLS(t, c)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	for _, v := range []struct {
		version uint16
		ok      bool
	}{{tls.VersionTLS11, false}, {tls.VersionTLS12, true}, {tls.VersionTLS13, true}} {
		conn, err := tls.Dial("tcp", addr, &tls.Config{RootCAs: pool, MinVersion: v.version, MaxVersion: v.version})
		if (err == nil) != v.ok {
			t.Errorf("TLS %x: %v; want ok %v", v.version, err, v.ok)
		}
		if conn != nil {
			conn.Close()
		}
	}
}

// TestCertificateRefused: a missing, unreadable or mismatched pair stops
// serve at its start with an error that says which.
func TestCertificateRefused(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	tlstest.Write(t, dir, 1)
	cert, key := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	other := t.TempDir()
	tlstest.Write(t, other, 2)
	garbage := filepath.Join(dir, "garbage.pem")
	if err := os.WriteFile(garbage, []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, cert, key, says string
	}{
		{"missing certificate", filepath.Join(dir, "none.pem"), key, "no such file"},
		{"missing key", cert, filepath.Join(dir, "none.pem"), "no such file"},
		{"mismatched", cert, filepath.Join(other, "key.pem"), "the private key does not match the certificate"},
		{"not PEM", garbage, key, "not a PEM certificate"},
	} {
		if _, err := LoadCertificate(c.cert, c.key, nil); err == nil || !strings.Contains(err.Error(), c.says) {
			t.Errorf("%s: %v; want an error saying %q", c.name, err, c.says)
		}
	}
	if os.Getuid() != 0 { // root reads any file
		unreadable := filepath.Join(dir, "unreadable.pem")
		if err := os.WriteFile(unreadable, []byte("x"), 0o000); err != nil {
			t.Fatal(err)
		}
		if _, err := LoadCertificate(unreadable, key, nil); err == nil || !strings.Contains(err.Error(), "permission denied") {
			t.Errorf("unreadable: %v", err)
		}
	}
}
