// SPDX-License-Identifier: AGPL-3.0-only

package storetest

import (
	"context"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/riverqueue/river"

	"github.com/samtykke/samtykke/internal/store"
)

// exerciseQueueDepth: QueueDepth counts the jobs not finished by kind and
// state, and leaves the finished ones out (the queue-depth metric).
func exerciseQueueDepth(t *testing.T, b Backend) {
	ctx := context.Background()
	s := b.Open(t)
	if got, err := s.QueueDepth(ctx); err != nil || len(got) != 0 {
		t.Fatalf("QueueDepth of an empty queue = %+v, %v", got, err)
	}
	tx(t, s, func(tx store.Tx) error {
		for n := range 3 {
			if err := tx.Enqueue(ctx, NoopArgs{N: n}, nil); err != nil {
				return err
			}
		}
		return tx.Enqueue(ctx, NoopArgs{N: 9}, &river.InsertOpts{ScheduledAt: t0.AddDate(10, 0, 0)})
	})
	if err := b.Exec(t, s, `UPDATE river_job SET state = 'completed', finalized_at = scheduled_at
		WHERE id = (SELECT min(id) FROM river_job)`); err != nil {
		t.Fatal(err)
	}
	got, err := s.QueueDepth(ctx)
	want := []store.JobCount{{Kind: "storetest_noop", State: "available", N: 2}, {Kind: "storetest_noop", State: "scheduled", N: 1}}
	if err != nil || !cmp.Equal(got, want) {
		t.Errorf("QueueDepth = %+v, %v; want %+v", got, err, want)
	}
}

// NoopArgs is a River job used to prove that enqueueing is transactional.
type NoopArgs struct{ N int }

// Kind names the job.
func (NoopArgs) Kind() string { return "storetest_noop" }

func exerciseEnqueue(t *testing.T, b Backend) {
	ctx := context.Background()
	s := b.Open(t)
	tx(t, s, func(tx store.Tx) error { return tx.Enqueue(ctx, NoopArgs{N: 1}, nil) })
	_ = s.Tx(ctx, func(tx store.Tx) error {
		if err := tx.Enqueue(ctx, NoopArgs{N: 2}, nil); err != nil {
			return err
		}
		return errors.New("roll back")
	})
	if n := b.Int(t, s, `SELECT count(*) FROM river_job WHERE kind = 'storetest_noop'`); n != 1 {
		t.Errorf("jobs = %d, want 1 (the rolled-back one must not exist)", n)
	}
}
