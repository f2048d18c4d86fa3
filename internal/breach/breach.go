// SPDX-License-Identifier: AGPL-3.0-only

// Package breach holds the rules of the breach register (GDPR Arts. 33-34,
// B-01..B-05): a personal data breach ("brudd på personopplysningssikkerheten",
// in daily speech "avvik") is recorded with the moment the controller became
// aware of it, which starts the 72-hour clock for notifying Datatilsynet
// (Art. 33(1)); its risk decides whether Datatilsynet must be notified and
// whether the people affected must be told (Art. 34); every breach is kept in
// the register, notified or not (Art. 33(5)).
package breach

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Errors of the rules.
var (
	ErrInvalid = errors.New("breach: invalid")     // malformed input
	ErrRefused = errors.New("breach: not allowed") // a rule refuses the step
)

// Category is what the breach did to the data (Art. 4(12); WP29 WP250):
// disclosed it, changed it, or made it unavailable. One breach may be several.
type Category string

// The categories.
const (
	Confidentiality Category = "confidentiality" // seen or taken by someone not allowed to
	Integrity       Category = "integrity"       // changed without authority
	Availability    Category = "availability"    // lost or out of reach
)

// Categories lists every category.
var Categories = []Category{Confidentiality, Integrity, Availability}

// Risk is the controller's assessment of the risk to people's rights and
// freedoms: it decides whether Datatilsynet must be notified (any risk,
// Art. 33(1)) and whether the people must be told (high risk, Art. 34(1)).
type Risk string

// The risk levels. A breach not yet assessed is treated as one that must be
// notified: the clock runs while the controller finds out.
const (
	RiskUnassessed Risk = "unassessed"
	RiskNone       Risk = "none" // unlikely to result in a risk: recorded, not notified
	RiskSome       Risk = "risk" // notify Datatilsynet
	RiskHigh       Risk = "high" // notify Datatilsynet and tell the people
)

// Risks lists every level.
var Risks = []Risk{RiskUnassessed, RiskNone, RiskSome, RiskHigh}

// Exemption is why people at high risk need not be told one by one
// (Art. 34(3)).
type Exemption string

// The exemptions.
const (
	NoExemption      Exemption = ""
	Unintelligible   Exemption = "unintelligible"   // (a) the data was encrypted or otherwise unreadable
	RiskRemoved      Exemption = "risk_removed"     // (b) later measures removed the high risk
	Disproportionate Exemption = "disproportionate" // (c) a public communication instead
)

// Exemptions lists the exemptions.
var Exemptions = []Exemption{Unintelligible, RiskRemoved, Disproportionate}

// State is whether the controller is still handling the breach.
type State string

// The states.
const (
	Open   State = "open"
	Closed State = "closed"
)

// Deadline is how long after awareness Datatilsynet must be notified, where
// feasible (Art. 33(1)).
const Deadline = 72 * time.Hour

// DueSoon is how close to the deadline an unnotified breach counts as due soon.
const DueSoon = 24 * time.Hour

// Notice is what people are told in one language (Art. 34(2)): in clear and
// plain words, what happened, what it may mean for them, and what was done
// and what they can do. The contact point (Art. 33(3)(b)) is added from the
// configuration.
type Notice struct {
	What         string `json:"what"`
	Consequences string `json:"consequences"`
	Advice       string `json:"advice"`
}

