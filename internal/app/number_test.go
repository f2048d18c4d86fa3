// SPDX-License-Identifier: AGPL-3.0-only

package app_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/samtykke/samtykke/internal/app"
	"github.com/samtykke/samtykke/internal/consent"
	"github.com/samtykke/samtykke/internal/contact"
	"github.com/samtykke/samtykke/internal/ledger"
	"github.com/samtykke/samtykke/internal/store"
	"github.com/samtykke/samtykke/internal/store/storetest"
	"github.com/samtykke/samtykke/internal/whatsapp"
)

const (
	oldNumber = "+4791234567"
	newNumber = "+4741234567"
)

// code is the code the person received for a contact's waiting number
// change: made as the app makes it, from the master key and the change.
func (tb *bundle) code(t *testing.T, contactID string) string {
	t.Helper()
	nc, err := tb.store.NumberChange(tb.ctx, contactID)
	if err != nil {
		t.Fatalf("number change of %s: %v", contactID, err)
	}
	return contact.NumberCode(tb.vault.LinkMAC, nc.ID)
}

// lookup finds the contact of a number; empty when none holds it.
func (tb *bundle) lookup(t *testing.T, number string) string {
	t.Helper()
	id, err := tb.app.Lookup(tb.ctx, admin, number, "number change test")
	if errors.Is(err, store.ErrNotFound) {
		return ""
	}
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func (tb *bundle) codesQueued(t *testing.T, contactID string) int64 {
	t.Helper()
	return tb.b.Int(t, tb.store, `SELECT count(*) FROM messages WHERE kind = 'number_code' AND contact_id = $1`, contactID)
}

func (tb *bundle) changesWaiting(t *testing.T) int64 {
	t.Helper()
	return tb.b.Int(t, tb.store, `SELECT count(*) FROM number_changes`)
}

// TestChangeNumber: R-03: a new number replaces the old one only when the
// code sent to it comes back; until then the contact keeps its number and
// its consents, and a wrong code moves nothing. The ledger records the
// change, never the number.
func TestChangeNumber(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		tb := setup(t, b)
		tb.seed(t)
		rec := tb.consented(t, oldNumber)
		id := rec.ContactID

		started, err := tb.app.ChangeNumber(tb.ctx, integrator, id, "+47 412 34 567", "the customer has a new phone")
		if err != nil {
			t.Fatal(err)
		}
		if started.ContactID != id || !started.ExpiresAt.Equal(tb.now.Add(contact.CodeTTL)) {
			t.Fatalf("started = %+v", started)
		}
		if n := tb.codesQueued(t, id); n != 1 {
			t.Fatalf("%d codes queued, want 1", n)
		}
		if n := tb.b.Int(t, tb.store, `SELECT count(*) FROM messages WHERE body_key LIKE $1`, "%"+tb.code(t, id)+"%"); n != 0 {
			t.Errorf("the code is stored in a message")
		}
		// Nothing moved yet.
		if tb.lookup(t, oldNumber) != id || tb.lookup(t, newNumber) != "" {
			t.Fatalf("the number changed before its code came back")
		}

		if _, err := tb.app.ConfirmNumber(tb.ctx, integrator, id, "ABC234"); !errors.Is(err, app.ErrRefused) {
			t.Fatalf("a wrong code: %v, want ErrRefused", err)
		}
		if nc, _ := tb.store.NumberChange(tb.ctx, id); nc.Tries != 1 {
			t.Errorf("a wrong code counted %d tries, want 1", nc.Tries)
		}
		if tb.lookup(t, newNumber) != "" {
			t.Fatalf("a wrong code moved the number")
		}
		if _, err := tb.app.ConfirmNumber(tb.ctx, integrator, id, "12"); !errors.Is(err, app.ErrInvalid) {
			t.Errorf("a malformed code: %v, want ErrInvalid", err)
		}

		code := tb.code(t, id)
		done, err := tb.app.ConfirmNumber(tb.ctx, integrator, id, strings.ToLower(code))
		if err != nil {
			t.Fatal(err)
		}
		if done.ContactID != id || done.EventID == "" || done.Phone == "" || strings.Contains(done.Phone, "41234567") {
			t.Fatalf("confirmed = %+v", done)
		}
		if tb.lookup(t, newNumber) != id || tb.lookup(t, oldNumber) != "" {
			t.Fatalf("after confirmation the new number does not find the contact, or the old one still does")
		}
		// The consents stay with the contact, authorised as before.
		if d, err := tb.app.Gate(tb.ctx, marketer, id, "offers"); err != nil || !d.Allowed || d.EventID != rec.EventID {
			t.Errorf("gate after the change = %+v, %v", d, err)
		}
		e := tb.lastEvent(t, id)
		if e.ID != done.EventID || e.Kind != ledger.Rectified || e.Evidence == nil || e.Evidence.Extra["fields"] != "phone" ||
			e.Evidence.Confirmation != ledger.ConfirmationVerified || e.Evidence.Extra["requested_by"] != contact.NumberByStaff {
			t.Fatalf("rectified event = %+v, evidence %+v", e.Event, e.Evidence)
		}
		raw, _ := json.Marshal(mustHistory(t, tb, id))
		for _, spelling := range []string{"4791234567", "91234567", "4741234567", "41234567", "412 34 567"} {
			if strings.Contains(string(raw), spelling) {
				t.Errorf("the ledger holds a number")
			}
		}
		if tb.changesWaiting(t) != 0 {
			t.Errorf("the confirmed change still waits")
		}
		if _, err := tb.app.ConfirmNumber(tb.ctx, integrator, id, code); !errors.Is(err, app.ErrRefused) {
			t.Errorf("the used code again: %v, want ErrRefused", err)
		}
		if rep, err := tb.app.VerifyLedger(tb.ctx); err != nil {
			t.Fatalf("ledger after the change: %+v, %v", rep, err)
		}
	})
}

