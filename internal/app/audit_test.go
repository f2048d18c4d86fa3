// SPDX-License-Identifier: AGPL-3.0-only

package app_test

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/samtykke/samtykke/internal/app"
	"github.com/samtykke/samtykke/internal/audit"
	"github.com/samtykke/samtykke/internal/campaign"
	"github.com/samtykke/samtykke/internal/consent"
	"github.com/samtykke/samtykke/internal/contact"
	"github.com/samtykke/samtykke/internal/ledger"
	"github.com/samtykke/samtykke/internal/message"
	"github.com/samtykke/samtykke/internal/store"
	"github.com/samtykke/samtykke/internal/store/storetest"
	"github.com/samtykke/samtykke/internal/whatsapp"
)

// saveDPIA saves the DPIA the DPO would: the draft made from the record of
// processing and the screening, through the DPIA's own use case (D-02).
func (tb *bundle) saveDPIA(t *testing.T) {
	t.Helper()
	d, err := tb.app.DPIA(tb.ctx, dpo, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tb.app.SaveDPIA(tb.ctx, dpo, app.DPIAInput{Description: d.Description, Necessity: d.Necessity,
		RisksSummary: d.RisksSummary, MeasuresSummary: d.MeasuresSummary, Risks: d.Risks}); err != nil {
		t.Fatal(err)
	}
}

// finding returns a report's finding of a check, failing the test without it.
func finding(t *testing.T, rep audit.Report, check string) audit.Finding {
	t.Helper()
	f, ok := rep.Finding(check)
	if !ok {
		t.Fatalf("the report has no finding of %s", check)
	}
	return f
}

// TestAuditOfACleanFlow: after a person's real life on the list — an opt-in
// confirmed from their WhatsApp, a campaign message, STOPP — the audit finds
// nothing to fail, counts what it checked, times the STOPP, and stores the
// report, which an auditor may read back and list (S-04, P-07).
func TestAuditOfACleanFlow(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		tb, s := withSim(t, b, app.Config{Tags: declaredTags})
		subjectFlow(t, tb, s)
		// A second person who stays subscribed: an active consent to check.
		started, err := tb.app.RequestOptIn(tb.ctx, app.OptInRequest{Phone: "+47 912 34 568", Language: "en", Purposes: []string{"offers"},
			AgeConfirmed: true, IP: "192.0.2.11"})
		if err != nil {
			t.Fatal(err)
		}
		raw := webhookBody(t, whatsapp.WebhookValue{Messages: []whatsapp.InboundMessage{{From: "4791234568", ID: "wamid.ja2",
			Timestamp: tb.ts(), Type: "text", Text: &whatsapp.InboundText{Body: "JA " + started.Code}}}})
		if err := tb.app.ReceiveWebhook(tb.ctx, raw); err != nil {
			t.Fatal(err)
		}
		tb.saveDPIA(t)
		rep, err := tb.app.RunAudit(tb.ctx, auditor)
		if err != nil {
			t.Fatal(err)
		}
		if len(rep.Findings) != len(audit.Checks) || rep.Actor != auditor.String() || !rep.At.Equal(tb.now) || rep.Controller != "Butikken AS" {
			t.Fatalf("report %s: %d findings by %s at %v", rep.ID, len(rep.Findings), rep.Actor, rep.At)
		}
		for _, f := range rep.Findings {
			if f.Status == audit.Fail {
				t.Errorf("%s failed on a clean database: %s (affected %v)", f.Check, f.Detail, f.Affected)
			}
		}
		if f := finding(t, rep, audit.CheckEvidence); f.Checked != 1 || f.Count != 0 {
			t.Errorf("evidence: checked %d contacts, found %d; want the one still subscribed", f.Checked, f.Count)
		}
		if f := finding(t, rep, audit.CheckDispatch); f.Checked != 1 || f.Count != 0 {
			t.Errorf("dispatches: checked %d, found %d; want the campaign's one message", f.Checked, f.Count)
		}
		if f := finding(t, rep, audit.CheckOptOut); f.Timing == nil || f.Timing.N != 1 || f.Status != audit.Pass {
			t.Errorf("opt-out times: %+v, %s; want the STOPP timed", f.Timing, f.Status)
		}
		if f := finding(t, rep, audit.CheckDPIA); f.Status != audit.Pass {
			t.Errorf("dpia: %s: %s", f.Status, f.Detail)
		}
		if f := finding(t, rep, audit.CheckNotices); f.Status != audit.Pass || f.Checked != 2 {
			t.Errorf("notices: %s: %s", f.Status, f.Detail)
		}
		if n := b.Int(t, tb.store, `SELECT count(*) FROM optout_timings WHERE via = 'keyword'`); n != 1 {
			t.Errorf("%d opt-out times recorded for the STOPP, want 1", n)
		}
		got, err := tb.app.Audit(tb.ctx, auditor, rep.ID)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(rep, got); diff != "" {
			t.Errorf("stored report (-ran +read):\n%s", diff)
		}
		list, err := tb.app.Audits(tb.ctx, auditor, 0)
		if err != nil || len(list) != 1 || list[0].ID != rep.ID || list[0].Summary != rep.Summary {
			t.Errorf("Audits = %+v, %v", list, err)
		}
	})
}