// Incident is one breach in the register. It holds no personal data: people
// are counted, never named, and free text that looks like a phone number is
// refused.
type Incident struct {
	ID    string
	Title string // a short name, e.g. "Lost laptop with a list export"
	// Description is how it happened: the nature of the breach (Art. 33(3)(a)).
	Description string
	Cause       string // the main cause (Datatilsynet's form)
	Source      string // who found or reported it: staff, a processor (Art. 33(2)), a person
	Categories  []Category
	// OccurredAt and OccurredUntil bound the period it went on (zero: not
	// known, or still going on).
	OccurredAt    time.Time
	OccurredUntil time.Time
	DiscoveredAt  time.Time // when someone first saw it (zero: the moment of awareness)
	// AwareAt is when the controller became aware of it: reasonably certain
	// that a breach happened (B-01). The 72 hours run from here.
	AwareAt          time.Time
	DataCategories   []string // the kinds of personal data involved
	PeopleCategories []string // the kinds of people: customers on the list, staff ...
	PeopleApprox     int64    // approximately how many people (0: not known yet)
	RecordsApprox    int64    // approximately how many records (0: not known yet)
	DataLocation     string   // where the data is now (Datatilsynet's form)
	Consequences     string   // the likely consequences (Art. 33(3)(c))
	MeasuresTaken    string   // measures taken (Art. 33(3)(d))
	MeasuresProposed string   // measures proposed, to mitigate the effects too
	Risk             Risk
	RiskReason       string // why that level: the assessment kept for Art. 33(5)
	// NotifiedAt is when Datatilsynet was first notified; Reference is the
	// notification's reference (Altinn); DelayReason says why it came after
	// the 72 hours (Art. 33(1)).
	NotifiedAt  time.Time
	Reference   string
	DelayReason string
	// Exemption, with high risk, is why people are not told one by one.
	Exemption Exemption
	// ContactPoint overrides the configured DPO as the contact point
	// (Art. 33(3)(b)); no phone numbers here: the DPO's comes from the
	// configuration.
	ContactPoint string
	// People are the texts people are told, by language (nb, en).
	People    map[string]Notice
	State     State
	CreatedAt time.Time
	UpdatedAt time.Time
	ClosedAt  time.Time
	CreatedBy string
}

// DeadlineAt is when the 72 hours after awareness end (B-01).
func (i Incident) DeadlineAt() time.Time { return i.AwareAt.Add(Deadline) }

// MustNotify reports whether Datatilsynet must be notified: unless the
// breach is unlikely to result in a risk (Art. 33(1)). An unassessed breach
// must be.
func (i Incident) MustNotify() bool { return i.Risk != RiskNone }

// MustTell reports whether the people must be told (Art. 34(1), (3)).
func (i Incident) MustTell() bool { return i.Risk == RiskHigh && i.Exemption == NoExemption }

// Notified reports whether Datatilsynet has been notified.
func (i Incident) Notified() bool { return !i.NotifiedAt.IsZero() }

// Overdue reports whether a breach that must be notified is not, and its
// 72 hours have run out. At the deadline itself it is not overdue yet.
func (i Incident) Overdue(now time.Time) bool {
	return i.MustNotify() && !i.Notified() && now.After(i.DeadlineAt())
}

// NearlyDue reports whether a breach that must be notified is not, and its
// deadline is within DueSoon, not past.
func (i Incident) NearlyDue(now time.Time) bool {
	return i.MustNotify() && !i.Notified() && !i.Overdue(now) && !now.Add(DueSoon).Before(i.DeadlineAt())
}

// Late reports whether Datatilsynet was notified after the 72 hours.
func (i Incident) Late() bool { return i.Notified() && i.NotifiedAt.After(i.DeadlineAt()) }

// Limits of the texts.
const (
	MaxTitle  = 200
	MaxText   = 5000
	MaxItem   = 200 // one data or people category
	MaxItems  = 30
	MinReason = 10 // a reason for a delay, in words
	// MinNotice and MaxNotice bound each part of what people are told: the
	// whole goes in one WhatsApp template (at most 1,024 characters).
	MinNotice = 10
	MaxNotice = 250
)

// Languages are those people can be told in.
var Languages = []string{"nb", "en"}