// TestChangeNumberRefusesWithoutTelling: R-03: a number on the suppression
// list, or one another contact holds, gets no code and can never be
// confirmed, with the same answer as a number that got one; bad input is
// refused and changes nothing; a contact starts a few changes a day at most.
func TestChangeNumberRefusesWithoutTelling(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		tb := setup(t, b)
		tb.seed(t)
		id := tb.consented(t, oldNumber).ContactID
		tb.consented(t, "+4741234568")
		if _, err := tb.app.Withdraw(tb.ctx, integrator, app.WithdrawInput{Subject: app.Subject{Phone: "+4741234569"}, Purpose: "all"}); err != nil {
			t.Fatal(err)
		}
		const reason = "the customer has a new phone"

		before := tb.rows(t)
		for _, tc := range []struct {
			name        string
			actor       app.Actor
			id, to, why string
			want        error
		}{
			{"not a number", integrator, id, "22 22 22 22", reason, app.ErrInvalid},
			{"the same number", integrator, id, "912 34 567", reason, app.ErrInvalid},
			{"no reason", integrator, id, newNumber, "", app.ErrInvalid},
			{"a marketer", marketer, id, newNumber, reason, app.ErrForbidden},
			{"an unknown contact", integrator, "nope", newNumber, reason, store.ErrNotFound},
		} {
			if _, err := tb.app.ChangeNumber(tb.ctx, tc.actor, tc.id, tc.to, tc.why); !errors.Is(err, tc.want) {
				t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
			}
		}
		if tb.rows(t) != before || tb.changesWaiting(t) != 0 || tb.codesQueued(t, id) != 0 {
			t.Fatalf("refused number changes changed something")
		}

		free, err := tb.app.ChangeNumber(tb.ctx, integrator, id, newNumber, reason)
		if err != nil || tb.changesWaiting(t) != 1 || tb.codesQueued(t, id) != 1 {
			t.Fatalf("a free number: %+v, %v", free, err)
		}
		for _, to := range []string{"+4741234568", "+4741234569"} { // another contact's; suppressed
			got, err := tb.app.ChangeNumber(tb.ctx, integrator, id, to, reason)
			if err != nil || got != free {
				t.Errorf("answer for a refused number = %+v, %v; want the same as for a free one, %+v", got, err, free)
			}
			if tb.changesWaiting(t) != 0 || tb.codesQueued(t, id) != 1 {
				t.Errorf("a refused number got a code, or a change waits for it")
			}
			if _, err := tb.app.ConfirmNumber(tb.ctx, integrator, id, "ABC234"); !errors.Is(err, app.ErrRefused) {
				t.Errorf("confirm a refused number: %v", err)
			}
		}
		// Three changes a day a contact.
		if _, err := tb.app.ChangeNumber(tb.ctx, integrator, id, "+4741234570", reason); !errors.Is(err, app.ErrRateLimited) {
			t.Errorf("a fourth change in a day: %v, want ErrRateLimited", err)
		}
		tb.now = tb.now.AddDate(0, 0, 1)
		if _, err := tb.app.ChangeNumber(tb.ctx, integrator, id, "+4741234570", reason); err != nil {
			t.Errorf("a change the next day: %v", err)
		}
	})
}

