// SPDX-License-Identifier: AGPL-3.0-only

package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/samtykke/samtykke/internal/access"
	"github.com/samtykke/samtykke/internal/consent"
	"github.com/samtykke/samtykke/internal/contact"
	"github.com/samtykke/samtykke/internal/ledger"
	"github.com/samtykke/samtykke/internal/phone"
	"github.com/samtykke/samtykke/internal/retention"
	"github.com/samtykke/samtykke/internal/staff"
	"github.com/samtykke/samtykke/internal/store"
)

// webhookRedelivery is the shortest time a handled webhook's dedupe records
// (the body's digest, the seen keys) are kept: the platform retries for up
// to 7 days, and the webhook period is never shorter (retention.MinWebhookDays).
const webhookRedelivery = retention.MinWebhookDays * 24 * time.Hour

// rateLimitWindow is the longest window of a rate-limit counter: one whose
// window started longer ago than this counts nothing any more.
const rateLimitWindow = 24 * time.Hour

// RetentionReport is what one retention run deleted: an entry per class and
// rule that deleted anything, as the retention log records them.
type RetentionReport struct {
	At      time.Time         `json:"at"`
	Entries []retention.Entry `json:"entries"`
}

// RunRetention applies every retention rule once (RT-01..RT-08, C-10, C-11,
// it expires consents past their refresh date, ends unconfirmed
// opt-in requests and number changes, purges message records, handled
// webhooks, access-log entries, closed rights requests, replies, staff's answers to them and spent rate-limit
// counters past their periods, removes the
// declared fields and tags no purpose needs any more, and erases the
// contacts with nothing left to keep. Each deletion leaves an entry in the
// retention log. A step that fails does not stop the others; the errors are
// returned together. The queue runs it daily; `samtykke retention run` on
// demand.
func (a *App) RunRetention(ctx context.Context) (RetentionReport, error) {
	rep := RetentionReport{At: a.now(), Entries: []retention.Entry{}}
	var errs []error
	for _, step := range []func(context.Context) ([]retention.Entry, error){
		a.expireRefreshes, a.expireOptIns, a.purgeMessages, a.purgeWebhooks, a.purgeAccessLog, a.purgeRateLimits,
		a.purgeRightsRequests, a.purgeReplies, a.purgeAnswers, a.applyContactRules,
	} {
		es, err := step(ctx)
		rep.Entries = append(rep.Entries, es...)
		errs = append(errs, err)
	}
	// A send in flight when its contact was erased may have recorded its
	// wamid since: the platform answers within minutes, and redelivers
	// statuses for up to 7 days.
	var unlinked int64
	errs = append(errs, a.store.Tx(ctx, func(tx store.Tx) (err error) {
		unlinked, err = tx.UnlinkErased(ctx, a.now().Add(-webhookRedelivery))
		return err
	}))
	if unlinked > 0 || slices.ContainsFunc(rep.Entries, func(e retention.Entry) bool {
		return e.Class == retention.ClassContacts || e.Class == retention.ClassProfile
	}) {
		a.scrub(ctx)
	}
	return rep, errors.Join(errs...)
}

// logged records an entry of what a step deleted, when it deleted anything,
// in a transaction of its own, and returns it.
func (a *App) logged(ctx context.Context, class retention.Class, rule retention.Rule, days int, n int64) ([]retention.Entry, error) {
	if n == 0 {
		return nil, nil
	}
	e := retention.Entry{ID: newID(), At: a.now(), Class: class, Rule: rule, Days: days, Count: n}
	err := a.store.Tx(ctx, func(tx store.Tx) error { return tx.RecordRetention(ctx, e) })
	return []retention.Entry{e}, err
}

// loggedAll records what a step deleted, whether or not the step failed
// midway: what is gone leaves its record.
func (a *App) loggedAll(ctx context.Context, class retention.Class, rule retention.Rule, days int, n int64, err error) ([]retention.Entry, error) {
	es, lerr := a.logged(ctx, class, rule, days, n)
	return es, errors.Join(err, lerr)
}

