// SPDX-License-Identifier: AGPL-3.0-only

package storetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/samtykke/samtykke/internal/access"
	"github.com/samtykke/samtykke/internal/consent"
	"github.com/samtykke/samtykke/internal/ledger"
	"github.com/samtykke/samtykke/internal/message"
	"github.com/samtykke/samtykke/internal/optin"
	"github.com/samtykke/samtykke/internal/retention"
	"github.com/samtykke/samtykke/internal/rights"
	"github.com/samtykke/samtykke/internal/store"
)

// exerciseRetention covers the store methods of retention and erasure
// (RT-01..RT-08, R-04, R-05).
func exerciseRetention(t *testing.T, b Backend) {
	t.Run("retention facts", parallel(b, exerciseRetentionFacts))
	t.Run("consents due for refresh", parallel(b, exerciseDueRefreshes))
	t.Run("erasure forgets what names the contact", parallel(b, exerciseEraseForgets))
	t.Run("prune a contact's profile", parallel(b, exercisePruneContact))
	t.Run("a kept suppression says why", parallel(b, exerciseKeepSuppression))
	t.Run("rate limits and the access log are purged", parallel(b, exercisePurgeCounters))
	t.Run("closed rights requests are purged with their steps", parallel(b, exercisePurgeRights))
	t.Run("processor tasks", parallel(b, exerciseProcessorTasks))
	t.Run("the retention log is append-only", parallel(b, exerciseRetentionLog))
	t.Run("scrub leaves no trace of erased data in the files", parallel(b, exerciseScrub))
}

// event appends an event and stores the state it folds to, as the app does.
func event(ctx context.Context, t store.Tx, contactID string, kind ledger.Kind, purpose string, at time.Time) error {
	e, err := appendEvent(ctx, t, contactID, kind, purpose, at)
	if err != nil {
		return err
	}
	s, err := t.ConsentState(ctx, contactID, purpose)
	if err != nil {
		return err
	}
	return t.PutConsentState(ctx, consent.Apply(s, e))
}

func exerciseRetentionFacts(t *testing.T, b Backend) {
	ctx := context.Background()
	s := b.Open(t)
	day := 24 * time.Hour
	tx(t, s, func(tx store.Tx) error {
		for i, id := range []string{"a-active", "b-withdrawn", "c-fields", "d-erased", "e-none", "f-pending-optin"} {
			c := newContact(id, byte(i+1))
			if id == "c-fields" {
				c.FieldsCT = []byte("sealed-fields")
			}
			if err := tx.CreateContact(ctx, c); err != nil {
				return err
			}
		}
		for _, step := range []struct {
			id      string
			kind    ledger.Kind
			purpose string
			at      time.Time
		}{
			{"a-active", ledger.Confirmed, "offers", t0},
			{"b-withdrawn", ledger.Confirmed, "offers", t0},
			{"b-withdrawn", ledger.Withdrawn, "offers", t0.Add(day)},
			{"b-withdrawn", ledger.Requested, "news", t0.Add(2 * day)},
			{"b-withdrawn", ledger.Expired, "news", t0.Add(5 * day)},
			{"c-fields", ledger.Confirmed, "offers", t0},
			{"d-erased", ledger.Confirmed, "offers", t0},
		} {
			if err := event(ctx, tx, step.id, step.kind, step.purpose, step.at); err != nil {
				return err
			}
		}
		if err := tx.SetContactTags(ctx, "b-withdrawn", []string{"vip", "oslo"}); err != nil {
			return err
		}
		if err := tx.CreateConfirmation(ctx, optin.Confirmation{ID: "k1", ContactID: "f-pending-optin", CodeHash: []byte("h"),
			Purposes: []string{"offers"}, Language: "nb", CreatedAt: t0, ExpiresAt: t0.Add(optin.DefaultTTL)}); err != nil {
			return err
		}
		return tx.EraseContact(ctx, "d-erased", t0)
	})
	want := []retention.Facts{
		{ContactID: "b-withdrawn", CreatedAt: t0, Tags: 2, Purposes: []retention.PurposeFacts{
			{Purpose: "news", Status: consent.StatusExpired, Since: t0.Add(5 * day)},
			{Purpose: "offers", Status: consent.StatusWithdrawn, Since: t0.Add(day), Consented: true}}},
		{ContactID: "c-fields", CreatedAt: t0, HasFields: true, Purposes: []retention.PurposeFacts{
			{Purpose: "offers", Status: consent.StatusActive, Since: t0, Consented: true}}},
		{ContactID: "e-none", CreatedAt: t0},
		{ContactID: "f-pending-optin", CreatedAt: t0, PendingOptIns: 1},
	}
	// A walk in pages: the active contact without fields and the erased one
	// are left out.
	var got []retention.Facts
	for after := ""; ; {
		page, err := s.RetentionFacts(ctx, after, 3)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, page...)
		if len(page) < 3 {
			break
		}
		after = page[len(page)-1].ContactID
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("RetentionFacts (-want +got):\n%s", diff)
	}
	one, err := s.ContactFacts(ctx, "a-active")
	if err != nil || one.ContactID != "a-active" || len(one.Purposes) != 1 || one.Purposes[0].Status != consent.StatusActive {
		t.Fatalf("ContactFacts = %+v, %v", one, err)
	}
	if _, err := s.ContactFacts(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("ContactFacts of an unknown contact: %v", err)
	}
}

