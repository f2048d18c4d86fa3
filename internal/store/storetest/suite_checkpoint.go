// SPDX-License-Identifier: AGPL-3.0-only

package storetest

import (
	"context"
	"crypto/ed25519"
	"errors"
	"testing"
	"time"

	"github.com/samtykke/samtykke/internal/ledger"
	"github.com/samtykke/samtykke/internal/store"
)

// exerciseCheckpoints covers signed ledger checkpoints (L-02): the newest is
// read with its heads; each new one keeps its own row (append-only) while
// only the newest keeps its heads, so that a daily checkpoint takes no more
// room over time than one.
func exerciseCheckpoints(t *testing.T, b Backend) {
	ctx := context.Background()
	s := b.Open(t)
	if _, err := s.LatestCheckpoint(ctx); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("no checkpoint yet: %v", err)
	}
	_, key, _ := ed25519.GenerateKey(nil)
	at := time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)
	heads := func(n int) []ledger.CheckpointHead {
		var hs []ledger.CheckpointHead
		for i := range n {
			hs = append(hs, ledger.CheckpointHead{ContactID: string(rune('a' + i)), Head: ledger.Head{Seq: int64(i + 1), Hash: []byte{byte(i), 1, 2}}})
		}
		return hs
	}
	for day := range 3 {
		cp := ledger.NewCheckpoint(at.AddDate(0, 0, day), heads(day+1), ledger.AccessHead{}, key)
		tx(t, s, func(tx store.Tx) error { return tx.AddCheckpoint(ctx, cp) })
		got, err := s.LatestCheckpoint(ctx)
		if err != nil || !got.At.Equal(cp.At) || len(got.Heads) != day+1 || got.Contacts != cp.Contacts {
			t.Fatalf("day %d: newest %+v, %v", day, got, err)
		}
		if err := got.CheckSignature(key.Public().(ed25519.PublicKey)); err != nil {
			t.Errorf("day %d: the newest read back does not verify: %v", day, err)
		}
	}
	if n := b.Int(t, s, `SELECT count(*) FROM ledger_checkpoints`); n != 3 {
		t.Errorf("checkpoint rows: %d, want 3 (append-only)", n)
	}
	if n := b.Int(t, s, `SELECT count(*) FROM ledger_checkpoint_heads`); n != 1 {
		t.Errorf("heads kept: %d checkpoints' worth, want the newest only", n)
	}
	// The newest heads deleted beneath the API: they no longer hash to the root.
	if err := b.Exec(t, s, `DELETE FROM ledger_checkpoint_heads`); err != nil {
		t.Fatal(err)
	}
	got, err := s.LatestCheckpoint(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := got.CheckSignature(key.Public().(ed25519.PublicKey)); !errors.Is(err, ledger.ErrBroken) {
		t.Errorf("the newest checkpoint without its heads: %v, want a fault", err)
	}
}
