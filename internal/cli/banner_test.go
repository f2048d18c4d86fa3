// SPDX-License-Identifier: AGPL-3.0-only

package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil/promlint"
)

// syncBuffer is an io.Writer the serving goroutines and the test share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

// records decodes the JSON lines written so far.
func (s *syncBuffer) records(t *testing.T) []map[string]any {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []map[string]any
	sc := bufio.NewScanner(bytes.NewReader(s.b.Bytes()))
	for sc.Scan() {
		var rec map[string]any
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			t.Fatalf("a log line is not JSON: %q", sc.Text())
		}
		out = append(out, rec)
	}
	return out
}

// TestServeLogsJSON: with SAMTYKKE_LOG_FORMAT=json, serve's banner is an
// INFO record among the others, each request logs one INFO record (method,
// route, status, duration, request id; no number), and /metrics carries the
// service's series and passes promtool's lint (docs/metrics.md; invariant 4).
func TestServeLogsJSON(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr syncBuffer
	done := make(chan int, 1)
	go func() {
		env := map[string]string{"SAMTYKKE_LOG_FORMAT": "json", "SAMTYKKE_METRICS_TOKEN": "scrape-token"}
		done <- Main(ctx, []string{"serve", "--addr", "127.0.0.1:0", "--sim-addr", "127.0.0.1:0", "--data-dir", dir},
			func(k string) string { return env[k] }, &stdout, &stderr)
	}()
	var banner map[string]any
	for deadline := time.Now().Add(time.Minute); banner == nil; time.Sleep(20 * time.Millisecond) {
		for _, rec := range stderr.records(t) {
			if rec["msg"] == "samtykke is running" {
				banner = rec
			}
		}
		select {
		case code := <-done:
			t.Fatalf("serve exited %d before its banner", code)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatal("no banner record")
		}
	}
	base, _ := banner["url"].(string)
	if banner["level"] != "INFO" || !strings.HasPrefix(base, "http://127.0.0.1:") || banner["backend"] != "sqlite" ||
		banner["metrics_url"] != base+"/metrics" || banner["optin_url"] != base+"/optin" || banner["whatsapp"] != "simulator" {
		t.Fatalf("banner record = %v", banner)
	}
	if strings.Contains(stdoutString(&stdout), "running on") {
		t.Errorf("the banner went to standard output as text too: %q", stdoutString(&stdout))
	}

	get := func(path, id string) *http.Response {
		req, _ := http.NewRequest("GET", base+path, nil)
		if id != "" {
			req.Header.Set("X-Request-Id", id)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	resp := get("/optin?lang=en", "trace-optin-1")
	resp.Body.Close()
	resp = get("/preferences/4791234567", "")
	resp.Body.Close()
	resp = get("/api/v1/contacts/4791234567", "")
	resp.Body.Close()
	resp = get("/metrics", "")
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("/metrics without the metrics token: %d, want 401", resp.StatusCode)
	}
	req, _ := http.NewRequest("GET", base+"/metrics", nil)
	req.Header.Set("Authorization", "Bearer scrape-token")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	exposition, _ := io.ReadAll(resp.Body)
	resp.Body.Close()

	want := map[string]bool{"GET /optin": false, "GET /preferences/{token}": false, "GET /api/v1/contacts/{id}": false}
	for _, rec := range stderr.records(t) {
		route, _ := rec["route"].(string)
		if rec["msg"] != "request" {
			continue
		}
		if _, ok := want[route]; !ok {
			continue
		}
		want[route] = true
		if rec["level"] != "INFO" || rec["method"] != "GET" || rec["status"] == nil || rec["duration_ms"] == nil || rec["request_id"] == "" {
			t.Errorf("request record = %v", rec)
		}
		if route == "GET /optin" && rec["request_id"] != "trace-optin-1" {
			t.Errorf("the request's X-Request-Id was not honoured: %v", rec)
		}
	}
	for route, seen := range want {
		if !seen {
			t.Errorf("no INFO record for %s", route)
		}
	}
	stderr.mu.Lock()
	logged := stderr.b.String()
	stderr.mu.Unlock()
	if strings.Contains(logged, "4791234567") {
		t.Error("a number from a path reached the log")
	}

	problems, err := promlint.New(bytes.NewReader(exposition)).Lint()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		if strings.HasPrefix(p.Metric, "samtykke_") {
			t.Errorf("promlint: %s: %s", p.Metric, p.Text)
		}
	}
	for _, name := range []string{"samtykke_optins_requested_total", "samtykke_optouts_total", "samtykke_consent_events_total",
		"samtykke_gate_decisions_total", "samtykke_webhook_bodies_total", "samtykke_webhook_handling_seconds",
		"samtykke_http_requests_total", "samtykke_webhook_bodies_failing"} {
		if !bytes.Contains(exposition, []byte("\n# TYPE "+name+" ")) {
			t.Errorf("/metrics lacks %s", name)
		}
	}
	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("serve exited %d", code)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not shut down")
	}
}

func stdoutString(s *syncBuffer) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
