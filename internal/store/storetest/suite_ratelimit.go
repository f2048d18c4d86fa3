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
