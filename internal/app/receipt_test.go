// SPDX-License-Identifier: AGPL-3.0-only

package app_test

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/samtykke/samtykke/internal/app"
	"github.com/samtykke/samtykke/internal/consent"
	"github.com/samtykke/samtykke/internal/controller"
	"github.com/samtykke/samtykke/internal/ledger"
	"github.com/samtykke/samtykke/internal/message"
	"github.com/samtykke/samtykke/internal/receipt"
	"github.com/samtykke/samtykke/internal/store"
	"github.com/samtykke/samtykke/internal/store/storetest"
	"github.com/samtykke/samtykke/internal/whatsapp"
)

// ctl is the controller's contact details receipts name.
var ctl = controller.Controller{DPO: controller.Contact{Name: "Personvernombudet"}, Address: "Storgata 1, 0155 Oslo",
	Email: "personvern@butikk.example", Phone: "+47 22 12 34 56"}

// doubleOptIn asks for offers and news on the opt-in page and confirms
// from the number's own WhatsApp, as a person does; it returns the contact.
func (tb *bundle) doubleOptIn(t *testing.T) string {
	t.Helper()
	if _, err := tb.app.CreatePurpose(tb.ctx, admin, consent.Purpose{Key: "news", Channel: consent.WhatsApp, Basis: consent.BasisConsent,
		RetentionDays: 180, Description: consent.Text{NB: "Nyheter", EN: "News"}}); err != nil {
		t.Fatal(err)
	}
	started, err := tb.app.RequestOptIn(tb.ctx, app.OptInRequest{Phone: "912 34 567", Purposes: []string{"offers", "news"},
		AgeConfirmed: true, IP: "192.0.2.7", UserAgent: "test"})
	if err != nil {
		t.Fatal(err)
	}
	raw := webhookBody(t, whatsapp.WebhookValue{Messages: []whatsapp.InboundMessage{{From: "4791234567", ID: "wamid.ja",
		Timestamp: tb.ts(), Type: "text", Text: &whatsapp.InboundText{Body: "JA " + started.Code}}}})
	if err := tb.app.ReceiveWebhook(tb.ctx, raw); err != nil {
		t.Fatal(err)
	}
	id, err := tb.app.Lookup(tb.ctx, integrator, "91234567", "test of consent receipts")
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// TestReceiptOfDoubleOptIn: a double opt-in's receipt message names the
// events confirmed; each has a signed receipt, made from the ledger on
// demand and the same bytes each time, with the Kantara fields, the
// notice shown, the event's hash, and the person by pseudonymous id, never
// the number. Its signed link opens it (recorded as an access) until it
// expires; a withdrawal later changes the state beside it, not the receipt
// (L-04, L-03).
func TestReceiptOfDoubleOptIn(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		tb := setupWith(t, b, app.Config{Controller: ctl})
		tb.seed(t)
		contactID := tb.doubleOptIn(t)
		m, err := tb.store.LastMessage(tb.ctx, contactID, message.Receipt)
		if err != nil {
			t.Fatal(err)
		}
		kind, ids, _ := strings.Cut(m.BodyKey, "|")
		events, _ := tb.store.Events(tb.ctx, contactID)
		var want []string
		for _, e := range events {
			if e.Kind == ledger.Confirmed {
				want = append(want, e.ID)
			}
		}
		if kind != "receipt" || ids != strings.Join(want, ",") || len(want) != 2 {
			t.Fatalf("receipt message body key = %q; want the confirmed events %v", m.BodyKey, want)
		}
		for i, id := range want {
			r, err := tb.app.Receipt(tb.ctx, id)
			if err != nil {
				t.Fatalf("Receipt(%s): %v", id, err)
			}
			got, err := receipt.Verify(r.JSON, tb.app.ReceiptKey())
			if err != nil {
				t.Fatalf("receipt of %s does not verify: %v", id, err)
			}
			e := events[eventIndex(events, id)]
			rec := got.Record
			if got.PIIPrincipalID != contactID || rec.Provenance.EventHash != hexOf(e.Hash) || rec.Provenance.EventSeq != e.Seq ||
				got.ConsentTimestamp != e.At.Unix() || rec.Notice.Version != 1 || rec.Notice.Hash == "" ||
				got.PolicyURL != "https://butikk.example/privacy/1" || rec.Provenance.Confirmation != ledger.ConfirmationVerified ||
				got.Language != "nb" || got.PIIControllers[0].Phone != "tel:+4722123456" ||
				got.PIIControllers[0].Address.PostalCode != "0155" || got.PIIControllers[0].Address.AddressLocality != "Oslo" {
				t.Errorf("receipt %d = %+v", i, got)
			}
			if p := rec.Purposes[0].ID; p != e.Purpose {
				t.Errorf("receipt %d is for %q, the event for %q", i, p, e.Purpose)
			}
			if !strings.Contains(got.CollectionMethod, "nettskjema") || !strings.Contains(got.CollectionMethod, "WhatsApp-nummer") {
				t.Errorf("collection method %q; want the web form and the WhatsApp reply", got.CollectionMethod)
			}
			for _, digits := range []string{"91234567", "912 34 567", "4791234567"} {
				if bytes.Contains(r.JSON, []byte(digits)) {
					t.Errorf("receipt %d holds the number", i)
				}
			}
			if r.Current.Status != consent.StatusActive || r.Current.EventID != id {
				t.Errorf("current state %+v; want active by %s", r.Current, id)
			}
			if again, err := tb.app.Receipt(tb.ctx, id); err != nil || !bytes.Equal(again.JSON, r.JSON) {
				t.Errorf("the receipt made again differs (%v)", err)
			}
			if _, err := tb.app.VerifyReceipt(tb.ctx, r.JSON); err != nil {
				t.Errorf("VerifyReceipt: %v", err)
			}
		}

		// The signed link opens the receipt, and the access is recorded.
		link := tb.app.ReceiptLink(want[0])
		token, ok := strings.CutPrefix(link, "https://butikk.example/receipt/")
		if !ok {
			t.Fatalf("link %q", link)
		}
		accesses := tb.b.Int(t, tb.store, `SELECT count(*) FROM access_log WHERE contact_id = $1 AND reason = 'consent receipt'`, contactID)
		byLink, err := tb.app.ReceiptByLink(tb.ctx, token)
		if err != nil || byLink.Receipt.Record.Identifier != want[0] {
			t.Fatalf("ReceiptByLink = %+v, %v", byLink.Receipt.Record.Identifier, err)
		}
		if n := tb.b.Int(t, tb.store, `SELECT count(*) FROM access_log WHERE contact_id = $1 AND reason = 'consent receipt'`, contactID); n != accesses+1 {
			t.Errorf("%d accesses recorded, want %d", n, accesses+1)
		}
		last := "A"
		if strings.HasSuffix(token, last) {
			last = "B"
		}
		// Another kind of link with the same payload (a rights link's "r",
		// the preference centre's "p") opens no receipt.
		for _, bad := range []string{token[:len(token)-1] + last, strings.Replace(token, "k.", "r.", 1), strings.Replace(token, "k.", "p.", 1), "k.x.y"} {
			if _, err := tb.app.ReceiptByLink(tb.ctx, bad); !errors.Is(err, app.ErrLinkInvalid) {
				t.Errorf("ReceiptByLink(altered) = %v; want ErrLinkInvalid", err)
			}
		}

		if _, err := tb.app.RightsStatus(tb.ctx, token); !errors.Is(err, app.ErrLinkInvalid) {
			t.Errorf("RightsStatus(a receipt's token) = %v; want ErrLinkInvalid", err)
		}

		// Withdrawn later: the receipt is the same bytes; the state beside it says so.
		before, _ := tb.app.Receipt(tb.ctx, want[0])
		tb.now = tb.now.Add(time.Hour)
		if _, err := tb.app.Withdraw(tb.ctx, integrator, app.WithdrawInput{Subject: app.Subject{ContactID: contactID}, Purpose: "all"}); err != nil {
			t.Fatal(err)
		}
		after, err := tb.app.Receipt(tb.ctx, want[0])
		if err != nil || !bytes.Equal(after.JSON, before.JSON) || after.Current.Status != consent.StatusWithdrawn {
			t.Fatalf("after withdrawal: %v, same bytes %v, state %+v", err, bytes.Equal(after.JSON, before.JSON), after.Current)
		}
		// The link expires.
		tb.now = tb.now.Add(366 * 24 * time.Hour)
		if _, err := tb.app.ReceiptByLink(tb.ctx, token); !errors.Is(err, app.ErrLinkExpired) {
			t.Errorf("ReceiptByLink after a year = %v; want ErrLinkExpired", err)
		}

		// Only confirmed consent events have receipts; an erased person has none.
		events, _ = tb.store.Events(tb.ctx, contactID)
		for _, e := range events {
			if e.Kind == ledger.Confirmed {
				continue
			}
			if _, err := tb.app.Receipt(tb.ctx, e.ID); !errors.Is(err, app.ErrRefused) {
				t.Errorf("Receipt of a %s event = %v; want ErrRefused", e.Kind, err)
			}
		}
		if _, err := tb.app.Receipt(tb.ctx, "no-such-event"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Receipt of an unknown event = %v; want ErrNotFound", err)
		}
		exec(t, tb, b, `DELETE FROM contact_keys WHERE contact_id = $1`, contactID)
		if _, err := tb.app.Receipt(tb.ctx, want[0]); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Receipt of an erased person's consent = %v; want ErrNotFound", err)
		}
	})
}

