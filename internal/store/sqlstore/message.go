// SPDX-License-Identifier: AGPL-3.0-only

package sqlstore

import (
	"context"
	"fmt"
	"time"

	"github.com/samtykke/samtykke/internal/message"
	"github.com/samtykke/samtykke/internal/store"
)

const messageColumns = `id, contact_id, kind, purpose, consent_event_id, body_key, COALESCE(wamid, ''), status,
	error_code, error_title, created_at, updated_at, campaign_id`

func scanMessage(row scanner) (message.Message, error) {
	var m message.Message
	var created, updated int64
	err := row.Scan(&m.ID, &m.ContactID, &m.Kind, &m.Purpose, &m.ConsentEventID, &m.BodyKey, &m.WAMID, &m.Status,
		&m.ErrorCode, &m.ErrorTitle, &created, &updated, &m.CampaignID)
	m.CreatedAt, m.UpdatedAt = fromMicro(created), fromMicro(updated)
	return m, err
}

func (r *reader) Message(ctx context.Context, id string) (m message.Message, err error) {
	defer errorf("message", &err)
	m, err = scanMessage(r.db.QueryRow(ctx, `SELECT `+messageColumns+` FROM messages WHERE id = $1`, id))
	return m, r.notFound(err)
}

func (r *reader) LastMessage(ctx context.Context, contactID string, kind message.Kind) (m message.Message, err error) {
	defer errorf("last message", &err)
	m, err = scanMessage(r.db.QueryRow(ctx, `SELECT `+messageColumns+` FROM messages
		WHERE contact_id = $1 AND kind = $2 AND campaign_id = '' ORDER BY created_at DESC, id DESC LIMIT 1`, contactID, string(kind)))
	return m, r.notFound(err)
}

func (r *reader) ContactMessages(ctx context.Context, contactID string) (ms []message.Message, err error) {
	defer errorf("contact messages", &err)
	rows, err := r.db.Query(ctx, `SELECT `+messageColumns+` FROM messages WHERE contact_id = $1 ORDER BY created_at, id`, contactID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	ms = []message.Message{}
	for rows.Next() {
		m, err := scanMessage(rows)
		if err != nil {
			return nil, err
		}
		ms = append(ms, m)
	}
	return ms, rows.Err()
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func (t *tx) CreateMessage(ctx context.Context, m message.Message) (err error) {
	defer errorf("create message", &err)
	err = t.conn.Later(ctx, "create message", `INSERT INTO messages (id, contact_id, kind, purpose, consent_event_id, body_key, wamid, status,
		error_code, error_title, created_at, updated_at, unknown_since, campaign_id)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11, CASE WHEN $8 = 'unknown' THEN CAST($11 AS BIGINT) ELSE 0 END, $12)`,
		m.ID, m.ContactID, string(m.Kind), m.Purpose, m.ConsentEventID, m.BodyKey, nullable(m.WAMID), string(m.Status),
		m.ErrorCode, m.ErrorTitle, micro(m.CreatedAt), m.CampaignID)
	return t.conflict(err)
}

func (t *tx) ClaimMessage(ctx context.Context, id string, at time.Time) (err error) {
	defer errorf("claim message", &err)
	n, err := t.db.Exec(ctx, `UPDATE messages SET status = 'sending', updated_at = $2 WHERE id = $1 AND status = 'queued'`, id, micro(at))
	if err == nil && n == 0 {
		err = fmt.Errorf("%w: message %s is not queued", store.ErrConflict, id)
	}
	return err
}

func (t *tx) FinishMessage(ctx context.Context, id string, status message.Status, wamid string, code int, title string, at time.Time) (err error) {
	defer errorf("finish message", &err)
	_, err = t.db.Exec(ctx, `UPDATE messages SET status = $2, wamid = COALESCE($3, wamid), error_code = $4, error_title = $5,
		updated_at = $6, unknown_since = CASE WHEN $2 = 'unknown' THEN CAST($6 AS BIGINT) ELSE 0 END
		WHERE id = $1 AND status IN ('queued', 'sending')`,
		id, string(status), nullable(wamid), code, title, micro(at))
	return t.conflict(err)
}

func (t *tx) SettleUnknown(ctx context.Context, before time.Time, title string, at time.Time, limit int) (n int64, err error) {
	defer errorf("settle unknown", &err)
	return t.db.Exec(ctx, `UPDATE messages SET status = 'failed', error_title = $2, updated_at = $3, unknown_since = 0
		WHERE id IN (SELECT id FROM messages WHERE unknown_since > 0 AND unknown_since < $1 AND status = 'unknown' LIMIT $4)`,
		micro(before), title, micro(at), limit)
}

func (r *reader) ExpiredMessages(ctx context.Context, before time.Time, limit int) (ids []string, err error) {
	defer errorf("expired messages", &err)
	return strings1(r.db.Query(ctx, `SELECT id FROM messages WHERE created_at < $1 LIMIT $2`, micro(before), limit))
}

func (t *tx) DeleteMessages(ctx context.Context, ids []string) (n int64, err error) {
	defer errorf("delete messages", &err)
	if len(ids) == 0 {
		return 0, nil
	}
	return t.db.Exec(ctx, `DELETE FROM messages WHERE id `+t.b.InList("$1"), t.b.ListArg(ids))
}
