// SPDX-License-Identifier: AGPL-3.0-only

package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/samtykke/samtykke/internal/optin"
	"github.com/samtykke/samtykke/internal/store"
)

func exerciseConfirmations(t *testing.T, b Backend) {
	ctx := context.Background()
	s := b.Open(t)
	tx(t, s, func(tx store.Tx) error { return tx.CreateContact(ctx, newContact("c1", 1)) })
	c := optin.Confirmation{ID: "k1", ContactID: "c1", CodeHash: optin.HashCode("AB12CD"), Purposes: []string{"offers", "news"},
		Language: "nb", CreatedAt: t0, ExpiresAt: t0.Add(optin.DefaultTTL)}
	tx(t, s, func(tx store.Tx) error { return tx.CreateConfirmation(ctx, c) })
	got, err := s.Confirmation(ctx, optin.HashCode(" ab12cd "))
	if err != nil || !cmp.Equal(got, c) {
		t.Fatalf("Confirmation = %+v, %v", got, err)
	}
	if exp, _ := s.ExpiredConfirmations(ctx, t0.Add(time.Hour), 10); len(exp) != 0 {
		t.Fatalf("expired too early: %v", exp)
	}
	tx(t, s, func(tx store.Tx) error {
		n, err := tx.PendingConfirmations(ctx, "c1")
		if n != 1 {
			t.Errorf("PendingConfirmations = %d", n)
		}
		return err
	})
	if exp, _ := s.ExpiredConfirmations(ctx, t0.Add(optin.DefaultTTL), 10); len(exp) != 1 {
		t.Fatalf("ExpiredConfirmations at expiry = %v", exp)
	}
	tx(t, s, func(tx store.Tx) error { return tx.MarkConfirmed(ctx, "k1", t0) })
	if err := s.Tx(ctx, func(tx store.Tx) error { return tx.MarkConfirmed(ctx, "k1", t0) }); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("code used twice: %v", err)
	}
	if exp, _ := s.ExpiredConfirmations(ctx, t0.Add(optin.DefaultTTL), 10); len(exp) != 0 {
		t.Fatalf("a confirmed request counts as expired")
	}
	tx(t, s, func(tx store.Tx) error { return tx.DeleteConfirmation(ctx, "k1") })
	if _, err := s.Confirmation(ctx, c.CodeHash); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("deleted confirmation: %v", err)
	}
}
