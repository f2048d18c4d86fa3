// SPDX-License-Identifier: AGPL-3.0-only

package sim

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"

	"github.com/samtykke/samtykke/internal/whatsapp"
)

// Inbound is a message a simulated user sends to the business, the body of
// POST /_sim/inbound. Set exactly one of Text, Button, Interactive,
// ChangedNumber.
type Inbound struct {
	// From is the user's number in any spelling the product's parser takes,
	// the wa_id form "4791234567" included; it becomes wa_id (§7).
	From string `json:"from"`
	// Name is the profile name (contacts[].profile.name).
	Name string `json:"name,omitempty"`
	// UserID is the user's BSUID (contacts[].user_id, messages[].from_user_id, §7).
	UserID string `json:"user_id,omitempty"`
	// Text makes a type "text" message.
	Text string `json:"text,omitempty"`
	// Button makes a template quick-reply tap, type "button" (§4.5); an empty
	// payload defaults to the label, as the platform does.
	Button *whatsapp.InboundButton `json:"button,omitempty"`
	// Interactive makes an interactive reply, type "interactive" (§4.5).
	Interactive *InteractiveReply `json:"interactive,omitempty"`
	// ChangedNumber makes the platform's system message that the user, From,
	// changed their number to this one, in any spelling From takes: type
	// "system", system.type "user_changed_number", system.wa_id the new
	// number, and no contacts array (§4.5). It opens no service window.
	ChangedNumber string `json:"changed_number,omitempty"`
	// ContextID is the wamid the reply refers to; buttons and interactive
	// replies default to the last message sent to this user.
	ContextID string `json:"context_id,omitempty"`
	// Async queues the webhook instead of posting it before answering.
	Async bool `json:"async,omitempty"`
}

// InteractiveReply is the reply to an interactive message: Type is
// "button_reply" (default) or "list_reply".
type InteractiveReply struct {
	Type        string `json:"type,omitempty"`
	ID          string `json:"id"`
	Title       string `json:"title"`
	Description string `json:"description,omitempty"`
}

// Delivery reports what the simulator did with a webhook from a control call.
type Delivery struct {
	// ID is the wamid of the inbound message (empty for user preferences).
	ID   string `json:"id,omitempty"`
	WaID string `json:"wa_id"`
	// WebhookStatus is the receiver's HTTP status on the first attempt (0: none).
	WebhookStatus int `json:"webhook_status"`
	// Delivered is true when the first attempt got a 2xx; failures are retried.
	Delivered bool `json:"delivered"`
}

// ErrBadControl is returned for an unusable control request.
var ErrBadControl = errors.New("sim: bad control request")

