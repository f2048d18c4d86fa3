// SPDX-License-Identifier: AGPL-3.0-only

package sqlstore

import (
	"context"
	"fmt"
	"time"

	"github.com/samtykke/samtykke/internal/staff"
	"github.com/samtykke/samtykke/internal/store"
)

func (r *reader) TokenByHash(ctx context.Context, hash []byte) (tok staff.Token, err error) {
	defer errorf("token", &err)
	var created, revoked, expires int64
	err = r.db.QueryRow(ctx, `SELECT id, name, role, hash, created_at, revoked_at, expires_at FROM api_tokens WHERE hash = $1`, hash).
		Scan(&tok.ID, &tok.Name, &tok.Role, &tok.Hash, &created, &revoked, &expires)
	tok.CreatedAt, tok.RevokedAt, tok.ExpiresAt = fromMicro(created), fromMicro(revoked), fromMicro(expires)
	return tok, r.notFound(err)
}

func (r *reader) Tokens(ctx context.Context) (ts []staff.Token, err error) {
	defer errorf("tokens", &err)
	rows, err := r.db.Query(ctx, `SELECT id, name, role, hash, created_at, revoked_at, expires_at FROM api_tokens ORDER BY created_at, id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var tok staff.Token
		var created, revoked, expires int64
		if err := rows.Scan(&tok.ID, &tok.Name, &tok.Role, &tok.Hash, &created, &revoked, &expires); err != nil {
			return nil, err
		}
		tok.CreatedAt, tok.RevokedAt, tok.ExpiresAt = fromMicro(created), fromMicro(revoked), fromMicro(expires)
		ts = append(ts, tok)
	}
	return ts, rows.Err()
}

func (t *tx) RevokeToken(ctx context.Context, id string, at time.Time) (err error) {
	defer errorf("revoke token "+id, &err)
	var revoked int64
	if err := t.db.QueryRow(ctx, `SELECT revoked_at FROM api_tokens WHERE id = $1`, id).Scan(&revoked); err != nil {
		return t.notFound(err)
	}
	if revoked != 0 {
		return fmt.Errorf("%w: the token was revoked already", store.ErrConflict)
	}
	_, err = t.db.Exec(ctx, `UPDATE api_tokens SET revoked_at = $1 WHERE id = $2`, micro(at), id)
	return err
}

func (r *reader) CountTokens(ctx context.Context) (n int64, err error) {
	defer errorf("count tokens", &err)
	err = r.db.QueryRow(ctx, `SELECT count(*) FROM api_tokens`).Scan(&n)
	return n, err
}

func (t *tx) CreateToken(ctx context.Context, tok staff.Token) (err error) {
	defer errorf("create token", &err)
	_, err = t.db.Exec(ctx, `INSERT INTO api_tokens (id, name, role, hash, created_at, revoked_at, expires_at) VALUES ($1, $2, $3, $4, $5, 0, $6)`,
		tok.ID, tok.Name, string(tok.Role), tok.Hash, micro(tok.CreatedAt), micro(tok.ExpiresAt))
	return t.conflict(err)
}
