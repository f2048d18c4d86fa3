// SPDX-License-Identifier: AGPL-3.0-only

package sqlstore

import (
	"context"
	"fmt"
	"time"

	"github.com/samtykke/samtykke/internal/consent"
	"github.com/samtykke/samtykke/internal/retention"
	"github.com/samtykke/samtykke/internal/store"
)

// factsColumns are a contact's own facts for the retention rules.
const factsColumns = `c.id, c.created_at, c.fields_ct IS NOT NULL,
	(SELECT count(*) FROM contact_tags t WHERE t.contact_id = c.id),
	(SELECT count(*) FROM confirmations f WHERE f.contact_id = c.id AND f.confirmed_at = 0)`

func (r *reader) RetentionFacts(ctx context.Context, after string, limit int) (fs []retention.Facts, err error) {
	defer errorf("retention facts", &err)
	// The primary key in order; the filter leaves out the contacts no rule
	// can take anything from yet, so that the rules read only the others.
	return r.facts(ctx, `SELECT `+factsColumns+` FROM contacts c
		WHERE c.erased_at = 0 AND c.id > $1 AND (c.fields_ct IS NOT NULL OR NOT EXISTS (
			SELECT 1 FROM consent_states s WHERE s.contact_id = c.id AND s.status IN ('active', 'pending')))
		ORDER BY c.id LIMIT $2`, after, limit)
}

func (r *reader) ContactFacts(ctx context.Context, contactID string) (f retention.Facts, err error) {
	defer errorf("contact facts", &err)
	fs, err := r.facts(ctx, `SELECT `+factsColumns+` FROM contacts c WHERE c.id = $1`, contactID)
	if err != nil {
		return f, err
	}
	if len(fs) == 0 {
		return f, store.ErrNotFound
	}
	return fs[0], nil
}

// facts reads contacts' own facts by query, then their consent states with
// whether each purpose was ever consented to.
func (r *reader) facts(ctx context.Context, query string, args ...any) ([]retention.Facts, error) {
	rows, err := r.db.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	var fs []retention.Facts
	for rows.Next() {
		var f retention.Facts
		var created int64
		if err := rows.Scan(&f.ContactID, &created, &f.HasFields, &f.Tags, &f.PendingOptIns); err != nil {
			rows.Close()
			return nil, err
		}
		f.CreatedAt = fromMicro(created)
		fs = append(fs, f)
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(fs) == 0 {
		return fs, err
	}
	ids := make([]string, len(fs))
	at := make(map[string]int, len(fs))
	for i, f := range fs {
		ids[i], at[f.ContactID] = f.ContactID, i
	}
	rows, err = r.db.Query(ctx, `SELECT s.contact_id, s.purpose, s.status, s.since, EXISTS (SELECT 1 FROM consent_events e
			WHERE e.contact_id = s.contact_id AND e.purpose = s.purpose AND e.kind IN ('confirmed', 'soft_opt_in'))
		FROM consent_states s WHERE s.contact_id `+r.b.InList("$1")+` ORDER BY s.contact_id, s.purpose`, r.b.ListArg(ids))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var p retention.PurposeFacts
		var since int64
		if err := rows.Scan(&id, &p.Purpose, &p.Status, &since, &p.Consented); err != nil {
			return nil, err
		}
		p.Since = fromMicro(since)
		fs[at[id]].Purposes = append(fs[at[id]].Purposes, p)
	}
	return fs, rows.Err()
}

func (r *reader) DueRefreshes(ctx context.Context, before time.Time, limit int) (ss []consent.State, err error) {
	defer errorf("due refreshes", &err)
	return r.states(ctx, `SELECT `+stateColumns+` FROM consent_states
		WHERE status = 'active' AND valid_until > 0 AND valid_until < $1 ORDER BY valid_until LIMIT $2`, micro(before), limit)
}

