// SPDX-License-Identifier: AGPL-3.0-only

package sqlstore

import (
	"context"
	"time"
)

func (r *reader) SuppressedAt(ctx context.Context, token []byte) (at time.Time, err error) {
	defer errorf("suppressed", &err)
	var v int64
	err = r.db.QueryRow(ctx, `SELECT COALESCE(MAX(at), 0) FROM suppressions WHERE token = $1`, token).Scan(&v)
	return fromMicro(v), err
}

func (t *tx) Suppress(ctx context.Context, token []byte, reason string, at time.Time) (err error) {
	defer errorf("suppress", &err)
	err = t.conn.Later(ctx, "suppress", `INSERT INTO suppressions (token, reason, at) VALUES ($1, $2, $3)
		ON CONFLICT (token) DO NOTHING`, token, reason, micro(at))
	return err
}

func (r *reader) SuppressedTokens(ctx context.Context, tokens [][]byte) (out map[string]time.Time, err error) {
	defer errorf("suppressed tokens", &err)
	out = map[string]time.Time{}
	if len(tokens) == 0 {
		return out, nil
	}
	if r.b.Arrays {
		// One array joined to the list: a probe of the key per token (as
		// "= ANY" the generic plan compared every token with every row:
		// 1.5 ms a batch at 700 suppressions, growing with the list).
		return out, r.suppressedInto(ctx, out, `SELECT s.token, s.at FROM unnest($1::bytea[]) AS t(token)
			JOIN suppressions s ON s.token = t.token`, tokens)
	}
	// Placeholders, not JSON (the tokens are bytes), in chunks of one
	// statement whatever the batch's size; the NULLs that fill the last
	// match nothing.
	vals := make([]any, len(tokens))
	for i, tok := range tokens {
		vals[i] = tok
	}
	return out, inChunks(nil, 1, vals, func(args []any) error { return r.suppressedInto(ctx, out, suppressedValues, args...) })
}

var suppressedValues = `SELECT token, at FROM suppressions WHERE token IN ` + PlaceholderRows(0, 1, chunkRows, "")

// suppressedInto adds the suppressions a query finds (token, at) to out.
func (r *reader) suppressedInto(ctx context.Context, out map[string]time.Time, query string, args ...any) error {
	rows, err := r.db.Query(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var tok []byte
		var at int64
		if err := rows.Scan(&tok, &at); err != nil {
			return err
		}
		out[string(tok)] = fromMicro(at)
	}
	return rows.Err()
}
