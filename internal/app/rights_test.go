// SPDX-License-Identifier: AGPL-3.0-only

package app_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/samtykke/samtykke/internal/app"
	"github.com/samtykke/samtykke/internal/consent"
	"github.com/samtykke/samtykke/internal/message"
	"github.com/samtykke/samtykke/internal/rights"
	"github.com/samtykke/samtykke/internal/staff"
	"github.com/samtykke/samtykke/internal/store"
	"github.com/samtykke/samtykke/internal/store/storetest"
	"github.com/samtykke/samtykke/internal/whatsapp"
)

var dpo = app.Actor{ID: "t-dpo", Name: "dpo", Role: staff.DPO}

// offersStatus is the contact's consent status for "offers".
func (tb *bundle) offersStatus(t *testing.T, contactID string) consent.Status {
	t.Helper()
	s, err := tb.store.ConsentState(tb.ctx, contactID, "offers")
	if err != nil {
		t.Fatal(err)
	}
	return s.Status
}

// TestRightsRequestFiledByStaff: a request made by letter is filed with its
// deadline one month after receipt, listed by due date, extended once with
// the person told, counted as near due and overdue as the clock moves, and
// answered: an objection withdraws every marketing purpose at once (T-03,
// R-08); a refusal names the right to complain (Art. 12(4)).
func TestRightsRequestFiledByStaff(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		tb := setup(t, b)
		tb.seed(t)
		rec := tb.consented(t, "+47 912 34 567")

		before := tb.rows(t)
		for name, in := range map[string]app.RightsInput{
			"unknown type":      {Type: "forget", ContactID: rec.ContactID},
			"no subject":        {Type: "access"},
			"both subjects":     {Type: "access", ContactID: rec.ContactID, Phone: "+4791234567"},
			"bad via":           {Type: "access", ContactID: rec.ContactID, Via: "pigeon"},
			"received tomorrow": {Type: "access", ContactID: rec.ContactID, Received: ptr(tb.now.Add(24 * time.Hour))},
			"bad phone":         {Type: "access", Phone: "12"},
			"bad language":      {Type: "access", ContactID: rec.ContactID, Language: "de"},
		} {
			if _, err := tb.app.FileRequest(tb.ctx, dpo, in); !errors.Is(err, app.ErrInvalid) {
				t.Errorf("%s: %v, want ErrInvalid", name, err)
			}
		}
		if _, err := tb.app.FileRequest(tb.ctx, dpo, app.RightsInput{Type: "access", ContactID: "nope"}); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("an unknown contact: %v", err)
		}
		if _, err := tb.app.FileRequest(tb.ctx, marketer, app.RightsInput{Type: "access", ContactID: rec.ContactID}); !errors.Is(err, app.ErrForbidden) {
			t.Errorf("a marketer filed a request: %v", err)
		}
		if after := tb.rows(t); after != before {
			t.Errorf("refused requests changed %d rows", after-before)
		}

		received := tb.now.Add(-3 * 24 * time.Hour)
		obj, err := tb.app.FileRequest(tb.ctx, dpo, app.RightsInput{Type: "objection", Phone: "912 34 567", Via: "phone", Received: &received})
		if err != nil {
			t.Fatal(err)
		}
		if obj.ContactID != rec.ContactID || obj.State != rights.Open || !obj.DueAt.Equal(rights.Due(received)) {
			t.Fatalf("filed: %+v", obj)
		}
		unknown, err := tb.app.FileRequest(tb.ctx, dpo, app.RightsInput{Type: "access", Phone: "+47 400 00 000", Language: "en"})
		if err != nil || unknown.ContactID != "" || unknown.Language != "en" {
			t.Fatalf("a number no contact holds: %+v, %v", unknown, err)
		}
		list, err := tb.app.RightsRequests(tb.ctx, app.Actor{ID: "t-aud", Name: "auditor", Role: staff.Auditor}, "open")
		if err != nil || len(list) != 2 || list[0].ID != obj.ID || list[1].ID != unknown.ID {
			t.Fatalf("list by due date: %+v, %v", list, err)
		}

		// T-03: near due a week before, overdue the day after.
		tb.now = rights.Due(received).Add(-6 * 24 * time.Hour)
		if c, _ := tb.app.RightsCounts(tb.ctx); c.Open != 2 || c.NearDue != 1 || c.Overdue != 0 {
			t.Errorf("a week before the deadline: %+v", c)
		}
		// Extension: told within the first month, once.
		told := tb.now.Add(-time.Hour)
		x := app.ExtensionInput{Months: 2, Reason: "Saken krever gjennomgang av mange kilder.", ToldAt: &told, ToldHow: "phone"}
		if _, err := tb.app.ExtendRequest(tb.ctx, dpo, obj.ID, app.ExtensionInput{Months: 2, Reason: x.Reason}); !errors.Is(err, app.ErrInvalid) {
			t.Errorf("an extension without telling the person: %v", err)
		}
		ext, err := tb.app.ExtendRequest(tb.ctx, dpo, obj.ID, x)
		if err != nil || ext.ExtendedUntil == nil || !ext.DueAt.Equal(rights.AddMonths(received, 3)) {
			t.Fatalf("extended: %+v, %v", ext, err)
		}
		if _, err := tb.app.ExtendRequest(tb.ctx, dpo, obj.ID, x); !errors.Is(err, app.ErrRefused) {
			t.Errorf("a second extension: %v", err)
		}
		tb.now = unknown.DueAt.Add(24 * time.Hour)
		if c, _ := tb.app.RightsCounts(tb.ctx); c.Overdue != 1 || c.NearDue != 0 || c.Open != 2 {
			t.Errorf("the day after both first deadlines: %+v, want one overdue (the extended one is not)", c)
		}

		// the objection withdraws at once and suppresses the number.
		done, err := tb.app.CompleteRequest(tb.ctx, dpo, obj.ID, "")
		if err != nil || done.State != rights.Done || done.ClosedAt == nil {
			t.Fatalf("completed: %+v, %v", done, err)
		}
		if st := tb.offersStatus(t, rec.ContactID); st == consent.StatusActive {
			t.Errorf("after the objection, offers is %s", st)
		}
		if d, _ := tb.app.Gate(tb.ctx, integrator, rec.ContactID, "offers"); d.Allowed {
			t.Error("the gate allows a message after the objection")
		}
		if _, err := tb.app.CompleteRequest(tb.ctx, dpo, obj.ID, ""); !errors.Is(err, app.ErrRefused) {
			t.Errorf("answering twice: %v", err)
		}
		refused, err := tb.app.RefuseRequest(tb.ctx, dpo, unknown.ID, "We could not confirm who sent the letter.")
		if err != nil || refused.State != rights.Refused || !strings.Contains(refused.Answer, "Datatilsynet") {
			t.Fatalf("refused: %+v, %v", refused, err)
		}
		got, err := tb.app.RightsRequest(tb.ctx, dpo, obj.ID)
		if err != nil {
			t.Fatal(err)
		}
		var actions []string
		for _, s := range got.Steps {
			actions = append(actions, s.Action)
			if s.Actor == "" || s.At.IsZero() {
				t.Errorf("a step without who or when: %+v", s)
			}
		}
		if strings.Join(actions, ",") != "received,extended,done" {
			t.Errorf("steps: %v", actions)
		}
	})
}

