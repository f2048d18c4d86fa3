// SPDX-License-Identifier: AGPL-3.0-only

package sqlstore

import (
	"context"
	"time"

	"github.com/samtykke/samtykke/internal/store"
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
	if _, err = t.db.Exec(ctx, `INSERT INTO key_check (id, fingerprint, created_at) VALUES (1, $1, $2)
		ON CONFLICT (id) DO NOTHING`, fp, micro(at)); err != nil {
		return err
	}
	// The first key is key 1 of the keyring, active (S-01).
	_, err = t.db.Exec(ctx, `INSERT INTO vault_keys (id, fingerprint, role, created_at)
		SELECT 1, fingerprint, 'active', created_at FROM key_check
		WHERE NOT EXISTS (SELECT 1 FROM vault_keys)`)
	return err
}

func (r *reader) Keys(ctx context.Context) (keys []store.Key, err error) {
	defer errorf("keys", &err)
	rows, err := r.db.Query(ctx, `SELECT id, fingerprint, role, carried, checkpoint_pub, receipt_pub, created_at, retired_at
		FROM vault_keys ORDER BY id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var k store.Key
		var created, retired int64
		if err := rows.Scan(&k.ID, &k.Fingerprint, &k.Role, &k.Carried, &k.CheckpointPub, &k.ReceiptPub, &created, &retired); err != nil {
			return nil, err
		}
		k.CreatedAt, k.RetiredAt = fromMicro(created), fromMicro(retired)
		keys = append(keys, k)
	}
	return keys, rows.Err()
}

func (r *reader) RekeyProgress(ctx context.Context, keyID int) (done, total int64, err error) {
	defer errorf("rekey progress", &err)
	err = r.db.QueryRow(ctx, `SELECT (SELECT count(*) FROM contacts WHERE key_id = $1), (SELECT count(*) FROM contacts)`,
		keyID).Scan(&done, &total)
	return done, total, err
}

func (t *tx) AddKey(ctx context.Context, k store.Key) (err error) {
	defer errorf("add key", &err)
	_, err = t.db.Exec(ctx, `INSERT INTO vault_keys (id, fingerprint, role, carried, checkpoint_pub, receipt_pub, created_at, retired_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		k.ID, k.Fingerprint, k.Role, k.Carried, k.CheckpointPub, k.ReceiptPub, micro(k.CreatedAt), micro(k.RetiredAt))
	return t.conflict(err)
}

func (t *tx) SetKeyRole(ctx context.Context, id int, role string, at time.Time) (err error) {
	defer errorf("set key role", &err)
	n, err := t.db.Exec(ctx, `UPDATE vault_keys SET role = $2, retired_at = $3 WHERE id = $1`, id, role, micro(at))
	if err == nil && n == 0 {
		return store.ErrNotFound
	}
	return t.conflict(err)
}

func (t *tx) SetKeyPublished(ctx context.Context, id int, checkpoint, receipt []byte) (err error) {
	defer errorf("set key published", &err)
	_, err = t.db.Exec(ctx, `UPDATE vault_keys SET checkpoint_pub = $2, receipt_pub = $3
		WHERE id = $1 AND checkpoint_pub IS NULL`, id, checkpoint, receipt)
	return err
}

func (t *tx) ContactsToRekey(ctx context.Context, keyID int, after string, limit int) (out []store.Rekey, err error) {
	defer errorf("contacts to rekey", &err)
	lock := t.b.ForUpdate
	if lock != "" {
		lock += " OF c"
	}
	rows, err := t.db.Query(ctx, `SELECT c.id, k.wrapped, c.phone_ct, c.bsuid_ct, n.phone_ct
		FROM contacts c LEFT JOIN contact_keys k ON k.contact_id = c.id LEFT JOIN number_changes n ON n.contact_id = c.id
		WHERE c.key_id <> $1 AND c.id > $2 ORDER BY c.id LIMIT $3`+lock, keyID, after, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var r store.Rekey
		if err := rows.Scan(&r.ContactID, &r.Wrapped, &r.PhoneCT, &r.BSUIDCT, &r.ChangeCT); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

func (t *tx) Rekey(ctx context.Context, moved []store.Rekeyed) (err error) {
	defer errorf("rekey", &err)
	for _, m := range moved {
		if _, err := t.db.Exec(ctx, `UPDATE contacts SET key_id = $2,
			blind_index = COALESCE($3, blind_index), bsuid_index = COALESCE($4, bsuid_index) WHERE id = $1`,
			m.ContactID, m.KeyID, m.Index, m.BSUIDIndex); err != nil {
			return t.conflict(err)
		}
		if m.Wrapped != nil {
			if _, err := t.db.Exec(ctx, `UPDATE contact_keys SET wrapped = $2 WHERE contact_id = $1`, m.ContactID, m.Wrapped); err != nil {
				return err
			}
		}
		if m.ChangeIndex != nil {
			if _, err := t.db.Exec(ctx, `UPDATE number_changes SET blind_index = $2 WHERE contact_id = $1`, m.ContactID, m.ChangeIndex); err != nil {
				return err
			}
		}
	}
	return nil
}
