// SPDX-License-Identifier: AGPL-3.0-only

package sqlstore

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/samtykke/samtykke/internal/campaign"
	"github.com/samtykke/samtykke/internal/message"
	"github.com/samtykke/samtykke/internal/store"
)

const campaignColumns = `id, name, purpose, template, language, scheduled_at, window_from, window_to, status, audience,
	walked, created_at, started_at, finished_at, sender, tags`

func scanCampaign(row scanner) (campaign.Campaign, error) {
	var c campaign.Campaign
	var tpl, from, to, tags string
	var scheduled, created, started, finished int64
	err := row.Scan(&c.ID, &c.Name, &c.Purpose, &tpl, &c.Language, &scheduled, &from, &to, &c.Status, &c.Audience,
		&c.Walked, &created, &started, &finished, &c.Sender, &tags)
	if err != nil {
		return c, err
	}
	c.ScheduledAt, c.CreatedAt, c.StartedAt, c.FinishedAt = fromMicro(scheduled), fromMicro(created), fromMicro(started), fromMicro(finished)
	if from != "" {
		c.Window = &campaign.Window{From: from, To: to}
	}
	if tags != "[]" {
		if err := json.Unmarshal([]byte(tags), &c.Tags); err != nil {
			return c, err
		}
	}
	return c, json.Unmarshal([]byte(tpl), &c.Template)
}

func (r *reader) Campaign(ctx context.Context, id string) (c campaign.Campaign, err error) {
	defer errorf("campaign", &err)
	c, err = scanCampaign(r.db.QueryRow(ctx, `SELECT `+campaignColumns+` FROM campaigns WHERE id = $1`, id))
	return c, r.notFound(err)
}

func (r *reader) CampaignCounts(ctx context.Context, id string) (cs []store.Count, err error) {
	defer errorf("campaign counts", &err)
	from, to := campaignRange(id)
	rows, err := r.db.Query(ctx, `SELECT status, CASE WHEN status IN ('skipped', 'failed') THEN error_title ELSE '' END, count(*)
		FROM messages WHERE id > $2 AND id < $3 AND campaign_id = $1 GROUP BY 1, 2 ORDER BY 1, 2`, id, from, to)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var c store.Count
		if err := rows.Scan(&c.Status, &c.Reason, &c.N); err != nil {
			return nil, err
		}
		cs = append(cs, c)
	}
	return cs, rows.Err()
}

func (r *reader) CampaignLanguages(ctx context.Context, id string) (ls map[string]int64, err error) {
	defer errorf("campaign languages", &err)
	from, to := campaignRange(id)
	rows, err := r.db.Query(ctx, `SELECT c.language, count(*) FROM messages m JOIN contacts c ON c.id = m.contact_id
		WHERE m.id > $2 AND m.id < $3 AND m.campaign_id = $1 AND m.status <> 'skipped' GROUP BY 1`, id, from, to)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	ls = map[string]int64{}
	for rows.Next() {
		var lang string
		var n int64
		if err := rows.Scan(&lang, &n); err != nil {
			return nil, err
		}
		ls[lang] = n
	}
	return ls, rows.Err()
}

func windowCols(c campaign.Campaign) (string, string) {
	if c.Window == nil {
		return "", ""
	}
	return c.Window.From, c.Window.To
}

func (t *tx) CreateCampaign(ctx context.Context, c campaign.Campaign) (err error) {
	defer errorf("create campaign", &err)
	tpl, err := json.Marshal(c.Template)
	if err != nil {
		return err
	}
	from, to := windowCols(c)
	_, err = t.db.Exec(ctx, `INSERT INTO campaigns (`+campaignColumns+`, cursor)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, '')`,
		c.ID, c.Name, c.Purpose, string(tpl), c.Language, micro(c.ScheduledAt), from, to, string(c.Status), c.Audience,
		c.Walked, micro(c.CreatedAt), micro(c.StartedAt), micro(c.FinishedAt), c.Sender, jsonList(c.Tags))
	return t.conflict(err)
}

