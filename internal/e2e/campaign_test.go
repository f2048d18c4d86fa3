// SPDX-License-Identifier: AGPL-3.0-only

package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/samtykke/samtykke/internal/app"
	"github.com/samtykke/samtykke/internal/campaign"
	"github.com/samtykke/samtykke/internal/consent"
	"github.com/samtykke/samtykke/internal/ledger"
	"github.com/samtykke/samtykke/internal/retention"
	"github.com/samtykke/samtykke/internal/store"
	"github.com/samtykke/samtykke/internal/store/storetest"
	"github.com/samtykke/samtykke/internal/whatsapp"
	"github.com/samtykke/samtykke/internal/whatsapp/sim"
)

// number is the i-th test number: +47 4xxxxxxx.
func number(i int) string { return fmt.Sprintf("+474%07d", i) }

// subscribeMany records confirmed consents for n numbers in batches.
func (h *harness) subscribeMany(n int, purpose string) {
	h.t.Helper()
	for start := 0; start < n; start += 500 {
		var ins []app.ConsentInput
		for i := start; i < min(n, start+500); i++ {
			ins = append(ins, app.ConsentInput{Subject: app.Subject{Phone: number(i)}, Purpose: purpose, Method: "import",
				CollectedAt: time.Now().Add(-time.Hour), AgeConfirmed: true,
				Evidence: ledger.Evidence{AffirmativeAct: "checkbox", WordingHash: "h", ConfirmationChannel: "whatsapp", ConfirmationMessageID: "w"}})
		}
		if _, err := h.app.RecordConsents(h.ctx, admin, ins); err != nil {
			h.t.Fatal(err)
		}
	}
}

// offer creates the spring sale campaign for "offers", changed by the
// tweaks, and registers its template with the simulator.
func (h *harness) offer(tweaks ...func(*campaign.Campaign)) campaign.Campaign {
	h.t.Helper()
	body := "Vårsalg hos Butikken AS: 20 % på alt! Les personvernerklæringen: " + h.srv.URL + "/privacy. Svar STOPP for å melde deg av."
	c := campaign.Campaign{Name: "Vårsalg", Purpose: "offers",
		Template: campaign.Template{Name: "spring_sale", Languages: map[string]campaign.Variant{"nb": {Body: body}}}}
	for _, tweak := range tweaks {
		tweak(&c)
	}
	c, err := h.app.CreateCampaign(h.ctx, admin, c)
	if err != nil {
		h.t.Fatal(err)
	}
	if err := h.sim.AddTemplate(sim.Template{Name: "spring_sale", Language: "nb", Category: "MARKETING"}); err != nil {
		h.t.Fatal(err)
	}
	return c
}

// dispatchAll runs a campaign's dispatch slices, as the queue would, until
// one says there is nothing more to do.
func (h *harness) dispatchAll(c campaign.Campaign) {
	h.t.Helper()
	for i := 0; ; i++ {
		wait, err := h.app.DispatchCampaign(h.ctx, c.ID)
		if err != nil {
			h.t.Fatal(err)
		}
		if wait == 0 {
			return
		}
		if i == 20 {
			h.t.Fatalf("the campaign is not done after %d slices", i)
		}
	}
}

// startManual starts a harness whose campaigns the test dispatches itself
// (no queue), against a simulator that takes any rate and sends no status
// webhooks, at 1,000 messages a second in batches of batch; tweak, when set,
// changes the app's configuration further.
func startManual(t *testing.T, b storetest.Backend, batch int, tweak func(*app.Config)) *harness {
	return startOpts(t, b, func(s *sim.Config, a *app.Config) {
		s.MPS, s.PairRateEvery, s.Statuses = 0, 0, []string{}
		a.Dispatch = app.DispatchConfig{Rate: 1000, Batch: batch}
		if tweak != nil {
			tweak(a)
		}
	}, options{noQueue: true})
}

// startFast starts a harness whose simulator takes any rate and sends no
// status webhooks, and whose campaigns send 1,000 messages a second in
// batches of 50.
func startFast(t *testing.T, b storetest.Backend) *harness {
	return startWith(t, b, func(s *sim.Config, a *app.Config) {
		s.MPS, s.PairRateEvery, s.Statuses = 0, 0, []string{}
		a.Dispatch = app.DispatchConfig{Rate: 1000, Batch: 50}
	})
}

// start starts a campaign.
func (h *harness) start(c campaign.Campaign) {
	h.t.Helper()
	if _, err := h.app.CampaignAction(h.ctx, admin, c.ID, "start"); err != nil {
		h.t.Fatal(err)
	}
}

// finished waits for a campaign to be done and returns its view.
func (h *harness) finished(c campaign.Campaign) app.CampaignView {
	h.t.Helper()
	var v app.CampaignView
	h.waitFor("the campaign to finish", func() bool {
		var err error
		v, err = h.app.Campaign(h.ctx, admin, c.ID)
		return err == nil && v.Status == campaign.Done
	})
	return v
}

