// SPDX-License-Identifier: AGPL-3.0-only

package sim_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/samtykke/samtykke/internal/whatsapp"
	"github.com/samtykke/samtykke/internal/whatsapp/sim"
)

// TestInbound_4_5 delivers each inbound kind as a signed payload that parses
// into whatsapp.WebhookPayload.
func TestInbound_4_5(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   sim.Inbound
		want func(ctx string) whatsapp.InboundMessage
	}{
		{"§4.5 text", sim.Inbound{From: kari, Name: "Kari Nordmann", Text: "STOPP"},
			func(string) whatsapp.InboundMessage {
				return whatsapp.InboundMessage{Type: "text", Text: &whatsapp.InboundText{Body: "STOPP"}}
			}},
		{"§4.5 template button, payload defaults to the label", sim.Inbound{From: kari, Button: &whatsapp.InboundButton{Text: "Stop promotions"}},
			func(ctx string) whatsapp.InboundMessage {
				return whatsapp.InboundMessage{Type: "button", Context: &whatsapp.MessageContext{From: "4722334455", ID: ctx},
					Button: &whatsapp.InboundButton{Payload: "Stop promotions", Text: "Stop promotions"}}
			}},
		{"§4.5 template button with payload", sim.Inbound{From: kari, Button: &whatsapp.InboundButton{Payload: "OPTOUT:c_1", Text: "Stopp"}},
			func(ctx string) whatsapp.InboundMessage {
				return whatsapp.InboundMessage{Type: "button", Context: &whatsapp.MessageContext{From: "4722334455", ID: ctx},
					Button: &whatsapp.InboundButton{Payload: "OPTOUT:c_1", Text: "Stopp"}}
			}},
		{"§4.5 interactive button_reply", sim.Inbound{From: kari, Interactive: &sim.InteractiveReply{ID: "optin_yes:c_1", Title: "Ja"}},
			func(ctx string) whatsapp.InboundMessage {
				return whatsapp.InboundMessage{Type: "interactive", Context: &whatsapp.MessageContext{From: "4722334455", ID: ctx},
					Interactive: &whatsapp.InboundInteractive{Type: "button_reply", ButtonReply: &whatsapp.Button{ID: "optin_yes:c_1", Title: "Ja"}}}
			}},
		{"§4.5 interactive list_reply", sim.Inbound{From: kari, Interactive: &sim.InteractiveReply{Type: "list_reply", ID: "r1", Title: "Tilbud", Description: "d"}},
			func(ctx string) whatsapp.InboundMessage {
				return whatsapp.InboundMessage{Type: "interactive", Context: &whatsapp.MessageContext{From: "4722334455", ID: ctx},
					Interactive: &whatsapp.InboundInteractive{Type: "list_reply", ListReply: &whatsapp.ListReply{ID: "r1", Title: "Tilbud", Description: "d"}}}
			}},
		{"§7 with BSUID", sim.Inbound{From: kari, UserID: "NO.13491208655302741918", Text: "hei"},
			func(string) whatsapp.InboundMessage {
				return whatsapp.InboundMessage{FromUserID: "NO.13491208655302741918", Type: "text", Text: &whatsapp.InboundText{Body: "hei"}}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, func(c *sim.Config) { c.Statuses = []string{} })
			_, sent := b.post(t, templateBody(kari, "optin_confirm", ""))
			tplID := wamidOf(t, sent)
			d := b.inbound(t, tt.in)
			if !d.Delivered || d.WebhookStatus != 200 || d.WaID != kariWaID {
				t.Errorf("delivery %+v", d)
			}
			h := b.recv.next(t)
			ch := h.payload.Entry[0].Changes[0]
			if ch.Field != "messages" || len(ch.Value.Messages) != 1 {
				t.Fatalf("change %+v", ch)
			}
			want := tt.want(tplID)
			want.From, want.ID, want.Timestamp = kariWaID, d.ID, whatsapp.UnixTime(b.clock.Now().Unix())
			if diff := cmp.Diff(want, ch.Value.Messages[0]); diff != "" {
				t.Errorf("message (-want +got):\n%s", diff)
			}
			wantContact := whatsapp.WebhookContact{Profile: whatsapp.Profile{Name: tt.in.Name}, WaID: kariWaID, UserID: tt.in.UserID}
			if diff := cmp.Diff([]whatsapp.WebhookContact{wantContact}, ch.Value.Contacts); diff != "" {
				t.Errorf("contacts (-want +got):\n%s", diff)
			}
			if !strings.HasPrefix(d.ID, "wamid.") || d.ID == tplID {
				t.Errorf("inbound id %q", d.ID)
			}
		})
	}
}

