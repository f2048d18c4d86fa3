// SPDX-License-Identifier: AGPL-3.0-only

package sim_test

import (
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/samtykke/samtykke/internal/whatsapp"
	"github.com/samtykke/samtykke/internal/whatsapp/sim"
)

func wamidOf(t *testing.T, body string) string {
	t.Helper()
	var r whatsapp.SendResponse
	if err := json.Unmarshal([]byte(body), &r); err != nil || len(r.Messages) != 1 {
		t.Fatalf("send answer %s: %v", body, err)
	}
	return r.Messages[0].ID
}

// TestStatusWebhooks_4_6 follows an accepted template through sent, delivered
// and read: signed (§4.3), callback data echoed (§6), pricing (§4.6).
func TestStatusWebhooks_4_6(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	code, body := b.post(t, templateBody(kari, "spring_offer", "outbox:8f1c"))
	if code != 200 {
		t.Fatalf("HTTP %d %s", code, body)
	}
	id := wamidOf(t, body)
	got := b.recv.statuses(t, 3)
	// Several workers deliver in parallel, so the order is not guaranteed (§4.6);
	// compare by rank.
	rank := map[string]int{"sent": 0, "delivered": 1, "read": 2}
	slices.SortFunc(got, func(a, b whatsapp.Status) int { return rank[a.Status] - rank[b.Status] })
	ts := whatsapp.UnixTime(b.clock.Now().Unix())
	billable := true
	pricing := &whatsapp.Pricing{Billable: &billable, PricingModel: "PMP", Type: "regular", Category: "marketing"}
	want := []whatsapp.Status{
		{ID: id, Status: "sent", Timestamp: ts, RecipientID: kariWaID, BizOpaqueCallbackData: "outbox:8f1c", Pricing: pricing},
		{ID: id, Status: "delivered", Timestamp: ts, RecipientID: kariWaID, BizOpaqueCallbackData: "outbox:8f1c", Pricing: pricing},
		{ID: id, Status: "read", Timestamp: ts, RecipientID: kariWaID, BizOpaqueCallbackData: "outbox:8f1c"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("statuses (-want +got):\n%s", diff)
	}
	if err := b.sim.WaitIdle(t.Context()); err != nil {
		t.Fatal(err)
	}
	if m := b.sim.Messages(kari); len(m) != 1 || m[0].Status != "read" {
		t.Errorf("recorded %+v", m)
	}
}

// TestWebhookSignature_4_3 checks the raw body and its signature header.
func TestWebhookSignature_4_3(t *testing.T) {
	t.Parallel()
	b := setup(t, func(c *sim.Config) { c.Statuses = []string{"sent"} })
	b.post(t, templateBody(kari, "t", "cb"))
	h := b.recv.next(t)
	if !regexp.MustCompile(`^sha256=[0-9a-f]{64}$`).MatchString(h.signature) {
		t.Errorf("signature header %q", h.signature)
	}
	if !whatsapp.VerifySignature(testSecret, h.body, h.signature) {
		t.Error("signature does not verify with the app secret")
	}
	if whatsapp.VerifySignature("another-secret", h.body, h.signature) {
		t.Error("signature verifies with another secret")
	}
	if whatsapp.VerifySignature(testSecret, append(h.body, ' '), h.signature) {
		t.Error("signature verifies over other bytes")
	}
	// §4.5 envelope and string timestamps in the raw JSON.
	if !strings.HasPrefix(string(h.body), `{"object":"whatsapp_business_account","entry":[{"id":"`+sim.DefaultBusinessAccountID+`","changes":[{"field":"messages","value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"4722334455","phone_number_id":"`+sim.DefaultPhoneNumberID+`"},"statuses":[`) {
		t.Errorf("envelope %s", h.body)
	}
	if !regexp.MustCompile(`"timestamp":"\d+"`).Match(h.body) {
		t.Errorf("timestamp is not a string: %s", h.body)
	}
}

// TestWebhookRetry_4_4 redelivers the same signed bytes after non-2xx answers.
func TestWebhookRetry_4_4(t *testing.T) {
	t.Parallel()
	b := setup(t, func(c *sim.Config) { c.Statuses = []string{"sent"} })
	b.recv.mu.Lock()
	b.recv.fails = 2
	b.recv.mu.Unlock()
	b.post(t, templateBody(kari, "t", "cb"))
	h := b.recv.next(t)
	if st := h.payload.Entry[0].Changes[0].Value.Statuses; len(st) != 1 || st[0].Status != "sent" {
		t.Errorf("statuses %+v", st)
	}
	if err := b.sim.WaitIdle(t.Context()); err != nil {
		t.Fatal(err)
	}
	st := b.sim.Stats().Webhooks
	if st.Posts != 3 || st.FailedAttempts != 2 || st.Retries != 2 || st.Delivered != 1 || st.Events != 1 || st.Pending != 0 {
		t.Errorf("webhook stats %+v", st)
	}
}

func TestWebhookRetry_GivesUp(t *testing.T) {
	t.Parallel()
	b := setup(t, func(c *sim.Config) { c.Statuses = []string{"sent"}; c.WebhookRetries = 2 })
	b.recv.mu.Lock()
	b.recv.fails = 100
	b.recv.mu.Unlock()
	b.post(t, templateBody(kari, "t", "cb"))
	if err := b.sim.WaitIdle(t.Context()); err != nil {
		t.Fatal(err)
	}
	if st := b.sim.Stats().Webhooks; st.Posts != 3 || st.GivenUp != 1 || st.Pending != 0 {
		t.Errorf("webhook stats %+v", st)
	}
}

// TestWebhookBatching_4_4 lets statuses pile up behind a slow receiver: later
// POSTs carry several statuses, which a receiver must iterate (§4.5).
func TestWebhookBatching_4_4(t *testing.T) {
	t.Parallel()
	b := setup(t, func(c *sim.Config) {
		c.WebhookWorkers = 1
		c.WebhookBatch = 10
		c.Statuses = []string{"sent"}
	})
	gate := make(chan struct{})
	b.recv.mu.Lock()
	b.recv.gate = gate
	b.recv.mu.Unlock()
	for i := range 21 {
		if code, _ := b.post(t, templateBody(recipient(i), "t", "")); code != 200 {
			t.Fatalf("send %d: HTTP %d", i, code)
		}
	}
	b.recv.mu.Lock()
	b.recv.gate = nil
	b.recv.mu.Unlock()
	close(gate)
	var sizes []int
	seen := map[string]bool{}
	for len(seen) < 21 {
		h := b.recv.next(t)
		st := h.payload.Entry[0].Changes[0].Value.Statuses
		sizes = append(sizes, len(st))
		for _, s := range st {
			seen[s.ID] = true
		}
	}
	// The first POST may hold one or a few; what piled up behind the slow
	// receiver comes in batches of at most WebhookBatch.
	batched := false
	for _, n := range sizes {
		if n > 10 {
			t.Errorf("batch of %d exceeds WebhookBatch 10: %v", n, sizes)
		}
		batched = batched || n > 1
	}
	if !batched || len(sizes) > 4 {
		t.Errorf("batch sizes %v, want batching", sizes)
	}
}

// TestStatusDelay emits statuses StatusDelay apart, and sends are not slowed.
func TestStatusDelay(t *testing.T) {
	t.Parallel()
	b := setup(t, func(c *sim.Config) { c.StatusDelay = 100 * time.Millisecond })
	start := time.Now()
	b.post(t, templateBody(kari, "t", ""))
	if d := time.Since(start); d >= 100*time.Millisecond {
		t.Errorf("send took %v: it waited for status delivery", d)
	}
	var at []time.Duration
	for range 3 {
		b.recv.next(t)
		at = append(at, time.Since(start))
	}
	if at[0] < 100*time.Millisecond || at[2] < 300*time.Millisecond {
		t.Errorf("statuses arrived at %v", at)
	}
}

// TestClose_Drains delivers what is queued before the workers stop.
func TestClose_Drains(t *testing.T) {
	t.Parallel()
	recv := newReceiver(t)
	s, err := sim.New(sim.Config{AppSecret: testSecret, WebhookURL: recv.srv.URL, WebhookWorkers: 1})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 50 {
		if _, err := s.Inbound(sim.Inbound{From: recipient(i), Text: "hei", Async: true}); err != nil {
			t.Fatal(err)
		}
	}
	s.Close()
	if st := s.Stats().Webhooks; st.Events != 50 || st.Pending != 0 {
		t.Errorf("after Close: %+v", st)
	}
	s.Close() // idempotent
}
