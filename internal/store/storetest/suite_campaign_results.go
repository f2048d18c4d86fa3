// SPDX-License-Identifier: AGPL-3.0-only

package storetest

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	gocmp "github.com/google/go-cmp/cmp"

	"github.com/samtykke/samtykke/internal/campaign"
	"github.com/samtykke/samtykke/internal/ledger"
	"github.com/samtykke/samtykke/internal/message"
	"github.com/samtykke/samtykke/internal/store"
)

// exerciseDecisions: a message is decided once; the send's result, or a
// status webhook that overtakes it, moves it on; retries, counted or not,
// and the recipient's pair rate limit end in a failure.
func exerciseDecisions(t *testing.T, b Backend) {
	s := b.Open(t)
	startCampaign(t, s)
	at1, at2, at3 := t0.Add(time.Minute), t0.Add(2*time.Minute), t0.Add(3*time.Minute)
	decideFirst(t, b, s, at1, at2)
	resultsAfterDecisions(t, b, s, at1, at2, at3)
	countedRetries(t, b, s, at3)
	pairRateLimits(t, b, s, at3)
	sentAfterARetry(t, b, s, at3)
}

// sentAfterARetry: a message accepted on its third try keeps its count of
// attempts and drops the earlier tries' error and retry time, as any result
// would (RecordResults writes plain acceptances with a statement of their
// own).
func sentAfterARetry(t *testing.T, b Backend, s store.Store, at3 time.Time) {
	c7Queued(t, b, s, "k5")
	triedAgain(t, s, store.Result{MessageID: "k5:c7", Status: message.Queued, Code: 131000, Title: "Something went wrong", Counted: true}, at3)
	triedAgain(t, s, store.Result{MessageID: "k5:c7", Status: message.Queued, Code: 131056, Title: "Pair rate limit hit", PairLimited: true}, at3)
	if n := b.Int(t, s, `SELECT retry_at FROM messages WHERE id = '`+msgID("k5", "c7")+`'`); n == 0 {
		t.Fatal("c7 refused by its pair rate limit has no retry time")
	}
	triedAgain(t, s, store.Result{MessageID: "k5:c7", Status: message.Sent, WAMID: "wamid.k5"}, at3.Add(time.Second))
	m := messageStatuses(t, s, "k5", "c7")["c7"]
	if m.Status != message.Sent || m.WAMID != "wamid.k5" || m.ErrorCode != 0 || m.ErrorTitle != "" {
		t.Errorf("c7 sent on its third try = %s %q %d %q, want sent wamid.k5 with no error", m.Status, m.WAMID, m.ErrorCode, m.ErrorTitle)
	}
	id := msgID("k5", "c7")
	if n := b.Int(t, s, `SELECT attempts FROM messages WHERE id = '`+id+`'`); n != 1 {
		t.Errorf("attempts of c7 = %d, want 1 (the counted retry)", n)
	}
	if n := b.Int(t, s, `SELECT retry_at + unknown_since FROM messages WHERE id = '`+id+`'`); n != 0 {
		t.Errorf("retry_at + unknown_since of c7 sent = %d, want 0", n)
	}
	if n := b.Int(t, s, `SELECT updated_at FROM messages WHERE id = '`+id+`'`); int64(n) != at3.Add(time.Second).UnixMicro() {
		t.Errorf("updated_at of c7 = %d, want the acceptance's %d", n, at3.Add(time.Second).UnixMicro())
	}
}

// decideFirst decides k1's messages twice: the first decision counts.
func decideFirst(t *testing.T, b Backend, s store.Store, at1, at2 time.Time) {
	ctx := context.Background()
	tx(t, s, func(tx store.Tx) error { return decideIn(ctx, tx, nil, at1) })
	tx(t, s, func(tx store.Tx) error {
		return decideIn(ctx, tx, []store.Decision{
			{MessageID: "k1:c1", Status: message.Sending, ConsentEventID: "e-c1-offers"},
			{MessageID: "k1:c2", Status: message.Skipped, Reason: "suppressed"},
			{MessageID: "k1:c4", Status: message.Sending, ConsentEventID: "e-c4-offers"},
			{MessageID: "k1:c6", Status: message.Sending, ConsentEventID: "e-c6-offers"},
			{MessageID: "k1:c7", Status: message.Sending, ConsentEventID: "e-c7-offers"},
		}, at1)
	})
	// A second decision on a decided message changes nothing.
	tx(t, s, func(tx store.Tx) error {
		return decideIn(ctx, tx, []store.Decision{
			{MessageID: "k1:c1", Status: message.Skipped, Reason: "withdrawn"},
			{MessageID: "k1:c2", Status: message.Sending, ConsentEventID: "e-other"},
		}, at2)
	})
	got := messageStatuses(t, s, "k1", "c1", "c2")
	if m := got["c1"]; m.Status != message.Sending || m.ConsentEventID != "e-c1-offers" || m.ErrorTitle != "" || !m.UpdatedAt.Equal(at1) {
		t.Errorf("c1 after decisions = %+v; want sending with e-c1-offers at %v", m, at1)
	}
	if m := got["c2"]; m.Status != message.Skipped || m.ErrorTitle != "suppressed" || m.ConsentEventID != "" {
		t.Errorf("c2 after decisions = %+v; want skipped, suppressed", m)
	}
	for _, id := range []string{"c1", "c2"} {
		if d := decidedAt(t, b, s, id); d != at1.UnixMicro() {
			t.Errorf("decided_at of %s = %d, want %d (the first decision)", id, d, at1.UnixMicro())
		}
	}
}