func exerciseDueRefreshes(t *testing.T, b Backend) {
	ctx := context.Background()
	s := b.Open(t)
	tx(t, s, func(tx store.Tx) error {
		for i, id := range []string{"c1", "c2", "c3"} {
			if err := tx.CreateContact(ctx, newContact(id, byte(i+1))); err != nil {
				return err
			}
		}
		for _, st := range []consent.State{
			{ContactID: "c1", Purpose: "offers", Status: consent.StatusActive, EventID: "e1", Since: t0, ValidUntil: t0.Add(time.Hour)},
			{ContactID: "c2", Purpose: "offers", Status: consent.StatusActive, EventID: "e2", Since: t0, ValidUntil: t0.Add(2 * time.Hour)},
			{ContactID: "c3", Purpose: "offers", Status: consent.StatusActive, EventID: "e3", Since: t0}, // no refresh date
			{ContactID: "c3", Purpose: "news", Status: consent.StatusWithdrawn, EventID: "e4", Since: t0, ValidUntil: t0},
		} {
			if err := tx.PutConsentState(ctx, st); err != nil {
				return err
			}
		}
		return nil
	})
	due := func(before time.Time) []string {
		t.Helper()
		ss, err := s.DueRefreshes(ctx, before, 10)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, st := range ss {
			ids = append(ids, st.ContactID)
		}
		return ids
	}
	if got := due(t0.Add(time.Hour)); len(got) != 0 {
		t.Errorf("due before the refresh date = %v; want none (the bound is exclusive)", got)
	}
	if got := due(t0.Add(time.Hour + time.Microsecond)); !cmp.Equal(got, []string{"c1"}) {
		t.Errorf("due just after c1's refresh date = %v", got)
	}
	if got := due(t0.Add(24 * time.Hour)); !cmp.Equal(got, []string{"c1", "c2"}) {
		t.Errorf("due a day later = %v; want c1, c2, oldest first, and never a withdrawn or dateless one", got)
	}
}

