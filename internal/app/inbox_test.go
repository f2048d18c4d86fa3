// SPDX-License-Identifier: AGPL-3.0-only

package app_test

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/samtykke/samtykke/internal/app"
	"github.com/samtykke/samtykke/internal/consent"
	"github.com/samtykke/samtykke/internal/message"
	"github.com/samtykke/samtykke/internal/store"
	"github.com/samtykke/samtykke/internal/store/storetest"
	"github.com/samtykke/samtykke/internal/whatsapp"
)

// webhookBody is a webhook body holding one change's value.
func webhookBody(t testing.TB, v whatsapp.WebhookValue) []byte {
	t.Helper()
	v.MessagingProduct = "whatsapp"
	raw, err := json.Marshal(whatsapp.WebhookPayload{Object: "whatsapp_business_account", Entry: []whatsapp.WebhookEntry{{ID: "waba",
		Changes: []whatsapp.WebhookChange{{Field: "messages", Value: v}}}}})
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// ts is the bundle's time as a webhook's timestamp: an event of now.
func (tb *bundle) ts() whatsapp.UnixTime { return whatsapp.UnixTime(tb.now.Unix()) }

// withSentMessage sets up a store with one consented contact, +47 912 34
// 567, and one message to it, m-1, that the platform accepted as wamid.1.
func withSentMessage(t *testing.T, b storetest.Backend) *bundle {
	t.Helper()
	tb := setup(t, b)
	tb.seed(t)
	tb.sentMessage(t, "m-1", tb.consented(t, "+47 912 34 567").ContactID, "wamid.1")
	return tb
}

// sentMessage stores a message the platform accepted as wamid.
func (tb *bundle) sentMessage(t *testing.T, id, contactID, wamid string) {
	t.Helper()
	if err := tb.store.Tx(tb.ctx, func(tx store.Tx) error {
		m := message.Message{ID: id, ContactID: contactID, Kind: message.Receipt, BodyKey: "receipt", Status: message.Sending, CreatedAt: tb.now}
		if err := tx.CreateMessage(tb.ctx, m); err != nil {
			return err
		}
		return tx.FinishMessage(tb.ctx, m.ID, message.Sent, wamid, 0, "", tb.now)
	}); err != nil {
		t.Fatal(err)
	}
}

// TestStatusWebhooksAppliedAsTheyCome: status bodies arriving together are
// applied in shared transactions, yet each call returns only once its own
// statuses are committed; a redelivered body changes nothing, and no body is
// kept (invariant 7).
func TestStatusWebhooksAppliedAsTheyCome(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		tb := setup(t, b)
		tb.seed(t)
		rec := tb.consented(t, "+47 912 34 567")
		const n, dups = 300, 40
		for i := range n {
			tb.sentMessage(t, fmt.Sprintf("m-%03d", i), rec.ContactID, fmt.Sprintf("wamid.%d", i))
		}
		body := func(i int) []byte {
			return webhookBody(t, whatsapp.WebhookValue{Statuses: []whatsapp.Status{{ID: fmt.Sprintf("wamid.%d", i), Status: "delivered",
				Timestamp: tb.ts(), RecipientID: "4791234567", BizOpaqueCallbackData: fmt.Sprintf("m-%03d", i)}}})
		}
		var wg sync.WaitGroup
		for i := range n + dups {
			wg.Go(func() {
				if err := tb.app.ReceiveWebhook(tb.ctx, body(i%n)); err != nil {
					t.Error(err)
					return
				}
				if m, err := tb.store.Message(tb.ctx, fmt.Sprintf("m-%03d", i%n)); err != nil || m.Status != message.Delivered {
					t.Errorf("message %d right after ReceiveWebhook returned: %+v, %v; want delivered", i%n, m, err)
				}
			})
		}
		wg.Wait()
		if got := tb.b.Int(t, tb.store, `SELECT count(*) FROM messages WHERE status = 'delivered'`); got != n {
			t.Fatalf("%d messages delivered, want %d", got, n)
		}
		if got := tb.b.Int(t, tb.store, `SELECT count(*) FROM webhook_inbox`); got != 0 {
			t.Fatalf("%d status bodies kept, want none", got)
		}
	})
}