// TestInbound_ChangedNumber_4_5: a user's number change arrives as the
// platform's system message: from the old number, system.wa_id the new, no
// contacts array, and no service window opened for either number.
func TestInbound_ChangedNumber_4_5(t *testing.T) {
	t.Parallel()
	b := setup(t, func(c *sim.Config) { c.Statuses = []string{} })
	d := b.inbound(t, sim.Inbound{From: kari, ChangedNumber: "+47 412 34 567"})
	if !d.Delivered || d.WebhookStatus != 200 || d.WaID != kariWaID || !strings.HasPrefix(d.ID, "wamid.") {
		t.Errorf("delivery %+v", d)
	}
	ch := b.recv.next(t).payload.Entry[0].Changes[0]
	if ch.Field != "messages" || len(ch.Value.Contacts) != 0 || len(ch.Value.Messages) != 1 {
		t.Fatalf("change %+v", ch)
	}
	want := whatsapp.InboundMessage{From: kariWaID, ID: d.ID, Timestamp: whatsapp.UnixTime(b.clock.Now().Unix()), Type: "system",
		System: &whatsapp.System{Body: "User changed from " + kariWaID + " to 4741234567", WaID: "4741234567",
			Type: whatsapp.SystemUserChangedNumber}}
	if diff := cmp.Diff(want, ch.Value.Messages[0]); diff != "" {
		t.Errorf("message (-want +got):\n%s", diff)
	}
	// The platform spoke, not the user: a text to either number is
	// outside the service window (131047).
	for _, to := range []string{kari, "+4741234567"} {
		if code, body := b.post(t, textBody(to, "hei")); code != 400 || !strings.Contains(body, "131047") {
			t.Errorf("text to a number after the change: HTTP %d %s", code, body)
		}
	}
}

func TestInbound_Invalid(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	tests := []struct {
		name string
		in   any
	}{
		{"no content", sim.Inbound{From: kari}},
		{"two contents", sim.Inbound{From: kari, Text: "a", Button: &whatsapp.InboundButton{Text: "b"}}},
		{"bad from", sim.Inbound{From: "kari", Text: "a"}},
		{"bad user id", sim.Inbound{From: kari, Text: "a", UserID: "kari"}},
		{"bad interactive type", sim.Inbound{From: kari, Interactive: &sim.InteractiveReply{Type: "nfm_reply", ID: "x"}}},
		{"a changed number and a text", sim.Inbound{From: kari, Text: "a", ChangedNumber: "+4741234567"}},
		{"a changed number that is none", sim.Inbound{From: kari, ChangedNumber: "kari"}},
		{"the same number", sim.Inbound{From: kari, ChangedNumber: kari}},
		{"unknown field", map[string]string{"from": kari, "body": "x"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var e struct {
				Error struct{ Code, Message string }
			}
			if code := b.control(t, http.MethodPost, "/_sim/inbound", tt.in, &e); code != 400 || e.Error.Message == "" {
				t.Errorf("HTTP %d %+v", code, e)
			}
		})
	}
}

