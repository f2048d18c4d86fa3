// SPDX-License-Identifier: AGPL-3.0-only

// Package metrics is samtykke's Prometheus instrumentation of what the use
// cases do: opt-ins requested and confirmed, opt-outs by trigger, consent
// events by kind, send answers and status webhooks by status and failure
// code, gate decisions by reason, webhook bodies and their handling time, campaign requests per
// sending number, and the queue's depth, read from the database when
// scraped. docs/metrics.md lists them with the alerts to set.
//
// Every label value comes from a small fixed set: no id of a person, no
// number, no token (invariant 4, docs/invariants.md).
package metrics

import (
	"context"
	"log/slog"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/samtykke/samtykke/internal/app"
	"github.com/samtykke/samtykke/internal/consent"
	"github.com/samtykke/samtykke/internal/ledger"
	"github.com/samtykke/samtykke/internal/message"
	"github.com/samtykke/samtykke/internal/store"
	"github.com/samtykke/samtykke/internal/whatsapp"
)

// Metrics holds the collectors; it is the app's Observer.
type Metrics struct {
	optInsRequested *prometheus.CounterVec
	optInsConfirmed *prometheus.CounterVec
	optOuts         *prometheus.CounterVec
	consentEvents   *prometheus.CounterVec
	sends           *prometheus.CounterVec
	statuses        *prometheus.CounterVec
	gate            *prometheus.CounterVec
	dispatched      *prometheus.CounterVec
	webhookBodies   *prometheus.CounterVec
	webhookTime     prometheus.Histogram
}

var _ app.Observer = (*Metrics)(nil)

// New makes the collectors and registers them on reg, with the queue's
// depth read from st at each scrape (nil: not exported).
func New(reg prometheus.Registerer, st store.Reader, log *slog.Logger) *Metrics {
	m := &Metrics{
		optInsRequested: counter("samtykke_optins_requested_total",
			"Opt-in forms submitted, by flow: web_form, or whatsapp_link (the form a shop's QR code led to, confirmed at once).", "flow"),
		optInsConfirmed: counter("samtykke_optins_confirmed_total",
			"Opt-ins confirmed, by channel: whatsapp (the code from the person's own WhatsApp), link (SMS or e-mail) or whatsapp_link.", "channel"),
		optOuts: counter("samtykke_optouts_total",
			"Opt-outs committed (objections and withdrawals, and suppressions of numbers that are not contacts), by trigger.", "trigger"),
		consentEvents: counter("samtykke_consent_events_total",
			"Consent ledger events appended, by kind.", "kind"),
		sends: counter("samtykke_message_sends_total",
			"Send requests answered (campaign and service messages), by outcome: sent, failed, unknown (no answer) or queued (to try again); code is the platform's error code (none; other when unlisted).",
			"status", "code"),
		statuses: counter("samtykke_message_statuses_total",
			"Messages moved to a status by status webhooks (sent, delivered, read, failed), or failed when none came in time; code is the platform's error code (none; other when unlisted).",
			"status", "code"),
		gate: counter("samtykke_gate_decisions_total",
			"Gate decisions, by source (campaign or api) and reason (allowed, or why not).", "source", "reason"),
		dispatched: counter("samtykke_dispatch_requests_total",
			"Campaign message requests sent, by sending number (its configured phone-number id).", "sender"),
		webhookBodies: counter("samtykke_webhook_bodies_total",
			"Webhook POSTs answered, by outcome: handled (committed before the 200), invalid, failed, bad_signature or too_large.", "outcome"),
		webhookTime: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "samtykke_webhook_handling_seconds",
			Help:    "Time from a webhook POST's arrival to its answer; a person's STOPP is committed within it.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}}),
	}
	reg.MustRegister(m.optInsRequested, m.optInsConfirmed, m.optOuts, m.consentEvents, m.sends, m.statuses, m.gate,
		m.dispatched, m.webhookBodies, m.webhookTime)
	if st != nil {
		reg.MustRegister(&queueDepth{st: st, log: log}, &rightsDue{st: st, log: log}, &breachesDue{st: st, log: log})
	}
	// The fixed label sets start at zero, so that rate() and absent-series
	// alerts work from the first scrape.
	for _, f := range []string{app.FlowWebForm, app.FlowWhatsAppLink} {
		m.optInsRequested.WithLabelValues(f)
	}
	for _, c := range []string{"whatsapp", "link", app.FlowWhatsAppLink} {
		m.optInsConfirmed.WithLabelValues(c)
	}
	for _, t := range app.Triggers {
		m.optOuts.WithLabelValues(t)
	}
	for _, k := range ledger.Kinds {
		m.consentEvents.WithLabelValues(string(k))
	}
	for _, o := range app.WebhookOutcomes {
		m.webhookBodies.WithLabelValues(o)
	}
	for _, s := range []string{app.GateSourceCampaign, app.GateSourceAPI} {
		m.gate.WithLabelValues(s, "allowed")
	}
	return m
}

func counter(name, help string, labels ...string) *prometheus.CounterVec {
	return prometheus.NewCounterVec(prometheus.CounterOpts{Name: name, Help: help}, labels)
}

// OptInRequested counts an opt-in form submitted.
func (m *Metrics) OptInRequested(flow string) { m.optInsRequested.WithLabelValues(flow).Inc() }

// OptInConfirmed counts an opt-in confirmed.
func (m *Metrics) OptInConfirmed(channel string) { m.optInsConfirmed.WithLabelValues(channel).Inc() }

