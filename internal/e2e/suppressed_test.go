// SPDX-License-Identifier: AGPL-3.0-only

package e2e

import (
	"errors"
	"regexp"
	"testing"

	"github.com/samtykke/samtykke/internal/app"
	"github.com/samtykke/samtykke/internal/store/storetest"
)

// TestNothingReachesASuppressedNumber: once a number sent STOPP, anyone who
// types it into /optin gets the same answer as for any number, and nothing
// is sent to it — no confirmation template, no SMS or e-mail link — and a
// link sent before the STOPP confirms nothing. Only the person writing JA
// and the code from that number opens the way again (invariant 9, RT-06,
// M-04).
func TestNothingReachesASuppressedNumber(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		h := start(t, b)
		first := h.optIn(kari, "offers")
		// An SMS link asked for before the STOPP.
		if err := h.app.SendConfirmation(h.ctx, first.Ref, app.ConfirmBySMS, ""); err != nil {
			t.Fatal(err)
		}
		sms := h.sink.Sent()
		if len(sms) != 1 {
			t.Fatalf("%d SMS, want the one link", len(sms))
		}
		oldLink := regexp.MustCompile(`/confirm/([A-Za-z0-9_-]+)`).FindStringSubmatch(sms[0].Text)
		if oldLink == nil {
			t.Fatal("no confirmation link in the SMS")
		}
		h.write(kari, "STOPP")
		h.waitFor("the opt-out confirmation", func() bool { return len(h.textsTo(kari)) == 1 })
		id := h.contactID(kari)

		// Someone else types the number into the form: the same answer as any number.
		again := h.optIn(kari, "offers")
		if again.Code == "" || again.Ref == "" || again.ChatLink == "" {
			t.Fatalf("the form answered a suppressed number differently: %+v", again)
		}
		for _, ch := range []string{app.ConfirmByTemplate, app.ConfirmByEmail} {
			if err := h.app.SendConfirmation(h.ctx, again.Ref, ch, "kari@example.com"); err != nil {
				t.Errorf("SendConfirmation(%s) for a suppressed number = %v; want the same answer as any number's", ch, err)
			}
		}
		// An SMS went to the number today (before the STOPP): the same limit as for any number.
		if err := h.app.SendConfirmation(h.ctx, again.Ref, app.ConfirmBySMS, ""); !errors.Is(err, app.ErrRateLimited) {
			t.Errorf("a second SMS today = %v; want ErrRateLimited", err)
		}
		// The old link confirms nothing.
		if err := h.app.ConfirmLink(h.ctx, oldLink[1]); !errors.Is(err, app.ErrLinkInvalid) {
			t.Errorf("a link from before the STOPP = %v; want ErrLinkInvalid", err)
		}
		h.waitFor("every queued message handled", func() bool {
			return h.count(`SELECT count(*) FROM messages WHERE status IN ('queued', 'sending')`) == 0
		})
		if n := len(h.textsTo(kari)); n != 1 {
			t.Errorf("%d messages reached the suppressed number; want only the opt-out confirmation", n)
		}
		if n := len(h.sink.Sent()); n != 1 {
			t.Errorf("%d SMS and e-mails were sent; want only the one from before the STOPP", n)
		}
		if d := h.gate(id, "offers"); d.Allowed {
			t.Fatalf("gate after a stranger's opt-in attempt = %+v", d)
		}
		if n := h.count(`SELECT count(*) FROM messages WHERE kind = 'confirmation_request' AND status <> 'skipped'`); n != 0 {
			t.Errorf("%d confirmation requests to the suppressed number were recorded to go", n)
		}

		// The person writes JA and the code from their own WhatsApp: that opens the way.
		h.write(kari, "JA "+again.Code)
		if d := h.gate(id, "offers"); !d.Allowed {
			t.Fatalf("gate after the person's own JA = %+v", d)
		}
		h.waitFor("the receipt", func() bool { return len(h.textsTo(kari)) == 2 })
	})
}