// before is the exclusive bound of the store's purges: data of a time
// before it has been kept days (retention.Due).
func (a *App) before(days int) time.Time {
	return retention.Cutoff(a.now(), days).Add(time.Microsecond)
}

// expireRefreshes ends the consents whose refresh date has come (C-10) with
// an expired event, so that the ledger, the stored state and the gate
// agree, and the proof period runs from then.
func (a *App) expireRefreshes(ctx context.Context) ([]retention.Entry, error) {
	var n int64
	for {
		due, err := a.store.DueRefreshes(ctx, a.now().Add(time.Microsecond), 500)
		if err != nil {
			return a.loggedAll(ctx, retention.ClassConsents, retention.RuleRefresh, 0, n, err)
		}
		for _, s := range due {
			err := a.store.Tx(ctx, func(tx store.Tx) error {
				c, err := tx.LockContact(ctx, s.ContactID)
				if err != nil {
					return err
				}
				cur, err := tx.ConsentState(ctx, s.ContactID, s.Purpose)
				if err != nil {
					return err
				}
				if cur.Status != consent.StatusActive || cur.ValidUntil.IsZero() || a.now().Before(cur.ValidUntil) {
					return nil // refreshed, withdrawn or erased meanwhile
				}
				p, err := tx.Purpose(ctx, s.Purpose)
				if err != nil {
					return err
				}
				_, _, err = a.appendTo(ctx, tx, c, ledger.Event{Kind: ledger.Expired, Purpose: s.Purpose, Channel: string(p.Channel),
					Method: "expiry", Source: "system", Actor: System.String()},
					ledger.Evidence{Reason: "not refreshed by " + cur.ValidUntil.Format(time.RFC3339) + " (C-10)"}, []consent.State{cur})
				if err == nil {
					n++
				}
				return err
			})
			if err != nil {
				return a.loggedAll(ctx, retention.ClassConsents, retention.RuleRefresh, 0, n, fmt.Errorf("expire consent of %s: %w", s.ContactID, err))
			}
		}
		if len(due) < 500 {
			return a.logged(ctx, retention.ClassConsents, retention.RuleRefresh, 0, n)
		}
	}
}

// ExpireOptIns ends the unconfirmed opt-in requests past their time (RT-07)
// and logs what it deleted; it returns how many requests it ended.
func (a *App) ExpireOptIns(ctx context.Context) (int, error) {
	es, err := a.expireOptIns(ctx)
	for _, e := range es {
		if e.Class == retention.ClassOptIns {
			return int(e.Count), err
		}
	}
	return 0, err
}

// expireOptIns ends unconfirmed requests past their time (RT-07): an
// expired event for each purpose still pending, the request deleted, and a
// contact that never confirmed anything erased; and the new numbers waiting
// for a code nobody gave in time, each a sealed number.
func (a *App) expireOptIns(ctx context.Context) ([]retention.Entry, error) {
	changes, err := a.expireNumberChanges(ctx, a.now())
	logged, err := a.loggedAll(ctx, retention.ClassNumberChanges, retention.RuleNumberChange, 0, changes, err)
	if err != nil {
		return logged, err
	}
	var requests, contacts int64
	log := func(err error) ([]retention.Entry, error) {
		days := int(a.cfg.OptInTTL / (24 * time.Hour))
		es, err := a.loggedAll(ctx, retention.ClassOptIns, retention.RuleOptInExpired, days, requests, err)
		more, err := a.loggedAll(ctx, retention.ClassContacts, retention.RuleOptInExpired, days, contacts, err)
		return append(append(logged, es...), more...), err
	}
	for {
		now := a.now()
		expired, err := a.store.ExpiredConfirmations(ctx, now, 500)
		if err != nil {
			return log(err)
		}
		for _, c := range expired {
			erased := false
			err := a.store.Tx(ctx, func(tx store.Tx) error {
				for _, key := range c.Purposes {
					s, err := tx.ConsentState(ctx, c.ContactID, key)
					if err != nil {
						return err
					}
					if s.Status != consent.StatusPending {
						continue
					}
					if _, _, err := a.appendEvent(ctx, tx, c.ContactID, ledger.Event{Kind: ledger.Expired, Purpose: key,
						Channel: string(consent.WhatsApp), Method: "expiry", Source: "system", Actor: System.String()},
						ledger.Evidence{Reason: "not confirmed in time (RT-07)"}); err != nil {
						return err
					}
				}
				if err := tx.DeleteConfirmation(ctx, c.ID); err != nil {
					return err
				}
				var err error
				erased, err = a.eraseIfNeverConsented(ctx, tx, c.ContactID)
				return err
			})
			if err != nil {
				return log(fmt.Errorf("expire opt-in %s: %w", c.ID, err))
			}
			requests++
			if erased {
				contacts++
			}
		}
		if len(expired) < 500 {
			return log(nil)
		}
	}
}