// OptOut counts an opt-out committed.
func (m *Metrics) OptOut(trigger string) { m.optOuts.WithLabelValues(trigger).Inc() }

// ConsentEvent counts a ledger event appended.
func (m *Metrics) ConsentEvent(kind ledger.Kind) { m.consentEvents.WithLabelValues(string(kind)).Inc() }

// SendAnswered counts send requests answered.
func (m *Metrics) SendAnswered(status message.Status, code, n int) {
	m.sends.WithLabelValues(string(status), codeLabel(code)).Add(float64(n))
}

// StatusApplied counts messages moved to a status.
func (m *Metrics) StatusApplied(status message.Status, code, n int) {
	m.statuses.WithLabelValues(string(status), codeLabel(code)).Add(float64(n))
}

// codeLabel is a platform error code as a label: one the reference lists,
// else "other" (the platform may invent codes; a label must stay bounded).
func codeLabel(code int) string {
	if code == 0 {
		return "none"
	}
	if _, ok := whatsapp.LookupCode(code); ok {
		return strconv.Itoa(code)
	}
	return "other"
}

// GateDecision counts a decision of the gate.
func (m *Metrics) GateDecision(source string, reason consent.Reason) {
	r := string(reason)
	if r == "" {
		r = "allowed"
	}
	m.gate.WithLabelValues(source, r).Inc()
}

// Dispatched counts campaign requests sent on a number.
func (m *Metrics) Dispatched(sender string, n int) {
	m.dispatched.WithLabelValues(sender).Add(float64(n))
}

// WebhookBody counts a webhook POST answered and observes its time.
func (m *Metrics) WebhookBody(outcome string, d time.Duration) {
	m.webhookBodies.WithLabelValues(outcome).Inc()
	m.webhookTime.Observe(d.Seconds())
}

// queueDepth reads the queue's unfinished jobs at each scrape.
type queueDepth struct {
	st  store.Reader
	log *slog.Logger
}

var queueDepthDesc = prometheus.NewDesc("samtykke_queue_jobs",
	"Queue jobs not finished, by kind and state (available, scheduled, retryable, running), read when scraped.",
	[]string{"kind", "state"}, nil)

// Describe sends the one descriptor.
func (q *queueDepth) Describe(ch chan<- *prometheus.Desc) { ch <- queueDepthDesc }

// Collect counts the jobs; every state is exported, at zero when empty, for
// the kinds present. A failed read exports nothing and is logged.
func (q *queueDepth) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	counts, err := q.st.QueueDepth(ctx)
	if err != nil {
		if q.log != nil {
			q.log.Warn("queue depth not read for the metrics", "error", err)
		}
		return
	}
	states := []string{"available", "scheduled", "retryable", "running"}
	byKind := map[string]map[string]int64{}
	for _, c := range counts {
		if byKind[c.Kind] == nil {
			byKind[c.Kind] = map[string]int64{}
		}
		byKind[c.Kind][c.State] += c.N
	}
	for kind, n := range byKind {
		for _, s := range states {
			ch <- prometheus.MustNewConstMetric(queueDepthDesc, prometheus.GaugeValue, float64(n[s]), kind, s)
		}
	}
}

// rightsDue reads the unanswered rights requests at each scrape (T-03).
type rightsDue struct {
	st  store.Reader
	log *slog.Logger
}

var rightsDueDesc = prometheus.NewDesc("samtykke_rights_requests",
	"Rights requests not yet answered: open (all of them), near_due (due within 7 days) and overdue, read when scraped.",
	[]string{"state"}, nil)

// Describe sends the one descriptor.
func (d *rightsDue) Describe(ch chan<- *prometheus.Desc) { ch <- rightsDueDesc }

// Collect counts the requests; a failed read exports nothing and is logged.
func (d *rightsDue) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := d.st.RightsCounts(ctx, time.Now())
	if err != nil {
		if d.log != nil {
			d.log.Warn("rights requests not counted for the metrics", "error", err)
		}
		return
	}
	for state, n := range map[string]int64{"open": c.Open, "near_due": c.NearDue, "overdue": c.Overdue} {
		ch <- prometheus.MustNewConstMetric(rightsDueDesc, prometheus.GaugeValue, float64(n), state)
	}
}

// breachesDue reads the breach register at each scrape (B-01).
type breachesDue struct {
	st  store.Reader
	log *slog.Logger
}

var breachesDesc = prometheus.NewDesc("samtykke_breaches",
	"Personal data breaches in the register: open (still being handled), and those that must be notified to Datatilsynet and are not: due_soon (within 24 hours of the 72-hour deadline) and overdue (past it); read when scraped.",
	[]string{"state"}, nil)

// Describe sends the one descriptor.
func (d *breachesDue) Describe(ch chan<- *prometheus.Desc) { ch <- breachesDesc }

// Collect counts the breaches; a failed read exports nothing and is logged.
func (d *breachesDue) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := d.st.BreachCounts(ctx, time.Now())
	if err != nil {
		if d.log != nil {
			d.log.Warn("breaches not counted for the metrics", "error", err)
		}
		return
	}
	for state, n := range map[string]int64{"open": c.Open, "due_soon": c.DueSoon, "overdue": c.Overdue} {
		ch <- prometheus.MustNewConstMetric(breachesDesc, prometheus.GaugeValue, float64(n), state)
	}
}
