// SPDX-License-Identifier: AGPL-3.0-only

package app_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/samtykke/samtykke/internal/access"
	"github.com/samtykke/samtykke/internal/app"
	"github.com/samtykke/samtykke/internal/consent"
	"github.com/samtykke/samtykke/internal/store"
	"github.com/samtykke/samtykke/internal/store/storetest"
)

// TestEraseRefusals: only the DPO and the admin erase, with a reason that
// names no number; an unknown contact is 404, one erased already a
// conflict naming when; a refused erasure changes nothing (R-04,
// invariant 8).
func TestEraseRefusals(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		tb := setup(t, b)
		tb.seed(t)
		rec := tb.consented(t, "+47 912 34 567")
		before := tb.rows(t)
		for _, c := range []struct {
			name  string
			actor app.Actor
			id    string
			why   string
			want  error
		}{
			{"marketer", marketer, rec.ContactID, "slettebegjæring 1", app.ErrForbidden},
			{"integrator", integrator, rec.ContactID, "slettebegjæring 1", app.ErrForbidden},
			{"no reason", dpo, rec.ContactID, "", app.ErrInvalid},
			{"a number as the reason", dpo, rec.ContactID, "kunden på 912 34 567 ba om det", app.ErrInvalid},
			{"unknown contact", dpo, "nope", "slettebegjæring 1", store.ErrNotFound},
		} {
			if _, err := tb.app.Erase(tb.ctx, c.actor, c.id, c.why); !errors.Is(err, c.want) {
				t.Errorf("%s: %v, want %v", c.name, err, c.want)
			}
		}
		if after := tb.rows(t); after != before {
			t.Errorf("refused erasures changed %d rows", after-before)
		}
		e, err := tb.app.Erase(tb.ctx, dpo, rec.ContactID, "slettebegjæring 1")
		if err != nil {
			t.Fatal(err)
		}
		if e.SuppressionKept || e.KeptBecause != "" {
			t.Errorf("a contact that never opted out or objected: erasure %+v keeps a suppression", e)
		}
		if n := tb.b.Int(t, tb.store, `SELECT count(*) FROM suppressions`); n != 0 {
			t.Errorf("%d suppressions after erasing a contact who never objected", n)
		}
		_, err = tb.app.Erase(tb.ctx, dpo, rec.ContactID, "slettebegjæring 1")
		if !errors.Is(err, store.ErrConflict) || !strings.Contains(fmt.Sprint(err), "was erased on") {
			t.Errorf("second erasure: %v; want a conflict naming when", err)
		}
		acc, err := tb.app.Accesses(tb.ctx, admin, rec.ContactID)
		if err != nil || !slices.ContainsFunc(acc, func(e access.Entry) bool { return e.Action == access.Erase && e.Reason == "slettebegjæring 1" }) {
			t.Errorf("access log = %+v, %v; want the erasure with its reason", acc, err)
		}
		// The gate and the campaign walk see the contact erased.
		if d, err := tb.app.Gate(tb.ctx, marketer, rec.ContactID, "offers"); err != nil || d.Reason != consent.ReasonErased {
			t.Errorf("gate after erasure = %+v, %v", d, err)
		}
		if v, err := tb.app.Contact(tb.ctx, admin, rec.ContactID); err != nil || !v.Erased || v.Phone != "" {
			t.Errorf("contact view after erasure = %+v, %v", v, err)
		}
	})
}

// TestErasureRequestErases: an erasure request filed by staff and completed
// erases the person: the answer says so, lookups by the number find
// nothing, the ledger still verifies, and the erasure is in the access log
// and the retention log.
func TestErasureRequestErases(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		tb := setup(t, b)
		tb.seed(t)
		rec := tb.consented(t, "+47 912 34 567")
		req, err := tb.app.FileRequest(tb.ctx, dpo, app.RightsInput{Type: "erasure", ContactID: rec.ContactID})
		if err != nil {
			t.Fatal(err)
		}
		done, err := tb.app.CompleteRequest(tb.ctx, dpo, req.ID, "")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(done.Answer, "erased") {
			t.Errorf("answer = %q; want it to say the data was erased", done.Answer)
		}
		if v, err := tb.app.Contact(tb.ctx, admin, rec.ContactID); err != nil || !v.Erased {
			t.Fatalf("contact after the request = %+v, %v; want erased", v, err)
		}
		if _, err := tb.app.Lookup(tb.ctx, integrator, "+47 912 34 567", "kundeservice 6"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("lookup after the erasure: %v", err)
		}
		if _, err := tb.app.VerifyLedger(tb.ctx); err != nil {
			t.Fatalf("ledger: %v", err)
		}
		if es, err := tb.store.RetentionLog(tb.ctx, "contacts", 10); err != nil || len(es) != 1 {
			t.Errorf("retention log = %+v, %v; want the erasure", es, err)
		}
		acc, _ := tb.app.Accesses(tb.ctx, admin, rec.ContactID)
		if !slices.ContainsFunc(acc, func(e access.Entry) bool { return e.Action == access.Erase && e.Reason == "rights request "+req.ID }) {
			t.Errorf("access log = %+v; want the erasure with its request", acc)
		}
	})
}