// TestCampaignOptOutsMidCampaign runs a campaign of thousands at full speed
// while opt-outs arrive; once a withdrawal commits, no later decision sends
// to that contact (invariants 1 and 2; K-06).
func TestCampaignOptOutsMidCampaign(t *testing.T) {
	t.Parallel()
	const n, stoppers = 2000, 150
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		h := startFast(t, b)
		h.subscribeMany(n, "offers")
		c := h.offer()
		h.start(c)
		// The opt-outs arrive while the campaign is sending.
		h.waitFor("the first sends", func() bool {
			return h.count(`SELECT count(*) FROM messages WHERE campaign_id = $1 AND status = 'sent'`, c.ID) > 100
		})
		var wg sync.WaitGroup
		for i := range stoppers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				time.Sleep(time.Duration(i) * 2 * time.Millisecond)
				if _, err := h.sim.Inbound(sim.Inbound{From: number(i * (n / stoppers)), Text: "STOPP"}); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		v := h.finished(c)
		if v.Audience != n || v.Counts["queued"] != 0 || v.Counts["sending"] != 0 {
			t.Fatalf("campaign = %+v", v)
		}
		// Every message ends as sent or skipped, once per contact.
		if got := v.Counts["sent"] + v.Counts["skipped"]; got != v.Audience {
			t.Fatalf("sent %d + skipped %d != audience %d (%v)", v.Counts["sent"], v.Counts["skipped"], v.Audience, v.Counts)
		}
		if v.Counts["skipped"] != v.Skipped["suppressed"]+v.Skipped["withdrawn"] {
			t.Fatalf("skipped for other reasons: %v", v.Skipped)
		}
		if v.Counts["sent"] < n-stoppers || v.Counts["skipped"] == 0 {
			t.Fatalf("sent %d, skipped %d: the opt-outs did not meet the running campaign", v.Counts["sent"], v.Counts["skipped"])
		}
		// Zero messages decided after a withdrawal of that contact.
		var late int64
		if err := h.store.Tx(h.ctx, func(tx store.Tx) error {
			var err error
			late, err = tx.LateDecisions(h.ctx, c.ID)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if late != 0 {
			t.Fatalf("%d messages were decided after their contact's withdrawal committed", late)
		}
		// Each sent message names a confirmed consent event of its own contact (G-06).
		orphan := h.count(`SELECT count(*) FROM messages m LEFT JOIN consent_events e ON e.id = m.consent_event_id
			AND e.contact_id = m.contact_id AND e.kind = 'confirmed' WHERE m.campaign_id = $1 AND m.status = 'sent' AND e.id IS NULL`, c.ID)
		if orphan != 0 {
			t.Fatalf("%d sent messages name no authorising consent event", orphan)
		}
		// The simulator got exactly one request per sent message (at most once).
		marketing := 0
		seen := map[string]bool{}
		for _, m := range h.sim.Messages("") {
			if m.TemplateName == "spring_sale" {
				marketing++
				if seen[m.WaID] {
					t.Fatalf("two campaign messages to one number")
				}
				seen[m.WaID] = true
			}
		}
		if int64(marketing) != v.Counts["sent"] {
			t.Fatalf("simulator accepted %d, samtykke recorded %d sent", marketing, v.Counts["sent"])
		}
		t.Logf("%s: %d sent, %d skipped %v", b.Name, v.Counts["sent"], v.Counts["skipped"], v.Skipped)
	})
}

// TestSeveralSendingNumbers: two campaigns on two sending numbers run side
// by side, each paced by its own bucket (reference §3.1: the limit is per
// business number).
func TestSeveralSendingNumbers(t *testing.T) {
	t.Parallel()
	const n, rate = 300, 300
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		other, err := sim.New(sim.Config{PhoneNumberID: "200000000000002"})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(other.Close)
		otherSrv := httptest.NewServer(other.Handler())
		t.Cleanup(otherSrv.Close)
		client2, err := whatsapp.NewClient(whatsapp.ClientConfig{BaseURL: otherSrv.URL, Token: "t", PhoneNumberID: "200000000000002"})
		if err != nil {
			t.Fatal(err)
		}
		h := startWith(t, b, func(s *sim.Config, a *app.Config) {
			s.MPS, s.PairRateEvery, s.Statuses = 0, 0, []string{}
			a.Dispatch = app.DispatchConfig{Rate: rate, Batch: 25}
			a.Senders = []*whatsapp.Client{client2}
		})
		h.subscribeMany(n, "offers")
		first := h.offer()
		c2, err := h.app.CreateCampaign(h.ctx, admin, campaign.Campaign{Name: "Andre nummer", Purpose: "offers",
			Template: first.Template, Sender: "200000000000002"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := h.app.CreateCampaign(h.ctx, admin, campaign.Campaign{Name: "x", Purpose: "offers", Template: first.Template,
			Sender: "999"}); err == nil || !strings.Contains(err.Error(), "not a configured sending number") {
			t.Fatalf("unknown sender: %v", err)
		}
		for _, id := range []string{first.ID, c2.ID} {
			if _, err := h.app.CampaignAction(h.ctx, admin, id, "start"); err != nil {
				t.Fatal(err)
			}
		}
		// Each number has its own bucket, so the two send side by side: at
		// some moment both are part way (at 300 msg/s each takes about 1 s).
		sideBySide := false
		h.waitFor("both campaigns", func() bool {
			a, b := h.sim.Stats().Accepted, other.Stats().Accepted
			sideBySide = sideBySide || (a > 0 && a < n && b > 0 && b < n)
			return a == n && b == n
		})
		if !sideBySide {
			t.Errorf("the two numbers never sent at the same time")
		}
		for _, c := range []campaign.Campaign{first, c2} {
			if v := h.finished(c); v.Counts["sent"] != n {
				t.Errorf("%s: counts %v, want %d sent", c.Name, v.Counts, n)
			}
		}
		if n := h.count(`SELECT count(*) FROM rate_buckets`); n != 2 {
			t.Fatalf("%d rate buckets, want one per sending number", n)
		}
	})
}

