// SPDX-License-Identifier: AGPL-3.0-only

package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/samtykke/samtykke/internal/access"
	"github.com/samtykke/samtykke/internal/audit"
	"github.com/samtykke/samtykke/internal/consent"
	"github.com/samtykke/samtykke/internal/contact"
	"github.com/samtykke/samtykke/internal/dpia"
	"github.com/samtykke/samtykke/internal/ledger"
	"github.com/samtykke/samtykke/internal/notice"
	"github.com/samtykke/samtykke/internal/retention"
	"github.com/samtykke/samtykke/internal/rights"
	"github.com/samtykke/samtykke/internal/staff"
	"github.com/samtykke/samtykke/internal/store"
	"github.com/samtykke/samtykke/internal/vault"
)

// RunAudit runs every check of the compliance audit (package audit), stores
// the dated report and returns it (S-04, P-07). Findings are the report's
// business: an error means the audit could not run, and nothing is stored.
func (a *App) RunAudit(ctx context.Context, actor Actor) (audit.Report, error) {
	if err := actor.can(staff.RunAudits); err != nil {
		return audit.Report{}, err
	}
	began := time.Now() // the audit's own duration, whatever the injected clock says
	now := a.now()
	rep := audit.Report{ID: newID(), At: now, Actor: actor.String(), Controller: a.controller().Name, Requirements: audit.Requirements}
	checks := []struct {
		id  string
		run func(ctx context.Context, now time.Time) (audit.Finding, error)
	}{
		{audit.CheckEvidence, a.auditEvidence},
		{audit.CheckDispatch, a.auditDispatches},
		{audit.CheckOptOut, a.auditOptOuts},
		{audit.CheckOptIns, a.auditOptIns},
		{audit.CheckRetention, a.auditRetention},
		{audit.CheckRights, a.auditRights},
		{audit.CheckLedger, a.auditLedger},
		{audit.CheckNotices, a.auditNotices},
		{audit.CheckKeys, a.auditKeys},
		{audit.CheckDPIA, a.auditDPIA},
	}
	for _, c := range checks {
		t := time.Now()
		f, err := c.run(ctx, now)
		if err != nil {
			return audit.Report{}, fmt.Errorf("audit: check %s: %w", c.id, err)
		}
		f.DurationMS = time.Since(t).Milliseconds()
		rep.Findings = append(rep.Findings, f)
	}
	rep.Summary = audit.Summarize(rep.Findings)
	rep.DurationMS = time.Since(began).Milliseconds()
	if err := a.store.Tx(ctx, func(tx store.Tx) error { return tx.AddAudit(ctx, rep) }); err != nil {
		return audit.Report{}, err
	}
	return rep, nil
}

// Audit reads a stored audit report.
func (a *App) Audit(ctx context.Context, actor Actor, id string) (audit.Report, error) {
	if err := actor.can(staff.ReadAudits); err != nil {
		return audit.Report{}, err
	}
	return a.store.Audit(ctx, id)
}

// Audits lists the stored audit reports, newest first, at most limit (1 to
// 1,000; 0: 100).
func (a *App) Audits(ctx context.Context, actor Actor, limit int) ([]store.AuditSummary, error) {
	if err := actor.can(staff.ReadAudits); err != nil {
		return nil, err
	}
	switch {
	case limit == 0:
		limit = 100
	case limit < 1 || limit > 1000:
		return nil, invalid("limit must be between 1 and 1000")
	}
	return a.store.Audits(ctx, limit)
}