// TestStatusWithoutOurID: a status webhook that does not echo our
// biz_opaque_callback_data is matched by its wamid among the messages of its
// recipient, and of no one else (reference §6).
func TestStatusWithoutOurID(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		tb := setup(t, b)
		tb.seed(t)
		var contacts []string
		for _, number := range []string{"+47 912 34 567", "+47 912 34 568"} {
			rec := tb.consented(t, number)
			contacts = append(contacts, rec.ContactID)
		}
		tb.sentMessage(t, "m-first", contacts[0], "wamid.first")
		sent := 0
		webhook := func(status, recipient string) {
			t.Helper()
			sent++ // a redelivery is a body of its own
			raw := webhookBody(t, whatsapp.WebhookValue{
				Statuses: []whatsapp.Status{{ID: "wamid.first", Status: status, Timestamp: tb.ts() + whatsapp.UnixTime(sent), RecipientID: recipient}}})
			if err := tb.app.ReceiveWebhook(tb.ctx, raw); err != nil {
				t.Fatal(err)
			}
			if _, err := tb.app.ProcessInbox(tb.ctx); err != nil {
				t.Fatal(err)
			}
		}
		status := func() message.Status {
			m, err := tb.store.Message(tb.ctx, "m-first")
			if err != nil {
				t.Fatal(err)
			}
			if !m.UpdatedAt.Equal(tb.now) {
				t.Fatalf("updated at %v, want %v", m.UpdatedAt, tb.now)
			}
			return m.Status
		}
		webhook("read", "4791234568") // the other contact's number
		if got := status(); got != message.Sent {
			t.Fatalf("a status naming another recipient moved the message to %s", got)
		}
		webhook("delivered", "4791234567")
		if got := status(); got != message.Delivered {
			t.Fatalf("status = %s, want delivered", got)
		}
		// Statuses only move forward: a redelivered or late one changes
		// nothing, not even the time.
		before := tb.now
		tb.now = tb.now.Add(time.Minute)
		webhook("delivered", "4791234567")
		webhook("sent", "4791234567")
		tb.now = before
		if got := status(); got != message.Delivered {
			t.Fatalf("after a redelivery status = %s, want delivered", got)
		}
	})
}

// TestStoppOnWhatsAppKeepsOtherChannels: "STOPP" written on WhatsApp objects
// to the WhatsApp purposes only; a purpose on another channel keeps its
// consent.
func TestStoppOnWhatsAppKeepsOtherChannels(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		tb := setup(t, b)
		tb.seed(t)
		if _, err := tb.app.CreatePurpose(tb.ctx, admin, consent.Purpose{Key: "mail", Channel: consent.Email, Basis: consent.BasisConsent,
			RetentionDays: 365, Description: consent.Text{NB: "Nyhetsbrev", EN: "Newsletter"}}); err != nil {
			t.Fatal(err)
		}
		var contactID string
		for _, purpose := range []string{"offers", "mail"} {
			in := confirmed("+47 912 34 567")
			in.Purpose = purpose
			rec, err := tb.app.RecordConsent(tb.ctx, integrator, in)
			if err != nil {
				t.Fatal(err)
			}
			contactID = rec.ContactID
		}
		raw := webhookBody(t, whatsapp.WebhookValue{Messages: []whatsapp.InboundMessage{{From: "4791234567", ID: "wamid.stopp",
			Timestamp: tb.ts(), Type: "text", Text: &whatsapp.InboundText{Body: "STOPP"}}}})
		if err := tb.app.ReceiveWebhook(tb.ctx, raw); err != nil {
			t.Fatal(err)
		}
		var got []consent.State
		if err := tb.store.Tx(tb.ctx, func(tx store.Tx) error {
			var err error
			got, err = tx.ConsentStates(tb.ctx, contactID)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		status := map[string]consent.Status{}
		for _, s := range got {
			status[s.Purpose] = s.Status
		}
		if status["offers"] == consent.StatusActive || status["mail"] != consent.StatusActive {
			t.Fatalf("after STOPP on WhatsApp: %v; want offers ended and mail active", status)
		}
	})
}

