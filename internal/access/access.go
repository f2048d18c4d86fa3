// SPDX-License-Identifier: AGPL-3.0-only

// Package access records every access to personal data by staff or the API:
// who, what, when, why (invariant 6, S-02, S-05). The record is data in the
// database, never a log line.
package access

import (
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

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
	Rectify  Action = "rectify"  // a contact's data was corrected, or a new number asked or confirmed
	Restrict Action = "restrict" // a contact's restriction was set or lifted
	// Package: everything held about a contact was gathered for the person
	// or for staff, number in clear, with a reason.
	Package Action = "package"
	Erase   Action = "erase" // a contact was erased, with a reason
	// Import: a list was imported; the reason names the import and its row
	// count (one entry for the whole file).
	Import Action = "import"
	// Replies: a contact's messages to the business were read (issue 23).
	Replies Action = "replies"
	// Answer: staff answered a contact's message within the service
	// window; the text is sealed apart, never in the log (issue 23).
	Answer Action = "answer"
	// ExportEnd: an export ended; Refers names its Export entry, Rows and
	// Outcome say how it ended. The log is append-only (invariant 6): the
	// export's own entry is never changed.
	ExportEnd Action = "export_end"
)

// Entry is one access.
type Entry struct {
	ID        string    `json:"id"`
	At        time.Time `json:"at"`
	Actor     string    `json:"actor"` // "token:<id>:<name>", "user:<id>:<name>" or "cli:<user>"
	Action    Action    `json:"action"`
	ContactID string    `json:"contact_id,omitempty"`
	Reason    string    `json:"reason,omitempty"`
	RequestID string    `json:"request_id,omitempty"`
	// Scope, Rows and Outcome describe an export (action Export): what left
	// (ScopeContacts, ScopeNumbers, ScopeSuppressions), how many rows were
	// written (nil until it ended) and how it ended.
	Scope   string  `json:"scope,omitempty"`
	Rows    *int64  `json:"rows,omitempty"`
	Outcome Outcome `json:"outcome,omitempty"`
	// Refers is the entry an ExportEnd ends.
	Refers string `json:"-"`
	// Seq, PrevHash and Hash place the entry in the log's one hash chain
	// (chain.go); the store fills them in as the entry commits.
	Seq      int64  `json:"-"`
	PrevHash []byte `json:"-"`
	Hash     []byte `json:"-"`
}

// The scopes of an export.
const (
	ScopeContacts     = "contacts"              // the list, numbers masked
	ScopeNumbers      = "contacts with numbers" // the list, numbers in clear (with a reason)
	ScopeSuppressions = "suppressions"          // the suppression list as keyed hashes
)

// Outcome is how an export ended.
type Outcome string

// The outcomes of an export. An entry left Started is an export whose
// process ended before it did (killed, crashed): its rows are unknown.
const (
	Started     Outcome = "started"
	Complete    Outcome = "complete"    // every row was written
	Interrupted Outcome = "interrupted" // the reader went away, or the request was cancelled
	Failed      Outcome = "failed"      // samtykke could not go on (a database or key error)
)

// Reason limits: a reason says why personal data was accessed, in words a
// reviewer can read (S-05), and is kept for the access log's retention.
const (
	MinReason = 5
	MaxReason = 500
)

// ErrReason is wrapped by CheckReason's refusals.
var ErrReason = errors.New("access: reason refused")

// CheckReason checks a reason given for an access: required, 5 to 500
// characters, one line of printable text, and never a phone number (the
// log is read by auditors who may not see numbers, invariant 4).
func CheckReason(reason string, mentionsNumber func(string) bool) error {
	n := utf8.RuneCountInString(strings.TrimSpace(reason))
	switch {
	case !utf8.ValidString(reason):
		return fmt.Errorf("%w: it is not valid UTF-8", ErrReason)
	case n < MinReason || utf8.RuneCountInString(reason) > MaxReason:
		return fmt.Errorf("%w: a reason of %d to %d characters is required", ErrReason, MinReason, MaxReason)
	case strings.IndexFunc(reason, unicode.IsControl) >= 0:
		return fmt.Errorf("%w: one line of text, without control characters", ErrReason)
	case mentionsNumber(reason):
		return fmt.Errorf("%w: it seems to hold a phone number; name the case or request instead", ErrReason)
	}
	return nil
}
