// SPDX-License-Identifier: AGPL-3.0-only

package app_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/samtykke/samtykke/internal/app"
	"github.com/samtykke/samtykke/internal/breach"
	"github.com/samtykke/samtykke/internal/controller"
	"github.com/samtykke/samtykke/internal/job"
	"github.com/samtykke/samtykke/internal/message"
	"github.com/samtykke/samtykke/internal/staff"
	"github.com/samtykke/samtykke/internal/store"
	"github.com/samtykke/samtykke/internal/store/storetest"
)

var auditor = app.Actor{ID: "t-aud", Name: "auditor", Role: staff.Auditor}

// butikken is the controller's configuration the breach tests run with.
var butikken = controller.Controller{OrgNumber: "923609016", Email: "post@butikken.example",
	DPO: controller.Contact{Name: "Personvernombudet", Email: "pvo@butikken.example"}}

// laptop is a breach found two hours before tb.now, the controller aware an
// hour before.
func (tb *bundle) laptop() app.BreachInput {
	return app.BreachInput{Title: str("Stolen laptop with a list export"), AwareAt: ptr(tb.now.Add(-time.Hour)),
		DiscoveredAt: ptr(tb.now.Add(-2 * time.Hour)), Categories: &[]string{"confidentiality"}}
}

// notices are the texts people are told, in both languages.
var notices = map[string]breach.Notice{
	"nb": {What: "En bærbar PC med en kundeliste ble stjålet fra en bil.", Consequences: "Noen kan sende deg falske meldinger i vårt navn.",
		Advice: "Vi har sperret tilgangen. Svar aldri på meldinger som ber om koder."},
	"en": {What: "A laptop with a customer list was stolen from a car.", Consequences: "Someone may send you false messages in our name.",
		Advice: "We have blocked access. Never answer messages that ask for codes."},
}

func (tb *bundle) breachRows(t *testing.T) int64 {
	t.Helper()
	var n int64
	for _, table := range []string{"breaches", "breach_steps", "breach_notices", "messages"} {
		n += tb.b.Int(t, tb.store, "SELECT count(*) FROM "+table)
	}
	return n
}

func actions(v app.BreachView) []string {
	var out []string
	for _, s := range v.Steps {
		out = append(out, s.Action)
	}
	return out
}

