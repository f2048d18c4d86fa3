// SPDX-License-Identifier: AGPL-3.0-only

package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/samtykke/samtykke/internal/store"
)

// exerciseSettings: a setting never made is not found; a second put
// replaces the first (issue 23 point 2).
func exerciseSettings(t *testing.T, b Backend) {
	ctx := context.Background()
	s := b.Open(t)
	if _, err := s.Setting(ctx, "controller"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Setting before any put: %v, want ErrNotFound", err)
	}
	tx(t, s, func(tx store.Tx) error { return tx.PutSetting(ctx, "controller", `{"name":"A AS"}`, "user:1:kari", t0) })
	tx(t, s, func(tx store.Tx) error {
		return tx.PutSetting(ctx, "controller", `{"name":"B AS"}`, "user:1:kari", t0.Add(time.Minute))
	})
	if v, err := s.Setting(ctx, "controller"); err != nil || v != `{"name":"B AS"}` {
		t.Errorf("Setting = %q, %v; want the second value", v, err)
	}
	if _, err := s.Setting(ctx, "other"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("another key: %v, want ErrNotFound", err)
	}
}