// TestCampaignRetries: only what the platform calls retryable is tried again,
// each time through the gate; the number's own rate limit uses no attempt,
// and a message that keeps failing gives up at the limit with the platform's
// reason (reference §2.2).
func TestCampaignRetries(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		h := startWith(t, b, func(s *sim.Config, a *app.Config) {
			s.MPS, s.PairRateEvery, s.Statuses = 0, 0, []string{}
			a.Dispatch = app.DispatchConfig{Rate: 1000, Batch: 10, MaxAttempts: 4}
		})
		h.subscribeMany(30, "offers")
		faults := []sim.Fault{
			{ErrorCode: 131057, To: number(1)},                                                       // maintenance, always: gives up
			{ErrorCode: 131056, To: number(2), Count: 2},                                             // pair limit: waits 1 s, 4 s; third try goes
			{ErrorCode: whatsapp.CodeThroughput, To: number(3), Count: 6},                            // the number's limit: not counted
			{ErrorCode: 131026, AfterAccept: true, To: number(4)},                                    // undeliverable: never retried
			{ErrorCode: 100, Details: "Invalid parameter", HTTPStatus: 400, To: number(5), Count: 1}, // permanent
			{ErrorCode: whatsapp.CodeSomethingWentWrong, To: number(6), Count: 1},                    // 500: may have left
		}
		for _, f := range faults {
			if err := h.sim.AddFault(f); err != nil {
				t.Fatal(err)
			}
		}
		c := h.offer()
		h.start(c)
		h.finished(c)
		type row struct {
			status   string
			attempts int64
			title    string
		}
		get := func(i int) row {
			id := c.ID + ":" + h.contactID(number(i))
			m, err := h.store.Message(h.ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			return row{string(m.Status), h.count(`SELECT attempts FROM messages WHERE id = $1`, id), m.ErrorTitle}
		}
		if r := get(1); r.status != "failed" || r.attempts != 4 || !strings.HasPrefix(r.title, "gave up after 4 attempts: ") {
			t.Errorf("always failing: %+v, want failed after 4 attempts", r)
		}
		if r := get(2); r.status != "sent" || r.attempts != 0 || h.count(`SELECT pair_limited FROM messages WHERE id = $1`, c.ID+":"+h.contactID(number(2))) != 2 {
			t.Errorf("pair rate limit twice: %+v, want sent after 2 refusals that use no attempt", r)
		}
		if r := get(3); r.status != "sent" || r.attempts != 0 {
			t.Errorf("rate-limited: %+v, want sent with no attempt used", r)
		}
		// A failure keeps the platform's code and reason, and the campaign
		// counts failures by reason.
		code := func(i int) int64 {
			return h.count(`SELECT error_code FROM messages WHERE id = $1`, c.ID+":"+h.contactID(number(i)))
		}
		for _, want := range []struct {
			i     int
			code  int64
			title string
		}{{1, 131057, "gave up after 4 attempts: "}, {4, 131026, "Message Undeliverable"}, {5, 100, "(#100) Invalid parameter"}} {
			if r := get(want.i); r.status != "failed" || code(want.i) != want.code || !strings.HasPrefix(r.title, want.title) || len(r.title) <= len(want.title) && want.i == 1 {
				t.Errorf("number %d: %+v, code %d; want failed with %d %q and the platform's reason", want.i, r, code(want.i), want.code, want.title)
			}
		}
		if v, err := h.app.Campaign(h.ctx, admin, c.ID); err != nil || v.Counts["failed"] != 3 || v.Failed["Message Undeliverable"] != 1 || v.Failed["(#100) Invalid parameter"] != 1 {
			t.Errorf("campaign view: counts %v, failed by reason %v, %v; want 3 failed, counted by reason", v.Counts, v.Failed, err)
		}
		if r := get(5); r.status != "failed" || r.attempts != 0 {
			t.Errorf("permanent error: %+v, want failed at once", r)
		}
		if r := get(6); r.status != "unknown" || r.attempts != 0 {
			t.Errorf("ambiguous 500: %+v, want unknown and never re-sent", r)
		}
		// No webhook ever explains number 6: once past any webhook retry,
		// it is settled as failed, still not re-sent.
		id6 := c.ID + ":" + h.contactID(number(6))
		h.count(`UPDATE messages SET updated_at = $1, unknown_since = $1 WHERE id = $2 RETURNING 1`, time.Now().Add(-9*24*time.Hour).UnixMicro(), id6)
		if n, err := h.app.SettleUnknown(h.ctx); err != nil || n != 1 {
			t.Errorf("SettleUnknown = %d, %v; want 1", n, err)
		}
		if r := get(6); r.status != "failed" || r.title != "no status from the platform within 8 days; not re-sent" {
			t.Errorf("settled: %+v", r)
		}
		if n := len(h.sim.Messages(number(4))); n != 1 {
			t.Errorf("an accepted message that then failed was sent %d times, want 1", n)
		}
		if n := h.count(`SELECT count(*) FROM messages WHERE campaign_id = $1 AND status = 'sent'`, c.ID); n != 26 {
			t.Errorf("%d sent, want 26 of 30", n)
		}
		if n := len(h.sim.Messages(number(1))); n != 0 {
			t.Errorf("the always-failing number has %d accepted messages", n)
		}
	})
}

