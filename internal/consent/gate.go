// SPDX-License-Identifier: AGPL-3.0-only

package consent

import (
	"time"

	"github.com/samtykke/samtykke/internal/ledger"
)

// Status is where a contact's consent for one purpose stands.
type Status string

// The statuses a purpose's consent can be in.
const (
	StatusNone      Status = "none"      // never asked
	StatusPending   Status = "pending"   // requested, not yet confirmed
	StatusActive    Status = "active"    // confirmed (or soft opt-in recorded)
	StatusWithdrawn Status = "withdrawn" // withdrawn or objected to
	StatusExpired   Status = "expired"   // a pending request or the consent ran out
	StatusErased    Status = "erased"    // the person was erased
)

// State is a contact's consent for one purpose: the fold of its events.
// EventID is the event that put it in this status (for an active consent, the
// event that authorises sending).
type State struct {
	ContactID  string    `json:"contact_id"`
	Purpose    string    `json:"purpose"`
	Status     Status    `json:"status"`
	EventID    string    `json:"event_id,omitempty"`
	Since      time.Time `json:"since"`
	ValidUntil time.Time `json:"valid_until,omitzero"` // refresh due (C-10)
	AgeOK      bool      `json:"age_confirmed"`
	Basis      Basis     `json:"basis,omitempty"` // what the active consent rests on
}

// Apply folds one event into the state of its purpose. Contact-wide events
// (objection, erasure) apply to every purpose; the caller passes the purpose's
// state, as the store does when it keeps states current.
func Apply(s State, e ledger.Event) State {
	if e.Purpose != "" && e.Purpose != s.Purpose {
		return s
	}
	set := func(st Status) State {
		s.Status, s.EventID, s.Since = st, e.ID, e.At
		return s
	}
	switch e.Kind {
	case ledger.Requested:
		if s.Status == StatusActive || s.Status == StatusErased {
			return s // a new request never weakens a consent already given
		}
		s.ValidUntil, s.AgeOK = time.Time{}, e.AgeConfirmed
		return set(StatusPending)
	case ledger.Confirmed:
		if s.Status == StatusErased {
			return s
		}
		s.ValidUntil, s.Basis = e.ValidUntil, BasisConsent
		s.AgeOK = e.AgeConfirmed || (s.Status == StatusPending && s.AgeOK)
		return set(StatusActive)
	case ledger.SoftOptIn:
		if s.Status == StatusErased {
			return s
		}
		if s.Status == StatusActive && s.Basis == BasisConsent {
			return s // explicit consent is the stronger basis; keep it
		}
		s.ValidUntil, s.AgeOK, s.Basis = e.ValidUntil, e.AgeConfirmed, BasisExistingCustomer
		return set(StatusActive)
	case ledger.Refreshed:
		if s.Status != StatusActive {
			return s
		}
		// A refresh re-affirms the consent: it authorises from now on, but the
		// consent was given when it was given (Since stays, RT-05).
		s.ValidUntil, s.EventID = e.ValidUntil, e.ID
		return s
	case ledger.Withdrawn, ledger.Objected:
		if s.Status == StatusErased {
			return s
		}
		s.ValidUntil, s.Basis = time.Time{}, ""
		return set(StatusWithdrawn)
	case ledger.Expired:
		if s.Status != StatusPending && s.Status != StatusActive {
			return s
		}
		s.ValidUntil, s.Basis = time.Time{}, ""
		return set(StatusExpired)
	case ledger.Erased:
		s.ValidUntil, s.AgeOK, s.Basis = time.Time{}, false, ""
		return set(StatusErased)
	}
	return s // rectified and unknown kinds leave consent as it is
}

// Reason says why the gate refused.
type Reason string

// The gate's reasons to refuse (G-01..G-04, R-06, R-08).
const (
	ReasonNoConsent      Reason = "no_consent"
	ReasonPending        Reason = "pending"
	ReasonWithdrawn      Reason = "withdrawn"
	ReasonExpired        Reason = "expired"
	ReasonSuppressed     Reason = "suppressed"
	ReasonRestricted     Reason = "restricted"
	ReasonNotNorwegian   Reason = "not_norwegian_mobile"
	ReasonAgeUnconfirmed Reason = "age_not_confirmed"
	ReasonErased         Reason = "erased"
	ReasonBasisMismatch  Reason = "basis_mismatch"
	// ReasonUnreachable: the number is not reachable on WhatsApp (P-04).
	ReasonUnreachable Reason = "unreachable"
)

// Subject is what the gate needs to know about the contact besides its consent.
type Subject struct {
	// SuppressedAt is when the number went on the suppression list (G-02);
	// zero if it is not. Only a consent confirmed after it counts again.
	SuppressedAt time.Time
	Restricted   bool // processing restricted (Art. 18, R-06)
	Erased       bool
	NorwegianMo  bool // the number is a +47 mobile (G-03)
	// Unreachable: WhatsApp reported the number undeliverable again and
	// again (contact.Contact.Unreachable); only WhatsApp's purposes care.
	Unreachable bool
}

// Decision is the gate's answer. When Allowed, EventID is the consent event
// that authorises the message (G-06).
type Decision struct {
	Allowed bool   `json:"allowed"`
	EventID string `json:"consent_event_id,omitempty"`
	Reason  Reason `json:"reason,omitempty"`
}

// Decide answers "may purpose p be sent to this contact now?". It is the only
// place that answers it: dispatch calls nothing else.
func Decide(p Purpose, sub Subject, s State, now time.Time) Decision {
	no := func(r Reason) Decision { return Decision{Reason: r} }
	switch {
	case sub.Erased || s.Status == StatusErased:
		return no(ReasonErased)
	case !sub.SuppressedAt.IsZero() && !(s.Basis == BasisConsent && s.Since.After(sub.SuppressedAt)):
		// Only a consent explicitly confirmed after the objection counts again;
		// a later purchase (soft opt-in) does not lift it (R-08, RT-06).
		return no(ReasonSuppressed)
	case sub.Restricted:
		return no(ReasonRestricted)
	case !sub.NorwegianMo:
		return no(ReasonNotNorwegian)
	}
	switch s.Status {
	case StatusActive:
	case StatusPending:
		return no(ReasonPending)
	case StatusWithdrawn:
		return no(ReasonWithdrawn)
	case StatusExpired:
		return no(ReasonExpired)
	default:
		return no(ReasonNoConsent)
	}
	if !s.ValidUntil.IsZero() && !now.Before(s.ValidUntil) {
		return no(ReasonExpired)
	}
	if p.Basis == BasisConsent && s.Basis != BasisConsent {
		return no(ReasonBasisMismatch) // a soft opt-in never stands in for consent (M-05)
	}
	if !s.AgeOK {
		return no(ReasonAgeUnconfirmed)
	}
	if sub.Unreachable && p.Channel == WhatsApp {
		// Consented, but the number does not take WhatsApp messages (P-04).
		return no(ReasonUnreachable)
	}
	return Decision{Allowed: true, EventID: s.EventID}
}