// Check validates a whole incident as it would be stored at now.
// mentionsNumber finds phone numbers in free text (phone.Mentions): the
// register must not hold one in clear (invariant 4).
func (i Incident) Check(now time.Time, mentionsNumber func(string) bool) error {
	var errs []error
	bad := func(format string, a ...any) {
		errs = append(errs, fmt.Errorf("%w: "+format, append([]any{ErrInvalid}, a...)...))
	}
	if n := utf8.RuneCountInString(strings.TrimSpace(i.Title)); n < 3 || n > MaxTitle {
		bad("title must be 3 to %d characters", MaxTitle)
	}
	texts := []struct{ name, s string }{{"title", i.Title}, {"description", i.Description}, {"cause", i.Cause},
		{"source", i.Source}, {"data_location", i.DataLocation}, {"consequences", i.Consequences},
		{"measures_taken", i.MeasuresTaken}, {"measures_proposed", i.MeasuresProposed}, {"risk_reason", i.RiskReason},
		{"delay_reason", i.DelayReason}, {"contact_point", i.ContactPoint}}
	for _, l := range []struct {
		name  string
		items []string
	}{{"data_categories", i.DataCategories}, {"people_categories", i.PeopleCategories}} {
		if len(l.items) > MaxItems {
			bad("%s: at most %d entries", l.name, MaxItems)
		}
		for _, it := range l.items {
			if n := utf8.RuneCountInString(strings.TrimSpace(it)); n == 0 || n > MaxItem {
				bad("%s: each entry must be 1 to %d characters", l.name, MaxItem)
			}
			texts = append(texts, struct{ name, s string }{l.name, it})
		}
	}
	// The notification's reference is Altinn's (AR and nine digits): it may
	// look like a number, and names no person.
	if utf8.RuneCountInString(i.Reference) > MaxTitle || strings.IndexFunc(i.Reference, unicode.IsControl) >= 0 {
		bad("reference must be one line of at most %d characters", MaxTitle)
	}
	for lang, n := range i.People {
		if !slices.Contains(Languages, lang) {
			bad("people: language must be nb or en, not %q", lang)
		}
		for _, part := range []struct{ name, s string }{{"what", n.What}, {"consequences", n.Consequences}, {"advice", n.Advice}} {
			name := "people." + lang + "." + part.name
			if c := utf8.RuneCountInString(strings.TrimSpace(part.s)); c < MinNotice || c > MaxNotice {
				bad("%s must be %d to %d characters", name, MinNotice, MaxNotice)
			}
			if strings.IndexFunc(part.s, unicode.IsControl) >= 0 {
				bad("%s must be one line of text", name) // a template parameter holds no line breaks
			}
			texts = append(texts, struct{ name, s string }{name, part.s})
		}
	}
	for _, t := range texts {
		if utf8.RuneCountInString(t.s) > MaxText {
			bad("%s must be at most %d characters", t.name, MaxText)
		}
		if !utf8.ValidString(t.s) {
			bad("%s is not valid UTF-8", t.name)
		}
		if mentionsNumber != nil && mentionsNumber(t.s) {
			bad("%s seems to hold a phone number; the register names no person: count people, or name contacts by id", t.name)
		}
	}
	seen := map[Category]bool{}
	for _, c := range i.Categories {
		if !slices.Contains(Categories, c) || seen[c] {
			bad("categories must be distinct, each confidentiality, integrity or availability")
			break
		}
		seen[c] = true
	}
	if !slices.Contains(Risks, i.Risk) {
		bad("risk must be unassessed, none, risk or high")
	}
	if i.Exemption != NoExemption && !slices.Contains(Exemptions, i.Exemption) {
		bad("people_exemption must be unintelligible, risk_removed or disproportionate")
	}
	if i.PeopleApprox < 0 || i.RecordsApprox < 0 {
		bad("people_approx and records_approx must not be negative")
	}
	// The times: none in the future; occurred ≤ discovered ≤ aware ≤ notified.
	switch {
	case i.AwareAt.IsZero():
		bad("aware_at is required: the 72 hours run from it")
	case i.AwareAt.After(now):
		bad("aware_at is in the future")
	}
	for _, t := range []struct {
		name string
		at   time.Time
	}{{"occurred_at", i.OccurredAt}, {"occurred_until", i.OccurredUntil}, {"discovered_at", i.DiscoveredAt}, {"notified_at", i.NotifiedAt}} {
		if t.at.After(now) {
			bad("%s is in the future", t.name)
		}
	}
	if !i.OccurredAt.IsZero() && !i.OccurredUntil.IsZero() && i.OccurredUntil.Before(i.OccurredAt) {
		bad("occurred_until is before occurred_at")
	}
	if !i.DiscoveredAt.IsZero() && i.DiscoveredAt.After(i.AwareAt) {
		bad("discovered_at is after aware_at: the controller cannot be aware of a breach before anyone found it")
	}
	if !i.OccurredAt.IsZero() && i.OccurredAt.After(first(i.DiscoveredAt, i.AwareAt)) {
		bad("occurred_at is after the breach was discovered")
	}
	if i.Notified() && i.NotifiedAt.Before(i.AwareAt) {
		bad("notified_at is before aware_at")
	}
	if i.Late() && utf8.RuneCountInString(strings.TrimSpace(i.DelayReason)) < MinReason {
		bad("the notification came after the 72 hours: delay_reason must say why, in at least %d characters (Art. 33(1))", MinReason)
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	switch i.State {
	case Open:
	case Closed:
		if i.Risk == RiskUnassessed {
			return fmt.Errorf("%w: a breach is closed only once its risk is assessed", ErrRefused)
		}
		if i.MustNotify() && !i.Notified() {
			return fmt.Errorf("%w: a breach with a risk is closed only once Datatilsynet is notified (Art. 33(1))", ErrRefused)
		}
	default:
		return fmt.Errorf("%w: state must be open or closed", ErrInvalid)
	}
	return nil
}

// first is a unless it is zero, then b.
func first(a, b time.Time) time.Time {
	if a.IsZero() {
		return b
	}
	return a
}

// Notification is Datatilsynet notified (B-01): when, its reference, and
// why it came late if it did.
type Notification struct {
	At          time.Time
	Reference   string
	DelayReason string
}

// Notify records a notification of Datatilsynet. The first sets NotifiedAt;
// later ones are supplements (Art. 33(4): information in phases) and leave
// it; supplement says which. A first notification after the 72 hours needs
// a reason for the delay, given now or before (Art. 33(1)).
func Notify(i Incident, n Notification, now time.Time) (out Incident, supplement bool, err error) {
	switch {
	case n.At.IsZero():
		return i, false, fmt.Errorf("%w: notified_at is required", ErrInvalid)
	case n.At.After(now):
		return i, false, fmt.Errorf("%w: notified_at is in the future", ErrInvalid)
	case n.At.Before(i.AwareAt):
		return i, false, fmt.Errorf("%w: notified_at is before aware_at", ErrInvalid)
	case i.Notified() && n.At.Before(i.NotifiedAt):
		return i, false, fmt.Errorf("%w: a supplement cannot come before the first notification", ErrInvalid)
	}
	if i.Notified() {
		if i.Reference == "" {
			i.Reference = strings.TrimSpace(n.Reference)
		}
		return i, true, nil
	}
	i.NotifiedAt, i.Reference = n.At.UTC(), strings.TrimSpace(n.Reference)
	if r := strings.TrimSpace(n.DelayReason); r != "" {
		i.DelayReason = r
	}
	if i.Late() && utf8.RuneCountInString(i.DelayReason) < MinReason {
		return i, false, fmt.Errorf("%w: notified %s after the 72 hours: delay_reason must say why, in at least %d characters (Art. 33(1))",
			ErrInvalid, n.At.Sub(i.DeadlineAt()).Round(time.Minute), MinReason)
	}
	return i, false, nil
}

// Changes names what differs between two versions of an incident, for the
// step that records a change: short values old → new, long texts by name.
// A moved awareness moves the deadline, so both of its times are kept.
func Changes(old, new Incident) []string {
	var out []string
	val := func(name, a, b string) {
		if a != b {
			out = append(out, fmt.Sprintf("%s %s → %s", name, orDash(a), orDash(b)))
		}
	}
	text := func(name, a, b string) {
		if a != b {
			out = append(out, name)
		}
	}
	tm := func(name string, a, b time.Time) {
		if !a.Equal(b) {
			val(name, stamp(a), stamp(b))
		}
	}
	text("title", old.Title, new.Title)
	text("description", old.Description, new.Description)
	text("cause", old.Cause, new.Cause)
	text("source", old.Source, new.Source)
	val("categories", joinCats(old.Categories), joinCats(new.Categories))
	tm("occurred_at", old.OccurredAt, new.OccurredAt)
	tm("occurred_until", old.OccurredUntil, new.OccurredUntil)
	tm("discovered_at", old.DiscoveredAt, new.DiscoveredAt)
	tm("aware_at", old.AwareAt, new.AwareAt)
	text("data_categories", strings.Join(old.DataCategories, "\n"), strings.Join(new.DataCategories, "\n"))
	text("people_categories", strings.Join(old.PeopleCategories, "\n"), strings.Join(new.PeopleCategories, "\n"))
	val("people_approx", fmt.Sprint(old.PeopleApprox), fmt.Sprint(new.PeopleApprox))
	val("records_approx", fmt.Sprint(old.RecordsApprox), fmt.Sprint(new.RecordsApprox))
	text("data_location", old.DataLocation, new.DataLocation)
	text("consequences", old.Consequences, new.Consequences)
	text("measures_taken", old.MeasuresTaken, new.MeasuresTaken)
	text("measures_proposed", old.MeasuresProposed, new.MeasuresProposed)
	val("risk", string(old.Risk), string(new.Risk))
	text("risk_reason", old.RiskReason, new.RiskReason)
	text("delay_reason", old.DelayReason, new.DelayReason)
	text("reference", old.Reference, new.Reference)
	val("people_exemption", string(old.Exemption), string(new.Exemption))
	text("contact_point", old.ContactPoint, new.ContactPoint)
	if !noticesEqual(old.People, new.People) {
		out = append(out, "people")
	}
	val("state", string(old.State), string(new.State))
	return out
}

func noticesEqual(a, b map[string]Notice) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || v != w {
			return false
		}
	}
	return true
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

