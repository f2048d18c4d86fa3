// SPDX-License-Identifier: AGPL-3.0-only

package sim_test

import (
	"errors"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/samtykke/samtykke/internal/whatsapp"
	"github.com/samtykke/samtykke/internal/whatsapp/sim"
)

func newClient(t *testing.T, b *testBundle, token string) *whatsapp.Client {
	t.Helper()
	c, err := whatsapp.NewClient(whatsapp.ClientConfig{BaseURL: b.srv.URL, Token: token, PhoneNumberID: sim.DefaultPhoneNumberID,
		HTTPClient: &http.Client{Timeout: 5 * time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

var tpl = whatsapp.Template{Name: "spring_offer", Language: whatsapp.Language{Code: "nb"}}

// TestClientRoundTrip sends every kind through the client and sees the statuses.
func TestClientRoundTrip(t *testing.T) {
	t.Parallel()
	b := setup(t, func(c *sim.Config) { c.Statuses = []string{"delivered"}; c.PairRateEvery = 0 })
	c := newClient(t, b, testToken)
	ctx := t.Context()

	res, err := c.SendTemplate(ctx, kari, tpl, "outbox:1")
	if err != nil {
		t.Fatal(err)
	}
	if res.WaID != kariWaID || res.MessageStatus != whatsapp.MessageStatusAccepted || res.MessageID == "" {
		t.Errorf("template result %+v", res)
	}
	if st := b.recv.statuses(t, 1)[0]; st.ID != res.MessageID || st.BizOpaqueCallbackData != "outbox:1" {
		t.Errorf("status %+v", st)
	}

	// The user answers; inside the window text and buttons go through (§1.7).
	b.inbound(t, sim.Inbound{From: kari, Text: "JA"})
	b.recv.next(t)
	if res, err := c.SendText(ctx, kari, "Takk, du er påmeldt.", "outbox:2"); err != nil || res.MessageStatus != "" {
		t.Fatalf("text: %+v %v", res, err)
	}
	if _, err := c.SendButtons(ctx, kari, "Vil du motta tilbud?", []whatsapp.Button{{ID: "yes", Title: "Ja"}, {ID: "no", Title: "Nei"}}, "outbox:3"); err != nil {
		t.Fatalf("buttons: %v", err)
	}
	if err := c.MarkRead(ctx, "wamid.X"); err != nil {
		t.Fatalf("mark read: %v", err)
	}
	if got := b.recv.statuses(t, 2); len(got) != 2 {
		t.Errorf("statuses %+v", got)
	}
	if m := b.sim.Messages(kari); len(m) != 3 || m[1].Type != "text" || m[2].Type != "interactive" {
		t.Errorf("recorded %+v", m)
	}
}

// TestClientClassification maps the simulator's errors to APIError classes (§2.2).
func TestClientClassification(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		edit      func(*sim.Config)
		prepare   func(*testing.T, *testBundle, *whatsapp.Client)
		token     string
		send      func(*whatsapp.Client) error
		code      int
		class     whatsapp.Class
		retryable bool
	}{
		{name: "§3.1 throughput 130429", edit: func(c *sim.Config) { c.MPS = 1 },
			prepare: func(t *testing.T, b *testBundle, c *whatsapp.Client) {
				_, _ = c.SendTemplate(t.Context(), ola, tpl, "")
			},
			code: 130429, class: whatsapp.ClassRateLimited, retryable: true},
		{name: "§3.2 pair rate 131056", edit: func(c *sim.Config) { c.PairBurst = 1 },
			prepare: func(t *testing.T, b *testBundle, c *whatsapp.Client) {
				_, _ = c.SendTemplate(t.Context(), kari, tpl, "")
			},
			code: 131056, class: whatsapp.ClassPairRateLimited, retryable: true},
		{name: "§1.7 re-engagement 131047",
			send: func(c *whatsapp.Client) error { _, err := c.SendText(t.Context(), kari, "hei", ""); return err },
			code: 131047, class: whatsapp.ClassReengagement},
		{name: "§2.2 token 190", edit: func(c *sim.Config) { c.Token = "right" }, token: "wrong",
			code: 190, class: whatsapp.ClassAuth},
		{name: "§2.2 template missing 132001", edit: func(c *sim.Config) { c.Templates = []sim.Template{{Name: "other", Language: "nb"}} },
			code: 132001, class: whatsapp.ClassTemplate},
		{name: "§2.2 maintenance 131057 is retryable",
			prepare: func(t *testing.T, b *testBundle, c *whatsapp.Client) {
				_ = b.sim.AddFault(sim.Fault{ErrorCode: 131057})
			},
			code: 131057, class: whatsapp.ClassTransient, retryable: true},
		{name: "§2.2 spam limit 131048 is account-level",
			prepare: func(t *testing.T, b *testBundle, c *whatsapp.Client) {
				_ = b.sim.AddFault(sim.Fault{ErrorCode: 131048})
			},
			code: 131048, class: whatsapp.ClassAccount},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, func(c *sim.Config) {
				c.WebhookURL = ""
				if tt.edit != nil {
					tt.edit(c)
				}
			})
			token := tt.token
			if token == "" {
				token = testToken
			}
			c := newClient(t, b, token)
			if tt.prepare != nil {
				tt.prepare(t, b, c)
			}
			send := tt.send
			if send == nil {
				send = func(c *whatsapp.Client) error { _, err := c.SendTemplate(t.Context(), kari, tpl, ""); return err }
			}
			err := send(c)
			var ae *whatsapp.APIError
			if !errors.As(err, &ae) {
				t.Fatalf("err = %v, want *APIError", err)
			}
			if ae.Code != tt.code || ae.Class != tt.class || ae.Retryable() != tt.retryable || ae.FBTraceID == "" {
				t.Errorf("APIError %+v retryable=%v, want code %d class %v retryable %v", ae, ae.Retryable(), tt.code, tt.class, tt.retryable)
			}
			if errors.Is(err, whatsapp.ErrAmbiguous) || errors.Is(err, whatsapp.ErrNotSent) {
				t.Errorf("a clear rejection is neither ambiguous nor not-sent: %v", err)
			}
		})
	}
}

