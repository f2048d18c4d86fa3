// SPDX-License-Identifier: AGPL-3.0-only

package app_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/samtykke/samtykke/internal/app"
	"github.com/samtykke/samtykke/internal/consent"
	"github.com/samtykke/samtykke/internal/ledger"
	"github.com/samtykke/samtykke/internal/retention"
	"github.com/samtykke/samtykke/internal/store"
	"github.com/samtykke/samtykke/internal/store/storetest"
	"github.com/samtykke/samtykke/internal/tag"
)

const day = 24 * time.Hour

// runAt is when the retention runs in these tests; each item is made the
// day before, the day of, or the day after its period ends at runAt.
var runAt = time.Date(2030, 6, 15, 12, 0, 0, 0, time.UTC)

// boundaries are the ages at runAt, for a period of days: one day more
// (due the day before), exactly (due that instant), one day less (due the
// day after), each with whether it is gone after the run.
func boundaries(days int) []struct {
	name string
	age  time.Duration
	gone bool
} {
	p := time.Duration(days) * day
	return []struct {
		name string
		age  time.Duration
		gone bool
	}{{"due the day before", p + day, true}, {"due that day", p, true}, {"due the day after", p - day, false}}
}

// retentionNumber is the i-th number of these tests.
func retentionNumber(i int) string { return fmt.Sprintf("+47 4%03d %04d", 100+i, 1000+i) }

// runRetention runs the retention at runAt and returns what the log then
// holds, summed by class.
func (tb *bundle) runRetention(t *testing.T) map[retention.Class]int64 {
	t.Helper()
	tb.now = runAt
	rep, err := tb.app.RunRetention(tb.ctx)
	if err != nil {
		t.Fatalf("RunRetention: %v", err)
	}
	es, err := tb.store.RetentionLog(tb.ctx, "", 1000)
	if err != nil {
		t.Fatal(err)
	}
	if len(es) < len(rep.Entries) {
		t.Fatalf("the run reported %d entries, the log holds %d", len(rep.Entries), len(es))
	}
	out := map[retention.Class]int64{}
	for _, e := range es {
		out[e.Class] += e.Count
	}
	return out
}

// erased reports whether a contact is erased, failing the test on an error.
func (tb *bundle) erased(t *testing.T, id string) bool {
	t.Helper()
	c, err := tb.store.Contact(tb.ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	return c.Erased()
}

// TestRetentionContactsWithoutPurpose: a contact that never consented is
// erased once its period (30 days) has passed since its last event: made the
// day before, the day of, and the day after that period ends (RT-01).
func TestRetentionContactsWithoutPurpose(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		tb := setup(t, b)
		tb.seed(t)
		ids := map[string]bool{}
		for i, bd := range boundaries(30) {
			tb.now = runAt.Add(-bd.age)
			id, _, err := tb.app.CreateContact(tb.ctx, integrator, app.NewContact{Phone: retentionNumber(i)})
			if err != nil {
				t.Fatal(err)
			}
			ids[id] = bd.gone
		}
		// One whose request was withdrawn before it was confirmed: no consent
		// to prove, so the same period, from the withdrawal.
		tb.now = runAt.Add(-31 * day)
		in := confirmed(retentionNumber(9))
		in.Evidence.ConfirmationChannel, in.Evidence.ConfirmationMessageID, in.CollectedAt = "", "", tb.now
		rec, err := tb.app.RecordConsent(tb.ctx, integrator, in)
		if err != nil {
			t.Fatal(err)
		}
		tb.now = runAt.Add(-29 * day)
		if _, err := tb.app.Withdraw(tb.ctx, integrator, app.WithdrawInput{Subject: app.Subject{ContactID: rec.ContactID}, Purpose: "offers"}); err != nil {
			t.Fatal(err)
		}
		ids[rec.ContactID] = false
		logged := tb.runRetention(t)
		for id, gone := range ids {
			if tb.erased(t, id) != gone {
				t.Errorf("contact %s erased = %v, want %v", id, !gone, gone)
			}
		}
		if logged[retention.ClassContacts] != 2 {
			t.Errorf("the log counts %d contacts erased, want 2", logged[retention.ClassContacts])
		}
		if _, err := tb.app.VerifyLedger(tb.ctx); err != nil {
			t.Fatalf("ledger after the run: %v", err)
		}
	})
}

