// SPDX-License-Identifier: AGPL-3.0-only

// Package message describes a message samtykke sends to a person and the
// life of its delivery status (reference §6): queued, claimed for sending,
// then sent, delivered, read — or failed, or unknown when the request may
// have left but no answer came (never re-sent blindly).
package message

import "time"

// Kind is why a message is sent.
type Kind string

// The kinds of message.
const (
	// ConfirmationRequest asks the person to confirm an opt-in they asked for.
	ConfirmationRequest Kind = "confirmation_request"
	// Receipt confirms a consent and links to the preference centre (L-04).
	Receipt Kind = "receipt"
	// OptOutConfirmation confirms an opt-out, once, with no offer (K-05).
	OptOutConfirmation Kind = "optout_confirmation"
	// OptInLink answers a "JA" from a shop's QR code with the opt-in page.
	OptInLink Kind = "optin_link"
	// PreferencesLink carries a fresh preference-centre link to a number
	// that asked for one on the web opt-out page (M-06).
	PreferencesLink Kind = "preferences_link"
	// NumberCode carries the one-time code of a number change to the new
	// number, not to the contact's own.
	NumberCode Kind = "number_code"
	// RightsCode carries the one-time code that proves a rights request
	// made on the web comes from the number's owner (T-04).
	RightsCode Kind = "rights_code"
	// RightsReply answers a rights request the person wrote on WhatsApp:
	// received (with its deadline) or answered, and its status link.
	RightsReply Kind = "rights_reply"
	// BreachNotice tells a person of a personal data breach that puts them at
	// high risk (GDPR Art. 34, B-05): what happened, what it may mean for
	// them, what was done and whom to ask. A service message: never to a
	// suppressed number (invariant 9).
	BreachNotice Kind = "breach_notice"
	// Answer is a staff member's free-text answer to a message the person
	// wrote, sent only inside the 24-hour service window that message
	// opened (reference §1.7): a service message, never marketing. Its text
	// is sealed apart (reply.Answer), never in the message row (RT-08).
	Answer Kind = "answer"
	// Campaign is marketing, sent only through the consent gate.
	Campaign Kind = "campaign"
)

// MayReachSuppressed reports whether a message of kind k may go to a number
// on the suppression list (invariant 9): only answers to the person's own
// message from that number — the one opt-out confirmation, the opt-in page
// a shop's "JA BUTIKK" asked for, the receipt of a consent they confirmed by
// writing, the answer to a rights request they wrote — never a confirmation
// request, a code, a link or marketing that someone else's action set off.
func MayReachSuppressed(k Kind) bool {
	return k == OptOutConfirmation || k == OptInLink || k == Receipt || k == RightsReply
}

// MayReachRestricted reports whether a message of kind k may go while its
// contact's processing is restricted: only the one opt-out
// confirmation, which answers the person's own message from that number and
// carries nothing of their data, and a number change's code, which goes to
// the new number for the person to confirm it. After a number change the
// old number may belong to someone else: nothing else reaches it.
func MayReachRestricted(k Kind) bool {
	return k == OptOutConfirmation || k == NumberCode
}

// Status is where a message's delivery stands.
type Status string

// The statuses, in the order they normally follow each other.
const (
	Queued    Status = "queued"
	Sending   Status = "sending" // claimed; the request is about to leave
	Unknown   Status = "unknown" // the request may have left; wait for a status webhook
	Sent      Status = "sent"
	Delivered Status = "delivered"
	Read      Status = "read"
	Failed    Status = "failed"
	Skipped   Status = "skipped" // never sent: the gate or a rule said no
)

var rank = map[Status]int{Queued: 0, Sending: 1, Unknown: 2, Sent: 3, Delivered: 4, Read: 5}

// Advance reports whether a status webhook saying next may replace cur.
// Webhooks arrive out of order: only forward moves count; failed ends a
// message unless a later delivered or read proves it arrived after all
// (reference §4.6, §6). A skipped message never moves.
func Advance(cur, next Status) bool {
	switch {
	case cur == Skipped || cur == next:
		return false
	case next == Failed:
		return cur != Delivered && cur != Read
	case cur == Failed:
		return next == Delivered || next == Read
	}
	r, ok := rank[next]
	return ok && r > rank[cur]
}

// Message is one outbound message. BodyKey names the text or template sent
// (bodies are not stored: RT-08); ConsentEventID the consent that allowed it.
type Message struct {
	ID             string
	ContactID      string
	Kind           Kind
	Purpose        string
	ConsentEventID string
	BodyKey        string
	WAMID          string
	Status         Status
	ErrorCode      int
	ErrorTitle     string
	CreatedAt      time.Time
	UpdatedAt      time.Time

	// CampaignID names the campaign of a campaign message; empty for the
	// messages samtykke sends on its own (receipts, confirmations ...).
	CampaignID string
}