// TestUserPreferences_4_7_5_2 stops and resumes marketing: the webhook
// (integer timestamp), then 131050 as a failed status after a 200 for marketing
// templates only.
func TestUserPreferences_4_7_5_2(t *testing.T) {
	t.Parallel()
	b := setup(t, func(c *sim.Config) {
		c.Statuses = []string{"sent"}
		c.PairRateEvery = 0
		c.Templates = []sim.Template{{Name: "offer", Language: "nb"}, {Name: "receipt", Language: "nb", Category: "UTILITY"}}
	})
	var d sim.Delivery
	if code := b.control(t, http.MethodPost, "/_sim/user_preferences", sim.UserPreference{From: kari, Value: "stop", Name: "Kari"}, &d); code != 200 || !d.Delivered {
		t.Fatalf("HTTP %d %+v", code, d)
	}
	h := b.recv.next(t)
	if !strings.Contains(string(h.body), `"timestamp":`+fmt.Sprint(b.clock.Now().Unix())+`}`) {
		t.Errorf("timestamp is not an integer: %s", h.body)
	}
	ch := h.payload.Entry[0].Changes[0]
	wantPref := []whatsapp.UserPreference{{WaID: kariWaID, Detail: "User requested to stop marketing messages", Category: "marketing_messages",
		Value: "stop", Timestamp: whatsapp.UnixTimeInt(b.clock.Now().Unix())}}
	if ch.Field != "user_preferences" || !cmp.Equal(wantPref, ch.Value.UserPreferences) || ch.Value.Contacts[0].WaID != kariWaID {
		t.Errorf("change %+v", ch)
	}

	code, body := b.post(t, templateBody(kari, "offer", "outbox:m"))
	if code != 200 || !strings.Contains(body, `"message_status":"accepted"`) {
		t.Fatalf("marketing after stop: HTTP %d %s", code, body)
	}
	st := b.recv.statuses(t, 1)[0]
	if st.Status != "failed" || st.Errors[0].Code != 131050 || st.BizOpaqueCallbackData != "outbox:m" ||
		st.Errors[0].Title != "Unable to deliver the message. This recipient has chosen to stop receiving marketing messages on WhatsApp from your business" {
		t.Errorf("status %+v", st)
	}
	if code, _ := b.post(t, templateBody(kari, "receipt", "")); code != 200 {
		t.Fatalf("utility: HTTP %d", code)
	}
	if st := b.recv.statuses(t, 1)[0]; st.Status != "sent" || st.Pricing.Category != "utility" {
		t.Errorf("utility template after stop: %+v", st)
	}

	if _, err := b.sim.SetUserPreference(sim.UserPreference{From: kari, Value: "resume"}); err != nil {
		t.Fatal(err)
	}
	if v := b.recv.next(t).payload.Entry[0].Changes[0].Value.UserPreferences[0]; v.Value != "resume" || v.Detail != "User requested to resume marketing messages" {
		t.Errorf("resume %+v", v)
	}
	b.post(t, templateBody(kari, "offer", ""))
	if st := b.recv.statuses(t, 1)[0]; st.Status != "sent" {
		t.Errorf("marketing after resume: %+v", st)
	}
	if code := b.control(t, http.MethodPost, "/_sim/user_preferences", sim.UserPreference{From: kari, Value: "maybe"}, nil); code != 400 {
		t.Errorf("bad value: HTTP %d", code)
	}
}

// TestReengagementAsync_2_2 answers 200 and fails the status with 131047.
func TestReengagementAsync_2_2(t *testing.T) {
	t.Parallel()
	b := setup(t, func(c *sim.Config) { c.ReengagementAsync = true })
	code, body := b.post(t, textBody(kari, "hei"))
	if code != 200 || strings.Contains(body, "message_status") {
		t.Fatalf("HTTP %d %s", code, body)
	}
	if st := b.recv.statuses(t, 1)[0]; st.Status != "failed" || st.Errors[0].Code != 131047 {
		t.Errorf("status %+v", st)
	}
}

func TestMessagesEndpoint(t *testing.T) {
	t.Parallel()
	b := setup(t, func(c *sim.Config) { c.WebhookURL = "" })
	b.post(t, templateBody(kari, "a", "cb1"))
	b.post(t, templateBody(ola, "b", ""))
	b.post(t, templateBody("+4798765432", "c", ""))
	var all struct{ Messages []sim.Message }
	b.control(t, http.MethodGet, "/_sim/messages", nil, &all)
	if len(all.Messages) != 3 || all.Messages[0].TemplateName != "a" || all.Messages[2].TemplateName != "c" || all.Messages[0].Seq != 1 {
		t.Fatalf("messages %+v", all.Messages)
	}
	m := all.Messages[0]
	if m.To != kari || m.WaID != kariWaID || m.Type != "template" || m.Category != "marketing" || m.BizOpaqueCallbackData != "cb1" ||
		m.Status != "read" || m.TemplateLanguage != "nb" || !strings.Contains(string(m.Request), `"name":"a"`) {
		t.Errorf("message %+v", m)
	}
	for _, q := range []string{url.QueryEscape(kari), kari /* '+' decodes to a space */, kariWaID} {
		var one struct{ Messages []sim.Message }
		b.control(t, http.MethodGet, "/_sim/messages?to="+q, nil, &one)
		if len(one.Messages) != 1 || one.Messages[0].WaID != kariWaID {
			t.Errorf("?to=%s: %+v", q, one.Messages)
		}
	}
}

