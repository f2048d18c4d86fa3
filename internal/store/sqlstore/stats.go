// SPDX-License-Identifier: AGPL-3.0-only

package sqlstore

import (
	"context"
	"time"

	"github.com/samtykke/samtykke/internal/ledger"
	"github.com/samtykke/samtykke/internal/store"
)

func (r *reader) AudienceByPurpose(ctx context.Context) (m map[string]int64, err error) {
	defer errorf("audience by purpose", &err)
	rows, err := r.db.Query(ctx, `SELECT purpose, count(*) FROM consent_states WHERE status = 'active' GROUP BY purpose ORDER BY purpose`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	m = map[string]int64{}
	for rows.Next() {
		var p string
		var n int64
		if err := rows.Scan(&p, &n); err != nil {
			return nil, err
		}
		m[p] = n
	}
	return m, rows.Err()
}

// hourMicros is an hour in the microseconds times are stored in.
const hourMicros = int64(time.Hour / time.Microsecond)

func (r *reader) ConsentChanges(ctx context.Context, since time.Time) (hs []store.HourCount, err error) {
	defer errorf("consent changes", &err)
	// Whole hours, by integer division on both backends: the caller sorts
	// them into calendar days of its time zone (Oslo's offsets are whole
	// hours).
	rows, err := r.db.Query(ctx, `SELECT at / $2, kind, count(*) FROM consent_events
		WHERE at >= $1 AND kind IN ('confirmed', 'soft_opt_in', 'withdrawn', 'objected') GROUP BY 1, 2 ORDER BY 1, 2`,
		micro(since), hourMicros)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var h, n int64
		var kind string
		if err := rows.Scan(&h, &kind, &n); err != nil {
			return nil, err
		}
		hs = append(hs, store.HourCount{Hour: time.UnixMicro(h * hourMicros).UTC(), Kind: ledger.Kind(kind), N: n})
	}
	return hs, rows.Err()
}