// TestReceiptOfRecordedConsent: a consent collected elsewhere and recorded
// through the API has a receipt too, dated when it was collected, saying
// that the integrator vouches for its confirmation (L-03, L-04); in English
// for a person who chose English.
func TestReceiptOfRecordedConsent(t *testing.T) {
	t.Parallel()
	tb := setupWith(t, storetest.SQLite, app.Config{Controller: ctl})
	tb.seed(t)
	in := confirmed("+47 912 34 567")
	in.Language = "en"
	rec, err := tb.app.RecordConsent(tb.ctx, integrator, in)
	if err != nil {
		t.Fatal(err)
	}
	r, err := tb.app.Receipt(tb.ctx, rec.EventID)
	if err != nil {
		t.Fatal(err)
	}
	got := r.Receipt
	if got.ConsentTimestamp != in.CollectedAt.Unix() || got.Language != "en" || got.PolicyURL != "https://butikk.example/privacy/1?lang=en" ||
		got.Record.Provenance.Confirmation != ledger.ConfirmationAsserted || !strings.Contains(got.CollectionMethod, "web form") ||
		!strings.Contains(got.CollectionMethod, "reported by the system") || got.Services[0].Purposes[0].Purpose != "Offers" ||
		!strings.Contains(got.Services[0].Purposes[0].Termination, "29 November 2027") {
		t.Errorf("receipt = %+v", got)
	}
	// Staff export it byte for byte, as the DPO's role allows, recorded.
	if _, err := tb.app.ReceiptFor(tb.ctx, marketer, rec.EventID); !errors.Is(err, app.ErrForbidden) {
		t.Errorf("ReceiptFor(marketer) = %v; want ErrForbidden", err)
	}
	staffCopy, err := tb.app.ReceiptFor(tb.ctx, admin, rec.EventID)
	if err != nil || !bytes.Equal(staffCopy.JSON, r.JSON) {
		t.Errorf("ReceiptFor(admin): %v, same bytes %v", err, bytes.Equal(staffCopy.JSON, r.JSON))
	}
	if n := tb.b.Int(t, tb.store, `SELECT count(*) FROM access_log WHERE contact_id = $1 AND actor = $2 AND reason = 'consent receipt'`,
		rec.ContactID, admin.String()); n != 1 {
		t.Errorf("%d accesses by the admin recorded, want 1", n)
	}
}