// TestStoppConfirmedOnlyWhenWhatsAppChanged: "STOPP" is confirmed once, and
// only when a WhatsApp purpose was active or pending; consent on another
// channel is no reason to confirm (K-05).
func TestStoppConfirmedOnlyWhenWhatsAppChanged(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		tb := setup(t, b)
		tb.seed(t)
		if _, err := tb.app.CreatePurpose(tb.ctx, admin, consent.Purpose{Key: "mail", Channel: consent.Email, Basis: consent.BasisConsent,
			RetentionDays: 365, Description: consent.Text{NB: "Nyhetsbrev", EN: "Newsletter"}}); err != nil {
			t.Fatal(err)
		}
		record := func(number, purpose string) string {
			in := confirmed(number)
			in.Purpose = purpose
			rec, err := tb.app.RecordConsent(tb.ctx, integrator, in)
			if err != nil {
				t.Fatal(err)
			}
			return rec.ContactID
		}
		onWhatsApp := record("+47 912 34 567", "offers")
		mailOnly := record("+47 912 34 568", "mail")
		stopp := func(from, id string) {
			raw := webhookBody(t, whatsapp.WebhookValue{Messages: []whatsapp.InboundMessage{{From: from, ID: id,
				Timestamp: tb.ts(), Type: "text", Text: &whatsapp.InboundText{Body: "STOPP"}}}})
			if err := tb.app.ReceiveWebhook(tb.ctx, raw); err != nil {
				t.Fatal(err)
			}
		}
		stopp("4791234567", "wamid.s1")
		stopp("4791234567", "wamid.s2") // already unsubscribed: no second confirmation
		stopp("4791234568", "wamid.s3")
		confirmations := func(contactID string) int64 {
			return b.Int(t, tb.store, fmt.Sprintf(`SELECT count(*) FROM messages WHERE kind = '%s' AND contact_id = '%s'`,
				message.OptOutConfirmation, contactID))
		}
		if n := confirmations(onWhatsApp); n != 1 {
			t.Errorf("subscribed on WhatsApp: %d confirmations, want 1", n)
		}
		if n := confirmations(mailOnly); n != 0 {
			t.Errorf("subscribed to e-mail only: %d confirmations, want 0", n)
		}
	})
}

// storedBody stores a webhook body for the inbox worker, sealed, as a
// replica that could not handle it as it came does.
func (tb *bundle) storedBody(t *testing.T, id string, raw []byte) {
	t.Helper()
	digest := sha256.Sum256(raw)
	item := store.InboxItem{ID: id, Digest: digest[:], ReceivedAt: tb.now, BodyCT: tb.vault.Seal(raw, "webhook-inbox")}
	if err := tb.store.Tx(tb.ctx, func(tx store.Tx) error { return tx.PutInbox(tb.ctx, item) }); err != nil {
		t.Fatal(err)
	}
}

