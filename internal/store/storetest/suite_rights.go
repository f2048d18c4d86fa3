// SPDX-License-Identifier: AGPL-3.0-only

package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	gocmp "github.com/google/go-cmp/cmp"

	"github.com/samtykke/samtykke/internal/rights"
	"github.com/samtykke/samtykke/internal/store"
)

// exerciseRights covers rights requests (T-03, T-04): they round-trip, list
// by due date and state, count as open, near due and overdue, keep their
// steps, and hold a code that a transaction locks.
func exerciseRights(t *testing.T, b Backend) {
	ctx := context.Background()
	s := b.Open(t)
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	req := func(id string, state rights.State, due time.Time) rights.Request {
		return rights.Request{ID: id, Type: rights.Access, ContactID: "c-" + id, Channel: rights.Web, Language: "nb",
			State: state, ReceivedAt: due.AddDate(0, -1, 0), DueAt: due, CreatedBy: "public"}
	}
	reqs := []rights.Request{
		req("r1", rights.Open, now.Add(-time.Hour)),         // overdue
		req("r2", rights.Unverified, now.Add(72*time.Hour)), // near due
		req("r3", rights.Open, now.Add(20*24*time.Hour)),    // open, not near
		req("r4", rights.Done, now.Add(-48*time.Hour)),      // answered: counts nowhere
	}
	tx(t, s, func(tx store.Tx) error {
		for i := len(reqs) - 1; i >= 0; i-- {
			code := store.RightsCode{}
			if reqs[i].State == rights.Unverified {
				code = store.RightsCode{Hash: []byte("hash"), Expires: now.Add(time.Hour)}
			}
			if err := tx.CreateRightsRequest(ctx, reqs[i], code); err != nil {
				return err
			}
		}
		return nil
	})
	var err error
	if err = s.Tx(ctx, func(tx store.Tx) error { return tx.CreateRightsRequest(ctx, reqs[0], store.RightsCode{}) }); !errors.Is(err, store.ErrConflict) {
		t.Errorf("a second request with the same id: %v, want ErrConflict", err)
	}
	got, err := s.RightsRequest(ctx, "r2")
	if err != nil || !gocmp.Equal(reqs[1], got) {
		t.Errorf("RightsRequest(r2) = %+v, %v; want %+v", got, err, reqs[1])
	}
	if _, err := s.RightsRequest(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("an unknown request: %v", err)
	}
	ids := func(f store.RightsFilter) []string {
		t.Helper()
		list, err := s.RightsRequests(ctx, f)
		if err != nil {
			t.Fatalf("RightsRequests(%+v): %v", f, err)
		}
		var out []string
		for _, r := range list {
			out = append(out, r.ID)
		}
		return out
	}
	for _, c := range []struct {
		f    store.RightsFilter
		want []string
	}{
		{store.RightsFilter{}, []string{"r4", "r1", "r2", "r3"}},
		{store.RightsFilter{State: rights.Open}, []string{"r1", "r3"}},
		{store.RightsFilter{ContactID: "c-r2"}, []string{"r2"}},
		{store.RightsFilter{Limit: 2}, []string{"r4", "r1"}},
	} {
		if got := ids(c.f); !gocmp.Equal(c.want, got) {
			t.Errorf("RightsRequests(%+v) = %v, want %v", c.f, got, c.want)
		}
	}
	counts, err := s.RightsCounts(ctx, now)
	if want := (rights.Counts{Open: 3, NearDue: 1, Overdue: 1}); err != nil || counts != want {
		t.Errorf("RightsCounts = %+v, %v; want %+v", counts, err, want)
	}

	// Verification, extension and closing are stored; the code is cleared.
	upd := reqs[1]
	upd.State, upd.VerifiedAt, upd.ContactID = rights.Open, now, "c-other"
	upd.ExtendedUntil, upd.DueAt, upd.ExtensionReason = now.AddDate(0, 2, 0), now.AddDate(0, 2, 0), "complex request"
	upd.ToldAt, upd.ToldHow = now, "letter"
	tx(t, s, func(tx store.Tx) error {
		c, err := tx.LockRightsCode(ctx, "r2")
		if err != nil || string(c.Hash) != "hash" || !c.Expires.Equal(now.Add(time.Hour)) || c.Tries != 0 {
			t.Errorf("LockRightsCode = %+v, %v", c, err)
		}
		if err := tx.SetRightsCode(ctx, "r2", store.RightsCode{}); err != nil {
			return err
		}
		if err := tx.AddRightsStep(ctx, rights.Step{RequestID: "r2", At: now, Actor: "public", Action: "verified"}); err != nil {
			return err
		}
		if err := tx.AddRightsStep(ctx, rights.Step{RequestID: "r2", At: now.Add(time.Second), Actor: "token:1:dpo", Action: "extended", Note: "2 months"}); err != nil {
			return err
		}
		return tx.UpdateRightsRequest(ctx, upd)
	})
	if got, err := s.RightsRequest(ctx, "r2"); err != nil || !gocmp.Equal(upd, got) {
		t.Errorf("after update: %+v, %v; want %+v", got, err, upd)
	}
	tx(t, s, func(tx store.Tx) error {
		if c, err := tx.LockRightsCode(ctx, "r2"); err != nil || c.Hash != nil {
			t.Errorf("the code after clearing: %+v, %v", c, err)
		}
		if err := tx.UpdateRightsRequest(ctx, rights.Request{ID: "nope"}); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("updating an unknown request: %v", err)
		}
		return nil
	})
	steps, err := s.RightsSteps(ctx, "r2")
	if err != nil || len(steps) != 2 || steps[0].Action != "verified" || steps[1].Action != "extended" || steps[1].Note != "2 months" {
		t.Errorf("RightsSteps = %+v, %v", steps, err)
	}
	if counts, _ := s.RightsCounts(ctx, now); counts.NearDue != 0 || counts.Open != 3 {
		t.Errorf("after the extension: %+v", counts)
	}
}
