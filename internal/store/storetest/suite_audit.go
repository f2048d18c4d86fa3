// SPDX-License-Identifier: AGPL-3.0-only

package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	gocmp "github.com/google/go-cmp/cmp"

	"github.com/samtykke/samtykke/internal/access"
	"github.com/samtykke/samtykke/internal/audit"
	"github.com/samtykke/samtykke/internal/campaign"
	"github.com/samtykke/samtykke/internal/consent"
	"github.com/samtykke/samtykke/internal/ledger"
	"github.com/samtykke/samtykke/internal/message"
	"github.com/samtykke/samtykke/internal/optin"
	"github.com/samtykke/samtykke/internal/reply"
	"github.com/samtykke/samtykke/internal/rights"
	"github.com/samtykke/samtykke/internal/store"
)

// exerciseAudits covers the stored compliance audit reports (S-04): they
// round-trip whole, list newest first without their findings, refuse a
// second report with the same id, and cannot be changed or deleted.
func exerciseAudits(t *testing.T, b Backend) {
	ctx := context.Background()
	s := b.Open(t)
	if _, err := s.Audit(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Audit of an unknown id: %v", err)
	}
	if list, err := s.Audits(ctx, 10); err != nil || len(list) != 0 || list == nil {
		t.Fatalf("Audits of a new database = %v, %v; want an empty list", list, err)
	}
	report := func(id string, at time.Time, status audit.Status) audit.Report {
		f := audit.NewFinding(audit.CheckEvidence)
		f.Status, f.Count, f.Checked, f.Affected, f.Detail = status, 2, 10, []string{"c1", "c2"}, "two lack evidence"
		f.Breakdown = map[string]int64{"no_confirmation": 2}
		tm := audit.Timings([]time.Duration{time.Millisecond})
		o := audit.NewFinding(audit.CheckOptOut)
		o.Timing, o.Detail = &tm, "fast"
		fs := []audit.Finding{f, o}
		return audit.Report{ID: id, At: at, Actor: "token:t1:dpo", Controller: "Butikken AS", DurationMS: 1500,
			Requirements: audit.Requirements, Findings: fs, Summary: audit.Summarize(fs)}
	}
	first, second := report("a1", t0, audit.Fail), report("a2", t0.Add(time.Hour), audit.Warn)
	tx(t, s, func(tx store.Tx) error { return tx.AddAudit(ctx, first) })
	tx(t, s, func(tx store.Tx) error { return tx.AddAudit(ctx, second) })
	if err := s.Tx(ctx, func(tx store.Tx) error { return tx.AddAudit(ctx, first) }); !errors.Is(err, store.ErrConflict) {
		t.Errorf("a second report a1: %v, want ErrConflict", err)
	}
	got, err := s.Audit(ctx, "a1")
	if err != nil {
		t.Fatal(err)
	}
	if diff := gocmp.Diff(first, got); diff != "" {
		t.Errorf("report a1 round trip (-want +got):\n%s", diff)
	}
	list, err := s.Audits(ctx, 10)
	want := []store.AuditSummary{
		{ID: "a2", At: second.At, Actor: "token:t1:dpo", DurationMS: 1500, Summary: audit.Summary{Pass: 1, Warn: 1}},
		{ID: "a1", At: first.At, Actor: "token:t1:dpo", DurationMS: 1500, Summary: audit.Summary{Pass: 1, Fail: 1}},
	}
	if diff := gocmp.Diff(want, list); err != nil || diff != "" {
		t.Errorf("Audits (-want +got): %v\n%s", err, diff)
	}
	if list, _ := s.Audits(ctx, 1); len(list) != 1 || list[0].ID != "a2" {
		t.Errorf("Audits limited to 1 = %+v", list)
	}
	for _, q := range []string{`UPDATE audits SET failed = 0 WHERE id = 'a1'`, `DELETE FROM audits WHERE id = 'a1'`} {
		if err := b.Exec(t, s, q); err == nil {
			t.Errorf("%s: allowed; a report is append-only", q)
		}
	}
}

