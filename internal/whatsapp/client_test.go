// SPDX-License-Identifier: AGPL-3.0-only

package whatsapp_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/samtykke/samtykke/internal/whatsapp"
)

type testBundle struct {
	client *whatsapp.Client
	got    chan *http.Request
	bodies chan string
}

// setup starts a server that records each request and answers with status and body.
func setup(t *testing.T, status int, answer string) *testBundle {
	t.Helper()
	b := &testBundle{got: make(chan *http.Request, 10), bodies: make(chan string, 10)}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		b.got <- r
		b.bodies <- string(body)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = io.WriteString(w, answer)
	}))
	t.Cleanup(srv.Close)
	c, err := whatsapp.NewClient(whatsapp.ClientConfig{BaseURL: srv.URL, Token: "tok", PhoneNumberID: "106540352242922"})
	if err != nil {
		t.Fatal(err)
	}
	b.client = c
	return b
}

const okAnswer = `{"messaging_product":"whatsapp","contacts":[{"input":"+4791234567","wa_id":"4791234567"}],"messages":[{"id":"wamid.X","message_status":"accepted"}]}`

// TestClient_RequestShapes_1 checks path, headers and the exact JSON bodies (§1.1–§1.5).
func TestClient_RequestShapes_1(t *testing.T) {
	t.Parallel()
	zero := whatsapp.ButtonIndex(0)
	tests := []struct {
		name string
		send func(context.Context, *whatsapp.Client) (whatsapp.SendResult, error)
		want string
	}{
		{
			name: "§1.3 template",
			send: func(ctx context.Context, c *whatsapp.Client) (whatsapp.SendResult, error) {
				return c.SendTemplate(ctx, "+4791234567", whatsapp.Template{
					Name: "spring_offer_v2", Language: whatsapp.Language{Code: "nb"},
					Components: []whatsapp.Component{
						{Type: "body", Parameters: []whatsapp.Parameter{{Type: "text", ParameterName: "first_name", Text: "Kari"}}},
						{Type: "button", SubType: "quick_reply", Index: &zero, Parameters: []whatsapp.Parameter{{Type: "payload", Payload: "OPTOUT:c_123"}}},
					},
				}, "outbox:8f1c")
			},
			want: `{"messaging_product":"whatsapp","recipient_type":"individual","to":"+4791234567","type":"template","template":{"name":"spring_offer_v2","language":{"code":"nb"},"components":[{"type":"body","parameters":[{"type":"text","parameter_name":"first_name","text":"Kari"}]},{"type":"button","sub_type":"quick_reply","index":"0","parameters":[{"type":"payload","payload":"OPTOUT:c_123"}]}]},"biz_opaque_callback_data":"outbox:8f1c"}`,
		},
		{
			name: "§1.4 text",
			send: func(ctx context.Context, c *whatsapp.Client) (whatsapp.SendResult, error) {
				return c.SendText(ctx, "+4791234567", "Takk!", "")
			},
			want: `{"messaging_product":"whatsapp","recipient_type":"individual","to":"+4791234567","type":"text","text":{"body":"Takk!"}}`,
		},
		{
			name: "§1.5 reply buttons",
			send: func(ctx context.Context, c *whatsapp.Client) (whatsapp.SendResult, error) {
				return c.SendButtons(ctx, "+4791234567", "Vil du motta tilbud?", []whatsapp.Button{{ID: "optin_yes:c_123", Title: "Ja"}, {ID: "optin_no:c_123", Title: "Nei"}}, "cb")
			},
			want: `{"messaging_product":"whatsapp","recipient_type":"individual","to":"+4791234567","type":"interactive","interactive":{"type":"button","body":{"text":"Vil du motta tilbud?"},"action":{"buttons":[{"type":"reply","reply":{"id":"optin_yes:c_123","title":"Ja"}},{"type":"reply","reply":{"id":"optin_no:c_123","title":"Nei"}}]}},"biz_opaque_callback_data":"cb"}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, 200, okAnswer)
			res, err := tt.send(t.Context(), b.client)
			if err != nil {
				t.Fatal(err)
			}
			if res != (whatsapp.SendResult{MessageID: "wamid.X", WaID: "4791234567", MessageStatus: "accepted"}) {
				t.Errorf("result = %+v", res)
			}
			r := <-b.got
			if r.Method != http.MethodPost || r.URL.Path != "/v25.0/106540352242922/messages" {
				t.Errorf("request %s %s", r.Method, r.URL.Path)
			}
			if r.Header.Get("Authorization") != "Bearer tok" || r.Header.Get("Content-Type") != "application/json" {
				t.Errorf("headers %v", r.Header)
			}
			if got := strings.TrimSpace(<-b.bodies); got != tt.want {
				t.Errorf("body\n got %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestClient_LocalValidation(t *testing.T) {
	t.Parallel()
	b := setup(t, 200, okAnswer)
	ctx := t.Context()
	tpl := whatsapp.Template{Name: "t", Language: whatsapp.Language{Code: "nb"}}
	tests := []struct {
		name string
		send func() error
	}{
		{"callback 513 chars", func() error {
			_, err := b.client.SendTemplate(ctx, "+4791234567", tpl, strings.Repeat("x", 513))
			return err
		}},
		{"callback 513 runes", func() error {
			_, err := b.client.SendTemplate(ctx, "+4791234567", tpl, strings.Repeat("æ", 513))
			return err
		}},
		{"to without plus", func() error { _, err := b.client.SendText(ctx, "4791234567", "x", ""); return err }},
		{"to with spaces", func() error { _, err := b.client.SendText(ctx, "+47 91234567", "x", ""); return err }},
		{"empty to", func() error { _, err := b.client.SendText(ctx, "", "x", ""); return err }},
		{"no template name", func() error {
			_, err := b.client.SendTemplate(ctx, "+4791234567", whatsapp.Template{Language: whatsapp.Language{Code: "nb"}}, "")
			return err
		}},
		{"no language", func() error {
			_, err := b.client.SendTemplate(ctx, "+4791234567", whatsapp.Template{Name: "t"}, "")
			return err
		}},
		{"text 4097", func() error {
			_, err := b.client.SendText(ctx, "+4791234567", strings.Repeat("a", 4097), "")
			return err
		}},
		{"4 buttons", func() error {
			_, err := b.client.SendButtons(ctx, "+4791234567", "b", []whatsapp.Button{{"1", "a"}, {"2", "b"}, {"3", "c"}, {"4", "d"}}, "")
			return err
		}},
		{"title 21", func() error {
			_, err := b.client.SendButtons(ctx, "+4791234567", "b", []whatsapp.Button{{"1", strings.Repeat("t", 21)}}, "")
			return err
		}},
		{"duplicate ids", func() error {
			_, err := b.client.SendButtons(ctx, "+4791234567", "b", []whatsapp.Button{{"1", "a"}, {"1", "b"}}, "")
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := tt.send()
			if !errors.Is(err, whatsapp.ErrInvalidRequest) || !errors.Is(err, whatsapp.ErrNotSent) || errors.Is(err, whatsapp.ErrAmbiguous) {
				t.Errorf("err = %v, want ErrInvalidRequest and ErrNotSent", err)
			}
		})
	}
	if len(b.got) != 0 {
		t.Errorf("%d invalid requests reached the server", len(b.got))
	}
	// Exactly 512 characters is allowed (§1.2).
	if _, err := b.client.SendTemplate(ctx, "+4791234567", tpl, strings.Repeat("æ", 512)); err != nil {
		t.Errorf("512 characters: %v", err)
	}
}

func TestClient_APIError(t *testing.T) {
	t.Parallel()
	b := setup(t, 400, `{"error":{"message":"(#131056) (Business Account, Consumer Account) pair rate limit hit","type":"OAuthException","code":131056,"error_data":{"messaging_product":"whatsapp","details":"d"},"fbtrace_id":"A1"}}`)
	_, err := b.client.SendText(t.Context(), "+4791234567", "x", "")
	var ae *whatsapp.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("err = %v, want *APIError", err)
	}
	if ae.Code != 131056 || ae.Class != whatsapp.ClassPairRateLimited || !ae.Retryable() || ae.Details != "d" || ae.FBTraceID != "A1" {
		t.Errorf("APIError = %+v", ae)
	}
	if errors.Is(err, whatsapp.ErrAmbiguous) || errors.Is(err, whatsapp.ErrNotSent) {
		t.Errorf("a clear rejection is neither ambiguous nor not-sent")
	}
}

// TestClient_Ambiguity_6 separates "never sent" from "may have been accepted" (§6).
func TestClient_Ambiguity_6(t *testing.T) {
	t.Parallel()
	t.Run("connection refused is not ambiguous", func(t *testing.T) {
		t.Parallel()
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		ln.Close()
		c, _ := whatsapp.NewClient(whatsapp.ClientConfig{BaseURL: "http://" + addr, Token: "t", PhoneNumberID: "1"})
		_, err = c.SendText(t.Context(), "+4791234567", "x", "")
		if !errors.Is(err, whatsapp.ErrNotSent) || errors.Is(err, whatsapp.ErrAmbiguous) {
			t.Errorf("err = %v, want ErrNotSent only", err)
		}
	})
	t.Run("timeout after the request left is ambiguous", func(t *testing.T) {
		t.Parallel()
		release := make(chan struct{})
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.ReadAll(r.Body)
			<-release
		}))
		t.Cleanup(srv.Close)
		t.Cleanup(func() { close(release) })
		c, _ := whatsapp.NewClient(whatsapp.ClientConfig{BaseURL: srv.URL, Token: "t", PhoneNumberID: "1",
			HTTPClient: &http.Client{Timeout: 100 * time.Millisecond}})
		_, err := c.SendText(t.Context(), "+4791234567", "x", "")
		if !errors.Is(err, whatsapp.ErrAmbiguous) || errors.Is(err, whatsapp.ErrNotSent) {
			t.Errorf("err = %v, want ErrAmbiguous", err)
		}
	})
	t.Run("cancelled before sending is not ambiguous", func(t *testing.T) {
		t.Parallel()
		b := setup(t, 200, okAnswer)
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		_, err := b.client.SendText(ctx, "+4791234567", "x", "")
		if !errors.Is(err, whatsapp.ErrNotSent) || !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v, want ErrNotSent wrapping context.Canceled", err)
		}
	})
	t.Run("5xx is ambiguous", func(t *testing.T) {
		t.Parallel()
		b := setup(t, 500, `{"error":{"message":"(#131000) Something went wrong","type":"OAuthException","code":131000}}`)
		_, err := b.client.SendText(t.Context(), "+4791234567", "x", "")
		var ae *whatsapp.APIError
		if !errors.Is(err, whatsapp.ErrAmbiguous) || !errors.As(err, &ae) || ae.Retryable() {
			t.Errorf("err = %v, want ambiguous non-retryable APIError", err)
		}
	})
	t.Run("200 without wamid is ambiguous", func(t *testing.T) {
		t.Parallel()
		b := setup(t, 200, `{"messaging_product":"whatsapp"}`)
		_, err := b.client.SendText(t.Context(), "+4791234567", "x", "")
		if !errors.Is(err, whatsapp.ErrAmbiguous) {
			t.Errorf("err = %v, want ErrAmbiguous", err)
		}
	})
}

func TestNewClient_Config(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		cfg  whatsapp.ClientConfig
		ok   bool
	}{
		{"defaults", whatsapp.ClientConfig{Token: "t", PhoneNumberID: "1"}, true},
		{"no token", whatsapp.ClientConfig{PhoneNumberID: "1"}, false},
		{"no phone id", whatsapp.ClientConfig{Token: "t"}, false},
		{"phone id with slash", whatsapp.ClientConfig{Token: "t", PhoneNumberID: "1/2"}, false},
		{"bad version", whatsapp.ClientConfig{Token: "t", PhoneNumberID: "1", Version: "25"}, false},
		{"bad base", whatsapp.ClientConfig{Token: "t", PhoneNumberID: "1", BaseURL: "ftp://x"}, false},
		{"pinned older version", whatsapp.ClientConfig{Token: "t", PhoneNumberID: "1", Version: "v24.0"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := whatsapp.NewClient(tt.cfg)
			if (err == nil) != tt.ok {
				t.Errorf("err = %v, want ok=%v", err, tt.ok)
			}
		})
	}
}
