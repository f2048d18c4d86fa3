// SPDX-License-Identifier: AGPL-3.0-only

package httpx_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/samtykke/samtykke/internal/httpx"
)

// logBuffer collects log output from the serving goroutines.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

// records decodes the JSON log lines.
func (l *logBuffer) records(t *testing.T) []map[string]any {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []map[string]any
	sc := bufio.NewScanner(bytes.NewReader(l.b.Bytes()))
	for sc.Scan() {
		var rec map[string]any
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			t.Fatalf("log line is not JSON: %q", sc.Text())
		}
		out = append(out, rec)
	}
	return out
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestRequestLog: at the default level (INFO), in the production format
// (JSON), each request logs one line with its method, route pattern, status,
// duration and request id; never the path's values or the query, which hold
// tokens and numbers (invariant 4). A usable X-Request-Id is honoured
// and sent back; anything else (a number among them) is replaced.
func TestRequestLog(t *testing.T) {
	t.Parallel()
	const number = "4791234567"
	var logs logBuffer
	log := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
	mux := http.NewServeMux()
	mux.HandleFunc("GET /preferences/{token}", func(w http.ResponseWriter, _ *http.Request) {
		time.Sleep(2 * time.Millisecond)
		w.WriteHeader(http.StatusOK)
	})
	mux.HandleFunc("POST /api/v1/contacts/lookup", func(w http.ResponseWriter, r *http.Request) {
		httpx.WriteError(w, r, log, httpx.Errorf(http.StatusBadRequest, "invalid_input", "bad"))
	})
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {})
	mux.HandleFunc("GET /boom", func(http.ResponseWriter, *http.Request) { panic("boom") })
	mux.HandleFunc("/_sim/graph/", func(w http.ResponseWriter, _ *http.Request) {})
	var observed []string
	var mu sync.Mutex
	srv := httptest.NewServer(httpx.Middleware(log, func(r *http.Request, status int, _ time.Duration) {
		mu.Lock()
		defer mu.Unlock()
		observed = append(observed, r.Pattern)
	}, mux))
	defer srv.Close()

	cases := []struct {
		method, path, sentID string
		route                string
		status               int
		keepID               bool
		logged               bool
	}{
		{"GET", "/preferences/tok-" + number + "?p=%2B" + number, "", "GET /preferences/{token}", 200, false, true},
		{"GET", "/preferences/abc", "req-7f3a.b_9", "GET /preferences/{token}", 200, true, true},
		{"POST", "/api/v1/contacts/lookup?number=" + number, "+47" + number, "POST /api/v1/contacts/lookup", 400, false, true},
		{"GET", "/preferences/x", "47-91-23-45-67", "GET /preferences/{token}", 200, false, true},
		{"GET", "/preferences/x", "a\" level=ERROR msg=forged", "GET /preferences/{token}", 200, false, true},
		{"GET", "/preferences/x", strings.Repeat("a", 65), "GET /preferences/{token}", 200, false, true},
		{"GET", "/nowhere/" + number, "", "unmatched", 404, false, true},
		{"GET", "/boom", "", "GET /boom", 500, false, true},
		{"GET", "/healthz", "", "GET /healthz", 200, false, false},                      // a probe: DEBUG
		{"POST", "/_sim/graph/v25.0/1/messages", "", "/_sim/graph/", 200, false, false}, // the built-in simulator: DEBUG
	}
	ids := make([]string, len(cases))
	for i, c := range cases {
		req, _ := http.NewRequest(c.method, srv.URL+c.path, nil)
		if c.sentID != "" {
			req.Header.Set("X-Request-Id", c.sentID)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != c.status {
			t.Fatalf("%s %s: status %d, want %d", c.method, c.path, resp.StatusCode, c.status)
		}
		ids[i] = resp.Header.Get("X-Request-Id")
		if c.keepID && ids[i] != c.sentID {
			t.Errorf("request id %q not honoured: answered %q", c.sentID, ids[i])
		}
		if !c.keepID && (ids[i] == "" || ids[i] == c.sentID) {
			t.Errorf("request id %q: answered %q, want a fresh one", c.sentID, ids[i])
		}
	}

	var requests []map[string]any
	for _, rec := range logs.records(t) {
		if rec["msg"] == "request" {
			requests = append(requests, rec)
		}
	}
	i := 0
	for n, c := range cases {
		if !c.logged {
			continue
		}
		if i >= len(requests) {
			t.Fatalf("%d request lines, want one for each of %d requests; log:\n%s", len(requests), n+1, logs.String())
		}
		rec := requests[i]
		i++
		if rec["level"] != "INFO" || rec["method"] != c.method || rec["route"] != c.route ||
			rec["status"] != float64(c.status) || rec["request_id"] != ids[n] {
			t.Errorf("%s %s logged %v; want INFO, route %q, status %d, request_id %q", c.method, c.path, rec, c.route, c.status, ids[n])
		}
		if d, ok := rec["duration_ms"].(float64); !ok || d < 0 || (n == 0 && d < 2) {
			t.Errorf("%s %s: duration_ms = %v", c.method, c.path, rec["duration_ms"])
		}
	}
	if i != len(requests) {
		t.Errorf("%d request lines, want %d (a successful probe and the simulator log at DEBUG); log:\n%s", len(requests), i, logs.String())
	}
	out := logs.String()
	for _, leak := range []string{number, "45-67", "tok-", "?p=", "forged", "/nowhere"} {
		if strings.Contains(out, leak) {
			t.Errorf("the log holds %q:\n%s", leak, out)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(observed) != len(cases) {
		t.Errorf("observer told of %d requests, want %d", len(observed), len(cases))
	}
}

// TestQuietMiddleware: the standalone simulator's requests log at DEBUG, so
// that a benchmark's thousands a second cost no log line at INFO.
func TestQuietMiddleware(t *testing.T) {
	t.Parallel()
	for _, level := range []slog.Level{slog.LevelInfo, slog.LevelDebug} {
		var logs logBuffer
		log := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: level}))
		rec := httptest.NewRecorder()
		httpx.QuietMiddleware(log, http.NotFoundHandler()).ServeHTTP(rec, httptest.NewRequest("GET", "/v25.0/1/messages", nil))
		recs := logs.records(t)
		if level == slog.LevelInfo && len(recs) != 0 || level == slog.LevelDebug && (len(recs) != 1 || recs[0]["level"] != "DEBUG") {
			t.Errorf("at %s: %v", level, recs)
		}
	}
}