// eraseIfNeverConsented erases a contact that exists only because someone
// typed its number into a form that was never confirmed (RT-07); it reports
// whether it did.
func (a *App) eraseIfNeverConsented(ctx context.Context, tx store.Tx, contactID string) (bool, error) {
	if n, err := tx.PendingConfirmations(ctx, contactID); err != nil || n > 0 {
		return false, err
	}
	c, err := tx.LockContact(ctx, contactID)
	if err != nil || c.Erased() {
		return false, err
	}
	events, err := tx.Events(ctx, contactID)
	if err != nil {
		return false, err
	}
	for _, e := range events {
		if e.Kind != ledger.Requested && e.Kind != ledger.Expired {
			return false, nil // a real history: keep it
		}
	}
	_, err = a.eraseLocked(ctx, tx, c, erasure{actor: System, method: "expiry", source: "system",
		reason: "unconfirmed opt-in expired (RT-07)"})
	return err == nil, err
}

// PurgeMessages deletes message records past their period (RT-08) and
// handled webhooks past theirs, logging what it deleted; it returns how
// many message records it deleted.
func (a *App) PurgeMessages(ctx context.Context) (int64, error) {
	es, err := a.purgeMessages(ctx)
	more, werr := a.purgeWebhooks(ctx)
	var n int64
	for _, e := range append(es, more...) {
		if e.Class == retention.ClassMessages {
			n = e.Count
		}
	}
	return n, errors.Join(err, werr)
}

// purgeMessages deletes message records past their period (RT-08).
func (a *App) purgeMessages(ctx context.Context) ([]retention.Entry, error) {
	days := a.cfg.Retention.Messages
	var n int64
	for {
		// Found outside the transaction that deletes them: the search reads
		// the table, and on SQLite a withdrawal must not wait for it.
		ids, err := a.store.ExpiredMessages(ctx, a.before(days), 10000)
		if err != nil {
			return a.loggedAll(ctx, retention.ClassMessages, retention.RuleMessages, days, n, err)
		}
		if err := a.store.Tx(ctx, func(tx store.Tx) error {
			deleted, err := tx.DeleteMessages(ctx, ids)
			n += deleted
			return err
		}); err != nil {
			return a.loggedAll(ctx, retention.ClassMessages, retention.RuleMessages, days, n, err)
		}
		if len(ids) < 10000 {
			return a.logged(ctx, retention.ClassMessages, retention.RuleMessages, days, n)
		}
	}
}

// purgeWebhooks deletes handled webhook bodies and seen keys past their
// period: by then the platform no longer redelivers them.
func (a *App) purgeWebhooks(ctx context.Context) ([]retention.Entry, error) {
	days := a.cfg.Retention.Webhooks
	n, err := a.inBatches(ctx, func(tx store.Tx, limit int) (int64, error) {
		return tx.PurgeWebhooks(ctx, a.before(days), limit)
	})
	return a.loggedAll(ctx, retention.ClassWebhooks, retention.RuleWebhooks, days, n, err)
}

