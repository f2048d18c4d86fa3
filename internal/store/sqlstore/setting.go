// SPDX-License-Identifier: AGPL-3.0-only

package sqlstore

import (
	"context"
	"time"
)

func (r *reader) Setting(ctx context.Context, key string) (value string, err error) {
	defer errorf("setting "+key, &err)
	err = r.db.QueryRow(ctx, `SELECT value FROM settings WHERE key = $1`, key).Scan(&value)
	return value, r.notFound(err)
}

func (t *tx) PutSetting(ctx context.Context, key, value, by string, at time.Time) (err error) {
	defer errorf("put setting "+key, &err)
	_, err = t.db.Exec(ctx, `INSERT INTO settings (key, value, updated_at, updated_by) VALUES ($1, $2, $3, $4)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
		key, value, micro(at), by)
	return err
}
