// SPDX-License-Identifier: AGPL-3.0-only

package app

import (
	"context"
	"encoding/json"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/semaphore"

	"github.com/samtykke/samtykke/internal/campaign"
	"github.com/samtykke/samtykke/internal/consent"
	"github.com/samtykke/samtykke/internal/contact"
	"github.com/samtykke/samtykke/internal/message"
	"github.com/samtykke/samtykke/internal/store"
	"github.com/samtykke/samtykke/internal/whatsapp"
)

// DispatchConfig paces campaign sending.
type DispatchConfig struct {
	// Rate is the sending number's throughput in messages a second (the
	// platform's default 80, up to 1,000); Burst the bucket's depth.
	Rate, Burst float64
	// Batch is the most messages decided together; a batch is decided only
	// once its tokens are in hand, so it leaves within about 100 ms.
	Batch int
	// Slice is how long one job dispatches before River runs it again.
	Slice time.Duration
	// MaxInFlight caps the messages whose answers are awaited at once: the
	// rate paces them, and rate × answer time are in flight (default: three
	// seconds of the rate, at least four batches).
	MaxInFlight int
	// MaxAttempts is how many retryable failures a message may have before
	// it fails for good (default 5; neither the number's rate limit nor the
	// recipient's pair limit counts: store.PairLimitTries).
	MaxAttempts int
	// OnDecide, when set, is told how long each batch's gate transaction took
	// (the benchmark's gate latency).
	OnDecide func(messages int, d time.Duration)
	// OnSend, when set, is told for each message when its request left and
	// how long after its decision committed (the target is at most about
	// 100 ms: invariant 12, docs/performance.md).
	OnSend func(sent time.Time, sinceDecision time.Duration)
}

// DefaultBatch is the most messages decided in one transaction on a
// backend. On SQLite a withdrawal waits for the batch holding the single
// writer: 125 sent as much as 250 and halved that wait (bench dispatch,
// N=100k, two interleaved pairs: 11,684 and 12,941 against 10,968 and
// 12,609 msg/s; opt-out p99 54 and 44 against 69 and 66 ms; with status
// webhooks, N=60k: 7,730 and 8,493 against 6,078 and 8,664, p99 44 and 40
// against 77 and 53). On PostgreSQL a withdrawal waits only for the batch
// holding its contact, and 125 was 14% slower with status webhooks.
func DefaultBatch(backend string) int {
	if backend == "sqlite" {
		return 125
	}
	return 250
}

func (d *DispatchConfig) defaults(backend string) {
	if d.Rate <= 0 {
		d.Rate = 80
	}
	if d.Burst <= 0 {
		d.Burst = max(1, d.Rate/10) // 100 ms of sending
	}
	if d.Batch <= 0 {
		d.Batch = min(DefaultBatch(backend), int(max(1, d.Burst)))
	}
	if d.Slice <= 0 {
		// Each slice ends by awaiting its last answers (up to the
		// platform's answer time): at 60 s that costs about 1% of the rate.
		d.Slice = 60 * time.Second
	}
	if d.MaxInFlight <= 0 {
		d.MaxInFlight = max(4*d.Batch, int(3*d.Rate))
	}
	d.MaxInFlight = max(d.MaxInFlight, d.Batch)
	if d.MaxAttempts <= 0 {
		d.MaxAttempts = 5
	}
}

// dispatchConfig is the configured pacing with the store's defaults filled in.
func (a *App) dispatchConfig() DispatchConfig {
	dc := a.cfg.Dispatch
	dc.defaults(a.store.Backend())
	return dc
}

// decided is a batch whose decisions committed at a time.
type decided struct {
	out []outgoing
	at  time.Time
}

// SkipUnreadable is why a message is skipped whose contact's key does not
// open (a damaged row): the campaign goes on without it, and the error log
// names the contact.
const SkipUnreadable = "contact_unreadable"

// outgoing is a message the gate allowed, with what its request needs.
type outgoing struct {
	id        string
	e164      string
	lang      string
	firstName string
}

