// SPDX-License-Identifier: AGPL-3.0-only

package app_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/samtykke/samtykke/internal/access"
	"github.com/samtykke/samtykke/internal/app"
	"github.com/samtykke/samtykke/internal/consent"
	"github.com/samtykke/samtykke/internal/ledger"
	"github.com/samtykke/samtykke/internal/store"
	"github.com/samtykke/samtykke/internal/store/storetest"
)

func str(s string) *string { return &s }

// declareFirstName adds a purpose that declares first_name, so that a
// contact may hold one (P-03).
func (tb *bundle) declareFirstName(t *testing.T) {
	t.Helper()
	if _, err := tb.app.CreatePurpose(tb.ctx, admin, consent.Purpose{Key: "named_offers", Channel: consent.WhatsApp,
		Basis: consent.BasisConsent, RetentionDays: 30, Fields: []string{"first_name"},
		Description: consent.Text{NB: "Tilbud med navn", EN: "Offers by name"}}); err != nil {
		t.Fatal(err)
	}
}

// lastEvent is a contact's newest ledger event, with its evidence.
func (tb *bundle) lastEvent(t *testing.T, id string) app.HistoryEvent {
	t.Helper()
	h, err := tb.app.ConsentHistory(tb.ctx, admin, id)
	if err != nil || len(h.Events) == 0 {
		t.Fatalf("history of %s: %d events, %v", id, len(h.Events), err)
	}
	return h.Events[len(h.Events)-1]
}

// accesses counts a contact's access-log entries of one action.
func (tb *bundle) accesses(t *testing.T, id string, action access.Action) (n int, reasons []string) {
	t.Helper()
	es, err := tb.app.Accesses(tb.ctx, admin, id)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range es {
		if e.Action == action {
			n++
			reasons = append(reasons, e.Reason)
		}
	}
	return n, reasons
}