// Inbound delivers a signed inbound message webhook (§4.5) and opens the user's
// 24 h customer service window (§1.7). It also takes a throughput slot when one
// is free, since inbound counts towards the number's throughput (§3.1).
func (s *Server) Inbound(in Inbound) (Delivery, error) {
	wa, ok := s.normalizeFrom(in.From)
	if !ok {
		return Delivery{}, fmt.Errorf("%w: from is not a phone number", ErrBadControl)
	}
	if in.UserID != "" && !validBSUID(in.UserID) {
		return Delivery{}, fmt.Errorf("%w: user_id is not a BSUID (CC.alphanumerics)", ErrBadControl)
	}
	n := 0
	if in.Text != "" {
		n++
	}
	if in.Button != nil {
		n++
	}
	if in.Interactive != nil {
		n++
	}
	if in.ChangedNumber != "" {
		n++
	}
	if n != 1 {
		return Delivery{}, fmt.Errorf("%w: set exactly one of text, button, interactive, changed_number", ErrBadControl)
	}
	if in.ChangedNumber != "" {
		return s.changedNumber(wa, in)
	}
	now := s.now()
	s.tput.allow(now)
	id := s.ids.wamid(wa, true)
	ctxID := in.ContextID
	s.users.with(wa, now, s.idle, func(u *user) {
		u.lastInbound = now
		if ctxID == "" && in.Text == "" {
			ctxID = u.lastOutbound
		}
	})
	m := whatsapp.InboundMessage{From: wa, FromUserID: in.UserID, ID: id, Timestamp: unix(now)}
	switch {
	case in.Text != "":
		m.Type, m.Text = "text", &whatsapp.InboundText{Body: in.Text}
	case in.Button != nil:
		b := *in.Button
		if b.Payload == "" {
			b.Payload = b.Text // §4.5: default payload is the label
		}
		m.Type, m.Button = "button", &b
	default:
		r := in.Interactive
		ii := &whatsapp.InboundInteractive{Type: r.Type}
		switch r.Type {
		case "", whatsapp.InteractiveButtonReply:
			ii.Type, ii.ButtonReply = whatsapp.InteractiveButtonReply, &whatsapp.Button{ID: r.ID, Title: r.Title}
		case whatsapp.InteractiveListReply:
			ii.ListReply = &whatsapp.ListReply{ID: r.ID, Title: r.Title, Description: r.Description}
		default:
			return Delivery{}, fmt.Errorf("%w: interactive type must be button_reply or list_reply", ErrBadControl)
		}
		if r.ID == "" {
			return Delivery{}, fmt.Errorf("%w: interactive id is required", ErrBadControl)
		}
		m.Type, m.Interactive = "interactive", ii
	}
	if ctxID != "" && m.Type != "text" {
		m.Context = &whatsapp.MessageContext{From: s.display, ID: ctxID}
	}
	s.stats.inbound.Add(1)
	v := &whatsapp.WebhookValue{
		Contacts: []whatsapp.WebhookContact{{Profile: whatsapp.Profile{Name: in.Name}, WaID: wa, UserID: in.UserID}},
		Messages: []whatsapp.InboundMessage{m},
	}
	code, ok := s.hooks.deliverNow(whatsapp.FieldMessages, v, in.Async)
	return Delivery{ID: id, WaID: wa, WebhookStatus: code, Delivered: ok}, nil
}

// changedNumber delivers the system message that the user wa changed their
// number to in.ChangedNumber (§4.5): From is the old number, system.wa_id the
// new one, and there is no contacts array. It is the platform speaking, not
// the user: no service window opens and no throughput slot is taken.
func (s *Server) changedNumber(wa string, in Inbound) (Delivery, error) {
	to, ok := s.normalizeFrom(in.ChangedNumber)
	if !ok {
		return Delivery{}, fmt.Errorf("%w: changed_number is not a phone number", ErrBadControl)
	}
	if to == wa {
		return Delivery{}, fmt.Errorf("%w: changed_number is the number from already", ErrBadControl)
	}
	now := s.now()
	id := s.ids.wamid(wa, true)
	m := whatsapp.InboundMessage{From: wa, ID: id, Timestamp: unix(now), Type: "system",
		System: &whatsapp.System{Body: strings.TrimSpace("User "+in.Name) + " changed from " + wa + " to " + to, WaID: to,
			Type: whatsapp.SystemUserChangedNumber}}
	s.stats.inbound.Add(1)
	code, delivered := s.hooks.deliverNow(whatsapp.FieldMessages, &whatsapp.WebhookValue{Messages: []whatsapp.InboundMessage{m}}, in.Async)
	return Delivery{ID: id, WaID: wa, WebhookStatus: code, Delivered: delivered}, nil
}

// UserPreference is the body of POST /_sim/user_preferences.
type UserPreference struct {
	From   string `json:"from"`
	Value  string `json:"value"` // "stop" or "resume"
	Name   string `json:"name,omitempty"`
	UserID string `json:"user_id,omitempty"`
	Async  bool   `json:"async,omitempty"`
}

