// SPDX-License-Identifier: AGPL-3.0-only

package sim

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/samtykke/samtykke/internal/whatsapp"
)

// maxSendBody bounds a send request body.
const maxSendBody = 1 << 20

// bufPool holds request/answer buffers for the send path.
var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, 2048); return &b }}

// handleSend serves POST /{version}/{phone-number-id}/messages (§1). The order
// of checks: path, token, phone-number id, body, shape, injected faults,
// throughput (130429), customer service window (131047), pair rate (131056).
// Only a valid request uses up throughput. No lock is held across I/O.
func (s *Server) handleSend(w http.ResponseWriter, r *http.Request) {
	if e := s.checkSendPath(r); e != nil {
		s.writeErr(w, e)
		return
	}

	bp := bufPool.Get().(*[]byte)
	defer func() {
		if cap(*bp) <= 64<<10 {
			bufPool.Put(bp)
		}
	}()
	var m sendAttempt
	if e := m.decode(r, bp); e != nil {
		s.writeErr(w, e)
		return
	}
	if m.req.Status != "" {
		s.markRead(w, &m.req)
		return
	}
	var e *apiErr
	if m.c, e = s.validate(&m.req); e != nil {
		s.writeErr(w, e)
		return
	}

	var flat *LatencySampler
	m.fault, flat, m.faulty = s.faults.pick(m.c.key)
	s.waitAnswer(&m, flat)
	if m.faulty && m.fault.ErrorCode != 0 && !m.fault.AfterAccept {
		s.refuseFault(w, m.fault)
		return
	}

	if e := s.admit(&m); e != nil {
		s.writeErr(w, e)
		return
	}

	rec := s.accept(&m)
	failCode := s.emitOutcome(&m, rec)
	if s.log.Enabled(r.Context(), slog.LevelDebug) {
		s.log.DebugContext(r.Context(), "sim accepted message",
			slog.String("wa_message_id", m.id), slog.String("to_masked", whatsapp.MaskPhone(rec.To)),
			slog.String("type", m.req.Type), slog.Int("fail_code", failCode))
	}
	if m.faulty && m.fault.DropConnection {
		s.drop(w) // accepted, but the answer is lost: the ambiguous case (§6)
		return
	}
	m.writeAccepted(w, bp, rec.To)
}

// sendAttempt is one send request as handleSend takes it through the
// platform's checks, each step filling in what the next needs.
type sendAttempt struct {
	req  simRequest
	body []byte // the request body, in the pooled buffer
	c    checked
	// fault is the injected fault that picked this request, when faulty.
	fault  Fault
	faulty bool
	now    time.Time // when the throughput was taken
	id     string    // the wamid given to the message
	// outsideWindow: a free-form message outside the customer service
	// window, accepted because re-engagement fails asynchronously.
	outsideWindow bool
	stopped       bool // the user has stopped marketing messages
}

// template reports whether the request sends a template.
func (m *sendAttempt) template() bool { return m.req.Type == whatsapp.TypeTemplate }

// checkSendPath checks the path's version, the access token and the
// phone-number id, in that order.
func (s *Server) checkSendPath(r *http.Request) *apiErr {
	if !validVersion(r.PathValue("version")) {
		return pathErr(r.URL.Path)
	}
	if tok := bearer(r); tok == "" || (s.cfg.Token != "" && tok != s.cfg.Token) {
		return tokenErr("Invalid OAuth access token - Cannot parse access token")
	}
	if phone := r.PathValue("phone"); phone != s.cfg.PhoneNumberID {
		return objectErr(phone)
	}
	return nil
}

// decode reads the request body into the pooled buffer bp, at most
// maxSendBody bytes, and decodes it.
func (m *sendAttempt) decode(r *http.Request, bp *[]byte) *apiErr {
	body, err := readBody(r.Body, (*bp)[:0], maxSendBody)
	*bp = body[:0]
	if err != nil {
		return codeErr(whatsapp.CodeInvalidParameter, "Request body could not be read or is larger than 1 MB.")
	}
	m.body = body
	if err := json.Unmarshal(body, &m.req); err != nil {
		return codeErr(whatsapp.CodeInvalidParameter, "Request body is not valid JSON.")
	}
	return nil
}