// TestRectify: R-03: language and first name are corrected, the ledger
// records which fields changed (never their values) with the reason, the
// access is recorded, the consent is untouched; bad input changes nothing.
func TestRectify(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		tb := setup(t, b)
		tb.seed(t)
		tb.declareFirstName(t)
		rec := tb.consented(t, "+47 912 34 567")
		id := rec.ContactID
		const reason = "the customer called about a misspelt name"

		out, err := tb.app.Rectify(tb.ctx, integrator, id, app.Correction{Language: str("en"), FirstName: str(" Kari "), Reason: reason})
		if err != nil {
			t.Fatal(err)
		}
		if out.ContactID != id || out.EventID == "" || strings.Join(out.Changed, ",") != "first_name,language" {
			t.Fatalf("rectify = %+v", out)
		}
		view, err := tb.app.Contact(tb.ctx, admin, id)
		if err != nil || view.Language != "en" || view.FirstName != "Kari" {
			t.Fatalf("contact after rectify: %+v, %v", view, err)
		}
		e := tb.lastEvent(t, id)
		if e.ID != out.EventID || e.Kind != ledger.Rectified || e.Purpose != "" || e.Evidence == nil ||
			e.Evidence.Extra["fields"] != "first_name,language" || e.Evidence.Reason != reason {
			t.Fatalf("rectified event = %+v, evidence %+v", e.Event, e.Evidence)
		}
		if raw, _ := json.Marshal(e); strings.Contains(string(raw), "Kari") {
			t.Errorf("the ledger event holds the corrected value")
		}
		// The consent stands as it was, authorised by the same event (G-06).
		if d, err := tb.app.Gate(tb.ctx, marketer, id, "offers"); err != nil || !d.Allowed || d.EventID != rec.EventID {
			t.Errorf("gate after rectify = %+v, %v; want allowed by %s", d, err, rec.EventID)
		}
		if n, reasons := tb.accesses(t, id, access.Rectify); n != 1 || reasons[0] != reason {
			t.Errorf("rectify accesses = %d %v", n, reasons)
		}

		// The same values again: nothing changes, no event; the access is recorded.
		again, err := tb.app.Rectify(tb.ctx, integrator, id, app.Correction{Language: str("en"), FirstName: str("Kari"), Reason: reason})
		if err != nil || len(again.Changed) != 0 || again.EventID != "" {
			t.Errorf("rectify with the same values = %+v, %v", again, err)
		}
		if tb.lastEvent(t, id).ID != out.EventID {
			t.Errorf("a rectification that changed nothing appended an event")
		}

		// Bad input is refused and changes nothing.
		events := len(mustHistory(t, tb, id).Events)
		before := tb.rows(t)
		for _, tc := range []struct {
			name  string
			actor app.Actor
			id    string
			in    app.Correction
			want  error
		}{
			{"nothing to correct", integrator, id, app.Correction{Reason: reason}, app.ErrInvalid},
			{"unknown language", integrator, id, app.Correction{Language: str("sv"), Reason: reason}, app.ErrInvalid},
			{"no reason", integrator, id, app.Correction{Language: str("nb")}, app.ErrInvalid},
			{"a number in the reason", integrator, id, app.Correction{Language: str("nb"), Reason: "kunden på 912 34 567 ringte"}, app.ErrInvalid},
			{"a first name of two lines", integrator, id, app.Correction{FirstName: str("Kari\nOla"), Reason: reason}, app.ErrInvalid},
			{"a name too long", integrator, id, app.Correction{FirstName: str(strings.Repeat("a", 101)), Reason: reason}, app.ErrInvalid},
			{"an unknown contact", integrator, "nope", app.Correction{Language: str("nb"), Reason: reason}, store.ErrNotFound},
			{"a marketer", marketer, id, app.Correction{Language: str("nb"), Reason: reason}, app.ErrForbidden},
		} {
			if _, err := tb.app.Rectify(tb.ctx, tc.actor, tc.id, tc.in); !errors.Is(err, tc.want) {
				t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
			}
		}
		if after := tb.rows(t); after != before {
			t.Errorf("refused rectifications changed %d rows", after-before)
		}
		if n := len(mustHistory(t, tb, id).Events); n != events {
			t.Errorf("refused rectifications appended %d events", n-events)
		}
		if v, _ := tb.app.Contact(tb.ctx, admin, id); v.Language != "en" || v.FirstName != "Kari" {
			t.Errorf("refused rectifications changed the contact: %+v", v)
		}

		// An empty first name removes it.
		out, err = tb.app.Rectify(tb.ctx, dpo, id, app.Correction{FirstName: str(""), Reason: "the person asked us to drop the name"})
		if err != nil || strings.Join(out.Changed, ",") != "first_name" {
			t.Fatalf("remove the first name = %+v, %v", out, err)
		}
		if v, _ := tb.app.Contact(tb.ctx, admin, id); v.FirstName != "" || v.Language != "en" {
			t.Errorf("after removing the name: %+v", v)
		}
		if rep, err := tb.app.VerifyLedger(tb.ctx); err != nil {
			t.Fatalf("ledger after rectifications: %+v, %v", rep, err)
		}
	})
}

