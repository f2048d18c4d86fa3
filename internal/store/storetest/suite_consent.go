// SPDX-License-Identifier: AGPL-3.0-only

package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/samtykke/samtykke/internal/consent"
	"github.com/samtykke/samtykke/internal/store"
)

func exerciseConsentStates(t *testing.T, b Backend) {
	ctx := context.Background()
	s := b.Open(t)
	tx(t, s, func(tx store.Tx) error { return tx.CreateContact(ctx, newContact("c1", 1)) })
	none, err := s.ConsentState(ctx, "c1", "offers")
	if err != nil || none.Status != consent.StatusNone {
		t.Fatalf("ConsentState before any = %+v, %v", none, err)
	}
	st := consent.State{ContactID: "c1", Purpose: "offers", Status: consent.StatusActive, EventID: "e1",
		Since: t0, ValidUntil: t0.Add(time.Hour), AgeOK: true, Basis: consent.BasisConsent}
	tx(t, s, func(tx store.Tx) error { return tx.PutConsentState(ctx, st) })
	st.Status, st.EventID, st.ValidUntil, st.Basis = consent.StatusWithdrawn, "e2", time.Time{}, ""
	tx(t, s, func(tx store.Tx) error { return tx.PutConsentState(ctx, st) })
	got, err := s.ConsentState(ctx, "c1", "offers")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(st, got); diff != "" {
		t.Errorf("state (-want +got):\n%s", diff)
	}
	// A state on another channel is in ConsentStates, not in WhatsApp's.
	for _, p := range []consent.Purpose{
		{Key: "offers", Channel: consent.WhatsApp, Basis: consent.BasisConsent, Description: consent.Text{NB: "Tilbud", EN: "Offers"}, CreatedAt: t0},
		{Key: "mail", Channel: consent.Email, Basis: consent.BasisConsent, Description: consent.Text{NB: "Brev", EN: "Mail"}, CreatedAt: t0},
	} {
		tx(t, s, func(tx store.Tx) error { return tx.CreatePurpose(ctx, p) })
	}
	mail := consent.State{ContactID: "c1", Purpose: "mail", Status: consent.StatusActive, EventID: "e3", Since: t0}
	tx(t, s, func(tx store.Tx) error { return tx.PutConsentState(ctx, mail) })
	all, err := s.ConsentStates(ctx, "c1")
	if err != nil || len(all) != 2 {
		t.Errorf("ConsentStates = %v, %v; want mail and offers", all, err)
	}
	for channel, want := range map[consent.Channel]string{consent.WhatsApp: "offers", consent.Email: "mail"} {
		got, err := s.ChannelStates(ctx, "c1", string(channel))
		if err != nil || len(got) != 1 || got[0].Purpose != want {
			t.Errorf("ChannelStates(%s) = %v, %v; want %s alone", channel, got, err, want)
		}
	}
}