// TestCampaignSliceStoppedWhileSending: when the job's context ends while a
// batch is on its way, the requests that left are still recorded as sent,
// not left sending to end as unknown (reference §6: only a request that
// may have been accepted is unknown).
func TestCampaignSliceStoppedWhileSending(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		var once sync.Once
		h := startManual(t, b, 50, func(a *app.Config) {
			a.Dispatch.OnSend = func(time.Time, time.Duration) { once.Do(cancel) }
		})
		h.subscribeMany(200, "offers")
		c := h.offer()
		h.start(c)
		if _, err := h.app.DispatchCampaign(ctx, c.ID); err != nil && !errors.Is(err, context.Canceled) {
			t.Fatal(err)
		}
		sent := h.count(`SELECT count(*) FROM messages WHERE campaign_id = $1 AND status = 'sent'`, c.ID)
		if sending := h.count(`SELECT count(*) FROM messages WHERE campaign_id = $1 AND status IN ('sending', 'unknown')`, c.ID); sending != 0 || sent == 0 {
			t.Fatalf("after the stop: %d sent, %d sending or unknown; want some sent and none left", sent, sending)
		}
		if n := int64(h.sim.Stats().Accepted); n != sent {
			t.Fatalf("the platform accepted %d, %d recorded as sent", n, sent)
		}
	})
}

// TestCampaignGoesOnPastADamagedContact: a contact whose key row is damaged
// cannot be sent to; its message is skipped with the reason and the campaign
// sends to everyone else and finishes, instead of failing its batch on every
// retry.
func TestCampaignGoesOnPastADamagedContact(t *testing.T) {
	t.Parallel()
	const n = 300
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		h := startFast(t, b)
		h.subscribeMany(n, "offers")
		if err := b.Exec(t, h.store, `UPDATE contact_keys SET wrapped = $1 WHERE contact_id = (SELECT min(contact_id) FROM contact_keys)`,
			[]byte("damaged")); err != nil {
			t.Fatal(err)
		}
		c := h.offer()
		h.start(c)
		v := h.finished(c)
		if v.Counts["sent"] != n-1 || v.Counts["skipped"] != 1 || v.Skipped[app.SkipUnreadable] != 1 {
			t.Fatalf("counts %v, skipped %v; want %d sent and the damaged contact skipped as %s", v.Counts, v.Skipped, n-1, app.SkipUnreadable)
		}
	})
}

// startActingWhileSending starts a campaign to n people, sent in batches
// at full speed by DispatchCampaign (no queue), that takes the action
// (pause, cancel) as the first batch is answered. The bound it returns is
// the most messages that may be decided: those decided when the action
// committed, and one batch that may have been deciding then. Batches leave
// without waiting for the answers of those before (invariant 12), so at
// full speed several may have been decided before the action.
func startActingWhileSending(t *testing.T, b storetest.Backend, n, batch int, action string) (*harness, campaign.Campaign, func() int64) {
	t.Helper()
	var once sync.Once
	var act func()
	var bound atomic.Int64
	h := startManual(t, b, batch, func(a *app.Config) {
		a.Dispatch.OnSend = func(time.Time, time.Duration) { once.Do(act) }
	})
	h.subscribeMany(n, "offers")
	c := h.offer()
	act = func() {
		if _, err := h.app.CampaignAction(h.ctx, admin, c.ID, action); err != nil {
			t.Error(err)
		}
		bound.Store(h.count(`SELECT count(*) FROM messages WHERE campaign_id = $1 AND status <> 'queued'`, c.ID) + int64(batch))
	}
	h.start(c)
	return h, c, bound.Load
}

// TestCampaignPausedMidwayAndResumed: a pause while a campaign sends stops it
// within a batch or two, leaves nothing in flight, and sends nothing while
// paused; resumed, it goes on from where it stopped and reaches everyone
// exactly once.
func TestCampaignPausedMidwayAndResumed(t *testing.T) {
	t.Parallel()
	const n, batch = 400, 50
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		h, c, bound := startActingWhileSending(t, b, n, batch, "pause")
		decided := func() int64 {
			return h.count(`SELECT count(*) FROM messages WHERE campaign_id = $1 AND status <> 'queued'`, c.ID)
		}
		for range 2 { // the second slice finds the campaign paused and sends nothing
			if wait, err := h.app.DispatchCampaign(h.ctx, c.ID); err != nil || wait != 0 {
				t.Fatalf("dispatch of a paused campaign: wait %v, error %v; want it to stop", wait, err)
			}
			sent := h.count(`SELECT count(*) FROM messages WHERE campaign_id = $1 AND status = 'sent'`, c.ID)
			if d := decided(); sent == 0 || d != sent || d > bound() {
				t.Fatalf("paused after the first batch: %d decided, %d sent; want them equal, and at most %d", d, sent, bound())
			}
			if n := int64(h.sim.Stats().Accepted); n != sent {
				t.Fatalf("the platform accepted %d, %d recorded as sent", n, sent)
			}
		}
		// The audience was counted beside the first slice's walk, and the
		// pause did not write it back over.
		if v, err := h.app.Campaign(h.ctx, admin, c.ID); err != nil || v.Walked || v.Audience != n {
			t.Fatalf("paused midway: audience %d, walked %v, %v; want the %d counted, the walk not over", v.Audience, v.Walked, err, n)
		}
		if _, err := h.app.CampaignAction(h.ctx, admin, c.ID, "resume"); err != nil {
			t.Fatal(err)
		}
		h.dispatchAll(c)
		v, err := h.app.Campaign(h.ctx, admin, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if v.Status != campaign.Done || v.Counts["sent"] != n || h.sim.Stats().Accepted != n {
			t.Fatalf("resumed: %s, counts %v, the platform accepted %d; want done with %d sent once each",
				v.Status, v.Counts, h.sim.Stats().Accepted, n)
		}
	})
}

