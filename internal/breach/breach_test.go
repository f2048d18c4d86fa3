// SPDX-License-Identifier: AGPL-3.0-only

package breach_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/samtykke/samtykke/internal/breach"
	"github.com/samtykke/samtykke/internal/phone"
)

var aware = time.Date(2026, 3, 27, 9, 30, 0, 0, time.UTC) // the Friday before summer time starts in Oslo

// incident is a valid open breach, aware at aware, with a risk.
func incident() breach.Incident {
	return breach.Incident{ID: "b1", Title: "Lost laptop with a list export", Risk: breach.RiskSome, State: breach.Open,
		AwareAt: aware, DiscoveredAt: aware.Add(-2 * time.Hour), OccurredAt: aware.Add(-26 * time.Hour),
		Categories: []breach.Category{breach.Confidentiality}}
}

// TestDeadlineClock: the 72 hours run from awareness, not from discovery or
// from the breach itself (B-01, Art. 33(1)); at 71h59 a breach is due soon,
// at 72h00 still in time, at 72h01 overdue, and the summer-time change in
// between does not move the deadline (72 real hours).
func TestDeadlineClock(t *testing.T) {
	t.Parallel()
	i := incident()
	if want := time.Date(2026, 3, 30, 9, 30, 0, 0, time.UTC); !i.DeadlineAt().Equal(want) {
		t.Fatalf("DeadlineAt = %v, want %v (aware + 72 h, across the change to summer time)", i.DeadlineAt(), want)
	}
	cases := []struct {
		name            string
		after           time.Duration
		nearly, overdue bool
	}{
		{"at awareness", 0, false, false},
		{"47h59: more than a day left", 47*time.Hour + 59*time.Minute, false, false},
		{"48h00: a day left", 48 * time.Hour, true, false},
		{"71h59", 71*time.Hour + 59*time.Minute, true, false},
		{"72h00: the deadline itself", 72 * time.Hour, true, false},
		{"72h01", 72*time.Hour + time.Minute, false, true},
		{"a week later", 7 * 24 * time.Hour, false, true},
	}
	for _, c := range cases {
		now := aware.Add(c.after)
		if got := i.NearlyDue(now); got != c.nearly {
			t.Errorf("%s: NearlyDue = %v, want %v", c.name, got, c.nearly)
		}
		if got := i.Overdue(now); got != c.overdue {
			t.Errorf("%s: Overdue = %v, want %v", c.name, got, c.overdue)
		}
	}
	late := aware.Add(72*time.Hour + time.Minute)
	for name, i := range map[string]breach.Incident{
		"no risk":  func() breach.Incident { i := incident(); i.Risk = breach.RiskNone; return i }(),
		"notified": func() breach.Incident { i := incident(); i.NotifiedAt = aware.Add(time.Hour); return i }(),
	} {
		if i.Overdue(late) || i.NearlyDue(aware.Add(71*time.Hour)) {
			t.Errorf("%s: counted as overdue or due soon", name)
		}
	}
	unassessed := incident()
	unassessed.Risk = breach.RiskUnassessed
	if !unassessed.Overdue(late) {
		t.Error("an unassessed breach is not overdue after 72 hours: the clock must run while the controller finds out")
	}
}