// appendWithEvidence appends a consent event with the evidence given,
// sealed under the contact's key and chained, and folds it into the
// contact's state: what a careless import beneath the API could leave.
func (tb *bundle) appendWithEvidence(t *testing.T, contactID string, kind ledger.Kind, purpose string, ev ledger.Evidence) ledger.Event {
	t.Helper()
	var e ledger.Event
	if err := tb.store.Tx(tb.ctx, func(tx store.Tx) error {
		c, err := tx.LockContact(tb.ctx, contactID)
		if err != nil {
			return err
		}
		key, err := tb.vault.Unwrap(c.KeyWrapped)
		if err != nil {
			return err
		}
		e = ledger.Next(c.Head, ledger.Event{ID: "ev-" + contactID, ContactID: contactID, Kind: kind, Purpose: purpose, Channel: "whatsapp",
			At: tb.now, Method: "import", Source: "api", Actor: "test", AgeConfirmed: true}, ev)
		raw, _ := json.Marshal(ev)
		if err := tx.AppendEvent(tb.ctx, e, key.Seal(raw, contact.AAD(contactID, "evidence/"+e.ID))); err != nil {
			return err
		}
		s, err := tx.ConsentState(tb.ctx, contactID, purpose)
		if err != nil {
			return err
		}
		return tx.PutConsentState(tb.ctx, consent.Apply(s, e))
	}); err != nil {
		t.Fatal(err)
	}
	return e
}

