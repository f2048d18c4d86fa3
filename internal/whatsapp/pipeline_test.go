// SPDX-License-Identifier: AGPL-3.0-only

package whatsapp_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/samtykke/samtykke/internal/whatsapp"
)

// batchServer answers each send with a wamid made of its callback data and
// records what it accepted. A recipient ending in 0 loses the connection
// without an answer; ending in 9, the answer says "Connection: close";
// ending in 8, a throughput error (§2.1 130429).
type batchServer struct {
	srv      *httptest.Server
	mu       sync.Mutex
	accepted []string // callback data, in arrival order
	conns    map[string]bool
	// each delays every request (a server that takes long for each);
	// first delays the first request of each batch on a connection (a
	// busy server whose queue holds a burst, then answers it at once).
	each, first time.Duration
	inBatch     map[string]bool // connections that had a request in this batch
}

func newBatchServer(t *testing.T, tls bool) *batchServer {
	t.Helper()
	b := &batchServer{conns: map[string]bool{}, inBatch: map[string]bool{}}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b.mu.Lock()
		wait := b.each
		if !b.inBatch[r.RemoteAddr] {
			wait += b.first
			b.inBatch[r.RemoteAddr] = true
		}
		b.mu.Unlock()
		time.Sleep(wait)
		var req whatsapp.MessageRequest
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil || r.Header.Get("Authorization") != "Bearer tok" ||
			r.URL.Path != "/v25.0/106540352242922/messages" {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		b.mu.Lock()
		b.conns[r.RemoteAddr] = true
		b.mu.Unlock()
		switch req.To[len(req.To)-1] {
		case '0':
			conn, _, _ := w.(http.Hijacker).Hijack()
			conn.Close()
			return
		case '8':
			w.WriteHeader(http.StatusTooManyRequests)
			fmt.Fprint(w, `{"error":{"message":"(#130429) Rate limit hit","type":"OAuthException","code":130429}}`)
			return
		case '9':
			w.Header().Set("Connection", "close")
		}
		b.mu.Lock()
		b.accepted = append(b.accepted, req.BizOpaqueCallbackData)
		b.mu.Unlock()
		fmt.Fprintf(w, `{"messaging_product":"whatsapp","contacts":[{"input":%q,"wa_id":%q}],"messages":[{"id":"wamid.%s"}]}`,
			req.To, req.To[1:], req.BizOpaqueCallbackData)
	})
	if tls {
		b.srv = httptest.NewTLSServer(h)
	} else {
		b.srv = httptest.NewServer(h)
	}
	t.Cleanup(b.srv.Close)
	return b
}

func (b *batchServer) client(t *testing.T, pipeline int) *whatsapp.Client {
	t.Helper()
	c, err := whatsapp.NewClient(whatsapp.ClientConfig{BaseURL: b.srv.URL, Token: "tok", PhoneNumberID: "106540352242922",
		HTTPClient: b.srv.Client(), Pipeline: pipeline, Conns: 4})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (b *batchServer) count(cb string) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	n := 0
	for _, a := range b.accepted {
		if a == cb {
			n++
		}
	}
	return n
}

// batch builds n template requests to numbers that end in the digits given
// (cycled), with callback data "m<i>".
func batch(n int, last ...int) []*whatsapp.MessageRequest {
	reqs := make([]*whatsapp.MessageRequest, n)
	for i := range reqs {
		reqs[i] = &whatsapp.MessageRequest{To: fmt.Sprintf("+47912%04d%d", i, last[i%len(last)]), Type: whatsapp.TypeTemplate,
			Template: &whatsapp.Template{Name: "offer", Language: whatsapp.Language{Code: "nb"}}, BizOpaqueCallbackData: fmt.Sprintf("m%d", i)}
	}
	return reqs
}

