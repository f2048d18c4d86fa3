// SPDX-License-Identifier: AGPL-3.0-only

package retention

import (
	"fmt"
	"strings"
	"time"
)

// Class is a kind of data something was deleted from, as the retention log
// names it.
type Class string

// The classes of the retention log.
const (
	ClassContacts       Class = "contacts"        // contacts erased (crypto-shredded)
	ClassProfile        Class = "profile"         // declared fields and tags removed
	ClassConsents       Class = "consents"        // consents expired at their refresh date (C-10)
	ClassOptIns         Class = "optin_requests"  // unconfirmed opt-in requests (RT-07)
	ClassNumberChanges  Class = "number_changes"  // new numbers never confirmed
	ClassMessages       Class = "messages"        // message records (RT-08)
	ClassWebhooks       Class = "webhooks"        // handled webhook bodies and redelivery keys
	ClassAccessLog      Class = "access_log"      // access-log entries
	ClassRateLimits     Class = "rate_limits"     // rate-limit counters
	ClassRightsRequests Class = "rights_requests" // closed rights-request files
	ClassReplies        Class = "replies"         // the messages people sent (issue 23)
	ClassAnswers        Class = "answers"         // staff's answers to them, kept as long (issue 23)
)

// Classes lists every class, in a stable order.
var Classes = []Class{ClassContacts, ClassProfile, ClassConsents, ClassOptIns, ClassNumberChanges, ClassMessages, ClassWebhooks,
	ClassAccessLog, ClassRateLimits, ClassRightsRequests, ClassReplies, ClassAnswers}

// Valid reports whether c is a known class.
func (c Class) Valid() bool {
	for _, x := range Classes {
		if x == c {
			return true
		}
	}
	return false
}

// Entry is one record of the retention log: how many items of a class a
// rule deleted, and when. It holds no personal data: no contact id, no
// number, no reason typed by a person.
type Entry struct {
	ID    string    `json:"id"`
	At    time.Time `json:"at"`
	Class Class     `json:"class"`
	Rule  Rule      `json:"rule"`
	// Days is the period the rule applied, when it has one.
	Days  int   `json:"period_days,omitempty"`
	Count int64 `json:"count"`
}

// String is the entry on one line, for the command line.
func (e Entry) String() string {
	period := ""
	if e.Days > 0 {
		period = fmt.Sprintf(" (%d days)", e.Days)
	}
	return fmt.Sprintf("%-16s %8d  %s%s", e.Class, e.Count, strings.TrimSpace(string(e.Rule)), period)
}