// TestNumberCodeTriesAndExpiry: R-03: contact.MaxCodeTries wrong codes end
// a number change, a code stops working when it expires, and the expired
// change is deleted by the opt-in expiry job.
func TestNumberCodeTriesAndExpiry(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		tb := setup(t, b)
		tb.seed(t)
		id := tb.consented(t, oldNumber).ContactID
		const reason = "the customer has a new phone"
		if _, err := tb.app.ChangeNumber(tb.ctx, integrator, id, newNumber, reason); err != nil {
			t.Fatal(err)
		}
		code := tb.code(t, id)
		for i := range contact.MaxCodeTries {
			if _, err := tb.app.ConfirmNumber(tb.ctx, integrator, id, "ABC234"); !errors.Is(err, app.ErrRefused) {
				t.Fatalf("wrong code %d: %v", i+1, err)
			}
		}
		if tb.changesWaiting(t) != 0 {
			t.Fatalf("the change survived %d wrong codes", contact.MaxCodeTries)
		}
		if _, err := tb.app.ConfirmNumber(tb.ctx, integrator, id, code); !errors.Is(err, app.ErrRefused) || tb.lookup(t, newNumber) != "" {
			t.Fatalf("the right code after the last wrong one: %v", err)
		}

		if _, err := tb.app.ChangeNumber(tb.ctx, integrator, id, newNumber, reason); err != nil {
			t.Fatal(err)
		}
		code = tb.code(t, id)
		tb.now = tb.now.Add(contact.CodeTTL)
		if _, err := tb.app.ConfirmNumber(tb.ctx, integrator, id, code); !errors.Is(err, app.ErrRefused) || tb.lookup(t, newNumber) != "" {
			t.Fatalf("an expired code: %v", err)
		}

		if _, err := tb.app.ChangeNumber(tb.ctx, integrator, id, newNumber, reason); err != nil {
			t.Fatal(err)
		}
		tb.now = tb.now.Add(contact.CodeTTL - 1)
		if _, err := tb.app.ExpireOptIns(tb.ctx); err != nil || tb.changesWaiting(t) != 1 {
			t.Fatalf("expiry before the code expired: %d waiting, %v", tb.changesWaiting(t), err)
		}
		tb.now = tb.now.Add(1)
		if _, err := tb.app.ExpireOptIns(tb.ctx); err != nil || tb.changesWaiting(t) != 0 {
			t.Fatalf("expiry when the code expired: %d waiting, %v", tb.changesWaiting(t), err)
		}
	})
}

