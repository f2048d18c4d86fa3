// SPDX-License-Identifier: AGPL-3.0-only

package sqlstore

import (
	"context"
	"time"

	"github.com/samtykke/samtykke/internal/contact"
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