// TestBreachRegister: a breach is recorded with the moment of awareness and
// its 72-hour deadline (B-01), kept whether notified or not (B-04), changed
// with every change recorded, counted as due soon and overdue as the clock
// runs, notified with the reasons for a delay when late, closed only once
// notified; its Art. 33(3) draft is filled from the register and the
// configuration (B-02). Bad input changes nothing.
func TestBreachRegister(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		tb := setupWith(t, b, app.Config{Controller: butikken})
		before := tb.breachRows(t)
		bad := map[string]func(*app.BreachInput){
			"no title":               func(in *app.BreachInput) { in.Title = nil },
			"no aware_at":            func(in *app.BreachInput) { in.AwareAt = nil },
			"aware tomorrow":         func(in *app.BreachInput) { in.AwareAt = ptr(tb.now.Add(24 * time.Hour)) },
			"discovered after aware": func(in *app.BreachInput) { in.DiscoveredAt = ptr(tb.now) },
			"unknown category":       func(in *app.BreachInput) { in.Categories = &[]string{"theft"} },
			"unknown risk":           func(in *app.BreachInput) { in.Risk = str("medium") },
			"a number in the text":   func(in *app.BreachInput) { in.Description = str("Kari (912 34 567) got the file") },
			"recorded closed":        func(in *app.BreachInput) { in.State = str("closed") },
			"notice too long": func(in *app.BreachInput) {
				n := notices["nb"]
				n.What, n.Consequences, n.Advice = strings.Repeat("a", 250), strings.Repeat("b", 250), strings.Repeat("c", 250)
				in.PeopleNotice = &map[string]breach.Notice{"nb": n}
				in.ContactPoint = str(strings.Repeat("personvernombudet ", 20))
			},
		}
		for name, edit := range bad {
			in := tb.laptop()
			edit(&in)
			if _, err := tb.app.RecordBreach(tb.ctx, dpo, in); !errors.Is(err, app.ErrInvalid) {
				t.Errorf("%s: %v, want ErrInvalid", name, err)
			}
		}
		for _, actor := range []app.Actor{marketer, integrator, auditor} {
			if _, err := tb.app.RecordBreach(tb.ctx, actor, tb.laptop()); !errors.Is(err, app.ErrForbidden) {
				t.Errorf("%s recorded a breach: %v", actor.Role, err)
			}
		}
		if after := tb.breachRows(t); after != before {
			t.Fatalf("refused records changed %d rows", after-before)
		}

		v, err := tb.app.RecordBreach(tb.ctx, dpo, tb.laptop())
		if err != nil {
			t.Fatal(err)
		}
		aware := tb.now.Add(-time.Hour)
		if !v.AwareAt.Equal(aware) || !v.DeadlineAt.Equal(aware.Add(72*time.Hour)) || v.Risk != breach.RiskUnassessed || !v.MustNotify ||
			v.State != breach.Open || v.CreatedBy != "token:t-dpo:dpo" || !slices.Equal(actions(v), []string{"recorded"}) {
			t.Fatalf("recorded: %+v", v)
		}
		if _, err := tb.app.Breach(tb.ctx, marketer, v.ID); !errors.Is(err, app.ErrForbidden) {
			t.Errorf("a marketer read the register: %v", err)
		}
		if l, err := tb.app.Breaches(tb.ctx, auditor, "open"); err != nil || len(l) != 1 || l[0].ID != v.ID {
			t.Errorf("the auditor's list: %+v, %v", l, err)
		}
		if _, err := tb.app.Breaches(tb.ctx, auditor, "archived"); !errors.Is(err, app.ErrInvalid) {
			t.Errorf("a bad state filter: %v", err)
		}
		if _, err := tb.app.Breach(tb.ctx, dpo, "nope"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("an unknown breach: %v", err)
		}

		// The awareness moves half an hour earlier: the deadline with it,
		// both times kept in the record.
		v, err = tb.app.UpdateBreach(tb.ctx, dpo, v.ID, app.BreachInput{AwareAt: ptr(aware.Add(-30 * time.Minute)), Risk: str("high"),
			RiskReason: str("numbers with the shop's name invite phishing"), PeopleApprox: ptr(int64(1200))})
		if err != nil {
			t.Fatal(err)
		}
		aware = aware.Add(-30 * time.Minute)
		if !v.DeadlineAt.Equal(aware.Add(72*time.Hour)) || !v.MustTellPeople || v.PeopleApprox != 1200 {
			t.Errorf("after the change: %+v", v)
		}
		if last := v.Steps[len(v.Steps)-1]; last.Action != "changed" || !strings.Contains(last.Note, "aware_at") ||
			!strings.Contains(last.Note, "risk unassessed → high") {
			t.Errorf("the change's step: %+v", last)
		}
		if _, err := tb.app.UpdateBreach(tb.ctx, dpo, v.ID, app.BreachInput{State: str("closed")}); !errors.Is(err, app.ErrRefused) {
			t.Errorf("closed before notifying: %v", err)
		}
		if _, err := tb.app.UpdateBreach(tb.ctx, dpo, v.ID, app.BreachInput{State: str("gone")}); !errors.Is(err, app.ErrInvalid) {
			t.Errorf("a bad state: %v", err)
		}
		steps := len(v.Steps)
		if v, _ = tb.app.UpdateBreach(tb.ctx, dpo, v.ID, app.BreachInput{}); len(v.Steps) != steps {
			t.Errorf("a change of nothing recorded a step: %v", actions(v))
		}

		// B-01: the clock, as /metrics counts it.
		for _, c := range []struct {
			after   time.Duration
			want    breach.Counts
			overdue bool
		}{
			{71*time.Hour + 59*time.Minute, breach.Counts{Open: 1, DueSoon: 1}, false},
			{72 * time.Hour, breach.Counts{Open: 1, DueSoon: 1}, false},
			{72*time.Hour + time.Minute, breach.Counts{Open: 1, Overdue: 1}, true},
		} {
			tb.now = aware.Add(c.after)
			if got, err := tb.app.BreachCounts(tb.ctx); err != nil || got != c.want {
				t.Errorf("at %s: counts %+v, %v; want %+v", c.after, got, err, c.want)
			}
			if got, _ := tb.app.Breach(tb.ctx, dpo, v.ID); got.Overdue != c.overdue {
				t.Errorf("at %s: overdue %v", c.after, got.Overdue)
			}
		}

		// Notified at 73 hours: only with the reasons for the delay.
		tb.now = aware.Add(80 * time.Hour)
		at := aware.Add(73 * time.Hour)
		if _, err := tb.app.MarkNotified(tb.ctx, dpo, v.ID, app.NotificationInput{At: &at}); !errors.Is(err, app.ErrInvalid) {
			t.Errorf("late without a reason: %v", err)
		}
		if _, err := tb.app.MarkNotified(tb.ctx, auditor, v.ID, app.NotificationInput{At: &at}); !errors.Is(err, app.ErrForbidden) {
			t.Errorf("an auditor notified: %v", err)
		}
		v, err = tb.app.MarkNotified(tb.ctx, dpo, v.ID, app.NotificationInput{At: &at, Reference: "AR123",
			DelayReason: "The processor's report came on the third day."})
		if err != nil {
			t.Fatal(err)
		}
		if v.NotifiedAt == nil || !v.NotifiedAt.Equal(at) || !v.Late || v.Overdue || v.Reference != "AR123" {
			t.Errorf("notified late: %+v", v)
		}
		if got, _ := tb.app.BreachCounts(tb.ctx); got != (breach.Counts{Open: 1}) {
			t.Errorf("after notifying: %+v", got)
		}
		if v, err = tb.app.MarkNotified(tb.ctx, dpo, v.ID, app.NotificationInput{Reference: "AR124"}); err != nil || !v.NotifiedAt.Equal(at) {
			t.Errorf("a supplement: %+v, %v", v, err)
		}
		v, err = tb.app.UpdateBreach(tb.ctx, dpo, v.ID, app.BreachInput{State: str("closed")})
		if err != nil || v.State != breach.Closed || v.ClosedAt == nil {
			t.Fatalf("closed: %+v, %v", v, err)
		}
		if got, _ := tb.app.BreachCounts(tb.ctx); got != (breach.Counts{}) {
			t.Errorf("after closing: %+v", got)
		}
		want := []string{"recorded", "changed", "notified", "supplemented", "closed"}
		if got := actions(v); !slices.Equal(got, want) {
			t.Errorf("steps %v, want %v", got, want)
		}

		// B-02: the draft carries the configuration's controller and DPO.
		r, err := tb.app.BreachReport(tb.ctx, auditor, v.ID)
		if err != nil {
			t.Fatal(err)
		}
		if r.Controller.OrgNumber != "923609016" || r.ContactPoint.Email != "pvo@butikken.example" || r.Controller.Name != "Butikken AS" ||
			!r.Notification.Late || r.Notification.DelayReason == "" || r.Nature.PeopleApprox != 1200 {
			t.Errorf("the report: %+v", r)
		}
		if _, err := tb.app.BreachReport(tb.ctx, marketer, v.ID); !errors.Is(err, app.ErrForbidden) {
			t.Errorf("a marketer read the report: %v", err)
		}
		// B-04: a breach with no risk is kept, never notified, and closes.
		none, err := tb.app.RecordBreach(tb.ctx, dpo, app.BreachInput{Title: str("Wrong recipient, encrypted file"),
			AwareAt: ptr(tb.now.Add(-time.Hour)), Risk: str("none"), RiskReason: str("the file was encrypted")})
		if err != nil || none.MustNotify {
			t.Fatalf("a breach with no risk: %+v, %v", none, err)
		}
		if _, err := tb.app.UpdateBreach(tb.ctx, dpo, none.ID, app.BreachInput{State: str("closed")}); err != nil {
			t.Errorf("closing a breach with no risk: %v", err)
		}
		if l, _ := tb.app.Breaches(tb.ctx, auditor, "closed"); len(l) != 2 {
			t.Errorf("the closed breaches: %d, want both kept", len(l))
		}
	})
}