func (t *tx) UpdateCampaign(ctx context.Context, c campaign.Campaign, cursor string) (err error) {
	defer errorf("update campaign", &err)
	n, err := t.db.Exec(ctx, `UPDATE campaigns SET status = $2, audience = $3, walked = $4, cursor = $5, started_at = $6,
		finished_at = $7 WHERE id = $1`, c.ID, string(c.Status), c.Audience, c.Walked, cursor, micro(c.StartedAt), micro(c.FinishedAt))
	if err == nil && n == 0 {
		err = store.ErrNotFound
	}
	return err
}

func (t *tx) LockCampaign(ctx context.Context, id string) (c campaign.Campaign, err error) {
	defer errorf("lock campaign", &err)
	c, err = scanCampaign(t.db.QueryRow(ctx, `SELECT `+campaignColumns+` FROM campaigns WHERE id = $1`+t.b.ForUpdate, id))
	return c, t.notFound(err)
}

func (t *tx) CampaignCursor(ctx context.Context, id string) (cur string, err error) {
	defer errorf("campaign cursor", &err)
	err = t.db.QueryRow(ctx, `SELECT cursor FROM campaigns WHERE id = $1`, id).Scan(&cur)
	return cur, t.notFound(err)
}

// campaignMessageID is a campaign message's id: the campaign's and the
// contact's. The primary key on it is what keeps a campaign to one message
// per contact, whatever crashes (reference §6: the platform has no idempotency key).
func campaignMessageID(campaignID, contactID string) string { return campaignID + ":" + contactID }

// campaignRange bounds a campaign's message ids, so that its messages are
// read as a range of the primary key: no index on the campaign and status,
// which every status change would have to update (migration 0007).
func campaignRange(id string) (from, to string) { return id + ":", id + ";" }

func (t *tx) SetCampaignCursor(ctx context.Context, id, cursor string) (err error) {
	defer errorf("set campaign cursor", &err)
	// Held: it commits with the batch's decisions, in their last round trip.
	return t.conn.Later(ctx, "set campaign cursor", `UPDATE campaigns SET cursor = $2 WHERE id = $1`, id, cursor)
}

func (t *tx) SetCampaignAudience(ctx context.Context, id string, audience int64) (err error) {
	defer errorf("set campaign audience", &err)
	// The walk's own count, once it ended, is exact: a count taken beside
	// the walk and landing after it is not.
	_, err = t.db.Exec(ctx, `UPDATE campaigns SET audience = $2 WHERE id = $1 AND NOT walked`, id, audience)
	return err
}

func (t *tx) FinishWalk(ctx context.Context, id string, audience int64) (err error) {
	defer errorf("finish walk", &err)
	_, err = t.db.Exec(ctx, `UPDATE campaigns SET walked = TRUE, audience = $2 WHERE id = $1`, id, audience)
	return err
}

func (r *reader) CountCampaignMessages(ctx context.Context, id string, status message.Status) (n int64, err error) {
	defer errorf("count campaign messages", &err)
	from, to := campaignRange(id)
	err = r.db.QueryRow(ctx, `SELECT count(*) FROM messages WHERE id > $2 AND id < $3 AND campaign_id = $1
		AND ($4 = '' OR status = $4)`, id, from, to, string(status)).Scan(&n)
	return n, err
}

// audience is the condition on consent_states s and contacts c of a
// campaign's audience, with its arguments from $first on: active consent for
// the purpose, the language if set, any of the tags if set. The walk also
// takes the contacts whose consent ended while the campaign ran, so that the
// gate records them as skipped, with the reason, instead of leaving them out
// unseen. Without tags the statement stays the same, with its plan.
func (r *reader) audience(c campaign.Campaign, first int, walk bool) (string, []any) {
	walk = walk && !c.StartedAt.IsZero()
	status := `s.status = 'active'`
	if walk {
		status = fmt.Sprintf(`(s.status = 'active' OR (s.status IN ('withdrawn', 'expired', 'erased') AND s.since >= $%d))`, first+2)
	}
	cond := fmt.Sprintf(`s.purpose = $%d AND %s AND ($%d = '' OR c.language = $%d)`, first, status, first+1, first+1)
	args := []any{c.Purpose, c.Language}
	if walk {
		args = append(args, micro(c.StartedAt))
	}
	if len(c.Tags) > 0 {
		cond += fmt.Sprintf(` AND EXISTS (SELECT 1 FROM contact_tags ct WHERE ct.contact_id = s.contact_id AND ct.tag %s)`,
			r.b.InList(fmt.Sprintf("$%d", first+len(args))))
		args = append(args, r.b.ListArg(c.Tags))
	}
	return cond, args
}

