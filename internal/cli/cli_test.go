// SPDX-License-Identifier: AGPL-3.0-only

package cli

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"github.com/samtykke/samtykke/internal/app"
	"github.com/samtykke/samtykke/internal/config"
	"github.com/samtykke/samtykke/internal/consent"
	"github.com/samtykke/samtykke/internal/ledger"
	"github.com/samtykke/samtykke/internal/notice"
	"github.com/samtykke/samtykke/internal/server"
	"github.com/samtykke/samtykke/internal/staff"
	"github.com/samtykke/samtykke/internal/whatsapp"
	"github.com/samtykke/samtykke/internal/whatsapp/sim"
)

// run calls Main as a shell would, with only the given environment.
func run(t *testing.T, env map[string]string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = Main(context.Background(), args, func(k string) string { return env[k] }, &out, &errb)
	return code, out.String(), errb.String()
}

func TestUsageAndBadInput(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cases := []struct {
		name string
		args []string
		env  map[string]string
		code int
		err  string
	}{
		{"no command", nil, nil, 2, "usage"},
		{"unknown command", []string{"frobnicate"}, nil, 2, "unknown command"},
		{"unknown flag", []string{"migrate", "--nope", "--data-dir", dir}, nil, 2, "flag provided but not defined"},
		{"bad database url", []string{"migrate", "--database-url", "mysql://x"}, nil, 2, "must start with postgres://"},
		{"bad min age", []string{"migrate", "--data-dir", dir}, map[string]string{"SAMTYKKE_MIN_AGE": "9"}, 2, "SAMTYKKE_MIN_AGE"},
		{"bad tag declaration", []string{"migrate", "--data-dir", dir},
			map[string]string{"SAMTYKKE_TAGS": `[{"key":"VIP","description":{"nb":"a","en":"b"}}]`}, 2, `SAMTYKKE_TAGS: invalid tag declaration: tag "VIP"`},
		{"token without create", []string{"token"}, nil, 2, "usage"},
		{"token with unknown role", []string{"token", "create", "--role", "king", "--data-dir", dir}, nil, 1, "unknown role"},
		{"ledger without verify", []string{"ledger"}, nil, 2, "usage"},
	}
	for _, c := range cases {
		code, _, stderr := run(t, c.env, c.args...)
		if code != c.code || !strings.Contains(stderr, c.err) {
			t.Errorf("%s: exit %d, stderr %q; want exit %d mentioning %q", c.name, code, stderr, c.code, c.err)
		}
	}
}

func TestTokenCreatePrintsTheTokenAlone(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if code, _, stderr := run(t, nil, "migrate", "--data-dir", dir); code != 0 {
		t.Fatalf("migrate: exit %d: %s", code, stderr)
	}
	code, stdout, stderr := run(t, nil, "token", "create", "--role", "dpo", "--name", "Kari (DPO)", "--data-dir", dir)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !regexp.MustCompile(`^stk_[A-Za-z0-9_-]{43}\n$`).MatchString(stdout) {
		t.Fatalf("stdout = %q; want the token alone on one line", stdout)
	}
	info, err := os.Stat(filepath.Join(dir, "master.key"))
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("master.key: %v, mode %v; want 0600", err, info.Mode().Perm())
	}
	db, err := os.Stat(filepath.Join(dir, "samtykke.db"))
	if err != nil || db.Mode().Perm() != 0o600 {
		t.Fatalf("samtykke.db: %v, mode %v; want 0600", err, db.Mode().Perm())
	}
}

func TestConfigDumpRedactsSecrets(t *testing.T) {
	t.Parallel()
	env := map[string]string{"SAMTYKKE_DATABASE_URL": "postgres://u:hunter2@db/x", "SAMTYKKE_WHATSAPP_TOKEN": "EAAGsecret",
		"SAMTYKKE_WHATSAPP_PHONE_NUMBER_ID": "1", "SAMTYKKE_WHATSAPP_APP_SECRET": "appsecret", "SAMTYKKE_WHATSAPP_VERIFY_TOKEN": "vt",
		"SAMTYKKE_WHATSAPP_BUSINESS_NUMBER": "4722334455"}
	code, stdout, stderr := run(t, env, "config")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, secret := range []string{"hunter2", "EAAGsecret", "appsecret"} {
		if strings.Contains(stdout, secret) {
			t.Errorf("config dump shows the secret %q", secret)
		}
	}
	if !strings.Contains(stdout, "SAMTYKKE_DATABASE_URL=[redacted]") || !strings.Contains(stdout, "SAMTYKKE_WHATSAPP_PHONE_NUMBER_ID=1") {
		t.Errorf("dump = %s", stdout)
	}
}

