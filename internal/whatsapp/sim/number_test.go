// SPDX-License-Identifier: AGPL-3.0-only

package sim_test

import (
	"net/http"
	"testing"

	"github.com/samtykke/samtykke/internal/phone"
	"github.com/samtykke/samtykke/internal/whatsapp"
	"github.com/samtykke/samtykke/internal/whatsapp/sim"
)

// fromSpellings are the spellings of the test users' numbers a control call
// takes, each with the wa_id it must become (§7). The Norwegian ones are
// spellings the product's parser accepts (internal/phone, N-01); the foreign
// one is refused by the product and must still be able to write. Case names
// describe the spelling, so no number reaches the test output.
var fromSpellings = []struct {
	name, from, wantWaID string
}{
	{"E.164", kari, kariWaID},
	{"wa_id form, the platform's own spelling", kariWaID, kariWaID},
	{"international prefix 00", "00" + kariWaID, kariWaID},
	{"international prefix 00 with spaces", "0047 912 34 567", kariWaID},
	{"national", "91234567", kariWaID},
	{"national grouped", "912 34 567", kariWaID},
	{"national with dashes", "912-34-567", kariWaID},
	{"E.164 grouped", "+47 912 34 567", kariWaID},
	{"country code in parentheses", "(+47) 912 34 567", kariWaID},
	{"wa_id form grouped", "47 91 23 45 67", kariWaID},
	{"tab and no-break space", "+47\t912\u00a034 567", kariWaID},
	{"second test user, wa_id form", "4741234567", "4741234567"},
	{"national number starting with 47", "47123456", "4747123456"},
	{"wa_id form of a national number starting with 47", "4747123456", "4747123456"},
	{"foreign, E.164", "+46701234567", "46701234567"},
	{"foreign, wa_id form", "46701234567", "46701234567"},
	{"foreign, international prefix 00", "0046701234567", "46701234567"},
}

// TestInboundFromSpellings_7 posts /_sim/inbound with each spelling: the
// answer, the webhook's contact and the message's from carry the right wa_id,
// never the country code prefixed twice (reference §7; N-01).
func TestInboundFromSpellings_7(t *testing.T) {
	t.Parallel()
	for _, tt := range fromSpellings {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, func(c *sim.Config) { c.Statuses = []string{} })
			d := b.inbound(t, sim.Inbound{From: tt.from, Text: "JA"})
			if d.WaID != tt.wantWaID || !d.Delivered {
				t.Fatalf("delivery wa_id %s delivered %v, want wa_id %s",
					whatsapp.MaskPhone(d.WaID), d.Delivered, whatsapp.MaskPhone(tt.wantWaID))
			}
			v := b.recv.next(t).payload.Entry[0].Changes[0].Value
			if len(v.Contacts) != 1 || v.Contacts[0].WaID != tt.wantWaID || len(v.Messages) != 1 || v.Messages[0].From != tt.wantWaID {
				t.Errorf("webhook contacts/messages do not carry wa_id %s", whatsapp.MaskPhone(tt.wantWaID))
			}
			// The product's parser reads the webhook's wa_id back as the number it was given.
			if want, err := (phone.Policy{AllowedRegions: []string{"SE"}}).Parse(tt.from); err == nil {
				if got, err := (phone.Policy{AllowedRegions: []string{"SE"}}).Parse("+" + d.WaID); err != nil || got != want {
					t.Errorf("wa_id %s is not the number the product parses (%s)", whatsapp.MaskPhone(d.WaID), want)
				}
			}
		})
	}
}

// TestUserPreferenceFromSpellings_7 gives /_sim/user_preferences the same
// spellings: the webhook names the right wa_id, and the stop blocks marketing
// to that user (§5.2, 131050) whatever the spelling.
func TestUserPreferenceFromSpellings_7(t *testing.T) {
	t.Parallel()
	for _, tt := range fromSpellings {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, func(c *sim.Config) { c.Statuses = []string{} })
			var d sim.Delivery
			if code := b.control(t, http.MethodPost, "/_sim/user_preferences", sim.UserPreference{From: tt.from, Value: "stop"}, &d); code != http.StatusOK {
				t.Fatalf("user_preferences: HTTP %d", code)
			}
			if d.WaID != tt.wantWaID {
				t.Fatalf("wa_id %s, want %s", whatsapp.MaskPhone(d.WaID), whatsapp.MaskPhone(tt.wantWaID))
			}
			v := b.recv.next(t).payload.Entry[0].Changes[0].Value
			if len(v.UserPreferences) != 1 || v.UserPreferences[0].WaID != tt.wantWaID {
				t.Errorf("user_preferences webhook does not carry wa_id %s", whatsapp.MaskPhone(tt.wantWaID))
			}
			if code, _ := b.post(t, templateBody("+"+tt.wantWaID, "jul_tilbud", "")); code != http.StatusOK {
				t.Fatalf("send: HTTP %d", code)
			}
			st := b.recv.statuses(t, 1)
			if st[0].Status != "failed" || len(st[0].Errors) != 1 || st[0].Errors[0].Code != whatsapp.CodeMarketingStopped {
				t.Errorf("marketing to the stopped user: status %q, want failed 131050", st[0].Status)
			}
		})
	}
}

// TestFaultToSpellings_7 limits a fault to a recipient written as /_sim/inbound
// takes it: the fault fires for that user and for no one else.
func TestFaultToSpellings_7(t *testing.T) {
	t.Parallel()
	for _, tt := range fromSpellings {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, func(c *sim.Config) { c.WebhookURL = "" })
			if err := b.sim.AddFault(sim.Fault{ErrorCode: 131026, To: tt.from}); err != nil {
				t.Fatal(err)
			}
			if code, _ := b.post(t, templateBody("+"+tt.wantWaID, "jul_tilbud", "")); code != http.StatusBadRequest {
				t.Errorf("send to the fault's recipient: HTTP %d, want 400 (131026)", code)
			}
			other := ola
			if tt.wantWaID == "4741234567" {
				other = kari
			}
			if code, _ := b.post(t, templateBody(other, "jul_tilbud", "")); code != http.StatusOK {
				t.Errorf("send to someone else: HTTP %d, want 200", code)
			}
		})
	}
}

// TestInboundFromRefused_7 refuses what is not a number, saying so without
// repeating it, and delivers nothing.
func TestInboundFromRefused_7(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ name, from string }{
		{"empty", ""},
		{"letters", "kari"},
		{"too short", "1234"},
		{"too long", "+4791234567912345678"},
		{"plus inside", "47+91234567"},
		{"zero country code", "+0791234567"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, nil)
			var e struct {
				Error struct{ Message string } `json:"error"`
			}
			if code := b.control(t, http.MethodPost, "/_sim/inbound", sim.Inbound{From: tt.from, Text: "JA"}, &e); code != http.StatusBadRequest {
				t.Fatalf("HTTP %d, want 400", code)
			}
			if e.Error.Message != "from is not a phone number" {
				t.Errorf("message %q", e.Error.Message)
			}
			b.recv.none(t)
		})
	}
}
