// SPDX-License-Identifier: AGPL-3.0-only

package sim

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/samtykke/samtykke/internal/whatsapp"
)

// FuzzSend posts arbitrary bodies to the send path: the handler never panics,
// answers 200 with the §1.6 shape or an error in the §2.1 shape.
func FuzzSend(f *testing.F) {
	for _, seed := range []string{
		`{"messaging_product":"whatsapp","to":"+4791234567","type":"template","template":{"name":"t","language":{"code":"nb"}}}`,
		`{"messaging_product":"whatsapp","to":"+4791234567","type":"interactive","interactive":{"type":"button","body":{"text":"b"},"action":{"buttons":[{"type":"reply","reply":{"id":"1","title":"a"}}]}}}`,
		`{"messaging_product":"whatsapp","to":"91234567","text":{"body":"x"},"biz_opaque_callback_data":"\u00e6"}`,
		`{"messaging_product":"whatsapp","recipient":"NO.1","type":"template","template":{"name":"t","language":{"code":"nb"},"components":[{"type":"button","sub_type":"quick_reply","index":"x"}]}}`,
		`{"messaging_product":"whatsapp","status":"read","message_id":"w"}`,
		`[]`, `null`, ``,
	} {
		f.Add(seed)
	}
	s, err := New(Config{})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(s.Close)
	f.Fuzz(func(t *testing.T, body string) {
		req := httptest.NewRequest(http.MethodPost, "/v25.0/"+DefaultPhoneNumberID+"/messages", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer t")
		w := httptest.NewRecorder()
		s.ServeHTTP(w, req)
		switch w.Code {
		case http.StatusOK:
			var ok whatsapp.SendResponse
			var read struct{ Success bool }
			if json.Unmarshal(w.Body.Bytes(), &ok) != nil || (len(ok.Messages) != 1 && json.Unmarshal(w.Body.Bytes(), &read) != nil) {
				t.Fatalf("200 body %s", w.Body)
			}
		default:
			var e whatsapp.ErrorResponse
			if err := json.Unmarshal(w.Body.Bytes(), &e); err != nil || e.Error.Message == "" || e.Error.FBTraceID == "" {
				t.Fatalf("HTTP %d body %s", w.Code, w.Body)
			}
		}
	})
}

// FuzzAppendJSONString checks the hand-written escaper against encoding/json.
func FuzzAppendJSONString(f *testing.F) {
	for _, s := range []string{"", "+47 912", "a\"b\\c\n\t\x00", "<&>", "\u2028\u2029", "\xff\xfe", "æøå"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, _ := json.Marshal(s)
		if got := appendJSONString(nil, s); string(got) != string(want) {
			t.Fatalf("appendJSONString(%q) = %s, want %s", s, got, want)
		}
	})
}
