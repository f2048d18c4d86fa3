// SPDX-License-Identifier: AGPL-3.0-only

package sim_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/samtykke/samtykke/internal/whatsapp/sim"
)

// recipient returns a distinct Norwegian mobile number for i.
func recipient(i int) string { return fmt.Sprintf("+479%07d", i) }

// TestThroughput_3_1 sends MPS+1 messages to different recipients at one
// instant of the injected clock: the last gets 130429 (§3.1); the bucket
// refills with time.
func TestThroughput_3_1(t *testing.T) {
	t.Parallel()
	for _, mps := range []int{80, 1000} {
		t.Run(fmt.Sprintf("§3.1 %d mps", mps), func(t *testing.T) {
			t.Parallel()
			b := setup(t, func(c *sim.Config) { c.MPS = mps; c.WebhookURL = "" })
			for i := range mps {
				if code, body := b.post(t, templateBody(recipient(i), "t", "")); code != http.StatusOK {
					t.Fatalf("send %d: HTTP %d %s", i+1, code, body)
				}
			}
			code, body := b.post(t, templateBody(recipient(mps), "t", ""))
			want := `{"error":{"message":"(#130429) Rate limit hit","type":"OAuthException","code":130429,"error_data":{"messaging_product":"whatsapp","details":"Cloud API message throughput has been reached."},"fbtrace_id":"TRACE"}}`
			if code != http.StatusBadRequest || stripTrace(body) != want {
				t.Fatalf("send %d: HTTP %d %s", mps+1, code, body)
			}
			b.clock.Advance(100 * time.Millisecond) // a tenth of a second refills mps/10
			for i := range mps / 10 {
				if code, body := b.post(t, templateBody(recipient(mps+1+i), "t", "")); code != http.StatusOK {
					t.Fatalf("after 100 ms, send %d: HTTP %d %s", i+1, code, body)
				}
			}
			if code, _ := b.post(t, templateBody(recipient(2*mps), "t", "")); code != http.StatusBadRequest {
				t.Errorf("refill exceeded mps/10: HTTP %d", code)
			}
			b.clock.Advance(time.Second)
			if code, _ := b.post(t, templateBody(recipient(2*mps+1), "t", "")); code != http.StatusOK {
				t.Errorf("after a second: HTTP %d", code)
			}
			if st := b.sim.Stats(); st.RejectedByCode["130429"] != 2 {
				t.Errorf("stats %+v", st)
			}
		})
	}
	t.Run("unlimited when MPS is 0", func(t *testing.T) {
		t.Parallel()
		b := setup(t, func(c *sim.Config) { c.MPS = 0; c.WebhookURL = "" })
		for i := range 300 {
			if code, _ := b.post(t, templateBody(recipient(i), "t", "")); code != http.StatusOK {
				t.Fatalf("send %d: HTTP %d", i, code)
			}
		}
	})
}

