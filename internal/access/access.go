// SPDX-License-Identifier: AGPL-3.0-only

// Package access records every access to personal data by staff or the API:
// who, what, when, why (invariant 6, S-02, S-05). The record is data in the
// database, never a log line.
package access

import "time"

// Action is what was done with personal data.
type Action string

// The recorded actions.
const (
	Create   Action = "create"   // a contact was created
	Read     Action = "read"     // a contact (masked) was read
	Lookup   Action = "lookup"   // a contact was found by its number
	Reveal   Action = "reveal"   // a number was shown in clear, with a reason
	Export   Action = "export"   // the list was exported
	Consents Action = "consents" // a contact's consent history was read
	Record   Action = "record"   // a consent was recorded for a contact
	Withdraw Action = "withdraw" // a consent was withdrawn for a contact
	Gate     Action = "gate"     // the gate was asked about a contact
	Tags     Action = "tags"     // a contact's tags were set
)

// Entry is one access.
type Entry struct {
	ID        string    `json:"id"`
	At        time.Time `json:"at"`
	Actor     string    `json:"actor"` // "token:<id>:<name>" or "cli:<user>"
	Action    Action    `json:"action"`
	ContactID string    `json:"contact_id,omitempty"`
	Reason    string    `json:"reason,omitempty"`
	RequestID string    `json:"request_id,omitempty"`
}