// TestAuditFindsEachViolation seeds one violation for each check, straight
// in the store where the API refuses to make one, and asserts that the
// audit finds each, by the right ids, with the right verdict (S-04, P-07).
func TestAuditFindsEachViolation(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		tb := setup(t, b)
		ctx := tb.ctx
		tb.seed(t)
		clean := tb.consented(t, "+47 912 34 501").ContactID

		// (a) Evidence without the double opt-in's confirmation (C-04).
		weak := tb.consented(t, "+47 912 34 502")
		n, err := tb.store.CurrentNotice(ctx, "nb")
		if err != nil {
			t.Fatal(err)
		}
		tb.appendWithEvidence(t, weak.ContactID, ledger.Confirmed, "offers", ledger.Evidence{AffirmativeAct: "ticked", WordingHash: "sha256:1",
			NoticeID: n.ID, NoticeVersion: n.Version, NoticeHash: n.Hash})

		// (b) A campaign message decided after its contact withdrew.
		late := tb.consented(t, "+47 912 34 503")
		if _, err := tb.app.Withdraw(ctx, integrator, app.WithdrawInput{Subject: app.Subject{ContactID: late.ContactID}, Purpose: "offers"}); err != nil {
			t.Fatal(err)
		}
		lateMsg := "k-late:" + late.ContactID
		if err := tb.store.Tx(ctx, func(tx store.Tx) error {
			_, err := tx.DecideMessages(ctx, campaign.Campaign{ID: "k-late", Purpose: "offers"}, []store.Decision{{MessageID: lateMsg,
				ContactID: late.ContactID, Status: message.Sending, ConsentEventID: late.EventID}}, tb.now.Add(time.Minute))
			return err
		}); err != nil {
			t.Fatal(err)
		}

		// (c) An opt-out that took a minute and a half.
		if err := tb.store.Tx(ctx, func(tx store.Tx) error {
			return tx.RecordOptOutTime(ctx, store.OptOutTiming{ID: "slow", ReceivedAt: tb.now.Add(-90 * time.Second), CommittedAt: tb.now, Via: "keyword"})
		}); err != nil {
			t.Fatal(err)
		}

		// (d) An opt-in nobody confirmed, kept past its expiry (the clock moves on below).
		if _, err := tb.app.RequestOptIn(ctx, app.OptInRequest{Phone: "+47 912 34 504", Language: "nb", Purposes: []string{"offers"}, AgeConfirmed: true}); err != nil {
			t.Fatal(err)
		}
		pending, err := tb.store.ContactByIndex(ctx, tb.vault.BlindIndex("+4791234504"))
		if err != nil {
			t.Fatal(err)
		}

		// (e) A contact made 40 days ago that never got a purpose (30 days, RT-01),
		// and a message record four years old: past the three years of RT-08.
		tb.now = tb.now.AddDate(0, 0, -40)
		noPurpose, _, err := tb.app.CreateContact(ctx, integrator, app.NewContact{Phone: "+47 912 34 506"})
		if err != nil {
			t.Fatal(err)
		}
		tb.now = tb.now.AddDate(0, 0, 40)
		if err := tb.store.Tx(ctx, func(tx store.Tx) error {
			return tx.CreateMessage(ctx, message.Message{ID: "ancient", ContactID: clean, Kind: message.Receipt, BodyKey: "receipt",
				Status: message.Delivered, CreatedAt: tb.now.AddDate(-4, 0, 0)})
		}); err != nil {
			t.Fatal(err)
		}

		// (f) A rights request received 40 days ago and still open.
		received := tb.now.AddDate(0, 0, -37)
		req, err := tb.app.FileRequest(ctx, dpo, app.RightsInput{Type: "access", ContactID: clean, Received: &received})
		if err != nil {
			t.Fatal(err)
		}

		// (g) A withdrawn consent made active again straight in the database (invariant 11).
		tampered := tb.consented(t, "+47 912 34 505").ContactID
		if _, err := tb.app.Withdraw(ctx, integrator, app.WithdrawInput{Subject: app.Subject{ContactID: tampered}, Purpose: "offers"}); err != nil {
			t.Fatal(err)
		}
		if err := b.Exec(t, tb.store, `UPDATE consent_states SET status = 'active' WHERE contact_id = $1`, tampered); err != nil {
			t.Fatal(err)
		}

		// (i) A master key first used more than a year ago.
		if err := tb.store.Tx(ctx, func(tx store.Tx) error {
			return tx.RecordKeyFingerprint(ctx, tb.vault.Fingerprint(), tb.now.AddDate(-1, -2, 0))
		}); err != nil {
			t.Fatal(err)
		}

		// (j) The seed's purposes (an existing-customer basis, people from
		// 15) call for a DPIA, and none is saved.

		tb.now = tb.now.Add(75 * time.Hour) // the opt-in of (d) expired three hours ago
		rep, err := tb.app.RunAudit(ctx, admin)
		if err != nil {
			t.Fatal(err)
		}
		want := []struct {
			check    string
			status   audit.Status
			affected []string // each must be named; nil: none named
			not      []string // none of these may be
		}{
			{audit.CheckEvidence, audit.Fail, []string{weak.ContactID, tampered}, []string{clean, late.ContactID}},
			{audit.CheckDispatch, audit.Fail, []string{lateMsg}, nil},
			{audit.CheckOptOut, audit.Fail, nil, nil},
			{audit.CheckOptIns, audit.Warn, []string{pending.ID}, nil},
			{audit.CheckRetention, audit.Fail, []string{noPurpose}, []string{clean, pending.ID}},
			{audit.CheckRights, audit.Fail, []string{req.ID}, nil},
			{audit.CheckLedger, audit.Fail, []string{tampered}, nil},
			{audit.CheckNotices, audit.Pass, nil, nil},
			{audit.CheckKeys, audit.Warn, nil, nil},
			{audit.CheckDPIA, audit.Fail, nil, nil},
		}
		for _, w := range want {
			f := finding(t, rep, w.check)
			if f.Status != w.status {
				t.Errorf("%s: %s, want %s: %s", w.check, f.Status, w.status, f.Detail)
			}
			for _, id := range w.affected {
				if !slices.Contains(f.Affected, id) {
					t.Errorf("%s does not name %s: %v", w.check, id, f.Affected)
				}
			}
			for _, id := range w.not {
				if slices.Contains(f.Affected, id) {
					t.Errorf("%s names %s, which is sound", w.check, id)
				}
			}
			if w.affected != nil && w.check != audit.CheckRetention && f.Count != int64(len(f.Affected)) {
				t.Errorf("%s: count %d, %d named", w.check, f.Count, len(f.Affected))
			}
		}
		if f := finding(t, rep, audit.CheckEvidence); f.Breakdown[audit.EvidenceNoConfirmation] != 1 || f.Breakdown[audit.EvidenceNotAConsent] != 1 {
			t.Errorf("evidence by problem: %v", f.Breakdown)
		}
		if f := finding(t, rep, audit.CheckDispatch); f.Count != 1 || f.Breakdown[store.DispatchAfterWithdraw] != 1 {
			t.Errorf("dispatches: %d found, by problem %v", f.Count, f.Breakdown)
		}
		if f := finding(t, rep, audit.CheckOptOut); f.Timing.MaxMS != 90000 || f.Count != 1 {
			t.Errorf("opt-out times: %+v, %d over 5 s", f.Timing, f.Count)
		}
		if f := finding(t, rep, audit.CheckRetention); f.Count != 2 || f.Breakdown["message_records"] != 1 || f.Breakdown["contacts_to_erase"] != 1 {
			t.Errorf("retention: %d found, %v", f.Count, f.Breakdown)
		}
		if rep.Summary.Fail != 7 || rep.Summary.Warn != 2 || rep.Summary.Pass != 1 {
			t.Errorf("summary %+v", rep.Summary)
		}
	})
}

