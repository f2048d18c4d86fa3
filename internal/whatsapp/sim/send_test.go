// SPDX-License-Identifier: AGPL-3.0-only

package sim_test

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/samtykke/samtykke/internal/whatsapp/sim"
)

var successRE = regexp.MustCompile(`^\{"messaging_product":"whatsapp","contacts":\[\{"input":"\+4791234567","wa_id":"4791234567"\}\],"messages":\[\{"id":"wamid\.[A-Za-z0-9+/]+={0,2}"(,"message_status":"accepted")?\}\]\}$`)

// TestSend_Accepted_1_6 checks the success body of each accepted shape (§1.6):
// message_status only for templates.
func TestSend_Accepted_1_6(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		body     string
		template bool
	}{
		{"§1.3 template", templateBody(kari, "spring_offer_v2", "outbox:1"), true},
		{"§1.3 template with components, index as int", `{"messaging_product":"whatsapp","to":"+4791234567","type":"template","template":{"name":"t","language":{"code":"nb"},"components":[{"type":"body","parameters":[{"type":"text","text":"Kari"}]},{"type":"button","sub_type":"quick_reply","index":0,"parameters":[{"type":"payload","payload":"OPTOUT:c"}]}]}}`, true},
		{"§1.4 text", textBody(kari, strings.Repeat("a", 4096)), false},
		{"§1.2 type defaults to text", `{"messaging_product":"whatsapp","to":"+4791234567","text":{"body":"hei"}}`, false},
		{"§1.5 three buttons, 20-char title", `{"messaging_product":"whatsapp","recipient_type":"individual","to":"+4791234567","type":"interactive","interactive":{"type":"button","body":{"text":"Vil du?"},"action":{"buttons":[{"type":"reply","reply":{"id":"a","title":"12345678901234567890"}},{"type":"reply","reply":{"id":"b","title":"Nei"}},{"type":"reply","reply":{"id":"c","title":"Kanskje"}}]}}}`, false},
		{"§7 to with spaces and hyphens", `{"messaging_product":"whatsapp","to":"+47 912-34 567","type":"text","text":{"body":"x"}}`, false},
		{"§1.2 callback data of 512 characters", `{"messaging_product":"whatsapp","to":"+4791234567","type":"text","text":{"body":"x"},"biz_opaque_callback_data":"` + strings.Repeat("ø", 512) + `"}`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, func(c *sim.Config) { c.WebhookURL = "" })
			b.inbound(t, sim.Inbound{From: kari, Text: "hei"}) // open the window for non-templates
			code, body := b.post(t, tt.body)
			if code != http.StatusOK {
				t.Fatalf("HTTP %d: %s", code, body)
			}
			if input := `"input":"+47 912-34 567"`; strings.Contains(tt.body, "+47 912-34 567") {
				body = strings.Replace(body, input, `"input":"+4791234567"`, 1)
			}
			if !successRE.MatchString(body) {
				t.Errorf("body %s does not have the §1.6 shape", body)
			}
			if got := strings.Contains(body, `"message_status":"accepted"`); got != tt.template {
				t.Errorf("message_status present = %v, want %v", got, tt.template)
			}
			msgs := b.sim.Messages("")
			if len(msgs) != 1 || msgs[0].WaID != kariWaID {
				t.Fatalf("recorded %+v", msgs)
			}
			var got struct {
				Messages []struct{ ID string } `json:"messages"`
			}
			_ = json.Unmarshal([]byte(body), &got)
			if msgs[0].ID != got.Messages[0].ID {
				t.Errorf("recorded id %s, answered %s", msgs[0].ID, got.Messages[0].ID)
			}
		})
	}
}

