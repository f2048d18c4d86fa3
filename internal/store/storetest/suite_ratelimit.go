// SPDX-License-Identifier: AGPL-3.0-only

package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/samtykke/samtykke/internal/store"
)

func exerciseRateLimits(t *testing.T, b Backend) {
	ctx := context.Background()
	s := b.Open(t)
	var got []bool
	for i := range 4 {
		at := t0.Add(time.Duration(i) * time.Minute)
		if i == 3 {
			at = t0.Add(24 * time.Hour) // a new window
		}
		tx(t, s, func(tx store.Tx) error {
			ok, err := tx.Hit(ctx, "optin:ip:192.0.2.1", time.Hour, 2, at)
			got = append(got, ok)
			return err
		})
	}
	if !cmp.Equal(got, []bool{true, true, false, true}) {
		t.Fatalf("Hit = %v, want [true true false true]", got)
	}
}

func exerciseTokenBuckets(t *testing.T, b Backend) {
	ctx := context.Background()
	s := b.Open(t)
	const rate, burst = 10.0, 5.0
	steps := []struct {
		name   string
		sender string
		at     time.Duration // after t0
		want   int
		got    int
	}{
		{"a new bucket is full", "A", 0, 3, 3},
		{"what is left", "A", 0, 3, 2},
		{"empty", "A", 0, 3, 0},
		{"500 ms refill 5", "A", 500 * time.Millisecond, 10, 5},
		{"empty again", "A", 500 * time.Millisecond, 1, 0},
		{"a second sender has its own bucket", "B", 500 * time.Millisecond, 10, 5},
		{"100 ms refill 1", "A", 600 * time.Millisecond, 10, 1},
		{"150 ms refill 1.5", "A", 750 * time.Millisecond, 10, 1},
		{"the half token is kept", "A", 800 * time.Millisecond, 10, 1},
		{"an hour refills to burst, not more", "A", time.Hour, 100, 5},
		{"the same instant gives nothing more", "A", time.Hour, 100, 0},
		{"taking none takes none", "B", time.Hour, 0, 0},
		{"B still has its burst", "B", time.Hour, 4, 4},
	}
	for _, st := range steps {
		tx(t, s, func(tx store.Tx) error {
			got, err := tx.TakeTokens(ctx, st.sender, st.want, rate, burst, t0.Add(st.at))
			if got != st.got {
				t.Errorf("%s: TakeTokens(%s, %d, +%v) = %d, want %d", st.name, st.sender, st.want, st.at, got, st.got)
			}
			return err
		})
	}
}

func exerciseTokenBucketsFractional(t *testing.T, b Backend) {
	ctx := context.Background()
	s := b.Open(t)
	// Half a message per second; a burst of 1.5.
	for _, st := range []struct {
		at   time.Duration
		want int
	}{{0, 1}, {0, 0}, {time.Second, 1}, {time.Second, 0}, {time.Minute, 1}} {
		tx(t, s, func(tx store.Tx) error {
			got, err := tx.TakeTokens(ctx, "A", 10, 0.5, 1.5, t0.Add(st.at))
			if got != st.want {
				t.Errorf("TakeTokens(+%v) = %d, want %d", st.at, got, st.want)
			}
			return err
		})
	}
}

// exerciseBorrowedTokens: a message that does not wait takes its token even
// from an empty bucket, and the campaign's batches get none until the debt
// is refilled (§3.1: the throughput limit counts every message).
func exerciseBorrowedTokens(t *testing.T, b Backend) {
	ctx := context.Background()
	s := b.Open(t)
	const rate, burst = 10.0, 5.0
	take := func(at time.Duration, want, expect int) {
		t.Helper()
		tx(t, s, func(tx store.Tx) error {
			got, err := tx.TakeTokens(ctx, "A", want, rate, burst, t0.Add(at))
			if got != expect {
				t.Errorf("TakeTokens(+%v, %d) = %d, want %d", at, want, got, expect)
			}
			return err
		})
	}
	borrow := func(at time.Duration) {
		t.Helper()
		tx(t, s, func(tx store.Tx) error { return tx.BorrowToken(ctx, "A", rate, burst, t0.Add(at)) })
	}
	borrow(0)                         // a new bucket: 5 - 1
	take(0, 10, 4)                    // what is left
	borrow(0)                         // -1
	borrow(0)                         // -2
	take(0, 10, 0)                    // in debt: nothing, and never a negative count
	take(200*time.Millisecond, 10, 0) // +2: back to 0
	take(300*time.Millisecond, 10, 1) // +1
	borrow(time.Hour)                 // refilled to the burst, then 4
	take(time.Hour, 10, 4)
	tx(t, s, func(tx store.Tx) error { return tx.BorrowToken(ctx, "B", rate, burst, t0) })
	tx(t, s, func(tx store.Tx) error {
		got, err := tx.TakeTokens(ctx, "B", 10, rate, burst, t0)
		if got != 4 {
			t.Errorf("another sender's bucket: %d, want 4", got)
		}
		return err
	})
}