// TestInboxPoisonBodyPutOff: a status body that cannot be applied as it comes
// is stored for the inbox worker; there, a body whose handling fails is put
// off, ever longer, and the bodies after it — an opt-out among them — are
// handled meanwhile (K-06).
func TestInboxPoisonBodyPutOff(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		tb := withSentMessage(t, b)
		bad := tb.consented(t, "+47 912 34 568").ContactID
		tb.sentMessage(t, "m-bad", bad, "wamid.bad")
		// A damaged key row: whatever needs the contact's key fails, as an
		// objection does.
		if err := b.Exec(t, tb.store, `UPDATE contact_keys SET wrapped = $1 WHERE contact_id = $2`, []byte("damaged"), bad); err != nil {
			t.Fatal(err)
		}
		poison := webhookBody(t, whatsapp.WebhookValue{Statuses: []whatsapp.Status{{ID: "wamid.bad", Status: "failed", Timestamp: tb.ts(),
			RecipientID: "4791234568", BizOpaqueCallbackData: "m-bad",
			Errors: []whatsapp.WebhookError{{Code: 131050, Title: "User has stopped marketing messages"}}}}})
		if err := tb.app.ReceiveWebhook(tb.ctx, poison); err != nil {
			t.Fatalf("a body that could not be applied but was stored: %v", err)
		}
		const pending = `SELECT count(*) FROM webhook_inbox WHERE processed_at = 0 AND length(body_ct) > 0`
		if n := b.Int(t, tb.store, pending); n != 1 {
			t.Fatalf("%d bodies stored for the worker, want the one that failed", n)
		}
		if n, err := tb.app.FailingWebhooks(tb.ctx); err != nil || n != 0 {
			t.Errorf("FailingWebhooks before the worker tried = %d, %v; want 0", n, err)
		}
		// Behind it (later ids): a status for the good contact's message, and
		// the good contact's STOPP.
		tb.storedBody(t, "zz-1", webhookBody(t, whatsapp.WebhookValue{Statuses: []whatsapp.Status{{ID: "wamid.1", Status: "read",
			Timestamp: tb.ts(), RecipientID: "4791234567", BizOpaqueCallbackData: "m-1"}}}))
		tb.storedBody(t, "zz-2", webhookBody(t, whatsapp.WebhookValue{Messages: []whatsapp.InboundMessage{{From: "4791234567",
			ID: "wamid.stopp", Timestamp: tb.ts(), Type: "text", Text: &whatsapp.InboundText{Body: "STOPP"}}}}))
		if n, err := tb.app.ProcessInbox(tb.ctx); err != nil || n != 2 {
			t.Fatalf("ProcessInbox handled %d, %v; want the 2 behind the poison body", n, err)
		}
		if m, err := tb.store.Message(tb.ctx, "m-1"); err != nil || m.Status != message.Read {
			t.Errorf("status behind the poison body: %+v, %v; want read", m, err)
		}
		m, err := tb.store.Message(tb.ctx, "m-1")
		if err != nil {
			t.Fatal(err)
		}
		var offers consent.State
		if err := tb.store.Tx(tb.ctx, func(tx store.Tx) error {
			offers, err = tx.ConsentState(tb.ctx, m.ContactID, "offers")
			return err
		}); err != nil || offers.Status != consent.StatusWithdrawn {
			t.Errorf("STOPP behind the poison body: offers %s, %v; want withdrawn", offers.Status, err)
		}
		if n, err := tb.app.FailingWebhooks(tb.ctx); err != nil || n != 1 {
			t.Errorf("FailingWebhooks = %d, %v; want the poison body", n, err)
		}
		attempts := func() int64 { return b.Int(t, tb.store, `SELECT attempts FROM webhook_inbox WHERE processed_at = 0`) }
		if n := b.Int(t, tb.store, pending); n != 1 || attempts() != 1 {
			t.Fatalf("poison body: %d pending, %d attempts; want 1, 1", n, attempts())
		}
		// Not due yet: not tried. Due: tried, and put off twice as long.
		if n, err := tb.app.ProcessInbox(tb.ctx); err != nil || n != 0 || attempts() != 1 {
			t.Fatalf("before its time: handled %d, %v, %d attempts; want 0, nil, 1", n, err, attempts())
		}
		tb.now = tb.now.Add(5 * time.Second)
		if n, err := tb.app.ProcessInbox(tb.ctx); err != nil || n != 0 || attempts() != 2 {
			t.Fatalf("at its time: handled %d, %v, %d attempts; want 0, nil, 2", n, err, attempts())
		}
		retry := b.Int(t, tb.store, `SELECT retry_at FROM webhook_inbox WHERE processed_at = 0`)
		if want := tb.now.Add(10 * time.Second).UnixMicro(); retry != want {
			t.Errorf("second retry at %d, want %d (10 s on)", retry, want)
		}
	})
}