// resultsAfterDecisions records the sends' results of k1's decided messages.
func resultsAfterDecisions(t *testing.T, b Backend, s store.Store, at1, at2, at3 time.Time) {
	ctx := context.Background()
	// A status webhook overtakes the answer to c6's send (reference §6).
	tx(t, s, func(tx store.Tx) error {
		ok, err := applyStatus(ctx, tx, store.StatusUpdate{ID: "k1:c6", WAMID: "wamid.6", Status: message.Delivered}, at2)
		if !ok {
			t.Errorf("ApplyStatus(delivered) on a sending message changed nothing")
		}
		return err
	})
	tx(t, s, func(tx store.Tx) error {
		return tx.RecordResults(ctx, []store.Result{
			{MessageID: "k1:c1", Status: message.Sent, WAMID: "wamid.1"},
			{MessageID: "k1:c2", Status: message.Sent, WAMID: "wamid.2"}, // skipped: not sending
			{MessageID: "k1:c4", Status: message.Failed, Code: 131026, Title: "Message undeliverable"},
			{MessageID: "k1:c6", Status: message.Sent, WAMID: "wamid.6"}, // the webhook came first
			{MessageID: "k1:c7", Status: message.Queued, Code: 130429, Title: "Rate limit hit"},
		}, at3, 5)
	})
	tx(t, s, func(tx store.Tx) error { return tx.RecordResults(ctx, nil, at3, 5) })
	got := messageStatuses(t, s, "k1", audienceAll...)
	type outcome struct {
		Status  message.Status
		WAMID   string
		Code    int
		Title   string
		Consent string
	}
	gotOut := map[string]outcome{}
	for id, m := range got {
		gotOut[id] = outcome{m.Status, m.WAMID, m.ErrorCode, m.ErrorTitle, m.ConsentEventID}
	}
	wantOut := map[string]outcome{
		"c1": {message.Sent, "wamid.1", 0, "", "e-c1-offers"},
		"c2": {message.Skipped, "", 0, "suppressed", ""},
		"c4": {message.Failed, "", 131026, "Message undeliverable", "e-c4-offers"},
		"c6": {message.Delivered, "wamid.6", 0, "", "e-c6-offers"},
		"c7": {message.Queued, "", 130429, "Rate limit hit", "e-c7-offers"},
	}
	if diff := gocmp.Diff(wantOut, gotOut); diff != "" {
		t.Errorf("after results (-want +got):\n%s", diff)
	}
	if d := decidedAt(t, b, s, "c7"); d != 0 {
		t.Errorf("decided_at of c7 queued again = %d, want 0", d)
	}
	if d := decidedAt(t, b, s, "c1"); d != at1.UnixMicro() {
		t.Errorf("decided_at of sent c1 = %d, want %d", d, at1.UnixMicro())
	}
	// The wamid finds the message among its recipient's, for webhooks
	// without our id; not among another contact's.
	tx(t, s, func(tx store.Tx) error {
		ok, err := applyStatus(ctx, tx, store.StatusUpdate{WAMID: "wamid.1", ContactID: "c2", Status: message.Read}, at3)
		if ok {
			t.Errorf("read webhook by wamid.1 for c2 changed c1's message")
		}
		if err != nil {
			return err
		}
		ok, err = applyStatus(ctx, tx, store.StatusUpdate{WAMID: "wamid.1", ContactID: "c1", Status: message.Read}, at3)
		if !ok {
			t.Errorf("read webhook by wamid.1 changed nothing")
		}
		return err
	})
	// c7, queued again, takes no result until it is decided again...
	tx(t, s, func(tx store.Tx) error {
		return tx.RecordResults(ctx, []store.Result{{MessageID: "k1:c7", Status: message.Sent, WAMID: "wamid.7"}}, at3, 5)
	})
	if m := messageStatuses(t, s, "k1", "c7")["c7"]; m.Status != message.Queued || m.WAMID != "" {
		t.Errorf("a result for a queued message was applied: %+v", m)
	}
	// ...and can be decided again.
	tx(t, s, func(tx store.Tx) error {
		return decideIn(ctx, tx, []store.Decision{{MessageID: "k1:c7", Status: message.Sending, ConsentEventID: "e-c7-offers"}}, at3)
	})
	tx(t, s, func(tx store.Tx) error {
		return tx.RecordResults(ctx, []store.Result{{MessageID: "k1:c7", Status: message.Unknown, Title: "timeout"}}, at3, 5)
	})
	if m := messageStatuses(t, s, "k1", "c7")["c7"]; m.Status != message.Unknown || m.ErrorCode != 0 || m.ErrorTitle != "timeout" {
		t.Errorf("c7 after a second try = %+v, want unknown", m)
	}
}