// DispatchCampaign sends a running campaign for one slice and reports how
// long to wait before the next (0 with a nil error: nothing more to do).
// Every message passes the gate in the transaction that marks it
// dispatching, which holds its contact against withdrawals, and only once
// its rate tokens are taken; the request leaves right after the commit
// (invariant 1, 2; K-06; G-06).
func (a *App) DispatchCampaign(ctx context.Context, id string) (time.Duration, error) {
	d, wait, err := a.startSlice(ctx, id)
	if d == nil || err != nil {
		return wait, err
	}
	// Three stages: the decider takes tokens and commits the next batch's gate
	// decisions while the sender sends the batches before and the recorder
	// commits the outcomes of the batches answered. A decided batch leaves at
	// once, so within milliseconds of its decisions (one batch is 100 ms of
	// the number's throughput at most).
	go d.sendBatches(ctx)
	go d.recordOutcomes(ctx)
	wait, err = d.decideBatches(ctx, time.Now().Add(d.dc.Slice))
	<-d.sent
	<-d.recorded // every decided message is sent and recorded before the job ends
	if d.counted != nil {
		<-d.counted
	}
	return d.end(ctx, wait, err)
}

// slice is one job's run of a campaign's dispatch.
type slice struct {
	a      *App
	dc     DispatchConfig
	c      campaign.Campaign
	p      consent.Purpose
	client *whatsapp.Client
	// cursor is the last contact walked; walked, that the walk of the
	// audience is over and the pass over retries has begun.
	cursor string
	walked bool
	// stopped: the campaign was paused or cancelled, as the decisions'
	// transaction saw it.
	stopped bool
	// spare are tokens taken for messages the gate refused: they pay for
	// the next batch before any more are taken.
	spare int
	// took is when tokens were last taken from the bucket.
	took time.Time

	batches  chan decided        // decider → sender
	outcomes chan []store.Result // sender → recorder
	backoff  atomic.Int64        // the platform said slow down: for how long
	// inFlight bounds requests awaiting their answers by messages, not by
	// batches: a batch leaves as soon as it is decided, whether or not the
	// answers of the batches before it came, so that the number keeps its
	// rate whatever the platform's answer time (invariant 12).
	inFlight       *semaphore.Weighted
	sent, recorded chan struct{}
	// counted closes once the audience's count beside the walk is done
	// (nil: none was needed).
	counted <-chan struct{}
}

// startSlice checks that the campaign may send now and readies a slice:
// what a crashed dispatcher left in dispatching becomes unknown (it may have
// left, and is never sent again: reference §6, the platform has no
// idempotency key), and the walk goes on from where the last decisions
// committed. A nil slice means: nothing to send now, wait as told.
func (a *App) startSlice(ctx context.Context, id string) (*slice, time.Duration, error) {
	dc := a.dispatchConfig()
	c, err := a.store.Campaign(ctx, id)
	if err != nil {
		return nil, 0, err
	}
	switch c.Status {
	case campaign.Running:
	case campaign.Cancelled:
		return nil, 0, a.store.Tx(ctx, func(tx store.Tx) error {
			_, err := tx.SkipQueued(ctx, id, "campaign cancelled", a.now())
			return err
		})
	default:
		return nil, 0, nil // paused, done or draft: resume enqueues again
	}
	if wait := a.notYet(c); wait > 0 {
		return nil, wait, nil
	}
	client, err := a.sendingNumber(c.Sender)
	if err != nil {
		return nil, 0, err
	}
	p, err := a.store.Purpose(ctx, c.Purpose)
	if err != nil {
		return nil, 0, err
	}
	// Messages left sending are looked for on a reader first: the search
	// reads every message of the campaign, and on SQLite's single writer a
	// withdrawal would wait for it at every slice (70 ms at 100,000). A
	// slice that ended cleanly left none.
	left, err := a.store.CountCampaignMessages(ctx, id, message.Sending)
	if err != nil {
		return nil, 0, err
	}
	cursor := ""
	if err := a.store.Tx(ctx, func(tx store.Tx) error {
		if left > 0 {
			if _, err := tx.AbandonDispatching(ctx, id, a.now()); err != nil {
				return err
			}
		}
		if c.Walked {
			return nil
		}
		var err error
		cursor, err = tx.CampaignCursor(ctx, id)
		return err
	}); err != nil {
		return nil, 0, err
	}
	if cursor == "" && !c.Walked {
		// The audience may have just been imported: fresh statistics keep
		// the walk on its index (measured: with the statistics of an empty
		// table PostgreSQL read every remaining contact for each batch).
		if err := a.store.Analyze(ctx); err != nil {
			return nil, 0, err
		}
	}
	s := &slice{a: a, dc: dc, c: c, p: p, client: client, cursor: cursor, walked: c.Walked,
		batches: make(chan decided), outcomes: make(chan []store.Result, 4),
		inFlight: semaphore.NewWeighted(int64(dc.MaxInFlight)), sent: make(chan struct{}), recorded: make(chan struct{})}
	if !c.Walked && c.Audience == 0 {
		s.counted = a.countAudience(ctx, c)
	}
	return s, 0, nil
}