// TestInboxHandledByAnotherReplica: a status body stored for the inbox
// worker (one that could not be applied as it came) is handled by any
// replica, from the sealed body alone.
func TestInboxHandledByAnotherReplica(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		tb := withSentMessage(t, b)
		raw := webhookBody(t, whatsapp.WebhookValue{Statuses: []whatsapp.Status{{ID: "wamid.1", Status: "read", Timestamp: tb.ts(),
			RecipientID: "4791234567", BizOpaqueCallbackData: "m-1"}}})
		tb.storedBody(t, "i-1", raw)
		other := app.New(tb.store, tb.vault, app.Config{}, slog.New(slog.DiscardHandler))
		if n, err := other.ProcessInbox(tb.ctx); err != nil || n != 1 {
			t.Fatalf("the other replica handled %d bodies, %v; want 1", n, err)
		}
		if m, err := tb.store.Message(tb.ctx, "m-1"); err != nil || m.Status != message.Read {
			t.Fatalf("message after the other replica = %+v, %v; want read", m, err)
		}
		if got := tb.b.Int(t, tb.store, `SELECT count(*) FROM webhook_inbox`); got != 0 {
			t.Fatalf("%d bodies left after they were applied", got)
		}
	})
}

// TestStatusNoMessageOfOursCanCarry: a status whose ids hold what no id of
// ours holds (a NUL, which PostgreSQL's text refuses) is ignored, and the
// statuses beside it are applied: one such body must not fail its group nor
// wait in the inbox for ever.
func TestStatusNoMessageOfOursCanCarry(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		tb := withSentMessage(t, b)
		raw := webhookBody(t, whatsapp.WebhookValue{Statuses: []whatsapp.Status{
			{ID: "wamid.1\x00", Status: "read", Timestamp: tb.ts(), RecipientID: "4791234567"},
			{ID: "wamid.x", Status: "read", Timestamp: tb.ts(), RecipientID: "4791234567", BizOpaqueCallbackData: "m-1\x00"},
			{ID: "wamid.1", Status: "delivered", Timestamp: tb.ts(), RecipientID: "4791234567", BizOpaqueCallbackData: "m-1"},
		}})
		if err := tb.app.ReceiveWebhook(tb.ctx, raw); err != nil {
			t.Fatal(err)
		}
		if m, err := tb.store.Message(tb.ctx, "m-1"); err != nil || m.Status != message.Delivered {
			t.Fatalf("message = %+v, %v; want delivered", m, err)
		}
		if got := tb.b.Int(t, tb.store, `SELECT count(*) FROM webhook_inbox`); got != 0 {
			t.Fatalf("%d bodies left for the inbox worker, want none", got)
		}
	})
}

// TestInboxBodyAgedByItsArrival: the inbox worker judges a stored body's
// events by when the body came, not by when it gets to it: a STOPP that
// waited ten days (its handling failing meanwhile) still withdraws, while
// one that was already older than the redelivery window when it came is
// ignored (invariant 7: a replay changes nothing; K-06: an opt-out is never
// given up).
func TestInboxBodyAgedByItsArrival(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		tb := setup(t, b)
		tb.seed(t)
		fresh := tb.consented(t, "+47 912 34 567").ContactID
		stale := tb.consented(t, "+47 912 34 568").ContactID
		stopp := func(from, id string, ts whatsapp.UnixTime) []byte {
			return webhookBody(t, whatsapp.WebhookValue{Messages: []whatsapp.InboundMessage{{From: from, ID: id,
				Timestamp: ts, Type: "text", Text: &whatsapp.InboundText{Body: "STOPP"}}}})
		}
		tb.storedBody(t, "i-fresh", stopp("4791234567", "wamid.fresh", tb.ts()))
		tb.storedBody(t, "i-stale", stopp("4791234568", "wamid.stale", tb.ts()-9*24*3600))
		tb.now = tb.now.AddDate(0, 0, 10)
		if n, err := tb.app.ProcessInbox(tb.ctx); err != nil || n != 2 {
			t.Fatalf("ProcessInbox = %d, %v; want both bodies handled", n, err)
		}
		for _, c := range []struct {
			id   string
			want consent.Status
		}{{fresh, consent.StatusWithdrawn}, {stale, consent.StatusActive}} {
			var s consent.State
			if err := tb.store.Tx(tb.ctx, func(tx store.Tx) error {
				var err error
				s, err = tx.ConsentState(tb.ctx, c.id, "offers")
				return err
			}); err != nil || s.Status != c.want {
				t.Errorf("offers of %s = %s, %v; want %s", c.id, s.Status, err, c.want)
			}
		}
	})
}
