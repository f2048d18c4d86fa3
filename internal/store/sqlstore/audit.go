// SPDX-License-Identifier: AGPL-3.0-only

package sqlstore

import (
	"context"
	"encoding/json"
	"time"

	"github.com/samtykke/samtykke/internal/audit"
	"github.com/samtykke/samtykke/internal/consent"
	"github.com/samtykke/samtykke/internal/ledger"
	"github.com/samtykke/samtykke/internal/store"
)

func (r *reader) Audit(ctx context.Context, id string) (rep audit.Report, err error) {
	defer errorf("audit", &err)
	var body string
	if err = r.db.QueryRow(ctx, `SELECT body FROM audits WHERE id = $1`, id).Scan(&body); err != nil {
		return rep, r.notFound(err)
	}
	return rep, json.Unmarshal([]byte(body), &rep)
}

func (r *reader) Audits(ctx context.Context, limit int) (out []store.AuditSummary, err error) {
	defer errorf("audits", &err)
	rows, err := r.db.Query(ctx, `SELECT id, at, actor, duration_us, passed, warned, failed FROM audits
		ORDER BY at DESC, id DESC LIMIT $1`, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out = []store.AuditSummary{}
	for rows.Next() {
		var a store.AuditSummary
		var at, us int64
		if err := rows.Scan(&a.ID, &at, &a.Actor, &us, &a.Summary.Pass, &a.Summary.Warn, &a.Summary.Fail); err != nil {
			return nil, err
		}
		a.At, a.DurationMS = fromMicro(at), us/1000
		out = append(out, a)
	}
	return out, rows.Err()
}

func (t *tx) AddAudit(ctx context.Context, rep audit.Report) (err error) {
	defer errorf("add audit", &err)
	body, err := json.Marshal(rep)
	if err != nil {
		return err
	}
	_, err = t.db.Exec(ctx, `INSERT INTO audits (id, at, actor, duration_us, passed, warned, failed, body)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, rep.ID, micro(rep.At), rep.Actor, rep.DurationMS*1000,
		rep.Summary.Pass, rep.Summary.Warn, rep.Summary.Fail, string(body))
	return t.conflict(err)
}

func (t *tx) RecordOptOutTime(ctx context.Context, o store.OptOutTiming) (err error) {
	defer errorf("record opt-out time", &err)
	return t.conn.Later(ctx, "record opt-out time", `INSERT INTO optout_timings (id, received_at, committed_at, via)
		VALUES ($1, $2, $3, $4)`, o.ID, micro(o.ReceivedAt), micro(o.CommittedAt), o.Via)
}

func (r *reader) OptOutTimes(ctx context.Context, since time.Time) (out []time.Duration, err error) {
	defer errorf("opt-out times", &err)
	rows, err := r.db.Query(ctx, `SELECT committed_at - received_at FROM optout_timings WHERE committed_at >= $1`, micro(since))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var us int64
		if err := rows.Scan(&us); err != nil {
			return nil, err
		}
		out = append(out, time.Duration(us)*time.Microsecond)
	}
	return out, rows.Err()
}

func (r *reader) ScanActiveConsents(ctx context.Context, fn func(store.ActiveConsent) error) (err error) {
	defer errorf("scan active consents", &err)
	rows, err := r.db.Query(ctx, `SELECT s.contact_id, s.purpose, COALESCE(p.legal_basis, ''), s.event_id, k.wrapped,
		e.id, e.contact_id, e.seq, e.kind, e.purpose, e.channel, e.at, e.method, e.source, e.actor, e.valid_until,
		e.age_confirmed, e.evidence_digest, e.prev_hash, e.hash, e.evidence_ct
		FROM consent_states s
		LEFT JOIN purposes p ON p.key = s.purpose
		LEFT JOIN contact_keys k ON k.contact_id = s.contact_id
		LEFT JOIN consent_events e ON e.id = s.event_id
		WHERE s.status = 'active'
		ORDER BY s.contact_id, s.purpose`)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var a store.ActiveConsent
		var basis string
		var eid, econtact, kind, purpose, channel, method, source, actor *string
		var seq, at, validUntil *int64
		var age *bool
		var digest, prev, hash, sealed []byte
		if err := rows.Scan(&a.ContactID, &a.Purpose, &basis, &a.EventID, &a.KeyWrapped, &eid, &econtact, &seq, &kind, &purpose,
			&channel, &at, &method, &source, &actor, &validUntil, &age, &digest, &prev, &hash, &sealed); err != nil {
			return err
		}
		a.Basis = consent.Basis(basis)
		if eid != nil {
			e := store.StoredEvent{SealedEvidence: sealed}
			e.ID, e.ContactID, e.Seq, e.Kind = *eid, *econtact, *seq, ledger.Kind(*kind)
			e.Purpose, e.Channel, e.At, e.Method = *purpose, *channel, fromMicro(*at), *method
			e.Source, e.Actor, e.ValidUntil, e.AgeConfirmed = *source, *actor, fromMicro(*validUntil), *age
			e.EvidenceDigest, e.PrevHash, e.Hash = digest, prev, hash
			a.Event = &e
		}
		if err := fn(a); err != nil {
			return err
		}
	}
	return rows.Err()
}

// dispatched selects the campaign messages the gate let go: decided, and
// not skipped or waiting to be decided again.
const dispatched = `m.campaign_id <> '' AND m.decided_at > 0 AND m.status NOT IN ('queued', 'skipped')`

// dispatchProblem is what is wrong with a dispatched message m's own
// authorising event ae (a LEFT JOIN by its id) for its purpose p (a LEFT
// JOIN by key), or ” when nothing is: the event must be a consent of the
// message's contact to its purpose, on the basis the purpose needs, given
// before the decision and not past its refresh date then (consent.Decide).
const dispatchProblem = `CASE
	WHEN p.key IS NULL THEN '` + store.DispatchOtherPurpose + `'
	WHEN ae.id IS NULL THEN '` + store.DispatchNoConsentEvent + `'
	WHEN ae.contact_id <> m.contact_id OR ae.purpose <> m.purpose
		OR ae.kind NOT IN ('confirmed', 'soft_opt_in', 'refreshed') THEN '` + store.DispatchNotAConsent + `'
	WHEN p.legal_basis = 'consent' AND ae.kind = 'soft_opt_in' THEN '` + store.DispatchBasisMismatch + `'
	WHEN ae.at > m.decided_at THEN '` + store.DispatchBeforeConsent + `'
	WHEN ae.valid_until > 0 AND ae.valid_until <= m.decided_at THEN '` + store.DispatchPastRefresh + `'
	ELSE '' END`

func (r *reader) CheckDispatches(ctx context.Context, fn func(messageID, problem string) error) (checked int64, err error) {
	defer errorf("check dispatches", &err)
	// One pass over the messages with their authorising events: the sound
	// ones collapse into a single group, each unsound one is its own.
	rows, err := r.db.Query(ctx, `SELECT CASE WHEN k.problem = '' THEN '' ELSE k.id END, k.problem, count(*) FROM (
		SELECT m.id, `+dispatchProblem+` AS problem
		FROM messages m
		LEFT JOIN purposes p ON p.key = m.purpose
		LEFT JOIN consent_events ae ON ae.id = m.consent_event_id
		WHERE `+dispatched+`) k
		GROUP BY 1, 2`)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	for rows.Next() {
		var id, problem string
		var n int64
		if err := rows.Scan(&id, &problem, &n); err != nil {
			return 0, err
		}
		checked += n
		if problem != "" {
			if err := fn(id, problem); err != nil {
				return 0, err
			}
		}
	}
	if err := rows.Err(); err != nil {
		return 0, err
	}
	rows.Close()
	// A second pass for the messages whose own event is sound: an event
	// that ended the consent (for the purpose, or contact-wide on its
	// channel or all: consent.Scope) after it in the chain and at or before
	// the decision. The ending events are few: the pass starts from them
	// and finds their contacts' messages by the index on the contact (the
	// CROSS JOIN keeps SQLite's planner to that order; PostgreSQL's chose it
	// at 1M messages by itself).
	rows, err = r.db.Query(ctx, `SELECT m.id, min(CASE e.kind WHEN 'withdrawn' THEN '`+store.DispatchAfterWithdraw+`'
			WHEN 'objected' THEN '`+store.DispatchAfterObjection+`' WHEN 'expired' THEN '`+store.DispatchAfterExpiry+`'
			ELSE '`+store.DispatchAfterErasure+`' END)
		FROM consent_events e
		CROSS JOIN messages m
		JOIN purposes p ON p.key = m.purpose
		JOIN consent_events ae ON ae.id = m.consent_event_id
		WHERE e.kind IN ('withdrawn', 'objected', 'expired', 'erased')
			AND m.contact_id = e.contact_id AND m.kind = 'campaign' AND `+dispatched+` AND `+dispatchProblem+` = ''
			AND e.seq > ae.seq AND e.at <= m.decided_at
			AND (e.purpose = m.purpose OR (e.purpose = '' AND (e.channel = '' OR e.channel = p.channel)))
		GROUP BY m.id`)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	for rows.Next() {
		var id, problem string
		if err := rows.Scan(&id, &problem); err != nil {
			return 0, err
		}
		if err := fn(id, problem); err != nil {
			return 0, err
		}
	}
	return checked, rows.Err()
}

func (r *reader) ScanExpiredOptIns(ctx context.Context, before time.Time, fn func(contactID string) error) (err error) {
	defer errorf("scan expired opt-ins", &err)
	rows, err := r.db.Query(ctx, `SELECT contact_id FROM confirmations WHERE confirmed_at = 0 AND expires_at < $1
		ORDER BY expires_at, id`, micro(before))
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return err
		}
		if err := fn(id); err != nil {
			return err
		}
	}
	return rows.Err()
}

func (r *reader) RetentionBacklog(ctx context.Context, c store.RetentionCutoffs, grace time.Duration) (b store.RetentionBacklog, err error) {
	defer errorf("retention backlog", &err)
	// Each counts in one pass what is due and, of it, what is overdue.
	count := func(q string, cutoff time.Time, into *store.Backlog) error {
		if cutoff.IsZero() || err != nil {
			return err
		}
		return r.db.QueryRow(ctx, q, micro(cutoff), micro(cutoff.Add(-grace))).Scan(&into.Due, &into.Overdue)
	}
	err = count(`SELECT count(*), COALESCE(SUM(CASE WHEN created_at < $2 THEN 1 ELSE 0 END), 0)
		FROM messages WHERE created_at < $1`, c.Messages, &b.Messages)
	err = count(`SELECT
		(SELECT count(*) FROM webhook_inbox WHERE processed_at > 0 AND processed_at < $1) + (SELECT count(*) FROM webhook_seen WHERE at < $1),
		(SELECT count(*) FROM webhook_inbox WHERE processed_at > 0 AND processed_at < $2) + (SELECT count(*) FROM webhook_seen WHERE at < $2)`,
		c.Webhooks, &b.Webhooks)
	err = count(`SELECT count(*), COALESCE(SUM(CASE WHEN at < $2 THEN 1 ELSE 0 END), 0)
		FROM access_log WHERE at < $1`, c.AccessLog, &b.AccessLog)
	err = count(`SELECT count(*), COALESCE(SUM(CASE WHEN closed_at < $2 THEN 1 ELSE 0 END), 0)
		FROM rights_requests WHERE closed_at > 0 AND closed_at < $1`, c.RightsRequests, &b.RightsRequests)
	// Replies and staff's answers to them share a period (RT-01).
	err = count(`SELECT
		(SELECT count(*) FROM replies WHERE at < $1) + (SELECT count(*) FROM answers WHERE at < $1),
		(SELECT count(*) FROM replies WHERE at < $2) + (SELECT count(*) FROM answers WHERE at < $2)`, c.Replies, &b.Replies)
	return b, err
}

func (r *reader) KeyRecordedAt(ctx context.Context) (at time.Time, err error) {
	defer errorf("key recorded at", &err)
	var us int64
	err = r.db.QueryRow(ctx, `SELECT created_at FROM vault_keys WHERE role = 'active'`).Scan(&us)
	return fromMicro(us), r.notFound(err)
}