// TestClientAmbiguity_6 uses the drop_connection fault: the simulator accepted
// the message and the answer was lost, so the client must report ErrAmbiguous;
// a refused connection is ErrNotSent (§6).
func TestClientAmbiguity_6(t *testing.T) {
	t.Parallel()
	t.Run("accepted, then the connection dropped", func(t *testing.T) {
		t.Parallel()
		b := setup(t, func(c *sim.Config) { c.Statuses = []string{"sent"} })
		c := newClient(t, b, testToken)
		var list struct{ Faults []sim.Fault }
		b.control(t, http.MethodPost, "/_sim/faults", map[string]any{"drop_connection": true, "count": 1}, &list)
		_, err := c.SendTemplate(t.Context(), kari, tpl, "outbox:amb")
		if !errors.Is(err, whatsapp.ErrAmbiguous) || errors.Is(err, whatsapp.ErrNotSent) {
			t.Fatalf("err = %v, want ErrAmbiguous", err)
		}
		// The message was accepted: it is recorded and its status arrives with
		// the callback data, which is how the caller reconciles.
		if m := b.sim.Messages(kari); len(m) != 1 || m[0].BizOpaqueCallbackData != "outbox:amb" {
			t.Errorf("recorded %+v", m)
		}
		if st := b.recv.statuses(t, 1)[0]; st.BizOpaqueCallbackData != "outbox:amb" {
			t.Errorf("status %+v", st)
		}
		if st := b.sim.Stats(); st.DroppedConnections != 1 {
			t.Errorf("stats %+v", st)
		}
		// The next send on a fresh connection works.
		if _, err := c.SendTemplate(t.Context(), ola, tpl, ""); err != nil {
			t.Errorf("after the drop: %v", err)
		}
	})
	t.Run("dropped with an error code: ambiguous to the client, nothing accepted", func(t *testing.T) {
		t.Parallel()
		b := setup(t, func(c *sim.Config) { c.WebhookURL = "" })
		c := newClient(t, b, testToken)
		_ = b.sim.AddFault(sim.Fault{ErrorCode: 131000, DropConnection: true})
		_, err := c.SendTemplate(t.Context(), kari, tpl, "")
		if !errors.Is(err, whatsapp.ErrAmbiguous) {
			t.Fatalf("err = %v, want ErrAmbiguous", err)
		}
		if m := b.sim.Messages(""); len(m) != 0 {
			t.Errorf("recorded %+v", m)
		}
	})
	t.Run("131000 answer is ambiguous", func(t *testing.T) {
		t.Parallel()
		b := setup(t, func(c *sim.Config) { c.WebhookURL = "" })
		c := newClient(t, b, testToken)
		_ = b.sim.AddFault(sim.Fault{ErrorCode: 131000})
		_, err := c.SendTemplate(t.Context(), kari, tpl, "")
		var ae *whatsapp.APIError
		if !errors.Is(err, whatsapp.ErrAmbiguous) || !errors.As(err, &ae) || ae.Retryable() || ae.HTTPStatus != 500 {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("connection refused is not ambiguous", func(t *testing.T) {
		t.Parallel()
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		ln.Close()
		c, _ := whatsapp.NewClient(whatsapp.ClientConfig{BaseURL: "http://" + addr, Token: testToken, PhoneNumberID: sim.DefaultPhoneNumberID})
		_, err = c.SendTemplate(t.Context(), kari, tpl, "")
		if !errors.Is(err, whatsapp.ErrNotSent) || errors.Is(err, whatsapp.ErrAmbiguous) {
			t.Fatalf("err = %v, want ErrNotSent", err)
		}
	})
}
