// SPDX-License-Identifier: AGPL-3.0-only

package sim

import (
	"encoding/json"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/samtykke/samtykke/internal/whatsapp"
)

// Message is an accepted message as GET /_sim/messages shows it.
type Message struct {
	Seq int64  `json:"seq"`
	ID  string `json:"id"`
	// To is the request's `to` (or `recipient`) as sent; WaID the normalised wa_id.
	To               string `json:"to"`
	WaID             string `json:"wa_id,omitempty"`
	Type             string `json:"type"`
	TemplateName     string `json:"template_name,omitempty"`
	TemplateLanguage string `json:"template_language,omitempty"`
	// Category is the pricing category: marketing, utility, authentication or service.
	Category              string `json:"category"`
	BizOpaqueCallbackData string `json:"biz_opaque_callback_data,omitempty"`
	Timestamp             int64  `json:"timestamp"`
	// Status is the last status emitted: accepted, sent, delivered, read or failed.
	Status string `json:"status"`
	// ErrorCode is the code of the failed status, if any.
	ErrorCode int `json:"error_code,omitempty"`
	// Request is the raw JSON body the simulator accepted.
	Request json.RawMessage `json:"request"`
}

// status ranks; failed is terminal for display.
const (
	rankAccepted int32 = iota
	rankSent
	rankDelivered
	rankRead
	rankFailed
)

var rankNames = [...]string{"accepted", "sent", "delivered", "read", "failed"}

func rankOf(status string) int32 {
	switch status {
	case whatsapp.StatusSent:
		return rankSent
	case whatsapp.StatusDelivered:
		return rankDelivered
	case whatsapp.StatusRead:
		return rankRead
	case whatsapp.StatusFailed:
		return rankFailed
	}
	return rankAccepted
}

type record struct {
	Message
	rank    atomic.Int32
	errCode atomic.Int32
}

// advance moves the record forward to status (failed always wins).
func (r *record) advance(status string, code int) {
	n := rankOf(status)
	if n == rankFailed {
		r.errCode.Store(int32(code))
		r.rank.Store(n)
		return
	}
	for {
		cur := r.rank.Load()
		if cur >= n || r.rank.CompareAndSwap(cur, n) {
			return
		}
	}
}

func (s *Server) addRecord(r *record) {
	s.recMu.Lock()
	s.seq++
	r.Seq = s.seq
	if len(s.records) >= s.cfg.MaxRecorded {
		// Drop the oldest half at once: amortised O(1) per send.
		n := copy(s.records, s.records[len(s.records)/2:])
		clear(s.records[n:])
		s.records = s.records[:n]
	}
	s.records = append(s.records, r)
	s.recMu.Unlock()
}

// Messages returns the accepted messages in order; to, when not empty, keeps
// only those to that recipient (any spelling, compared as digits, or a BSUID).
func (s *Server) Messages(to string) []Message {
	want := ""
	if to != "" {
		want = whatsapp.Digits(to)
		if want == "" {
			want = to
		}
	}
	s.recMu.Lock()
	recs := make([]*record, 0, len(s.records))
	for _, r := range s.records {
		if want == "" || r.WaID == want || r.To == to {
			recs = append(recs, r)
		}
	}
	s.recMu.Unlock()
	out := make([]Message, len(recs))
	for i, r := range recs {
		out[i] = r.Message
		out[i].Status = rankNames[r.rank.Load()]
		out[i].ErrorCode = int(r.errCode.Load())
	}
	return out
}

// Stats are the simulator's counters, the body of GET /_sim/stats.
type Stats struct {
	Accepted           int64            `json:"accepted"`
	Rejected           int64            `json:"rejected"`
	RejectedByCode     map[string]int64 `json:"rejected_by_code"`
	FailedAfterAccept  int64            `json:"failed_after_accept"`
	DroppedConnections int64            `json:"dropped_connections"`
	Inbound            int64            `json:"inbound"`
	UserPreferences    int64            `json:"user_preferences"`
	StatusesEmitted    int64            `json:"statuses_emitted"`
	Webhooks           WebhookStats     `json:"webhooks"`
	// Waits counts the sends that waited an answer time (Config.Latency, a
	// latency or delay fault) and WaitMS the time they waited in all.
	Waits  int64 `json:"waits"`
	WaitMS int64 `json:"wait_ms"`
}

// WebhookStats count webhook deliveries.
type WebhookStats struct {
	// Posts is every POST attempt; Delivered those answered 2xx.
	Posts     int64 `json:"posts"`
	Delivered int64 `json:"delivered"`
	// Events is how many statuses, messages and preferences reached the receiver.
	Events         int64 `json:"events"`
	FailedAttempts int64 `json:"failed_attempts"`
	Retries        int64 `json:"retries"`
	// GivenUp counts events dropped after the last retry or at Close.
	GivenUp int64 `json:"given_up"`
	// Overflow counts events that found the queue full and waited outside it.
	Overflow int64 `json:"overflow"`
	// Pending is how many events are queued, delayed or awaiting a retry.
	Pending int64 `json:"pending"`
}

type counters struct {
	accepted, rejected, failedAfterAccept, dropped atomic.Int64
	inbound, prefs, statuses                       atomic.Int64
	posts, delivered, events, failedAttempts       atomic.Int64
	retries, givenUp, overflow                     atomic.Int64
	waits, waitNanos                               atomic.Int64

	mu     sync.Mutex
	byCode map[int]int64
}

func (c *counters) reject(code int) {
	c.rejected.Add(1)
	c.mu.Lock()
	if c.byCode == nil {
		c.byCode = make(map[int]int64)
	}
	c.byCode[code]++
	c.mu.Unlock()
}

func (c *counters) reset() {
	for _, a := range []*atomic.Int64{&c.accepted, &c.rejected, &c.failedAfterAccept, &c.dropped,
		&c.inbound, &c.prefs, &c.statuses, &c.posts, &c.delivered, &c.events, &c.failedAttempts,
		&c.retries, &c.givenUp, &c.overflow, &c.waits, &c.waitNanos} {
		a.Store(0)
	}
	c.mu.Lock()
	c.byCode = nil
	c.mu.Unlock()
}

// Stats returns a snapshot of the counters.
func (s *Server) Stats() Stats {
	c := &s.stats
	st := Stats{
		Accepted:           c.accepted.Load(),
		Rejected:           c.rejected.Load(),
		RejectedByCode:     map[string]int64{},
		FailedAfterAccept:  c.failedAfterAccept.Load(),
		DroppedConnections: c.dropped.Load(),
		Inbound:            c.inbound.Load(),
		UserPreferences:    c.prefs.Load(),
		StatusesEmitted:    c.statuses.Load(),
		Webhooks: WebhookStats{
			Posts:          c.posts.Load(),
			Delivered:      c.delivered.Load(),
			Events:         c.events.Load(),
			FailedAttempts: c.failedAttempts.Load(),
			Retries:        c.retries.Load(),
			GivenUp:        c.givenUp.Load(),
			Overflow:       c.overflow.Load(),
			Pending:        s.hooks.pending.Load(),
		},
		Waits:  c.waits.Load(),
		WaitMS: c.waitNanos.Load() / int64(time.Millisecond),
	}
	c.mu.Lock()
	for code, n := range c.byCode {
		st.RejectedByCode[strconv.Itoa(code)] = n
	}
	c.mu.Unlock()
	return st
}

func unix(t time.Time) whatsapp.UnixTime { return whatsapp.UnixTime(t.Unix()) }