// TestNotifyNeedsReasonWhenLate: a notification after the 72 hours must
// say why (Art. 33(1)); at 72h00 none is needed; later notifications are
// supplements that keep the first time (Art. 33(4)).
func TestNotifyNeedsReasonWhenLate(t *testing.T) {
	t.Parallel()
	now := aware.Add(10 * 24 * time.Hour)
	onTime, supplement, err := breach.Notify(incident(), breach.Notification{At: aware.Add(72 * time.Hour), Reference: "AR123456789"}, now)
	if err != nil || supplement || onTime.Late() || !onTime.NotifiedAt.Equal(aware.Add(72*time.Hour)) || onTime.Reference != "AR123456789" {
		t.Fatalf("at 72h00: %+v, supplement %v, %v", onTime, supplement, err)
	}
	if err := onTime.Check(now, phone.Mentions); err != nil {
		t.Errorf("Altinn's reference (AR and nine digits) refused as a phone number: %v", err)
	}
	if _, _, err := breach.Notify(incident(), breach.Notification{At: aware.Add(72*time.Hour + time.Minute)}, now); !errors.Is(err, breach.ErrInvalid) {
		t.Errorf("at 72h01 without a reason: %v, want ErrInvalid", err)
	}
	if _, _, err := breach.Notify(incident(), breach.Notification{At: aware.Add(80 * time.Hour), DelayReason: "kort"}, now); !errors.Is(err, breach.ErrInvalid) {
		t.Errorf("a reason of four letters: %v, want ErrInvalid", err)
	}
	late, _, err := breach.Notify(incident(), breach.Notification{At: aware.Add(80 * time.Hour),
		DelayReason: "The processor told us only on the third day."}, now)
	if err != nil || !late.Late() {
		t.Fatalf("late with a reason: %+v, %v", late, err)
	}
	if err := late.Check(now, phone.Mentions); err != nil {
		t.Errorf("a late notification with its reason does not check: %v", err)
	}
	given := incident()
	given.DelayReason = "Waiting for the processor's report since Monday."
	if _, _, err := breach.Notify(given, breach.Notification{At: aware.Add(80 * time.Hour)}, now); err != nil {
		t.Errorf("late, with the reason given before: %v", err)
	}
	again, supplement, err := breach.Notify(onTime, breach.Notification{At: aware.Add(5 * 24 * time.Hour), Reference: "ALTINN-2"}, now)
	if err != nil || !supplement || !again.NotifiedAt.Equal(onTime.NotifiedAt) || again.Reference != "AR123456789" {
		t.Errorf("a supplement: %+v, supplement %v, %v", again, supplement, err)
	}
	for name, n := range map[string]breach.Notification{
		"no time":         {},
		"in the future":   {At: now.Add(time.Minute)},
		"before aware_at": {At: aware.Add(-time.Minute)},
	} {
		if _, _, err := breach.Notify(incident(), n, now); !errors.Is(err, breach.ErrInvalid) {
			t.Errorf("%s: %v, want ErrInvalid", name, err)
		}
	}
	if _, _, err := breach.Notify(onTime, breach.Notification{At: aware.Add(time.Hour)}, now); !errors.Is(err, breach.ErrInvalid) {
		t.Errorf("a supplement before the first notification: %v", err)
	}
}

