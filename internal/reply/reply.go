// SPDX-License-Identifier: AGPL-3.0-only

// Package reply describes the ordinary messages people send to the
// business on WhatsApp (issue 23): kept for a while so that staff can answer
// inside the platform's 24-hour customer service window, each with the
// keyword class samtykke gave it. The text and the number are personal
// data, always sealed at rest.
package reply

import (
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// Class is what samtykke read in a reply.
type Class string

// The classes.
const (
	OptOut Class = "optout" // STOPP or the platform's opt-out button: handled as an objection
	OptIn  Class = "optin"  // JA (with a code or a shop's entry code)
	Rights Class = "rights" // a rights request word (INNSYN, SLETT ...)
	None   Class = "none"   // an ordinary message: for staff to answer
)

// ServiceWindow is how long after a person's message the business may
// answer with any message, not only a template (reference §1.7).
const ServiceWindow = 24 * time.Hour

// Reply is one stored message, its text and number sealed (Sealed); the
// contact is empty when the number is not on the list.
type Reply struct {
	ID        string
	ContactID string
	// SenderIndex is the keyed blind index of the sender's number (nil
	// when the platform sent none): an erasure finds by it what the number
	// wrote before it was a contact's.
	SenderIndex []byte
	At          time.Time
	WindowEnds  time.Time
	Class       Class
	Sealed      []byte
}

// Content is what a reply's seal holds.
type Content struct {
	Text string `json:"text"`
	From string `json:"from,omitempty"` // E.164; empty when the platform sent only a BSUID
}

// Open reports whether the service window is open at now.
func (r Reply) Open(now time.Time) bool { return now.Before(r.WindowEnds) }

// Answer is a staff member's free-text answer to a person's message, sent
// only while the service window their last message opened is open: a
// service message, never marketing. Its text is sealed under the contact's
// data key (Sealed) and kept for the replies' period (RT-01).
type Answer struct {
	ID        string
	ContactID string
	ReplyID   string // the message it answers
	MessageID string // the outbound message that carries it
	At        time.Time
	Actor     string // who wrote it, as the access log names them
	Sealed    []byte
}

// MaxAnswer is the longest answer, in characters: the platform's limit on
// a text message's body (reference §1.4).
const MaxAnswer = 4096

// The refusals of an answer, each wrapped with the reason's details.
var (
	ErrAnswerText   = errors.New("reply: answer text refused")
	ErrWindowClosed = errors.New("reply: the service window is closed")
)

// CheckAnswer refuses an answer's text that is empty, not UTF-8, or longer
// than MaxAnswer characters.
func CheckAnswer(text string) error {
	n := utf8.RuneCountInString(strings.TrimSpace(text))
	switch {
	case !utf8.ValidString(text):
		return fmt.Errorf("%w: it is not valid UTF-8", ErrAnswerText)
	case n == 0:
		return fmt.Errorf("%w: write the answer first", ErrAnswerText)
	case utf8.RuneCountInString(text) > MaxAnswer:
		return fmt.Errorf("%w: at most %d characters, the platform's limit", ErrAnswerText, MaxAnswer)
	}
	return nil
}

// WindowEnd is when the service window of a person whose messages are
// replies ends: 24 hours after the last of them (reference §1.7); zero
// when they wrote nothing.
func WindowEnd(replies []Reply) time.Time {
	var end time.Time
	for _, r := range replies {
		if r.WindowEnds.After(end) {
			end = r.WindowEnds
		}
	}
	return end
}

// MayAnswer says whether an answer may go at now to a person whose
// messages are replies: only inside the window their last message opened;
// ErrWindowClosed otherwise, naming when it closed.
func MayAnswer(replies []Reply, now time.Time) error {
	end := WindowEnd(replies)
	if end.IsZero() {
		return fmt.Errorf("%w: the person has written nothing to answer", ErrWindowClosed)
	}
	if !now.Before(end) {
		return fmt.Errorf("%w since %s: 24 hours after the person's last message only a template may go (reference §1.7)",
			ErrWindowClosed, end.UTC().Format(time.RFC3339))
	}
	return nil
}