func exerciseEraseForgets(t *testing.T, b Backend) {
	ctx := context.Background()
	s := b.Open(t)
	tx(t, s, func(tx store.Tx) error {
		for i, id := range []string{"c1", "c2"} {
			if err := tx.CreateContact(ctx, newContact(id, byte(i+1))); err != nil {
				return err
			}
			for j, wamid := range []string{"wamid.A-" + id, "", "wamid.C-" + id} {
				m := message.Message{ID: id + "-m" + string(rune('0'+j)), ContactID: id, Kind: message.Receipt, BodyKey: "receipt",
					Status: message.Sending, CreatedAt: t0.Add(time.Duration(j) * time.Hour)}
				if err := tx.CreateMessage(ctx, m); err != nil {
					return err
				}
				if wamid != "" {
					if err := tx.FinishMessage(ctx, m.ID, message.Sent, wamid, 0, "", t0); err != nil {
						return err
					}
				}
			}
			if err := tx.CreateConfirmation(ctx, optin.Confirmation{ID: "k-" + id, ContactID: id, CodeHash: []byte("h-" + id),
				Purposes: []string{"offers"}, Language: "nb", CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)}); err != nil {
				return err
			}
			if err := tx.SetBSUID(ctx, id, []byte("sealed-bsuid-"+id), []byte("bsuid-"+id)); err != nil {
				return err
			}
		}
		return nil
	})
	n, last, err := s.PlatformMessages(ctx, "c1")
	if err != nil || n != 2 || !last.Equal(t0.Add(2*time.Hour)) {
		t.Fatalf("PlatformMessages = %d, %v, %v; want 2 and the newest's time", n, last, err)
	}
	if sealed, err := s.SealedBSUID(ctx, "c1"); err != nil || string(sealed) != "sealed-bsuid-c1" {
		t.Fatalf("SealedBSUID = %q, %v", sealed, err)
	}
	tx(t, s, func(tx store.Tx) error { return tx.EraseContact(ctx, "c1", t0) })
	if n := b.Int(t, s, `SELECT count(*) FROM messages WHERE contact_id = 'c1'`); n != 3 {
		t.Errorf("%d of c1's message records left, want all 3 (RT-08)", n)
	}
	if n := b.Int(t, s, `SELECT count(*) FROM messages WHERE contact_id = 'c1' AND wamid IS NOT NULL`); n != 0 {
		t.Errorf("%d of the erased contact's messages keep their wamid", n)
	}
	if n := b.Int(t, s, `SELECT count(*) FROM confirmations WHERE contact_id = 'c1'`); n != 0 {
		t.Errorf("the erased contact's pending opt-in is left")
	}
	if sealed, err := s.SealedBSUID(ctx, "c1"); err != nil || sealed != nil {
		t.Errorf("SealedBSUID after erasure = %q, %v", sealed, err)
	}
	if n, _, err := s.PlatformMessages(ctx, "c1"); err != nil || n != 0 {
		t.Errorf("PlatformMessages after erasure = %d, %v", n, err)
	}
	// A send in flight at the erasure records its wamid afterwards; the
	// sweep of the recently erased takes it again.
	tx(t, s, func(tx store.Tx) error {
		if err := tx.CreateMessage(ctx, message.Message{ID: "c1-late", ContactID: "c1", Kind: message.Receipt, BodyKey: "receipt",
			Status: message.Sending, CreatedAt: t0}); err != nil {
			return err
		}
		return tx.FinishMessage(ctx, "c1-late", message.Sent, "wamid.inflight", 0, "", t0.Add(time.Minute))
	})
	var unlinked int64
	tx(t, s, func(tx store.Tx) (err error) { unlinked, err = tx.UnlinkErased(ctx, t0.Add(time.Hour)); return err })
	if unlinked != 0 {
		t.Errorf("unlinked %d messages of contacts erased before the time", unlinked)
	}
	tx(t, s, func(tx store.Tx) (err error) { unlinked, err = tx.UnlinkErased(ctx, t0); return err })
	if m, _ := s.Message(ctx, "c1-late"); unlinked != 1 || m.WAMID != "" {
		t.Errorf("unlinked %d; the in-flight message's wamid is %q", unlinked, m.WAMID)
	}
	// The other contact keeps everything.
	if n, _, _ := s.PlatformMessages(ctx, "c2"); n != 2 || b.Int(t, s, `SELECT count(*) FROM confirmations WHERE contact_id = 'c2'`) != 1 {
		t.Errorf("erasing c1 touched c2")
	}
	// A late status webhook, by our id, brings the wamid again: an erased
	// contact's message does not take it; another's does.
	tx(t, s, func(tx store.Tx) error {
		_, err := tx.ApplyStatuses(ctx, []store.StatusUpdate{{ID: "c1-m0", WAMID: "wamid.late-c1", Status: message.Read},
			{ID: "c2-m1", WAMID: "wamid.late-c2", Status: message.Read}}, t0.Add(time.Hour))
		return err
	})
	if m, err := s.Message(ctx, "c1-m0"); err != nil || m.WAMID != "" || m.Status != message.Read {
		t.Errorf("an erased contact's message after a late status = %+v, %v; want read, no wamid", m, err)
	}
	if m, err := s.Message(ctx, "c2-m1"); err != nil || m.WAMID != "wamid.late-c2" {
		t.Errorf("another contact's message after a late status = %+v, %v; want the wamid", m, err)
	}
	if _, err := s.SealedBSUID(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("SealedBSUID of an unknown contact: %v", err)
	}
	// The waiting objection of a BSUID goes by its token.
	tx(t, s, func(tx store.Tx) error {
		if err := tx.ObjectByBSUID(ctx, "tok-1", "objection:keyword", t0); err != nil {
			return err
		}
		return tx.ObjectByBSUID(ctx, "tok-2", "objection:keyword", t0)
	})
	tx(t, s, func(tx store.Tx) error { return tx.DeleteBSUIDObjection(ctx, "tok-1") })
	if n := b.Int(t, s, `SELECT count(*) FROM bsuid_objections`); n != 1 {
		t.Errorf("%d BSUID objections left, want only tok-2", n)
	}
}

