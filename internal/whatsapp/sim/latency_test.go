// SPDX-License-Identifier: AGPL-3.0-only

package sim_test

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/samtykke/samtykke/internal/whatsapp"
	"github.com/samtykke/samtykke/internal/whatsapp/sim"
)

// issue17 is the answer-time distribution the tests configure ("Answer
// time" in docs/platform.md).
var issue17 = sim.Latency{Median: 50 * time.Millisecond, P99: 120 * time.Millisecond}

// quantile is the q-quantile of sorted draws (nearest rank).
func quantile(sorted []time.Duration, q float64) time.Duration {
	return sorted[int(math.Ceil(q*float64(len(sorted))))-1]
}

func within(got, want time.Duration, rel float64) bool {
	return math.Abs(float64(got-want)) <= rel*float64(want)
}

// TestLatencySampling draws 10,000 answer times, sampling only: their median
// and 99th percentile lie within ±15 % of the configured ones, a seed repeats
// its sequence, and a Latency without p99 answers in exactly its median.
func TestLatencySampling(t *testing.T) {
	t.Parallel()
	for _, seed := range []uint64{1, 17, 2026, 0} { // 0: the runtime's random source
		s, err := sim.NewLatencySampler(issue17, seed)
		if err != nil {
			t.Fatal(err)
		}
		draws := make([]time.Duration, 10000)
		for i := range draws {
			draws[i] = s.Next()
		}
		slices.Sort(draws)
		if p50 := quantile(draws, 0.50); !within(p50, issue17.Median, 0.15) {
			t.Errorf("seed %d: median of 10,000 draws %v, want %v ± 15 %%", seed, p50, issue17.Median)
		}
		if p99 := quantile(draws, 0.99); !within(p99, issue17.P99, 0.15) {
			t.Errorf("seed %d: p99 of 10,000 draws %v, want %v ± 15 %%", seed, p99, issue17.P99)
		}
		if p1 := quantile(draws, 0.01); p1 >= issue17.Median || p1 <= 0 {
			t.Errorf("seed %d: p1 %v: no jitter below the median", seed, p1)
		}
	}
	if q := issue17.Quantile(0.5); q != issue17.Median {
		t.Errorf("Quantile(0.5) = %v, want the median", q)
	}
	if q := issue17.Quantile(0.99); !within(q, issue17.P99, 0.001) {
		t.Errorf("Quantile(0.99) = %v, want the p99", q)
	}

	a, _ := sim.NewLatencySampler(issue17, 42)
	b, _ := sim.NewLatencySampler(issue17, 42)
	for i := range 100 {
		if x, y := a.Next(), b.Next(); x != y {
			t.Fatalf("draw %d: %v and %v from the same seed", i, x, y)
		}
	}
	c, _ := sim.NewLatencySampler(sim.Latency{Median: 30 * time.Millisecond}, 0)
	for range 100 {
		if d := c.Next(); d != 30*time.Millisecond {
			t.Fatalf("no p99: drew %v, want exactly the median", d)
		}
	}
	wide, _ := sim.NewLatencySampler(sim.Latency{Median: time.Millisecond, P99: time.Second}, 3)
	for range 10000 {
		if d := wide.Next(); d > 10*time.Second {
			t.Fatalf("drew %v, beyond 10 × p99", d)
		}
	}
	for _, bad := range []sim.Latency{{Median: -time.Millisecond}, {P99: time.Second}, {Median: time.Second, P99: time.Millisecond}} {
		if _, err := sim.NewLatencySampler(bad, 0); err == nil {
			t.Errorf("%+v accepted", bad)
		}
		if _, err := sim.New(sim.Config{Latency: bad}); err == nil {
			t.Errorf("New with %+v accepted", bad)
		}
	}
}

