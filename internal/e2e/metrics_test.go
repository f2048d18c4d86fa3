// SPDX-License-Identifier: AGPL-3.0-only

package e2e

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/prometheus/client_golang/prometheus/testutil/promlint"
	"github.com/riverqueue/river"

	"github.com/samtykke/samtykke/internal/app"
	"github.com/samtykke/samtykke/internal/consent"
	"github.com/samtykke/samtykke/internal/job"
	"github.com/samtykke/samtykke/internal/queue"
	"github.com/samtykke/samtykke/internal/store"
	"github.com/samtykke/samtykke/internal/store/storetest"
	"github.com/samtykke/samtykke/internal/whatsapp"
	"github.com/samtykke/samtykke/internal/whatsapp/sim"
)

// series reads one series of the registry: its value (a counter's or a
// gauge's, a histogram's count); 0 when it does not exist.
func series(t *testing.T, reg *prometheus.Registry, name string, labels ...string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
	next:
		for _, m := range mf.GetMetric() {
			have := map[string]string{}
			for _, l := range m.GetLabel() {
				have[l.GetName()] = l.GetValue()
			}
			for i := 0; i+1 < len(labels); i += 2 {
				if have[labels[i]] != labels[i+1] {
					continue next
				}
			}
			switch {
			case m.GetCounter() != nil:
				return m.GetCounter().GetValue()
			case m.GetGauge() != nil:
				return m.GetGauge().GetValue()
			case m.GetHistogram() != nil:
				return float64(m.GetHistogram().GetSampleCount())
			}
		}
	}
	return 0
}

// TestMetricsFollowTheFlow drives an opt-in, its confirmation, a STOPP and a
// small campaign (one of whose recipients stopped marketing inside WhatsApp,
// 131050) through the app, and checks that each counter moved by what
// happened with the right labels, that the queue's depth is read when
// scraped, and that the exposition passes promtool's lint with no label
// value that names a person (docs/metrics.md; K-01, M-11, invariant 4).
// routePattern is a ServeMux pattern, with its wildcards unfilled.
var routePattern = regexp.MustCompile(`^([A-Z]+ )?/([a-z_]+|v1|\{[a-z_]+\}|)(/([a-z_.-]+|v1|\{[a-z_]+\})?)*$`)