// TestBreachPeopleTold (B-05, Art. 34): people are told in their language;
// a suppressed number gets nothing and is recorded as not told this way
// (invariant 9), as is an erased person; each person is told once; the
// whole list is told by a walk that skips those told already. Without texts
// in every language or a contact point, nobody is told.
func TestBreachPeopleTold(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		tb := setupWith(t, b, app.Config{Controller: butikken})
		tb.seed(t)
		kari := tb.consented(t, "+47 912 34 567")
		in := confirmed("+47 987 65 432")
		in.Language = "en"
		ola, err := tb.app.RecordConsent(tb.ctx, integrator, in)
		if err != nil {
			t.Fatal(err)
		}
		per := tb.consented(t, "+47 934 56 789")
		if _, err := tb.app.Withdraw(tb.ctx, integrator, app.WithdrawInput{Subject: app.Subject{ContactID: per.ContactID}, Purpose: "all"}); err != nil {
			t.Fatal(err)
		}
		gone := tb.consented(t, "+47 945 67 890")
		if err := tb.store.Tx(tb.ctx, func(tx store.Tx) error { return tx.EraseContact(tb.ctx, gone.ContactID, tb.now) }); err != nil {
			t.Fatal(err)
		}
		in2 := tb.laptop()
		in2.Risk = str("high")
		v, err := tb.app.RecordBreach(tb.ctx, dpo, in2)
		if err != nil {
			t.Fatal(err)
		}
		everyone := app.PeopleSelection{ContactIDs: []string{kari.ContactID, ola.ContactID, per.ContactID, gone.ContactID, kari.ContactID}}

		before := tb.breachRows(t)
		if _, err := tb.app.NotifyPeople(tb.ctx, dpo, v.ID, everyone); !errors.Is(err, app.ErrRefused) {
			t.Errorf("no texts for the people: %v, want ErrRefused", err)
		}
		only := map[string]breach.Notice{"nb": notices["nb"]}
		if _, err := tb.app.UpdateBreach(tb.ctx, dpo, v.ID, app.BreachInput{PeopleNotice: &only}); err != nil {
			t.Fatal(err)
		}
		before = tb.breachRows(t)
		if _, err := tb.app.NotifyPeople(tb.ctx, dpo, v.ID, everyone); !errors.Is(err, app.ErrRefused) || !strings.Contains(err.Error(), "en") {
			t.Errorf("no English text: %v, want ErrRefused naming en", err)
		}
		both := notices
		if _, err := tb.app.UpdateBreach(tb.ctx, dpo, v.ID, app.BreachInput{PeopleNotice: &both}); err != nil {
			t.Fatal(err)
		}
		before = tb.breachRows(t)
		for name, sel := range map[string]app.PeopleSelection{
			"nothing":         {},
			"ids and all":     {ContactIDs: []string{kari.ContactID}, All: true},
			"unknown purpose": {Purpose: "nope"},
			"too many":        {ContactIDs: make([]string, app.MaxPeopleByID+1)},
		} {
			if _, err := tb.app.NotifyPeople(tb.ctx, dpo, v.ID, sel); !errors.Is(err, app.ErrInvalid) {
				t.Errorf("%s: %v, want ErrInvalid", name, err)
			}
		}
		if _, err := tb.app.NotifyPeople(tb.ctx, dpo, v.ID, app.PeopleSelection{ContactIDs: []string{kari.ContactID, "nope"}}); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("an unknown contact: %v", err)
		}
		if _, err := tb.app.NotifyPeople(tb.ctx, auditor, v.ID, everyone); !errors.Is(err, app.ErrForbidden) {
			t.Errorf("an auditor told people: %v", err)
		}
		if _, err := tb.app.NotifyPeople(tb.ctx, dpo, "nope", everyone); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("an unknown breach: %v", err)
		}
		if after := tb.breachRows(t); after != before {
			t.Fatalf("refused calls changed %d rows", after-before)
		}

		told, err := tb.app.NotifyPeople(tb.ctx, dpo, v.ID, everyone)
		if want := (app.PeopleTold{Queued: 2, Suppressed: 1, Erased: 1}); err != nil || told != want {
			t.Fatalf("told %+v, %v; want %+v", told, err, want)
		}
		for _, c := range []struct {
			id, lang string
			outcome  breach.Outcome
		}{{kari.ContactID, "nb", breach.Queued}, {ola.ContactID, "en", breach.Queued}, {per.ContactID, "nb", breach.Suppressed},
			{gone.ContactID, "nb", breach.Erased}} {
			n, err := tb.store.BreachNotice(tb.ctx, v.ID, c.id)
			if err != nil || n.Language != c.lang || n.Outcome != c.outcome || (n.MessageID != "") != (c.outcome == breach.Queued) || n.Actor != "token:t-dpo:dpo" {
				t.Errorf("contact %s: %+v, %v; want %s in %s", c.id, n, err, c.outcome, c.lang)
			}
			m, err := tb.store.LastMessage(tb.ctx, c.id, message.BreachNotice)
			if sent := err == nil; sent != (c.outcome == breach.Queued) {
				t.Errorf("contact %s (%s): a breach message queued: %v (%v)", c.id, c.outcome, sent, err)
			} else if sent && (m.ID != n.MessageID || m.BodyKey != "breach_notice|"+v.ID) {
				t.Errorf("contact %s: message %+v, notice %+v", c.id, m, n)
			}
		}
		again, err := tb.app.NotifyPeople(tb.ctx, dpo, v.ID, everyone)
		if want := (app.PeopleTold{Already: 4}); err != nil || again != want {
			t.Errorf("told again: %+v, %v; want %+v", again, err, want)
		}

		// The whole list: a walk, queued; it tells only who is left.
		newcomer := tb.consented(t, "+47 956 78 901")
		walk, err := tb.app.NotifyPeople(tb.ctx, dpo, v.ID, app.PeopleSelection{All: true})
		if err != nil || !walk.Walking || walk.Queued != 0 {
			t.Fatalf("all: %+v, %v", walk, err)
		}
		if n := tb.b.Int(t, tb.store, `SELECT count(*) FROM river_job WHERE kind = 'breach_notices'`); n != 1 {
			t.Errorf("walk jobs queued: %d, want 1", n)
		}
		more, err := tb.app.TellBreachPeople(tb.ctx, job.BreachNotices{BreachID: v.ID, Actor: "token:t-dpo:dpo"}, time.Minute)
		if err != nil || more {
			t.Fatalf("the walk: more %v, %v", more, err)
		}
		if n, err := tb.store.BreachNotice(tb.ctx, v.ID, newcomer.ContactID); err != nil || n.Outcome != breach.Queued {
			t.Errorf("the newcomer: %+v, %v", n, err)
		}
		if n := tb.b.Int(t, tb.store, `SELECT count(*) FROM messages WHERE kind = 'breach_notice'`); n != 3 {
			t.Errorf("breach messages: %d, want 3 (kari, ola, the newcomer)", n)
		}
		got, err := tb.app.Breach(tb.ctx, auditor, v.ID)
		if err != nil {
			t.Fatal(err)
		}
		if *got.People != (breach.PeopleTold{MustBeTold: true, Told: 3, NotReachable: 2}) {
			t.Errorf("people told: %+v", *got.People)
		}
		if want := []string{"recorded", "changed", "changed", "people_told", "people_told", "people_notice_started", "people_told"}; !slices.Equal(actions(got), want) {
			t.Errorf("steps %v, want %v", actions(got), want)
		}
	})
}
