// SPDX-License-Identifier: AGPL-3.0-only

package sqlstore

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/samtykke/samtykke/internal/optin"
	"github.com/samtykke/samtykke/internal/store"
)

const confirmationColumns = `id, contact_id, code_hash, purposes, language, created_at, expires_at, confirmed_at`

func scanConfirmation(row scanner) (optin.Confirmation, error) {
	var c optin.Confirmation
	var purposes string
	var created, expires, confirmed int64
	if err := row.Scan(&c.ID, &c.ContactID, &c.CodeHash, &purposes, &c.Language, &created, &expires, &confirmed); err != nil {
		return c, err
	}
	c.CreatedAt, c.ExpiresAt, c.ConfirmedAt = fromMicro(created), fromMicro(expires), fromMicro(confirmed)
	return c, json.Unmarshal([]byte(purposes), &c.Purposes)
}

func (r *reader) Confirmation(ctx context.Context, codeHash []byte) (c optin.Confirmation, err error) {
	defer errorf("confirmation", &err)
	c, err = scanConfirmation(r.db.QueryRow(ctx, `SELECT `+confirmationColumns+` FROM confirmations WHERE code_hash = $1`, codeHash))
	return c, r.notFound(err)
}

func (r *reader) ExpiredConfirmations(ctx context.Context, now time.Time, limit int) (cs []optin.Confirmation, err error) {
	defer errorf("expired confirmations", &err)
	rows, err := r.db.Query(ctx, `SELECT `+confirmationColumns+` FROM confirmations
		WHERE confirmed_at = 0 AND expires_at <= $1 ORDER BY expires_at LIMIT $2`, micro(now), limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		c, err := scanConfirmation(rows)
		if err != nil {
			return nil, err
		}
		cs = append(cs, c)
	}
	return cs, rows.Err()
}

func (t *tx) CreateConfirmation(ctx context.Context, c optin.Confirmation) (err error) {
	defer errorf("create confirmation", &err)
	purposes, err := json.Marshal(c.Purposes)
	if err != nil {
		return err
	}
	_, err = t.db.Exec(ctx, `INSERT INTO confirmations (`+confirmationColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, 0)`,
		c.ID, c.ContactID, c.CodeHash, string(purposes), c.Language, micro(c.CreatedAt), micro(c.ExpiresAt))
	return t.conflict(err)
}

func (t *tx) MarkConfirmed(ctx context.Context, id string, at time.Time) (err error) {
	defer errorf("mark confirmed", &err)
	n, err := t.db.Exec(ctx, `UPDATE confirmations SET confirmed_at = $2 WHERE id = $1 AND confirmed_at = 0`, id, micro(at))
	if err == nil && n == 0 {
		err = fmt.Errorf("%w: confirmation already used", store.ErrConflict)
	}
	return err
}

func (t *tx) DeleteConfirmation(ctx context.Context, id string) (err error) {
	defer errorf("delete confirmation", &err)
	_, err = t.db.Exec(ctx, `DELETE FROM confirmations WHERE id = $1`, id)
	return err
}

func (t *tx) PendingConfirmations(ctx context.Context, contactID string) (n int, err error) {
	defer errorf("pending confirmations", &err)
	err = t.db.QueryRow(ctx, `SELECT count(*) FROM confirmations WHERE contact_id = $1 AND confirmed_at = 0`, contactID).Scan(&n)
	return n, err
}