func exercisePruneContact(t *testing.T, b Backend) {
	ctx := context.Background()
	s := b.Open(t)
	tx(t, s, func(tx store.Tx) error {
		for i, id := range []string{"c1", "c2"} {
			c := newContact(id, byte(i+1))
			c.FieldsCT = []byte("sealed-fields")
			if err := tx.CreateContact(ctx, c); err != nil {
				return err
			}
			if err := tx.SetContactTags(ctx, id, []string{"vip"}); err != nil {
				return err
			}
		}
		return nil
	})
	tx(t, s, func(tx store.Tx) error { return tx.PruneContact(ctx, "c1", nil, true) })
	tx(t, s, func(tx store.Tx) error { return tx.PruneContact(ctx, "c2", []byte("fewer"), false) })
	c1, _ := s.Contact(ctx, "c1")
	c2, _ := s.Contact(ctx, "c2")
	if c1.FieldsCT != nil || string(c2.FieldsCT) != "fewer" || c1.PhoneCT == nil {
		t.Errorf("fields after pruning: %q, %q; number kept: %v", c1.FieldsCT, c2.FieldsCT, c1.PhoneCT != nil)
	}
	if tags, _ := s.ContactTags(ctx, "c1"); len(tags) != 0 {
		t.Errorf("c1's tags = %v, want none", tags)
	}
	if tags, _ := s.ContactTags(ctx, "c2"); !cmp.Equal(tags, []string{"vip"}) {
		t.Errorf("c2's tags = %v, want kept", tags)
	}
	if err := s.Tx(ctx, func(tx store.Tx) error { return tx.PruneContact(ctx, "nope", nil, true) }); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("prune unknown: %v", err)
	}
	tx(t, s, func(tx store.Tx) error { return tx.EraseContact(ctx, "c2", t0) })
	if err := s.Tx(ctx, func(tx store.Tx) error { return tx.PruneContact(ctx, "c2", []byte("x"), false) }); !errors.Is(err, store.ErrConflict) {
		t.Errorf("prune erased: %v, want ErrConflict", err)
	}
}

func exerciseKeepSuppression(t *testing.T, b Backend) {
	ctx := context.Background()
	s := b.Open(t)
	tx(t, s, func(tx store.Tx) error { return tx.Suppress(ctx, []byte("tok"), "objection:keyword", t0) })
	tx(t, s, func(tx store.Tx) error { return tx.KeepSuppression(ctx, []byte("tok"), "RT-05: objected") })
	if n := b.Int(t, s, `SELECT count(*) FROM suppressions WHERE kept = 'RT-05: objected' AND reason = 'objection:keyword'`); n != 1 {
		t.Errorf("the reason for keeping the token is not recorded")
	}
	if at, _ := s.SuppressedAt(ctx, []byte("tok")); !at.Equal(t0) {
		t.Errorf("a kept suppression's time = %v, want %v", at, t0)
	}
	if err := s.Tx(ctx, func(tx store.Tx) error { return tx.KeepSuppression(ctx, []byte("other"), "x") }); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("keep a token not on the list: %v", err)
	}
}

func exercisePurgeCounters(t *testing.T, b Backend) {
	ctx := context.Background()
	s := b.Open(t)
	day := 24 * time.Hour
	tx(t, s, func(tx store.Tx) error {
		for i, key := range []string{"optin:ip:192.0.2.1", "optin:num:ab", "confirm:template:ab", "optin:ip:192.0.2.2"} {
			if _, err := tx.Hit(ctx, key, day, 5, t0.Add(time.Duration(i)*day)); err != nil {
				return err
			}
		}
		for i := range 5 {
			if err := tx.RecordAccess(ctx, accessEntry(i, t0.Add(time.Duration(i)*day))); err != nil {
				return err
			}
		}
		return nil
	})
	tx(t, s, func(tx store.Tx) error {
		return tx.DeleteRateLimits(ctx, []string{"optin:num:ab", "confirm:template:ab", "unknown"})
	})
	if n := b.Int(t, s, `SELECT count(*) FROM rate_limits`); n != 2 {
		t.Fatalf("%d counters left, want the two by IP", n)
	}
	var purged int64
	tx(t, s, func(tx store.Tx) (err error) { purged, err = tx.PurgeRateLimits(ctx, t0.Add(2*day), 10); return err }) // windows start at midnight
	if purged != 1 || b.Int(t, s, `SELECT count(*) FROM rate_limits WHERE key = 'optin:ip:192.0.2.2'`) != 1 {
		t.Errorf("purged %d counters; want the one whose window started before the time", purged)
	}
	now := t0.Add(400 * day)
	tx(t, s, func(tx store.Tx) (err error) { purged, err = tx.PruneAccessLog(ctx, t0.Add(2*day), now, 1); return err })
	if purged != 1 {
		t.Errorf("purged %d access-log entries with limit 1", purged)
	}
	tx(t, s, func(tx store.Tx) (err error) {
		purged, err = tx.PruneAccessLog(ctx, t0.Add(2*day), now, 10)
		return err
	})
	if purged != 1 || b.Int(t, s, `SELECT count(*) FROM access_log`) != 3 {
		t.Errorf("purged %d more; want the entries from before the time only", purged)
	}
	if anchor, _, err := s.AccessLogEnds(ctx); err != nil || anchor.Seq != 2 || !anchor.At.Equal(now) {
		t.Errorf("anchor = %+v, %v; want seq 2 pruned at %v", anchor, err, now)
	}
}