// TestSendBatch_EachAnsweredInOrder: every request of a batch gets its own
// answer back, over pipelined connections, plain and TLS, and one request
// a connection (M-06: the wamid is what webhooks are matched by).
func TestSendBatch_EachAnsweredInOrder(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		tls      bool
		pipeline int
	}{{"pipelined", false, 0}, {"pipelined TLS", true, 5}, {"one request a connection", false, -1}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newBatchServer(t, tc.tls)
			c := s.client(t, tc.pipeline)
			for round := range 3 { // kept connections are used again
				reqs := batch(101, 1, 2, 3)
				before := time.Now()
				got := c.SendBatch(context.Background(), reqs)
				for i, r := range got {
					if r.Err != nil || r.Result.MessageID != fmt.Sprintf("wamid.m%d", i) || r.Result.WaID != reqs[i].To[1:] {
						t.Fatalf("round %d request %d: %s", round, i, show(r))
					}
					if r.Sent.Before(before) || r.Sent.After(time.Now()) {
						t.Fatalf("request %d: sent at %v", i, r.Sent)
					}
				}
			}
			if n := s.count("m100"); n != 3 {
				t.Errorf("m100 accepted %d times, want 3", n)
			}
			if n := len(s.conns); tc.pipeline >= 0 && n > 4 { // net/http keeps its own pool
				t.Errorf("%d connections for 3 batches, want at most Conns (4)", n)
			}
		})
	}
}

// TestSendBatch_LostConnection: an answer that never comes makes that
// request, and those written after it on the same connection, ambiguous,
// never "not sent" (§6: not re-sent blindly); the others are unaffected.
func TestSendBatch_LostConnection(t *testing.T) {
	t.Parallel()
	s := newBatchServer(t, false)
	c := s.client(t, 4)
	reqs := batch(8, 1, 2, 3, 4, 5, 6, 0, 7) // one chunk of 4 per connection; the 7th (index 6) is lost
	got := c.SendBatch(context.Background(), reqs)
	for i, r := range got {
		switch {
		case i < 6:
			if r.Err != nil || r.Result.MessageID == "" {
				t.Errorf("request %d: %s, want accepted", i, show(r))
			}
		default:
			if !errors.Is(r.Err, whatsapp.ErrAmbiguous) || errors.Is(r.Err, whatsapp.ErrNotSent) || r.Sent.IsZero() {
				t.Errorf("request %d: %s, want ambiguous", i, show(r))
			}
		}
	}
	// The connection was dropped: the next batch dials anew and goes through.
	allAccepted(t, "after the loss", c.SendBatch(context.Background(), batch(8, 1)))
}

// TestSendBatch_ServerClosing: after an answer with "Connection: close" the
// server reads no further request (RFC 9112 §9.6), so those are not sent and
// may be sent again; a platform error stays with its own request.
func TestSendBatch_ServerClosing(t *testing.T) {
	t.Parallel()
	s := newBatchServer(t, false)
	c := s.client(t, 4)
	reqs := batch(4, 1, 9, 8, 2)
	got := c.SendBatch(context.Background(), reqs)
	if got[0].Err != nil || got[1].Err != nil {
		t.Fatalf("first two: %v, %v", got[0].Err, got[1].Err)
	}
	for i := 2; i < 4; i++ {
		if !errors.Is(got[i].Err, whatsapp.ErrNotSent) || errors.Is(got[i].Err, whatsapp.ErrAmbiguous) || !got[i].Sent.IsZero() {
			t.Errorf("request %d after close: %s, want not sent", i, show(got[i]))
		}
	}
	if s.count("m2")+s.count("m3") != 0 {
		t.Error("the server accepted a request after it said close")
	}
	again := c.SendBatch(context.Background(), reqs[2:])
	var api *whatsapp.APIError
	if !errors.As(again[0].Err, &api) || api.Code != 130429 || !api.Retryable() {
		t.Errorf("rate limited: %v, want a retryable 130429", again[0].Err)
	}
	if again[1].Err != nil || again[1].Result.MessageID != "wamid.m3" {
		t.Errorf("after the error on the same connection: %s", show(again[1]))
	}
}

// TestSendBatch_IdleConnectionClosedByServer: a kept connection the server
// closed while idle is noticed before it is written to, so nothing turns
// ambiguous for it.
func TestSendBatch_IdleConnectionClosedByServer(t *testing.T) {
	t.Parallel()
	s := newBatchServer(t, false)
	c := s.client(t, 8)
	allAccepted(t, "first batch", c.SendBatch(context.Background(), batch(32, 1)))
	s.srv.CloseClientConnections()
	time.Sleep(50 * time.Millisecond) // the FIN arrives
	allAccepted(t, "on closed kept connections", c.SendBatch(context.Background(), batch(32, 2)))
}