// TestCampaignWaitsForItsScheduleAndWindow: nothing is decided or sent
// before a campaign's scheduled time, nor outside its daily send window in
// Oslo time; the dispatcher says how long to wait, and sends once both allow.
func TestCampaignWaitsForItsScheduleAndWindow(t *testing.T) {
	t.Parallel()
	const n = 120
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		h := startManual(t, b, 50, nil)
		h.subscribeMany(n, "offers")
		oslo, err := time.LoadLocation("Europe/Oslo")
		if err != nil {
			t.Fatal(err)
		}
		y, m, d := time.Now().In(oslo).AddDate(0, 0, 2).Date()
		at := func(day, hour, minute int) time.Time { return time.Date(y, m, d+day, hour, minute, 0, 0, oslo) }
		c := h.offer(func(c *campaign.Campaign) {
			c.ScheduledAt, c.Window = at(0, 6, 0), &campaign.Window{From: "08:00", To: "21:00"}
		})
		h.start(c)
		for _, tt := range []struct {
			name string
			now  time.Time
			wait time.Duration
		}{
			// Scheduled for 06:00 with a window from 08:00: it sleeps until the
			// window opens after its start, not until the start (campaign.Waiting).
			{"before the scheduled time", at(0, 5, 0), 3 * time.Hour},
			{"scheduled, before the window opens", at(0, 7, 0), time.Hour},
			{"after the window closed", at(0, 22, 30), at(1, 8, 0).Sub(at(0, 22, 30))},
		} {
			h.app.NowFunc = func() time.Time { return tt.now }
			wait, err := h.app.DispatchCampaign(h.ctx, c.ID)
			if err != nil || wait < tt.wait-time.Second || wait > tt.wait {
				t.Fatalf("%s: wait %v, error %v; want %v", tt.name, wait, err, tt.wait)
			}
			if m, sent := h.count(`SELECT count(*) FROM messages WHERE campaign_id = $1`, c.ID), h.sim.Stats().Accepted; m != 0 || sent != 0 {
				t.Fatalf("%s: %d messages decided, %d sent; want none", tt.name, m, sent)
			}
		}
		h.app.NowFunc = func() time.Time { return at(1, 10, 0) }
		h.dispatchAll(c)
		if v, err := h.app.Campaign(h.ctx, admin, c.ID); err != nil || v.Status != campaign.Done || v.Counts["sent"] != n {
			t.Fatalf("inside the window: %+v, %v; want done with %d sent", v, err, n)
		}
	})
}

// TestCampaignKeepsToItsRate: at the platform's default 80 msg/s, against a
// simulator that refuses anything faster (130429), a campaign is paced by
// its token bucket: it takes as long as the rate says, meets no rate limit,
// decides no batch bigger than the tokens in hand, and a decided message
// leaves right after its decision, not after waiting for tokens (G-06;
// invariant 12; reference §3.1).
func TestCampaignKeepsToItsRate(t *testing.T) {
	t.Parallel()
	const n, rate = 240, 80
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		p := runPaced(t, b, n, rate, 0)
		took, batches, waits := p.took, p.batches, p.waits
		burst := rate / 10
		if least := time.Duration(n-burst) * time.Second / rate; took < least {
			t.Errorf("%d messages at %d msg/s took %v; the bucket allows no less than %v", n, rate, took, least)
		}
		for _, got := range batches {
			if got > burst {
				t.Fatalf("a batch of %d decided with at most %d tokens in hand", got, burst)
			}
		}
		if len(waits) != n {
			t.Fatalf("%d requests timed, want %d", len(waits), n)
		}
		slices.Sort(waits)
		if p50 := waits[n/2]; p50 > 50*time.Millisecond {
			t.Errorf("from decision to request p50 %v, max %v: want each to leave right after its decision", p50, waits[n-1])
		}
	})
}

// TestCampaignDecidesInBatchesNotTrickles: once a batch has emptied the
// number's bucket, the decider waits for part of a batch to refill before
// its next transaction. Deciding again at once took only the tokens refilled
// while the last one ran: one number at 1,000 msg/s decided 16 messages a
// transaction on SQLite and 2 on PostgreSQL, where each transaction's own
// cost made a message take 1 ms of CPU (docs/performance.md, issue 17).
func TestCampaignDecidesInBatchesNotTrickles(t *testing.T) {
	t.Parallel()
	const n, rate = 500, 500
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		p := runPaced(t, b, n, rate, 0)
		burst := rate / 10 // the default bucket, and so the batch
		taken := 0         // tokens: the messages decided and the gate's leftovers
		for _, m := range p.batches {
			taken += m
		}
		if taken < n {
			t.Fatalf("%d tokens taken in %d batches for %d messages", taken, len(p.batches), n)
		}
		// The wait is for half a batch; a busy machine only makes batches bigger.
		if mean := float64(taken) / float64(len(p.batches)); mean < float64(burst)*2/5 {
			t.Errorf("%d batches of %.1f messages on average; want at least %d: a transaction for each few tokens refilled",
				len(p.batches), mean, burst*2/5)
		}
	})
}