func (r *reader) CountAudience(ctx context.Context, c campaign.Campaign) (n int64, err error) {
	defer errorf("count audience", &err)
	cond, args := r.audience(c, 1, false)
	err = r.db.QueryRow(ctx, `SELECT count(*) FROM consent_states s JOIN contacts c ON c.id = s.contact_id WHERE `+cond, args...).Scan(&n)
	return n, err
}

// gateColumns is what the gate needs of a contact (c), its key (k) and its
// consent state (s); gateFrom joins them, for the purpose $1.
const (
	gateColumns = `c.id, c.phone_ct, k.wrapped, c.region, c.mobile, c.language, c.fields_ct,
	c.restricted, c.undeliverable, c.erased_at, COALESCE(s.status, 'none'), COALESCE(s.event_id, ''), COALESCE(s.since, 0),
	COALESCE(s.valid_until, 0), COALESCE(s.age_ok, false), COALESCE(s.basis, '')`
	gateFrom = ` FROM contacts c LEFT JOIN contact_keys k ON k.contact_id = c.id
	LEFT JOIN consent_states s ON s.contact_id = c.id AND s.purpose = $1`
)

func (t *tx) ClaimAudience(ctx context.Context, c campaign.Campaign, after string, limit int) (out []store.DispatchRow, err error) {
	defer errorf("claim audience", &err)
	cond, args := t.audience(c, 2, true)
	args = append([]any{after}, args...)
	// c.id > $1 repeats the join's bound for the planner: without it a merge
	// join read the contacts from the first one on every batch (measured:
	// 74 µs a message at 30k contacts, growing with the walk).
	next := `s.contact_id > $1 AND c.id > $1 AND ` + cond + ` ORDER BY s.contact_id LIMIT ` + fmt.Sprint(limit)
	if t.b.ForUpdate == "" {
		// One writer (SQLite): the transaction itself holds off withdrawals,
		// so the walk and the read are one statement. The walk's index and
		// CROSS JOIN (SQLite keeps that order) fix the plan whatever the
		// statistics say.
		return t.gateRows(ctx, c, false, `SELECT `+gateColumns+` FROM consent_states s INDEXED BY consent_states_walk
			CROSS JOIN contacts c ON c.id = s.contact_id
			LEFT JOIN contact_keys k ON k.contact_id = c.id WHERE `+next, args...)
	}
	// Lock the contacts of the next slice in id order (no deadlock with
	// another dispatcher), then read in a statement of its own: under READ
	// COMMITTED it sees every withdrawal that committed before the locks were
	// granted. A contact who withdrew meanwhile is read, and skipped.
	//
	// The lock is shared: it holds off every change of the contact (a
	// withdrawal, an erasure, a restriction lock the contact for update
	// first), but not the walks of other campaigns to the same people. With
	// FOR UPDATE, campaigns on several numbers queued behind each other's
	// batches, contact by contact, and a withdrawal behind all of them
	// (docs/performance.md).
	ids, err := strings1(t.db.Query(ctx, `SELECT l.id FROM contacts l WHERE l.id `+t.inSubquery(`
			SELECT s.contact_id FROM consent_states s JOIN contacts c ON c.id = s.contact_id WHERE `+next)+`
		ORDER BY l.id`+t.b.ForShare, args...))
	if err != nil || len(ids) == 0 {
		return nil, err
	}
	return t.gateRows(ctx, c, false, `SELECT `+gateColumns+gateFrom+` WHERE c.id `+t.b.InList("$2")+` ORDER BY c.id`,
		c.Purpose, t.b.ListArg(ids))
}

