// SPDX-License-Identifier: AGPL-3.0-only

package storetest

import (
	"context"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/samtykke/samtykke/internal/consent"
	"github.com/samtykke/samtykke/internal/store"
)

func exercisePurposes(t *testing.T, b Backend) {
	ctx := context.Background()
	s := b.Open(t)
	p := consent.Purpose{Key: "offers", Channel: consent.WhatsApp, Basis: consent.BasisConsent,
		Description: consent.Text{NB: "Tilbud", EN: "Offers"}, RetentionDays: 365, RefreshDays: 730,
		Fields: []string{"first_name"}, CreatedAt: t0}
	tx(t, s, func(tx store.Tx) error { return tx.CreatePurpose(ctx, p) })
	err := s.Tx(ctx, func(tx store.Tx) error { return tx.CreatePurpose(ctx, p) })
	if !errors.Is(err, store.ErrConflict) {
		t.Fatalf("duplicate purpose: err = %v, want ErrConflict", err)
	}
	got, err := s.Purpose(ctx, "offers")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(p, got); diff != "" {
		t.Errorf("purpose round trip (-want +got):\n%s", diff)
	}
	if _, err := s.Purpose(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("missing purpose: err = %v, want ErrNotFound", err)
	}
	all, err := s.Purposes(ctx)
	if err != nil || len(all) != 1 {
		t.Errorf("Purposes = %v, %v", all, err)
	}
}
