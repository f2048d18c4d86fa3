// SPDX-License-Identifier: AGPL-3.0-only

// Package rights holds the rules of a data subject's requests (Arts. 12,
// 15-21): the kinds of request, how a request moves from received to
// answered, its statutory deadline (one month, extendable once by up to two
// more with reasons told to the person within the first month, T-03), and
// the identity check before anything is disclosed (T-04).
package rights

import (
	"errors"
	"fmt"
	"strings"
	"time"
	_ "time/tzdata" // deadlines are Oslo dates, also where the system has no zone files
	"unicode/utf8"
)

// Type is what the person asks for.
type Type string

// The request types (Arts. 15-21).
const (
	Access        Type = "access"        // Art. 15: what is held, and a copy
	Portability   Type = "portability"   // Art. 20: the data provided, machine-readable
	Rectification Type = "rectification" // Art. 16: correct or complete
	Erasure       Type = "erasure"       // Art. 17
	Restriction   Type = "restriction"   // Art. 18
	Objection     Type = "objection"     // Art. 21: direct marketing, absolute
)

// Types lists every type, in the order the law gives them.
var Types = []Type{Access, Rectification, Erasure, Restriction, Portability, Objection}

// ParseType accepts a type's name.
func ParseType(s string) (Type, error) {
	for _, t := range Types {
		if string(t) == s {
			return t, nil
		}
	}
	return "", fmt.Errorf("%w: type must be one of access, portability, rectification, erasure, restriction, objection", ErrInvalid)
}

// Discloses reports whether answering a request of this type hands the
// person their data, so that identity must be proven first (T-04).
func (t Type) Discloses() bool { return t == Access || t == Portability }

// Channel is how a request reached the controller.
type Channel string

// The channels.
const (
	Web      Channel = "web"      // the public /rights page; identity by a code to the number
	WhatsApp Channel = "whatsapp" // a message from the person's own number
	Staff    Channel = "staff"    // filed by staff for a letter, a call, an e-mail or a visit
)

// The ways staff received a request (Request.Via).
var StaffVias = []string{"letter", "phone", "email", "in_person"}

// State is where a request stands.
type State string

// The states. A request is received unverified when the person must still
// prove the number is theirs; open once it is (or staff filed it); then done
// or refused.
const (
	Unverified State = "unverified"
	Open       State = "open"
	Done       State = "done"
	Refused    State = "refused"
)

// ParseState accepts a state's name.
func ParseState(s string) (State, error) {
	switch State(s) {
	case Unverified, Open, Done, Refused:
		return State(s), nil
	}
	return "", fmt.Errorf("%w: state must be unverified, open, done or refused", ErrInvalid)
}

// Closed reports whether the request has been answered.
func (s State) Closed() bool { return s == Done || s == Refused }

// Errors of the rules.
var (
	ErrInvalid = errors.New("rights: invalid")     // malformed input
	ErrRefused = errors.New("rights: not allowed") // a rule refuses the step
)

// Request is one rights request. It names the contact by its pseudonymous
// id, or by none when no contact holds the number the person gave.
type Request struct {
	ID        string
	Type      Type
	ContactID string
	Channel   Channel
	Via       string // for staff: letter, phone, email, in_person
	Language  string // the person's language, for the answer
	State     State
	// ReceivedAt starts the deadline: when the request reached the
	// controller, even if identity was proven later (Art. 12(3)).
	ReceivedAt time.Time
	DueAt      time.Time // one month after receipt, or the extended date
	// Extension, when granted: the new date, why, and when and how the
	// person was told (within the first month).
	ExtendedUntil   time.Time
	ExtensionReason string
	ToldAt          time.Time
	ToldHow         string
	VerifiedAt      time.Time
	ClosedAt        time.Time
	// Answer is what the person was told when the request closed: for a
	// refusal, why, with their right to complain (Art. 12(4)).
	Answer    string
	CreatedBy string // the actor that filed it
}

// Extended reports whether the deadline was extended.
func (r Request) Extended() bool { return !r.ExtendedUntil.IsZero() }

// Step is one recorded step of a request: who did what, when.
type Step struct {
	RequestID string
	At        time.Time
	Actor     string
	Action    string // received, code_sent, verified, extended, done, refused, ...
	Note      string // no personal data: what was answered or done, in words
}

// Oslo is the time zone deadlines are counted in: a month runs from a date
// to the same date in Norway.
var Oslo = mustZone("Europe/Oslo")

func mustZone(name string) *time.Location {
	l, err := time.LoadLocation(name)
	if err != nil {
		panic("rights: " + err.Error())
	}
	return l
}

// AddMonths is the date months after t by the calendar, as periods in
// months are counted in EU law (Regulation 1182/71 Art. 3(2)(c)): the same
// date of the later month, or its last day when it has no such date (31
// January + 1 month = 28 or 29 February), at the end of that day in Oslo.
func AddMonths(t time.Time, months int) time.Time {
	t = t.In(Oslo)
	y, m, d := t.Date()
	first := time.Date(y, m+time.Month(months), 1, 0, 0, 0, 0, Oslo)
	last := first.AddDate(0, 1, -1).Day()
	day := min(d, last)
	end := time.Date(first.Year(), first.Month(), day, 0, 0, 0, 0, Oslo).AddDate(0, 0, 1)
	return end.Add(-time.Second).UTC().Truncate(time.Second)
}

// Due is a request's first deadline: one month after it was received
// (Art. 12(3), T-03).
func Due(received time.Time) time.Time { return AddMonths(received, 1) }