// TestNumberChangedByThePlatform: the platform's system message
// that a person changed number restricts the old number's contact at once
// (its consents stay with it) and queues a code to the new number; a
// redelivery changes nothing more. The code written from the new number
// moves the contact there and lifts the restriction; a wrong one moves
// nothing.
func TestNumberChangedByThePlatform(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		tb := setup(t, b)
		tb.seed(t)
		rec := tb.consented(t, oldNumber)
		id := rec.ContactID
		changed := webhookBody(t, whatsapp.WebhookValue{Messages: []whatsapp.InboundMessage{{From: "4791234567", ID: "wamid.sys",
			Timestamp: tb.ts(), Type: "system", System: &whatsapp.System{Body: "User changed number", WaID: "4741234567",
				Type: whatsapp.SystemUserChangedNumber}}}})
		for range 2 {
			if err := tb.app.ReceiveWebhook(tb.ctx, changed); err != nil {
				t.Fatal(err)
			}
		}
		if d, _ := tb.app.Gate(tb.ctx, marketer, id, "offers"); d.Allowed || d.Reason != consent.ReasonRestricted {
			t.Fatalf("gate after the number change = %+v; want restricted", d)
		}
		hist, err := tb.app.Restrictions(tb.ctx, dpo, id)
		if err != nil || len(hist) != 1 || hist[0].Reason != contact.ReasonNumberChanged || hist[0].Actor != app.Platform.String() {
			t.Fatalf("restrictions = %+v, %v", hist, err)
		}
		if s, err := tb.store.ConsentState(tb.ctx, id, "offers"); err != nil || s.Status != consent.StatusActive {
			t.Errorf("the consent after the number change: %+v, %v; want it kept", s, err)
		}
		nc, err := tb.store.NumberChange(tb.ctx, id)
		if err != nil || nc.Source != contact.NumberByPlatform || tb.codesQueued(t, id) != 1 {
			t.Fatalf("number change %+v, %v; %d codes", nc, err, tb.codesQueued(t, id))
		}
		if tb.lookup(t, newNumber) != "" || tb.lookup(t, oldNumber) != id {
			t.Fatalf("the number moved without its confirmation")
		}

		write := func(msgID, text string) {
			t.Helper()
			raw := webhookBody(t, whatsapp.WebhookValue{Messages: []whatsapp.InboundMessage{{From: "4741234567", ID: msgID,
				Timestamp: tb.ts(), Type: "text", Text: &whatsapp.InboundText{Body: text}}}})
			if err := tb.app.ReceiveWebhook(tb.ctx, raw); err != nil {
				t.Fatal(err)
			}
		}
		write("wamid.wrong", "ABC234")
		if tb.lookup(t, newNumber) != "" {
			t.Fatalf("a wrong code moved the number")
		}
		if nc, _ := tb.store.NumberChange(tb.ctx, id); nc.Tries != 1 {
			t.Errorf("the wrong code counted %d tries, want 1", nc.Tries)
		}
		write("wamid.right", "JA "+tb.code(t, id))
		if tb.lookup(t, newNumber) != id || tb.lookup(t, oldNumber) != "" {
			t.Fatalf("the code from the new number did not move the contact")
		}
		if d, _ := tb.app.Gate(tb.ctx, marketer, id, "offers"); !d.Allowed || d.EventID != rec.EventID {
			t.Errorf("gate after the confirmation = %+v; want allowed by %s", d, rec.EventID)
		}
		e := tb.lastEvent(t, id)
		if e.Kind != ledger.Rectified || e.Method != "whatsapp" || e.Evidence.ConfirmationMessageID != "wamid.right" ||
			e.Evidence.Extra["requested_by"] != contact.NumberByPlatform {
			t.Errorf("rectified event = %+v, evidence %+v", e.Event, e.Evidence)
		}
		hist, _ = tb.app.Restrictions(tb.ctx, dpo, id)
		if len(hist) != 2 || hist[1].Action != "lift" || hist[1].Reason != contact.ReasonNumberConfirmed {
			t.Errorf("restrictions after the confirmation = %+v", hist)
		}
		if rep, err := tb.app.VerifyLedger(tb.ctx); err != nil {
			t.Fatalf("ledger: %+v, %v", rep, err)
		}
	})
}

// TestNumberChangeKeepsStaffRestriction: R-06: a restriction staff set
// stays when the person confirms a new number the platform reported.
func TestNumberChangeKeepsStaffRestriction(t *testing.T) {
	t.Parallel()
	tb := setup(t, storetest.SQLite)
	tb.seed(t)
	id := tb.consented(t, oldNumber).ContactID
	if _, err := tb.app.Restrict(tb.ctx, dpo, id, true, "a legal claim is pending"); err != nil {
		t.Fatal(err)
	}
	if err := tb.app.ReceiveWebhook(tb.ctx, webhookBody(t, whatsapp.WebhookValue{Messages: []whatsapp.InboundMessage{{
		From: "4791234567", ID: "wamid.sys", Timestamp: tb.ts(), Type: "system",
		System: &whatsapp.System{WaID: "4741234567", Type: whatsapp.SystemUserChangedNumber}}}})); err != nil {
		t.Fatal(err)
	}
	if _, err := tb.app.ConfirmNumber(tb.ctx, integrator, id, tb.code(t, id)); err != nil {
		t.Fatal(err)
	}
	if tb.lookup(t, newNumber) != id {
		t.Fatalf("the confirmed number does not find the contact")
	}
	if d, _ := tb.app.Gate(tb.ctx, marketer, id, "offers"); d.Reason != consent.ReasonRestricted {
		t.Errorf("gate = %+v; want staff's restriction kept", d)
	}
}
