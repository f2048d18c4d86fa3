// SPDX-License-Identifier: AGPL-3.0-only

package consent_test

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/samtykke/samtykke/internal/consent"
	"github.com/samtykke/samtykke/internal/ledger"
)

// channels: offers and news go by WhatsApp, mail by e-mail.
func channelOf(p string) consent.Channel {
	if p == "mail" {
		return consent.Email
	}
	return consent.WhatsApp
}

func contactWide(channel consent.Channel) func(*ledger.Event) {
	return func(e *ledger.Event) { e.Purpose, e.Channel = "", string(channel) }
}

// TestFold folds chains as App keeps consent_states while it appends: a
// purpose's event creates its state, a contact-wide event reaches only the
// states the contact has on its channel (invariant 11, R-08).
func TestFold(t *testing.T) {
	t.Parallel()
	day := 24 * time.Hour
	vu := gateNow.Add(300 * day)
	cases := []struct {
		name   string
		events []ledger.Event
		want   map[string]consent.Status // by purpose; a purpose left out has no state
		event  map[string]string         // the event each state names
	}{
		{"no events, no states", nil, map[string]consent.Status{}, nil},
		{"a request creates a pending state", []ledger.Event{ev("e1", ledger.Requested, 9*day)},
			map[string]consent.Status{"offers": consent.StatusPending}, map[string]string{"offers": "e1"}},
		{"an event without effect still creates its state", []ledger.Event{ev("e1", ledger.Refreshed, 9*day)},
			map[string]consent.Status{"offers": consent.StatusNone}, map[string]string{"offers": ""}},
		{"a WhatsApp objection reaches WhatsApp's states only and creates none", []ledger.Event{
			ev("e1", ledger.Confirmed, 9*day, validUntil(vu)),
			ev("e2", ledger.Confirmed, 8*day, forPurpose("mail")),
			ev("e3", ledger.Objected, 7*day, contactWide(consent.WhatsApp)),
		}, map[string]consent.Status{"offers": consent.StatusWithdrawn, "mail": consent.StatusActive},
			map[string]string{"offers": "e3", "mail": "e2"}},
		{"a state after the objection is not reached by it", []ledger.Event{
			ev("e1", ledger.Objected, 9*day, contactWide(consent.WhatsApp)),
			ev("e2", ledger.Requested, 8*day, forPurpose("news")),
		}, map[string]consent.Status{"news": consent.StatusPending}, map[string]string{"news": "e2"}},
		{"an objection on no channel reaches every state", []ledger.Event{
			ev("e1", ledger.Confirmed, 9*day),
			ev("e2", ledger.Confirmed, 8*day, forPurpose("mail")),
			ev("e3", ledger.Objected, 7*day, contactWide("")),
		}, map[string]consent.Status{"offers": consent.StatusWithdrawn, "mail": consent.StatusWithdrawn},
			map[string]string{"offers": "e3", "mail": "e3"}},
		{"expiry and erasure", []ledger.Event{
			ev("e1", ledger.Requested, 9*day),
			ev("e2", ledger.Requested, 9*day, forPurpose("news")),
			ev("e3", ledger.Expired, 6*day),
			ev("e4", ledger.Erased, 5*day, contactWide("")),
		}, map[string]consent.Status{"offers": consent.StatusErased, "news": consent.StatusErased},
			map[string]string{"offers": "e4", "news": "e4"}},
	}
	f := consent.NewFold("c1", channelOf)
	for _, c := range cases {
		f.Reset("c1") // one fold for every case: nothing carries over
		for i, e := range c.events {
			e.Seq = int64(i + 1)
			f.Add(e)
		}
		got := map[string]consent.Status{}
		events := map[string]string{}
		for _, s := range f.States() {
			if s.ContactID != "c1" {
				t.Errorf("%s: state %+v names another contact", c.name, s)
			}
			got[s.Purpose], events[s.Purpose] = s.Status, s.EventID
		}
		if diff := cmp.Diff(c.want, got); diff != "" {
			t.Errorf("%s: statuses (-want +got):\n%s", c.name, diff)
		}
		if c.event != nil {
			if diff := cmp.Diff(c.event, events); diff != "" {
				t.Errorf("%s: event ids (-want +got):\n%s", c.name, diff)
			}
		}
	}
}

// TestFoldIsApply: for one purpose, folding a chain is Apply event by event
// once the purpose has a state (the gate's tests fold that way).
func TestFoldIsApply(t *testing.T) {
	t.Parallel()
	for _, c := range randomCases(5000, 11) {
		// The store creates a purpose's state at its first own event; from
		// there on the fold must be Apply's, contact-wide events included.
		first := -1
		for i, e := range c.events {
			if e.Purpose == "offers" {
				first = i
				break
			}
		}
		if first < 0 {
			continue
		}
		f := consent.NewFold("c1", func(string) consent.Channel { return consent.WhatsApp })
		for _, e := range c.events[first:] {
			f.Add(e)
		}
		want := fold(c.events[first:])
		var got consent.State
		for _, s := range f.States() {
			if s.Purpose == "offers" {
				got = s
			}
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("%v: fold (-Apply +Fold):\n%s", &c, diff)
		}
	}
}

// TestDifference names the purpose and the columns that differ, and nothing
// when stored and folded states agree (invariant 11).
func TestDifference(t *testing.T) {
	t.Parallel()
	active := consent.State{ContactID: "c1", Purpose: "offers", Status: consent.StatusActive, EventID: "e2",
		Since: gateNow, ValidUntil: gateNow.Add(time.Hour), AgeOK: true, Basis: consent.BasisConsent}
	withdrawn := consent.State{ContactID: "c1", Purpose: "offers", Status: consent.StatusWithdrawn, EventID: "e3", Since: gateNow.Add(time.Minute), AgeOK: true}
	mail := consent.State{ContactID: "c1", Purpose: "mail", Status: consent.StatusPending, EventID: "e1", Since: gateNow}
	later := active
	later.ValidUntil = later.ValidUntil.Add(24 * time.Hour)
	cases := []struct {
		name      string
		want, got []consent.State
		purpose   string
		problem   []string // parts of the description
	}{
		{"same", []consent.State{mail, active}, []consent.State{active, mail}, "", nil},
		{"none at all", nil, nil, "", nil},
		{"set back to active", []consent.State{withdrawn}, []consent.State{active}, "offers",
			[]string{"status stored active, events give withdrawn", "event stored e2, events give e3", "basis stored consent, events give none"}},
		{"validity moved", []consent.State{active}, []consent.State{later}, "offers", []string{"valid_until stored"}},
		{"deleted", []consent.State{mail, withdrawn}, []consent.State{mail}, "offers",
			[]string{"no consent state is stored", "withdrawn (event e3)"}},
		{"inserted", []consent.State{withdrawn}, []consent.State{mail, withdrawn}, "mail", []string{"no event", "pending"}},
		{"first purpose by name", []consent.State{mail, withdrawn}, nil, "mail", nil},
	}
	for _, c := range cases {
		purpose, problem := consent.Difference(c.want, c.got)
		if purpose != c.purpose || (c.purpose == "") != (problem == "") {
			t.Errorf("%s: Difference = %q, %q; want purpose %q", c.name, purpose, problem, c.purpose)
		}
		for _, p := range c.problem {
			if !strings.Contains(problem, p) {
				t.Errorf("%s: problem %q does not say %q", c.name, problem, p)
			}
		}
	}
}