// TestRetentionProofPeriod: a contact that consented and withdrew keeps its
// minimal proof for the proof period (three years) after the last consent
// ended, and is erased at the run after: withdrawn the day before, the day
// of and the day after the period ends; one that objected keeps its
// suppression token, with the reason (RT-02, RT-03, RT-05, R-04). One with a
// consent still active is kept whatever its age.
func TestRetentionProofPeriod(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		tb := setup(t, b)
		tb.seed(t)
		ids := map[string]bool{}
		withdraw := func(i int, age time.Duration, purpose string) string {
			t.Helper()
			tb.now = runAt.Add(-age - day)
			in := confirmed(retentionNumber(i))
			in.CollectedAt = tb.now.Add(-time.Minute)
			rec, err := tb.app.RecordConsent(tb.ctx, integrator, in)
			if err != nil {
				t.Fatal(err)
			}
			tb.now = runAt.Add(-age)
			if _, err := tb.app.Withdraw(tb.ctx, integrator, app.WithdrawInput{Subject: app.Subject{ContactID: rec.ContactID},
				Purpose: purpose, Method: "keyword"}); err != nil {
				t.Fatal(err)
			}
			return rec.ContactID
		}
		for i, bd := range boundaries(1095) {
			ids[withdraw(i, bd.age, "offers")] = bd.gone
		}
		objector := withdraw(5, 1096*day, "all")
		ids[objector] = true
		tb.now = runAt.Add(-10 * day)
		in := confirmed(retentionNumber(6))
		in.Purpose, in.Method = "customers", "in_store"
		in.CollectedAt = tb.now
		in.Evidence = ledger.Evidence{OrderRef: "O-1", ProductCategory: "sko", OptOutOfferedAt: "2030-06-05T12:00:00Z"}
		active, err := tb.app.RecordConsent(tb.ctx, integrator, in)
		if err != nil {
			t.Fatal(err)
		}
		ids[active.ContactID] = false

		logged := tb.runRetention(t)
		for id, gone := range ids {
			if tb.erased(t, id) != gone {
				t.Errorf("contact %s erased = %v, want %v", id, !gone, gone)
			}
		}
		if logged[retention.ClassContacts] != 3 {
			t.Errorf("the log counts %d contacts erased, want 3", logged[retention.ClassContacts])
		}
		// RT-05: the objector's token stays, and says why.
		if n := tb.b.Int(t, tb.store, `SELECT count(*) FROM suppressions WHERE kept LIKE 'RT-05:%'`); n != 1 {
			t.Errorf("%d kept suppressions with a reason, want the objector's", n)
		}
		if _, err := tb.app.Lookup(tb.ctx, integrator, retentionNumber(5), "kundeservice 4"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("lookup of the erased objector: %v", err)
		}
		if _, err := tb.app.VerifyLedger(tb.ctx); err != nil {
			t.Fatalf("ledger after the run: %v", err)
		}
		// A second run finds nothing more.
		tb.now = runAt
		if rep, err := tb.app.RunRetention(tb.ctx); err != nil || len(rep.Entries) != 0 {
			t.Errorf("a second run = %+v, %v; want nothing", rep, err)
		}
	})
}

// TestRetentionEraseImmediately: under SAMTYKKE_ERASE_AFTER_WITHDRAWAL
// immediately, a contact is erased at the first run after its last purpose
// ended, the same day; one with another purpose still active is not (C-11).
func TestRetentionEraseImmediately(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		tb := setupWith(t, b, app.Config{Retention: retention.Periods{Erase: retention.EraseImmediately}})
		tb.seed(t)
		tb.now = runAt.Add(-time.Hour)
		in := confirmed(retentionNumber(1))
		in.CollectedAt = tb.now
		gone, err := tb.app.RecordConsent(tb.ctx, integrator, in)
		if err != nil {
			t.Fatal(err)
		}
		in = confirmed(retentionNumber(2))
		in.CollectedAt = tb.now
		kept, err := tb.app.RecordConsent(tb.ctx, integrator, in)
		if err != nil {
			t.Fatal(err)
		}
		soft := confirmed(retentionNumber(2))
		soft.Purpose, soft.Method, soft.CollectedAt = "customers", "in_store", tb.now
		soft.Evidence = ledger.Evidence{OrderRef: "O-2", ProductCategory: "sko", OptOutOfferedAt: "2030-06-15T10:00:00Z"}
		if _, err := tb.app.RecordConsent(tb.ctx, integrator, soft); err != nil {
			t.Fatal(err)
		}
		tb.now = runAt.Add(-time.Minute)
		for _, id := range []string{gone.ContactID, kept.ContactID} {
			if _, err := tb.app.Withdraw(tb.ctx, integrator, app.WithdrawInput{Subject: app.Subject{ContactID: id}, Purpose: "offers"}); err != nil {
				t.Fatal(err)
			}
		}
		logged := tb.runRetention(t)
		if !tb.erased(t, gone.ContactID) || tb.erased(t, kept.ContactID) {
			t.Fatalf("erased: withdrawn %v (want true), still a customer %v (want false)", tb.erased(t, gone.ContactID), tb.erased(t, kept.ContactID))
		}
		if logged[retention.ClassContacts] != 1 {
			t.Errorf("the log counts %d contacts erased, want 1", logged[retention.ClassContacts])
		}
	})
}