// TestPairRate_3_2 checks the per-recipient limit (§3.2): one message per
// PairRateEvery, bursts borrow future quota, other recipients unaffected.
func TestPairRate_3_2(t *testing.T) {
	t.Parallel()
	t.Run("§3.2 one per 6 s", func(t *testing.T) {
		t.Parallel()
		b := setup(t, func(c *sim.Config) { c.PairBurst = 1; c.WebhookURL = "" })
		if code, _ := b.post(t, templateBody(kari, "t", "")); code != 200 {
			t.Fatalf("first: HTTP %d", code)
		}
		code, body := b.post(t, templateBody(kari, "t", ""))
		want := `{"error":{"message":"(#131056) (Business Account, Consumer Account) pair rate limit hit","type":"OAuthException","code":131056,"error_data":{"messaging_product":"whatsapp","details":"Message failed to send because there were too many messages sent from this phone number to the same phone number in a short period of time."},"fbtrace_id":"TRACE"}}`
		if code != 400 || stripTrace(body) != want {
			t.Fatalf("second: HTTP %d %s", code, body)
		}
		if code, _ := b.post(t, templateBody(ola, "t", "")); code != 200 {
			t.Errorf("other recipient: HTTP %d", code)
		}
		b.clock.Advance(5999 * time.Millisecond)
		if code, _ := b.post(t, templateBody(kari, "t", "")); code != 400 {
			t.Errorf("after 5.999 s: HTTP %d", code)
		}
		b.clock.Advance(time.Millisecond)
		if code, _ := b.post(t, templateBody(kari, "t", "")); code != 200 {
			t.Errorf("after 6 s: HTTP %d", code)
		}
	})
	t.Run("§3.2 burst of 45 borrows quota", func(t *testing.T) {
		t.Parallel()
		b := setup(t, func(c *sim.Config) { c.WebhookURL = "" }) // DefaultConfig: burst 45
		for i := range 45 {
			if code, body := b.post(t, templateBody(kari, "t", "")); code != 200 {
				t.Fatalf("burst %d: HTTP %d %s", i+1, code, body)
			}
		}
		if code, _ := b.post(t, templateBody(kari, "t", "")); code != 400 {
			t.Fatalf("46th: HTTP %d", code)
		}
		// A 20-message burst costs 20 × 6 s = 2 min (§3.2 example).
		b.clock.Advance(2 * time.Minute)
		for i := range 20 {
			if code, _ := b.post(t, templateBody(kari, "t", "")); code != 200 {
				t.Fatalf("after 2 min, %d: HTTP %d", i+1, code)
			}
		}
		if code, _ := b.post(t, templateBody(kari, "t", "")); code != 400 {
			t.Errorf("21st after 2 min: HTTP %d", code)
		}
	})
	t.Run("disabled when PairRateEvery is 0", func(t *testing.T) {
		t.Parallel()
		b := setup(t, func(c *sim.Config) { c.PairRateEvery = 0; c.MPS = 0; c.WebhookURL = "" })
		for i := range 100 {
			if code, _ := b.post(t, templateBody(kari, "t", "")); code != 200 {
				t.Fatalf("send %d: HTTP %d", i, code)
			}
		}
	})
}

// TestCustomerServiceWindow_1_7 opens the window with an inbound message and
// lets it expire after 24 h.
func TestCustomerServiceWindow_1_7(t *testing.T) {
	t.Parallel()
	b := setup(t, func(c *sim.Config) { c.WebhookURL = ""; c.PairRateEvery = 0 })
	buttons := `{"messaging_product":"whatsapp","to":"+4791234567","type":"interactive","interactive":{"type":"button","body":{"text":"Ja?"},"action":{"buttons":[{"type":"reply","reply":{"id":"y","title":"Ja"}}]}}}`
	for _, body := range []string{textBody(kari, "hei"), buttons} {
		if code, got := b.post(t, body); code != 400 || !strings.Contains(got, `"code":131047`) {
			t.Fatalf("before inbound: HTTP %d %s", code, got)
		}
	}
	if code, _ := b.post(t, templateBody(kari, "t", "")); code != 200 {
		t.Fatalf("template outside the window: HTTP %d", code)
	}
	b.inbound(t, sim.Inbound{From: kari, Text: "JA"})
	b.clock.Advance(CSWMinus())
	for _, body := range []string{textBody(kari, "hei"), buttons} {
		if code, got := b.post(t, body); code != 200 {
			t.Fatalf("inside the window: HTTP %d %s", code, got)
		}
	}
	b.clock.Advance(time.Second)
	if code, got := b.post(t, textBody(kari, "hei")); code != 400 || !strings.Contains(got, `"code":131047`) {
		t.Fatalf("after 24 h: HTTP %d %s", code, got)
	}
}

// CSWMinus is one second short of the 24 h window.
func CSWMinus() time.Duration { return sim.CustomerServiceWindow - time.Second }
