// SPDX-License-Identifier: AGPL-3.0-only

package sqlstore

import (
	"context"

	"github.com/riverqueue/river"

	"github.com/samtykke/samtykke/internal/store"
)

// QueueDepth counts River's unfinished jobs by kind and state. The states
// are those of River's index on state, so the finished jobs River keeps for
// a while are not read.
func (r *reader) QueueDepth(ctx context.Context) (counts []store.JobCount, err error) {
	defer errorf("queue depth", &err)
	rows, err := r.db.Query(ctx, `SELECT kind, CAST(state AS TEXT), count(*) FROM river_job
		WHERE state IN ('available', 'scheduled', 'retryable', 'running') GROUP BY kind, state ORDER BY kind, state`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var c store.JobCount
		if err := rows.Scan(&c.Kind, &c.State, &c.N); err != nil {
			return nil, err
		}
		counts = append(counts, c)
	}
	return counts, rows.Err()
}

func (t *tx) Enqueue(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) error {
	return t.conn.Enqueue(ctx, args, opts)
}

// ReclaimJobs makes the jobs a dead process of this client id was running
// available at once.
func (s *Store) ReclaimJobs(ctx context.Context, clientID string) (n int64, err error) {
	defer errorf("reclaim jobs", &err)
	conn, err := s.b.Begin(ctx)
	if err != nil {
		return 0, err
	}
	if n, err = conn.Exec(ctx, s.b.ReclaimJobs, clientID); err != nil {
		_ = conn.Rollback(ctx)
		return 0, err
	}
	return n, conn.Commit(ctx)
}