// countAudience counts a campaign's audience for its progress, beside the
// walk, and records it unless the walk ended first with its exact count;
// the returned channel closes when it is done. The count reads every
// contact of the audience, so on a reader (in the writer's transaction it
// held a withdrawal back for as long), and not before the first decisions:
// they waited for it, 50-100 ms at 50,000-100,000 contacts
// (docs/performance.md). A failed count only leaves the progress unknown
// until the walk ends.
func (a *App) countAudience(ctx context.Context, c campaign.Campaign) <-chan struct{} {
	done := make(chan struct{})
	go func() {
		defer close(done)
		n, err := a.store.CountAudience(ctx, c)
		if err == nil {
			err = a.store.Tx(ctx, func(tx store.Tx) error { return tx.SetCampaignAudience(ctx, c.ID, n) })
		}
		if err != nil && ctx.Err() == nil {
			a.log.Warn("counting a campaign's audience failed; its progress is known when the walk ends", "campaign_id", c.ID, "error", err)
		}
	}()
	return done
}

// sendBatches sends each decided batch at once, without waiting for the
// answers of those before, and passes their outcomes to the recorder.
func (s *slice) sendBatches(ctx context.Context) {
	defer close(s.sent)
	var sending sync.WaitGroup
	defer close(s.outcomes)
	defer sending.Wait()
	for d := range s.batches {
		sending.Go(func() {
			rs, b := s.a.send(ctx, s.client, s.c, d, s.dc)
			s.inFlight.Release(int64(len(d.out)))
			s.outcomes <- rs
			if b > 0 {
				s.backoff.Store(int64(b))
			}
		})
	}
}

// recordOutcomes commits the outcomes of the batches answered, together
// with whatever else is waiting. They commit on their own, not inside the
// next decisions: on SQLite's single writer a withdrawal then waits for the
// shorter of two transactions, not for both (opt-out p99 with status
// webhooks, N=50k, three runs each: 48-77 ms against 64-86 ms).
func (s *slice) recordOutcomes(ctx context.Context) {
	defer close(s.recorded)
	// Requests that left are recorded even while the job is stopped.
	ctx = context.WithoutCancel(ctx)
	for rs := range s.outcomes {
		for more := true; more; { // what else is waiting rides along
			select {
			case next, ok := <-s.outcomes:
				rs, more = append(rs, next...), ok
			default:
				more = false
			}
		}
		if err := s.a.store.Tx(ctx, func(tx store.Tx) error {
			if err := tx.RecordResults(ctx, rs, s.a.now(), s.dc.MaxAttempts); err != nil {
				return err
			}
			s.a.noteResults(tx, rs)
			if allSent(rs) {
				// A sent message a crash forgets is left sending, then
				// unknown, and its status webhooks set it forward.
				return tx.LazyCommit(ctx)
			}
			return nil
		}); err != nil {
			s.a.log.Error("recording send results failed; the messages stay sending and become unknown", "campaign_id", s.c.ID, "error", err)
		}
	}
}

// decideBatches decides batch after batch until the deadline, a pause or
// cancel, the platform's backoff or the end of the audience: the walk goes
// over the audience in contact order, then a pass over the messages put
// back to queued (retries) from the start. A wait below 0 means the pass is
// over.
func (s *slice) decideBatches(ctx context.Context, deadline time.Time) (time.Duration, error) {
	defer close(s.batches)
	for time.Now().Before(deadline) {
		if ctx.Err() != nil {
			return time.Millisecond, nil
		}
		if b := s.backoff.Load(); b > 0 {
			return time.Duration(b), nil // the platform said slow down: nothing was sent for those
		}
		if wait := s.a.notYet(s.c); wait > 0 {
			return wait, nil
		}
		more, err := s.decideOne(ctx)
		if s.stopped {
			return 0, err // paused or cancelled between batches
		}
		if err != nil || !more {
			return -1, err
		}
	}
	return time.Millisecond, nil
}