// TestCampaignFillsEachPersonsTemplate: each person gets the template in
// their own language when the campaign has it, else in bokmål, with their
// first name as its parameter, or "-" when none is kept (P-03: only the
// fields the purpose declares).
func TestCampaignFillsEachPersonsTemplate(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		h := startFast(t, b)
		if _, err := h.app.CreatePurpose(h.ctx, admin, consent.Purpose{Key: "club", Channel: consent.WhatsApp, Basis: consent.BasisConsent,
			RetentionDays: 365, Description: consent.Text{NB: "Kundeklubb", EN: "Customer club"}, Fields: []string{"first_name"}}); err != nil {
			t.Fatal(err)
		}
		people := []app.NewContact{
			{Phone: number(1), Language: "en", FirstName: "Kari"},
			{Phone: number(2), Language: "nb", FirstName: "Ola"},
			{Phone: number(3), Language: "en"},
		}
		for _, p := range people {
			id, _, err := h.app.CreateContact(h.ctx, admin, p)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := h.app.RecordConsents(h.ctx, admin, []app.ConsentInput{{Subject: app.Subject{ContactID: id}, Purpose: "club",
				Method: "import", CollectedAt: time.Now().Add(-time.Hour), AgeConfirmed: true,
				Evidence: ledger.Evidence{AffirmativeAct: "checkbox", WordingHash: "h", ConfirmationChannel: "whatsapp", ConfirmationMessageID: "w"}}}); err != nil {
				t.Fatal(err)
			}
		}
		notice := h.srv.URL + "/privacy"
		variants := map[string]campaign.Variant{
			"nb": {Body: "Hei {{first_name}}! Klubbkveld hos Butikken AS. " + notice + " Svar STOPP for å melde deg av."},
			"en": {Body: "Hi {{first_name}}! Club night at Butikken AS. " + notice, OptOutButton: true},
		}
		// got is the language and the first parameter of what a number was sent last.
		got := func(phone string) (lang, param string) {
			t.Helper()
			ms := h.sim.Messages(phone)
			if len(ms) == 0 {
				t.Fatalf("nothing sent to person %s", phone[len(phone)-1:])
			}
			var req struct {
				Template whatsapp.Template `json:"template"`
			}
			if err := json.Unmarshal(ms[len(ms)-1].Request, &req); err != nil {
				t.Fatal(err)
			}
			if cs := req.Template.Components; len(cs) == 1 && len(cs[0].Parameters) == 1 {
				param = cs[0].Parameters[0].Text
			}
			return ms[len(ms)-1].TemplateLanguage, param
		}
		for i, tt := range []struct {
			languages []string
			want      [][2]string // per person: language, first name
			fallbacks map[string]int64
		}{
			{[]string{"nb", "en"}, [][2]string{{"en", "Kari"}, {"nb", "Ola"}, {"en", "-"}}, map[string]int64{}},
			{[]string{"nb"}, [][2]string{{"nb", "Kari"}, {"nb", "Ola"}, {"nb", "-"}}, map[string]int64{"en": 2}},
		} {
			tpl := campaign.Template{Name: fmt.Sprintf("club_night_%d", i), Params: []string{"first_name"}, Languages: map[string]campaign.Variant{}}
			for _, l := range tt.languages {
				tpl.Languages[l] = variants[l]
				if err := h.sim.AddTemplate(sim.Template{Name: tpl.Name, Language: l, Category: "MARKETING"}); err != nil {
					t.Fatal(err)
				}
			}
			c, err := h.app.CreateCampaign(h.ctx, admin, campaign.Campaign{Name: "Klubbkveld", Purpose: "club", Template: tpl})
			if err != nil {
				t.Fatal(err)
			}
			h.start(c)
			h.finished(c)
			for j, p := range people {
				if lang, name := got(p.Phone); lang != tt.want[j][0] || name != tt.want[j][1] {
					t.Errorf("template in %v, person %d: sent in %q with %q; want %q with %q", tt.languages, j+1, lang, name, tt.want[j][0], tt.want[j][1])
				}
			}
			// The view counts who got another language than theirs.
			v, err := h.app.Campaign(h.ctx, admin, c.ID)
			if err != nil {
				t.Fatal(err)
			}
			if !maps.Equal(v.Fallbacks, tt.fallbacks) {
				t.Errorf("template in %v: language fallbacks %v, want %v", tt.languages, v.Fallbacks, tt.fallbacks)
			}
		}
	})
}

// TestCampaignCancelledMidway: a cancel while a campaign sends stops it
// within a batch or two; what was not sent is counted as skipped, "campaign
// cancelled", nothing is left in flight, and nothing more is ever sent.
func TestCampaignCancelledMidway(t *testing.T) {
	t.Parallel()
	const n, batch = 400, 50
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		h, c, bound := startActingWhileSending(t, b, n, batch, "cancel")
		for range 2 { // the first slice stops; the second skips what is left
			if wait, err := h.app.DispatchCampaign(h.ctx, c.ID); err != nil || wait != 0 {
				t.Fatalf("dispatch of a cancelled campaign: wait %v, error %v; want it to stop", wait, err)
			}
		}
		v, err := h.app.Campaign(h.ctx, admin, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		sent := v.Counts["sent"]
		if v.Status != campaign.Cancelled || sent == 0 || sent > bound() || v.Counts["skipped"] != n-sent ||
			v.Skipped["campaign cancelled"] != n-sent || v.Progress != 1 {
			t.Fatalf("cancelled: %s, counts %v, skipped %v, progress %v; want at most %d sent and the rest skipped as cancelled",
				v.Status, v.Counts, v.Skipped, v.Progress, bound())
		}
		if left := h.count(`SELECT count(*) FROM messages WHERE campaign_id = $1 AND status IN ('queued', 'sending', 'unknown')`, c.ID); left != 0 {
			t.Errorf("%d messages left queued, sending or unknown", left)
		}
		if got := h.sim.Stats().Accepted; got != sent {
			t.Errorf("the platform accepted %d, %d recorded as sent", got, sent)
		}
	})
}