// TestAuditOfNoticesAndDPIA: a language without a published notice fails
// the notices check, naming it (T-01); a DPIA written for other purposes
// than those configured now warns (Art. 35(11), D-01).
func TestAuditOfNoticesAndDPIA(t *testing.T) {
	t.Parallel()
	tb := setup(t, storetest.SQLite)
	if _, err := tb.app.CreatePurpose(tb.ctx, admin, consent.Purpose{Key: "customers", Channel: consent.WhatsApp, Basis: consent.BasisExistingCustomer,
		RetentionDays: 365, Description: consent.Text{NB: "Kundetilbud", EN: "Customer offers"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := tb.app.CreatePurpose(tb.ctx, admin, consent.Purpose{Key: "offers", Channel: consent.WhatsApp, Basis: consent.BasisConsent,
		RetentionDays: 365, Description: consent.Text{NB: "Tilbud", EN: "Offers"}}); err != nil {
		t.Fatal(err)
	}
	n, err := tb.app.CreateNotice(tb.ctx, admin, completeNotice("nb"))
	if err == nil {
		_, err = tb.app.PublishNotice(tb.ctx, admin, n.ID)
	}
	if err != nil {
		t.Fatal(err)
	}
	tb.saveDPIA(t)
	// A purpose added since: the DPIA no longer covers what is done.
	if _, err := tb.app.CreatePurpose(tb.ctx, admin, consent.Purpose{Key: "news", Channel: consent.WhatsApp, Basis: consent.BasisConsent,
		RetentionDays: 365, Description: consent.Text{NB: "Nyheter", EN: "News"}}); err != nil {
		t.Fatal(err)
	}
	rep, err := tb.app.RunAudit(tb.ctx, admin)
	if err != nil {
		t.Fatal(err)
	}
	if f := finding(t, rep, audit.CheckNotices); f.Status != audit.Fail || !slices.Equal(f.Affected, []string{"en"}) {
		t.Errorf("notices: %s, affected %v: %s", f.Status, f.Affected, f.Detail)
	}
	if f := finding(t, rep, audit.CheckDPIA); f.Status != audit.Warn {
		t.Errorf("dpia: %s: %s", f.Status, f.Detail)
	}
}

// TestAuditIsForThoseWhoMayRunIt: a marketer may neither run nor read an
// audit, and nothing is stored for its attempt; a list's limit is checked
// (S-02).
func TestAuditIsForThoseWhoMayRunIt(t *testing.T) {
	t.Parallel()
	tb := setup(t, storetest.SQLite)
	if _, err := tb.app.RunAudit(tb.ctx, marketer); !errors.Is(err, app.ErrForbidden) {
		t.Errorf("a marketer ran an audit: %v", err)
	}
	if _, err := tb.app.Audits(tb.ctx, marketer, 0); !errors.Is(err, app.ErrForbidden) {
		t.Errorf("a marketer listed audits: %v", err)
	}
	if _, err := tb.app.Audit(tb.ctx, integrator, "x"); !errors.Is(err, app.ErrForbidden) {
		t.Errorf("an integrator read an audit: %v", err)
	}
	if _, err := tb.app.Audits(tb.ctx, auditor, 1001); !errors.Is(err, app.ErrInvalid) {
		t.Errorf("a limit of 1001: %v", err)
	}
	if _, err := tb.app.Audit(tb.ctx, auditor, "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("an unknown report: %v", err)
	}
	if n := tb.b.Int(t, tb.store, `SELECT count(*) FROM audits`); n != 0 {
		t.Errorf("%d reports stored", n)
	}
}

// TestOptOutsAreTimed: each opt-out written on WhatsApp records how long it
// took from its webhook's receipt, by its trigger — STOPP from a contact
// and from a number on no contact, the platform's stop — and one handled
// later by the inbox worker counts from when its body came (C-05, K-06).
func TestOptOutsAreTimed(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		tb := setup(t, b)
		tb.seed(t)
		tb.consented(t, "+47 912 34 567")
		for _, v := range []whatsapp.WebhookValue{
			{Messages: []whatsapp.InboundMessage{{From: "4791234567", ID: "wamid.s1", Timestamp: tb.ts(), Type: "text", Text: &whatsapp.InboundText{Body: "STOPP"}}}},
			{Messages: []whatsapp.InboundMessage{{From: "4791234999", ID: "wamid.s2", Timestamp: tb.ts(), Type: "text", Text: &whatsapp.InboundText{Body: "stopp"}}}},
			{UserPreferences: []whatsapp.UserPreference{{WaID: "4791234567", Category: "marketing_messages", Value: whatsapp.PreferenceStop,
				Timestamp: whatsapp.UnixTimeInt(tb.now.Unix())}}},
		} {
			if err := tb.app.ReceiveWebhook(tb.ctx, webhookBody(t, v)); err != nil {
				t.Fatal(err)
			}
		}
		// A body stored an hour ago, handled now.
		came := tb.now
		tb.storedBody(t, "late", webhookBody(t, whatsapp.WebhookValue{Messages: []whatsapp.InboundMessage{{From: "4791234568", ID: "wamid.s3",
			Timestamp: tb.ts(), Type: "text", Text: &whatsapp.InboundText{Body: "STOPP"}}}}))
		tb.now = tb.now.Add(time.Hour)
		if _, err := tb.app.ProcessInbox(tb.ctx); err != nil {
			t.Fatal(err)
		}
		got := map[string]int64{}
		for _, via := range []string{app.TriggerKeyword, app.TriggerUserPreferences} {
			got[via] = b.Int(t, tb.store, `SELECT count(*) FROM optout_timings WHERE via = $1`, via)
		}
		if diff := cmp.Diff(map[string]int64{app.TriggerKeyword: 3, app.TriggerUserPreferences: 1}, got); diff != "" {
			t.Errorf("opt-out times by trigger (-want +got):\n%s", diff)
		}
		ds, err := tb.store.OptOutTimes(tb.ctx, came)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Contains(ds, time.Hour) {
			t.Errorf("the stored body's opt-out took %v; want the hour it waited", ds)
		}
		// Not from a webhook, not timed.
		before := b.Int(t, tb.store, `SELECT count(*) FROM optout_timings`)
		if _, err := tb.app.Withdraw(tb.ctx, integrator, app.WithdrawInput{Subject: app.Subject{Phone: "+47 912 34 570"}, Purpose: "all"}); err != nil {
			t.Fatal(err)
		}
		if after := b.Int(t, tb.store, `SELECT count(*) FROM optout_timings`); after != before {
			t.Errorf("a withdrawal through the API was timed")
		}
	})
}

// TestAuditFindsOldReplies: a message a person wrote, kept past
// SAMTYKKE_RETENTION_REPLY_DAYS (30 days by default), is data past its
// retention (RT-01, issue 23): the audit counts it under replies and names
// the period; a fresh one is not counted. (Due and overdue apart: the store
// suite's "data past its retention".)
func TestAuditFindsOldReplies(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		tb := setup(t, b)
		tb.seed(t)
		tb.consented(t, "+47 912 34 567")
		say := func(id, text string) {
			t.Helper()
			raw := webhookBody(t, whatsapp.WebhookValue{Messages: []whatsapp.InboundMessage{{From: "4791234567", ID: id,
				Timestamp: tb.ts(), Type: "text", Text: &whatsapp.InboundText{Body: text}}}})
			if err := tb.app.ReceiveWebhook(tb.ctx, raw); err != nil {
				t.Fatal(err)
			}
		}
		replies := func() int64 {
			t.Helper()
			rep, err := tb.app.RunAudit(tb.ctx, admin)
			if err != nil {
				t.Fatal(err)
			}
			f := finding(t, rep, audit.CheckRetention)
			if !strings.Contains(f.Detail, "messages people sent 30 days") {
				t.Errorf("the finding does not name the replies' period: %s", f.Detail)
			}
			return f.Breakdown["replies"]
		}
		say("wamid.old", "Har dere åpent i morgen?")
		if n := replies(); n != 0 {
			t.Fatalf("a fresh reply counted as past its retention: %d", n)
		}
		tb.now = tb.now.AddDate(0, 0, 31)
		say("wamid.new", "Takk!")
		if n := replies(); n != 1 {
			t.Errorf("a reply 31 days old and one new: %d past their retention; want 1", n)
		}
		tb.now = tb.now.AddDate(0, 0, 31)
		if n := replies(); n != 2 {
			t.Errorf("two replies over 30 days old: %d past their retention; want 2", n)
		}
	})
}