// exerciseOptOutTimes covers the opt-out handling times (C-05, K-06): each
// is read back as its commit less its receipt, from the time asked.
func exerciseOptOutTimes(t *testing.T, b Backend) {
	ctx := context.Background()
	s := b.Open(t)
	if ds, err := s.OptOutTimes(ctx, t0); err != nil || len(ds) != 0 {
		t.Fatalf("OptOutTimes of a new database = %v, %v", ds, err)
	}
	tx(t, s, func(tx store.Tx) error {
		for i, d := range []time.Duration{3 * time.Millisecond, 12 * time.Second, 250 * time.Microsecond} {
			committed := t0.Add(time.Duration(i) * time.Hour)
			if err := tx.RecordOptOutTime(ctx, store.OptOutTiming{ID: fmt.Sprintf("o%d", i), ReceivedAt: committed.Add(-d),
				CommittedAt: committed, Via: "keyword"}); err != nil {
				return err
			}
		}
		return nil
	})
	ds, err := s.OptOutTimes(ctx, t0.Add(time.Hour))
	slices.Sort(ds)
	if diff := gocmp.Diff([]time.Duration{250 * time.Microsecond, 12 * time.Second}, ds); err != nil || diff != "" {
		t.Errorf("OptOutTimes since the second (-want +got): %v\n%s", err, diff)
	}
}

// chained appends the next event of a contact's chain: kind, purpose and
// channel at a time, with a refresh date.
func chained(ctx context.Context, tx store.Tx, contactID string, kind ledger.Kind, purpose, channel string, at, validUntil time.Time) (ledger.Event, error) {
	c, err := tx.LockContact(ctx, contactID)
	if err != nil {
		return ledger.Event{}, err
	}
	e := ledger.Next(c.Head, ledger.Event{ID: fmt.Sprintf("%s-%d", contactID, c.Head.Seq+1), ContactID: contactID, Kind: kind,
		Purpose: purpose, Channel: channel, At: at, Method: "test", Actor: "test", AgeConfirmed: true, ValidUntil: validUntil},
		ledger.Evidence{NoticeVersion: 1})
	return e, tx.AppendEvent(ctx, e, []byte("sealed-"+e.ID))
}

// auditPurposes stores "offers" and "news" (consent, WhatsApp), "kunde"
// (existing customers, WhatsApp) and "mail" (consent, e-mail).
func auditPurposes(ctx context.Context, tx store.Tx) error {
	for _, p := range []consent.Purpose{
		{Key: "offers", Channel: consent.WhatsApp, Basis: consent.BasisConsent},
		{Key: "news", Channel: consent.WhatsApp, Basis: consent.BasisConsent},
		{Key: "kunde", Channel: consent.WhatsApp, Basis: consent.BasisExistingCustomer},
		{Key: "mail", Channel: consent.Email, Basis: consent.BasisConsent},
	} {
		p.Description, p.RetentionDays, p.CreatedAt = consent.Text{NB: p.Key, EN: p.Key}, 365, t0
		if err := tx.CreatePurpose(ctx, p); err != nil {
			return err
		}
	}
	return nil
}

