// SPDX-License-Identifier: AGPL-3.0-only

package contact

import "time"

// Restriction is one change of a contact's restriction of processing (Art.
// 18, R-06): set or lifted, by whom, when and why. While it is set the data
// is kept and used for nothing else: the gate refuses every send
// (consent.ReasonRestricted). Contact.Restricted is the current state; the
// changes are its history.
type Restriction struct {
	ID        string
	ContactID string
	On        bool // set (true) or lifted (false)
	Reason    string
	Actor     string
	At        time.Time
}

// Reasons samtykke itself restricts and lifts with, when the platform says a
// person changed their number: the old number may be given to someone else,
// so nothing goes to it until the person confirms the new one.
const (
	ReasonNumberChanged   = "platform: number changed"
	ReasonNumberConfirmed = "platform: new number confirmed"
)

// LiftsAfterNumberChange reports whether a confirmed new number lifts the
// contact's restriction: only when every setting of it since it was last
// lifted was samtykke's own, for the number change. A restriction staff set
// stays until staff lift it.
func LiftsAfterNumberChange(history []Restriction) bool {
	set := false
	for i := len(history) - 1; i >= 0 && history[i].On; i-- {
		if history[i].Reason != ReasonNumberChanged {
			return false
		}
		set = true
	}
	return set
}