// show is a result without its recipient's number, for a failure message.
func show(r whatsapp.BatchResult) string {
	return fmt.Sprintf("wamid %q, written %v, error %v", r.Result.MessageID, !r.Sent.IsZero(), r.Err)
}

// allAccepted fails t for each result with an error.
func allAccepted(t *testing.T, what string, results []whatsapp.BatchResult) {
	t.Helper()
	for i, r := range results {
		if r.Err != nil {
			t.Errorf("%s, request %d: %v", what, i, r.Err)
		}
	}
}

// TestSendBatch_BadRequestsAndNoServer: a request the platform would refuse
// is refused alone, before anything leaves; with no server every request is
// not sent.
func TestSendBatch_BadRequestsAndNoServer(t *testing.T) {
	t.Parallel()
	s := newBatchServer(t, false)
	c := s.client(t, 0)
	reqs := batch(3, 1)
	reqs[1].To = "4791234567" // not E.164
	got := c.SendBatch(context.Background(), reqs)
	if !errors.Is(got[1].Err, whatsapp.ErrInvalidRequest) || !errors.Is(got[1].Err, whatsapp.ErrNotSent) || !got[1].Sent.IsZero() {
		t.Errorf("invalid recipient: %s", show(got[1]))
	}
	if got[0].Err != nil || got[2].Err != nil || got[2].Result.MessageID != "wamid.m2" {
		t.Errorf("the valid ones: %s / %s", show(got[0]), show(got[2]))
	}
	if strings.Contains(fmt.Sprint(got[1].Err), "4791234567") {
		t.Error("the error carries the number")
	}

	url := s.srv.URL
	s.srv.Close()
	gone, err := whatsapp.NewClient(whatsapp.ClientConfig{BaseURL: url, Token: "tok", PhoneNumberID: "106540352242922"})
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range gone.SendBatch(context.Background(), batch(5, 1)) {
		if !errors.Is(r.Err, whatsapp.ErrNotSent) || errors.Is(r.Err, whatsapp.ErrAmbiguous) {
			t.Errorf("request %d with no server: %v, want not sent", i, r.Err)
		}
	}
}

// connsUsed is how many connections the requests since the last call came
// on; the next request on each connection starts a batch again.
func (b *batchServer) connsUsed() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	n := len(b.conns)
	b.conns, b.inBatch = map[string]bool{}, map[string]bool{}
	return n
}

// TestSendBatch_PipelinesOnlyWhileTheServerIsQuick: a server that takes
// long for each request answers a connection's requests one after another,
// so the client stops pipelining and gives each request a connection of
// its own (invariant 12: a batch then takes one answer time, not eight); a
// server that is merely busy (a burst waits, then comes back at once) stays
// pipelined, since that costs a fraction of the system calls.
func TestSendBatch_PipelinesOnlyWhileTheServerIsQuick(t *testing.T) {
	t.Parallel()
	t.Run("slow for each request", func(t *testing.T) {
		t.Parallel()
		b := newBatchServer(t, false)
		b.each = 40 * time.Millisecond
		c := b.client(t, 8)
		allAccepted(t, "first batch", c.SendBatch(context.Background(), batch(16, 1))) // measures the server
		start := time.Now()
		allAccepted(t, "second batch", c.SendBatch(context.Background(), batch(16, 1)))
		if took := time.Since(start); took > 8*b.each {
			t.Errorf("16 requests to a server taking %v each took %v: still pipelined (8 in a row take %v)", b.each, took, 8*b.each)
		}
	})
	t.Run("busy but quick", func(t *testing.T) {
		t.Parallel()
		b := newBatchServer(t, false)
		b.first = 40 * time.Millisecond
		c := b.client(t, 8)
		for range 6 { // enough answers for any moving average to settle
			allAccepted(t, "earlier batch", c.SendBatch(context.Background(), batch(16, 1)))
			b.connsUsed()
		}
		b.connsUsed()
		allAccepted(t, "second batch", c.SendBatch(context.Background(), batch(16, 1)))
		if n := b.connsUsed(); n > 4 {
			t.Errorf("16 requests to a server that is only slow to start came on %d connections; want them pipelined on at most 4", n)
		}
	})
}