// exerciseActiveConsents covers ScanActiveConsents (C-03): every active
// state, in contact order, with its purpose's basis, its event and sealed
// evidence, and the contact's key; a state naming no event comes with
// none; states not active are left out.
func exerciseActiveConsents(t *testing.T, b Backend) {
	ctx := context.Background()
	s := b.Open(t)
	events := map[string]ledger.Event{}
	tx(t, s, func(tx store.Tx) error {
		if err := auditPurposes(ctx, tx); err != nil {
			return err
		}
		for i, id := range []string{"c1", "c2", "c3"} {
			if err := tx.CreateContact(ctx, newContact(id, byte(i+1))); err != nil {
				return err
			}
		}
		for _, ev := range []struct {
			contact, purpose string
			kind             ledger.Kind
		}{{"c2", "offers", ledger.Confirmed}, {"c2", "kunde", ledger.SoftOptIn}, {"c1", "offers", ledger.Confirmed}, {"c3", "offers", ledger.Confirmed}} {
			e, err := chained(ctx, tx, ev.contact, ev.kind, ev.purpose, "whatsapp", t0, time.Time{})
			if err != nil {
				return err
			}
			events[ev.contact+"/"+ev.purpose] = e
			st := consent.State{ContactID: ev.contact, Purpose: ev.purpose, Status: consent.StatusActive, EventID: e.ID, Since: t0, AgeOK: true,
				Basis: consent.BasisConsent}
			if ev.contact == "c3" {
				st.Status = consent.StatusWithdrawn
			}
			if err := tx.PutConsentState(ctx, st); err != nil {
				return err
			}
		}
		// A state naming an event that does not exist, of a purpose that does not either.
		return tx.PutConsentState(ctx, consent.State{ContactID: "c1", Purpose: "gone", Status: consent.StatusActive, EventID: "nope", Since: t0})
	})
	var got []store.ActiveConsent
	if err := s.ScanActiveConsents(ctx, func(a store.ActiveConsent) error { got = append(got, a); return nil }); err != nil {
		t.Fatal(err)
	}
	stored := func(key string) *store.StoredEvent {
		e := events[key]
		return &store.StoredEvent{Event: e, SealedEvidence: []byte("sealed-" + e.ID)}
	}
	want := []store.ActiveConsent{
		{ContactID: "c1", Purpose: "gone", EventID: "nope", KeyWrapped: []byte("wrapped-c1")},
		{ContactID: "c1", Purpose: "offers", Basis: consent.BasisConsent, EventID: events["c1/offers"].ID, Event: stored("c1/offers"), KeyWrapped: []byte("wrapped-c1")},
		{ContactID: "c2", Purpose: "kunde", Basis: consent.BasisExistingCustomer, EventID: events["c2/kunde"].ID, Event: stored("c2/kunde"), KeyWrapped: []byte("wrapped-c2")},
		{ContactID: "c2", Purpose: "offers", Basis: consent.BasisConsent, EventID: events["c2/offers"].ID, Event: stored("c2/offers"), KeyWrapped: []byte("wrapped-c2")},
	}
	if diff := gocmp.Diff(want, got); diff != "" {
		t.Errorf("ScanActiveConsents (-want +got):\n%s", diff)
	}
	// An erased contact's key is gone.
	tx(t, s, func(tx store.Tx) error { return tx.EraseContact(ctx, "c2", t0) })
	got = got[:0]
	if err := s.ScanActiveConsents(ctx, func(a store.ActiveConsent) error { got = append(got, a); return nil }); err != nil {
		t.Fatal(err)
	}
	for _, a := range got {
		if a.ContactID == "c2" && a.KeyWrapped != nil {
			t.Errorf("an erased contact's consent comes with a key")
		}
	}
	stop := errors.New("stop")
	if err := s.ScanActiveConsents(ctx, func(store.ActiveConsent) error { return stop }); !errors.Is(err, stop) {
		t.Errorf("ScanActiveConsents returned %v, want fn's error", err)
	}
}

