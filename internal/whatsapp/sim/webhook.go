// SPDX-License-Identifier: AGPL-3.0-only

package sim

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/samtykke/samtykke/internal/whatsapp"
)

// event is one webhook item: a status (batchable) or a prepared change value
// (inbound message, user preference).
type event struct {
	field  string
	status *whatsapp.Status
	value  *whatsapp.WebhookValue
}

// delivery is one signed POST body; retries resend the same bytes (§4.4).
type delivery struct {
	body    []byte
	events  int
	attempt int
}

// job is what the queue carries: an event to build, or a delivery to (re)send.
type job struct {
	ev *event
	d  *delivery
}

// hooks delivers webhooks from a bounded queue with worker goroutines, so a
// send never waits for a receiver (§4.3, §4.4).
type hooks struct {
	s       *Server
	q       chan job
	stop    chan struct{}
	wg      sync.WaitGroup
	closed  atomic.Bool
	once    sync.Once
	pending atomic.Int64
	client  *http.Client
	ctx     context.Context
	cancel  context.CancelFunc
	meta    whatsapp.Metadata
}

var (
	ctJSONRequest = []string{"application/json"}
	userAgent     = []string{"facebookexternalua"}
	trueValue     = true
	falseValue    = false
	// pricing per §4.6: per-message pricing (PMP); templates are regular, service
	// messages inside the window free.
	pricingService = &whatsapp.Pricing{Billable: &falseValue, PricingModel: "PMP", Type: "free_customer_service", Category: "service"}
)

func pricingFor(category string) *whatsapp.Pricing {
	if category == "" || category == "service" {
		return pricingService
	}
	return &whatsapp.Pricing{Billable: &trueValue, PricingModel: "PMP", Type: "regular", Category: category}
}

func newHooks(s *Server) *hooks {
	client := s.cfg.HTTPClient
	if client == nil {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.MaxIdleConnsPerHost = s.cfg.WebhookWorkers * 2
		client = &http.Client{Transport: tr}
	}
	ctx, cancel := context.WithCancel(context.Background())
	h := &hooks{
		s:      s,
		q:      make(chan job, s.cfg.WebhookQueue),
		stop:   make(chan struct{}),
		client: client,
		ctx:    ctx,
		cancel: cancel,
		meta:   whatsapp.Metadata{DisplayPhoneNumber: s.display, PhoneNumberID: s.cfg.PhoneNumberID},
	}
	if s.cfg.WebhookURL != "" {
		for range s.cfg.WebhookWorkers {
			h.wg.Add(1)
			go h.work()
		}
	}
	return h
}

func (h *hooks) enabled() bool { return h.s.cfg.WebhookURL != "" && !h.closed.Load() }

// enqueue hands a job to the workers without ever blocking the caller: when the
// queue is full the job waits in its own goroutine (the platform keeps
// undelivered webhooks for days, §4.4, so the simulator does not drop them).
func (h *hooks) enqueue(j job) {
	if h.closed.Load() {
		h.giveUp(j.count())
		return
	}
	select {
	case h.q <- j:
	default:
		h.s.stats.overflow.Add(1)
		go func() {
			select {
			case h.q <- j:
			case <-h.stop:
				h.giveUp(j.count())
			}
		}()
	}
}

func (j job) count() int {
	if j.d != nil {
		return j.d.events
	}
	return 1
}

func (h *hooks) giveUp(n int) {
	h.s.stats.givenUp.Add(int64(n))
	h.pending.Add(int64(-n))
}

// emitStatuses schedules the configured statuses of an accepted message (§4.6),
// StatusDelay apart. Without a webhook URL the record just moves to the last one.
func (h *hooks) emitStatuses(rec *record) {
	sts := h.s.statuses
	if len(sts) == 0 {
		return
	}
	if !h.enabled() {
		rec.advance(sts[len(sts)-1], 0)
		return
	}
	h.pending.Add(int64(len(sts)))
	delay := h.s.cfg.StatusDelay
	if delay <= 0 {
		for _, st := range sts {
			h.emit(rec, st, 0, "")
		}
		return
	}
	var next func(i int)
	next = func(i int) {
		time.AfterFunc(delay, func() {
			h.emit(rec, sts[i], 0, "")
			if i+1 < len(sts) {
				next(i + 1)
			}
		})
	}
	next(0)
}

// emitFailed schedules a failed status with errors[] (§4.6, §2.1 webhook form).
func (h *hooks) emitFailed(rec *record, code int, details string) {
	if !h.enabled() {
		rec.advance(whatsapp.StatusFailed, code)
		return
	}
	h.pending.Add(1)
	if d := h.s.cfg.StatusDelay; d > 0 {
		time.AfterFunc(d, func() { h.emit(rec, whatsapp.StatusFailed, code, details) })
		return
	}
	h.emit(rec, whatsapp.StatusFailed, code, details)
}

// emit builds one status (already counted in pending) and queues it.
func (h *hooks) emit(rec *record, status string, code int, details string) {
	rec.advance(status, code)
	h.s.stats.statuses.Add(1)
	st := &whatsapp.Status{
		ID:                    rec.ID,
		Status:                status,
		Timestamp:             unix(h.s.now()),
		RecipientID:           rec.WaID,
		BizOpaqueCallbackData: rec.BizOpaqueCallbackData,
	}
	if rec.WaID == "" {
		st.RecipientUserID = rec.To
	}
	switch status {
	case whatsapp.StatusSent, whatsapp.StatusDelivered:
		// §4.6: pricing comes on sent and on one of delivered/read.
		st.Pricing = pricingFor(rec.Category)
	case whatsapp.StatusFailed:
		info, _ := whatsapp.LookupCode(code)
		if details == "" {
			details = info.Details
		}
		st.Errors = []whatsapp.WebhookError{{
			Code:      code,
			Title:     info.Title,
			Message:   info.Title,
			ErrorData: &whatsapp.ErrorData{Details: details},
			Href:      "https://developers.facebook.com/documentation/business-messaging/whatsapp/support/error-codes",
		}}
	}
	h.enqueue(job{ev: &event{field: whatsapp.FieldMessages, status: st}})
}

