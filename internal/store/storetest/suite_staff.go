// SPDX-License-Identifier: AGPL-3.0-only

package storetest

import (
	"context"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/samtykke/samtykke/internal/access"
	"github.com/samtykke/samtykke/internal/staff"
	"github.com/samtykke/samtykke/internal/store"
)

func exerciseTokensAndAccessLog(t *testing.T, b Backend) {
	ctx := context.Background()
	s := b.Open(t)
	secret, hash := staff.NewSecret()
	tok := staff.Token{ID: "t1", Name: "ci", Role: staff.DPO, Hash: hash, CreatedAt: t0}
	tx(t, s, func(tx store.Tx) error { return tx.CreateToken(ctx, tok) })
	if n, err := s.CountTokens(ctx); err != nil || n != 1 {
		t.Errorf("CountTokens = %d, %v; want 1", n, err)
	}
	got, err := s.TokenByHash(ctx, staff.HashSecret(secret))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(tok, got); diff != "" {
		t.Errorf("token (-want +got):\n%s", diff)
	}
	if _, err := s.TokenByHash(ctx, staff.HashSecret(secret+"x")); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("wrong secret: %v", err)
	}
	e := access.Entry{ID: "a1", At: t0, Actor: "token:t1:ci", Action: access.Lookup, ContactID: "c1", Reason: "support", RequestID: "r1"}
	tx(t, s, func(tx store.Tx) error { return tx.RecordAccess(ctx, e) })
	es, err := s.Accesses(ctx, "c1")
	if want := access.Next(access.Head{}, e); err != nil || len(es) != 1 || !cmp.Equal(es[0], want) { // sealed as the chain's first
		t.Errorf("Accesses = %+v, %v; want %+v", es, err, want)
	}
}