// NearDue is how close to its deadline an open request counts as near due.
const NearDue = 7 * 24 * time.Hour

// Overdue reports whether an unanswered request is past its deadline.
func (r Request) Overdue(now time.Time) bool { return !r.State.Closed() && now.After(r.DueAt) }

// NearlyDue reports whether an unanswered request is due within NearDue
// and not yet overdue.
func (r Request) NearlyDue(now time.Time) bool {
	return !r.State.Closed() && !r.Overdue(now) && !now.Add(NearDue).Before(r.DueAt)
}

// Reason limits for extensions and refusals: words a person can read.
const (
	MinReason = 10
	MaxReason = 1000
)

func checkText(field, s string) error {
	n := utf8.RuneCountInString(strings.TrimSpace(s))
	if n < MinReason || n > MaxReason {
		return fmt.Errorf("%w: %s must be %d to %d characters", ErrInvalid, field, MinReason, MaxReason)
	}
	return nil
}

// Extension is a request to extend a deadline.
type Extension struct {
	Months  int       // 1 or 2 more months (at most three in all)
	Reason  string    // why: complexity or the number of requests (Art. 12(3))
	ToldAt  time.Time // when the person was told, with the reason
	ToldHow string    // how: whatsapp, letter, email, phone
}

// Extend applies an extension to an open request (T-03): once only, by one
// or two months counted from receipt, with a reason, and only when the
// person was told — before the first month ended, and not in the future.
func Extend(r Request, x Extension, now time.Time) (Request, error) {
	switch {
	case r.State.Closed():
		return r, fmt.Errorf("%w: the request is already answered", ErrRefused)
	case r.Extended():
		return r, fmt.Errorf("%w: a deadline can be extended only once", ErrRefused)
	case x.Months < 1 || x.Months > 2:
		return r, fmt.Errorf("%w: months must be 1 or 2 (at most three months in all)", ErrInvalid)
	case strings.TrimSpace(x.ToldHow) == "":
		return r, fmt.Errorf("%w: told_how is required: the person must be told of the extension and why", ErrInvalid)
	case x.ToldAt.IsZero():
		return r, fmt.Errorf("%w: told_at is required: the person must be told within the first month", ErrInvalid)
	case x.ToldAt.After(now):
		return r, fmt.Errorf("%w: told_at is in the future", ErrInvalid)
	case x.ToldAt.Before(r.ReceivedAt):
		return r, fmt.Errorf("%w: told_at is before the request was received", ErrInvalid)
	case now.After(Due(r.ReceivedAt)) || x.ToldAt.After(Due(r.ReceivedAt)):
		return r, fmt.Errorf("%w: the first month has ended: an extension must be told within it (Art. 12(3))", ErrRefused)
	}
	if err := checkText("reason", x.Reason); err != nil {
		return r, err
	}
	r.ExtendedUntil = AddMonths(r.ReceivedAt, 1+x.Months)
	r.DueAt = r.ExtendedUntil
	r.ExtensionReason = strings.TrimSpace(x.Reason)
	r.ToldAt, r.ToldHow = x.ToldAt.UTC(), strings.TrimSpace(x.ToldHow)
	return r, nil
}

// Verify marks an unverified request's identity as proven.
func Verify(r Request, now time.Time) (Request, error) {
	if r.State != Unverified {
		return r, fmt.Errorf("%w: the request is not waiting for a code", ErrRefused)
	}
	r.State, r.VerifiedAt = Open, now.UTC()
	return r, nil
}

// Close answers an open request: done with what was answered, or refused
// with why. A refusal names the person's right to complain to Datatilsynet
// and to go to court (Art. 12(4)); Close adds it in the person's language
// when the reason does not mention Datatilsynet.
func Close(r Request, state State, answer string, now time.Time) (Request, error) {
	switch {
	case r.State == Unverified:
		return r, fmt.Errorf("%w: identity is not proven yet (T-04)", ErrRefused)
	case r.State.Closed():
		return r, fmt.Errorf("%w: the request is already answered", ErrRefused)
	case state != Done && state != Refused:
		return r, fmt.Errorf("%w: a request closes as done or refused", ErrInvalid)
	}
	answer = strings.TrimSpace(answer)
	if state == Refused {
		if err := checkText("reason", answer); err != nil {
			return r, err
		}
		if !strings.Contains(strings.ToLower(answer), "datatilsynet") {
			answer += " " + ComplaintNote(r.Language)
		}
	} else if utf8.RuneCountInString(answer) > MaxReason {
		return r, fmt.Errorf("%w: answer must be at most %d characters", ErrInvalid, MaxReason)
	}
	r.State, r.Answer, r.ClosedAt = state, answer, now.UTC()
	return r, nil
}

// ComplaintNote tells the person of their right to complain (Art. 12(4), 77).
func ComplaintNote(lang string) string {
	if lang == "en" {
		return "You may complain to Datatilsynet (the Norwegian Data Protection Authority, datatilsynet.no) and bring the matter before the courts."
	}
	return "Du kan klage til Datatilsynet (datatilsynet.no) og bringe saken inn for domstolene."
}

// CodeTries is how many wrong codes a request takes before it must be made
// again; CodeTTL is how long a code works.
const (
	CodeTries = 5
	CodeTTL   = 30 * time.Minute
)

// Counts are the numbers /metrics shows of unanswered requests.
type Counts struct {
	Open, NearDue, Overdue int64
}