func joinCats(cs []Category) string {
	s := make([]string, len(cs))
	for i, c := range cs {
		s[i] = string(c)
	}
	return strings.Join(s, ",")
}

// Step is one recorded step of an incident's handling: who did what, when.
type Step struct {
	BreachID string
	At       time.Time
	Actor    string
	Action   string // recorded, changed, notified, supplemented, people_told, closed, reopened
	Note     string // no personal data
}

// Outcome is what came of telling one person (Art. 34).
type Outcome string

// The outcomes.
const (
	Queued     Outcome = "queued"     // a WhatsApp message is on its way (its status tells the rest)
	Suppressed Outcome = "suppressed" // the number is on the suppression list: nothing is sent to it (invariant 9)
	Erased     Outcome = "erased"     // the person was erased: no number to tell
)

// PersonNotice records that one contact was told, or could not be told this way.
type PersonNotice struct {
	BreachID  string
	ContactID string
	At        time.Time
	Language  string
	Outcome   Outcome
	MessageID string // the WhatsApp message, when one was queued
	Actor     string
}

// NoticeCount is a number of people by outcome and, for those queued, by
// their message's status now ("" once the message record is gone).
type NoticeCount struct {
	Outcome Outcome
	Status  string
	N       int64
}

// Counts are the numbers /metrics shows.
type Counts struct {
	Open    int64 // breaches still being handled
	DueSoon int64 // must be notified, are not, and the deadline is within DueSoon
	Overdue int64 // must be notified, are not, and the deadline has passed
}