func (r *reader) PlatformMessages(ctx context.Context, contactID string) (n int64, last time.Time, err error) {
	defer errorf("platform messages", &err)
	var newest int64
	err = r.db.QueryRow(ctx, `SELECT count(*), COALESCE(MAX(created_at), 0) FROM messages
		WHERE contact_id = $1 AND wamid IS NOT NULL`, contactID).Scan(&n, &newest)
	return n, fromMicro(newest), err
}

func (r *reader) SealedBSUID(ctx context.Context, contactID string) (b []byte, err error) {
	defer errorf("sealed bsuid", &err)
	err = r.db.QueryRow(ctx, `SELECT bsuid_ct FROM contacts WHERE id = $1`, contactID).Scan(&b)
	return b, r.notFound(err)
}

func (t *tx) UnlinkErased(ctx context.Context, erasedSince time.Time) (n int64, err error) {
	defer errorf("unlink erased", &err)
	return t.db.Exec(ctx, `UPDATE messages SET wamid = NULL WHERE wamid IS NOT NULL
		AND contact_id IN (SELECT id FROM contacts WHERE erased_at >= $1)`, micro(erasedSince))
}

func (t *tx) PruneContact(ctx context.Context, id string, fieldsCT []byte, dropTags bool) (err error) {
	defer errorf("prune contact", &err)
	var erased int64
	if err := t.db.QueryRow(ctx, `SELECT erased_at FROM contacts WHERE id = $1`, id).Scan(&erased); err != nil {
		return t.notFound(err)
	}
	if erased != 0 {
		return fmt.Errorf("%w: contact %s is erased", store.ErrConflict, id)
	}
	if _, err = t.db.Exec(ctx, `UPDATE contacts SET fields_ct = $2 WHERE id = $1`, id, fieldsCT); err != nil {
		return err
	}
	if dropTags {
		_, err = t.db.Exec(ctx, `DELETE FROM contact_tags WHERE contact_id = $1`, id)
	}
	return err
}

func (t *tx) KeepSuppression(ctx context.Context, token []byte, reason string) (err error) {
	defer errorf("keep suppression", &err)
	n, err := t.db.Exec(ctx, `UPDATE suppressions SET kept = $2 WHERE token = $1`, token, reason)
	if err == nil && n == 0 {
		err = store.ErrNotFound
	}
	return err
}

func (t *tx) DeleteBSUIDObjection(ctx context.Context, token string) (err error) {
	defer errorf("delete bsuid objection", &err)
	_, err = t.db.Exec(ctx, `DELETE FROM bsuid_objections WHERE token = $1`, token)
	return err
}

func (t *tx) DeleteRateLimits(ctx context.Context, keys []string) (err error) {
	defer errorf("delete rate limits", &err)
	if len(keys) == 0 {
		return nil
	}
	_, err = t.db.Exec(ctx, `DELETE FROM rate_limits WHERE key `+t.b.InList("$1"), t.b.ListArg(keys))
	return err
}

func (t *tx) PurgeRateLimits(ctx context.Context, before time.Time, limit int) (n int64, err error) {
	defer errorf("purge rate limits", &err)
	return t.db.Exec(ctx, `DELETE FROM rate_limits WHERE key IN (SELECT key FROM rate_limits WHERE window_start < $1 LIMIT $2)`,
		micro(before), limit)
}

func (t *tx) PurgeRightsRequests(ctx context.Context, before time.Time, limit int) (n int64, err error) {
	defer errorf("purge rights requests", &err)
	// Their steps go with them (ON DELETE CASCADE).
	return t.db.Exec(ctx, `DELETE FROM rights_requests WHERE id IN (SELECT id FROM rights_requests
		WHERE closed_at > 0 AND closed_at < $1 LIMIT $2)`, micro(before), limit)
}

const taskColumns = `id, processor, contact_id, created_at, messages, last_message_at, held_until, instructions,
	done_at, done_by, note`