// counted writes n of a thing, with its plural: "1 contact", "2 contacts".
func counted(n int64, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// breakdown is nil for no entries, so that a clean finding shows none.
func breakdown(m map[string]int64) map[string]int64 {
	if len(m) == 0 {
		return nil
	}
	return m
}

// auditEvidence opens the evidence of every active consent's event and
// judges it (audit.EvidenceProblem), one contact after another in one
// streamed read: each contact's key is unwrapped once. Found are the
// contacts with a consent whose evidence is incomplete.
func (a *App) auditEvidence(ctx context.Context, _ time.Time) (audit.Finding, error) {
	f := audit.NewFinding(audit.CheckEvidence)
	ns, err := a.store.Notices(ctx)
	if err != nil {
		return f, err
	}
	notices := make(map[string]notice.Notice, len(ns))
	for _, n := range ns {
		notices[n.ID] = n
	}
	var found audit.Sample
	problems := map[string]int64{}
	var consents, asserted int64
	var current, flagged string // the contact being read; the last one found
	var key *vault.DataKey
	err = a.store.ScanActiveConsents(ctx, func(ac store.ActiveConsent) error {
		consents++
		if ac.ContactID != current {
			current, key = ac.ContactID, nil
			f.Checked++
			if ac.KeyWrapped != nil {
				key, _ = a.vault.Unwrap(ac.KeyWrapped) // a key that does not open leaves the evidence unreadable
			}
		}
		problem, ev := a.evidenceOf(ac, key, notices)
		if problem == "" && ev.Confirmation == ledger.ConfirmationAsserted {
			asserted++
		}
		if problem == "" {
			return nil
		}
		problems[problem]++
		if ac.ContactID != flagged {
			flagged = ac.ContactID
			found.Add(ac.ContactID)
		}
		return nil
	})
	if err != nil {
		return f, err
	}
	f.Found(found)
	f.Breakdown, f.Status = breakdown(problems), audit.Must(found.Total)
	f.Detail = fmt.Sprintf("Opened and checked the evidence of %s of %s.", counted(consents, "active consent", "active consents"),
		counted(f.Checked, "contact", "contacts"))
	if found.Total > 0 {
		var n int64
		for _, v := range problems {
			n += v
		}
		f.Detail += fmt.Sprintf(" %s of %s lack part of their evidence (by problem below): such a consent cannot be shown to Datatilsynet "+
			"and must not be relied on until the person consents again.", counted(n, "consent", "consents"), counted(found.Total, "contact", "contacts"))
	} else {
		f.Detail += " Each names its affirmative act or soft opt-in proof, the text shown, its confirmation where the purpose needs one, and a published notice whose hash matches."
	}
	if asserted > 0 {
		f.Detail += fmt.Sprintf(" %s rest on a confirmation an integrator reported and samtykke did not see itself (asserted_by_integrator).",
			counted(asserted, "consent", "consents"))
	}
	return f, nil
}

// evidenceOf opens an active consent's evidence with its contact's key (nil:
// gone, or it did not open) and judges it; it returns the problem, if any,
// and the evidence opened.
func (a *App) evidenceOf(ac store.ActiveConsent, key *vault.DataKey, notices map[string]notice.Notice) (string, ledger.Evidence) {
	var ev ledger.Evidence
	e := ac.Event
	switch {
	case e == nil:
		return audit.EvidenceNoEvent, ev
	case e.ContactID != ac.ContactID || e.Purpose != ac.Purpose || !audit.IsConsent(e.Kind):
		return audit.EvidenceNotAConsent, ev
	case ac.Basis == "":
		return audit.EvidenceNoPurpose, ev
	case ac.KeyWrapped == nil || e.SealedEvidence == nil:
		return audit.EvidenceGone, ev
	case key == nil:
		return audit.EvidenceUnreadable, ev
	}
	// Sealed under the contact's key with the event's id as associated data,
	// the evidence cannot have been swapped or altered without the key; the
	// ledger check compares it with the digest in the chain.
	pt, err := key.Open(e.SealedEvidence, contact.AAD(e.ContactID, "evidence/"+e.ID))
	if err != nil || json.Unmarshal(pt, &ev) != nil {
		return audit.EvidenceUnreadable, ev
	}
	return audit.EvidenceProblem(ac.Basis, e.Kind, ev, notices), ev
}

// auditDispatches cross-checks every dispatched campaign message against
// the ledger, in the database (invariants 1 and 2).
func (a *App) auditDispatches(ctx context.Context, _ time.Time) (audit.Finding, error) {
	f := audit.NewFinding(audit.CheckDispatch)
	var found audit.Sample
	problems := map[string]int64{}
	checked, err := a.store.CheckDispatches(ctx, func(id, problem string) error {
		found.Add(id)
		problems[problem]++
		return nil
	})
	if err != nil {
		return f, err
	}
	f.Found(found)
	f.Checked, f.Breakdown, f.Status = checked, breakdown(problems), audit.Must(found.Total)
	f.Detail = fmt.Sprintf("Cross-checked %s against the consent ledger: each must name a consent of its contact to its purpose, "+
		"given before it was dispatched, not past its refresh date, and not followed by a withdrawal, objection, expiry or erasure "+
		"before it.", counted(checked, "dispatched campaign message", "dispatched campaign messages"))
	if found.Total > 0 {
		f.Detail += fmt.Sprintf(" %s went out without such a consent (by problem below; the affected are named campaign:contact).",
			counted(found.Total, "message", "messages"))
	}
	return f, nil
}

// auditOptOuts judges how long the opt-outs written on WhatsApp in the last
// audit.OptOutPeriod took to take effect.
func (a *App) auditOptOuts(ctx context.Context, now time.Time) (audit.Finding, error) {
	f := audit.NewFinding(audit.CheckOptOut)
	ds, err := a.store.OptOutTimes(ctx, now.Add(-audit.OptOutPeriod))
	if err != nil {
		return f, err
	}
	t := audit.Timings(ds)
	f.Timing, f.Checked, f.Count, f.Status = &t, int64(t.N), t.Slow, audit.OptOutStatus(t)
	if t.N == 0 {
		f.Detail = "No opt-out was written on WhatsApp in the last 30 days."
		return f, nil
	}
	f.Detail = fmt.Sprintf("%s written on WhatsApp in the last 30 days, from the receipt of the webhook to the committed withdrawal: "+
		"p50 %.1f ms, p99 %.1f ms, slowest %.1f ms. The audit warns when one took longer than %d s and fails when one took longer than %d s "+
		"(a campaign could have sent in the meantime).", counted(int64(t.N), "opt-out", "opt-outs"), t.P50MS, t.P99MS, t.MaxMS,
		int(audit.OptOutWarn/time.Second), int(audit.OptOutFail/time.Second))
	return f, nil
}

// auditOptIns finds unconfirmed opt-ins kept past their expiry, beyond the
// hourly run that deletes them (RT-07).
func (a *App) auditOptIns(ctx context.Context, now time.Time) (audit.Finding, error) {
	f := audit.NewFinding(audit.CheckOptIns)
	var found audit.Sample
	if err := a.store.ScanExpiredOptIns(ctx, now.Add(-audit.OptInGrace), func(id string) error { found.Add(id); return nil }); err != nil {
		return f, err
	}
	f.Found(found)
	f.Status = audit.Should(found.Total)
	f.Detail = fmt.Sprintf("Unconfirmed opt-ins are deleted within an hour of expiring (%d hours after the request). ", int(a.cfg.OptInTTL/time.Hour))
	if found.Total > 0 {
		f.Detail += fmt.Sprintf("%s expired more than %d hours ago and %s still kept: is the expiry job running?",
			counted(found.Total, "opt-in", "opt-ins"), int(audit.OptInGrace/time.Hour), map[bool]string{true: "is", false: "are"}[found.Total == 1])
	} else {
		f.Detail += "None is kept past that."
	}
	return f, nil
}

// auditRetention finds the data kept past its period (RT-01..RT-08), by the
// retention package's rules and the configured periods: records of each
// class counted in the database, and the contacts the rules would erase or
// strip of fields and tags (retention.Periods.Decide), walked a page at a
// time. The daily retention run takes all of it; what is due by more than
// audit.RetentionGrace says that run is not doing its work.
func (a *App) auditRetention(ctx context.Context, now time.Time) (audit.Finding, error) {
	f := audit.NewFinding(audit.CheckRetention)
	p, grace := a.cfg.Retention, audit.RetentionGrace
	cut := func(days int) time.Time { return retention.Cutoff(now, days).Add(time.Microsecond) } // Due: at t + days exactly
	b, err := a.store.RetentionBacklog(ctx, store.RetentionCutoffs{Messages: cut(p.Messages), Webhooks: cut(p.Webhooks),
		AccessLog: cut(p.AccessLog), RightsRequests: cut(p.RightsRequests), Replies: cut(p.Replies)}, grace)
	if err != nil {
		return f, err
	}
	ps, err := a.store.Purposes(ctx)
	if err != nil {
		return f, err
	}
	purposes := make(map[string]consent.Purpose, len(ps))
	for _, pp := range ps {
		purposes[pp.Key] = pp
	}
	var found audit.Sample
	var erase, prune, late int64
	for after := ""; ; {
		page, err := a.store.RetentionFacts(ctx, after, 1000)
		if err != nil {
			return f, err
		}
		for _, fa := range page {
			after = fa.ContactID
			v := p.Decide(fa, purposes, now)
			switch {
			case v.Erase:
				erase++
			case len(v.DropFields) > 0 || v.DropTags:
				prune++
			default:
				continue
			}
			found.Add(fa.ContactID)
			// Late when the rules called for it already as the grace began,
			// on facts no newer than that: a verdict that a recent change
			// (an opt-out a minute ago) brought on is not late yet.
			last := fa.CreatedAt
			for _, pf := range fa.Purposes {
				if pf.Since.After(last) {
					last = pf.Since
				}
			}
			if w := p.Decide(fa, purposes, now.Add(-grace)); now.Sub(last) > grace && (w.Erase || len(w.DropFields) > 0 || w.DropTags) {
				late++
			}
		}
		if len(page) < 1000 {
			break
		}
	}
	due := b.Messages.Due + b.Webhooks.Due + b.AccessLog.Due + b.RightsRequests.Due + b.Replies.Due + erase + prune
	overdue := b.Messages.Overdue + b.Webhooks.Overdue + b.AccessLog.Overdue + b.RightsRequests.Overdue + b.Replies.Overdue + late
	f.Found(found)
	f.Count, f.Status = due, audit.RetentionStatus(due, overdue)
	if due > 0 {
		f.Breakdown = map[string]int64{}
		for k, n := range map[string]int64{"contacts_to_erase": erase, "contacts_to_prune": prune,
			"message_records": b.Messages.Due, "webhook_bodies": b.Webhooks.Due,
			"access_log_entries": b.AccessLog.Due, "rights_request_files": b.RightsRequests.Due, "replies": b.Replies.Due} {
			if n > 0 {
				f.Breakdown[k] = n
			}
		}
	}
	f.Detail = fmt.Sprintf("Periods: contacts without a purpose %d days; proof of consent %d days after the last consent ended (%s); "+
		"message records %d days; webhook bodies %d days; the access log %d days; closed rights requests %d days; "+
		"messages people sent %d days. ",
		p.NoPurpose, p.Proof, p.Erase, p.Messages, p.Webhooks, p.AccessLog, p.RightsRequests, p.Replies)
	switch {
	case overdue > 0:
		f.Detail += fmt.Sprintf("%s past their period (by class below), %d of them by more than %d days: the daily retention run "+
			"is not doing its work (samtykke retention run).", counted(due, "record is", "records are"), overdue, int(grace/(24*time.Hour)))
	case due > 0:
		f.Detail += fmt.Sprintf("%s past their period (by class below), by less than %d days: the next daily retention run takes them.",
			counted(due, "record is", "records are"), int(grace/(24*time.Hour)))
	default:
		f.Detail += "Nothing is kept past its period."
	}
	if found.Total > 0 {
		f.Detail += " The contacts among them are named."
	}
	return f, nil
}

// auditRights looks for rights requests overdue or near their deadline.
func (a *App) auditRights(ctx context.Context, now time.Time) (audit.Finding, error) {
	f := audit.NewFinding(audit.CheckRights)
	c, err := a.store.RightsCounts(ctx, now)
	if err != nil {
		return f, err
	}
	f.Checked, f.Status = c.Open, audit.RightsStatus(c.Overdue, c.NearDue)
	if c.Overdue+c.NearDue > 0 {
		f.Breakdown = map[string]int64{"overdue": c.Overdue, "near_due": c.NearDue}
	}
	// The requests by due date, earliest first: the overdue ones lead.
	var overdue, near audit.Sample
	for _, st := range []rights.State{rights.Unverified, rights.Open} {
		rs, err := a.store.RightsRequests(ctx, store.RightsFilter{State: st, Limit: 1000})
		if err != nil {
			return f, err
		}
		for _, r := range rs {
			switch {
			case r.Overdue(now):
				overdue.Add(r.ID)
			case r.NearlyDue(now):
				near.Add(r.ID)
			}
		}
	}
	overdue.Total, near.Total = c.Overdue, c.NearDue
	f.Found(near)
	if c.Overdue > 0 {
		f.Found(overdue)
	}
	f.Detail = fmt.Sprintf("%s unanswered. ", counted(c.Open, "rights request is", "rights requests are"))
	switch {
	case c.Overdue > 0:
		f.Detail += fmt.Sprintf("%s past its deadline (Art. 12(3): one month, or the extension told in time)%s.",
			counted(c.Overdue, "request is", "requests are"), nearNote(c.NearDue))
	case c.NearDue > 0:
		f.Detail += fmt.Sprintf("%s due within %d days.", counted(c.NearDue, "request is", "requests are"), int(rights.NearDue/(24*time.Hour)))
	default:
		f.Detail += "None is near its deadline."
	}
	return f, nil
}

func nearNote(n int64) string {
	if n == 0 {
		return ""
	}
	return fmt.Sprintf("; %s due within %d days", counted(n, "more is", "more are"), int(rights.NearDue/(24*time.Hour)))
}

// checkpointMaxAge is how old the newest signed checkpoint may be, where
// checkpoints are made (daily), before the audit warns.
const checkpointMaxAge = 48 * time.Hour

// auditLedger verifies the ledger (VerifyLedger): its chains, the signed
// checkpoint and the state derived from it.
func (a *App) auditLedger(ctx context.Context, now time.Time) (audit.Finding, error) {
	f := audit.NewFinding(audit.CheckLedger)
	rep, err := a.VerifyLedger(ctx)
	var fault *ledger.Fault
	var afault *access.Fault
	switch {
	case errors.As(err, &fault):
		f.Status, f.Count, f.Checked = audit.Fail, 1, rep.Contacts
		if fault.ContactID != "" {
			f.Affected = []string{fault.ContactID}
		}
		f.Detail = "The ledger does not verify (verification stops at the first fault): " + strings.TrimPrefix(fault.Error(), "ledger: ") +
			". Run samtykke ledger verify, and treat this as a possible breach of integrity (Art. 33)."
		return f, nil
	case errors.As(err, &afault):
		f.Status, f.Count, f.Checked = audit.Fail, 1, rep.Contacts
		f.Detail = "The access log does not verify (invariant 6): " + strings.TrimPrefix(afault.Error(), "access log: ") +
			". Run samtykke ledger verify, and treat this as a possible breach of integrity (Art. 33)."
		return f, nil
	case err != nil:
		return f, err
	}
	f.Checked = rep.Contacts
	f.Detail = fmt.Sprintf("%s and %s verify: every chain, %s opened against its digest, %s and %s equal to what the ledger folds to.",
		counted(rep.Contacts, "contact's chain", "contacts' chains"), counted(rep.Events, "event", "events"),
		counted(rep.Evidence, "evidence record", "evidence records"), counted(rep.States, "consent state", "consent states"),
		counted(rep.Suppressions, "suppression", "suppressions"))
	switch {
	case rep.Checkpoint.IsZero():
		f.Status = audit.Warn
		f.Detail += " There is no signed checkpoint: someone who can write to the database could rewrite a chain whole, or delete one, " +
			"unseen (L-02). Set SAMTYKKE_CHECKPOINT_DIR to a folder outside the database."
	case now.Sub(rep.Checkpoint) > checkpointMaxAge && a.cfg.CheckpointDir != "":
		f.Status = audit.Warn
		f.Detail += fmt.Sprintf(" The chains match the signed checkpoint of %s, which is more than two days old: the daily checkpoint is not being made.",
			rep.Checkpoint.Format(time.RFC3339))
	default:
		f.Detail += fmt.Sprintf(" The chains match the signed checkpoint of %s.", rep.Checkpoint.Format(time.RFC3339))
	}
	return f, nil
}

// auditNotices checks that each language's current notice is complete and
// unaltered (T-01, T-02).
func (a *App) auditNotices(ctx context.Context, _ time.Time) (audit.Finding, error) {
	f := audit.NewFinding(audit.CheckNotices)
	var found audit.Sample
	var problems []string
	for _, lang := range []string{"nb", "en"} {
		f.Checked++
		n, err := a.store.CurrentNotice(ctx, lang)
		if errors.Is(err, store.ErrNotFound) {
			found.Add(lang)
			problems = append(problems, fmt.Sprintf("no notice is published in %s", map[string]string{"nb": "bokmål (nb)", "en": "English (en)"}[lang]))
			continue
		} else if err != nil {
			return f, err
		}
		var wrong []string
		if missing := n.Missing(); len(missing) > 0 {
			items := make([]string, len(missing))
			for i, it := range missing {
				items[i] = string(it)
			}
			wrong = append(wrong, "lacks "+strings.Join(items, ", "))
		}
		if n.Hash != n.ContentHash() {
			wrong = append(wrong, "no longer hashes to the hash it was published with (it was altered)")
		}
		if len(wrong) > 0 {
			found.Add(n.ID)
			problems = append(problems, fmt.Sprintf("the %s notice version %d (%s) %s", lang, n.Version, n.ID, strings.Join(wrong, "; ")))
		}
	}
	f.Found(found)
	f.Status = audit.Must(found.Total)
	if len(problems) > 0 {
		f.Detail = strings.ToUpper(problems[0][:1]) + strings.Join(problems, "; ")[1:] + "."
	} else {
		f.Detail = "The current notice in bokmål and in English each has every Art. 13 item, the separate statement of the right to object (Art. 21(4)) and the short layer (T-02), and hashes to what it was published with."
	}
	return f, nil
}

// auditKeys judges the master keys from the key status (S-01): the
// active key seals every contact's data key and signs the checkpoints and
// receipts, and is to be rotated within a year; a rotation still running
// after RotationStuck is stuck (a replica without the new key, a contact
// whose key does not open).
func (a *App) auditKeys(ctx context.Context, now time.Time) (audit.Finding, error) {
	f := audit.NewFinding(audit.CheckKeys)
	at, err := a.store.KeyRecordedAt(ctx)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return f, err
	}
	st, err := a.KeyStatus(ctx)
	if err != nil {
		return f, err
	}
	f.Checked, f.Status = int64(max(len(st.Keys), 1)), audit.KeyAgeStatus(at, now)
	days := int(now.Sub(at) / (24 * time.Hour))
	active := 0
	for _, k := range st.Keys {
		if k.Role == "active" {
			active = k.ID
		}
	}
	switch {
	case at.IsZero():
		f.Count = 1
		f.Detail = "No fingerprint of the master key is recorded: the service has not started on this database with its key."
	case f.Status == audit.Warn:
		f.Count = 1
		f.Detail = fmt.Sprintf("The active master key (key %d), which seals every contact's data key and from which the checkpoints' and receipts' signing keys derive, "+
			"was made active on %s, %d days ago: more than a year. Rotate it (samtykke keys rotate; docs/security.md, Key management).", active, at.Format("2006-01-02"), days)
	default:
		f.Detail = fmt.Sprintf("The active master key (key %d), which seals every contact's data key and from which the checkpoints' and receipts' signing keys derive, "+
			"was made active on %s, %d days ago.", active, at.Format("2006-01-02"), days)
	}
	if r := st.Rotation; r != nil {
		if now.Sub(r.Started) > audit.RotationStuck {
			f.Status, f.Count = audit.Warn, f.Count+1
			f.Detail += fmt.Sprintf(" A rotation to key %d started on %s has moved %d of %d contacts and is stuck: see samtykke keys status and the rotate_keys job's errors.",
				r.To, r.Started.Format("2006-01-02"), r.Moved, r.Total)
		} else {
			f.Detail += fmt.Sprintf(" A rotation to key %d runs: %d of %d contacts moved.", r.To, r.Moved, r.Total)
		}
	}
	return f, nil
}