// countedRetries fails a message on the third counted retry of three.
func countedRetries(t *testing.T, b Backend, s store.Store, at3 time.Time) {
	// Retries (reference §2.2): a retry that is not counted (the
	// number's own rate limit) uses no attempt; the third counted one of
	// three fails the message with the platform's reason. Each round
	// passes the gate again.
	walkedCampaign(t, s, "k3")
	for i, counted := range []bool{true, false, true, true} {
		triedAgain(t, s, store.Result{MessageID: "k3:c7", Status: message.Queued, Code: 131000, Title: "Something went wrong", Counted: counted}, at3)
		m := messageStatuses(t, s, "k3", "c7")["c7"]
		wantStatus, wantTitle := message.Queued, "Something went wrong"
		if i == 3 {
			wantStatus, wantTitle = message.Failed, "gave up after 3 attempts: Something went wrong"
		}
		if m.Status != wantStatus || m.ErrorTitle != wantTitle || m.ErrorCode != 131000 {
			t.Errorf("c7 after retry %d = %s %d %q, want %s 131000 %q", i+1, m.Status, m.ErrorCode, m.ErrorTitle, wantStatus, wantTitle)
		}
	}
	if n := b.Int(t, s, `SELECT attempts FROM messages WHERE id = '`+msgID("k3", "c7")+`'`); n != 3 {
		t.Errorf("attempts of c7 = %d, want 3", n)
	}
}

// pairRateLimits backs off a message refused by its recipient's pair rate limit.
func pairRateLimits(t *testing.T, b Backend, s store.Store, at3 time.Time) {
	ctx := context.Background()
	// The recipient's pair rate limit (131056, reference §3.2) uses no
	// attempt: the message waits 1, 4, 16 ... s before it is due again,
	// is not picked up before, and fails on the PairLimitTries-th refusal.
	c7Queued(t, b, s, "k4")
	due := func(at time.Time) bool {
		var ids []string
		tx(t, s, func(tx store.Tx) error {
			var err error
			ids, err = tx.LockQueued(ctx, "k4", "", 10, at)
			return err
		})
		return slices.Equal(ids, []string{"c7"})
	}
	at := at3
	for i := 1; i <= store.PairLimitTries; i++ {
		if !due(at) {
			t.Fatalf("before refusal %d: c7 is not due at %v", i, at)
		}
		triedAgain(t, s, store.Result{MessageID: "k4:c7", Status: message.Queued, Code: 131056, Title: "Pair rate limit hit", PairLimited: true}, at)
		m := messageStatuses(t, s, "k4", "c7")["c7"]
		if i == store.PairLimitTries {
			if want := fmt.Sprintf("gave up after %d pair rate limits: Pair rate limit hit", i); m.Status != message.Failed || m.ErrorTitle != want {
				t.Errorf("c7 after refusal %d = %s %q, want failed %q", i, m.Status, m.ErrorTitle, want)
			}
			if due(at.Add(24 * time.Hour)) {
				t.Errorf("c7 is picked up again after it failed")
			}
			tx(t, s, func(tx store.Tx) error {
				if _, queued, err := tx.NextQueued(ctx, "k4"); err != nil || queued {
					t.Errorf("NextQueued after c7 failed: queued %v, %v", queued, err)
				}
				return nil
			})
			break
		}
		wait := time.Second << (2 * (i - 1))
		if m.Status != message.Queued || m.ErrorCode != 131056 {
			t.Errorf("c7 after refusal %d = %s %d, want queued 131056", i, m.Status, m.ErrorCode)
		}
		tx(t, s, func(tx store.Tx) error {
			due, queued, err := tx.NextQueued(ctx, "k4")
			if !queued || !due.Equal(at.Add(wait)) {
				t.Errorf("NextQueued after refusal %d = %v, %v; want due %v", i, due, queued, at.Add(wait))
			}
			return err
		})
		if due(at.Add(wait - time.Microsecond)) {
			t.Errorf("c7 is due again before %v after refusal %d", wait, i)
		}
		at = at.Add(wait)
	}
	if n := b.Int(t, s, `SELECT attempts FROM messages WHERE id = '`+msgID("k4", "c7")+`'`); n != 0 {
		t.Errorf("attempts of c7 after pair rate limits = %d, want 0", n)
	}
}