func mustHistory(t *testing.T, tb *bundle, id string) app.History {
	t.Helper()
	h, err := tb.app.ConsentHistory(tb.ctx, admin, id)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// TestRectifyFirstNameOnlyWhenDeclared: P-03: a first name no purpose
// declares is not stored by a rectification either.
func TestRectifyFirstNameOnlyWhenDeclared(t *testing.T) {
	t.Parallel()
	tb := setup(t, storetest.SQLite)
	tb.seed(t)
	id := tb.consented(t, "+47 912 34 567").ContactID
	before := tb.rows(t)
	_, err := tb.app.Rectify(tb.ctx, integrator, id, app.Correction{FirstName: str("Kari"), Reason: "the customer asked"})
	if !errors.Is(err, app.ErrRefused) || tb.rows(t) != before {
		t.Fatalf("an undeclared first name: %v, rows +%d", err, tb.rows(t)-before)
	}
	if tb.lastEvent(t, id).Kind == ledger.Rectified {
		t.Fatalf("a refused rectification was recorded")
	}
}

// TestRestrict: R-06: a restriction needs a reason and the DPO's role;
// while it is set the gate refuses every purpose with "restricted", and
// lifting it restores the consent as it was. Each change is in the history.
func TestRestrict(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		tb := setup(t, b)
		tb.seed(t)
		rec := tb.consented(t, "+47 912 34 567")
		id := rec.ContactID
		soft := confirmed("+47 912 34 567")
		soft.Purpose, soft.Method = "customers", "in_store"
		soft.Evidence = ledger.Evidence{OrderRef: "O-1", ProductCategory: "sko", OptOutOfferedAt: "2026-11-29T11:00:00Z"}
		if _, err := tb.app.RecordConsent(tb.ctx, integrator, soft); err != nil {
			t.Fatal(err)
		}
		gate := func(purpose string) consent.Decision {
			t.Helper()
			d, err := tb.app.Gate(tb.ctx, marketer, id, purpose)
			if err != nil {
				t.Fatal(err)
			}
			return d
		}

		before := tb.rows(t)
		for _, tc := range []struct {
			name   string
			actor  app.Actor
			id     string
			reason string
			want   error
		}{
			{"no reason", dpo, id, "", app.ErrInvalid},
			{"a number in the reason", dpo, id, "ring 912 34 567", app.ErrInvalid},
			{"an integrator", integrator, id, "the person contests the data", app.ErrForbidden},
			{"a marketer", marketer, id, "the person contests the data", app.ErrForbidden},
			{"an unknown contact", dpo, "nope", "the person contests the data", store.ErrNotFound},
		} {
			if _, err := tb.app.Restrict(tb.ctx, tc.actor, tc.id, true, tc.reason); !errors.Is(err, tc.want) {
				t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
			}
		}
		if tb.rows(t) != before || gate("offers").Reason == consent.ReasonRestricted {
			t.Fatalf("a refused restriction changed something")
		}

		r, err := tb.app.Restrict(tb.ctx, dpo, id, true, "the person contests the data (case 17)")
		if err != nil || r.Action != "set" || !r.Restricted || r.Actor != dpo.String() || !r.At.Equal(tb.now) {
			t.Fatalf("restrict = %+v, %v", r, err)
		}
		for _, p := range []string{"offers", "customers"} {
			if d := gate(p); d.Allowed || d.Reason != consent.ReasonRestricted {
				t.Errorf("gate for %s while restricted = %+v; want restricted", p, d)
			}
		}
		if v, err := tb.app.Contact(tb.ctx, admin, id); err != nil || !v.Restricted {
			t.Errorf("contact while restricted: %+v, %v", v, err)
		}
		if _, err := tb.app.Restrict(tb.ctx, admin, id, true, "and a legal claim is pending"); err != nil {
			t.Fatal(err)
		}
		if _, err := tb.app.Restrict(tb.ctx, dpo, id, false, "checked: the data was right"); err != nil {
			t.Fatal(err)
		}
		if d := gate("offers"); !d.Allowed || d.EventID != rec.EventID {
			t.Errorf("gate after lifting = %+v; want allowed by %s", d, rec.EventID)
		}
		if v, _ := tb.app.Contact(tb.ctx, admin, id); v.Restricted {
			t.Errorf("contact still restricted after lifting")
		}
		hist, err := tb.app.Restrictions(tb.ctx, dpo, id)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, h := range hist {
			got = append(got, h.Action+":"+h.Reason)
		}
		if want := "set:the person contests the data (case 17)|set:and a legal claim is pending|lift:checked: the data was right"; strings.Join(got, "|") != want {
			t.Errorf("history = %q, want %q", strings.Join(got, "|"), want)
		}
		if n, _ := tb.accesses(t, id, access.Restrict); n != 3 {
			t.Errorf("%d restrict accesses, want 3", n)
		}
		if _, err := tb.app.Restrictions(tb.ctx, marketer, id); !errors.Is(err, app.ErrForbidden) {
			t.Errorf("a marketer reads the history: %v", err)
		}
		if _, err := tb.app.Restrictions(tb.ctx, dpo, "nope"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("history of an unknown contact: %v", err)
		}
		if rep, err := tb.app.VerifyLedger(tb.ctx); err != nil {
			t.Fatalf("ledger after restrictions: %+v, %v", rep, err)
		}
	})
}