func exercisePurgeRights(t *testing.T, b Backend) {
	ctx := context.Background()
	s := b.Open(t)
	day := 24 * time.Hour
	tx(t, s, func(tx store.Tx) error {
		for i, closed := range []time.Time{t0, t0.Add(day), {}} { // the last is still open
			r := rights.Request{ID: fmt.Sprintf("r%d", i), Type: rights.Erasure, ContactID: "c1", Channel: rights.Staff, Language: "nb",
				State: rights.Done, ReceivedAt: t0.Add(-30 * day), DueAt: t0, ClosedAt: closed, CreatedBy: "dpo"}
			if closed.IsZero() {
				r.State = rights.Open
			}
			if err := tx.CreateRightsRequest(ctx, r, store.RightsCode{}); err != nil {
				return err
			}
			if err := tx.AddRightsStep(ctx, rights.Step{RequestID: r.ID, At: t0, Actor: "dpo", Action: "received"}); err != nil {
				return err
			}
		}
		return nil
	})
	var n int64
	tx(t, s, func(tx store.Tx) (err error) { n, err = tx.PurgeRightsRequests(ctx, t0.Add(day), 10); return err })
	if n != 1 {
		t.Fatalf("purged %d requests; want the one closed before the time", n)
	}
	if _, err := s.RightsRequest(ctx, "r0"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the purged request: %v", err)
	}
	if got := b.Int(t, s, `SELECT count(*) FROM rights_steps`); got != 2 {
		t.Errorf("%d steps left, want those of the two requests kept", got)
	}
	tx(t, s, func(tx store.Tx) (err error) { n, err = tx.PurgeRightsRequests(ctx, t0.Add(100*day), 10); return err })
	if n != 1 || b.Int(t, s, `SELECT count(*) FROM rights_requests WHERE id = 'r2'`) != 1 {
		t.Errorf("purged %d more; an open request must stay whatever its age", n)
	}
}

// accessEntry is the i-th access to c1, at a time.
func accessEntry(i int, at time.Time) access.Entry {
	return access.Entry{ID: fmt.Sprintf("a%d", i), At: at, Actor: "token:t1:ci", Action: access.Read, ContactID: "c1", RequestID: "r"}
}

func exerciseProcessorTasks(t *testing.T, b Backend) {
	ctx := context.Background()
	s := b.Open(t)
	first := retention.MetaTask("p1", "c1", 3, t0, t0.Add(time.Hour))
	second := retention.MetaTask("p2", "c2", 0, time.Time{}, t0.Add(2*time.Hour))
	tx(t, s, func(tx store.Tx) error {
		if err := tx.CreateProcessorTask(ctx, first); err != nil {
			return err
		}
		return tx.CreateProcessorTask(ctx, second)
	})
	if err := s.Tx(ctx, func(tx store.Tx) error { return tx.CreateProcessorTask(ctx, first) }); !errors.Is(err, store.ErrConflict) {
		t.Errorf("the same task twice: %v", err)
	}
	open, err := s.ProcessorTasks(ctx, store.TasksOpen, 10)
	if err != nil || !cmp.Equal(open, []retention.ProcessorTask{first, second}) {
		t.Fatalf("open tasks = %+v, %v", open, err)
	}
	var done retention.ProcessorTask
	tx(t, s, func(tx store.Tx) (err error) {
		done, err = tx.FinishProcessorTask(ctx, "p1", "token:t1:dpo", "asked Meta by the form", t0.Add(3*time.Hour))
		return err
	})
	if !done.Done() || done.DoneBy != "token:t1:dpo" || done.Note != "asked Meta by the form" {
		t.Fatalf("finished task = %+v", done)
	}
	if err := s.Tx(ctx, func(tx store.Tx) error {
		_, err := tx.FinishProcessorTask(ctx, "p1", "x", "", t0)
		return err
	}); !errors.Is(err, store.ErrConflict) {
		t.Errorf("done twice: %v, want ErrConflict", err)
	}
	if err := s.Tx(ctx, func(tx store.Tx) error {
		_, err := tx.FinishProcessorTask(ctx, "nope", "x", "", t0)
		return err
	}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown task: %v, want ErrNotFound", err)
	}
	for state, want := range map[store.TaskState][]retention.ProcessorTask{
		store.TasksOpen: {second}, store.TasksDone: {done}, store.TasksAll: {done, second},
	} {
		got, err := s.ProcessorTasks(ctx, state, 10)
		if err != nil || !cmp.Equal(got, want) {
			t.Errorf("%s tasks = %+v, %v; want %+v", state, got, err, want)
		}
	}
}

