// SPDX-License-Identifier: AGPL-3.0-only

package sim_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/samtykke/samtykke/internal/whatsapp"
	"github.com/samtykke/samtykke/internal/whatsapp/sim"
)

func rate(r float64) *float64 { return &r }

// TestFaults_2_2 injects synchronous errors with the §2.2 titles and statuses.
func TestFaults_2_2(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		fault  sim.Fault
		status int
		want   string
	}{
		{"131000 → 500", sim.Fault{ErrorCode: 131000}, 500,
			`{"error":{"message":"(#131000) Something went wrong","type":"OAuthException","code":131000,"error_data":{"messaging_product":"whatsapp","details":"Message failed to send due to an unknown error."},"fbtrace_id":"TRACE"}}`},
		{"2 → 503", sim.Fault{ErrorCode: 2}, 503, `"code":2,`},
		{"131016 → 500", sim.Fault{ErrorCode: 131016}, 500, `"message":"(#131016) Service unavailable"`},
		{"190 → 401", sim.Fault{ErrorCode: 190}, 401, `"message":"(#190) Access token has expired"`},
		{"131048 spam", sim.Fault{ErrorCode: 131048}, 400, `"message":"(#131048) Spam rate limit hit"`},
		{"http_status override", sim.Fault{ErrorCode: 130429, HTTPStatus: 429}, 429, `"code":130429`},
		{"custom details", sim.Fault{ErrorCode: 131009, Details: "Parameter x is bad"}, 400, `"details":"Parameter x is bad"`},
		{"to filter matches any spelling", sim.Fault{ErrorCode: 131026, To: "+47 912 34 567"}, 400, `"code":131026`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, func(c *sim.Config) { c.WebhookURL = "" })
			if err := b.sim.AddFault(tt.fault); err != nil {
				t.Fatal(err)
			}
			code, body := b.post(t, templateBody(kari, "t", ""))
			if code != tt.status || !strings.Contains(stripTrace(body), tt.want) {
				t.Errorf("HTTP %d %s, want %d with %s", code, body, tt.status, tt.want)
			}
			if n := len(b.sim.Messages("")); n != 0 {
				t.Errorf("%d messages recorded", n)
			}
		})
	}
}

func TestFaults_CountRateFilter(t *testing.T) {
	t.Parallel()
	b := setup(t, func(c *sim.Config) { c.WebhookURL = ""; c.PairRateEvery = 0 })
	var list struct{ Faults []sim.Fault }
	if code := b.control(t, http.MethodPost, "/_sim/faults", sim.Fault{ErrorCode: 131000, Count: 2}, &list); code != http.StatusCreated || len(list.Faults) != 1 {
		t.Fatalf("POST /_sim/faults: HTTP %d %+v", code, list)
	}
	for i, want := range []int{500, 500, 200} {
		if code, _ := b.post(t, templateBody(kari, "t", "")); code != want {
			t.Errorf("send %d: HTTP %d, want %d", i+1, code, want)
		}
	}
	if f := b.sim.Faults(); len(f) != 0 {
		t.Errorf("count exhausted but faults left: %+v", f)
	}

	_ = b.sim.AddFault(sim.Fault{ErrorCode: 131000, Rate: rate(0)})
	_ = b.sim.AddFault(sim.Fault{ErrorCode: 131026, To: ola})
	if code, _ := b.post(t, templateBody(kari, "t", "")); code != 200 {
		t.Errorf("rate 0 and another recipient's fault: HTTP %d", code)
	}
	if code, _ := b.post(t, templateBody(ola, "t", "")); code != 400 {
		t.Errorf("recipient fault: HTTP %d", code)
	}
	if code := b.control(t, http.MethodDelete, "/_sim/faults", nil, nil); code != http.StatusNoContent {
		t.Errorf("DELETE /_sim/faults: HTTP %d", code)
	}
	if code, _ := b.post(t, templateBody(ola, "t", "")); code != 200 {
		t.Errorf("after clearing: HTTP %d", code)
	}

	// About half of the requests fail with rate 0.5.
	_ = b.sim.AddFault(sim.Fault{ErrorCode: 131016, Rate: rate(0.5)})
	failed := 0
	for range 400 {
		if code, _ := b.post(t, templateBody(kari, "t", "")); code == 500 {
			failed++
		}
	}
	if failed < 140 || failed > 260 {
		t.Errorf("rate 0.5 failed %d of 400", failed)
	}
}

func TestFaults_Invalid(t *testing.T) {
	t.Parallel()
	b := setup(t, func(c *sim.Config) { c.WebhookURL = "" })
	tests := []struct {
		name string
		body any
	}{
		{"nothing to do", sim.Fault{}},
		{"rate above 1", sim.Fault{ErrorCode: 1, Rate: rate(1.5)}},
		{"after_accept without code", sim.Fault{AfterAccept: true}},
		{"after_accept and drop", sim.Fault{ErrorCode: 131026, AfterAccept: true, DropConnection: true}},
		{"status 200", sim.Fault{ErrorCode: 1, HTTPStatus: 200}},
		{"unknown field", map[string]any{"error_code": 1, "probability": 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if code := b.control(t, http.MethodPost, "/_sim/faults", tt.body, nil); code != http.StatusBadRequest {
				t.Errorf("HTTP %d, want 400", code)
			}
		})
	}
}

// TestFaults_AfterAccept_2_2 answers 200 with a wamid and then emits a failed
// status with errors[] (how 131026/131049 arrive, §2.2 notes, §4.6).
func TestFaults_AfterAccept_2_2(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	_ = b.sim.AddFault(sim.Fault{ErrorCode: 131026, AfterAccept: true})
	code, body := b.post(t, templateBody(kari, "t", "outbox:9"))
	if code != 200 {
		t.Fatalf("HTTP %d %s", code, body)
	}
	id := wamidOf(t, body)
	st := b.recv.statuses(t, 1)
	want := whatsapp.Status{ID: id, Status: "failed", Timestamp: whatsapp.UnixTime(b.clock.Now().Unix()), RecipientID: kariWaID,
		BizOpaqueCallbackData: "outbox:9", Errors: []whatsapp.WebhookError{{Code: 131026, Title: "Message Undeliverable", Message: "Message Undeliverable",
			ErrorData: &whatsapp.ErrorData{Details: st[0].Errors[0].ErrorData.Details},
			Href:      "https://developers.facebook.com/documentation/business-messaging/whatsapp/support/error-codes"}}}
	if len(st) != 1 || st[0].ID != want.ID || st[0].Status != "failed" || st[0].Errors[0].Code != 131026 ||
		st[0].Errors[0].Title != want.Errors[0].Title || st[0].BizOpaqueCallbackData != "outbox:9" || st[0].Pricing != nil {
		t.Errorf("status %+v", st)
	}
	b.recv.none(t) // no sent/delivered/read after a failure
	if m := b.sim.Messages(""); len(m) != 1 || m[0].Status != "failed" || m[0].ErrorCode != 131026 {
		t.Errorf("recorded %+v", m)
	}
}

func TestFaults_Delay(t *testing.T) {
	t.Parallel()
	b := setup(t, func(c *sim.Config) { c.WebhookURL = "" })
	_ = b.sim.AddFault(sim.Fault{DelayMS: 60, Count: 1})
	start := time.Now()
	if code, _ := b.post(t, templateBody(kari, "t", "")); code != 200 {
		t.Fatalf("HTTP %d", code)
	}
	if d := time.Since(start); d < 60*time.Millisecond {
		t.Errorf("answered after %v, want ≥ 60 ms", d)
	}
}
