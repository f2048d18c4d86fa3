// SPDX-License-Identifier: AGPL-3.0-only

package sqlstore

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/samtykke/samtykke/internal/contact"
	"github.com/samtykke/samtykke/internal/message"
	"github.com/samtykke/samtykke/internal/optin"
	"github.com/samtykke/samtykke/internal/store"
)

func (r *reader) ContactByBSUID(ctx context.Context, index []byte) (c contact.Contact, err error) {
	defer errorf("contact by bsuid", &err)
	c, err = scanContact(r.db.QueryRow(ctx, `SELECT `+contactColumns+contactFrom+` WHERE c.bsuid_index = $1`, index))
	return c, r.notFound(err)
}

func (t *tx) SetBSUID(ctx context.Context, contactID string, sealed, index []byte) (err error) {
	defer errorf("set bsuid", &err)
	// The BSUID now goes with this contact's number: another contact that
	// held it (the platform gave it to this number since) lets it go.
	if _, err = t.db.Exec(ctx, `UPDATE contacts SET bsuid_ct = NULL, bsuid_index = NULL WHERE bsuid_index = $1 AND id <> $2`,
		index, contactID); err != nil {
		return err
	}
	_, err = t.db.Exec(ctx, `UPDATE contacts SET bsuid_ct = $2, bsuid_index = $3 WHERE id = $1`, contactID, sealed, index)
	return t.conflict(err)
}

func (t *tx) ContactBSUIDs(ctx context.Context, blindIndexes [][]byte) (out map[string][]byte, err error) {
	defer errorf("contact bsuids", &err)
	out = map[string][]byte{}
	if len(blindIndexes) == 0 {
		return out, nil
	}
	read := func(query string, args ...any) error {
		rows, err := t.db.Query(ctx, query, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var index, bsuid []byte
			if err := rows.Scan(&index, &bsuid); err != nil {
				return err
			}
			out[string(index)] = bsuid
		}
		return rows.Err()
	}
	if t.b.Arrays {
		return out, read(`SELECT c.blind_index, COALESCE(c.bsuid_index, ''::bytea) FROM unnest($1::bytea[]) AS l(b)
			JOIN contacts c ON c.blind_index = l.b`, blindIndexes)
	}
	// Placeholders, not JSON (the indexes are bytes), as SuppressedTokens.
	vals := make([]any, len(blindIndexes))
	for i, b := range blindIndexes {
		vals[i] = b
	}
	return out, inChunks(nil, 1, vals, func(args []any) error { return read(contactBSUIDsValues, args...) })
}

var contactBSUIDsValues = `SELECT c.blind_index, COALESCE(c.bsuid_index, CAST('' AS BLOB)) FROM contacts c
	WHERE c.blind_index IN ` + PlaceholderRows(0, 1, chunkRows, "")

func (t *tx) ObjectByBSUID(ctx context.Context, token, reason string, at time.Time) (err error) {
	defer errorf("object by bsuid", &err)
	_, err = t.db.Exec(ctx, `INSERT INTO bsuid_objections (token, reason, at, linked_at) VALUES ($1, $2, $3, 0)
		ON CONFLICT (token) DO UPDATE SET reason = excluded.reason, at = excluded.at, linked_at = 0
		WHERE bsuid_objections.linked_at > 0`, token, reason, micro(at))
	return err
}

func (t *tx) LinkBSUIDObjections(ctx context.Context, tokens []string, at time.Time) (out map[string]store.BSUIDObjection, err error) {
	defer errorf("link bsuid objections", &err)
	out = map[string]store.BSUIDObjection{}
	if len(tokens) == 0 {
		return out, nil
	}
	rows, err := t.db.Query(ctx, `UPDATE bsuid_objections SET linked_at = $2 WHERE linked_at = 0 AND token `+t.b.InList("$1")+`
		RETURNING token, reason, at`, t.b.ListArg(tokens), micro(at))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var token string
		var o store.BSUIDObjection
		var objected int64
		if err := rows.Scan(&token, &o.Reason, &objected); err != nil {
			return nil, err
		}
		o.At = fromMicro(objected)
		out[token] = o
	}
	return out, rows.Err()
}

func (t *tx) EraseContact(ctx context.Context, id string, at time.Time) (err error) {
	defer errorf("erase contact", &err)
	if _, err = t.db.Exec(ctx, `DELETE FROM contact_keys WHERE contact_id = $1`, id); err != nil {
		return err
	}
	n, err := t.db.Exec(ctx, `UPDATE contacts SET phone_ct = NULL, blind_index = NULL, fields_ct = NULL, bsuid_ct = NULL,
		bsuid_index = NULL, erased_at = $2 WHERE id = $1`, id, micro(at))
	if err == nil && n == 0 {
		err = store.ErrNotFound
	}
	if err != nil {
		return err
	}
	// After the update, which waits for a SetContactTags holding the contact:
	// this statement then sees the tags it wrote.
	_, err = t.db.Exec(ctx, `DELETE FROM contact_tags WHERE contact_id = $1`, id)
	return err
}

const messageColumns = `id, contact_id, kind, purpose, consent_event_id, body_key, COALESCE(wamid, ''), status,
	error_code, error_title, created_at, updated_at`

func scanMessage(row scanner) (message.Message, error) {
	var m message.Message
	var created, updated int64
	err := row.Scan(&m.ID, &m.ContactID, &m.Kind, &m.Purpose, &m.ConsentEventID, &m.BodyKey, &m.WAMID, &m.Status,
		&m.ErrorCode, &m.ErrorTitle, &created, &updated)
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

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func (t *tx) CreateMessage(ctx context.Context, m message.Message) (err error) {
	defer errorf("create message", &err)
	err = t.conn.Later(ctx, "create message", `INSERT INTO messages (id, contact_id, kind, purpose, consent_event_id, body_key, wamid, status,
		error_code, error_title, created_at, updated_at, unknown_since)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11, CASE WHEN $8 = 'unknown' THEN CAST($11 AS BIGINT) ELSE 0 END)`,
		m.ID, m.ContactID, string(m.Kind), m.Purpose, m.ConsentEventID, m.BodyKey, nullable(m.WAMID), string(m.Status),
		m.ErrorCode, m.ErrorTitle, micro(m.CreatedAt))
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
	defer errorf("mark seen", &err)
	n, err := t.db.Exec(ctx, `INSERT INTO webhook_seen (key, at) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING`, key, micro(at))
	return n == 1, err
}

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

func (t *tx) Hit(ctx context.Context, key string, window time.Duration, limit int, now time.Time) (ok bool, err error) {
	defer errorf("rate limit", &err)
	start := now.Truncate(window).UnixMicro()
	var count int
	err = t.db.QueryRow(ctx, `INSERT INTO rate_limits (key, window_start, count) VALUES ($1, $2, 1)
		ON CONFLICT (key) DO UPDATE SET
			count = CASE WHEN rate_limits.window_start = excluded.window_start THEN rate_limits.count + 1 ELSE 1 END,
			window_start = excluded.window_start
		RETURNING count`, key, start).Scan(&count)
	return count <= limit, err
}