// TestReceiptsNeedTheController: without the controller's address, e-mail
// and phone no receipt is made (a receipt must name them, KCR §4.4), and
// the receipt message links none.
func TestReceiptsNeedTheController(t *testing.T) {
	t.Parallel()
	tb := setup(t, storetest.SQLite)
	tb.seed(t)
	rec := tb.consented(t, "+47 912 34 567")
	if tb.app.ReceiptsReady() {
		t.Error("ReceiptsReady without the controller's details")
	}
	if _, err := tb.app.Receipt(tb.ctx, rec.EventID); !errors.Is(err, app.ErrReceiptsNotSetUp) || !errors.Is(err, app.ErrRefused) {
		t.Errorf("Receipt = %v; want ErrReceiptsNotSetUp", err)
	}
}

// TestVerifyReceiptAgainstTheLedger: a receipt signed by the right key is
// also held against the ledger: the event's hash changed beneath samtykke,
// or a database that never held the event, fails naming the field (L-04,
// L-02).
func TestVerifyReceiptAgainstTheLedger(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		tb := setupWith(t, b, app.Config{Controller: ctl})
		tb.seed(t)
		rec := tb.consented(t, "+47 912 34 567")
		r, err := tb.app.Receipt(tb.ctx, rec.EventID)
		if err != nil {
			t.Fatal(err)
		}
		// Another database under the same master key never held the event.
		other := app.New(b.Open(t), tb.vault, app.Config{Controller: ctl, PublicURL: "https://butikk.example"}, nil)
		_, err = other.VerifyReceipt(tb.ctx, r.JSON)
		var e *receipt.Error
		if !errors.As(err, &e) || !errors.Is(err, receipt.ErrInconsistent) || e.Field != "iso27560Record.hasProvenance.eventId" {
			t.Errorf("VerifyReceipt on another database = %v; want the event missing", err)
		}
		for _, q := range unguard[b.Name] {
			exec(t, tb, b, q)
		}
		exec(t, tb, b, `UPDATE consent_events SET hash = $1 WHERE id = $2`, bytes.Repeat([]byte{1}, 32), rec.EventID)
		_, err = tb.app.VerifyReceipt(tb.ctx, r.JSON)
		if !errors.As(err, &e) || !errors.Is(err, receipt.ErrInconsistent) || e.Field != "iso27560Record.hasProvenance.eventHash" {
			t.Errorf("VerifyReceipt after the event's hash changed = %v; want the hash named", err)
		}
	})
}

func eventIndex(events []store.StoredEvent, id string) int {
	for i, e := range events {
		if e.ID == id {
			return i
		}
	}
	return -1
}

func hexOf(b []byte) string { return fmt.Sprintf("%x", b) }