// TestCheck: bad input is refused with a reason (invariant 8); free text
// that holds a phone number is refused (invariant 4); a breach with a risk
// closes only once notified (B-01), and only once assessed.
func TestCheck(t *testing.T) {
	t.Parallel()
	now := aware.Add(time.Hour)
	if err := incident().Check(now, phone.Mentions); err != nil {
		t.Fatalf("a valid incident: %v", err)
	}
	invalid := map[string]func(*breach.Incident){
		"no title":                      func(i *breach.Incident) { i.Title = " " },
		"no aware_at":                   func(i *breach.Incident) { i.AwareAt = time.Time{} },
		"aware in the future":           func(i *breach.Incident) { i.AwareAt = aware.Add(101 * time.Hour) },
		"discovered after aware":        func(i *breach.Incident) { i.DiscoveredAt = aware.Add(time.Minute) },
		"occurred after discovered":     func(i *breach.Incident) { i.OccurredAt = i.DiscoveredAt.Add(time.Minute) },
		"until before from":             func(i *breach.Incident) { i.OccurredUntil = i.OccurredAt.Add(-time.Minute) },
		"unknown category":              func(i *breach.Incident) { i.Categories = []breach.Category{"theft"} },
		"a category twice":              func(i *breach.Incident) { i.Categories = []breach.Category{breach.Integrity, breach.Integrity} },
		"unknown risk":                  func(i *breach.Incident) { i.Risk = "medium" },
		"empty risk":                    func(i *breach.Incident) { i.Risk = "" },
		"unknown exemption":             func(i *breach.Incident) { i.Exemption = "busy" },
		"negative count":                func(i *breach.Incident) { i.PeopleApprox = -1 },
		"a number in the description":   func(i *breach.Incident) { i.Description = "Kari on +47 912 34 567 got the file" },
		"a number in the contact point": func(i *breach.Incident) { i.ContactPoint = "ring 22 33 44 55" },
		"a number in a data category":   func(i *breach.Incident) { i.DataCategories = []string{"91234567"} },
		"an empty data category":        func(i *breach.Incident) { i.DataCategories = []string{""} },
		"a text too long":               func(i *breach.Incident) { i.Consequences = strings.Repeat("a", breach.MaxText+1) },
		"notice in German":              func(i *breach.Incident) { i.People = map[string]breach.Notice{"de": notice()} },
		"notice part too short": func(i *breach.Incident) {
			n := notice()
			n.Advice = "Ring"
			i.People = map[string]breach.Notice{"nb": n}
		},
		"notice on two lines": func(i *breach.Incident) {
			n := notice()
			n.What += "\nmore"
			i.People = map[string]breach.Notice{"nb": n}
		},
		"unknown state":         func(i *breach.Incident) { i.State = "archived" },
		"late without a reason": func(i *breach.Incident) { i.NotifiedAt = aware.Add(73 * time.Hour) },
		"notified before aware": func(i *breach.Incident) { i.NotifiedAt = aware.Add(-time.Minute) },
	}
	for name, edit := range invalid {
		i := incident()
		edit(&i)
		if err := i.Check(aware.Add(100*time.Hour), phone.Mentions); !errors.Is(err, breach.ErrInvalid) {
			t.Errorf("%s: %v, want ErrInvalid", name, err)
		}
	}
	dated := incident()
	dated.Description = "Sent on 27.03.2026 to the wrong address"
	if err := dated.Check(now, phone.Mentions); err != nil {
		t.Errorf("a date is not a phone number: %v", err)
	}
	refused := map[string]func(*breach.Incident){
		"closed with a risk, not notified": func(i *breach.Incident) { i.State = breach.Closed },
		"closed unassessed":                func(i *breach.Incident) { i.State, i.Risk = breach.Closed, breach.RiskUnassessed },
	}
	for name, edit := range refused {
		i := incident()
		edit(&i)
		if err := i.Check(now, phone.Mentions); !errors.Is(err, breach.ErrRefused) {
			t.Errorf("%s: %v, want ErrRefused", name, err)
		}
	}
	for name, edit := range map[string]func(*breach.Incident){
		"closed with no risk, not notified (B-04: kept in the register)": func(i *breach.Incident) { i.State, i.Risk = breach.Closed, breach.RiskNone },
		"closed once notified": func(i *breach.Incident) { i.State, i.NotifiedAt = breach.Closed, aware.Add(time.Minute) },
	} {
		i := incident()
		edit(&i)
		if err := i.Check(now, phone.Mentions); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func notice() breach.Notice {
	return breach.Notice{What: "En bærbar PC med en liste over kunder ble stjålet.",
		Consequences: "Noen kan bruke nummeret ditt til svindelforsøk.",
		Advice:       "Vi har sperret tilgangen. Vær varsom med meldinger som ber om koder."}
}

// TestMustTell: people are told at high risk unless an Art. 34(3)
// exemption applies (B-05).
func TestMustTell(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		risk breach.Risk
		ex   breach.Exemption
		want bool
	}{
		{breach.RiskHigh, "", true},
		{breach.RiskHigh, breach.Unintelligible, false},
		{breach.RiskHigh, breach.Disproportionate, false},
		{breach.RiskSome, "", false},
		{breach.RiskNone, "", false},
		{breach.RiskUnassessed, "", false},
	} {
		i := incident()
		i.Risk, i.Exemption = c.risk, c.ex
		if got := i.MustTell(); got != c.want {
			t.Errorf("risk %s, exemption %q: MustTell = %v, want %v", c.risk, c.ex, got, c.want)
		}
	}
}

// TestChangesNameWhatMoved: a change is recorded with what changed; a moved
// awareness keeps both times, since it moves the deadline (B-04).
func TestChangesNameWhatMoved(t *testing.T) {
	t.Parallel()
	old := incident()
	now := old
	now.AwareAt = aware.Add(time.Hour)
	now.Risk = breach.RiskHigh
	now.Description = "Found in a taxi."
	now.People = map[string]breach.Notice{"nb": notice()}
	got := breach.Changes(old, now)
	want := []string{"description", "aware_at 2026-03-27T09:30:00Z → 2026-03-27T10:30:00Z", "risk risk → high", "people"}
	if !slices.Equal(got, want) {
		t.Errorf("Changes = %q, want %q", got, want)
	}
	if got := breach.Changes(old, old); len(got) != 0 {
		t.Errorf("no change: %q", got)
	}
}
