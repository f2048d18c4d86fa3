// SPDX-License-Identifier: AGPL-3.0-only

package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/samtykke/samtykke/internal/store"
)

func (r *reader) PendingInbox(ctx context.Context, limit int, now time.Time) (items []store.InboxItem, err error) {
	defer errorf("pending inbox", &err)
	rows, err := r.db.Query(ctx, `SELECT id, digest, received_at, body_ct, attempts FROM webhook_inbox
		WHERE processed_at = 0 AND retry_at <= $2 ORDER BY id LIMIT $1`, limit, micro(now))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var it store.InboxItem
		var at int64
		if err := rows.Scan(&it.ID, &it.Digest, &at, &it.BodyCT, &it.Attempts); err != nil {
			return nil, err
		}
		it.ReceivedAt = fromMicro(at)
		items = append(items, it)
	}
	return items, rows.Err()
}

func (r *reader) FailingInbox(ctx context.Context) (n int64, err error) {
	defer errorf("failing inbox", &err)
	err = r.db.QueryRow(ctx, `SELECT count(*) FROM webhook_inbox WHERE processed_at = 0 AND attempts > 0`).Scan(&n)
	return n, err
}

func (t *tx) PutInbox(ctx context.Context, it store.InboxItem) (err error) {
	defer errorf("put inbox", &err)
	t.grew++
	body := it.BodyCT
	if !it.ProcessedAt.IsZero() {
		body = []byte{} // handled: the body, which holds numbers, is not kept
	}
	err = t.conn.Later(ctx, "put inbox", `INSERT INTO webhook_inbox (id, digest, received_at, body_ct, processed_at) VALUES ($1, $2, $3, $4, $5)`,
		it.ID, it.Digest, micro(it.ReceivedAt), body, micro(it.ProcessedAt))
	return t.conflict(err)
}

func (t *tx) MarkInboxProcessed(ctx context.Context, ids []string, at time.Time) (err error) {
	defer errorf("mark inbox processed", &err)
	if len(ids) == 0 {
		return nil
	}
	// The body is dropped once handled: it holds numbers in clear (sealed).
	_, err = t.db.Exec(ctx, `UPDATE webhook_inbox SET processed_at = $2, body_ct = $3 WHERE id `+t.b.InList("$1"),
		t.b.ListArg(ids), micro(at), []byte{})
	return err
}

func (t *tx) DeferInbox(ctx context.Context, id string, retryAt time.Time) (err error) {
	defer errorf("defer inbox", &err)
	n, err := t.db.Exec(ctx, `UPDATE webhook_inbox SET attempts = attempts + 1, retry_at = $2 WHERE id = $1 AND processed_at = 0`,
		id, micro(retryAt))
	if err == nil && n == 0 {
		err = store.ErrNotFound
	}
	return err
}

func (t *tx) DropInbox(ctx context.Context, ids []string) (err error) {
	defer errorf("drop inbox", &err)
	if len(ids) == 0 {
		return nil
	}
	_, err = t.db.Exec(ctx, `DELETE FROM webhook_inbox WHERE id `+t.b.InList("$1"), t.b.ListArg(ids))
	return err
}

func (t *tx) MarkSeen(ctx context.Context, key string, at time.Time) (fresh bool, err error) {
	return t.MarkSeenLater(ctx, key, at)()
}

func (t *tx) MarkSeenLater(ctx context.Context, key string, at time.Time) func() (bool, error) {
	var n Count
	err := t.conn.LaterCount(ctx, "mark seen", &n, `INSERT INTO webhook_seen (key, at) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING`, key, micro(at))
	return func() (bool, error) {
		if err == nil && !n.Known {
			err = t.conn.Flush(ctx)
		}
		if err == nil && !n.Known {
			err = errors.New("not sent") // a held statement before it failed
		}
		if err != nil {
			return false, fmt.Errorf("mark seen: %w", err)
		}
		return n.N == 1, nil
	}
}

func (t *tx) PurgeWebhooks(ctx context.Context, before time.Time, limit int) (n int64, err error) {
	defer errorf("purge webhooks", &err)
	n, err = t.db.Exec(ctx, `DELETE FROM webhook_inbox WHERE id IN (SELECT id FROM webhook_inbox
		WHERE processed_at > 0 AND processed_at < $1 LIMIT $2)`, micro(before), limit)
	if err != nil {
		return n, err
	}
	seen, err := t.db.Exec(ctx, `DELETE FROM webhook_seen WHERE key IN (SELECT key FROM webhook_seen WHERE at < $1 LIMIT $2)`,
		micro(before), limit)
	return n + seen, err
}
