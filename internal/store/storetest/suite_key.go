// SPDX-License-Identifier: AGPL-3.0-only

package storetest

import (
	"context"
	"errors"
	"testing"

	"github.com/samtykke/samtykke/internal/store"
)

func exerciseKey(t *testing.T, b Backend) {
	ctx := context.Background()
	s := b.Open(t)
	if fp, err := s.KeyFingerprint(ctx); !errors.Is(err, store.ErrNotFound) || fp != nil {
		t.Fatalf("KeyFingerprint of a new database = %x, %v; want ErrNotFound", fp, err)
	}
	if w, any, err := s.SealedSample(ctx); err != nil || any || w != nil {
		t.Fatalf("SealedSample of a new database = %q, %v, %v; want nothing", w, any, err)
	}
	tx(t, s, func(tx store.Tx) error { return tx.RecordKeyFingerprint(ctx, []byte("fp-1"), t0) })
	tx(t, s, func(tx store.Tx) error { return tx.RecordKeyFingerprint(ctx, []byte("fp-2"), t0) }) // the first stays
	if fp, err := s.KeyFingerprint(ctx); err != nil || string(fp) != "fp-1" {
		t.Fatalf("KeyFingerprint = %q, %v; want the first recorded", fp, err)
	}
	tx(t, s, func(tx store.Tx) error {
		return tx.PutInbox(ctx, store.InboxItem{ID: "i1", Digest: []byte("d1"), ReceivedAt: t0, BodyCT: []byte("x")})
	})
	if w, any, err := s.SealedSample(ctx); err != nil || !any || w != nil {
		t.Fatalf("SealedSample with a stored webhook body = %q, %v, %v; want sealed data and no key", w, any, err)
	}
	tx(t, s, func(tx store.Tx) error { return tx.CreateContact(ctx, newContact("c1", 1)) })
	if w, any, err := s.SealedSample(ctx); err != nil || !any || string(w) != "wrapped-c1" {
		t.Fatalf("SealedSample with a contact = %q, %v, %v; want its wrapped key", w, any, err)
	}
}