// populate writes a purpose, a notice and a few consents into the data folder
// through the app, as the service would.
func populate(t *testing.T, dir string) (contactID string, events []string) {
	t.Helper()
	ctx := context.Background()
	cfg, err := config.Load(func(k string) string { return map[string]string{"SAMTYKKE_DATA_DIR": dir}[k] }, nil)
	if err != nil {
		t.Fatal(err)
	}
	sys, err := open(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), setUp)
	if err != nil {
		t.Fatal(err)
	}
	defer sys.store.Close()
	a, admin := sys.app, app.Actor{Name: "test", Role: staff.Admin}
	if _, err := a.CreatePurpose(ctx, admin, consent.Purpose{Key: "offers", Channel: consent.WhatsApp, Basis: consent.BasisConsent,
		RetentionDays: 30, Description: consent.Text{NB: "Tilbud", EN: "Offers"}}); err != nil {
		t.Fatal(err)
	}
	n := notice.Notice{Language: "nb", Summary: "Kort"}
	for _, it := range notice.Required {
		n.Sections = append(n.Sections, notice.Section{Item: it, Body: "tekst"})
	}
	n, err = a.CreateNotice(ctx, admin, n)
	if err == nil {
		_, err = a.PublishNotice(ctx, admin, n.ID)
	}
	if err != nil {
		t.Fatal(err)
	}
	for _, number := range []string{"+47 912 34 567", "+47 412 34 567"} {
		rec, err := a.RecordConsent(ctx, admin, app.ConsentInput{Subject: app.Subject{Phone: number}, Purpose: "offers",
			Method: "web_form", CollectedAt: time.Now().Add(-time.Minute), AgeConfirmed: true,
			Evidence: ledger.Evidence{AffirmativeAct: "checkbox", WordingHash: "h", ConfirmationChannel: "whatsapp", ConfirmationMessageID: "wamid.1"}})
		if err != nil {
			t.Fatal(err)
		}
		contactID = rec.ContactID
	}
	if _, err := a.Withdraw(ctx, admin, app.WithdrawInput{Subject: app.Subject{ContactID: contactID}, Purpose: "all"}); err != nil {
		t.Fatal(err)
	}
	es, _ := sys.store.Events(ctx, contactID)
	for _, e := range es {
		events = append(events, e.ID)
	}
	return contactID, events
}

