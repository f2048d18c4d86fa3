// SPDX-License-Identifier: AGPL-3.0-only

package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	gocmp "github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/samtykke/samtykke/internal/breach"
	"github.com/samtykke/samtykke/internal/consent"
	"github.com/samtykke/samtykke/internal/message"
	"github.com/samtykke/samtykke/internal/store"
)

// exerciseBreaches covers the breach register (B-01..B-05): a breach
// round-trips with every field, lists by awareness, changes but is never
// deleted, keeps an append-only record of its steps, counts as open, due
// soon and overdue at the 72-hour boundary, and records each person told
// once, with the status of the message that told them.
func exerciseBreaches(t *testing.T, b Backend) {
	ctx := context.Background()
	s := b.Open(t)
	now := t0
	full := breach.Incident{ID: "b1", Title: "Lost laptop", Description: "Stolen from a car.", Cause: "theft", Source: "staff",
		Categories: []breach.Category{breach.Confidentiality, breach.Availability}, OccurredAt: now.Add(-50 * time.Hour),
		OccurredUntil: now.Add(-49 * time.Hour), DiscoveredAt: now.Add(-48 * time.Hour), AwareAt: now.Add(-47 * time.Hour),
		DataCategories: []string{"phone numbers"}, PeopleCategories: []string{"customers"}, PeopleApprox: 120, RecordsApprox: 300,
		DataLocation: "unknown", Consequences: "phishing", MeasuresTaken: "revoked", MeasuresProposed: "encrypt exports",
		Risk: breach.RiskHigh, RiskReason: "names and numbers", Exemption: breach.NoExemption, ContactPoint: "pvo@butikken.example",
		People: map[string]breach.Notice{"nb": {What: "hva", Consequences: "følger", Advice: "råd"}}, State: breach.Open,
		CreatedAt: now.Add(-46 * time.Hour), UpdatedAt: now.Add(-46 * time.Hour), CreatedBy: "token:1:dpo"}
	// Deadlines relative to now: b1 has 25 h left, b2 is due within the
	// day, b3 at this very moment (due, not overdue), b4 overdue by a
	// minute; b5 overdue but notified, b6 overdue with no risk, b7 closed.
	mk := func(id string, aware time.Time, edit func(*breach.Incident)) breach.Incident {
		i := breach.Incident{ID: id, Title: "breach " + id, Risk: breach.RiskSome, State: breach.Open, AwareAt: aware,
			CreatedAt: aware, UpdatedAt: aware, CreatedBy: "token:1:dpo"}
		if edit != nil {
			edit(&i)
		}
		return i
	}
	list := []breach.Incident{
		full,
		mk("b2", now.Add(-60*time.Hour), nil),
		mk("b3", now.Add(-72*time.Hour), func(i *breach.Incident) { i.Risk = breach.RiskUnassessed }),
		mk("b4", now.Add(-72*time.Hour-time.Minute), nil),
		mk("b5", now.Add(-100*time.Hour), func(i *breach.Incident) { i.NotifiedAt = now.Add(-99 * time.Hour) }),
		mk("b6", now.Add(-101*time.Hour), func(i *breach.Incident) { i.Risk = breach.RiskNone }),
		mk("b7", now.Add(-200*time.Hour), func(i *breach.Incident) {
			i.State, i.NotifiedAt, i.ClosedAt = breach.Closed, now.Add(-199*time.Hour), now.Add(-150*time.Hour)
		}),
	}
	tx(t, s, func(tx store.Tx) error {
		for _, i := range list {
			if err := tx.CreateBreach(ctx, i); err != nil {
				return err
			}
		}
		return nil
	})
	if err := s.Tx(ctx, func(tx store.Tx) error { return tx.CreateBreach(ctx, full) }); !errors.Is(err, store.ErrConflict) {
		t.Errorf("a second breach with the same id: %v, want ErrConflict", err)
	}
	got, err := s.Breach(ctx, "b1")
	if err != nil || !gocmp.Equal(full, got) {
		t.Errorf("Breach(b1) = %v; diff (-want +got):\n%s", err, gocmp.Diff(full, got))
	}
	if got, err := s.Breach(ctx, "b2"); err != nil || got.Categories == nil || got.People == nil || len(got.People) != 0 {
		t.Errorf("a breach with empty lists reads back %+v, %v; want empty, not nil", got, err)
	}
	if _, err := s.Breach(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("an unknown breach: %v", err)
	}
	ids := func(f store.BreachFilter) []string {
		t.Helper()
		l, err := s.Breaches(ctx, f)
		if err != nil {
			t.Fatalf("Breaches(%+v): %v", f, err)
		}
		var out []string
		for _, i := range l {
			out = append(out, i.ID)
		}
		return out
	}
	for _, c := range []struct {
		f    store.BreachFilter
		want []string
	}{
		{store.BreachFilter{}, []string{"b1", "b2", "b3", "b4", "b5", "b6", "b7"}},
		{store.BreachFilter{State: breach.Closed}, []string{"b7"}},
		{store.BreachFilter{Limit: 2}, []string{"b1", "b2"}},
	} {
		if got := ids(c.f); !gocmp.Equal(c.want, got) {
			t.Errorf("Breaches(%+v) = %v, want %v", c.f, got, c.want)
		}
	}
	counts, err := s.BreachCounts(ctx, now)
	if want := (breach.Counts{Open: 6, DueSoon: 2, Overdue: 1}); err != nil || counts != want {
		t.Errorf("BreachCounts = %+v, %v; want %+v (b2 and b3 due soon, b4 overdue)", counts, err, want)
	}
	if c, _ := s.BreachCounts(ctx, now.Add(time.Hour+time.Minute)); c.Overdue != 2 || c.DueSoon != 2 {
		t.Errorf("an hour and a minute later: %+v; want b3 overdue too, and b1 due soon", c)
	}

	// A change is stored, its deadline with it; the creation stays.
	upd := list[3]
	upd.AwareAt, upd.Risk, upd.Description, upd.UpdatedAt = now.Add(-time.Hour), breach.RiskHigh, "found later", now
	upd.People = map[string]breach.Notice{"en": {What: "w", Consequences: "c", Advice: "a"}}
	tx(t, s, func(tx store.Tx) error {
		locked, err := tx.LockBreach(ctx, "b4")
		if err != nil || !gocmp.Equal(list[3], locked, cmpopts.EquateEmpty()) {
			t.Errorf("LockBreach(b4) = %+v, %v", locked, err)
		}
		changed := upd
		changed.CreatedAt, changed.CreatedBy = now, "someone else"
		if err := tx.UpdateBreach(ctx, changed); err != nil {
			return err
		}
		if err := tx.UpdateBreach(ctx, breach.Incident{ID: "nope"}); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("updating an unknown breach: %v", err)
		}
		if _, err := tx.LockBreach(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("locking an unknown breach: %v", err)
		}
		return nil
	})
	if got, err := s.Breach(ctx, "b4"); err != nil || !gocmp.Equal(upd, got, cmpopts.EquateEmpty()) {
		t.Errorf("after the update: %v; diff (-want +got):\n%s", err, gocmp.Diff(upd, got, cmpopts.EquateEmpty()))
	}
	if c, _ := s.BreachCounts(ctx, now); c.Overdue != 0 {
		t.Errorf("the moved deadline was not stored: %+v", c)
	}

	// Steps: in order, append-only; the register keeps every breach.
	tx(t, s, func(tx store.Tx) error {
		for n, a := range []string{"recorded", "changed", "notified"} {
			if err := tx.AddBreachStep(ctx, breach.Step{BreachID: "b1", At: now.Add(time.Duration(n) * time.Second),
				Actor: "token:1:dpo", Action: a, Note: "note " + a}); err != nil {
				return err
			}
		}
		return nil
	})
	steps, err := s.BreachSteps(ctx, "b1")
	if err != nil || len(steps) != 3 || steps[0].Action != "recorded" || steps[2].Action != "notified" || steps[2].Note != "note notified" ||
		!steps[1].At.Equal(now.Add(time.Second)) || steps[0].Actor != "token:1:dpo" || steps[0].BreachID != "b1" {
		t.Errorf("BreachSteps = %+v, %v", steps, err)
	}
	for _, q := range []string{`UPDATE breach_steps SET note = 'x'`, `DELETE FROM breach_steps`, `DELETE FROM breaches WHERE id = 'b6'`} {
		if err := b.Exec(t, s, q); err == nil {
			t.Errorf("%s: allowed, want refused (the register and its steps are kept)", q)
		}
	}
	if n, _ := s.BreachSteps(ctx, "b1"); len(n) != 3 {
		t.Errorf("steps after the refused edits: %d", len(n))
	}

	// People told: once each; counted with their message's status.
	tx(t, s, func(tx store.Tx) error {
		for n, id := range []string{"c1", "c2", "c3"} {
			if err := tx.CreateContact(ctx, newContact(id, byte(n+1))); err != nil {
				return err
			}
		}
		if err := tx.PutConsentState(ctx, activeState("c2", "offers")); err != nil {
			return err
		}
		st := activeState("c3", "offers")
		st.Status = consent.StatusWithdrawn
		return tx.PutConsentState(ctx, st)
	})
	untold := func(purpose, after string, limit int) []string {
		t.Helper()
		cs, err := s.UntoldContacts(ctx, "b1", purpose, after, limit)
		if err != nil {
			t.Fatalf("UntoldContacts: %v", err)
		}
		var out []string
		for _, c := range cs {
			out = append(out, c.ID)
		}
		return out
	}
	if got := untold("", "", 10); !gocmp.Equal(got, []string{"c1", "c2", "c3"}) {
		t.Errorf("untold, all: %v", got)
	}
	if got := untold("offers", "", 10); !gocmp.Equal(got, []string{"c2", "c3"}) {
		t.Errorf("untold, by purpose (active or withdrawn alike): %v", got)
	}
	if got := untold("", "c1", 1); !gocmp.Equal(got, []string{"c2"}) {
		t.Errorf("untold after c1, one: %v", got)
	}
	m := message.Message{ID: "m1", ContactID: "c1", Kind: message.BreachNotice, BodyKey: "breach_notice|b1", Status: message.Queued,
		CreatedAt: now, UpdatedAt: now}
	told := breach.PersonNotice{BreachID: "b1", ContactID: "c1", At: now, Language: "nb", Outcome: breach.Queued, MessageID: "m1", Actor: "token:1:dpo"}
	tx(t, s, func(tx store.Tx) error {
		if err := tx.CreateMessage(ctx, m); err != nil {
			return err
		}
		for _, n := range []breach.PersonNotice{told,
			{BreachID: "b1", ContactID: "c2", At: now, Language: "en", Outcome: breach.Suppressed, Actor: "system"},
			{BreachID: "b2", ContactID: "c1", At: now, Language: "nb", Outcome: breach.Erased, Actor: "system"}} {
			if added, err := tx.AddBreachNotice(ctx, n); err != nil || !added {
				t.Errorf("AddBreachNotice(%s, %s) = %v, %v", n.BreachID, n.ContactID, added, err)
			}
		}
		again := told
		again.Language = "en"
		if added, err := tx.AddBreachNotice(ctx, again); err != nil || added {
			t.Errorf("the same person told twice: %v, %v; want false, nil", added, err)
		}
		return tx.FinishMessage(ctx, "m1", message.Sent, "wamid.B", 0, "", now)
	})
	if got, err := s.BreachNotice(ctx, "b1", "c1"); err != nil || got != told {
		t.Errorf("BreachNotice(b1, c1) = %+v, %v; want %+v", got, err, told)
	}
	if _, err := s.BreachNotice(ctx, "b1", "c3"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a person not told: %v", err)
	}
	notices, err := s.BreachNotices(ctx, "b1")
	want := []breach.NoticeCount{{Outcome: breach.Queued, Status: "sent", N: 1}, {Outcome: breach.Suppressed, Status: "", N: 1}}
	if err != nil || !gocmp.Equal(want, notices) {
		t.Errorf("BreachNotices(b1) = %+v, %v; want %+v", notices, err, want)
	}
	if got := untold("", "", 10); !gocmp.Equal(got, []string{"c3"}) {
		t.Errorf("untold after telling c1 and c2: %v", got)
	}
}