func TestStatsAndReset(t *testing.T) {
	t.Parallel()
	b := setup(t, func(c *sim.Config) { c.WebhookURL = ""; c.PairBurst = 1 })
	b.post(t, templateBody(kari, "t", ""))
	b.post(t, templateBody(kari, "t", ""))
	b.post(t, `{}`)
	b.inbound(t, sim.Inbound{From: ola, Text: "hei"})
	var st sim.Stats
	b.control(t, http.MethodGet, "/_sim/stats", nil, &st)
	want := sim.Stats{Accepted: 1, Rejected: 2, RejectedByCode: map[string]int64{"131056": 1, "100": 1}, Inbound: 1}
	if diff := cmp.Diff(want, st); diff != "" {
		t.Errorf("stats (-want +got):\n%s", diff)
	}
	if code := b.control(t, http.MethodPost, "/_sim/reset", nil, nil); code != http.StatusNoContent {
		t.Fatalf("reset: HTTP %d", code)
	}
	if st := b.sim.Stats(); st.Accepted != 0 || st.Rejected != 0 || len(b.sim.Messages("")) != 0 {
		t.Errorf("after reset %+v", st)
	}
	if code, _ := b.post(t, templateBody(kari, "t", "")); code != 200 {
		t.Errorf("pair limit survived reset: HTTP %d", code)
	}
	if code, _ := b.post(t, textBody(ola, "x")); code != 400 {
		t.Errorf("window survived reset: HTTP %d", code)
	}
}

// TestVerify_4_2 performs the GET handshake against receivers.
func TestVerify_4_2(t *testing.T) {
	t.Parallel()
	good := func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if q.Get("hub.mode") != "subscribe" || q.Get("hub.verify_token") != "vt" {
			http.Error(w, "forbidden", http.StatusForbidden)
			return
		}
		_, _ = w.Write([]byte(q.Get("hub.challenge")))
	}
	tests := []struct {
		name    string
		handler http.HandlerFunc
		token   string
		ok      bool
	}{
		{"echoes the challenge", good, "vt", true},
		{"wrong verify token", good, "other", false},
		{"echoes with a newline", func(w http.ResponseWriter, r *http.Request) {
			_, _ = fmt.Fprintln(w, r.URL.Query().Get("hub.challenge"))
		}, "vt", false},
		{"answers 200 without the challenge", func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("ok")) }, "vt", false},
	}
	b := setup(t, nil)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := httptest.NewServer(tt.handler)
			t.Cleanup(srv.Close)
			err := b.sim.Verify(context.Background(), srv.URL+"/webhooks/whatsapp?x=1", tt.token)
			if (err == nil) != tt.ok {
				t.Errorf("err = %v, want ok=%v", err, tt.ok)
			}
		})
	}
}

// TestWamidShape decodes ids: the platform's framing with the wa_id inside, unique.
func TestWamidShape(t *testing.T) {
	t.Parallel()
	b := setup(t, func(c *sim.Config) { c.WebhookURL = ""; c.MPS = 0; c.PairRateEvery = 0 })
	seen := map[string]bool{}
	for range 2000 {
		_, body := b.post(t, templateBody(kari, "t", ""))
		id := wamidOf(t, body)
		if seen[id] {
			t.Fatalf("duplicate %s", id)
		}
		seen[id] = true
		raw, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(id, "wamid."))
		if err != nil {
			t.Fatalf("%s: %v", id, err)
		}
		want := "\x1c\x18\x0a4791234567\x15\x02\x00\x11\x18\x12"
		if !strings.HasPrefix(string(raw), want) || len(raw) != len(want)+18+1 || raw[len(raw)-1] != 0 {
			t.Fatalf("%s decodes to %q", id, raw)
		}
	}
	d := b.inbound(t, sim.Inbound{From: kari, Text: "x"})
	raw, _ := base64.StdEncoding.DecodeString(strings.TrimPrefix(d.ID, "wamid."))
	if !strings.HasPrefix(string(raw), "\x1c\x18\x0a4791234567\x15\x02\x00\x12\x18\x14") || len(raw) != 40 { // 3 + 10 + 6 + 20 + 1
		t.Errorf("inbound %s decodes to %q", d.ID, raw)
	}
}
