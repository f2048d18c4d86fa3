// SPDX-License-Identifier: AGPL-3.0-only

package app_test

import (
	"bytes"
	"errors"
	"os"
	"testing"
	"time"

	"github.com/samtykke/samtykke/internal/app"
	"github.com/samtykke/samtykke/internal/reply"
	"github.com/samtykke/samtykke/internal/retention"
	"github.com/samtykke/samtykke/internal/store/storetest"
	"github.com/samtykke/samtykke/internal/whatsapp"
)

// TestReplies (issue 23): every message a person writes is kept, newest
// first, with its class (optout, optin, none), the sender masked and the
// service window's end; the text is sealed (not in the database file); each
// contact's replies read are in the access log; the window closes after 24
// hours; the replies go with the contact's erasure and after their
// retention period (RT-01), a line in the retention log.
func TestReplies(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		tb := setup(t, b)
		tb.seed(t)
		kari := tb.consented(t, "+47 912 34 567").ContactID
		say := func(from, id, text string) {
			t.Helper()
			raw := webhookBody(t, whatsapp.WebhookValue{Messages: []whatsapp.InboundMessage{{From: from, ID: id,
				Timestamp: tb.ts(), Type: "text", Text: &whatsapp.InboundText{Body: text}}}})
			if err := tb.app.ReceiveWebhook(tb.ctx, raw); err != nil {
				t.Fatal(err)
			}
			tb.now = tb.now.Add(time.Minute)
		}
		say("4791234567", "wamid.a", "Hei! Når åpner butikken i morgen?")
		say("4741234567", "wamid.b", "Hvem er dette?") // not a contact
		say("4791234567", "wamid.c", "STOPP")
		say("4791234567", "wamid.c", "STOPP") // a redelivery: kept once

		page, err := tb.app.Replies(tb.ctx, admin, "", 0)
		if err != nil {
			t.Fatal(err)
		}
		type row struct {
			contact, from, text string
			class               reply.Class
			open                bool
		}
		var got []row
		for _, r := range page.Replies {
			got = append(got, row{r.ContactID, r.From, r.Text, r.Class, r.WindowOpen})
		}
		want := []row{
			{kari, "+47 9** ** *67", "STOPP", reply.OptOut, true},
			{"", "+47 4** ** *67", "Hvem er dette?", reply.None, true},
			{kari, "+47 9** ** *67", "Hei! Når åpner butikken i morgen?", reply.None, true},
		}
		if len(got) != len(want) {
			t.Fatalf("replies = %+v; want %+v", got, want)
		}
		for i := range want {
			if got[i] != want[i] {
				t.Errorf("reply %d = %+v; want %+v", i, got[i], want[i])
			}
		}
		if end := page.Replies[2].WindowEnds; !end.Equal(page.Replies[2].At.Add(24 * time.Hour)) {
			t.Errorf("window ends %v; want 24 hours after %v", end, page.Replies[2].At)
		}
		if n := b.Int(t, tb.store, "SELECT count(*) FROM access_log WHERE action = 'replies' AND contact_id = '"+kari+"'"); n != 2 {
			t.Errorf("%d reads of Kari's replies in the access log; want 2", n)
		}
		if _, err := tb.app.Replies(tb.ctx, integrator, "", 0); !errors.Is(err, app.ErrForbidden) {
			t.Errorf("an integrator read the replies: %v", err)
		}
		if p, err := tb.app.Replies(tb.ctx, admin, "", 1); err != nil || len(p.Replies) != 1 || p.Next == "" {
			t.Errorf("a page of 1: %+v, %v; want one and a cursor", p, err)
		} else if p2, err := tb.app.Replies(tb.ctx, admin, p.Next, 5); err != nil || len(p2.Replies) != 2 || p2.Next != "" {
			t.Errorf("the page after: %d replies, next %q, %v; want the other 2", len(p2.Replies), p2.Next, err)
		}
		for _, f := range b.Files(t, tb.store) {
			data, _ := os.ReadFile(f)
			if bytes.Contains(data, []byte("butikken i morgen")) || bytes.Contains(data, []byte("Hvem er dette")) {
				t.Errorf("%s holds a reply's text in clear", f)
			}
		}

		tb.now = tb.now.Add(25 * time.Hour)
		page, _ = tb.app.Replies(tb.ctx, admin, "", 0)
		if page.Replies[0].WindowOpen {
			t.Error("the service window is open 25 hours after the message")
		}

		if _, err := tb.app.Erase(tb.ctx, admin, kari, "the person asked to be erased"); err != nil {
			t.Fatal(err)
		}
		page, _ = tb.app.Replies(tb.ctx, admin, "", 0)
		if len(page.Replies) != 1 || page.Replies[0].ContactID != "" {
			t.Fatalf("after erasure: %+v; want only the stranger's reply", page.Replies)
		}
		// The stranger joins the list and is erased: what their number wrote
		// before goes too (invariant 5); another stranger's stays.
		say("4798765432", "wamid.d", "Hallo")
		ola := tb.consented(t, "+47 412 34 567").ContactID
		if _, err := tb.app.Erase(tb.ctx, admin, ola, "the person asked to be erased"); err != nil {
			t.Fatal(err)
		}
		page, _ = tb.app.Replies(tb.ctx, admin, "", 0)
		if len(page.Replies) != 1 || page.Replies[0].Text != "Hallo" {
			t.Fatalf("after the second erasure: %+v; want only the other stranger's reply", page.Replies)
		}

		tb.now = tb.now.Add(retention.Days(30))
		rep, err := tb.app.RunRetention(tb.ctx)
		if err != nil {
			t.Fatal(err)
		}
		var purged int64
		for _, e := range rep.Entries {
			if e.Class == retention.ClassReplies {
				purged += e.Count
			}
		}
		page, _ = tb.app.Replies(tb.ctx, admin, "", 0)
		if purged != 1 || len(page.Replies) != 0 {
			t.Errorf("retention purged %d replies, %d left; want 1 and none", purged, len(page.Replies))
		}
	})
}