// timedSends sends n templates at once, each on its own connection, to n
// recipients, and returns how long all took and each one's answer time.
func timedSends(t *testing.T, b *testBundle, n int) (time.Duration, []time.Duration) {
	t.Helper()
	tr := &http.Transport{MaxIdleConnsPerHost: n}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr}
	each := make([]time.Duration, n)
	var wg sync.WaitGroup
	errs := make(chan error, n)
	start := time.Now()
	for i := range n {
		wg.Go(func() {
			req, _ := http.NewRequestWithContext(context.Background(), http.MethodPost, b.sendURL(),
				strings.NewReader(templateBody(fmt.Sprintf("+479100%04d", i), "jul_tilbud", "")))
			req.Header.Set("Authorization", "Bearer "+testToken)
			t0 := time.Now()
			resp, err := client.Do(req)
			if err != nil {
				errs <- err
				return
			}
			resp.Body.Close()
			each[i] = time.Since(t0)
			if resp.StatusCode != http.StatusOK {
				errs <- fmt.Errorf("send %d: HTTP %d", i, resp.StatusCode)
			}
		})
	}
	wg.Wait()
	total := time.Since(start)
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	slices.Sort(each)
	return total, each
}

// TestLatencyConcurrent sends 200 templates at once with a median answer time
// of 50 ms (p99 120 ms): each waits its own draw, side by side, so all are
// answered in well under 200 × 50 ms ("Answer time" in docs/platform.md:
// the platform answers many concurrent requests, each in 100-500 ms).
func TestLatencyConcurrent(t *testing.T) {
	t.Parallel()
	b := setup(t, func(c *sim.Config) {
		c.WebhookURL, c.MPS = "", 0
		c.Latency, c.LatencySeed = issue17, 7
	})
	const n = 200
	total, each := timedSends(t, b, n)
	if total >= 2*time.Second {
		t.Errorf("%d concurrent sends took %v, want < 2 s (one at a time would take ≥ %v)", n, total, n*issue17.Median)
	}
	if p50 := quantile(each, 0.5); p50 < 40*time.Millisecond {
		t.Errorf("median answer time %v, want about %v: the latency was not applied", p50, issue17.Median)
	}
	st := b.sim.Stats()
	if st.Accepted != n || st.Waits != n {
		t.Errorf("accepted %d, waited %d, want %d each", st.Accepted, st.Waits, n)
	}
	// The mean of the log-normal is median × exp(σ²/2), about 53.7 ms here.
	mean := time.Duration(st.WaitMS) * time.Millisecond / n
	if !within(mean, 54*time.Millisecond, 0.15) {
		t.Errorf("mean wait %v, want about 54 ms", mean)
	}
}