func TestMetricsFollowTheFlow(t *testing.T) {
	t.Parallel()
	h := startOpts(t, storetest.SQLite, func(s *sim.Config, a *app.Config) {
		s.MPS, s.PairRateEvery = 0, 0
		a.Dispatch = app.DispatchConfig{Rate: 1000, Batch: 50}
	}, options{noQueue: true})
	reg := h.registry // the assembly's, as /metrics shows it
	h.startQueue(queue.Config{})
	want := func(v float64, name string, labels ...string) {
		t.Helper()
		if got := series(t, reg, name, labels...); got != v {
			t.Errorf("%s%v = %v, want %v", name, labels, got, v)
		}
	}

	// Nothing has happened: the fixed label sets are there at zero.
	want(0, "samtykke_optouts_total", "trigger", "keyword")
	if n := testutilCount(t, reg, "samtykke_optouts_total"); n != len(app.Triggers) {
		t.Errorf("samtykke_optouts_total has %d series before any opt-out, want one per trigger (%d)", n, len(app.Triggers))
	}

	// An opt-in on the web, confirmed from the person's WhatsApp (C-04).
	st := h.optIn(kari, "offers")
	want(1, "samtykke_optins_requested_total", "flow", "web_form")
	want(0, "samtykke_optins_confirmed_total", "channel", "whatsapp")
	h.write(kari, "JA "+st.Code)
	want(1, "samtykke_optins_confirmed_total", "channel", "whatsapp")
	want(1, "samtykke_consent_events_total", "kind", "requested")
	want(1, "samtykke_consent_events_total", "kind", "confirmed")
	h.waitFor("the receipt", func() bool { return series(t, reg, "samtykke_message_sends_total", "status", "sent") == 1 })

	// STOPP commits an objection at once (K-01, K-06); the gate says so.
	h.write(kari, "STOPP")
	want(1, "samtykke_optouts_total", "trigger", "keyword")
	want(1, "samtykke_consent_events_total", "kind", "objected")
	id, err := h.app.Lookup(h.ctx, admin, kari, "metrics test: the gate after STOPP")
	if err != nil {
		t.Fatal(err)
	}
	if g := h.gate(id, "offers"); g.Allowed || g.Reason != consent.ReasonSuppressed {
		t.Fatalf("gate after STOPP = %+v", g)
	}
	want(1, "samtykke_gate_decisions_total", "source", "api", "reason", "suppressed")
	want(0, "samtykke_gate_decisions_total", "source", "api", "reason", "allowed")
	h.waitFor("the opt-out confirmation", func() bool { return series(t, reg, "samtykke_message_sends_total", "status", "sent") == 2 })

	// A campaign to five; the third stopped marketing inside WhatsApp, which
	// the platform says after accepting the send (131050, M-11).
	if err := h.sim.AddFault(sim.Fault{ErrorCode: whatsapp.CodeMarketingStopped, AfterAccept: true, To: number(2)}); err != nil {
		t.Fatal(err)
	}
	h.subscribeMany(5, "offers")
	want(6, "samtykke_consent_events_total", "kind", "confirmed")
	c := h.offer()
	h.start(c)
	h.finished(c)
	want(5, "samtykke_gate_decisions_total", "source", "campaign", "reason", "allowed")
	want(5, "samtykke_dispatch_requests_total", "sender", h.sim.PhoneNumberID())
	want(7, "samtykke_message_sends_total", "status", "sent", "code", "none")
	h.waitFor("the 131050 status webhook", func() bool {
		return series(t, reg, "samtykke_optouts_total", "trigger", "131050") == 1
	})
	want(1, "samtykke_message_statuses_total", "status", "failed", "code", "131050")
	want(0, "samtykke_message_sends_total", "status", "failed", "code", "131050")
	want(2, "samtykke_consent_events_total", "kind", "objected")
	// Every other message is read in the end: a read overtaking its
	// delivered counts once, as read.
	h.waitFor("read webhooks", func() bool {
		return series(t, reg, "samtykke_message_statuses_total", "status", "read", "code", "none") == 6
	})

	// Webhook bodies: the ones the simulator posted were handled; a badly
	// signed one is counted as such; each has its time.
	handled := series(t, reg, "samtykke_webhook_bodies_total", "outcome", "handled")
	if handled < 3 {
		t.Errorf("handled webhook bodies = %v, want at least JA, STOPP and the statuses", handled)
	}
	req, _ := http.NewRequest("POST", h.srv.URL+"/webhooks/whatsapp", strings.NewReader(`{"object":"whatsapp_business_account"}`))
	req.Header.Set(whatsapp.SignatureHeader, "sha256=00")
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("badly signed webhook: %v %v", resp, err)
	} else {
		resp.Body.Close()
	}
	want(1, "samtykke_webhook_bodies_total", "outcome", "bad_signature")
	if n, all := series(t, reg, "samtykke_webhook_handling_seconds"), series(t, reg, "samtykke_webhook_bodies_total", "outcome", "handled"); n < all+1 {
		t.Errorf("webhook handling times observed %v, want one per body (%v handled and one refused)", n, all)
	}

	// The queue's depth is read from the database at each scrape.
	if err := h.store.Tx(h.ctx, func(tx store.Tx) error {
		return tx.Enqueue(h.ctx, job.PurgeMessages{}, &river.InsertOpts{ScheduledAt: time.Now().Add(time.Hour)})
	}); err != nil {
		t.Fatal(err)
	}
	want(1, "samtykke_queue_jobs", "kind", "purge_messages", "state", "scheduled")
	want(0, "samtykke_queue_jobs", "kind", "purge_messages", "state", "available")

	lintExposition(t, reg, h.sim.PhoneNumberID(), append([]string{kari, ola}, number(0), number(1), number(2), number(3), number(4))...)
}

// testutilCount counts the series of a metric.
func testutilCount(t *testing.T, reg *prometheus.Registry, name string) int {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == name {
			return len(mf.GetMetric())
		}
	}
	return 0
}

// boundedLabel is what a label value may look like: a word of the fixed
// sets, or a platform error code.
var boundedLabel = regexp.MustCompile(`^([a-z][a-z_]*|[0-9]{1,7})$`)

// lintExposition checks the registry's text exposition with promtool's
// rules (promlint, the library promtool uses; and promtool itself when it
// is installed: Debian's prometheus package), and that no label value is an
// id or a number: only the configured sending number's id may appear.
func lintExposition(t *testing.T, reg *prometheus.Registry, sender string, numbers ...string) {
	t.Helper()
	rec := httptest.NewRecorder()
	promhttp.HandlerFor(reg, promhttp.HandlerOpts{}).ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body := rec.Body.Bytes()
	problems, err := promlint.New(bytes.NewReader(body)).Lint()
	if err != nil {
		t.Fatalf("promlint: %v", err)
	}
	for _, p := range problems {
		t.Errorf("promlint: %s: %s", p.Metric, p.Text)
	}
	if path, err := exec.LookPath("promtool"); err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, path, "check", "metrics")
		cmd.Stdin = bytes.NewReader(body)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("promtool check metrics: %v\n%s", err, out)
		}
	} else {
		t.Log("promtool is not installed (Debian: apt-get install prometheus); linted with promlint alone")
	}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				v := l.GetValue()
				// A route is a registered pattern ("POST /webhooks/whatsapp",
				// "GET /api/v1/contacts/{id}"): bounded, and never a path value.
				route := l.GetName() == "route" && routePattern.MatchString(v)
				if !boundedLabel.MatchString(v) && (l.GetName() != "sender" || v != sender) && l.GetName() != "le" && !route {
					t.Errorf("%s{%s=%q}: not a bounded label value", mf.GetName(), l.GetName(), v)
				}
			}
		}
	}
	for _, n := range numbers {
		if bytes.Contains(body, []byte(strings.TrimPrefix(n, "+"))) {
			t.Errorf("the exposition holds a number")
		}
	}
}