func ptr[T any](v T) *T { return &v }

// codeSentTo is the rights code last queued for a contact; "" when none.
func (tb *bundle) codeSentTo(t *testing.T, contactID string) string {
	t.Helper()
	m, err := tb.store.LastMessage(tb.ctx, contactID, message.RightsCode)
	if errors.Is(err, store.ErrNotFound) {
		return ""
	}
	if err != nil {
		t.Fatal(err)
	}
	_, code, _ := strings.Cut(m.BodyKey, "|")
	return code
}

// TestRightsOnThePublicPage: a request on the web is answered only after
// the code sent to that same number comes back (T-04); the answer looks the
// same for a number no contact holds, and nothing is sent to it or to a
// suppressed number (invariant 9); wrong codes run out.
func TestRightsOnThePublicPage(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		tb := setup(t, b)
		tb.seed(t)
		kari := tb.consented(t, "+47 912 34 567")
		ola := tb.consented(t, "+47 987 65 432")

		if _, err := tb.app.StartRights(tb.ctx, app.PublicRightsInput{Type: "access", Phone: "abc", IP: "192.0.2.1"}); !errors.Is(err, app.ErrInvalid) {
			t.Errorf("a malformed number: %v", err)
		}
		ref, err := tb.app.StartRights(tb.ctx, app.PublicRightsInput{Type: "access", Phone: "912 34 567", Language: "nb", IP: "192.0.2.1"})
		if err != nil {
			t.Fatal(err)
		}
		code := tb.codeSentTo(t, kari.ContactID)
		if code == "" || tb.codeSentTo(t, ola.ContactID) != "" {
			t.Fatalf("the code went to the wrong number (kari %q, ola %q)", code, tb.codeSentTo(t, ola.ContactID))
		}
		if _, err := tb.app.VerifyRights(tb.ctx, ref, "WRONG1"); !errors.Is(err, app.ErrCodeWrong) {
			t.Errorf("a wrong code: %v", err)
		}
		if l, _ := tb.store.RightsRequests(tb.ctx, store.RightsFilter{}); len(l) != 1 || l[0].State != rights.Unverified {
			t.Fatalf("before the code: %+v", l)
		}
		got, err := tb.app.VerifyRights(tb.ctx, ref, strings.ToLower(code))
		if err != nil {
			t.Fatal(err)
		}
		if got.State != rights.Done || !got.Package || got.Token == "" {
			t.Errorf("an access request verified: %+v; want done with the package", got)
		}
		if _, err := tb.app.VerifyRights(tb.ctx, ref, code); !errors.Is(err, app.ErrRefused) {
			t.Errorf("the code used twice: %v", err)
		}
		if st, err := tb.app.RightsStatus(tb.ctx, got.Token); err != nil || st.ID != got.ID {
			t.Errorf("the status link: %+v, %v", st, err)
		}
		if _, err := tb.app.RightsStatus(tb.ctx, got.Token+"x"); !errors.Is(err, app.ErrInvalid) {
			t.Errorf("an altered link: %v", err)
		}

		// A number no contact holds: the same answer, no request, nothing sent.
		msgs := tb.b.Int(t, tb.store, "SELECT count(*) FROM messages")
		ref2, err := tb.app.StartRights(tb.ctx, app.PublicRightsInput{Type: "erasure", Phone: "+47 400 00 001", IP: "192.0.2.1"})
		if err != nil || len(ref2) != len(ref) {
			t.Fatalf("an unknown number: %q, %v", ref2, err)
		}
		if _, err := tb.app.VerifyRights(tb.ctx, ref2, code); !errors.Is(err, app.ErrCodeWrong) {
			t.Errorf("a code for an unknown number: %v", err)
		}
		// Ola objects; then a request for his number sends him nothing.
		if _, err := tb.app.Withdraw(tb.ctx, integrator, app.WithdrawInput{Subject: app.Subject{ContactID: ola.ContactID}, Purpose: "all"}); err != nil {
			t.Fatal(err)
		}
		msgs = tb.b.Int(t, tb.store, "SELECT count(*) FROM messages")
		if _, err := tb.app.StartRights(tb.ctx, app.PublicRightsInput{Type: "access", Phone: "+47 987 65 432", IP: "192.0.2.1"}); err != nil {
			t.Fatal(err)
		}
		if n := tb.b.Int(t, tb.store, "SELECT count(*) FROM messages"); n != msgs {
			t.Errorf("a code was queued for a suppressed number")
		}
		if l, _ := tb.store.RightsRequests(tb.ctx, store.RightsFilter{}); len(l) != 1 {
			t.Errorf("requests stored for numbers that got no code: %d", len(l))
		}

		// Wrong codes run out.
		ref3, err := tb.app.StartRights(tb.ctx, app.PublicRightsInput{Type: "erasure", Phone: "+47 912 34 567", IP: "192.0.2.1"})
		if err != nil {
			t.Fatal(err)
		}
		code3 := tb.codeSentTo(t, kari.ContactID)
		for range rights.CodeTries {
			if _, err := tb.app.VerifyRights(tb.ctx, ref3, "ZZZZZ9"); !errors.Is(err, app.ErrCodeWrong) {
				t.Fatalf("a wrong code: %v", err)
			}
		}
		if _, err := tb.app.VerifyRights(tb.ctx, ref3, code3); !errors.Is(err, app.ErrRefused) || errors.Is(err, app.ErrCodeWrong) {
			t.Errorf("the right code after %d wrong ones: %v", rights.CodeTries, err)
		}
		// A code runs out in time.
		ref4, _ := tb.app.StartRights(tb.ctx, app.PublicRightsInput{Type: "erasure", Phone: "+47 912 34 567", IP: "192.0.2.1"})
		code4 := tb.codeSentTo(t, kari.ContactID)
		tb.now = tb.now.Add(rights.CodeTTL)
		if _, err := tb.app.VerifyRights(tb.ctx, ref4, code4); !errors.Is(err, app.ErrLinkExpired) {
			t.Errorf("a code past its time: %v", err)
		}
	})
}

