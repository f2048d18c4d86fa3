// SPDX-License-Identifier: AGPL-3.0-only

package sqlstore

import (
	"context"
	"time"

	"github.com/samtykke/samtykke/internal/contact"
	"github.com/samtykke/samtykke/internal/store"
)

func (t *tx) RectifyContact(ctx context.Context, id, language string, fieldsCT []byte) (err error) {
	defer errorf("rectify contact", &err)
	n, err := t.db.Exec(ctx, `UPDATE contacts SET language = $2, fields_ct = $3 WHERE id = $1 AND erased_at = 0`,
		id, language, fieldsCT)
	if err == nil && n == 0 {
		err = store.ErrNotFound
	}
	return err
}

func (t *tx) ChangeContactNumber(ctx context.Context, id string, phoneCT, blindIndex []byte, region string, mobile bool) (err error) {
	defer errorf("change contact number", &err)
	n, err := t.db.Exec(ctx, `UPDATE contacts SET phone_ct = $2, blind_index = $3, region = $4, mobile = $5,
		undeliverable = 0, bsuid_ct = NULL, bsuid_index = NULL WHERE id = $1 AND erased_at = 0`,
		id, phoneCT, blindIndex, region, mobile)
	if err != nil {
		return t.conflict(err)
	}
	if n == 0 {
		return store.ErrNotFound
	}
	return nil
}

func (t *tx) Restrict(ctx context.Context, r contact.Restriction) (err error) {
	defer errorf("restrict", &err)
	n, err := t.db.Exec(ctx, `UPDATE contacts SET restricted = $2 WHERE id = $1`, r.ContactID, r.On)
	if err == nil && n == 0 {
		err = store.ErrNotFound
	}
	if err != nil {
		return err
	}
	_, err = t.db.Exec(ctx, `INSERT INTO contact_restrictions (id, contact_id, restricted, reason, actor, at)
		VALUES ($1, $2, $3, $4, $5, $6)`, r.ID, r.ContactID, r.On, r.Reason, r.Actor, micro(r.At))
	return t.conflict(err)
}

func (r *reader) Restrictions(ctx context.Context, contactID string) (rs []contact.Restriction, err error) {
	defer errorf("restrictions", &err)
	rows, err := r.db.Query(ctx, `SELECT id, contact_id, restricted, reason, actor, at FROM contact_restrictions
		WHERE contact_id = $1 ORDER BY at, id`, contactID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var x contact.Restriction
		var at int64
		if err := rows.Scan(&x.ID, &x.ContactID, &x.On, &x.Reason, &x.Actor, &at); err != nil {
			return nil, err
		}
		x.At = fromMicro(at)
		rs = append(rs, x)
	}
	return rs, rows.Err()
}

const numberChangeColumns = `contact_id, id, phone_ct, blind_index, code_hash, source, tries, created_at, expires_at`

func scanNumberChange(row scanner) (contact.NumberChange, error) {
	var n contact.NumberChange
	var created, expires int64
	err := row.Scan(&n.ContactID, &n.ID, &n.PhoneCT, &n.BlindIndex, &n.CodeHash, &n.Source, &n.Tries, &created, &expires)
	n.CreatedAt, n.ExpiresAt = fromMicro(created), fromMicro(expires)
	return n, err
}

func (r *reader) NumberChange(ctx context.Context, contactID string) (n contact.NumberChange, err error) {
	defer errorf("number change", &err)
	n, err = scanNumberChange(r.db.QueryRow(ctx, `SELECT `+numberChangeColumns+` FROM number_changes WHERE contact_id = $1`, contactID))
	return n, r.notFound(err)
}

func (r *reader) NumberChangesTo(ctx context.Context, blindIndex []byte) (ns []contact.NumberChange, err error) {
	defer errorf("number changes to", &err)
	rows, err := r.db.Query(ctx, `SELECT `+numberChangeColumns+` FROM number_changes WHERE blind_index = $1
		ORDER BY created_at, contact_id`, blindIndex)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		n, err := scanNumberChange(rows)
		if err != nil {
			return nil, err
		}
		ns = append(ns, n)
	}
	return ns, rows.Err()
}

func (t *tx) PutNumberChange(ctx context.Context, n contact.NumberChange) (err error) {
	defer errorf("put number change", &err)
	_, err = t.db.Exec(ctx, `INSERT INTO number_changes (`+numberChangeColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
		ON CONFLICT (contact_id) DO UPDATE SET id = excluded.id, phone_ct = excluded.phone_ct, blind_index = excluded.blind_index,
			code_hash = excluded.code_hash, source = excluded.source, tries = excluded.tries,
			created_at = excluded.created_at, expires_at = excluded.expires_at`,
		n.ContactID, n.ID, n.PhoneCT, n.BlindIndex, n.CodeHash, n.Source, n.Tries, micro(n.CreatedAt), micro(n.ExpiresAt))
	return err
}

func (t *tx) NumberChangeTried(ctx context.Context, contactID string) (tries int, err error) {
	defer errorf("number change tried", &err)
	err = t.db.QueryRow(ctx, `UPDATE number_changes SET tries = tries + 1 WHERE contact_id = $1 RETURNING tries`, contactID).Scan(&tries)
	return tries, t.notFound(err)
}

func (t *tx) DeleteNumberChange(ctx context.Context, contactID string) (err error) {
	defer errorf("delete number change", &err)
	_, err = t.db.Exec(ctx, `DELETE FROM number_changes WHERE contact_id = $1`, contactID)
	return err
}

func (t *tx) DeleteExpiredNumberChanges(ctx context.Context, now time.Time, limit int) (n int64, err error) {
	defer errorf("delete expired number changes", &err)
	return t.db.Exec(ctx, `DELETE FROM number_changes WHERE contact_id IN
		(SELECT contact_id FROM number_changes WHERE expires_at <= $1 ORDER BY expires_at LIMIT $2)`, micro(now), limit)
}
