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

// exerciseConsentStatesOf: the states of the contacts asked for, in one
// read, ordered by contact and purpose; none of another contact.
func exerciseConsentStatesOf(t *testing.T, b Backend) {
	ctx := context.Background()
	s := b.Open(t)
	var want []consent.State
	for i, id := range []string{"c3", "c1", "c2", "c4"} {
		tx(t, s, func(tx store.Tx) error { return tx.CreateContact(ctx, newContact(id, byte(i+1))) })
		for j, p := range []string{"offers", "mail"}[:1+i%2] {
			st := consent.State{ContactID: id, Purpose: p, Status: consent.StatusActive, EventID: fmt.Sprintf("%s-%d", id, j),
				Since: t0.Add(time.Duration(i) * time.Hour), ValidUntil: t0.Add(48 * time.Hour), AgeOK: i%2 == 0, Basis: consent.BasisConsent}
			tx(t, s, func(tx store.Tx) error { return tx.PutConsentState(ctx, st) })
			if id != "c4" {
				want = append(want, st)
			}
		}
	}
	slices.SortFunc(want, func(a, b consent.State) int {
		return cmp.Or(strings.Compare(a.ContactID, b.ContactID), strings.Compare(a.Purpose, b.Purpose))
	})
	got, err := s.ConsentStatesOf(ctx, []string{"c2", "c1", "unknown", "c3"})
	if err != nil {
		t.Fatal(err)
	}
	if diff := gocmp.Diff(want, got); diff != "" {
		t.Errorf("ConsentStatesOf (-want +got):\n%s", diff)
	}
	if got, err := s.ConsentStatesOf(ctx, nil); err != nil || len(got) != 0 {
		t.Errorf("ConsentStatesOf(nil) = %v, %v; want none", got, err)
	}
	// A window of many contacts, most with no state, in one statement.
	ids := make([]string, 600)
	for i := range ids {
		ids[i] = fmt.Sprintf("x%03d", i)
	}
	ids[599] = "c4"
	got, err = s.ConsentStatesOf(ctx, ids)
	if err != nil || len(got) != 2 || got[0].ContactID != "c4" || got[0].Purpose != "mail" || got[1].Purpose != "offers" {
		t.Errorf("ConsentStatesOf(600 ids) = %+v, %v; want c4's two states alone", got, err)
	}
}
