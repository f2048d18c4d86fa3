// SPDX-License-Identifier: AGPL-3.0-only

package sqlstore

import (
	"context"
	"time"

	"github.com/samtykke/samtykke/internal/reply"
)

func (t *tx) AddReply(ctx context.Context, r reply.Reply) (err error) {
	defer errorf("add reply", &err)
	_, err = t.db.Exec(ctx, `INSERT INTO replies (id, contact_id, sender_index, at, window_ends, class, sealed)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, r.ID, r.ContactID, r.SenderIndex, micro(r.At), micro(r.WindowEnds), string(r.Class), r.Sealed)
	return t.conflict(err)
}

func (r *reader) Replies(ctx context.Context, before string, limit int) (rs []reply.Reply, err error) {
	defer errorf("replies", &err)
	if limit <= 0 {
		limit = 50
	}
	// Ids are UUIDv7: newest first is id order backwards (keyset paging).
	rows, err := r.db.Query(ctx, `SELECT id, contact_id, at, window_ends, class, sealed FROM replies
		WHERE ($1 = '' OR id < $1) ORDER BY id DESC LIMIT $2`, before, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var x reply.Reply
		var at, ends int64
		var class string
		if err := rows.Scan(&x.ID, &x.ContactID, &at, &ends, &class, &x.Sealed); err != nil {
			return nil, err
		}
		x.At, x.WindowEnds, x.Class = fromMicro(at), fromMicro(ends), reply.Class(class)
		rs = append(rs, x)
	}
	return rs, rows.Err()
}

func (r *reader) ContactReplies(ctx context.Context, contactID string) (rs []reply.Reply, err error) {
	defer errorf("replies of contact "+contactID, &err)
	rows, err := r.db.Query(ctx, `SELECT id, contact_id, at, window_ends, class, sealed FROM replies
		WHERE contact_id = $1 ORDER BY at, id`, contactID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var x reply.Reply
		var at, ends int64
		var class string
		if err := rows.Scan(&x.ID, &x.ContactID, &at, &ends, &class, &x.Sealed); err != nil {
			return nil, err
		}
		x.At, x.WindowEnds, x.Class = fromMicro(at), fromMicro(ends), reply.Class(class)
		rs = append(rs, x)
	}
	return rs, rows.Err()
}

func (t *tx) PurgeReplies(ctx context.Context, before time.Time, limit int) (n int64, err error) {
	defer errorf("purge replies", &err)
	return t.db.Exec(ctx, `DELETE FROM replies WHERE id IN (SELECT id FROM replies WHERE at < $1 LIMIT $2)`, micro(before), limit)
}
