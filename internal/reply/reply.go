// SPDX-License-Identifier: AGPL-3.0-only

// Package reply describes the ordinary messages people send to the
// business on WhatsApp (issue 23): kept for a while so that staff can answer
// inside the platform's 24-hour customer service window, each with the
// keyword class samtykke gave it. The text and the number are personal
// data, always sealed at rest.
package reply

import "time"

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