// TestRightsOnWhatsApp: "INNSYN" written from the number is a request proven
// by the number itself (T-04), answered at once with a reply to that number;
// "SLETT MEG" stops marketing at once and waits for staff to erase (R-04,
// R-08); a number no contact holds gets its request answered too.
func TestRightsOnWhatsApp(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		tb := setup(t, b)
		tb.seed(t)
		kari := tb.consented(t, "+47 912 34 567")
		write := func(from, id, text string) {
			t.Helper()
			raw := webhookBody(t, whatsapp.WebhookValue{Messages: []whatsapp.InboundMessage{{From: from, ID: id,
				Timestamp: tb.ts(), Type: "text", Text: &whatsapp.InboundText{Body: text}}}})
			if err := tb.app.ReceiveWebhook(tb.ctx, raw); err != nil {
				t.Fatal(err)
			}
		}
		write("4791234567", "wamid.in1", "Innsyn")
		list, _ := tb.store.RightsRequests(tb.ctx, store.RightsFilter{ContactID: kari.ContactID})
		if len(list) != 1 || list[0].Type != rights.Access || list[0].State != rights.Done || list[0].Channel != rights.WhatsApp {
			t.Fatalf("after INNSYN: %+v", list)
		}
		if m, err := tb.store.LastMessage(tb.ctx, kari.ContactID, message.RightsReply); err != nil || !strings.HasSuffix(m.BodyKey, list[0].ID) {
			t.Errorf("the reply: %+v, %v", m, err)
		}
		if st := tb.offersStatus(t, kari.ContactID); st != consent.StatusActive {
			t.Errorf("an access request changed consent: %s", st)
		}
		write("4791234567", "wamid.in2", "slett meg!")
		list, _ = tb.store.RightsRequests(tb.ctx, store.RightsFilter{ContactID: kari.ContactID, State: rights.Open})
		if len(list) != 1 || list[0].Type != rights.Erasure {
			t.Fatalf("after SLETT MEG: %+v", list)
		}
		if st := tb.offersStatus(t, kari.ContactID); st == consent.StatusActive {
			t.Errorf("an erasure request left marketing on: %s", st)
		}
		// T-04: an erasure request has no copy of the data behind its link;
		// the answered access request has, and it is Kari's.
		token := func(id string) string { return tb.app.RightsLink(id)[strings.LastIndex(tb.app.RightsLink(id), "/")+1:] }
		if _, err := tb.app.PersonPackage(tb.ctx, token(list[0].ID)); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("the package of an erasure request: %v", err)
		}
		done, _ := tb.store.RightsRequests(tb.ctx, store.RightsFilter{ContactID: kari.ContactID, State: rights.Done})
		if p, err := tb.app.PersonPackage(tb.ctx, token(done[0].ID)); err != nil || p.Contact.ID != kari.ContactID {
			t.Errorf("the package of the access request: %v", err)
		}
		write("4740000002", "wamid.in3", "INNSYN")
		all, _ := tb.store.RightsRequests(tb.ctx, store.RightsFilter{})
		if len(all) != 3 {
			t.Fatalf("requests: %d, want 3", len(all))
		}
		for _, r := range all {
			if r.ContactID == "" {
				t.Errorf("a WhatsApp request with no contact to answer: %+v", r)
			}
		}
		write("4791234567", "wamid.in1", "Innsyn") // a redelivery
		if all2, _ := tb.store.RightsRequests(tb.ctx, store.RightsFilter{}); len(all2) != 3 {
			t.Errorf("a redelivered message made another request")
		}
	})
}