func scanTask(row scanner) (retention.ProcessorTask, error) {
	var t retention.ProcessorTask
	var created, last, held, done int64
	err := row.Scan(&t.ID, &t.Processor, &t.ContactID, &created, &t.Messages, &last, &held, &t.Instructions,
		&done, &t.DoneBy, &t.Note)
	t.CreatedAt, t.LastMessageAt, t.HeldUntil, t.DoneAt = fromMicro(created), fromMicro(last), fromMicro(held), fromMicro(done)
	return t, err
}

func (t *tx) CreateProcessorTask(ctx context.Context, p retention.ProcessorTask) (err error) {
	defer errorf("create processor task", &err)
	_, err = t.db.Exec(ctx, `INSERT INTO processor_tasks (`+taskColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 0, '', '')`,
		p.ID, p.Processor, p.ContactID, micro(p.CreatedAt), p.Messages, micro(p.LastMessageAt), micro(p.HeldUntil), p.Instructions)
	return t.conflict(err)
}

func (t *tx) FinishProcessorTask(ctx context.Context, id, by, note string, at time.Time) (p retention.ProcessorTask, err error) {
	defer errorf("finish processor task", &err)
	p, err = scanTask(t.db.QueryRow(ctx, `SELECT `+taskColumns+` FROM processor_tasks WHERE id = $1`+t.b.ForUpdate, id))
	if err != nil {
		return p, t.notFound(err)
	}
	if p.Done() {
		return p, fmt.Errorf("%w: task %s was marked done already", store.ErrConflict, id)
	}
	if _, err = t.db.Exec(ctx, `UPDATE processor_tasks SET done_at = $2, done_by = $3, note = $4 WHERE id = $1`,
		id, micro(at), by, note); err != nil {
		return p, err
	}
	p.DoneAt, p.DoneBy, p.Note = at, by, note
	return p, nil
}

func (r *reader) ProcessorTasks(ctx context.Context, state store.TaskState, limit int) (ts []retention.ProcessorTask, err error) {
	defer errorf("processor tasks", &err)
	where := map[store.TaskState]string{store.TasksOpen: "done_at = 0", store.TasksDone: "done_at > 0", store.TasksAll: "true"}[state]
	if where == "" {
		return nil, fmt.Errorf("unknown task state %q", state)
	}
	rows, err := r.db.Query(ctx, `SELECT `+taskColumns+` FROM processor_tasks WHERE `+where+` ORDER BY created_at, id LIMIT $1`, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		p, err := scanTask(rows)
		if err != nil {
			return nil, err
		}
		ts = append(ts, p)
	}
	return ts, rows.Err()
}

func (t *tx) RecordRetention(ctx context.Context, e retention.Entry) (err error) {
	defer errorf("record retention", &err)
	_, err = t.db.Exec(ctx, `INSERT INTO retention_log (id, at, class, rule, days, count) VALUES ($1, $2, $3, $4, $5, $6)`,
		e.ID, micro(e.At), string(e.Class), string(e.Rule), e.Days, e.Count)
	return t.conflict(err)
}

func (r *reader) RetentionLog(ctx context.Context, class retention.Class, limit int) (es []retention.Entry, err error) {
	defer errorf("retention log", &err)
	rows, err := r.db.Query(ctx, `SELECT id, at, class, rule, days, count FROM retention_log
		WHERE $1 = '' OR class = $1 ORDER BY at DESC, id DESC LIMIT $2`, string(class), limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var e retention.Entry
		var at int64
		if err := rows.Scan(&e.ID, &at, &e.Class, &e.Rule, &e.Days, &e.Count); err != nil {
			return nil, err
		}
		e.At = fromMicro(at)
		es = append(es, e)
	}
	return es, rows.Err()
}

// Scrub asks the backend to make the files forget deleted data.
func (s *Store) Scrub(ctx context.Context) error {
	if s.b.Scrub == nil {
		return nil
	}
	if err := s.b.Scrub(ctx); err != nil {
		return fmt.Errorf("scrub: %w", err)
	}
	return nil
}
