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
	if !validVersion(r.PathValue("version")) {
		s.writeErr(w, pathErr(r.URL.Path))
		return
	}
	if tok := bearer(r); tok == "" || (s.cfg.Token != "" && tok != s.cfg.Token) {
		s.writeErr(w, tokenErr("Invalid OAuth access token - Cannot parse access token"))
		return
	}
	if phone := r.PathValue("phone"); phone != s.cfg.PhoneNumberID {
		s.writeErr(w, objectErr(phone))
		return
	}

	bp := bufPool.Get().(*[]byte)
	defer func() {
		if cap(*bp) <= 64<<10 {
			bufPool.Put(bp)
		}
	}()
	body, err := readBody(r.Body, (*bp)[:0], maxSendBody)
	*bp = body[:0]
	if err != nil {
		s.writeErr(w, codeErr(whatsapp.CodeInvalidParameter, "Request body could not be read or is larger than 1 MB."))
		return
	}
	var req simRequest
	if err := json.Unmarshal(body, &req); err != nil {
		s.writeErr(w, codeErr(whatsapp.CodeInvalidParameter, "Request body is not valid JSON."))
		return
	}
	if req.Status != "" {
		s.markRead(w, &req)
		return
	}
	c, e := s.validate(&req)
	if e != nil {
		s.writeErr(w, e)
		return
	}

	f, flat, faulty := s.faults.pick(c.key)
	var wait time.Duration
	switch {
	case flat != nil:
		wait = flat.Next()
	case s.lat != nil:
		wait = s.lat.Next()
	}
	if faulty {
		wait += time.Duration(f.DelayMS) * time.Millisecond
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
	if faulty && f.ErrorCode != 0 && !f.AfterAccept {
		if f.DropConnection {
			s.drop(w)
			return
		}
		e := codeErr(f.ErrorCode, f.Details)
		if f.HTTPStatus != 0 {
			e.status = f.HTTPStatus
		}
		s.writeErr(w, e)
		return
	}

	now := s.now()
	if !s.tput.allow(now) {
		s.writeErr(w, codeErr(whatsapp.CodeThroughput, ""))
		return
	}
	idKey := c.waID
	if idKey == "" {
		idKey = c.key
	}
	id := s.ids.wamid(idKey, false)
	template := req.Type == whatsapp.TypeTemplate
	var (
		refuse        *apiErr
		outsideWindow bool
		stopped       bool
	)
	s.users.with(c.key, now, s.idle, func(u *user) {
		if !template && (u.lastInbound.IsZero() || now.Sub(u.lastInbound) >= CustomerServiceWindow) {
			outsideWindow = true
			if !s.cfg.ReengagementAsync {
				refuse = codeErr(whatsapp.CodeReengagement, "")
				return
			}
		}
		if s.cfg.PairRateEvery > 0 && !u.pair.take(now, s.cfg.PairRateEvery, s.cfg.PairBurst) {
			refuse = codeErr(whatsapp.CodePairRateLimit, "")
			return
		}
		stopped = u.stopped
		u.lastOutbound = id
	})
	if refuse != nil {
		s.writeErr(w, refuse)
		return
	}

	// Accepted (§1.6): record, then statuses or a failed status (§4.6, §2.2 notes).
	rec := &record{Message: Message{
		ID:                    id,
		To:                    req.To,
		WaID:                  c.waID,
		Type:                  req.Type,
		Category:              "service",
		BizOpaqueCallbackData: req.BizOpaqueCallbackData,
		Timestamp:             now.Unix(),
		Request:               json.RawMessage(append([]byte(nil), body...)),
	}}
	if rec.To == "" {
		rec.To = req.Recipient
	}
	if template {
		rec.TemplateName, rec.TemplateLanguage = req.Template.Name, req.Template.Language.Code
		rec.Category = strings.ToLower(c.category)
	}
	s.addRecord(rec)
	s.stats.accepted.Add(1)

	failCode, failDetails := 0, ""
	switch {
	case faulty && f.AfterAccept:
		failCode, failDetails = f.ErrorCode, f.Details
	case outsideWindow:
		failCode = whatsapp.CodeReengagement
	case stopped && c.category == "MARKETING":
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
	if s.log.Enabled(r.Context(), slog.LevelDebug) {
		s.log.DebugContext(r.Context(), "sim accepted message",
			slog.String("wa_message_id", id), slog.String("to_masked", whatsapp.MaskPhone(rec.To)),
			slog.String("type", req.Type), slog.Int("fail_code", failCode))
	}
	if faulty && f.DropConnection {
		s.drop(w) // accepted, but the answer is lost: the ambiguous case (§6)
		return
	}

	out := append(body[:0], `{"messaging_product":"whatsapp","contacts":[{"input":`...)
	out = appendJSONString(out, rec.To)
	if c.waID != "" {
		out = append(out, `,"wa_id":"`...)
		out = append(out, c.waID...)
		out = append(out, '"')
	} else {
		out = append(out, `,"user_id":`...)
		out = appendJSONString(out, c.key)
	}
	out = append(out, `}],"messages":[{"id":"`...)
	out = append(out, id...)
	out = append(out, '"')
	if template {
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