// payload wraps change values into the §4.5 envelope and signs nothing yet.
func (h *hooks) payload(field string, v whatsapp.WebhookValue) []byte {
	v.MessagingProduct = whatsapp.MessagingProduct
	v.Metadata = h.meta
	p := whatsapp.WebhookPayload{
		Object: whatsapp.WebhookObject,
		Entry: []whatsapp.WebhookEntry{{
			ID:      h.s.cfg.BusinessAccountID,
			Changes: []whatsapp.WebhookChange{{Field: field, Value: v}},
		}},
	}
	b, err := json.Marshal(p)
	if err != nil {
		panic(fmt.Sprintf("sim: marshal webhook: %v", err)) // only plain types: cannot happen
	}
	return b
}

func (h *hooks) work() {
	defer h.wg.Done()
	for {
		select {
		case j := <-h.q:
			h.handle(j)
		case <-h.stop:
			for {
				select {
				case j := <-h.q:
					h.handle(j)
				default:
					return
				}
			}
		}
	}
}

// handle delivers one job; a status picks up further statuses that are
// already queued, up to WebhookBatch, into the same POST.
func (h *hooks) handle(j job) {
	if j.d != nil {
		h.post(j.d)
		return
	}
	if j.ev.status == nil {
		h.post(&delivery{body: h.payload(j.ev.field, *j.ev.value), events: 1})
		return
	}
	statuses := []whatsapp.Status{*j.ev.status}
	var other []job
collect:
	for len(statuses) < h.s.cfg.WebhookBatch {
		select {
		case k := <-h.q:
			if k.ev != nil && k.ev.status != nil {
				statuses = append(statuses, *k.ev.status)
			} else {
				other = append(other, k)
			}
		default:
			break collect
		}
	}
	h.post(&delivery{body: h.payload(whatsapp.FieldMessages, whatsapp.WebhookValue{Statuses: statuses}), events: len(statuses)})
	for _, k := range other {
		h.handle(k)
	}
}

// post sends one delivery and schedules a retry with doubling backoff on
// failure (§4.4); it reports the receiver's status code (0: no answer) and
// whether it was a 2xx.
func (h *hooks) post(d *delivery) (int, bool) {
	code, err := h.send(d)
	if err == nil {
		h.s.stats.delivered.Add(1)
		h.s.stats.events.Add(int64(d.events))
		h.pending.Add(int64(-d.events))
		return code, true
	}
	h.s.stats.failedAttempts.Add(1)
	if d.attempt <= h.s.cfg.WebhookRetries && !h.closed.Load() {
		h.s.stats.retries.Add(1)
		time.AfterFunc(h.s.cfg.WebhookBackoff<<(d.attempt-1), func() { h.enqueue(job{d: d}) })
		return code, false
	}
	h.giveUp(d.events)
	h.s.log.Warn("sim webhook delivery given up",
		slog.Int("events", d.events), slog.Int("attempts", d.attempt), slog.Int("http_status", code), slog.String("error", err.Error()))
	return code, false
}

// send makes one signed POST attempt (§4.3): the signature covers the exact bytes sent.
func (h *hooks) send(d *delivery) (int, error) {
	d.attempt++
	h.s.stats.posts.Add(1)
	ctx, cancel := context.WithTimeout(h.ctx, h.s.cfg.WebhookTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.s.cfg.WebhookURL, bytes.NewReader(d.body))
	if err != nil {
		return 0, err
	}
	req.Header["Content-Type"] = ctJSONRequest
	req.Header["User-Agent"] = userAgent
	req.Header[whatsapp.SignatureHeader] = []string{whatsapp.Sign(h.s.cfg.AppSecret, d.body)}
	resp, err := h.client.Do(req)
	if err != nil {
		return 0, err
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return resp.StatusCode, fmt.Errorf("receiver answered %d", resp.StatusCode)
	}
	return resp.StatusCode, nil
}

// deliverNow posts a change value from the caller's goroutine (control
// endpoints), falling back to the retry path on failure. It returns the
// receiver's status code, 0 when there was no answer or no webhook URL.
func (h *hooks) deliverNow(field string, v *whatsapp.WebhookValue, async bool) (code int, delivered bool) {
	if !h.enabled() {
		return 0, false
	}
	h.pending.Add(1)
	if async {
		h.enqueue(job{ev: &event{field: field, value: v}})
		return 0, false
	}
	return h.post(&delivery{body: h.payload(field, *v), events: 1})
}

// close stops the workers after draining the queue for at most DrainTimeout.
func (h *hooks) close() {
	h.once.Do(func() {
		h.closed.Store(true)
		close(h.stop)
		t := time.AfterFunc(h.s.cfg.DrainTimeout, h.cancel)
		h.wg.Wait()
		t.Stop()
		h.cancel()
		// Whatever is still queued (no workers, or drain cut short) is given up.
		for {
			select {
			case j := <-h.q:
				h.giveUp(j.count())
			default:
				return
			}
		}
	})
}