// decidedAt reads when contact id's message in k1 was decided (0: not).
func decidedAt(t *testing.T, b Backend, s store.Store, id string) int64 {
	return b.Int(t, s, `SELECT decided_at FROM messages WHERE id = '`+msgID("k1", id)+`'`)
}

// walkedCampaign stores a running campaign for "offers" and walks its
// whole audience.
func walkedCampaign(t *testing.T, s store.Store, id string) {
	t.Helper()
	ctx := context.Background()
	k := campaign.Campaign{ID: id, Name: id, Purpose: "offers", Status: campaign.Running, CreatedAt: t0,
		Template: campaign.Template{Name: "other", Languages: map[string]campaign.Variant{"nb": {Body: "x"}}}}
	tx(t, s, func(tx store.Tx) error { return tx.CreateCampaign(ctx, k) })
	if n, _ := walkAll(t, s, k, "", 10); n != len(audienceAll) {
		t.Fatalf("%s walked %d", id, n)
	}
}

// c7Queued walks a campaign id whose messages are all skipped but c7's,
// which is queued for another try.
func c7Queued(t *testing.T, b Backend, s store.Store, id string) {
	t.Helper()
	walkedCampaign(t, s, id)
	tx(t, s, func(tx store.Tx) error {
		_, err := tx.SkipQueued(context.Background(), id, "not this one", t0)
		return err
	})
	if err := b.Exec(t, s, `UPDATE messages SET status = 'queued' WHERE id = $1`, msgID(id, "c7")); err != nil {
		t.Fatal(err)
	}
}

// triedAgain decides c7 again and records r, its outcome, at that time.
func triedAgain(t *testing.T, s store.Store, r store.Result, at time.Time) {
	t.Helper()
	ctx := context.Background()
	tx(t, s, func(tx store.Tx) error {
		return decideIn(ctx, tx, []store.Decision{{MessageID: r.MessageID, Status: message.Sending, ConsentEventID: "e-c7-offers"}}, at)
	})
	tx(t, s, func(tx store.Tx) error { return tx.RecordResults(ctx, []store.Result{r}, at, 3) })
}

func exerciseLateDecisions(t *testing.T, b Backend) {
	ctx := context.Background()
	s := b.Open(t)
	startCampaign(t, s)
	given, gone, after := t0.Add(-time.Hour), t0.Add(10*time.Minute), t0.Add(20*time.Minute)
	events := map[string]string{} // contact: the event that authorised its message
	tx(t, s, func(tx store.Tx) error {
		for _, id := range audienceAll {
			e, err := appendEvent(ctx, tx, id, ledger.Confirmed, "offers", given)
			if err != nil {
				return err
			}
			events[id] = e.ID
		}
		for _, w := range []struct {
			contact, purpose string
			kind             ledger.Kind
		}{
			{"c1", "offers", ledger.Withdrawn}, // decided after: late
			{"c2", "offers", ledger.Withdrawn}, // decided before: in time
			{"c4", "news", ledger.Withdrawn},   // another purpose: in time
			{"c6", "", ledger.Objected},        // objection to all marketing, decided after: late
			{"c7", "offers", ledger.Withdrawn}, // decided after, but skipped: nothing went
		} {
			if _, err := appendEvent(ctx, tx, w.contact, w.kind, w.purpose, gone); err != nil {
				return err
			}
		}
		return nil
	})
	decide := func(at time.Time, ds ...store.Decision) {
		tx(t, s, func(tx store.Tx) error { return decideIn(ctx, tx, ds, at) })
	}
	sending := func(contact string) store.Decision {
		return store.Decision{MessageID: "k1:" + contact, Status: message.Sending, ConsentEventID: events[contact]}
	}
	decide(t0.Add(5*time.Minute), sending("c2"))
	decide(after, sending("c1"), sending("c4"), sending("c6"), store.Decision{MessageID: "k1:c7", Status: message.Skipped, Reason: "withdrawn"})
	tx(t, s, func(tx store.Tx) error {
		n, err := tx.LateDecisions(ctx, "k1")
		if n != 2 {
			t.Errorf("LateDecisions = %d, want 2 (c1 and c6)", n)
		}
		return err
	})
	tx(t, s, func(tx store.Tx) error {
		n, err := tx.LateDecisions(ctx, "nope")
		if n != 0 {
			t.Errorf("LateDecisions of an unknown campaign = %d", n)
		}
		return err
	})
}