// TestLedgerVerifyOnTamperedFile edits, deletes and reorders events in the
// real SQLite file behind samtykke's back; `samtykke ledger verify` must exit
// non-zero and name the first bad event (invariant 3, L-02). It also edits
// the state derived from the ledger with every chain left intact: a
// withdrawn consent set back to active, a consent state deleted, the
// suppression list emptied; verify must name the contact and the purpose
// (invariant 11).
func TestLedgerVerifyOnTamperedFile(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		tamper func(contactID string, events []string) []string
		names  func(contactID string, events []string) string
	}{
		{"edited", func(_ string, e []string) []string {
			return []string{`UPDATE consent_events SET kind = 'confirmed' WHERE id = '` + e[1] + `'`}
		}, func(_ string, e []string) string { return e[1] }},
		{"deleted", func(_ string, e []string) []string {
			return []string{`DELETE FROM consent_events WHERE id = '` + e[0] + `'`}
		}, func(_ string, e []string) string { return e[1] }},
		{"reordered", func(_ string, e []string) []string {
			return []string{`UPDATE consent_events SET seq = -1 WHERE id = '` + e[0] + `'`,
				`UPDATE consent_events SET seq = 1 WHERE id = '` + e[1] + `'`, `UPDATE consent_events SET seq = 2 WHERE id = '` + e[0] + `'`}
		}, func(_ string, e []string) string { return e[1] }},
		{"withdrawn consent set back to active", func(id string, _ []string) []string {
			return []string{`UPDATE consent_states SET status = 'active', basis = 'consent' WHERE contact_id = '` + id + `'`}
		}, func(id string, _ []string) string { return "contact " + id + " purpose offers: " }},
		{"consent state deleted", func(id string, _ []string) []string {
			return []string{`DELETE FROM consent_states WHERE contact_id = '` + id + `'`}
		}, func(id string, _ []string) string { return "contact " + id + " purpose offers: " }},
		{"suppression list emptied", func(string, []string) []string {
			return []string{`DELETE FROM suppressions`}
		}, func(id string, e []string) string { return "contact " + id + " event " + e[1] }},
		// The access log's chain (invariant 6): an entry's reason edited.
		{"access log entry edited", func(string, []string) []string {
			return []string{`DROP TRIGGER access_log_no_update`, `UPDATE access_log SET reason = 'routine' WHERE seq = 1`}
		}, func(string, []string) string { return "access log: entry " }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			contactID, events := populate(t, dir)
			code, stdout, stderr := run(t, nil, "ledger", "verify", "--data-dir", dir)
			if code != 0 || !strings.Contains(stdout, "3 events") || !strings.Contains(stdout, "2 consent states and 1 suppressions checked") ||
				!strings.Contains(stdout, "access log verifies: ") {
				t.Fatalf("untampered: exit %d, %s %s", code, stdout, stderr)
			}
			db, err := sql.Open("sqlite", filepath.Join(dir, "samtykke.db"))
			if err != nil {
				t.Fatal(err)
			}
			for _, q := range append([]string{`DROP TRIGGER consent_events_no_update`, `DROP TRIGGER consent_events_no_delete`}, c.tamper(contactID, events)...) {
				if _, err := db.Exec(q); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
			db.Close()
			code, stdout, _ = run(t, nil, "ledger", "verify", "--data-dir", dir)
			if want := c.names(contactID, events); code != 1 || !strings.Contains(stdout, "does NOT verify") || !strings.Contains(stdout, want) {
				t.Fatalf("tampered (%s): exit %d, %q; want 1, naming %q", c.name, code, stdout, want)
			}
		})
	}
}

// lockedBuffer is an io.Writer safe for the serving goroutine and the test.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// served is a running serve: its address, its first-run token, what it logged.
type served struct {
	base, token string
	stdout      string
	stderr      *lockedBuffer
	stop        func() int
}

// startServe runs serve on a data folder until stop is called.
func startServe(t *testing.T, dir string, env map[string]string) *served {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	s := &served{stderr: &lockedBuffer{}}
	done := make(chan int, 1)
	go func() {
		done <- Main(ctx, []string{"serve", "--addr", "127.0.0.1:0", "--data-dir", dir},
			func(k string) string { return env[k] }, pw, s.stderr)
		pw.Close()
	}()
	lines := bufio.NewScanner(pr)
	for lines.Scan() && s.base == "" {
		s.stdout += lines.Text() + "\n"
		if m := regexp.MustCompile(`running on (http://\S+)`).FindStringSubmatch(lines.Text()); m != nil {
			s.base = m[1]
		}
	}
	go io.Copy(io.Discard, pr) //nolint:errcheck
	s.stop = func() int {
		cancel()
		select {
		case code := <-done:
			return code
		case <-time.After(20 * time.Second):
			t.Fatal("serve did not shut down")
			return -1
		}
	}
	if s.base == "" {
		t.Fatalf("serve printed no URL; stderr: %s", s.stderr.String())
	}
	if b, err := os.ReadFile(filepath.Join(dir, firstTokenFile)); err == nil {
		s.token = strings.TrimSpace(string(b))
	}
	return s
}