// exerciseDispatchCheck covers CheckDispatches (invariants 1 and 2, G-01,
// G-06): each kind of unsound dispatch is found with its problem, and the
// sound ones — a consent withdrawn only after the decision, an objection
// on another channel, a withdrawal of another purpose, a consent given
// again — are not; messages never dispatched (skipped, waiting) and
// samtykke's own are not checked.
func exerciseDispatchCheck(t *testing.T, b Backend) {
	ctx := context.Background()
	s := b.Open(t)
	given, decided := t0.Add(-time.Hour), t0
	before, after := decided.Add(-30*time.Minute), decided.Add(time.Hour)
	type step struct {
		kind             ledger.Kind
		purpose, channel string
		at, validUntil   time.Time
	}
	confirm := step{ledger.Confirmed, "offers", "whatsapp", given, time.Time{}}
	cases := []struct {
		contact string
		steps   []step
		// campaign and status of its message; the authorising event is the
		// last confirmed or soft opt-in one, unless named.
		campaign string
		status   message.Status
		event    string
		want     string // the problem found; "" none; "-" not checked
	}{
		{contact: "c01", steps: []step{confirm}, want: ""},
		{contact: "c02", event: "nope", want: store.DispatchNoConsentEvent},
		{contact: "c03", steps: []step{confirm}, want: ""},
		{contact: "c04", event: "c03-1", want: store.DispatchNotAConsent}, // another contact's consent
		{contact: "c05", steps: []step{{ledger.Requested, "offers", "whatsapp", given, time.Time{}}}, event: "c05-1", want: store.DispatchNotAConsent},
		{contact: "c06", steps: []step{{ledger.SoftOptIn, "offers", "whatsapp", given, time.Time{}}}, want: store.DispatchBasisMismatch},
		{contact: "c07", steps: []step{{ledger.Confirmed, "offers", "whatsapp", after, time.Time{}}}, want: store.DispatchBeforeConsent},
		{contact: "c08", steps: []step{{ledger.Confirmed, "offers", "whatsapp", given, before}}, want: store.DispatchPastRefresh},
		{contact: "c09", steps: []step{confirm, {ledger.Withdrawn, "offers", "whatsapp", before, time.Time{}}}, want: store.DispatchAfterWithdraw},
		{contact: "c10", steps: []step{confirm, {ledger.Objected, "", "whatsapp", before, time.Time{}}}, want: store.DispatchAfterObjection},
		{contact: "c11", steps: []step{confirm, {ledger.Objected, "", "email", before, time.Time{}}}, want: ""},
		{contact: "c12", steps: []step{confirm, {ledger.Withdrawn, "news", "whatsapp", before, time.Time{}}}, want: ""},
		{contact: "c13", steps: []step{confirm, {ledger.Expired, "offers", "whatsapp", before, time.Time{}}}, want: store.DispatchAfterExpiry},
		{contact: "c14", steps: []step{confirm, {ledger.Erased, "", "", before, time.Time{}}}, want: store.DispatchAfterErasure},
		{contact: "c15", steps: []step{confirm, {ledger.Withdrawn, "offers", "whatsapp", after, time.Time{}}}, want: ""},
		{contact: "c16", steps: []step{confirm, {ledger.Objected, "", "", before, time.Time{}}}, status: message.Skipped, want: "-"},
		{contact: "c17", steps: []step{confirm}, status: message.Queued, want: "-"},
		{contact: "c18", steps: []step{{ledger.SoftOptIn, "kunde", "whatsapp", given, time.Time{}}}, campaign: "k2", want: ""},
		{contact: "c19", steps: []step{confirm}, campaign: "k3", event: "c19-1", want: store.DispatchOtherPurpose},
		{contact: "c20", steps: []step{confirm, {ledger.Withdrawn, "offers", "whatsapp", given.Add(time.Minute), time.Time{}},
			{ledger.Confirmed, "offers", "whatsapp", before, time.Time{}}}, want: ""},
		{contact: "c21", steps: []step{confirm, {ledger.Objected, "", "", before, time.Time{}}, {ledger.Withdrawn, "offers", "whatsapp", before, time.Time{}}},
			want: store.DispatchAfterObjection}, // found once, for its first kind
	}
	purposeOf := map[string]string{"k1": "offers", "k2": "kunde", "k3": "gone"}
	tx(t, s, func(tx store.Tx) error {
		if err := auditPurposes(ctx, tx); err != nil {
			return err
		}
		for i, c := range cases {
			if err := tx.CreateContact(ctx, newContact(c.contact, byte(i+1))); err != nil {
				return err
			}
			event := c.event
			for _, st := range c.steps {
				e, err := chained(ctx, tx, c.contact, st.kind, st.purpose, st.channel, st.at, st.validUntil)
				if err != nil {
					return err
				}
				if c.event == "" && (st.kind == ledger.Confirmed || st.kind == ledger.SoftOptIn) {
					event = e.ID
				}
			}
			k := c.campaign
			if k == "" {
				k = "k1"
			}
			status := c.status
			if status == "" {
				status = message.Sending
			}
			d := store.Decision{MessageID: msgID(k, c.contact), ContactID: c.contact, Status: status, ConsentEventID: event}
			if _, err := tx.DecideMessages(ctx, campaign.Campaign{ID: k, Purpose: purposeOf[k]}, []store.Decision{d}, decided); err != nil {
				return err
			}
		}
		// samtykke's own message, naming no consent: not a campaign's.
		return tx.CreateMessage(ctx, message.Message{ID: "own", ContactID: "c01", Kind: message.Receipt, BodyKey: "receipt",
			Status: message.Sent, CreatedAt: decided})
	})
	// A message sent and delivered is still checked.
	tx(t, s, func(tx store.Tx) error {
		return tx.RecordResults(ctx, []store.Result{{MessageID: "k1:c09", Status: message.Sent, WAMID: "wamid.9"}}, decided, 3)
	})
	found := map[string]string{}
	checked, err := s.CheckDispatches(ctx, func(id, problem string) error {
		if prev, twice := found[id]; twice {
			t.Errorf("message %s found twice: %s and %s", id, prev, problem)
		}
		found[id] = problem
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want, dispatchedN := map[string]string{}, int64(0)
	for _, c := range cases {
		k := c.campaign
		if k == "" {
			k = "k1"
		}
		if c.want != "-" {
			dispatchedN++
		}
		if c.want != "" && c.want != "-" {
			want[msgID(k, c.contact)] = c.want
		}
	}
	if diff := gocmp.Diff(want, found); diff != "" {
		t.Errorf("CheckDispatches found (-want +got):\n%s", diff)
	}
	if checked != dispatchedN {
		t.Errorf("CheckDispatches checked %d messages, want %d", checked, dispatchedN)
	}
	stop := errors.New("stop")
	if _, err := s.CheckDispatches(ctx, func(string, string) error { return stop }); !errors.Is(err, stop) {
		t.Errorf("CheckDispatches returned %v, want fn's error", err)
	}
}

// exerciseExpiredOptIns covers ScanExpiredOptIns (RT-07): the contacts of
// unconfirmed opt-ins that expired before the time, soonest first; a
// confirmed one or one still running is left out.
func exerciseExpiredOptIns(t *testing.T, b Backend) {
	ctx := context.Background()
	s := b.Open(t)
	tx(t, s, func(tx store.Tx) error {
		for i, c := range []struct {
			id        string
			expires   time.Time
			confirmed bool
		}{{"c1", t0.Add(-time.Hour), false}, {"c2", t0.Add(-3 * time.Hour), false}, {"c3", t0.Add(-time.Hour), true}, {"c4", t0.Add(time.Hour), false}} {
			if err := tx.CreateContact(ctx, newContact(c.id, byte(i+1))); err != nil {
				return err
			}
			k := optin.Confirmation{ID: "k-" + c.id, ContactID: c.id, CodeHash: optin.HashCode("AB12C" + c.id), Purposes: []string{"offers"},
				Language: "nb", CreatedAt: c.expires.Add(-optin.DefaultTTL), ExpiresAt: c.expires}
			if err := tx.CreateConfirmation(ctx, k); err != nil {
				return err
			}
			if c.confirmed {
				if err := tx.MarkConfirmed(ctx, k.ID, t0.Add(-2*time.Hour)); err != nil {
					return err
				}
			}
		}
		return nil
	})
	var got []string
	if err := s.ScanExpiredOptIns(ctx, t0, func(id string) error { got = append(got, id); return nil }); err != nil {
		t.Fatal(err)
	}
	if diff := gocmp.Diff([]string{"c2", "c1"}, got); diff != "" {
		t.Errorf("ScanExpiredOptIns (-want +got):\n%s", diff)
	}
}

// exerciseRetentionBacklog covers RetentionBacklog (RT-01, RT-08): per
// class, what is past its cutoff and, of it, past the cutoff less the
// grace; a class with no cutoff is not counted; unhandled webhook bodies
// and open rights requests are never past their period.
func exerciseRetentionBacklog(t *testing.T, b Backend) {
	ctx := context.Background()
	s := b.Open(t)
	cutoff, grace := t0, 48*time.Hour
	overdue, due, kept := cutoff.Add(-grace-time.Hour), cutoff.Add(-time.Hour), cutoff.Add(time.Hour)
	tx(t, s, func(tx store.Tx) error {
		if err := tx.CreateContact(ctx, newContact("c1", 1)); err != nil {
			return err
		}
		for i, at := range []time.Time{overdue, due, due, kept} {
			if err := tx.CreateMessage(ctx, message.Message{ID: fmt.Sprintf("m%d", i), ContactID: "c1", Kind: message.Receipt,
				BodyKey: "receipt", Status: message.Sent, CreatedAt: at}); err != nil {
				return err
			}
			if err := tx.RecordAccess(ctx, access.Entry{ID: fmt.Sprintf("a%d", i), At: at, Actor: "test", Action: access.Lookup, ContactID: "c1"}); err != nil {
				return err
			}
		}
		for i, it := range []store.InboxItem{{ID: "old", ProcessedAt: overdue}, {ID: "due", ProcessedAt: due}, {ID: "new", ProcessedAt: kept},
			{ID: "pending", BodyCT: []byte("sealed")}} {
			it.Digest, it.ReceivedAt = []byte(fmt.Sprintf("digest-%d", i)), overdue
			if err := tx.PutInbox(ctx, it); err != nil {
				return err
			}
		}
		if _, err := tx.MarkSeen(ctx, "msg:old", overdue); err != nil {
			return err
		}
		for i, closed := range []time.Time{overdue, due, kept, {}} {
			r := rights.Request{ID: fmt.Sprintf("r%d", i), Type: rights.Access, ContactID: "c1", Channel: rights.Web, Language: "nb",
				State: rights.Done, ReceivedAt: overdue, DueAt: kept, ClosedAt: closed, CreatedBy: "public"}
			if closed.IsZero() {
				r.State = rights.Open
			}
			if err := tx.CreateRightsRequest(ctx, r, store.RightsCode{}); err != nil {
				return err
			}
		}
		// Replies (RT-01, issue 23): a contact's and a stranger's count alike.
		for i, at := range []time.Time{overdue, due, kept} {
			r := reply.Reply{ID: fmt.Sprintf("y%d", i), ContactID: "c1", At: at, WindowEnds: at.Add(reply.ServiceWindow),
				Class: reply.None, Sealed: []byte("sealed")}
			if i == 1 {
				r.ContactID = ""
			}
			if err := tx.AddReply(ctx, r); err != nil {
				return err
			}
		}
		// Staff's answers to them go with the replies' period (RT-01).
		for i, at := range []time.Time{overdue, kept} {
			a := reply.Answer{ID: fmt.Sprintf("w%d", i), ContactID: "c1", ReplyID: "y0", MessageID: fmt.Sprintf("mw%d", i), At: at,
				Actor: "user:u1:kari", Sealed: []byte("sealed")}
			if err := tx.AddAnswer(ctx, a); err != nil {
				return err
			}
		}
		return nil
	})
	got, err := s.RetentionBacklog(ctx, store.RetentionCutoffs{Messages: cutoff, Webhooks: cutoff, AccessLog: cutoff, RightsRequests: cutoff,
		Replies: cutoff}, grace)
	want := store.RetentionBacklog{Messages: store.Backlog{Due: 3, Overdue: 1}, Webhooks: store.Backlog{Due: 3, Overdue: 2},
		AccessLog: store.Backlog{Due: 3, Overdue: 1}, RightsRequests: store.Backlog{Due: 2, Overdue: 1}, Replies: store.Backlog{Due: 3, Overdue: 2}}
	if diff := gocmp.Diff(want, got); err != nil || diff != "" {
		t.Errorf("RetentionBacklog (-want +got): %v\n%s", err, diff)
	}
	got, err = s.RetentionBacklog(ctx, store.RetentionCutoffs{Messages: cutoff}, grace)
	if want := (store.RetentionBacklog{Messages: store.Backlog{Due: 3, Overdue: 1}}); err != nil || got != want {
		t.Errorf("RetentionBacklog of messages alone = %+v, %v", got, err)
	}
}

// exerciseContactReplies covers ContactReplies: a contact's
// replies oldest first, not another contact's nor a stranger's.
func exerciseContactReplies(t *testing.T, b Backend) {
	ctx := context.Background()
	s := b.Open(t)
	tx(t, s, func(tx store.Tx) error {
		for _, c := range []string{"c1", "c2"} {
			if err := tx.CreateContact(ctx, newContact(c, c[1])); err != nil {
				return err
			}
		}
		for i, r := range []reply.Reply{{ID: "y1", ContactID: "c1", At: t0.Add(time.Hour), Class: reply.None},
			{ID: "y2", ContactID: "c2", At: t0, Class: reply.None}, {ID: "y3", ContactID: "", At: t0, Class: reply.OptIn},
			{ID: "y0", ContactID: "c1", At: t0, Class: reply.OptOut}} {
			r.WindowEnds, r.Sealed = r.At.Add(reply.ServiceWindow), []byte(fmt.Sprintf("sealed-%d", i))
			if err := tx.AddReply(ctx, r); err != nil {
				return err
			}
		}
		return nil
	})
	got, err := s.ContactReplies(ctx, "c1")
	if err != nil {
		t.Fatal(err)
	}
	want := []reply.Reply{{ID: "y0", ContactID: "c1", At: t0, WindowEnds: t0.Add(reply.ServiceWindow), Class: reply.OptOut, Sealed: []byte("sealed-3")},
		{ID: "y1", ContactID: "c1", At: t0.Add(time.Hour), WindowEnds: t0.Add(time.Hour + reply.ServiceWindow), Class: reply.None,
			Sealed: []byte("sealed-0")}}
	if diff := gocmp.Diff(want, got); diff != "" {
		t.Errorf("ContactReplies (-want +got):\n%s", diff)
	}
	if got, err := s.ContactReplies(ctx, "nobody"); err != nil || len(got) != 0 {
		t.Errorf("ContactReplies of no contact = %v, %v", got, err)
	}
}

// exerciseKeyAge covers KeyRecordedAt (S-01): when the master key's
// fingerprint was first recorded, which a second record does not move.
func exerciseKeyAge(t *testing.T, b Backend) {
	ctx := context.Background()
	s := b.Open(t)
	if _, err := s.KeyRecordedAt(ctx); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("KeyRecordedAt of a new database: %v", err)
	}
	tx(t, s, func(tx store.Tx) error { return tx.RecordKeyFingerprint(ctx, []byte("fp"), t0) })
	tx(t, s, func(tx store.Tx) error { return tx.RecordKeyFingerprint(ctx, []byte("fp"), t0.Add(time.Hour)) })
	if at, err := s.KeyRecordedAt(ctx); err != nil || !at.Equal(t0) {
		t.Errorf("KeyRecordedAt = %v, %v; want the first record's time", at, err)
	}
}

// exerciseAnswers covers Reply, AddAnswer, Answer, ContactAnswers and
// PurgeAnswers (issue 23, RT-01), and that an erasure deletes a contact's
// answers with their replies.
func exerciseAnswers(t *testing.T, b Backend) {
	ctx := context.Background()
	s := b.Open(t)
	answers := []reply.Answer{
		{ID: "a1", ContactID: "c1", ReplyID: "y1", MessageID: "m1", At: t0.Add(2 * time.Hour), Actor: "user:u1:kari", Sealed: []byte("sealed-a1")},
		{ID: "a0", ContactID: "c1", ReplyID: "y1", MessageID: "m0", At: t0.Add(time.Hour), Actor: "user:u1:kari", Sealed: []byte("sealed-a0")},
		{ID: "a2", ContactID: "c2", ReplyID: "y2", MessageID: "m2", At: t0.Add(48 * time.Hour), Actor: "token:t1:crm", Sealed: []byte("sealed-a2")},
	}
	tx(t, s, func(tx store.Tx) error {
		for _, c := range []string{"c1", "c2"} {
			if err := tx.CreateContact(ctx, newContact(c, c[1])); err != nil {
				return err
			}
		}
		for _, r := range []reply.Reply{{ID: "y1", ContactID: "c1", At: t0, Class: reply.None}, {ID: "y2", ContactID: "c2", At: t0, Class: reply.Rights}} {
			r.WindowEnds, r.Sealed = r.At.Add(reply.ServiceWindow), []byte("sealed-"+r.ID)
			if err := tx.AddReply(ctx, r); err != nil {
				return err
			}
		}
		for _, a := range answers {
			if err := tx.AddAnswer(ctx, a); err != nil {
				return err
			}
		}
		return nil
	})
	if err := s.Tx(ctx, func(tx store.Tx) error { return tx.AddAnswer(ctx, answers[0]) }); !errors.Is(err, store.ErrConflict) {
		t.Errorf("AddAnswer of an id stored = %v; want ErrConflict", err)
	}
	got, err := s.Reply(ctx, "y2")
	want := reply.Reply{ID: "y2", ContactID: "c2", At: t0, WindowEnds: t0.Add(reply.ServiceWindow), Class: reply.Rights, Sealed: []byte("sealed-y2")}
	if diff := gocmp.Diff(want, got); err != nil || diff != "" {
		t.Errorf("Reply(y2) = %v (-want +got):\n%s", err, diff)
	}
	if _, err := s.Reply(ctx, "nothing"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Reply of no reply = %v; want ErrNotFound", err)
	}
	if a, err := s.Answer(ctx, "a2"); err != nil || gocmp.Diff(answers[2], a) != "" {
		t.Errorf("Answer(a2) = %+v, %v", a, err)
	}
	if _, err := s.Answer(ctx, "nothing"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Answer of no answer = %v; want ErrNotFound", err)
	}
	as, err := s.ContactAnswers(ctx, "c1")
	if diff := gocmp.Diff([]reply.Answer{answers[1], answers[0]}, as); err != nil || diff != "" {
		t.Errorf("ContactAnswers(c1) = %v (-want +got):\n%s", err, diff)
	}
	// Retention: the answers written before the cut-off go, one batch at a time.
	var purged int64
	tx(t, s, func(tx store.Tx) error {
		n, err := tx.PurgeAnswers(ctx, t0.Add(24*time.Hour), 1)
		purged += n
		if err == nil {
			n, err = tx.PurgeAnswers(ctx, t0.Add(24*time.Hour), 10)
			purged += n
		}
		return err
	})
	if as, _ := s.ContactAnswers(ctx, "c1"); purged != 2 || len(as) != 0 {
		t.Errorf("PurgeAnswers deleted %d, %d of c1's left; want 2 and none", purged, len(as))
	}
	// Erasure: c2's answer goes with their key.
	tx(t, s, func(tx store.Tx) error { return tx.EraseContact(ctx, "c2", t0.Add(72*time.Hour)) })
	if as, err := s.ContactAnswers(ctx, "c2"); err != nil || len(as) != 0 {
		t.Errorf("c2's answers after erasure = %v, %v; want none", as, err)
	}
}
