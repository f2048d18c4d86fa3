// SPDX-License-Identifier: AGPL-3.0-only

package sqlstore

import (
	"context"
	"time"
)

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

func (t *tx) TakeTokens(ctx context.Context, sender string, want int, rate, burst float64, now time.Time) (got int, err error) {
	defer errorf("take tokens", &err)
	tokens, err := t.refill(ctx, sender, rate, burst, now, 0)
	if err != nil {
		return 0, err
	}
	got = max(0, min(want, int(tokens))) // below zero after borrowing: none
	if got > 0 {
		// Held: on PostgreSQL it leaves with the transaction's next statement
		// or its commit, one round trip fewer a batch.
		err = t.conn.Later(ctx, "take tokens", `UPDATE rate_buckets SET tokens = tokens - $2 WHERE sender = $1`, sender, got)
	}
	return got, err
}

func (t *tx) BorrowToken(ctx context.Context, sender string, rate, burst float64, now time.Time) (err error) {
	defer errorf("borrow token", &err)
	_, err = t.refill(ctx, sender, rate, burst, now, 1)
	return err
}

// refill refills a sender's bucket by the time elapsed (at most to burst),
// takes spend tokens from it whatever is there, and returns what is left.
func (t *tx) refill(ctx context.Context, sender string, rate, burst float64, now time.Time, spend float64) (tokens float64, err error) {
	err = t.db.QueryRow(ctx, `INSERT INTO rate_buckets (sender, tokens, updated_at) VALUES ($1, CAST($2 AS DOUBLE PRECISION) - CAST($5 AS DOUBLE PRECISION), $3)
		ON CONFLICT (sender) DO UPDATE SET
			tokens = `+t.b.Least+`(rate_buckets.tokens + ($3 - rate_buckets.updated_at) * CAST($4 AS DOUBLE PRECISION) / 1000000.0, $2) - CAST($5 AS DOUBLE PRECISION),
			updated_at = $3
		RETURNING tokens`, sender, burst, micro(now), rate, spend).Scan(&tokens)
	return tokens, err
}