// decideOne takes the room in flight and the tokens for one batch, decides
// it and hands it to the sender. more is false once the pass over retries
// is over.
func (s *slice) decideOne(ctx context.Context) (more bool, err error) {
	// Room in flight for a whole batch is taken before the writer's
	// transaction (a decided batch never waits for it); what the tokens or
	// the gate leave unused is given back at once.
	if err := s.inFlight.Acquire(ctx, int64(s.dc.Batch)); err != nil {
		return true, nil // the job stops
	}
	if s.backoff.Load() > 0 {
		// A 130429 came while the room was awaited: decide nothing more.
		s.inFlight.Release(int64(s.dc.Batch))
		return true, nil
	}
	began := time.Now()
	out, last, n, stopped, err := s.a.decide(ctx, s.c, s.p, s.cursor, s.tokens, !s.walked)
	s.inFlight.Release(int64(s.dc.Batch - len(out)))
	if err != nil {
		return false, err
	}
	if stopped {
		s.stopped = true
		return false, nil
	}
	if n == 0 {
		s.refill(ctx, time.Now()) // the bucket is empty
		return true, nil
	}
	s.spare = n - len(out)
	if last == "" {
		if s.walked {
			return false, nil // finishCampaign looks for retries put back meanwhile
		}
		s.cursor, s.walked = "", true
		// Every decision of the walk has committed: its count, read beside
		// the writer, is the campaign's audience.
		audience, err := s.a.store.CountCampaignMessages(ctx, s.c.ID, "")
		if err != nil {
			return false, err
		}
		return true, s.a.store.Tx(ctx, func(tx store.Tx) error { return tx.FinishWalk(ctx, s.c.ID, audience) })
	}
	s.cursor = last
	if s.dc.OnDecide != nil {
		s.dc.OnDecide(n, time.Since(began))
	}
	if len(out) > 0 {
		s.batches <- decided{out: out, at: time.Now()}
	}
	if n < s.dc.Batch && s.spare == 0 {
		// The batch emptied the bucket. Deciding again at once would take
		// only the few tokens refilled meanwhile, and a transaction costs
		// about as much again as its messages (docs/performance.md). The
		// wait counts from when the tokens were taken: a transaction that
		// ran long finds them refilled, and waiting more would let the full
		// bucket lose them.
		s.refill(ctx, s.took)
	}
	return true, nil
}