// waitAnswer sleeps for the answer time: a latency fault's (flat), else the
// configured latency's, plus a fault's delay.
func (s *Server) waitAnswer(m *sendAttempt, flat *LatencySampler) {
	var wait time.Duration
	switch {
	case flat != nil:
		wait = flat.Next()
	case s.lat != nil:
		wait = s.lat.Next()
	}
	if m.faulty {
		wait += time.Duration(m.fault.DelayMS) * time.Millisecond
	}
	if wait > 0 {
		// The answer time (Config.Latency, a latency or delay fault): this
		// request's own timer, no lock held, so that other connections go on.
		// A request that arrived whole is handled even if its caller is gone
		// meanwhile, as on the platform: only the answer is lost.
		s.stats.waits.Add(1)
		s.stats.waitNanos.Add(int64(wait))
		time.Sleep(wait)
	}
}

// refuseFault answers with an injected fault's error, or drops the
// connection, before the message is accepted.
func (s *Server) refuseFault(w http.ResponseWriter, f Fault) {
	if f.DropConnection {
		s.drop(w)
		return
	}
	e := codeErr(f.ErrorCode, f.Details)
	if f.HTTPStatus != 0 {
		e.status = f.HTTPStatus
	}
	s.writeErr(w, e)
}

// admit takes the number's throughput, gives the message its wamid and
// checks the user's customer service window and pair rate; on success the
// message is the user's last outbound one.
func (s *Server) admit(m *sendAttempt) *apiErr {
	m.now = s.now()
	if !s.tput.allow(m.now) {
		return codeErr(whatsapp.CodeThroughput, "")
	}
	idKey := m.c.waID
	if idKey == "" {
		idKey = m.c.key
	}
	m.id = s.ids.wamid(idKey, false)
	template := m.template()
	var refuse *apiErr
	s.users.with(m.c.key, m.now, s.idle, func(u *user) {
		if !template && (u.lastInbound.IsZero() || m.now.Sub(u.lastInbound) >= CustomerServiceWindow) {
			m.outsideWindow = true
			if !s.cfg.ReengagementAsync {
				refuse = codeErr(whatsapp.CodeReengagement, "")
				return
			}
		}
		if s.cfg.PairRateEvery > 0 && !u.pair.take(m.now, s.cfg.PairRateEvery, s.cfg.PairBurst) {
			refuse = codeErr(whatsapp.CodePairRateLimit, "")
			return
		}
		m.stopped = u.stopped
		u.lastOutbound = m.id
	})
	return refuse
}

// accept records the accepted message (§1.6).
func (s *Server) accept(m *sendAttempt) *record {
	rec := &record{Message: Message{
		ID:                    m.id,
		To:                    m.req.To,
		WaID:                  m.c.waID,
		Type:                  m.req.Type,
		Category:              "service",
		BizOpaqueCallbackData: m.req.BizOpaqueCallbackData,
		Timestamp:             m.now.Unix(),
		Request:               json.RawMessage(append([]byte(nil), m.body...)),
	}}
	if rec.To == "" {
		rec.To = m.req.Recipient
	}
	if m.template() {
		rec.TemplateName, rec.TemplateLanguage = m.req.Template.Name, m.req.Template.Language.Code
		rec.Category = strings.ToLower(m.c.category)
	}
	s.addRecord(rec)
	s.stats.accepted.Add(1)
	return rec
}

// emitOutcome sends the accepted message's status webhooks, or a failed
// status (§4.6, §2.2 notes), and returns the failure's code (0: none).
func (s *Server) emitOutcome(m *sendAttempt, rec *record) int {
	failCode, failDetails := 0, ""
	switch {
	case m.faulty && m.fault.AfterAccept:
		failCode, failDetails = m.fault.ErrorCode, m.fault.Details
	case m.outsideWindow:
		failCode = whatsapp.CodeReengagement
	case m.stopped && m.c.category == "MARKETING":
		// §5.2: accepted with a wamid, then failed 131050; utility and
		// authentication templates are not blocked.
		failCode = whatsapp.CodeMarketingStopped
	}
	if failCode != 0 {
		s.stats.failedAfterAccept.Add(1)
		s.hooks.emitFailed(rec, failCode, failDetails)
	} else {
		s.hooks.emitStatuses(rec)
	}
	return failCode
}