// auditDPIA screens the processing from the live figures, as the DPIA's own
// screening does (D-01), and checks that a DPIA exists where one is
// required and was written for the purposes now configured (Art. 35(11)).
func (a *App) auditDPIA(ctx context.Context, _ time.Time) (audit.Finding, error) {
	f := audit.NewFinding(audit.CheckDPIA)
	doc, err := a.store.DPIA(ctx, 0)
	present := err == nil
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return f, err
	}
	// A reviewer's answers in the saved document overrule the figures, as
	// in the DPIA itself.
	answers := map[string]dpia.Answer{}
	for _, c := range append(doc.Screening.Criteria, doc.Screening.Art35_3...) {
		if !c.Auto {
			answers[c.ID] = dpia.Answer{Met: c.Met, Why: c.Why}
		}
	}
	s, err := a.Screening(ctx, answers)
	if err != nil {
		return f, err
	}
	hash, err := a.purposesHash(ctx)
	if err != nil {
		return f, err
	}
	review := present && doc.NeedsReview(hash)
	f.Checked, f.Status = 1, audit.DPIAStatus(s.Required, present, review)
	f.Detail = "Screening from the live figures: " + s.Decision
	switch {
	case s.Required && !present:
		f.Count = 1
		f.Detail += " No DPIA is saved: carry one out before going on (Art. 35(1)); samtykke drafts it (samtykke dpia)."
	case review:
		f.Count = 1
		f.Detail += fmt.Sprintf(" The DPIA (version %d of %s) was written for other purposes than those configured now: review it (Art. 35(11)).",
			doc.Version, doc.At.Format("2006-01-02"))
	case present:
		f.Detail += fmt.Sprintf(" The DPIA (version %d of %s) covers the purposes configured now.", doc.Version, doc.At.Format("2006-01-02"))
	}
	return f, nil
}
