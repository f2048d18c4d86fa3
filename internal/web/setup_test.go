// SPDX-License-Identifier: AGPL-3.0-only

package web

import (
	"bytes"
	"context"
	"crypto/rand"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/samtykke/samtykke/internal/app"
	"github.com/samtykke/samtykke/internal/store/storetest"
	"github.com/samtykke/samtykke/internal/vault"
)

// lockedLog is a log sink safe for the server's goroutines.
type lockedLog struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}
func (l *lockedLog) String() string { l.mu.Lock(); defer l.mu.Unlock(); return l.b.String() }

// TestNotSetUpYet: before a privacy notice is published, /optin and
// /privacy say the service is not open yet (503), and the log carries an INFO
// hint on what to do, never an ERROR: it is the normal state of a new
// installation.
func TestNotSetUpYet(t *testing.T) {
	t.Parallel()
	master := make([]byte, vault.KeySize)
	_, _ = rand.Read(master)
	v, _ := vault.New(master)
	a := app.New(storetest.SQLite.Open(t), v, app.Config{PublicURL: publicURL}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	var logs lockedLog
	ws, err := New(a, Config{BusinessName: "Butikken AS", CSRFKey: master, Log: slog.New(slog.NewJSONHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	ws.Register(mux)
	srv := httptest.NewServer(mux)
	defer srv.Close()
	for _, path := range []string{"/optin", "/privacy", "/optin?lang=en"} {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusServiceUnavailable || len(body) == 0 {
			t.Errorf("GET %s before a notice is published: %d; want 503 with a page", path, resp.StatusCode)
		}
	}
	out := logs.String()
	if !strings.Contains(out, `"level":"INFO"`) || !strings.Contains(out, "privacy notice is published") || !strings.Contains(out, "/api/v1/notices") {
		t.Errorf("no INFO hint in the log: %s", out)
	}
	if strings.Contains(out, `"level":"ERROR"`) {
		t.Errorf("the normal not-set-up state was logged as an ERROR: %s", out)
	}

	// Issue 23, first run: a notice is published but no purpose is set up
	// yet: the pages answer without a server error, and nothing is logged
	// as an ERROR (nor anywhere in the not-set-up state).
	for _, lang := range []string{"nb", "en"} {
		n, err := a.CreateNotice(context.Background(), admin, completeNotice(lang, "Kort"))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.PublishNotice(context.Background(), admin, n.ID); err != nil {
			t.Fatal(err)
		}
	}
	for _, path := range []string{"/optin", "/optin?lang=en", "/privacy", "/rights"} {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode >= 500 && resp.StatusCode != http.StatusServiceUnavailable {
			t.Errorf("GET %s with a notice and no purpose: %d", path, resp.StatusCode)
		}
	}
	if out := logs.String(); strings.Contains(out, `"level":"ERROR"`) {
		t.Errorf("a notice without purposes was logged as an ERROR: %s", out)
	}
}