// SetUserPreference records a user's marketing stop or resume (§5.2) and
// delivers the user_preferences webhook (§4.7). After "stop", marketing
// template sends to the user are accepted and then fail with 131050.
func (s *Server) SetUserPreference(p UserPreference) (Delivery, error) {
	wa, ok := s.normalizeFrom(p.From)
	if !ok {
		return Delivery{}, fmt.Errorf("%w: from is not a phone number", ErrBadControl)
	}
	var detail string
	switch p.Value {
	case whatsapp.PreferenceStop:
		detail = "User requested to stop marketing messages"
	case whatsapp.PreferenceResume:
		detail = "User requested to resume marketing messages"
	default:
		return Delivery{}, fmt.Errorf("%w: value must be stop or resume", ErrBadControl)
	}
	now := s.now()
	s.users.with(wa, now, s.idle, func(u *user) { u.stopped = p.Value == whatsapp.PreferenceStop })
	s.stats.prefs.Add(1)
	v := &whatsapp.WebhookValue{
		Contacts: []whatsapp.WebhookContact{{Profile: whatsapp.Profile{Name: p.Name}, WaID: wa, UserID: p.UserID}},
		UserPreferences: []whatsapp.UserPreference{{
			WaID: wa, UserID: p.UserID, Detail: detail, Category: whatsapp.PreferenceMarketingMessage,
			Value: p.Value, Timestamp: whatsapp.UnixTimeInt(now.Unix()),
		}},
	}
	code, ok := s.hooks.deliverNow(whatsapp.FieldUserPreferences, v, p.Async)
	return Delivery{WaID: wa, WebhookStatus: code, Delivered: ok}, nil
}

// maxControlBody bounds a control request's body.
const maxControlBody = 1 << 20

// decodeControl reads a small JSON control body strictly; one above
// maxControlBody is refused with 413.
func decodeControl(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxControlBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		if tooBig := (*http.MaxBytesError)(nil); errors.As(err, &tooBig) {
			controlError(w, http.StatusRequestEntityTooLarge, "too_large", fmt.Sprintf("the body is larger than %d bytes", maxControlBody))
			return false
		}
		controlError(w, http.StatusBadRequest, "bad_json", "invalid JSON body: "+err.Error())
		return false
	}
	return true
}

func (s *Server) handleMessages(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"messages": s.Messages(r.URL.Query().Get("to"))})
}

func (s *Server) handleInbound(w http.ResponseWriter, r *http.Request) {
	var in Inbound
	if !decodeControl(w, r, &in) {
		return
	}
	d, err := s.Inbound(in)
	if err != nil {
		controlError(w, http.StatusBadRequest, "bad_request", strings.TrimPrefix(err.Error(), ErrBadControl.Error()+": "))
		return
	}
	writeJSON(w, http.StatusOK, d)
}

func (s *Server) handleUserPreferences(w http.ResponseWriter, r *http.Request) {
	var p UserPreference
	if !decodeControl(w, r, &p) {
		return
	}
	d, err := s.SetUserPreference(p)
	if err != nil {
		controlError(w, http.StatusBadRequest, "bad_request", strings.TrimPrefix(err.Error(), ErrBadControl.Error()+": "))
		return
	}
	writeJSON(w, http.StatusOK, d)
}

func (s *Server) handleFaultsList(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"faults": s.Faults()})
}

func (s *Server) handleFaultsAdd(w http.ResponseWriter, r *http.Request) {
	var f Fault
	if !decodeControl(w, r, &f) {
		return
	}
	if err := s.AddFault(f); err != nil {
		controlError(w, http.StatusBadRequest, "bad_fault", err.Error())
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"faults": s.Faults()})
}

func (s *Server) handleFaultsClear(w http.ResponseWriter, r *http.Request) {
	s.ClearFaults()
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) handleTemplatesList(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"templates": s.Templates()})
}

func (s *Server) handleTemplatesAdd(w http.ResponseWriter, r *http.Request) {
	var t Template
	if !decodeControl(w, r, &t) {
		return
	}
	if err := s.AddTemplate(t); err != nil {
		if errors.Is(err, ErrTemplatesFile) {
			s.log.ErrorContext(r.Context(), "sim template not kept", slog.String("error", err.Error()))
			controlError(w, http.StatusInternalServerError, "templates_file", "the template was not registered: its file could not be written")
			return
		}
		controlError(w, http.StatusBadRequest, "bad_template", err.Error())
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"templates": s.Templates()})
}

func (s *Server) handleReset(w http.ResponseWriter, r *http.Request) {
	s.Reset()
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) handleStats(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, s.Stats())
}
