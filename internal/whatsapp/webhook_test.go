// SPDX-License-Identifier: AGPL-3.0-only

package whatsapp_test

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/samtykke/samtykke/internal/whatsapp"
)

func TestParseWebhook_4_5(t *testing.T) {
	t.Parallel()
	billable := true
	tests := []struct {
		name string
		body string
		want whatsapp.WebhookValue
	}{
		{
			name: "§4.5 text message",
			body: `{ "object": "whatsapp_business_account",
  "entry": [ { "id": "WABA",
    "changes": [ { "field": "messages",
      "value": {
        "messaging_product": "whatsapp",
        "metadata": { "display_phone_number": "4722334455", "phone_number_id": "106540352242922" },
        "contacts": [ { "profile": { "name": "Kari Nordmann" }, "wa_id": "4791234567", "user_id": "NO.1234" } ],
        "messages": [ { "from": "4791234567", "from_user_id": "NO.1234", "id": "wamid.HBgL", "timestamp": "1749416383",
                        "type": "text", "text": { "body": "STOPP" } } ] } } ] } ] }`,
			want: whatsapp.WebhookValue{
				MessagingProduct: "whatsapp",
				Metadata:         whatsapp.Metadata{DisplayPhoneNumber: "4722334455", PhoneNumberID: "106540352242922"},
				Contacts:         []whatsapp.WebhookContact{{Profile: whatsapp.Profile{Name: "Kari Nordmann"}, WaID: "4791234567", UserID: "NO.1234"}},
				Messages: []whatsapp.InboundMessage{{From: "4791234567", FromUserID: "NO.1234", ID: "wamid.HBgL", Timestamp: 1749416383,
					Type: "text", Text: &whatsapp.InboundText{Body: "STOPP"}}},
			},
		},
		{
			name: "§4.5 template quick-reply button",
			body: `{"object":"whatsapp_business_account","entry":[{"id":"W","changes":[{"field":"messages","value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"4722334455","phone_number_id":"1"},
			"messages":[{"context":{"from":"4722334455","id":"wamid.T"},"from":"4791234567","id":"wamid.B","timestamp":"1","type":"button","button":{"payload":"OPTOUT:c_1","text":"Stop promotions"}}]}}]}]}`,
			want: whatsapp.WebhookValue{MessagingProduct: "whatsapp", Metadata: whatsapp.Metadata{DisplayPhoneNumber: "4722334455", PhoneNumberID: "1"},
				Messages: []whatsapp.InboundMessage{{Context: &whatsapp.MessageContext{From: "4722334455", ID: "wamid.T"}, From: "4791234567", ID: "wamid.B", Timestamp: 1,
					Type: "button", Button: &whatsapp.InboundButton{Payload: "OPTOUT:c_1", Text: "Stop promotions"}}}},
		},
		{
			name: "§4.5 interactive list reply",
			body: `{"object":"whatsapp_business_account","entry":[{"id":"W","changes":[{"field":"messages","value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"1","phone_number_id":"1"},
			"messages":[{"from":"47","id":"wamid.I","timestamp":"2","type":"interactive","interactive":{"type":"list_reply","list_reply":{"id":"r1","title":"Ja","description":"d"}}}]}}]}]}`,
			want: whatsapp.WebhookValue{MessagingProduct: "whatsapp", Metadata: whatsapp.Metadata{DisplayPhoneNumber: "1", PhoneNumberID: "1"},
				Messages: []whatsapp.InboundMessage{{From: "47", ID: "wamid.I", Timestamp: 2, Type: "interactive",
					Interactive: &whatsapp.InboundInteractive{Type: "list_reply", ListReply: &whatsapp.ListReply{ID: "r1", Title: "Ja", Description: "d"}}}}},
		},
		{
			name: "§4.6 failed status with errors and pricing",
			body: `{"object":"whatsapp_business_account","entry":[{"id":"W","changes":[{"field":"messages","value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"1","phone_number_id":"1"},
			"statuses":[{ "id": "wamid.HBgL", "status": "failed", "timestamp": "1751142888", "recipient_id": "4791234567",
  "biz_opaque_callback_data": "outbox:8f1c",
  "pricing": { "billable": true, "pricing_model": "PMP", "type": "regular", "category": "marketing" },
  "errors": [ { "code": 131050, "title": "t", "message": "t", "error_data": { "details": "d" }, "href": "h" } ] }]}}]}]}`,
			want: whatsapp.WebhookValue{MessagingProduct: "whatsapp", Metadata: whatsapp.Metadata{DisplayPhoneNumber: "1", PhoneNumberID: "1"},
				Statuses: []whatsapp.Status{{ID: "wamid.HBgL", Status: "failed", Timestamp: 1751142888, RecipientID: "4791234567", BizOpaqueCallbackData: "outbox:8f1c",
					Pricing: &whatsapp.Pricing{Billable: &billable, PricingModel: "PMP", Type: "regular", Category: "marketing"},
					Errors:  []whatsapp.WebhookError{{Code: 131050, Title: "t", Message: "t", ErrorData: &whatsapp.ErrorData{Details: "d"}, Href: "h"}}}}},
		},
		{
			name: "§4.7 user_preferences with integer timestamp",
			body: `{"object":"whatsapp_business_account","entry":[{"id":"W","changes":[{"field":"user_preferences","value":{ "messaging_product":"whatsapp", "metadata":{"display_phone_number":"1","phone_number_id":"1"}, "contacts":[{"profile":{"name":"K"},"wa_id":"4791234567"}],
  "user_preferences":[ { "wa_id":"4791234567", "detail":"User requested to stop marketing messages",
                         "category":"marketing_messages", "value":"stop", "timestamp":1731705721 } ] }}]}]}`,
			want: whatsapp.WebhookValue{MessagingProduct: "whatsapp", Metadata: whatsapp.Metadata{DisplayPhoneNumber: "1", PhoneNumberID: "1"},
				Contacts: []whatsapp.WebhookContact{{Profile: whatsapp.Profile{Name: "K"}, WaID: "4791234567"}},
				UserPreferences: []whatsapp.UserPreference{{WaID: "4791234567", Detail: "User requested to stop marketing messages",
					Category: "marketing_messages", Value: "stop", Timestamp: 1731705721}}},
		},
		{
			name: "§4.7 user_preferences with string timestamp (tolerant)",
			body: `{"object":"whatsapp_business_account","entry":[{"id":"W","changes":[{"field":"user_preferences","value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"1","phone_number_id":"1"},
			"user_preferences":[{"wa_id":"47","detail":"x","category":"marketing_messages","value":"resume","timestamp":"1731705721"}]}}]}]}`,
			want: whatsapp.WebhookValue{MessagingProduct: "whatsapp", Metadata: whatsapp.Metadata{DisplayPhoneNumber: "1", PhoneNumberID: "1"},
				UserPreferences: []whatsapp.UserPreference{{WaID: "47", Detail: "x", Category: "marketing_messages", Value: "resume", Timestamp: 1731705721}}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, err := whatsapp.ParseWebhook([]byte(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			if len(p.Entry) != 1 || len(p.Entry[0].Changes) != 1 {
				t.Fatalf("entries/changes = %+v", p.Entry)
			}
			if diff := cmp.Diff(tt.want, p.Entry[0].Changes[0].Value); diff != "" {
				t.Errorf("value (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseWebhook_Rejects(t *testing.T) {
	t.Parallel()
	if _, err := whatsapp.ParseWebhook([]byte(`{"object":"page","entry":[]}`)); !errors.Is(err, whatsapp.ErrNotWhatsAppPayload) {
		t.Errorf("other object: err = %v", err)
	}
	if _, err := whatsapp.ParseWebhook([]byte(`{"object":`)); err == nil {
		t.Error("truncated JSON parsed")
	}
	if _, err := whatsapp.ParseWebhook([]byte(`{"object":"whatsapp_business_account","entry":[{"changes":[{"value":{"statuses":[{"timestamp":"x"}]}}]}]}`)); err == nil {
		t.Error("non-numeric timestamp parsed")
	}
}

// TestTimestampEncoding checks that messages/statuses encode timestamps as
// strings (§4.5) and user_preferences as integers (§4.7).
func TestTimestampEncoding(t *testing.T) {
	t.Parallel()
	st, _ := json.Marshal(whatsapp.Status{ID: "w", Status: "sent", Timestamp: 17})
	if want := `{"id":"w","status":"sent","timestamp":"17"}`; string(st) != want {
		t.Errorf("status = %s, want %s", st, want)
	}
	up, _ := json.Marshal(whatsapp.UserPreference{WaID: "47", Value: "stop", Timestamp: 17})
	if want := `{"wa_id":"47","detail":"","category":"","value":"stop","timestamp":17}`; string(up) != want {
		t.Errorf("user preference = %s, want %s", up, want)
	}
}

// TestButtonIndex_1_3 encodes index "0" (kept, not dropped) and decodes both forms.
func TestButtonIndex_1_3(t *testing.T) {
	t.Parallel()
	zero := whatsapp.ButtonIndex(0)
	b, _ := json.Marshal(whatsapp.Component{Type: "button", SubType: "quick_reply", Index: &zero,
		Parameters: []whatsapp.Parameter{{Type: "payload", Payload: "OPTOUT:c_123"}}})
	if want := `{"type":"button","sub_type":"quick_reply","index":"0","parameters":[{"type":"payload","payload":"OPTOUT:c_123"}]}`; string(b) != want {
		t.Errorf("component = %s, want %s", b, want)
	}
	for _, in := range []string{`{"index":1}`, `{"index":"1"}`} {
		var c whatsapp.Component
		if err := json.Unmarshal([]byte(in), &c); err != nil || c.Index == nil || *c.Index != 1 {
			t.Errorf("%s: index %v err %v", in, c.Index, err)
		}
	}
}

func TestMaskPhone(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		"+4791234567":     "+479*****67",
		"4791234567":      "479*****67",
		"+47 912 34 567":  "+479*****67",
		"123":             "***",
		"":                "***",
		"NO.1234567890ab": "NO.***", // a BSUID keeps its country only
		"abc1234567":      "***",
	}
	for in, want := range tests {
		t.Run(in, func(t *testing.T) {
			t.Parallel()
			if got := whatsapp.MaskPhone(in); got != want {
				t.Errorf("MaskPhone(%q) = %q, want %q", in, got, want)
			}
		})
	}
}

func FuzzParseWebhook(f *testing.F) {
	f.Add([]byte(`{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":{"statuses":[{"id":"w","status":"sent","timestamp":"1"}]}}]}]}`))
	f.Add([]byte(`{"object":"whatsapp_business_account","entry":[{"changes":[{"value":{"user_preferences":[{"timestamp":1}]}}]}]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		p, err := whatsapp.ParseWebhook(body)
		if err == nil && p.Object != whatsapp.WebhookObject {
			t.Fatalf("accepted object %q", p.Object)
		}
	})
}
