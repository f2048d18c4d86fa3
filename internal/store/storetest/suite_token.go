// SPDX-License-Identifier: AGPL-3.0-only

package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/samtykke/samtykke/internal/staff"
	"github.com/samtykke/samtykke/internal/store"
)

// exerciseTokenLifecycle: a token keeps its expiry, the list shows every
// token oldest first with its dates, and a revocation is stored once; a
// second is a conflict, an unknown token not found (issue 22, S-02).
func exerciseTokenLifecycle(t *testing.T, b Backend) {
	ctx := context.Background()
	s := b.Open(t)
	_, h1 := staff.NewSecret()
	s2, h2 := staff.NewSecret()
	a := staff.Token{ID: "ta", Name: "nettbutikken", Role: staff.Integrator, Hash: h1, CreatedAt: t0}
	c := staff.Token{ID: "tb", Name: "revisor", Role: staff.Auditor, Hash: h2, CreatedAt: t0.Add(time.Hour), ExpiresAt: t0.Add(90 * 24 * time.Hour)}
	tx(t, s, func(tx store.Tx) error { return tx.CreateToken(ctx, c) })
	tx(t, s, func(tx store.Tx) error { return tx.CreateToken(ctx, a) })
	got, err := s.Tokens(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]staff.Token{a, c}, got); diff != "" {
		t.Errorf("Tokens (-want +got):\n%s", diff)
	}
	if tok, err := s.TokenByHash(ctx, staff.HashSecret(s2)); err != nil || !tok.ExpiresAt.Equal(c.ExpiresAt) {
		t.Errorf("TokenByHash: expires %v, %v; want %v", tok.ExpiresAt, err, c.ExpiresAt)
	}
	at := t0.Add(2 * time.Hour)
	tx(t, s, func(tx store.Tx) error { return tx.RevokeToken(ctx, "tb", at) })
	if tok, err := s.TokenByHash(ctx, staff.HashSecret(s2)); err != nil || !tok.RevokedAt.Equal(at) || tok.Usable(at) {
		t.Errorf("revoked token: revoked at %v, usable %v, %v; want %v, false", tok.RevokedAt, tok.Usable(at), err, at)
	}
	err = s.Tx(ctx, func(tx store.Tx) error { return tx.RevokeToken(ctx, "tb", at.Add(time.Hour)) })
	if !errors.Is(err, store.ErrConflict) {
		t.Errorf("revoke twice: %v, want ErrConflict", err)
	}
	err = s.Tx(ctx, func(tx store.Tx) error { return tx.RevokeToken(ctx, "nope", at) })
	if !errors.Is(err, store.ErrNotFound) {
		t.Errorf("revoke an unknown token: %v, want ErrNotFound", err)
	}
	if got, _ := s.Tokens(ctx); len(got) != 2 || !got[0].RevokedAt.IsZero() || !got[1].RevokedAt.Equal(at) {
		t.Errorf("after revoking tb: %+v", got)
	}
}
