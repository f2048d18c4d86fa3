// SPDX-License-Identifier: AGPL-3.0-only

package sqlstore

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/samtykke/samtykke/internal/rights"
	"github.com/samtykke/samtykke/internal/store"
)

const rightsColumns = `id, type, contact_id, channel, via, language, state, received_at, due_at, extended_until,
	extension_reason, told_at, told_how, verified_at, closed_at, answer, created_by`

func scanRights(row interface{ Scan(...any) error }) (r rights.Request, err error) {
	var received, due, extended, told, verified, closed int64
	err = row.Scan(&r.ID, &r.Type, &r.ContactID, &r.Channel, &r.Via, &r.Language, &r.State, &received, &due, &extended,
		&r.ExtensionReason, &told, &r.ToldHow, &verified, &closed, &r.Answer, &r.CreatedBy)
	r.ReceivedAt, r.DueAt, r.ExtendedUntil = fromMicro(received), fromMicro(due), fromMicro(extended)
	r.ToldAt, r.VerifiedAt, r.ClosedAt = fromMicro(told), fromMicro(verified), fromMicro(closed)
	return r, err
}

func (r *reader) RightsRequest(ctx context.Context, id string) (q rights.Request, err error) {
	defer errorf("rights request", &err)
	q, err = scanRights(r.db.QueryRow(ctx, `SELECT `+rightsColumns+` FROM rights_requests WHERE id = $1`, id))
	return q, r.notFound(err)
}

func (r *reader) RightsRequests(ctx context.Context, f store.RightsFilter) (out []rights.Request, err error) {
	defer errorf("rights requests", &err)
	if f.Limit <= 0 {
		f.Limit = 1000
	}
	rows, err := r.db.Query(ctx, `SELECT `+rightsColumns+` FROM rights_requests
		WHERE ($1 = '' OR state = $1) AND ($2 = '' OR contact_id = $2)
		ORDER BY due_at, id LIMIT $3`, string(f.State), f.ContactID, f.Limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		q, err := scanRights(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, q)
	}
	return out, rows.Err()
}

func (r *reader) RightsSteps(ctx context.Context, requestID string) (out []rights.Step, err error) {
	defer errorf("rights steps", &err)
	rows, err := r.db.Query(ctx, `SELECT request_id, at, actor, action, note FROM rights_steps
		WHERE request_id = $1 ORDER BY at, id`, requestID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var s rights.Step
		var at int64
		if err := rows.Scan(&s.RequestID, &at, &s.Actor, &s.Action, &s.Note); err != nil {
			return nil, err
		}
		s.At = fromMicro(at)
		out = append(out, s)
	}
	return out, rows.Err()
}

func (r *reader) RightsCounts(ctx context.Context, now time.Time) (c rights.Counts, err error) {
	defer errorf("rights counts", &err)
	err = r.db.QueryRow(ctx, `SELECT COUNT(*),
		COALESCE(SUM(CASE WHEN due_at >= $1 AND due_at <= $2 THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN due_at < $1 THEN 1 ELSE 0 END), 0)
		FROM rights_requests WHERE state IN ('unverified', 'open')`,
		micro(now), micro(now.Add(rights.NearDue))).Scan(&c.Open, &c.NearDue, &c.Overdue)
	return c, err
}

func (t *tx) CreateRightsRequest(ctx context.Context, q rights.Request, code store.RightsCode) (err error) {
	defer errorf("create rights request", &err)
	_, err = t.db.Exec(ctx, `INSERT INTO rights_requests (`+rightsColumns+`, code_hash, code_expires, code_tries)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)`,
		q.ID, string(q.Type), q.ContactID, string(q.Channel), q.Via, q.Language, string(q.State), micro(q.ReceivedAt),
		micro(q.DueAt), micro(q.ExtendedUntil), q.ExtensionReason, micro(q.ToldAt), q.ToldHow, micro(q.VerifiedAt),
		micro(q.ClosedAt), q.Answer, q.CreatedBy, code.Hash, micro(code.Expires), code.Tries)
	return t.conflict(err)
}

func (t *tx) UpdateRightsRequest(ctx context.Context, q rights.Request) (err error) {
	defer errorf("update rights request", &err)
	n, err := t.db.Exec(ctx, `UPDATE rights_requests SET contact_id = $2, state = $3, due_at = $4, extended_until = $5,
		extension_reason = $6, told_at = $7, told_how = $8, verified_at = $9, closed_at = $10, answer = $11 WHERE id = $1`,
		q.ID, q.ContactID, string(q.State), micro(q.DueAt), micro(q.ExtendedUntil), q.ExtensionReason, micro(q.ToldAt),
		q.ToldHow, micro(q.VerifiedAt), micro(q.ClosedAt), q.Answer)
	if err == nil && n == 0 {
		err = store.ErrNotFound
	}
	return err
}

func (t *tx) AddRightsStep(ctx context.Context, s rights.Step) (err error) {
	defer errorf("add rights step", &err)
	_, err = t.db.Exec(ctx, `INSERT INTO rights_steps (id, request_id, at, actor, action, note) VALUES ($1, $2, $3, $4, $5, $6)`,
		uuid.Must(uuid.NewV7()).String(), s.RequestID, micro(s.At), s.Actor, s.Action, s.Note)
	return err
}

func (t *tx) LockRightsCode(ctx context.Context, requestID string) (c store.RightsCode, err error) {
	defer errorf("lock rights code", &err)
	var exp int64
	err = t.db.QueryRow(ctx, `SELECT code_hash, code_expires, code_tries FROM rights_requests WHERE id = $1`+t.b.ForUpdate,
		requestID).Scan(&c.Hash, &exp, &c.Tries)
	c.Expires = fromMicro(exp)
	return c, t.notFound(err)
}

func (t *tx) SetRightsCode(ctx context.Context, requestID string, c store.RightsCode) (err error) {
	defer errorf("set rights code", &err)
	n, err := t.db.Exec(ctx, `UPDATE rights_requests SET code_hash = $2, code_expires = $3, code_tries = $4 WHERE id = $1`,
		requestID, c.Hash, micro(c.Expires), c.Tries)
	if err == nil && n == 0 {
		err = store.ErrNotFound
	}
	return err
}
