// SPDX-License-Identifier: AGPL-3.0-only

package sqlstore

import (
	"context"
	"time"
)

func (r *reader) KeyFingerprint(ctx context.Context) (fp []byte, err error) {
	defer errorf("key fingerprint", &err)
	err = r.db.QueryRow(ctx, `SELECT fingerprint FROM key_check WHERE id = 1`).Scan(&fp)
	return fp, r.notFound(err)
}

func (r *reader) SealedSample(ctx context.Context) (wrapped []byte, any bool, err error) {
	defer errorf("sealed sample", &err)
	rows, err := r.db.Query(ctx, `SELECT wrapped FROM contact_keys LIMIT 1`)
	if err != nil {
		return nil, false, err
	}
	for rows.Next() {
		if err := rows.Scan(&wrapped); err != nil {
			rows.Close()
			return nil, false, err
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, false, err
	}
	if wrapped != nil {
		return wrapped, true, nil
	}
	var n int64
	err = r.db.QueryRow(ctx, `SELECT (SELECT count(*) FROM (SELECT 1 FROM contacts LIMIT 1) c)
		+ (SELECT count(*) FROM (SELECT 1 FROM confirmations LIMIT 1) o)
		+ (SELECT count(*) FROM (SELECT 1 FROM webhook_inbox LIMIT 1) w)`).Scan(&n)
	return nil, n > 0, err
}

func (t *tx) RecordKeyFingerprint(ctx context.Context, fp []byte, at time.Time) (err error) {
	defer errorf("record key fingerprint", &err)
	_, err = t.db.Exec(ctx, `INSERT INTO key_check (id, fingerprint, created_at) VALUES (1, $1, $2)
		ON CONFLICT (id) DO NOTHING`, fp, micro(at))
	return err
}