func exerciseRetentionLog(t *testing.T, b Backend) {
	ctx := context.Background()
	s := b.Open(t)
	entries := []retention.Entry{
		{ID: "r1", At: t0, Class: retention.ClassMessages, Rule: retention.RuleMessages, Days: 1095, Count: 10},
		{ID: "r2", At: t0.Add(time.Hour), Class: retention.ClassContacts, Rule: retention.RuleProofPassed, Days: 1095, Count: 2},
		{ID: "r3", At: t0.Add(2 * time.Hour), Class: retention.ClassMessages, Rule: retention.RuleMessages, Days: 1095, Count: 1},
	}
	tx(t, s, func(tx store.Tx) error {
		for _, e := range entries {
			if err := tx.RecordRetention(ctx, e); err != nil {
				return err
			}
		}
		return nil
	})
	got, err := s.RetentionLog(ctx, "", 2)
	if err != nil || !cmp.Equal(got, []retention.Entry{entries[2], entries[1]}) {
		t.Fatalf("RetentionLog newest 2 = %+v, %v", got, err)
	}
	got, err = s.RetentionLog(ctx, retention.ClassMessages, 10)
	if err != nil || !cmp.Equal(got, []retention.Entry{entries[2], entries[0]}) {
		t.Fatalf("RetentionLog of messages = %+v, %v", got, err)
	}
	for _, q := range []string{`UPDATE retention_log SET count = 0`, `DELETE FROM retention_log`} {
		if err := b.Exec(t, s, q); err == nil {
			t.Errorf("%s succeeded; the retention log must be append-only", q)
		}
	}
	if n := b.Int(t, s, `SELECT count(*) FROM retention_log WHERE count > 0`); n != 3 {
		t.Errorf("%d entries intact, want 3", n)
	}
}

// exerciseScrub: after an erasure and Scrub, the database files hold none
// of the erased contact's bytes, its write-ahead log included (invariant 5).
func exerciseScrub(t *testing.T, b Backend) {
	ctx := context.Background()
	s := b.Open(t)
	marker := []byte("erase-me-4f1c9a7e2b")
	c := newContact("c1", 1)
	c.PhoneCT, c.FieldsCT = marker, marker
	tx(t, s, func(tx store.Tx) error { return tx.CreateContact(ctx, c) })
	files := b.Files(t, s)
	found := func() []string {
		var in []string
		for _, f := range files {
			data, err := os.ReadFile(f)
			if err != nil && !os.IsNotExist(err) {
				t.Fatal(err)
			}
			if bytes.Contains(data, marker) {
				in = append(in, f)
			}
		}
		return in
	}
	if len(files) > 0 && len(found()) == 0 {
		t.Fatalf("the marker is in none of %v before the erasure: the check proves nothing", files)
	}
	tx(t, s, func(tx store.Tx) error { return tx.EraseContact(ctx, "c1", t0) })
	if err := s.Scrub(ctx); err != nil {
		t.Fatal(err)
	}
	if in := found(); len(in) > 0 {
		t.Errorf("the erased bytes are still in %v after Scrub", in)
	}
	// Where the files are the server's (PostgreSQL), the rows are read.
	if n := b.Int(t, s, `SELECT count(*) FROM contacts WHERE phone_ct IS NOT NULL OR fields_ct IS NOT NULL`); n != 0 {
		t.Errorf("an erased contact keeps its sealed number or fields")
	}
}