// TestCampaignBacksOffWhenRateLimited: the platform's 130429 stops the
// campaign's slice at once and asks to be run again after a wait, instead of
// sending on into the limit; the refused message is tried again and sent,
// using no attempt (reference §3.1, §2.2).
func TestCampaignBacksOffWhenRateLimited(t *testing.T) {
	t.Parallel()
	const n, batch = 400, 50
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		h := startManual(t, b, batch, nil)
		h.subscribeMany(n, "offers")
		if err := h.sim.AddFault(sim.Fault{ErrorCode: whatsapp.CodeThroughput, Count: 1}); err != nil {
			t.Fatal(err)
		}
		c := h.offer()
		h.start(c)
		wait, err := h.app.DispatchCampaign(h.ctx, c.ID)
		decided := h.count(`SELECT count(*) FROM messages WHERE campaign_id = $1 AND status <> 'queued'`, c.ID)
		// What was decided: the slices before the fault, plus the requests
		// already written on the pipelined connection behind the refused one.
		most := int64(3*batch + whatsapp.DefaultPipeline)
		if err != nil || wait < time.Second || decided > most {
			t.Fatalf("after a 130429: wait %v, error %v, %d decided; want a wait of at least 1 s and at most %d decided", wait, err, decided, most)
		}
		h.dispatchAll(c)
		if v, err := h.app.Campaign(h.ctx, admin, c.ID); err != nil || v.Status != campaign.Done || v.Counts["sent"] != n {
			t.Fatalf("%s, counts %v, %v; want done with all %d sent", v.Status, v.Counts, err, n)
		}
		if st := h.sim.Stats(); st.Accepted != n || st.Rejected != 1 {
			t.Errorf("the platform accepted %d and refused %d; want %d and the one", st.Accepted, st.Rejected, n)
		}
		if used := h.count(`SELECT count(*) FROM messages WHERE campaign_id = $1 AND attempts > 0`, c.ID); used != 0 {
			t.Errorf("%d messages used an attempt on the number's rate limit", used)
		}
	})
}

// TestMessagesKeptForTheirRetention: a campaign's message records are kept
// as long as the retention says and deleted once it has passed (RT-08).
func TestMessagesKeptForTheirRetention(t *testing.T) {
	t.Parallel()
	const n = 30
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		h := startManual(t, b, 50, func(a *app.Config) {
			a.Retention = retention.Periods{Messages: 30}.WithDefaults()
		})
		h.subscribeMany(n, "offers")
		c := h.offer()
		h.start(c)
		h.dispatchAll(c)
		messages := func() int64 { return h.count(`SELECT count(*) FROM messages WHERE campaign_id = $1`, c.ID) }
		if got := messages(); got != n {
			t.Fatalf("%d messages recorded, want %d", got, n)
		}
		sent := time.Now()
		for _, tt := range []struct {
			after time.Duration
			left  int64
		}{{29 * 24 * time.Hour, n}, {31 * 24 * time.Hour, 0}} {
			h.app.NowFunc = func() time.Time { return sent.Add(tt.after) }
			if _, err := h.app.PurgeMessages(h.ctx); err != nil {
				t.Fatal(err)
			}
			if got := messages(); got != tt.left {
				t.Errorf("%v after sending: %d messages kept, want %d", tt.after, got, tt.left)
			}
		}
	})
}

// TestAmbiguousSendSettledByItsWebhook: the platform accepts a message and
// the connection drops before its answer: the message is unknown, never sent
// again, and its status webhooks (matched by our id) settle it, with the
// platform's message id that only they could tell (reference §6, §4.6).
func TestAmbiguousSendSettledByItsWebhook(t *testing.T) {
	t.Parallel()
	const n = 40
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		h := startWith(t, b, func(s *sim.Config, a *app.Config) {
			s.MPS, s.PairRateEvery, s.Statuses = 0, 0, []string{"sent", "delivered"}
			a.Dispatch = app.DispatchConfig{Rate: 1000, Batch: 10}
		})
		h.subscribeMany(n, "offers")
		if err := h.sim.AddFault(sim.Fault{DropConnection: true, To: number(3), Count: 1}); err != nil {
			t.Fatal(err)
		}
		c := h.offer()
		h.start(c)
		h.finished(c)
		id := c.ID + ":" + h.contactID(number(3))
		h.waitFor("the dropped message's webhooks", func() bool {
			m, err := h.store.Message(h.ctx, id)
			return err == nil && m.Status == "delivered"
		})
		sent := h.sim.Messages(number(3))
		m, err := h.store.Message(h.ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if len(sent) != 1 || m.WAMID != sent[0].ID || h.count(`SELECT attempts FROM messages WHERE id = $1`, id) != 0 {
			t.Fatalf("%d requests reached the platform; recorded %+v; want one, settled by its webhook with its wamid", len(sent), m)
		}
		// The requests written behind it on the same connection got no
		// answer either and never reached the platform: they stay unknown,
		// for no webhook explains them, and are not sent again.
		for i := range n {
			if got := len(h.sim.Messages(number(i))); got > 1 {
				t.Errorf("person %d got %d messages", i, got)
			}
		}
		unknown := h.count(`SELECT count(*) FROM messages WHERE campaign_id = $1 AND status = 'unknown'`, c.ID)
		if st := h.sim.Stats(); st.Accepted+unknown != n || unknown >= whatsapp.DefaultPipeline || st.DroppedConnections != 1 {
			t.Errorf("the platform accepted %d with %d dropped connections, %d unknown; want the rest of %d accepted, one dropped",
				st.Accepted, st.DroppedConnections, unknown, n)
		}
	})
}