// purgeAccessLog prunes the access log's oldest entries past their period:
// a prefix of its chain, behind an anchor the rest starts from, so that the
// rest still verifies (invariant 6). An entry waits for the older ones
// before it in the chain (their times differ by a transaction at most).
// The staff login log's entries past the same period go with them (who
// logged in from where is kept as long as what they read).
func (a *App) purgeAccessLog(ctx context.Context) ([]retention.Entry, error) {
	days := a.cfg.Retention.AccessLog
	n, err := a.inBatches(ctx, func(tx store.Tx, limit int) (int64, error) {
		return tx.PruneAccessLog(ctx, a.before(days), a.now(), limit)
	})
	if err == nil {
		var logins int64
		logins, err = a.inBatches(ctx, func(tx store.Tx, limit int) (int64, error) {
			return tx.PurgeLoginLog(ctx, a.before(days), limit)
		})
		n += logins
	}
	return a.loggedAll(ctx, retention.ClassAccessLog, retention.RuleAccessLog, days, n, err)
}

// purgeRightsRequests deletes the files of rights requests closed longer
// ago than their period: the request and its steps.
func (a *App) purgeRightsRequests(ctx context.Context) ([]retention.Entry, error) {
	days := a.cfg.Retention.RightsRequests
	n, err := a.inBatches(ctx, func(tx store.Tx, limit int) (int64, error) {
		return tx.PurgeRightsRequests(ctx, a.before(days), limit)
	})
	return a.loggedAll(ctx, retention.ClassRightsRequests, retention.RuleRightsRequests, days, n, err)
}

// purgeRateLimits deletes rate-limit counters whose window has passed: they
// count nothing any more, and one may hold an IP address.
func (a *App) purgeRateLimits(ctx context.Context) ([]retention.Entry, error) {
	n, err := a.inBatches(ctx, func(tx store.Tx, limit int) (int64, error) {
		return tx.PurgeRateLimits(ctx, a.now().Add(-rateLimitWindow), limit)
	})
	return a.loggedAll(ctx, retention.ClassRateLimits, retention.RuleRateLimits, 0, n, err)
}

// applyContactRules walks the contacts a rule may take something from and
// applies retention.Periods.Decide to each: it erases those with nothing
// left to keep, and removes the declared fields and tags no purpose needs
// any more. Each contact is decided again in the transaction that acts,
// held against concurrent changes: a consent given meanwhile keeps it.
func (a *App) applyContactRules(ctx context.Context) ([]retention.Entry, error) {
	ps, err := a.store.Purposes(ctx)
	if err != nil {
		return nil, err
	}
	purposes := make(map[string]consent.Purpose, len(ps))
	for _, p := range ps {
		purposes[p.Key] = p
	}
	erased := map[retention.Rule]int64{}
	var pruned int64
	log := func(err error) ([]retention.Entry, error) {
		var out []retention.Entry
		p := a.cfg.Retention
		for _, r := range []struct {
			rule retention.Rule
			days int
		}{{retention.RuleNoPurpose, p.NoPurpose}, {retention.RuleProofPassed, p.Proof}, {retention.RuleImmediately, 0}} {
			es, lerr := a.logged(ctx, retention.ClassContacts, r.rule, r.days, erased[r.rule])
			out, err = append(out, es...), errors.Join(err, lerr)
		}
		es, lerr := a.logged(ctx, retention.ClassProfile, retention.RulePurposeEnded, 0, pruned)
		return append(out, es...), errors.Join(err, lerr)
	}
	for after := ""; ; {
		page, err := a.store.RetentionFacts(ctx, after, 1000)
		if err != nil {
			return log(err)
		}
		for _, f := range page {
			after = f.ContactID
			if v := a.cfg.Retention.Decide(f, purposes, a.now()); !v.Erase && len(v.DropFields) == 0 && !v.DropTags {
				continue
			}
			var v retention.Verdict
			err := a.store.Tx(ctx, func(tx store.Tx) error {
				c, err := tx.LockContact(ctx, f.ContactID)
				if err != nil || c.Erased() {
					return err
				}
				now, err := tx.ContactFacts(ctx, c.ID)
				if err != nil {
					return err
				}
				if v = a.cfg.Retention.Decide(now, purposes, a.now()); v.Erase {
					_, err := a.eraseLocked(ctx, tx, c, erasure{actor: System, method: "retention", source: "system", reason: string(v.Rule)})
					return err
				}
				return a.prune(ctx, tx, c, now, v)
			})
			if err != nil {
				return log(fmt.Errorf("retention of contact %s: %w", f.ContactID, err))
			}
			switch {
			case v.Erase:
				erased[v.Rule]++
			case len(v.DropFields) > 0 || v.DropTags:
				pruned++
			}
		}
		if len(page) < 1000 {
			return log(nil)
		}
	}
}