// gateRows reads gate rows of a campaign. With withMessage each row starts
// with its message's id and status; without, the row is a contact the
// campaign has not decided yet, and the campaign names its message.
func (t *tx) gateRows(ctx context.Context, c campaign.Campaign, withMessage bool, query string, args ...any) (out []store.DispatchRow, err error) {
	rows, err := t.db.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var d store.DispatchRow
		var erased, since, validUntil int64
		dest := []any{&d.Contact.ID, &d.Contact.PhoneCT, &d.Contact.KeyWrapped, &d.Contact.Region,
			&d.Contact.Mobile, &d.Contact.Language, &d.Contact.FieldsCT, &d.Contact.Restricted, &d.Contact.Undeliverable, &erased, &d.State.Status,
			&d.State.EventID, &since, &validUntil, &d.State.AgeOK, &d.State.Basis}
		if withMessage {
			dest = append([]any{&d.MessageID, &d.Status}, dest...)
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, err
		}
		d.Contact.ErasedAt, d.State.Since, d.State.ValidUntil = fromMicro(erased), fromMicro(since), fromMicro(validUntil)
		d.State.ContactID, d.State.Purpose = d.Contact.ID, c.Purpose
		if !withMessage {
			d.MessageID = campaignMessageID(c.ID, d.Contact.ID)
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

func (t *tx) LockQueued(ctx context.Context, campaignID, after string, limit int, now time.Time) (ids []string, err error) {
	defer errorf("lock queued", &err)
	// The slice comes from the campaign's range of the primary key; the
	// contacts are then looked up one by one and locked in id order (a
	// consistent order: no deadlock with another dispatcher), never merged
	// with a walk of all contacts.
	_, to := campaignRange(campaignID)
	return strings1(t.db.Query(ctx, `SELECT c.id FROM contacts c WHERE c.id `+t.inSubquery(`
			SELECT m.contact_id FROM messages m WHERE m.id > $3 AND m.id < $4 AND m.campaign_id = $1 AND m.status = 'queued'
				AND m.retry_at <= $5
			ORDER BY m.id LIMIT $2`)+`
		ORDER BY c.id`+t.b.ForUpdate, campaignID, limit, campaignMessageID(campaignID, after), to, micro(now)))
}

// inSubquery is the condition "in the ids the subquery q gives" for a
// batch's contacts. PostgreSQL gets = ANY(ARRAY(q)), which looks each id up
// in the primary key: for IN (q) its planner chose a hash semi join over a
// sequential scan of every contact, for every batch, so the lock cost grew
// with the audience (EXPLAIN ANALYZE at 20,000 contacts: 4 ms against
// 0.45 ms a batch of 250; docs/performance.md).
func (t *tx) inSubquery(q string) string {
	if t.b.Arrays {
		return "= ANY(ARRAY(" + q + "))"
	}
	return "IN (" + q + ")"
}

// strings1 reads a one-column result of strings.
func strings1(rows Rows, err error) ([]string, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

func jsonList[T any](v []T) string {
	if len(v) == 0 {
		return "[]"
	}
	b, _ := json.Marshal(v)
	return string(b)
}

const dispatchColumns = `m.id, m.status, ` + gateColumns + `
	FROM messages m JOIN contacts c ON c.id = m.contact_id
	LEFT JOIN contact_keys k ON k.contact_id = c.id
	LEFT JOIN consent_states s ON s.contact_id = c.id AND s.purpose = $2`

func (t *tx) DispatchRows(ctx context.Context, campaignID, purpose string, contactIDs []string) (out []store.DispatchRow, err error) {
	defer errorf("dispatch rows", &err)
	// By primary key, the one index that finds a campaign's message.
	ids := make([]string, len(contactIDs))
	for i, c := range contactIDs {
		ids[i] = campaignMessageID(campaignID, c)
	}
	return t.gateRows(ctx, campaign.Campaign{ID: campaignID, Purpose: purpose}, true, `SELECT `+dispatchColumns+`
		WHERE m.id `+t.b.InList("$1")+`
		ORDER BY m.contact_id`, t.b.ListArg(ids), purpose)
}

func (t *tx) ClaimQueued(ctx context.Context, campaignID, purpose, after string, limit int, now time.Time) (out []store.DispatchRow, err error) {
	defer errorf("claim queued", &err)
	if t.b.ForUpdate != "" {
		// Lock the contacts first, then read in a statement of its own: under
		// READ COMMITTED it sees every withdrawal that committed before the
		// locks were granted (a joined read would not re-read the states).
		ids, err := t.LockQueued(ctx, campaignID, after, limit, now)
		if err != nil || len(ids) == 0 {
			return nil, err
		}
		return t.DispatchRows(ctx, campaignID, purpose, ids)
	}
	// One writer (SQLite): the transaction itself holds off withdrawals.
	_, to := campaignRange(campaignID)
	return t.gateRows(ctx, campaign.Campaign{ID: campaignID, Purpose: purpose}, true, `SELECT `+dispatchColumns+`
		WHERE m.id > $4 AND m.id < $5 AND m.campaign_id = $1 AND m.status = 'queued' AND m.retry_at <= $6
		ORDER BY m.id LIMIT $3`, campaignID, purpose, limit, campaignMessageID(campaignID, after), to, micro(now))
}

// decideUpsert inserts a campaign's decided message from the row source j
// (id, c, s, e, r), or decides a queued one again; $1 is the time, $2 the
// purpose and $3 the campaign. It returns the ids recorded. Rows without an
// id fill up a chunk (valuesSource).
const decideUpsert = `INSERT INTO messages (id, contact_id, kind, purpose, consent_event_id, body_key, wamid, status,
		error_code, error_title, created_at, updated_at, campaign_id, decided_at)
	SELECT j.id, j.c, 'campaign', $2, j.e, '', NULL, j.s, 0, j.r, CAST($1 AS BIGINT), CAST($1 AS BIGINT), $3,
		CASE WHEN j.s = 'queued' THEN 0 ELSE CAST($1 AS BIGINT) END
	FROM %s WHERE j.id IS NOT NULL
	ON CONFLICT (id) DO UPDATE SET status = excluded.status, consent_event_id = excluded.consent_event_id,
		error_title = excluded.error_title, decided_at = excluded.decided_at, updated_at = excluded.updated_at
	WHERE messages.status = 'queued'
	RETURNING id`

func (t *tx) DecideMessages(ctx context.Context, c campaign.Campaign, ds []store.Decision, at time.Time) (ids []string, err error) {
	defer errorf("decide messages", &err)
	if len(ds) == 0 {
		return nil, nil
	}
	if t.b.Arrays {
		n := len(ds)
		id, ct, st, ev, rs := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		for i, d := range ds {
			id[i], ct[i], st[i], ev[i], rs[i] = d.MessageID, d.ContactID, string(d.Status), d.ConsentEventID, d.Reason
		}
		t.grew += len(ds)
		return strings1(t.db.Query(ctx, fmt.Sprintf(decideUpsert, `unnest($4::text[], $5::text[], $6::text[], $7::text[], $8::text[]) AS j(id, c, s, e, r)`),
			micro(at), c.Purpose, c.ID, id, ct, st, ev, rs))
	}
	vals := make([]any, 0, 5*len(ds))
	for _, d := range ds {
		vals = append(vals, d.MessageID, d.ContactID, string(d.Status), d.ConsentEventID, d.Reason)
	}
	fixed := []any{micro(at), c.Purpose, c.ID}
	// Every decision is normally new: the rows written without RETURNING,
	// counted, say so at a third less cost a message (BenchmarkMessages).
	// When one is not (its message was decided before), the batch is
	// written again naming each row it wrote: only those may be sent.
	if _, err := t.db.Exec(ctx, `SAVEPOINT decide`); err != nil {
		return nil, err
	}
	var wrote int64
	if err := inChunks(fixed, 5, vals, func(args []any) error {
		n, err := t.db.Exec(ctx, decideValuesQuiet, args...)
		wrote += n
		return err
	}); err != nil {
		return nil, err
	}
	if wrote == int64(len(ds)) {
		for _, d := range ds {
			ids = append(ids, d.MessageID)
		}
		_, err = t.db.Exec(ctx, `RELEASE decide`)
		return ids, err
	}
	if _, err := t.db.Exec(ctx, `ROLLBACK TO decide`); err != nil {
		return nil, err
	}
	err = inChunks(fixed, 5, vals, func(args []any) error {
		got, err := strings1(t.db.Query(ctx, decideValues, args...))
		ids = append(ids, got...)
		return err
	})
	if err == nil {
		_, err = t.db.Exec(ctx, `RELEASE decide`)
	}
	return ids, err
}

var (
	decideValues = fmt.Sprintf(decideUpsert, valuesSource("id", "c", "s", "e", "r"))
	// decideValuesQuiet is decideValues without its RETURNING clause.
	decideValuesQuiet = strings.TrimSuffix(decideValues, "RETURNING id")
)

// resultSet is the SET clause of RecordResults over a row source j with
// columns s, w, c, t, a, p; $1 is the time and $2 the attempt limit. A counted
// retry that reaches the limit fails with the platform's reason, and so does
// a message that meets its recipient's pair rate limit (p) for the
// store.PairLimitTries-th time; before that it is due again 4^X seconds later.
var resultSet = fmt.Sprintf(`status = CASE WHEN j.s = 'queued' AND (attempts + j.a >= $2 OR pair_limited + j.p >= %[1]d) THEN 'failed' ELSE j.s END,
	wamid = NULLIF(j.w, ''), error_code = j.c,
	error_title = CASE WHEN j.s = 'queued' AND attempts + j.a >= $2 THEN 'gave up after ' || CAST($2 AS TEXT) || ' attempts: ' || j.t
		WHEN j.s = 'queued' AND pair_limited + j.p >= %[1]d THEN 'gave up after %[1]d pair rate limits: ' || j.t ELSE j.t END,
	attempts = attempts + j.a, pair_limited = pair_limited + j.p,
	retry_at = CASE WHEN j.p > 0 THEN CAST($1 AS BIGINT) + 1000000 * (CAST(1 AS BIGINT) << (2 * pair_limited)) ELSE 0 END,
	updated_at = $1, unknown_since = CASE WHEN j.s = 'unknown' THEN CAST($1 AS BIGINT) ELSE 0 END,
	decided_at = CASE WHEN j.s = 'queued' AND attempts + j.a < $2 AND pair_limited + j.p < %[1]d THEN 0 ELSE decided_at END`,
	store.PairLimitTries)

func (t *tx) RecordResults(ctx context.Context, rs []store.Result, at time.Time, maxAttempts int) (err error) {
	defer errorf("record results", &err)
	if len(rs) == 0 {
		return nil
	}
	// Only a message still sending takes the result: a status webhook that
	// overtook the answer (sent, delivered, read) stays.
	if t.b.Arrays {
		n := len(rs)
		ids, st, ws, ts := make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		cs, as, ps := make([]int32, n), make([]int32, n), make([]int32, n)
		for i, r := range rs {
			ids[i], st[i], ws[i], ts[i], cs[i] = r.MessageID, string(r.Status), r.WAMID, r.Title, int32(r.Code)
			as[i], ps[i] = flag(r.Counted), flag(r.PairLimited)
		}
		_, err = t.db.Exec(ctx, `UPDATE messages m SET `+resultSet+`
			FROM unnest($3::text[], $4::text[], $5::text[], $6::int[], $7::text[], $8::int[], $9::int[]) AS j(id, s, w, c, t, a, p)
			WHERE m.id = j.id AND m.status = 'sending'`, micro(at), maxAttempts, ids, st, ws, cs, ts, as, ps)
		return t.conflict(err)
	}
	// Most answers are plain acceptances: their rows take two values each,
	// not seven, and a SET without the retries' arithmetic.
	var sent, vals []any
	for _, r := range rs {
		if plainSent(r) {
			sent = append(sent, r.MessageID, r.WAMID)
			continue
		}
		vals = append(vals, r.MessageID, string(r.Status), r.WAMID, r.Code, r.Title, flag(r.Counted), flag(r.PairLimited))
	}
	if err := inChunks([]any{micro(at)}, 2, sent, func(args []any) error {
		_, err := t.db.Exec(ctx, recordSentValues, args...)
		return err
	}); err != nil {
		return t.conflict(err)
	}
	return t.conflict(inChunks([]any{micro(at), maxAttempts}, 7, vals, func(args []any) error {
		_, err := t.db.Exec(ctx, recordValues, args...)
		return err
	}))
}

// plainSent: the platform accepted the message, with nothing else to record.
func plainSent(r store.Result) bool {
	return r.Status == message.Sent && r.Code == 0 && r.Title == "" && !r.Counted && !r.PairLimited
}

// flag is a boolean as the 0 or 1 the statements add up.
func flag(b bool) int32 {
	if b {
		return 1
	}
	return 0
}

var recordValues = `UPDATE messages SET ` + resultSet + ` FROM ` + valuesSource("id", "s", "w", "c", "t", "a", "p") + `
	WHERE messages.id = j.id AND messages.status = 'sending'`

// recordSentValues is recordValues for plain acceptances ($1 the time): what
// resultSet makes of a sent result with no code, title or retry to count.
var recordSentValues = `UPDATE messages SET status = 'sent', wamid = NULLIF(j.w, ''), error_code = 0, error_title = '',
	retry_at = 0, updated_at = $1, unknown_since = 0 FROM ` + valuesSource("id", "w") + `
	WHERE messages.id = j.id AND messages.status = 'sending'`

func (t *tx) NextQueued(ctx context.Context, campaignID string) (due time.Time, queued bool, err error) {
	defer errorf("next queued", &err)
	from, to := campaignRange(campaignID)
	var first int64
	var n int
	err = t.db.QueryRow(ctx, `SELECT COALESCE(min(retry_at), 0), count(*) FROM messages
		WHERE id > $2 AND id < $3 AND campaign_id = $1 AND status = 'queued'`, campaignID, from, to).Scan(&first, &n)
	return fromMicro(first), n > 0, err
}

func (t *tx) SkipQueued(ctx context.Context, campaignID, reason string, at time.Time) (n int64, err error) {
	defer errorf("skip queued", &err)
	from, to := campaignRange(campaignID)
	return t.db.Exec(ctx, `UPDATE messages SET status = 'skipped', error_title = $3, decided_at = $2, updated_at = $2
		WHERE id > $4 AND id < $5 AND campaign_id = $1 AND status = 'queued'`, campaignID, micro(at), reason, from, to)
}

func (t *tx) AbandonDispatching(ctx context.Context, campaignID string, at time.Time) (n int64, err error) {
	defer errorf("abandon dispatching", &err)
	from, to := campaignRange(campaignID)
	return t.db.Exec(ctx, `UPDATE messages SET status = $3, error_title = 'no answer before a restart; the status webhook will tell',
		updated_at = $2, unknown_since = $2 WHERE id > $4 AND id < $5 AND campaign_id = $1 AND status = 'sending'`,
		campaignID, micro(at), string(message.Unknown), from, to)
}

func (t *tx) LateDecisions(ctx context.Context, campaignID string) (n int64, err error) {
	defer errorf("late decisions", &err)
	// A withdrawal that follows the authorising event in the contact's chain
	// and committed no later than the decision.
	err = t.db.QueryRow(ctx, `SELECT count(*) FROM messages m
		JOIN consent_events ae ON ae.id = m.consent_event_id
		JOIN consent_events e ON e.contact_id = m.contact_id AND e.seq > ae.seq
		WHERE m.campaign_id = $1 AND m.status <> 'skipped' AND m.consent_event_id <> ''
		AND (e.kind = 'objected' OR (e.kind = 'withdrawn' AND e.purpose = m.purpose)) AND e.at <= m.decided_at`, campaignID).Scan(&n)
	return n, err
}

func (r *reader) Campaigns(ctx context.Context, f store.CampaignFilter) (cs []campaign.Campaign, err error) {
	defer errorf("campaigns", &err)
	limit := f.Limit
	if limit <= 0 {
		limit = 50
	}
	// Ids are UUIDv7, in the order of creation: newest first is id order
	// backwards, and the page's last id is the next page's bound.
	q, args := `SELECT `+campaignColumns+` FROM campaigns WHERE ($1 = '' OR id < $1)`, []any{f.Before}
	if f.Status != "" {
		q += ` AND status = $3`
		args = append(args, limit, string(f.Status))
	} else {
		args = append(args, limit)
	}
	rows, err := r.db.Query(ctx, q+` ORDER BY id DESC LIMIT $2`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		c, err := scanCampaign(rows)
		if err != nil {
			return nil, err
		}
		cs = append(cs, c)
	}
	return cs, rows.Err()
}
