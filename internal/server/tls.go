// SPDX-License-Identifier: AGPL-3.0-only

package server

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"time"
)

// Certificate is serve's TLS certificate, from a pair of PEM files that a
// rotation replaces in place: each handshake takes the current one, and the
// pair is read again when either file changed (checked at most once a
// second) or when Reload is called (on SIGHUP). A pair that does not load
// (half written, or a key that does not match) leaves the last good one in
// use and is logged; the first must load, or serve does not start.
type Certificate struct {
	certFile, keyFile string
	log               *slog.Logger
	// NowFunc is the clock of the change checks (default time.Now).
	NowFunc func() time.Time

	mu      sync.Mutex
	cert    *tls.Certificate
	stamp   string    // the files' sizes and modification times at the last load
	checked time.Time // when the files were last looked at
}

// LoadCertificate reads a certificate and its key: an error names the file
// that is missing or unreadable, or says that the pair does not match.
func LoadCertificate(certFile, keyFile string, log *slog.Logger) (*Certificate, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	c := &Certificate{certFile: certFile, keyFile: keyFile, log: log, NowFunc: time.Now}
	cert, stamp, err := c.load()
	if err != nil {
		return nil, err
	}
	c.cert, c.stamp, c.checked = cert, stamp, c.NowFunc()
	return c, nil
}

// StaticCertificate is a certificate given as PEM (SAMTYKKE_TLS_CERT and
// SAMTYKKE_TLS_KEY): fixed until a restart.
func StaticCertificate(certPEM, keyPEM []byte) (*Certificate, error) {
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return nil, fmt.Errorf("TLS certificate and key: %w", pairError(err))
	}
	return &Certificate{cert: &cert, log: slog.New(slog.DiscardHandler), NowFunc: time.Now}, nil
}

func (c *Certificate) load() (*tls.Certificate, string, error) {
	var stamp bytes.Buffer
	for _, f := range []string{c.certFile, c.keyFile} {
		fi, err := os.Stat(f)
		if err != nil {
			return nil, "", fmt.Errorf("TLS: %w", err)
		}
		fmt.Fprintf(&stamp, "%d/%d;", fi.Size(), fi.ModTime().UnixNano())
	}
	certPEM, err := os.ReadFile(c.certFile)
	if err != nil {
		return nil, "", fmt.Errorf("TLS certificate: %w", err)
	}
	keyPEM, err := os.ReadFile(c.keyFile)
	if err != nil {
		return nil, "", fmt.Errorf("TLS key: %w", err)
	}
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return nil, "", fmt.Errorf("TLS certificate %s and key %s: %w", c.certFile, c.keyFile, pairError(err))
	}
	return &cert, stamp.String(), nil
}

// pairError says plainly what the standard library's pair errors mean.
func pairError(err error) error {
	msg := err.Error()
	switch {
	case strings.Contains(msg, "does not match"):
		return errors.New("the private key does not match the certificate")
	case strings.Contains(msg, "failed to find"):
		return fmt.Errorf("not a PEM certificate and key: %w", err)
	}
	return err
}

// Reload reads the files again now; on an error the certificate in use stays.
func (c *Certificate) Reload() error {
	if c.certFile == "" {
		return nil
	}
	cert, stamp, err := c.load()
	c.mu.Lock()
	defer c.mu.Unlock()
	c.checked = c.NowFunc()
	if err != nil {
		c.log.Error("TLS certificate not reloaded; the one in use stays", "error", err)
		return err
	}
	if stamp != c.stamp {
		c.log.Info("TLS certificate reloaded", "not_after", cert.Leaf.NotAfter.UTC().Format(time.RFC3339))
	}
	c.cert, c.stamp = cert, stamp
	return nil
}

// current is the certificate in use, read again first when a file changed.
func (c *Certificate) current() *tls.Certificate {
	c.mu.Lock()
	due := c.certFile != "" && c.NowFunc().Sub(c.checked) >= time.Second
	if due {
		c.checked = c.NowFunc()
	}
	stamp := c.stamp
	c.mu.Unlock()
	if due && c.changed(stamp) {
		_ = c.Reload()
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.cert
}

func (c *Certificate) changed(stamp string) bool {
	var now bytes.Buffer
	for _, f := range []string{c.certFile, c.keyFile} {
		fi, err := os.Stat(f)
		if err != nil {
			return false // being replaced: the next look sees the new file
		}
		fmt.Fprintf(&now, "%d/%d;", fi.Size(), fi.ModTime().UnixNano())
	}
	return now.String() != stamp
}

// Leaf is the certificate in use, parsed.
func (c *Certificate) Leaf() *x509.Certificate { return c.current().Leaf }

// GetCertificate is tls.Config's hook: the current certificate.
func (c *Certificate) GetCertificate(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	return c.current(), nil
}

// TLSConfig is serve's TLS: 1.2 at least, Go's modern cipher suites and
// curves, HTTP/2, and the certificate of the moment.
func (c *Certificate) TLSConfig() *tls.Config {
	return &tls.Config{MinVersion: tls.VersionTLS12, GetCertificate: c.GetCertificate, NextProtos: []string{"h2", "http/1.1"}}
}