// writeAccepted answers an accepted message, written in the pooled buffer
// bp over the request body.
func (m *sendAttempt) writeAccepted(w http.ResponseWriter, bp *[]byte, to string) {
	out := append(m.body[:0], `{"messaging_product":"whatsapp","contacts":[{"input":`...)
	out = appendJSONString(out, to)
	if m.c.waID != "" {
		out = append(out, `,"wa_id":"`...)
		out = append(out, m.c.waID...)
		out = append(out, '"')
	} else {
		out = append(out, `,"user_id":`...)
		out = appendJSONString(out, m.c.key)
	}
	out = append(out, `}],"messages":[{"id":"`...)
	out = append(out, m.id...)
	out = append(out, '"')
	if m.template() {
		out = append(out, `,"message_status":"accepted"`...)
	}
	out = append(out, "}]}"...)
	*bp = out[:0]
	w.Header()["Content-Type"] = ctJSON
	_, _ = w.Write(out)
}

// markRead answers the mark-as-read request (§1.8).
func (s *Server) markRead(w http.ResponseWriter, req *simRequest) {
	switch {
	case req.MessagingProduct == "":
		s.writeErr(w, paramErr("The parameter messaging_product is required."))
	case req.MessagingProduct != whatsapp.MessagingProduct:
		s.writeErr(w, paramErr(fmt.Sprintf("Param messaging_product must be one of {WHATSAPP} - got %q.", req.MessagingProduct)))
	case req.Status != whatsapp.StatusRead:
		s.writeErr(w, paramErr(fmt.Sprintf("Param status must be one of {READ} - got %q.", req.Status)))
	case req.MessageID == "":
		s.writeErr(w, missing("message_id"))
	default:
		w.Header()["Content-Type"] = ctJSON
		_, _ = io.WriteString(w, `{"success":true}`)
	}
}

// drop closes the connection without an answer.
func (s *Server) drop(w http.ResponseWriter) {
	s.stats.dropped.Add(1)
	if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
		_ = conn.Close()
		return
	}
	panic(http.ErrAbortHandler) // HTTP/2 or a recorder: abort the response
}

// idle reports whether a user's state can be forgotten.
func (s *Server) idle(u *user, now time.Time) bool {
	if u.stopped || now.Sub(u.lastSeen) < 10*time.Minute {
		return false
	}
	if !u.lastInbound.IsZero() && now.Sub(u.lastInbound) < CustomerServiceWindow {
		return false
	}
	return u.pair.full(now)
}

// bearer returns the access token from the Authorization header or the
// access_token query parameter, as Graph accepts both.
func bearer(r *http.Request) string {
	if h := r.Header.Get("Authorization"); h != "" {
		if len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
			return strings.TrimSpace(h[7:])
		}
		return ""
	}
	if r.URL.RawQuery != "" {
		return r.URL.Query().Get("access_token")
	}
	return ""
}

// validVersion accepts "v" digits "." digits, e.g. "v25.0" (§1.1).
func validVersion(v string) bool {
	dot := strings.IndexByte(v, '.')
	if len(v) < 4 || v[0] != 'v' || dot < 2 || dot == len(v)-1 {
		return false
	}
	for i := 1; i < len(v); i++ {
		if i != dot && (v[i] < '0' || v[i] > '9') {
			return false
		}
	}
	return true
}

var errTooLarge = errors.New("body too large")

// readBody appends r to buf, failing beyond max bytes.
func readBody(r io.Reader, buf []byte, max int) ([]byte, error) {
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if len(buf) > max {
			return buf, errTooLarge
		}
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
}