// TestRightsRestrictionAndRestrictedContacts: a restriction request answered
// restricts the contact, so the gate refuses every purpose; an access
// request written from a restricted contact's number waits for staff, since
// the number may have changed hands (T-04).
func TestRightsRestrictionAndRestrictedContacts(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		tb := setup(t, b)
		tb.seed(t)
		kari := tb.consented(t, "+47 912 34 567")
		req, err := tb.app.FileRequest(tb.ctx, dpo, app.RightsInput{Type: "restriction", ContactID: kari.ContactID})
		if err != nil {
			t.Fatal(err)
		}
		if d, _ := tb.app.Gate(tb.ctx, integrator, kari.ContactID, "offers"); !d.Allowed {
			t.Fatalf("before the answer the gate refuses: %+v", d)
		}
		if _, err := tb.app.CompleteRequest(tb.ctx, dpo, req.ID, ""); err != nil {
			t.Fatal(err)
		}
		if d, _ := tb.app.Gate(tb.ctx, integrator, kari.ContactID, "offers"); d.Allowed || d.Reason != consent.ReasonRestricted {
			t.Errorf("after the restriction the gate says %+v", d)
		}
		raw := webhookBody(t, whatsapp.WebhookValue{Messages: []whatsapp.InboundMessage{{From: "4791234567", ID: "wamid.r1",
			Timestamp: tb.ts(), Type: "text", Text: &whatsapp.InboundText{Body: "INNSYN"}}}})
		if err := tb.app.ReceiveWebhook(tb.ctx, raw); err != nil {
			t.Fatal(err)
		}
		list, _ := tb.store.RightsRequests(tb.ctx, store.RightsFilter{ContactID: kari.ContactID, State: rights.Open})
		if len(list) != 1 || list[0].Type != rights.Access {
			t.Fatalf("the access request of a restricted contact: %+v; want it open for staff", list)
		}
	})
}