// TestRetentionPurposeFields: a purpose's retention_days bounds the
// personal data collected for it: the first name a purpose declares, and
// the tags, are removed once its retention_days (30) have passed since its
// consent ended — the day before, the day of, the day after — while the
// contact and its proof stay (C-11, RT-02).
func TestRetentionPurposeFields(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		tb := setupWith(t, b, app.Config{Tags: []tag.Tag{{Key: "vip", Description: consent.Text{NB: "Faste kunder", EN: "Regulars"}}}})
		tb.seed(t)
		if _, err := tb.app.CreatePurpose(tb.ctx, admin, consent.Purpose{Key: "named", Channel: consent.WhatsApp, Basis: consent.BasisConsent,
			RetentionDays: 30, Fields: []string{"first_name"}, Description: consent.Text{NB: "Tilbud med navn", EN: "Offers by name"}}); err != nil {
			t.Fatal(err)
		}
		ids := map[string]bool{}
		for i, bd := range boundaries(30) {
			tb.now = runAt.Add(-bd.age - day)
			id, _, err := tb.app.CreateContact(tb.ctx, integrator, app.NewContact{Phone: retentionNumber(i), FirstName: "Kari", Tags: []string{"vip"}})
			if err != nil {
				t.Fatal(err)
			}
			in := confirmed(retentionNumber(i))
			in.Purpose, in.CollectedAt = "named", tb.now
			if _, err := tb.app.RecordConsent(tb.ctx, integrator, in); err != nil {
				t.Fatal(err)
			}
			tb.now = runAt.Add(-bd.age)
			if _, err := tb.app.Withdraw(tb.ctx, integrator, app.WithdrawInput{Subject: app.Subject{ContactID: id}, Purpose: "named"}); err != nil {
				t.Fatal(err)
			}
			ids[id] = bd.gone
		}
		logged := tb.runRetention(t)
		for id, gone := range ids {
			v, err := tb.app.Contact(tb.ctx, admin, id)
			if err != nil {
				t.Fatal(err)
			}
			if v.Erased || v.Phone == "" {
				t.Errorf("contact %s lost its proof: %+v", id, v)
			}
			if (v.FirstName == "") != gone || (len(v.Tags) == 0) != gone {
				t.Errorf("contact %s: first name %q, tags %v; want them gone: %v", id, v.FirstName, v.Tags, gone)
			}
		}
		if logged[retention.ClassProfile] != 2 || logged[retention.ClassContacts] != 0 {
			t.Errorf("the log counts %v; want 2 profiles pruned and no contact erased", logged)
		}
		if _, err := tb.app.VerifyLedger(tb.ctx); err != nil {
			t.Fatalf("ledger after the run: %v", err)
		}
	})
}