// TestServe starts the embedded default, prints its URLs, leaves a first-run
// admin token that works in a 0600 file (not in its output), and shuts down
// cleanly when told to.
func TestServe(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ctx := context.Background()
	env := map[string]string{"SAMTYKKE_TAGS": `[{"key":"vip","description":{"nb":"Faste kunder","en":"Regular customers"}}]`,
		"SAMTYKKE_METRICS_TOKEN": "scrape-token"}
	srv := startServe(t, dir, env)
	base, token := srv.base, srv.token
	if !regexp.MustCompile(`^stk_\S+$`).MatchString(token) {
		t.Fatalf("no first-run token in %s", firstTokenFile)
	}
	if info, err := os.Stat(filepath.Join(dir, firstTokenFile)); err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("%s: %v; want mode 0600", firstTokenFile, err)
	}
	if strings.Contains(srv.stdout, token) || strings.Contains(srv.stderr.String(), token) {
		t.Fatal("the first-run token was printed to a pipe (a service's log)")
	}
	if !strings.Contains(srv.stdout, filepath.Join(dir, firstTokenFile)) {
		t.Errorf("serve did not say where the token is: %s", srv.stdout)
	}
	// A new installation is told what opens the public pages, as INFO.
	for deadline := time.Now().Add(5 * time.Second); !strings.Contains(srv.stderr.String(), "level=INFO msg=\"the opt-in page opens once a privacy notice is published\""); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("no INFO hint about the privacy notice; stderr: %s", srv.stderr.String())
		}
	}
	req, _ := http.NewRequest("GET", base+"/api/v1/purposes", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET purposes with the first-run token: %v %v", resp, err)
	}
	resp.Body.Close()
	// The declared tags reach the app.
	req, _ = http.NewRequest("GET", base+"/api/v1/tags", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err = http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET tags: %v %v", resp, err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), `"key":"vip"`) {
		t.Fatalf("GET tags = %s; want the declared vip", body)
	}
	// The built-in simulator answers on our own address (no Cloud API token set).
	wa, err := whatsapp.NewClient(whatsapp.ClientConfig{BaseURL: base + server.SimGraphPrefix, Token: "local", PhoneNumberID: sim.DefaultPhoneNumberID})
	if err != nil {
		t.Fatal(err)
	}
	tpl := whatsapp.Template{Name: app.ConfirmationTemplate, Language: whatsapp.Language{Code: "nb"}}
	if res, err := wa.SendTemplate(ctx, "+4791234567", tpl, "msg-1"); err != nil || !strings.HasPrefix(res.MessageID, "wamid.") {
		t.Fatalf("send through the built-in simulator: %+v, %v", res, err)
	}
	// A campaign's batch is pipelined to the same server, each answer in its
	// request's place (the answer names its recipient).
	reqs := make([]*whatsapp.MessageRequest, 40)
	for i := range reqs {
		reqs[i] = &whatsapp.MessageRequest{To: fmt.Sprintf("+479123%04d", i), Type: whatsapp.TypeTemplate, Template: &tpl,
			BizOpaqueCallbackData: fmt.Sprintf("msg-b%d", i)}
	}
	for i, r := range wa.SendBatch(ctx, reqs) {
		if r.Err != nil || !strings.HasPrefix(r.Result.MessageID, "wamid.") || r.Result.WaID != reqs[i].To[1:] {
			t.Fatalf("pipelined request %d through the built-in simulator: answered for another recipient or %v", i, r.Err)
		}
	}
	for _, path := range []string{"/readyz", "/metrics", "/api/openapi.json", "/_sim/messages", "/_sim/notify"} {
		req, _ := http.NewRequest("GET", base+path, nil)
		req.Header.Set("Authorization", "Bearer "+env["SAMTYKKE_METRICS_TOKEN"])
		resp, err := http.DefaultClient.Do(req)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("GET %s: %v %v", path, resp, err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		// An operator can alert on webhook bodies that keep failing: any may hold an opt-out.
		if path == "/metrics" && !strings.Contains(string(body), "\nsamtykke_webhook_bodies_failing 0\n") {
			t.Errorf("GET /metrics lacks samtykke_webhook_bodies_failing 0")
		}
	}
	if code := srv.stop(); code != 0 {
		t.Fatalf("serve exited %d; stderr: %s", code, srv.stderr.String())
	}
}

// TestEveryStartVerifiesTheLedger: the ledger check runs at each start of
// serve, not only at the first (L-02).
func TestEveryStartVerifiesTheLedger(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	populate(t, dir)
	for i := range 2 {
		srv := startServe(t, dir, nil)
		for deadline := time.Now().Add(15 * time.Second); !strings.Contains(srv.stderr.String(), "ledger verified"); time.Sleep(50 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("start %d: no ledger verification; stderr: %s", i+1, srv.stderr.String())
			}
		}
		if code := srv.stop(); code != 0 {
			t.Fatalf("start %d: exit %d", i+1, code)
		}
	}
}