// TestSend_Rejected_2_1 checks exact error bodies (§2.1) and HTTP statuses (§2.2).
func TestSend_Rejected_2_1(t *testing.T) {
	t.Parallel()
	const to = `"to":"+4791234567"`
	tests := []struct {
		name   string
		path   string // default: the send path
		auth   string // default: Bearer test-token
		body   string
		status int
		want   string
	}{
		{
			name: "§1.1 missing token → 190", auth: "-", body: templateBody(kari, "t", ""), status: 401,
			want: `{"error":{"message":"Invalid OAuth access token - Cannot parse access token","type":"OAuthException","code":190,"fbtrace_id":"TRACE"}}`,
		},
		{
			name: "§1.1 unknown phone-number id → 100/33", path: "/v25.0/999/messages", body: templateBody(kari, "t", ""), status: 400,
			want: `{"error":{"message":"Unsupported post request. Object with ID '999' does not exist, cannot be loaded due to missing permissions, or does not support this operation. Please read the Graph API documentation at https://developers.facebook.com/docs/graph-api","type":"GraphMethodException","code":100,"error_subcode":33,"fbtrace_id":"TRACE"}}`,
		},
		{
			name: "§1.1 bad version segment", path: "/latest/" + sim.DefaultPhoneNumberID + "/messages", body: templateBody(kari, "t", ""), status: 400,
			want: `{"error":{"message":"Unknown path components: /latest/100000000000001/messages","type":"OAuthException","code":2500,"fbtrace_id":"TRACE"}}`,
		},
		{
			name: "body is not JSON", body: `{"messaging_product":`, status: 400,
			want: `{"error":{"message":"(#100) Invalid parameter","type":"OAuthException","code":100,"error_data":{"messaging_product":"whatsapp","details":"Request body is not valid JSON."},"fbtrace_id":"TRACE"}}`,
		},
		{
			name: "§1.2 messaging_product missing", body: `{` + to + `,"type":"text","text":{"body":"x"}}`, status: 400,
			want: `{"error":{"message":"(#100) The parameter messaging_product is required.","type":"OAuthException","code":100,"fbtrace_id":"TRACE"}}`,
		},
		{
			name: "§1.2 messaging_product not whatsapp", body: `{"messaging_product":"sms",` + to + `,"type":"text","text":{"body":"x"}}`, status: 400,
			want: `{"error":{"message":"(#100) Param messaging_product must be one of {WHATSAPP} - got \"sms\".","type":"OAuthException","code":100,"fbtrace_id":"TRACE"}}`,
		},
		{
			name: "§1.2 to missing", body: `{"messaging_product":"whatsapp","type":"text","text":{"body":"x"}}`, status: 400,
			want: `{"error":{"message":"(#131008) Required parameter is missing","type":"OAuthException","code":131008,"error_data":{"messaging_product":"whatsapp","details":"The parameter to is required."},"fbtrace_id":"TRACE"}}`,
		},
		{
			name: "§7 to is not a number", body: `{"messaging_product":"whatsapp","to":"kari","type":"text","text":{"body":"x"}}`, status: 400,
			want: `{"error":{"message":"(#131009) Parameter value is not valid","type":"OAuthException","code":131009,"error_data":{"messaging_product":"whatsapp","details":"The parameter to is not a valid phone number."},"fbtrace_id":"TRACE"}}`,
		},
		{
			name: "§2.2 recipient is the sender → 131021", body: `{"messaging_product":"whatsapp","to":"+4722334455","type":"text","text":{"body":"x"}}`, status: 400,
			want: `{"error":{"message":"(#131021) Recipient cannot be sender","type":"OAuthException","code":131021,"error_data":{"messaging_product":"whatsapp","details":"Sender and recipient phone number is the same."},"fbtrace_id":"TRACE"}}`,
		},
		{
			name: "§1.2 unknown type", body: `{"messaging_product":"whatsapp",` + to + `,"type":"fax"}`, status: 400,
			want: `{"error":{"message":"(#100) Param type must be one of {AUDIO, CONTACTS, DOCUMENT, IMAGE, INTERACTIVE, LOCATION, REACTION, STICKER, TEMPLATE, TEXT, VIDEO} - got \"fax\".","type":"OAuthException","code":100,"fbtrace_id":"TRACE"}}`,
		},
		{
			name: "§1.2 type template without template object", body: `{"messaging_product":"whatsapp",` + to + `,"type":"template","text":{"body":"x"}}`, status: 400,
			want: `{"error":{"message":"(#131008) Required parameter is missing","type":"OAuthException","code":131008,"error_data":{"messaging_product":"whatsapp","details":"The parameter template is required."},"fbtrace_id":"TRACE"}}`,
		},
		{
			name: "§1.3 template name missing", body: `{"messaging_product":"whatsapp",` + to + `,"type":"template","template":{"language":{"code":"nb"}}}`, status: 400,
			want: `{"error":{"message":"(#131008) Required parameter is missing","type":"OAuthException","code":131008,"error_data":{"messaging_product":"whatsapp","details":"The parameter template['name'] is required."},"fbtrace_id":"TRACE"}}`,
		},
		{
			name: "§1.3 template language missing", body: `{"messaging_product":"whatsapp",` + to + `,"type":"template","template":{"name":"t"}}`, status: 400,
			want: `{"error":{"message":"(#131008) Required parameter is missing","type":"OAuthException","code":131008,"error_data":{"messaging_product":"whatsapp","details":"The parameter template['language']['code'] is required."},"fbtrace_id":"TRACE"}}`,
		},
		{
			name: "§1.4 text body over 4096", body: textBody(kari, strings.Repeat("a", 4097)), status: 400,
			want: `{"error":{"message":"(#100) Param text['body'] must be at most 4096 characters long.","type":"OAuthException","code":100,"fbtrace_id":"TRACE"}}`,
		},
		{
			name: "§1.4 text body empty", body: textBody(kari, ""), status: 400,
			want: `{"error":{"message":"(#131008) Required parameter is missing","type":"OAuthException","code":131008,"error_data":{"messaging_product":"whatsapp","details":"The parameter text['body'] is required."},"fbtrace_id":"TRACE"}}`,
		},
		{
			name: "§1.5 four buttons", body: `{"messaging_product":"whatsapp",` + to + `,"type":"interactive","interactive":{"type":"button","body":{"text":"b"},"action":{"buttons":[{"type":"reply","reply":{"id":"1","title":"a"}},{"type":"reply","reply":{"id":"2","title":"b"}},{"type":"reply","reply":{"id":"3","title":"c"}},{"type":"reply","reply":{"id":"4","title":"d"}}]}}}`, status: 400,
			want: `{"error":{"message":"(#131009) Parameter value is not valid","type":"OAuthException","code":131009,"error_data":{"messaging_product":"whatsapp","details":"Invalid buttons count. Min allowed buttons: 1, Max allowed buttons: 3"},"fbtrace_id":"TRACE"}}`,
		},
		{
			name: "§1.5 button title of 21 characters", body: `{"messaging_product":"whatsapp",` + to + `,"type":"interactive","interactive":{"type":"button","body":{"text":"b"},"action":{"buttons":[{"type":"reply","reply":{"id":"1","title":"123456789012345678901"}}]}}}`, status: 400,
			want: `{"error":{"message":"(#131009) Parameter value is not valid","type":"OAuthException","code":131009,"error_data":{"messaging_product":"whatsapp","details":"Button title length invalid. Min allowed length: 1, Max allowed length: 20"},"fbtrace_id":"TRACE"}}`,
		},
		{
			name: "§1.5 duplicate button ids", body: `{"messaging_product":"whatsapp",` + to + `,"type":"interactive","interactive":{"type":"button","body":{"text":"b"},"action":{"buttons":[{"type":"reply","reply":{"id":"1","title":"a"}},{"type":"reply","reply":{"id":"1","title":"b"}}]}}}`, status: 400,
			want: `{"error":{"message":"(#131009) Parameter value is not valid","type":"OAuthException","code":131009,"error_data":{"messaging_product":"whatsapp","details":"Button ids must be unique."},"fbtrace_id":"TRACE"}}`,
		},
		{
			name: "§1.2 callback data over 512", body: `{"messaging_product":"whatsapp",` + to + `,"type":"template","template":{"name":"t","language":{"code":"nb"}},"biz_opaque_callback_data":"` + strings.Repeat("x", 513) + `"}`, status: 400,
			want: `{"error":{"message":"(#100) Param biz_opaque_callback_data must be at most 512 characters long.","type":"OAuthException","code":100,"fbtrace_id":"TRACE"}}`,
		},
		{
			name: "§1.7 text outside the window → 131047", body: textBody(ola, "hei"), status: 400,
			want: `{"error":{"message":"(#131047) Re-engagement message","type":"OAuthException","code":131047,"error_data":{"messaging_product":"whatsapp","details":"Message failed to send because more than 24 hours have passed since the customer last replied to this number."},"fbtrace_id":"TRACE"}}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, func(c *sim.Config) { c.WebhookURL = "" })
			b.inbound(t, sim.Inbound{From: kari, Text: "hei"})
			url := b.sendURL()
			if tt.path != "" {
				url = b.srv.URL + tt.path
			}
			auth := "Bearer " + testToken
			if tt.auth == "-" {
				auth = ""
			}
			code, body := b.do(t, http.MethodPost, url, auth, tt.body)
			if code != tt.status {
				t.Errorf("HTTP %d, want %d", code, tt.status)
			}
			if got := stripTrace(body); got != tt.want {
				t.Errorf("body\n got %s\nwant %s", got, tt.want)
			}
			if n := len(b.sim.Messages("")); n != 0 {
				t.Errorf("%d messages recorded for a rejected request", n)
			}
		})
	}
}

func TestSend_TokenConfigured_1_1(t *testing.T) {
	t.Parallel()
	b := setup(t, func(c *sim.Config) { c.Token = "right"; c.WebhookURL = "" })
	tests := []struct {
		name, auth string
		status     int
	}{
		{"right token", "Bearer right", 200},
		{"wrong token", "Bearer wrong", 401},
		{"lower-case scheme", "bearer right", 200},
		{"basic auth", "Basic cmlnaHQ6", 401},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			code, body := b.do(t, http.MethodPost, b.sendURL(), tt.auth, templateBody(kari, "t", ""))
			if code != tt.status {
				t.Errorf("HTTP %d, want %d: %s", code, tt.status, body)
			}
			if code == 401 && !strings.Contains(body, `"code":190`) {
				t.Errorf("401 body %s lacks code 190", body)
			}
		})
	}
	t.Run("access_token query parameter", func(t *testing.T) {
		t.Parallel()
		code, _ := b.do(t, http.MethodPost, b.sendURL()+"?access_token=right", "", templateBody(kari, "t", ""))
		if code != 200 {
			t.Errorf("HTTP %d", code)
		}
	})
}

// TestSend_MarkRead_1_8 answers the mark-as-read request.
func TestSend_MarkRead_1_8(t *testing.T) {
	t.Parallel()
	b := setup(t, func(c *sim.Config) { c.WebhookURL = "" })
	code, body := b.post(t, `{"messaging_product":"whatsapp","status":"read","message_id":"wamid.X"}`)
	if code != 200 || body != `{"success":true}` {
		t.Errorf("HTTP %d %s", code, body)
	}
	code, body = b.post(t, `{"messaging_product":"whatsapp","status":"read"}`)
	if code != 400 || !strings.Contains(body, `"code":131008`) {
		t.Errorf("without message_id: HTTP %d %s", code, body)
	}
}

// TestSend_DigitsOnlyTo_7 prepends the business country code when '+' is missing (§7).
func TestSend_DigitsOnlyTo_7(t *testing.T) {
	t.Parallel()
	b := setup(t, func(c *sim.Config) { c.WebhookURL = "" })
	code, body := b.post(t, templateBody("91234567", "t", ""))
	if code != 200 || !strings.Contains(body, `"input":"91234567","wa_id":"4791234567"`) {
		t.Errorf("national number: HTTP %d %s", code, body)
	}
	code, body = b.post(t, templateBody("4791234567", "t", ""))
	if code != 200 || !strings.Contains(body, `"wa_id":"474791234567"`) {
		t.Errorf("digits with country code get it twice, as documented: HTTP %d %s", code, body)
	}
}

// TestSend_BSUID_7 sends to a business-scoped user id with `recipient`.
func TestSend_BSUID_7(t *testing.T) {
	t.Parallel()
	b := setup(t, func(c *sim.Config) { c.WebhookURL = "" })
	code, body := b.post(t, `{"messaging_product":"whatsapp","recipient":"NO.13491208655302741918","type":"template","template":{"name":"t","language":{"code":"nb"}}}`)
	if code != 200 || !strings.Contains(body, `"contacts":[{"input":"NO.13491208655302741918","user_id":"NO.13491208655302741918"}]`) {
		t.Errorf("HTTP %d %s", code, body)
	}
}

// TestTemplates_2_2 checks the template registry codes 132001/132015/132016/132000.
func TestTemplates_2_2(t *testing.T) {
	t.Parallel()
	one := 1
	b := setup(t, func(c *sim.Config) {
		c.WebhookURL = ""
		c.Templates = []sim.Template{
			{Name: "offer", Language: "nb"},
			{Name: "paused", Language: "nb", Status: "PAUSED"},
			{Name: "disabled", Language: "nb", Status: "DISABLED"},
			{Name: "hello", Language: "nb", Category: "utility", BodyParams: &one},
		}
	})
	tests := []struct {
		name   string
		body   string
		status int
		code   string
	}{
		{"registered", templateBody(kari, "offer", ""), 200, ""},
		{"unknown name → 132001 (404)", templateBody(kari, "nope", ""), 404, `"code":132001`},
		{"wrong language → 132001", `{"messaging_product":"whatsapp","to":"+4791234567","type":"template","template":{"name":"offer","language":{"code":"en"}}}`, 404, `"details":"template name (offer) does not exist in en"`},
		{"paused → 132015", templateBody(kari, "paused", ""), 400, `"code":132015`},
		{"disabled → 132016", templateBody(kari, "disabled", ""), 400, `"code":132016`},
		{"param count → 132000", templateBody(kari, "hello", ""), 400, `"details":"body: number of localizable_params (0) does not match the expected number of params (1)"`},
		{"param count right", `{"messaging_product":"whatsapp","to":"+4791234567","type":"template","template":{"name":"hello","language":{"code":"nb"},"components":[{"type":"body","parameters":[{"type":"text","text":"Kari"}]}]}}`, 200, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			code, body := b.post(t, tt.body)
			if code != tt.status || !strings.Contains(body, tt.code) {
				t.Errorf("HTTP %d %s, want %d with %s", code, body, tt.status, tt.code)
			}
		})
	}
	// Runtime registration through the control endpoint.
	if code := b.control(t, http.MethodPost, "/_sim/templates", sim.Template{Name: "late", Language: "nb"}, nil); code != http.StatusCreated {
		t.Fatalf("POST /_sim/templates: HTTP %d", code)
	}
	if code, body := b.post(t, templateBody(kari, "late", "")); code != 200 {
		t.Errorf("late template: HTTP %d %s", code, body)
	}
}

func TestNew_Config(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		cfg  sim.Config
		ok   bool
	}{
		{"zero value", sim.Config{}, true},
		{"defaults", sim.DefaultConfig(), true},
		{"webhook without secret", sim.Config{WebhookURL: "http://x"}, false},
		{"bad status", sim.Config{Statuses: []string{"failed"}}, false},
		{"bad template", sim.Config{Templates: []sim.Template{{Name: "x"}}}, false},
		{"bad category", sim.Config{Templates: []sim.Template{{Name: "x", Language: "nb", Category: "promo"}}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, err := sim.New(tt.cfg)
			if (err == nil) != tt.ok {
				t.Fatalf("err = %v, want ok=%v", err, tt.ok)
			}
			if s != nil {
				s.Close()
			}
		})
	}
}