// prune removes from contact c, held by tx, the declared fields and tags the
// verdict says no purpose needs any more (C-11).
func (a *App) prune(ctx context.Context, tx store.Tx, c contact.Contact, f retention.Facts, v retention.Verdict) error {
	if len(v.DropFields) == 0 && !v.DropTags {
		return nil
	}
	fieldsCT := c.FieldsCT
	if f.HasFields && len(v.DropFields) > 0 {
		o, err := a.open(c)
		if err != nil {
			return err
		}
		pt, err := o.key.Open(c.FieldsCT, contact.AAD(c.ID, "fields"))
		if err != nil {
			return fmt.Errorf("contact %s: its fields do not open: %w", c.ID, err)
		}
		var held map[string]json.RawMessage
		if err := json.Unmarshal(pt, &held); err != nil {
			return fmt.Errorf("contact %s: its fields: %w", c.ID, err)
		}
		for _, name := range v.DropFields {
			delete(held, name)
		}
		fieldsCT = nil
		if len(held) > 0 {
			b, err := json.Marshal(held)
			if err != nil {
				return err
			}
			fieldsCT = o.key.Seal(b, contact.AAD(c.ID, "fields"))
		}
	}
	return tx.PruneContact(ctx, c.ID, fieldsCT, v.DropTags)
}

// RetentionLog lists the newest entries of the retention log, of one class
// when class is not empty (at most 1,000; default 100).
func (a *App) RetentionLog(ctx context.Context, actor Actor, class string, limit int) ([]retention.Entry, error) {
	if err := actor.can(staff.ManageRetention); err != nil {
		return nil, err
	}
	if class != "" && !retention.Class(class).Valid() {
		return nil, invalid("class must be one of %v", retention.Classes)
	}
	switch {
	case limit == 0:
		limit = 100
	case limit < 1 || limit > 1000:
		return nil, invalid("limit must be between 1 and 1000")
	}
	es, err := a.store.RetentionLog(ctx, retention.Class(class), limit)
	if es == nil {
		es = []retention.Entry{}
	}
	return es, err
}

// ProcessorTasks lists the tasks for processors, oldest first: state
// open (the default), done or all.
func (a *App) ProcessorTasks(ctx context.Context, actor Actor, state string) ([]retention.ProcessorTask, error) {
	if err := actor.can(staff.ManageRetention); err != nil {
		return nil, err
	}
	if state == "" {
		state = string(store.TasksOpen)
	}
	switch st := store.TaskState(state); st {
	case store.TasksOpen, store.TasksDone, store.TasksAll:
		ts, err := a.store.ProcessorTasks(ctx, st, 10000)
		if ts == nil {
			ts = []retention.ProcessorTask{}
		}
		return ts, err
	}
	return nil, invalid("state must be open, done or all")
}

// FinishProcessorTask marks a task done, by the actor, with an optional note
// of what was done (never a number); a task done already is store.ErrConflict.
func (a *App) FinishProcessorTask(ctx context.Context, actor Actor, id, note string) (retention.ProcessorTask, error) {
	if err := actor.can(staff.ManageRetention); err != nil {
		return retention.ProcessorTask{}, err
	}
	if note != "" {
		if err := access.CheckReason(note, phone.Mentions); err != nil {
			return retention.ProcessorTask{}, invalid("note: %v", err)
		}
	}
	var t retention.ProcessorTask
	err := a.store.Tx(ctx, func(tx store.Tx) error {
		var err error
		t, err = tx.FinishProcessorTask(ctx, id, actor.String(), note, a.now())
		return err
	})
	return t, err
}