// TestRetentionRefreshExpiry: a consent past its refresh date (365 days)
// ends with an expired event, so that the ledger, the stored state and the
// gate agree, and the proof period runs from then: collected the day before,
// the day of and the day after its refresh date (C-10).
func TestRetentionRefreshExpiry(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		tb := setup(t, b)
		tb.seed(t)
		tb.now = runAt.Add(-time.Hour)
		ids := map[string]bool{}
		for i, bd := range boundaries(365) {
			in := confirmed(retentionNumber(i))
			in.CollectedAt = runAt.Add(-bd.age)
			rec, err := tb.app.RecordConsent(tb.ctx, integrator, in)
			if err != nil {
				t.Fatal(err)
			}
			ids[rec.ContactID] = bd.gone
		}
		logged := tb.runRetention(t)
		for id, gone := range ids {
			s, err := tb.store.ConsentState(tb.ctx, id, "offers")
			if err != nil {
				t.Fatal(err)
			}
			if (s.Status == consent.StatusExpired) != gone {
				t.Errorf("contact %s: status %s; want expired: %v", id, s.Status, gone)
			}
			d, err := tb.app.Gate(tb.ctx, marketer, id, "offers")
			if err != nil || d.Allowed == gone {
				t.Errorf("contact %s: gate %+v, %v", id, d, err)
			}
			if tb.erased(t, id) {
				t.Errorf("contact %s erased; its proof is kept", id)
			}
		}
		if logged[retention.ClassConsents] != 2 {
			t.Errorf("the log counts %d consents expired, want 2", logged[retention.ClassConsents])
		}
		if _, err := tb.app.VerifyLedger(tb.ctx); err != nil {
			t.Fatalf("ledger after the run (the fold must agree): %v", err)
		}
	})
}

// TestRetentionMessagesWebhooksAccessLog: message records (1,095 days,
// RT-08), handled webhooks and their redelivery keys (8 days) and access-log
// entries (365 days) are deleted at the run after their period ends: made
// the day before, the day of and the day after; spent rate-limit counters
// go too. Each class leaves its count in the retention log.
func TestRetentionMessagesWebhooksAccessLog(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		tb := setupWith(t, b, app.Config{Retention: retention.Periods{AccessLog: 365}})
		tb.seed(t)
		tb.now = runAt.Add(-1200 * day)
		rec := tb.consented(t, retentionNumber(1))
		var kept []string
		for i, bd := range boundaries(1095) {
			tb.now = runAt.Add(-bd.age)
			id := fmt.Sprintf("m-%d", i)
			tb.sentMessage(t, id, rec.ContactID, fmt.Sprintf("wamid.%d", i))
			if !bd.gone {
				kept = append(kept, id)
			}
		}
		for i, bd := range boundaries(8) {
			at := runAt.Add(-bd.age)
			if err := tb.store.Tx(tb.ctx, func(tx store.Tx) error {
				if err := tx.PutInbox(tb.ctx, store.InboxItem{ID: fmt.Sprintf("i-%d", i), Digest: []byte{byte(i)}, ReceivedAt: at,
					BodyCT: []byte{}, ProcessedAt: at}); err != nil {
					return err
				}
				_, err := tx.MarkSeen(tb.ctx, fmt.Sprintf("k-%d", i), at)
				return err
			}); err != nil {
				t.Fatal(err)
			}
		}
		accessesBefore := tb.b.Int(t, tb.store, `SELECT count(*) FROM access_log`)
		for _, bd := range boundaries(365) {
			tb.now = runAt.Add(-bd.age)
			if _, err := tb.app.Contact(tb.ctx, admin, rec.ContactID); err != nil {
				t.Fatal(err)
			}
		}
		if err := tb.store.Tx(tb.ctx, func(tx store.Tx) error {
			for i, at := range []time.Time{runAt.Add(-2 * day), runAt} {
				if _, err := tx.Hit(tb.ctx, fmt.Sprintf("optin:ip:192.0.2.%d", i), day, 5, at); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		logged := tb.runRetention(t)
		for i, id := range []string{"m-0", "m-1", "m-2"} {
			_, err := tb.store.Message(tb.ctx, id)
			if gone := errors.Is(err, store.ErrNotFound); gone != (i < 2) {
				t.Errorf("message %s gone = %v (%v)", id, gone, err)
			}
		}
		if n := tb.b.Int(t, tb.store, `SELECT count(*) FROM webhook_inbox`) + tb.b.Int(t, tb.store, `SELECT count(*) FROM webhook_seen`); n != 2 {
			t.Errorf("%d webhook rows left, want the body and key of the youngest", n)
		}
		// The access log kept the youngest entry and every one of the run's
		// own time (the older ones of the set-up, made 1,200 days ago, go).
		if n := tb.b.Int(t, tb.store, `SELECT count(*) FROM access_log WHERE at >= $1`, runAt.Add(-364*day).UnixMicro()); n != 1 {
			t.Errorf("%d recent access-log entries left, want 1", n)
		}
		if n := tb.b.Int(t, tb.store, `SELECT count(*) FROM access_log WHERE at < $1`, runAt.Add(-364*day).UnixMicro()); n != 0 {
			t.Errorf("%d access-log entries past their period left", n)
		}
		if n := tb.b.Int(t, tb.store, `SELECT count(*) FROM rate_limits WHERE key LIKE 'optin:ip:%'`); n != 1 {
			t.Errorf("%d IP counters left, want today's", n)
		}
		// What is left of the access log's chain still verifies, from the
		// anchor the pruning left (invariant 6).
		if rep, err := tb.app.VerifyLedger(tb.ctx); err != nil || rep.AccessPruned != accessesBefore+2 ||
			rep.Accesses != tb.b.Int(t, tb.store, `SELECT count(*) FROM access_log`) {
			t.Errorf("verify after pruning = %+v, %v; want pruned to seq %d and the rest checked", rep, err, accessesBefore+2)
		}
		want := map[retention.Class]int64{retention.ClassMessages: 2, retention.ClassWebhooks: 4,
			retention.ClassAccessLog: accessesBefore + 2, retention.ClassRateLimits: 1}
		for class, n := range want {
			if logged[class] != n {
				t.Errorf("the log counts %d %s, want %d (all: %v)", logged[class], class, n, logged)
			}
		}
	})
}

// TestRetentionUnconfirmedOptIns: an opt-in request not confirmed within
// its 72 hours ends, and its contact, which never consented, is erased: made
// the day before, the day of and the day after its expiry; each leaves its
// count in the retention log (RT-07).
func TestRetentionUnconfirmedOptIns(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		tb := setup(t, b)
		tb.seed(t)
		var want []bool
		for i, bd := range boundaries(3) {
			tb.now = runAt.Add(-bd.age)
			if _, err := tb.app.RequestOptIn(tb.ctx, app.OptInRequest{Phone: retentionNumber(i), Purposes: []string{"offers"},
				AgeConfirmed: true, IP: "192.0.2.9"}); err != nil {
				t.Fatal(err)
			}
		}
		logged := tb.runRetention(t)
		for i, gone := range want {
			_, err := tb.app.Lookup(tb.ctx, integrator, retentionNumber(i), "kundeservice 5")
			if errors.Is(err, store.ErrNotFound) != gone {
				t.Errorf("request %d: lookup %v; want the contact gone: %v", i, err, gone)
			}
		}
		if logged[retention.ClassOptIns] != 2 || logged[retention.ClassContacts] != 2 {
			t.Errorf("the log counts %v; want 2 requests and 2 contacts", logged)
		}
	})
}

