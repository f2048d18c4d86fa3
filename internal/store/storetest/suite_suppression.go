// SPDX-License-Identifier: AGPL-3.0-only

package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	gocmp "github.com/google/go-cmp/cmp"

	"github.com/samtykke/samtykke/internal/store"
)

func exerciseSuppression(t *testing.T, b Backend) {
	ctx := context.Background()
	s := b.Open(t)
	tok := []byte("token-1")
	if at, err := s.SuppressedAt(ctx, tok); err != nil || !at.IsZero() {
		t.Fatalf("SuppressedAt before = %v, %v", at, err)
	}
	for i := range 2 { // idempotent: the first time counts
		tx(t, s, func(tx store.Tx) error { return tx.Suppress(ctx, tok, "stopp", t0.Add(time.Duration(i)*time.Hour)) })
	}
	if at, err := s.SuppressedAt(ctx, tok); err != nil || !at.Equal(t0) {
		t.Fatalf("SuppressedAt after = %v, %v; want %v", at, err, t0)
	}
}

// manyTokens is n tokens that no one has, but for those placed at an index.
func manyTokens(n int, placed map[int][]byte) [][]byte {
	out := make([][]byte, n)
	for i := range out {
		if out[i] = placed[i]; out[i] == nil {
			out[i] = []byte(fmt.Sprintf("unlisted-%d", i))
		}
	}
	return out
}

func exerciseSuppressedTokens(t *testing.T, b Backend) {
	ctx := context.Background()
	s := b.Open(t)
	a, bb, none := []byte{0x00, 0xff, 'a'}, []byte{0x80, 0x01, 'b'}, []byte{0x00, 0xff, 'c'}
	tx(t, s, func(tx store.Tx) error {
		if err := tx.Suppress(ctx, a, "stopp", t0); err != nil {
			return err
		}
		return tx.Suppress(ctx, bb, "user_preferences", t0.Add(time.Hour))
	})
	tests := []struct {
		name   string
		tokens [][]byte
		want   map[string]time.Time
	}{
		{"nil", nil, map[string]time.Time{}},
		{"empty", [][]byte{}, map[string]time.Time{}},
		{"none listed", [][]byte{none}, map[string]time.Time{}},
		{"one of two listed", [][]byte{a, none}, map[string]time.Time{string(a): t0}},
		{"both listed", [][]byte{bb, none, a}, map[string]time.Time{string(a): t0, string(bb): t0.Add(time.Hour)}},
		// More than one statement's worth on SQLite (64): one in each part.
		{"150, one listed early and one late", manyTokens(150, map[int][]byte{3: a, 140: bb}),
			map[string]time.Time{string(a): t0, string(bb): t0.Add(time.Hour)}},
	}
	for _, tt := range tests {
		// Outside a transaction (verification reads so) and inside one.
		got, err := s.SuppressedTokens(ctx, tt.tokens)
		if err != nil {
			t.Fatalf("%s: SuppressedTokens outside a transaction: %v", tt.name, err)
		}
		if diff := gocmp.Diff(tt.want, got); diff != "" {
			t.Errorf("%s: SuppressedTokens outside a transaction (-want +got):\n%s", tt.name, diff)
		}
		tx(t, s, func(tx store.Tx) error {
			got, err := tx.SuppressedTokens(ctx, tt.tokens)
			if got == nil && err == nil {
				t.Errorf("%s: SuppressedTokens returned a nil map", tt.name)
			}
			if diff := gocmp.Diff(tt.want, got); diff != "" {
				t.Errorf("%s: SuppressedTokens (-want +got):\n%s", tt.name, diff)
			}
			return err
		})
	}
}