// refill waits until about half a batch's tokens have come back to the
// bucket since it was emptied at from.
func (s *slice) refill(ctx context.Context, from time.Time) {
	wait := time.Duration(float64(time.Second)*min(float64(s.dc.Batch), s.dc.Burst)/s.dc.Rate/2) - time.Since(from)
	if wait <= 0 {
		return
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

// tokens takes, in the decisions' transaction, the rate tokens that pay for
// the next batch: those the gate's refusals left over first, else up to a
// batch from the number's bucket. In the same transaction, the decider
// waits for the writer once a batch, not twice (on SQLite a batch's tokens
// took a quarter of the decider's time, mostly waiting for the writer
// behind the answers' records: docs/performance.md). Tokens a database crash
// forgets no longer let a batch too many out: they commit with the
// decisions.
func (s *slice) tokens(ctx context.Context, tx store.Tx) (int, error) {
	if s.spare > 0 {
		return s.spare, nil
	}
	s.took = time.Now()
	return tx.TakeTokens(ctx, s.client.PhoneNumberID(), s.dc.Batch, s.dc.Rate, s.dc.Burst, s.took)
}

// end reports how long to wait before the next slice, and marks the
// campaign done once the pass over retries found nothing left.
func (s *slice) end(ctx context.Context, wait time.Duration, err error) (time.Duration, error) {
	if err != nil {
		return 0, err
	}
	if b := s.backoff.Load(); b > 0 {
		return time.Duration(b), nil
	}
	if wait < 0 {
		done, due, err := s.a.finishCampaign(ctx, s.c.ID)
		if err != nil || done {
			return 0, err
		}
		// Retries were put back: another pass once the first is due (a
		// recipient's pair rate limit may hold one back for minutes).
		return max(time.Second, due.Sub(s.a.now())), nil
	}
	return wait, nil
}

// notYet is how long until the schedule and the send window allow sending.
func (a *App) notYet(c campaign.Campaign) time.Duration {
	now := a.now()
	if w, until := c.Waiting(now); w != campaign.NotWaiting {
		return max(time.Second, until.Sub(now))
	}
	return 0
}

// decide takes the rate tokens for a batch (n of them: none, and nothing
// else happens), then up to n contacts after the cursor — of the audience
// while walking, else of the messages put back to queued — holds them
// against withdrawals, asks the gate about each and commits the decisions
// (and, when walking, how far the walk got) with the tokens taken. last is
// the last contact id taken; empty when there was none. stopped: the
// campaign is no longer running (paused or cancelled), and nothing was
// decided.
func (a *App) decide(ctx context.Context, c campaign.Campaign, p consent.Purpose, after string,
	tokens func(context.Context, store.Tx) (int, error), walk bool) (out []outgoing, last string, n int, stopped bool, err error) {
	err = a.store.Tx(ctx, func(tx store.Tx) error {
		out, last, n = out[:0], "", 0
		// The status is read in the decisions' own transaction, so a pause
		// that committed before them is seen; on SQLite that is the writer,
		// whose pages are warm, where a reader's first read after each write
		// loaded its pages again (about 5 µs a message, docs/performance.md).
		cur, err := tx.Campaign(ctx, c.ID)
		if err != nil {
			return err
		}
		if stopped = cur.Status != campaign.Running; stopped {
			return nil
		}
		if n, err = tokens(ctx, tx); err != nil || n == 0 {
			return err
		}
		var rows []store.DispatchRow
		if walk {
			rows, err = tx.ClaimAudience(ctx, c, after, n)
		} else {
			rows, err = tx.ClaimQueued(ctx, c.ID, c.Purpose, after, n, a.now())
		}
		if err != nil || len(rows) == 0 {
			return err
		}
		last = rows[len(rows)-1].Contact.ID
		type candidate struct {
			row        store.DispatchRow
			o          opened
			token      []byte
			unreadable bool
		}
		ops := make([]candidate, 0, len(rows))
		tokens := make([][]byte, 0, len(rows))
		for _, r := range rows {
			op := candidate{row: r}
			if !r.Contact.Erased() && r.Contact.KeyWrapped != nil {
				o, err := a.open(r.Contact)
				if err != nil {
					// A damaged key row must not stop the campaign for everyone
					// (its batch would fail on every retry): without the number
					// nothing can reach this person anyway.
					a.log.Error("contact's key does not open; its message is skipped", "contact_id", r.Contact.ID,
						"campaign_id", c.ID, "error", err)
					op.unreadable = true
				} else {
					op.o, op.token = o, a.vault.SuppressionToken(o.number.E164())
					tokens = append(tokens, op.token)
				}
			}
			ops = append(ops, op)
		}
		suppressed, err := tx.SuppressedTokens(ctx, tokens)
		if err != nil {
			return err
		}
		now := a.now()
		decisions := make([]store.Decision, 0, len(ops))
		for _, op := range ops {
			r := op.row
			if op.unreadable {
				decisions = append(decisions, store.Decision{MessageID: r.MessageID, ContactID: r.Contact.ID, Status: message.Skipped, Reason: SkipUnreadable})
				continue
			}
			d := consent.Decide(p, subject(r.Contact, suppressed[string(op.token)]), r.State, now)
			if !d.Allowed {
				decisions = append(decisions, store.Decision{MessageID: r.MessageID, ContactID: r.Contact.ID, Status: message.Skipped, Reason: string(d.Reason)})
				continue
			}
			decisions = append(decisions, store.Decision{MessageID: r.MessageID, ContactID: r.Contact.ID, Status: message.Sending, ConsentEventID: d.EventID})
			og := outgoing{id: r.MessageID, e164: op.o.number.E164(), lang: r.Contact.Language}
			if len(c.Template.Params) > 0 && r.Contact.FieldsCT != nil {
				var f fields
				if b, err := op.o.key.Open(r.Contact.FieldsCT, contact.AAD(r.Contact.ID, "fields")); err == nil && json.Unmarshal(b, &f) == nil {
					og.firstName = f.FirstName
				}
			}
			out = append(out, og)
		}
		recorded, err := tx.DecideMessages(ctx, c, decisions, now)
		if err != nil {
			return err
		}
		a.noteDecisions(tx, decisions)
		if len(recorded) < len(decisions) {
			// Some were decided before (a crash between a decision and the
			// cursor cannot happen: both commit together; but be sure): only
			// what this transaction recorded is sent.
			mine := make(map[string]bool, len(recorded))
			for _, id := range recorded {
				mine[id] = true
			}
			out = slices.DeleteFunc(out, func(og outgoing) bool { return !mine[og.id] })
		}
		if walk {
			return tx.SetCampaignCursor(ctx, c.ID, last)
		}
		return nil
	})
	return out, last, n, stopped, err
}

// send sends the decided messages as one batch and returns their outcomes,
// and a backoff when the platform rate-limited some of them (those go back
// to queued and pass the gate again later).
func (a *App) send(ctx context.Context, client *whatsapp.Client, c campaign.Campaign, batch decided, dc DispatchConfig) ([]store.Result, time.Duration) {
	reqs := make([]*whatsapp.MessageRequest, len(batch.out))
	for i, og := range batch.out {
		tpl := campaignTemplate(c, og)
		reqs[i] = &whatsapp.MessageRequest{To: og.e164, Type: whatsapp.TypeTemplate, Template: &tpl, BizOpaqueCallbackData: og.id}
	}
	// A request that left is answered even while the job stops.
	answers := client.SendBatch(context.WithoutCancel(ctx), reqs)
	a.note(nil, func(o Observer) { o.Dispatched(client.PhoneNumberID(), len(reqs)) })
	results := make([]store.Result, len(answers))
	var backoff time.Duration
	for i, ans := range answers {
		if dc.OnSend != nil && !ans.Sent.IsZero() {
			dc.OnSend(ans.Sent, ans.Sent.Sub(batch.at))
		}
		r, wait := sendOutcome(batch.out[i].id, ans.Result, ans.Err)
		switch {
		case r.PairLimited:
			wait = 0 // its recipient's limit: other recipients are not held up
		case r.Status == message.Queued && wait == 0:
			wait = time.Second // it never left (network): pause rather than spin
		}
		backoff = max(backoff, wait)
		results[i] = r
	}
	return results, backoff
}

// campaignTemplate fills the template for one person: their language if the
// template has it, else bokmål, else whichever it has, named by the code the
// platform approved it in.
func campaignTemplate(c campaign.Campaign, og outgoing) whatsapp.Template {
	lang, v := c.Template.VariantFor(og.lang)
	t := whatsapp.Template{Name: c.Template.Name, Language: whatsapp.Language{Code: v.CodeFor(lang)}}
	if len(c.Template.Params) > 0 {
		var ps []whatsapp.Parameter
		for _, name := range c.Template.Params {
			v := ""
			if name == "first_name" {
				v = og.firstName
			}
			if v == "" {
				v = "-"
			}
			ps = append(ps, whatsapp.Parameter{Type: "text", ParameterName: name, Text: v})
		}
		t.Components = []whatsapp.Component{{Type: "body", Parameters: ps}}
	}
	return t
}

// finishCampaign marks a campaign done once nothing is queued or in flight
// (done false: messages wait for another try, the first of them due then).
func (a *App) finishCampaign(ctx context.Context, id string) (done bool, due time.Time, err error) {
	err = a.store.Tx(ctx, func(tx store.Tx) error {
		c, err := tx.LockCampaign(ctx, id)
		if err != nil || c.Status != campaign.Running {
			done = err == nil // paused or cancelled meanwhile: resume starts again
			return err
		}
		var queued bool
		if due, queued, err = tx.NextQueued(ctx, id); err != nil || queued {
			return err
		}
		cursor, err := tx.CampaignCursor(ctx, id)
		if err != nil {
			return err
		}
		c.Status, c.FinishedAt, done = campaign.Done, a.now(), true
		return tx.UpdateCampaign(ctx, c, cursor)
	})
	return done, due, err
}

// allSent reports whether every outcome is an accepted send.
func allSent(rs []store.Result) bool {
	for _, r := range rs {
		if r.Status != message.Sent {
			return false
		}
	}
	return true
}
