// SPDX-License-Identifier: AGPL-3.0-only

package storetest

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	gocmp "github.com/google/go-cmp/cmp"

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
	if diff := gocmp.Diff(st, got); diff != "" {
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

// exerciseConsentStatesBetween: the states of the contacts from one id to
// another, in the order ScanChains walks them, in one read; none of another
// contact.
func exerciseConsentStatesBetween(t *testing.T, b Backend) {
	ctx := context.Background()
	s := b.Open(t)
	var all []consent.State
	for i, id := range []string{"c3", "c1", "c5", "c2", "c4"} {
		tx(t, s, func(tx store.Tx) error { return tx.CreateContact(ctx, newContact(id, byte(i+1))) })
		for j, p := range []string{"offers", "mail"}[:1+i%2] {
			st := consent.State{ContactID: id, Purpose: p, Status: consent.StatusActive, EventID: fmt.Sprintf("%s-%d", id, j),
				Since: t0.Add(time.Duration(i) * time.Hour), ValidUntil: t0.Add(48 * time.Hour), AgeOK: i%2 == 0, Basis: consent.BasisConsent}
			tx(t, s, func(tx store.Tx) error { return tx.PutConsentState(ctx, st) })
			all = append(all, st)
		}
	}
	// The window is a run of contacts as ScanChains yields them.
	var order []string
	if err := s.ScanChains(ctx, func(it store.ChainItem) error {
		if it.Event == nil {
			order = append(order, it.ContactID)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(order) != 5 {
		t.Fatalf("ScanChains yielded contacts %v", order)
	}
	for _, w := range [][2]int{{1, 3}, {0, 4}, {2, 2}} {
		first, last := order[w[0]], order[w[1]]
		var want []consent.State
		for _, id := range order[w[0] : w[1]+1] {
			for _, st := range all {
				if st.ContactID == id {
					want = append(want, st)
				}
			}
		}
		slices.SortStableFunc(want, func(a, b consent.State) int { return strings.Compare(a.Purpose, b.Purpose) })
		slices.SortStableFunc(want, func(a, b consent.State) int {
			return cmp.Compare(slices.Index(order, a.ContactID), slices.Index(order, b.ContactID))
		})
		got, err := s.ConsentStatesBetween(ctx, first, last)
		if err != nil {
			t.Fatal(err)
		}
		if diff := gocmp.Diff(want, got); diff != "" {
			t.Errorf("ConsentStatesBetween(%s, %s) (-want +got):\n%s", first, last, diff)
		}
	}
	if got, err := s.ConsentStatesBetween(ctx, "x1", "x9"); err != nil || len(got) != 0 {
		t.Errorf("ConsentStatesBetween of no contact = %v, %v; want none", got, err)
	}
}
