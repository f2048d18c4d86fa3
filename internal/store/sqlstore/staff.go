// SPDX-License-Identifier: AGPL-3.0-only

package sqlstore

import (
	"context"
	"fmt"
	"time"

	"github.com/samtykke/samtykke/internal/access"
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

func (t *tx) CreateFirstToken(ctx context.Context, tok staff.Token) (created bool, err error) {
	defer errorf("create first token", &err)
	if t.b.TokenLock != "" {
		if _, err := t.db.Exec(ctx, t.b.TokenLock); err != nil {
			return false, err
		}
	}
	// Read committed: this statement sees a token another replica committed
	// while this one waited for the lock.
	n, err := t.db.Exec(ctx, `INSERT INTO api_tokens (id, name, role, hash, created_at, revoked_at, expires_at)
		SELECT $1, $2, $3, $4, $5, 0, $6 WHERE NOT EXISTS (SELECT 1 FROM api_tokens)`,
		tok.ID, tok.Name, string(tok.Role), tok.Hash, micro(tok.CreatedAt), micro(tok.ExpiresAt))
	return n == 1, t.conflict(err)
}

func (r *reader) Accesses(ctx context.Context, contactID string) (es []access.Entry, err error) {
	defer errorf("accesses", &err)
	return r.accesses(ctx, `SELECT `+accessColumns+` FROM access_log WHERE contact_id = $1 ORDER BY at, id`, contactID)
}

const accessColumns = `id, at, actor, action, contact_id, reason, request_id, scope, row_count, outcome`

func (r *reader) ExportLog(ctx context.Context, limit int) (es []access.Entry, err error) {
	defer errorf("export log", &err)
	return r.accesses(ctx, `SELECT `+accessColumns+` FROM access_log WHERE action = 'export' ORDER BY at DESC, id DESC LIMIT $1`, limit)
}

func (r *reader) accesses(ctx context.Context, query string, args ...any) (es []access.Entry, err error) {
	rows, err := r.db.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var e access.Entry
		var at int64
		if err := rows.Scan(&e.ID, &at, &e.Actor, &e.Action, &e.ContactID, &e.Reason, &e.RequestID, &e.Scope, &e.Rows, &e.Outcome); err != nil {
			return nil, err
		}
		e.At = fromMicro(at)
		es = append(es, e)
	}
	return es, rows.Err()
}

func (t *tx) RecordAccess(ctx context.Context, e access.Entry) (err error) {
	defer errorf("record access", &err)
	err = t.conn.Later(ctx, "record access", `INSERT INTO access_log (`+accessColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`, e.ID, micro(e.At), e.Actor, string(e.Action), e.ContactID, e.Reason,
		e.RequestID, e.Scope, e.Rows, string(e.Outcome))
	return err
}

func (t *tx) FinishExport(ctx context.Context, id string, rows int64, outcome access.Outcome) (err error) {
	defer errorf("finish export", &err)
	n, err := t.db.Exec(ctx, `UPDATE access_log SET row_count = $2, outcome = $3 WHERE id = $1 AND action = 'export' AND outcome = $4`,
		id, rows, string(outcome), string(access.Started))
	if err == nil && n == 0 {
		err = fmt.Errorf("%w: no export %s still started", store.ErrNotFound, id)
	}
	return err
}