// TestRetentionRightsRequests: a rights request's file (the request and its
// steps) is kept for its period after the request was closed (1,095 days),
// and deleted at the run after: closed the day before, the day of and the
// day after that period ends; an open request stays whatever its age
// (RT-01).
func TestRetentionRightsRequests(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		tb := setup(t, b)
		tb.seed(t)
		rec := tb.consented(t, retentionNumber(1))
		for i, bd := range boundaries(1095) {
			tb.now = runAt.Add(-bd.age - 30*day)
			req, err := tb.app.FileRequest(tb.ctx, dpo, app.RightsInput{Type: "access", ContactID: rec.ContactID})
			if err != nil {
				t.Fatal(err)
			}
			tb.now = runAt.Add(-bd.age)
			if _, err := tb.app.CompleteRequest(tb.ctx, dpo, req.ID, fmt.Sprintf("the copy was sent (%d)", i)); err != nil {
				t.Fatal(err)
			}
		}
		tb.now = runAt.Add(-2000 * day)
		open, err := tb.app.FileRequest(tb.ctx, dpo, app.RightsInput{Type: "access", ContactID: rec.ContactID})
		if err != nil {
			t.Fatal(err)
		}
		logged := tb.runRetention(t)
		list, err := tb.store.RightsRequests(tb.ctx, store.RightsFilter{ContactID: rec.ContactID})
		if err != nil {
			t.Fatal(err)
		}
		kept := map[string]bool{}
		for _, r := range list {
			kept[r.ID] = true
		}
		if len(list) != 2 || !kept[open.ID] {
			t.Errorf("requests left: %d (open one kept: %v); want the open one and the one closed 1,094 days ago", len(list), kept[open.ID])
		}
		if logged[retention.ClassRightsRequests] != 2 {
			t.Errorf("the log counts %d rights requests, want 2", logged[retention.ClassRightsRequests])
		}
	})
}
