// SPDX-License-Identifier: AGPL-3.0-only

package sim_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/samtykke/samtykke/internal/whatsapp"
	"github.com/samtykke/samtykke/internal/whatsapp/sim"
)

const (
	testSecret = "app-secret"
	testToken  = "test-token"
	kari       = "+4791234567"
	kariWaID   = "4791234567"
	ola        = "+4741234567"
)

// fakeClock is an injected clock (STYLE G.3).
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *fakeClock { return &fakeClock{t: time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// hook is one webhook POST as the receiver saw it.
type hook struct {
	body      []byte
	signature string
	payload   *whatsapp.WebhookPayload
}

// receiver is a webhook endpoint that checks signatures and records payloads.
type receiver struct {
	t     *testing.T
	srv   *httptest.Server
	ch    chan hook
	mu    sync.Mutex
	fails int // answer 500 to this many POSTs first
	gate  chan struct{}
}

func newReceiver(t *testing.T) *receiver {
	t.Helper()
	r := &receiver{t: t, ch: make(chan hook, 4096)}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		gate := r.gate
		fail := r.fails > 0
		if fail {
			r.fails--
		}
		r.mu.Unlock()
		if gate != nil {
			<-gate
		}
		if fail {
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		sig := req.Header.Get(whatsapp.SignatureHeader)
		if !whatsapp.VerifySignature(testSecret, body, sig) {
			t.Errorf("webhook signature %q does not verify", sig)
		}
		p, err := whatsapp.ParseWebhook(body)
		if err != nil {
			t.Errorf("webhook does not parse: %v\n%s", err, body)
		}
		r.ch <- hook{body: body, signature: sig, payload: p}
	}))
	t.Cleanup(r.srv.Close)
	return r
}

// next waits for one webhook POST.
func (r *receiver) next(t *testing.T) hook {
	t.Helper()
	select {
	case h := <-r.ch:
		return h
	case <-time.After(5 * time.Second):
		t.Fatal("no webhook within 5 s")
		return hook{}
	}
}

// statuses collects n statuses, across however many POSTs they come in.
func (r *receiver) statuses(t *testing.T, n int) []whatsapp.Status {
	t.Helper()
	var out []whatsapp.Status
	for len(out) < n {
		h := r.next(t)
		for _, e := range h.payload.Entry {
			for _, c := range e.Changes {
				out = append(out, c.Value.Statuses...)
			}
		}
	}
	return out
}

func (r *receiver) none(t *testing.T) {
	t.Helper()
	select {
	case h := <-r.ch:
		t.Fatalf("unexpected webhook: %s", h.body)
	case <-time.After(50 * time.Millisecond):
	}
}

type testBundle struct {
	sim   *sim.Server
	srv   *httptest.Server
	clock *fakeClock
	recv  *receiver
}

// setup starts a simulator behind a loopback server with a fake clock and a
// webhook receiver; edit adjusts the config first.
func setup(t *testing.T, edit func(*sim.Config)) *testBundle {
	t.Helper()
	b := &testBundle{clock: newClock(), recv: newReceiver(t)}
	cfg := sim.DefaultConfig()
	cfg.AppSecret = testSecret
	cfg.WebhookURL = b.recv.srv.URL
	cfg.NowFunc = b.clock.Now
	cfg.WebhookBackoff = 5 * time.Millisecond
	if edit != nil {
		edit(&cfg)
	}
	s, err := sim.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	b.sim = s
	b.srv = httptest.NewServer(s.Handler())
	t.Cleanup(func() {
		b.srv.Close()
		s.Close()
	})
	return b
}

func (b *testBundle) sendURL() string {
	return b.srv.URL + "/v25.0/" + sim.DefaultPhoneNumberID + "/messages"
}

// post sends a raw body to the send endpoint with the test token.
func (b *testBundle) post(t *testing.T, body string) (int, string) {
	t.Helper()
	return b.do(t, http.MethodPost, b.sendURL(), "Bearer "+testToken, body)
}

func (b *testBundle) do(t *testing.T, method, url, auth, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), method, url, bytes.NewBufferString(body))
	if err != nil {
		t.Fatal(err)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := b.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(out)
}

// control calls a /_sim/ endpoint with a JSON body and decodes the answer into out.
func (b *testBundle) control(t *testing.T, method, path string, in, out any) int {
	t.Helper()
	var body []byte
	if in != nil {
		body, _ = json.Marshal(in)
	}
	code, answer := b.do(t, method, b.srv.URL+path, "", string(body))
	if out != nil && answer != "" {
		if err := json.Unmarshal([]byte(answer), out); err != nil {
			t.Fatalf("%s %s: %v: %s", method, path, err, answer)
		}
	}
	return code
}

// inbound makes kari (or from) write text, opening the customer service window.
func (b *testBundle) inbound(t *testing.T, in sim.Inbound) sim.Delivery {
	t.Helper()
	var d sim.Delivery
	if code := b.control(t, http.MethodPost, "/_sim/inbound", in, &d); code != http.StatusOK {
		t.Fatalf("inbound: HTTP %d", code)
	}
	return d
}

var traceRE = regexp.MustCompile(`"fbtrace_id":"A[A-Za-z0-9_-]{22}"`)

// stripTrace replaces the random fbtrace_id so error bodies compare exactly.
func stripTrace(s string) string { return traceRE.ReplaceAllString(s, `"fbtrace_id":"TRACE"`) }

func templateBody(to, name, cb string) string {
	b, _ := json.Marshal(whatsapp.MessageRequest{MessagingProduct: "whatsapp", RecipientType: "individual", To: to, Type: "template",
		Template: &whatsapp.Template{Name: name, Language: whatsapp.Language{Code: "nb"}}, BizOpaqueCallbackData: cb})
	return string(b)
}

func textBody(to, text string) string {
	b, _ := json.Marshal(whatsapp.MessageRequest{MessagingProduct: "whatsapp", To: to, Type: "text", Text: &whatsapp.Text{Body: text}})
	return string(b)
}