// TestLatencyFault sets the answer time through POST /_sim/faults, extending
// the delay fault: {"latency_ms":…,"latency_p99_ms":…} applies to every send
// until cleared (or Count, Rate, To, as for any fault), concurrently too, and
// DELETE /_sim/faults answers at once again.
func TestLatencyFault(t *testing.T) {
	t.Parallel()
	b := setup(t, func(c *sim.Config) { c.WebhookURL, c.MPS = "", 0 })
	var list struct{ Faults []sim.Fault }
	if code := b.control(t, http.MethodPost, "/_sim/faults", map[string]int{"latency_ms": 50, "latency_p99_ms": 120}, &list); code != http.StatusCreated {
		t.Fatalf("POST /_sim/faults: HTTP %d", code)
	}
	if len(list.Faults) != 1 || list.Faults[0].LatencyMS != 50 || list.Faults[0].LatencyP99MS != 120 {
		t.Fatalf("faults %+v", list.Faults)
	}
	total, each := timedSends(t, b, 100)
	if total >= 2*time.Second || quantile(each, 0.5) < 40*time.Millisecond {
		t.Errorf("100 sends under a latency fault: all in %v, median %v; want < 2 s and about 50 ms", total, quantile(each, 0.5))
	}
	if st := b.sim.Stats(); st.Waits != 100 {
		t.Errorf("waited %d, want 100", st.Waits)
	}
	b.control(t, http.MethodDelete, "/_sim/faults", nil, nil)
	timedSends(t, b, 20)
	if st := b.sim.Stats(); st.Accepted != 120 || st.Waits != 100 {
		t.Errorf("after DELETE /_sim/faults: accepted %d, waited %d; want 120, still 100", st.Accepted, st.Waits)
	}

	// A constant latency for one recipient replaces Config.Latency and adds delay_ms.
	b2 := setup(t, func(c *sim.Config) {
		c.WebhookURL, c.MPS = "", 0
		c.Latency = sim.Latency{Median: time.Millisecond}
	})
	if err := b2.sim.AddFault(sim.Fault{LatencyMS: 80, DelayMS: 40, To: kariWaID}); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if code, _ := b2.post(t, templateBody(kari, "jul_tilbud", "")); code != http.StatusOK {
		t.Fatalf("HTTP %d", code)
	}
	if d := time.Since(start); d < 120*time.Millisecond {
		t.Errorf("answered after %v, want ≥ 80 ms latency + 40 ms delay", d)
	}
	if st := b2.sim.Stats(); st.Waits != 1 || st.WaitMS != 120 {
		t.Errorf("waited %d times %d ms, want once 120 ms", st.Waits, st.WaitMS)
	}
	if code, _ := b2.post(t, templateBody(ola, "jul_tilbud", "")); code != http.StatusOK {
		t.Errorf("another recipient: HTTP %d", code)
	}
	if st := b2.sim.Stats(); st.Waits != 2 || st.WaitMS != 121 {
		t.Errorf("another recipient waited %d ms, want the configured 1 ms", st.WaitMS-120)
	}

	for name, f := range map[string]map[string]int{
		"negative":           {"latency_ms": -1},
		"p99 without median": {"latency_p99_ms": 100},
		"p99 below median":   {"latency_ms": 100, "latency_p99_ms": 50},
	} {
		var e struct{ Error struct{ Code string } }
		if code := b.control(t, http.MethodPost, "/_sim/faults", f, &e); code != http.StatusBadRequest || e.Error.Code != "bad_fault" {
			t.Errorf("%s: HTTP %d %q, want 400 bad_fault", name, code, e.Error.Code)
		}
	}
	if n := len(b.sim.Faults()); n != 0 {
		t.Errorf("%d faults after refused ones, want 0", n)
	}
}

// TestLatencyPipelined pipelines 24 requests on HTTP/1.1 connections through
// the product's client: with jittered answer times each answer still comes in
// its request's place (RFC 9112 §9.3.2), for the right recipient.
func TestLatencyPipelined(t *testing.T) {
	t.Parallel()
	b := setup(t, func(c *sim.Config) {
		c.WebhookURL, c.MPS = "", 0
		c.Latency, c.LatencySeed = sim.Latency{Median: 2 * time.Millisecond, P99: 20 * time.Millisecond}, 5
	})
	wa, err := whatsapp.NewClient(whatsapp.ClientConfig{BaseURL: b.srv.URL, Token: testToken,
		PhoneNumberID: sim.DefaultPhoneNumberID, Pipeline: 8, Conns: 3})
	if err != nil {
		t.Fatal(err)
	}
	tpl := whatsapp.Template{Name: "jul_tilbud", Language: whatsapp.Language{Code: "nb"}}
	reqs := make([]*whatsapp.MessageRequest, 24)
	for i := range reqs {
		reqs[i] = &whatsapp.MessageRequest{To: fmt.Sprintf("+479100%04d", i), Type: whatsapp.TypeTemplate, Template: &tpl}
	}
	for i, r := range wa.SendBatch(context.Background(), reqs) {
		if r.Err != nil || r.Result.WaID != reqs[i].To[1:] {
			t.Errorf("pipelined request %d: answered for another recipient or %v", i, r.Err)
		}
	}
}
