// SPDX-License-Identifier: AGPL-3.0-only

package consent

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/samtykke/samtykke/internal/ledger"
)

// None is the state of a purpose the contact has no event for: what the
// gate reads when nothing is stored.
func None(contactID, purpose string) State {
	return State{ContactID: contactID, Purpose: purpose, Status: StatusNone}
}

// Scope is which of a contact's states an event is folded into: the state
// of its purpose, created (from None) if the contact has none yet; or, for a
// contact-wide event (an objection, an erasure), every state the contact has
// already on the event's channel, or on every channel when it names none. A
// contact-wide event never creates a state.
//
// App reads the states of a scope in the transaction that appends the event
// and folds the event into them with Apply; Fold does the same over a whole
// chain, so that verification can compare (invariant 11).
type Scope struct {
	Purpose string
	Channel Channel
}

// ScopeOf is the scope of event e.
func ScopeOf(e ledger.Event) Scope {
	if e.Purpose != "" {
		return Scope{Purpose: e.Purpose}
	}
	return Scope{Channel: Channel(e.Channel)}
}

// Reaches reports whether the scope takes in a state the contact has for
// purpose, whose channel is ch.
func (sc Scope) Reaches(purpose string, ch Channel) bool {
	if sc.Purpose != "" {
		return purpose == sc.Purpose
	}
	return sc.Channel == "" || sc.Channel == ch
}

// Fold is a contact's consent states as its ledger events make them, event
// by event: what App keeps in consent_states as it appends them (invariant
// 11). It holds one state per purpose the contact has, nothing more.
type Fold struct {
	contactID string
	channelOf func(purpose string) Channel
	states    map[string]State
}

// NewFold starts the fold of contactID's chain. channelOf names a purpose's
// channel, for the events whose scope is a channel.
func NewFold(contactID string, channelOf func(purpose string) Channel) *Fold {
	return &Fold{contactID: contactID, channelOf: channelOf, states: map[string]State{}}
}

// Reset starts over with another contact's chain, keeping the memory.
func (f *Fold) Reset(contactID string) {
	f.contactID = contactID
	clear(f.states)
}

// Add folds the contact's next event into the states of its scope.
func (f *Fold) Add(e ledger.Event) {
	sc := ScopeOf(e)
	if sc.Purpose != "" {
		s, ok := f.states[sc.Purpose]
		if !ok {
			s = None(f.contactID, sc.Purpose)
		}
		f.states[sc.Purpose] = Apply(s, e)
		return
	}
	for p, s := range f.states {
		if sc.Reaches(p, f.channelOf(p)) {
			f.states[p] = Apply(s, e)
		}
	}
}

// States is the folded states, by purpose.
func (f *Fold) States() []State {
	out := make([]State, 0, len(f.states))
	for _, s := range f.states {
		out = append(out, s)
	}
	slices.SortFunc(out, func(a, b State) int { return strings.Compare(a.Purpose, b.Purpose) })
	return out
}

// Difference compares the states a contact's events fold into (want, from
// Fold) with the states stored for it (got) and describes the first
// difference, by purpose: a state the events give that is not stored, a
// stored state no event gives, or a column that differs. Both empty: they
// are the same. The description names statuses, event ids and times, never
// personal data.
func Difference(want, got []State) (purpose, problem string) {
	if slices.EqualFunc(want, got, same) {
		return "", "" // the common case, in the same order: nothing to build
	}
	byPurpose := func(ss []State) map[string]State {
		m := make(map[string]State, len(ss))
		for _, s := range ss {
			m[s.Purpose] = s
		}
		return m
	}
	w, g := byPurpose(want), byPurpose(got)
	var keys []string
	for p := range w {
		keys = append(keys, p)
	}
	for p := range g {
		if _, ok := w[p]; !ok {
			keys = append(keys, p)
		}
	}
	slices.Sort(keys)
	for _, p := range keys {
		ws, wok := w[p]
		gs, gok := g[p]
		switch {
		case !gok:
			return p, fmt.Sprintf("no consent state is stored, but the events give status %s (event %s)", ws.Status, ws.EventID)
		case !wok:
			return p, fmt.Sprintf("a consent state is stored (status %s, event %s) that no event of the contact gives", gs.Status, gs.EventID)
		}
		if !same(ws, gs) {
			return p, "the stored consent state differs from what the events give: " + stateDiff(ws, gs)
		}
	}
	return "", ""
}

// same reports whether two states agree in every column.
func same(a, b State) bool {
	return a.ContactID == b.ContactID && a.Purpose == b.Purpose && a.Status == b.Status && a.EventID == b.EventID &&
		a.Since.Equal(b.Since) && a.ValidUntil.Equal(b.ValidUntil) && a.AgeOK == b.AgeOK && a.Basis == b.Basis
}

// stateDiff lists the columns in which stored differs from want.
func stateDiff(want, stored State) string {
	var ds []string
	diff := func(col string, w, s any) {
		str := func(v any) string {
			if x := fmt.Sprint(v); x != "" {
				return x
			}
			return "none"
		}
		ds = append(ds, fmt.Sprintf("%s stored %s, events give %s", col, str(s), str(w)))
	}
	at := func(t time.Time) string {
		if t.IsZero() {
			return "none"
		}
		return t.UTC().Format(time.RFC3339Nano)
	}
	if want.ContactID != stored.ContactID {
		diff("contact", want.ContactID, stored.ContactID)
	}
	if want.Status != stored.Status {
		diff("status", want.Status, stored.Status)
	}
	if want.EventID != stored.EventID {
		diff("event", want.EventID, stored.EventID)
	}
	if !want.Since.Equal(stored.Since) {
		diff("since", at(want.Since), at(stored.Since))
	}
	if !want.ValidUntil.Equal(stored.ValidUntil) {
		diff("valid_until", at(want.ValidUntil), at(stored.ValidUntil))
	}
	if want.AgeOK != stored.AgeOK {
		diff("age_confirmed", want.AgeOK, stored.AgeOK)
	}
	if want.Basis != stored.Basis {
		diff("basis", want.Basis, stored.Basis)
	}
	return strings.Join(ds, "; ")
}