// TestPairRateLimitedMessageWaitsItsTurn: a message refused for its
// recipient's pair rate limit (131056) holds up no one else, is tried again
// after 1 s, then 4 s (4^X, reference §3.2), uses no attempt, and is sent;
// the campaign's job sleeps until it is due instead of polling.
func TestPairRateLimitedMessageWaitsItsTurn(t *testing.T) {
	t.Parallel()
	const n = 60
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		h := startManual(t, b, 25, func(a *app.Config) {
			a.Dispatch.MaxAttempts = 1
		})
		h.subscribeMany(n, "offers")
		if err := h.sim.AddFault(sim.Fault{ErrorCode: 131056, To: number(2), Count: 2}); err != nil {
			t.Fatal(err)
		}
		c := h.offer()
		h.start(c)
		now := time.Now()
		h.app.NowFunc = func() time.Time { return now }
		for i, want := range []time.Duration{time.Second, 4 * time.Second, 0} {
			wait, err := h.app.DispatchCampaign(h.ctx, c.ID)
			if err != nil || wait != want {
				t.Fatalf("slice %d: wait %v, error %v; want %v", i+1, wait, err, want)
			}
			if got := h.sim.Stats().Accepted; got != n-1 && want != 0 {
				t.Fatalf("slice %d: %d accepted; want everyone but the limited recipient", i+1, got)
			}
			now = now.Add(want)
		}
		id := c.ID + ":" + h.contactID(number(2))
		if m, err := h.store.Message(h.ctx, id); err != nil || m.Status != "sent" ||
			h.count(`SELECT attempts FROM messages WHERE id = $1`, id) != 0 || h.count(`SELECT pair_limited FROM messages WHERE id = $1`, id) != 2 {
			t.Fatalf("the limited message: %+v, %v; want sent after two refusals that use no attempt", m, err)
		}
		if st := h.sim.Stats(); st.Accepted != n || st.RejectedByCode["131056"] != 2 {
			t.Errorf("accepted %d, refused %v; want all %d, the limited one after two refusals", st.Accepted, st.RejectedByCode, n)
		}
	})
}

// paced is a campaign run against a simulator that enforces the number's
// rate, with what the dispatcher reported along the way.
type paced struct {
	h       *harness
	c       campaign.Campaign
	took    time.Duration
	batches []int           // the size of each batch decided
	waits   []time.Duration // each request's time from its decision
}

// runPaced sends a campaign to n people at rate msg/s against a simulator
// that refuses more and answers each send after latency, and checks that
// the platform accepted every message and refused none.
func runPaced(t *testing.T, b storetest.Backend, n, rate int, latency time.Duration) paced {
	t.Helper()
	var mu sync.Mutex
	var p paced
	p.h = startOpts(t, b, func(s *sim.Config, a *app.Config) {
		s.MPS, s.PairRateEvery, s.Statuses = rate, 0, []string{}
		s.Latency = sim.Latency{Median: latency}
		a.Dispatch = app.DispatchConfig{Rate: float64(rate),
			OnDecide: func(n int, _ time.Duration) { mu.Lock(); p.batches = append(p.batches, n); mu.Unlock() },
			OnSend:   func(_ time.Time, d time.Duration) { mu.Lock(); p.waits = append(p.waits, d); mu.Unlock() }}
	}, options{noQueue: true})
	p.h.subscribeMany(n, "offers")
	p.c = p.h.offer()
	p.h.start(p.c)
	start := time.Now()
	p.h.dispatchAll(p.c)
	p.took = time.Since(start)
	if st := p.h.sim.Stats(); st.Accepted != int64(n) || st.Rejected != 0 {
		t.Fatalf("the platform accepted %d and refused %d (%v); want all %d accepted", st.Accepted, st.Rejected, st.RejectedByCode, n)
	}
	mu.Lock()
	defer mu.Unlock()
	return p
}

// TestCampaignAtPlatformLatency: when each answer takes 200 ms, as the
// platform's do, a campaign at 80 msg/s still takes about audience/80
// seconds: requests in flight grow with rate × answer time instead of one
// batch waiting for the last (invariant 12). Before, a batch's answers were
// awaited before the next was sent, and this campaign took over a minute.
func TestCampaignAtPlatformLatency(t *testing.T) {
	t.Parallel()
	const n, rate = 320, 80
	latency := 200 * time.Millisecond
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		p := runPaced(t, b, n, rate, latency)
		h, c, took, waits := p.h, p.c, p.took, p.waits
		ideal := time.Duration(n-rate/10) * time.Second / rate
		if took < ideal || took > ideal*3/2+2*latency {
			t.Errorf("%d messages at %d msg/s with %v answers took %v; want between %v and %v", n, rate, latency, took, ideal, ideal*3/2+2*latency)
		}
		v := h.finished(c)
		if v.Counts["sent"] != n {
			t.Errorf("counts %v; want all %d recorded sent", v.Counts, n)
		}
		// A decision never waits for earlier answers: were it to, its request
		// would leave an answer time (200 ms) after it. The ~100 ms bound of
		// the design is measured by bench dispatch, which runs on a quiet
		// machine; a test shares its cores with the rest of the suite.
		slices.Sort(waits)
		if p50, p99 := waits[len(waits)/2], waits[len(waits)*99/100]; p50 > 50*time.Millisecond || p99 >= latency {
			t.Errorf("from decision to request p50 %v, p99 %v; want p50 at most 50 ms and p99 under the answer time %v", p50, p99, latency)
		}
	})
}
