// SPDX-License-Identifier: AGPL-3.0-only

package retention

import (
	"slices"
	"time"

	"github.com/samtykke/samtykke/internal/consent"
)

// Facts are what the rules need to know of one contact that is not erased.
type Facts struct {
	ContactID string
	CreatedAt time.Time
	// Purposes are the contact's consent states, one for each purpose it
	// has an event for.
	Purposes []PurposeFacts
	// PendingOptIns counts its unconfirmed opt-in requests.
	PendingOptIns int
	// HasFields says declared fields (first_name ...) are stored for it.
	HasFields bool
	// Tags counts its tags.
	Tags int
}

// PurposeFacts is a contact's consent for one purpose.
type PurposeFacts struct {
	Purpose string
	Status  consent.Status
	// Since is when it came to its status: for an ended consent, when it
	// ended (withdrawn, objected to, expired).
	Since time.Time
	// Consented says a consent (confirmed, or a soft opt-in) was given for
	// the purpose at some time: only then is there consent to prove.
	Consented bool
}

// Rule names the rule that deleted something; each cites its requirement.
type Rule string

// The rules.
const (
	RuleNoPurpose      Rule = "RT-01: a contact without a purpose, past its period"
	RuleProofPassed    Rule = "RT-02, RT-03, R-04: no purpose left and the proof period since the last consent ended has passed"
	RuleImmediately    Rule = "C-11, R-04: no purpose left, erased at once (erase after withdrawal: immediately)"
	RulePurposeEnded   Rule = "C-11, RT-02: personal data of a purpose whose retention_days since its consent ended have passed"
	RuleRefresh        Rule = "C-10: consent not refreshed by its refresh date"
	RuleOptInExpired   Rule = "RT-07: opt-in request not confirmed in time"
	RuleNumberChange   Rule = "R-03: new number not confirmed in time"
	RuleMessages       Rule = "RT-08: message records past their period"
	RuleWebhooks       Rule = "RT-01: handled webhook bodies and redelivery keys past their period"
	RuleAccessLog      Rule = "RT-01: access-log entries past their period"
	RuleRateLimits     Rule = "P-05: rate-limit counters whose window has passed"
	RuleRightsRequests Rule = "RT-01: closed rights-request files past their period"
	RuleRequest        Rule = "R-04: erased on request"
	RuleReplies        Rule = "RT-01: messages people sent, past their period"
	RuleAnswers        Rule = "RT-01: staff's answers to them, past the same period"
)

// Verdict is what the rules decide for one contact now.
type Verdict struct {
	// Erase: nothing is left to keep; Rule says why.
	Erase bool
	Rule  Rule
	// DropFields are the declared fields no purpose needs any more (only
	// when Facts.HasFields); DropTags: the tags are not needed any more.
	DropFields []string
	DropTags   bool
}

// Live reports whether a purpose of the contact is still running: a consent
// active or pending, or an opt-in request waiting for its confirmation.
func (f Facts) Live() bool {
	if f.PendingOptIns > 0 {
		return true
	}
	for _, s := range f.Purposes {
		if s.Status == consent.StatusActive || s.Status == consent.StatusPending {
			return true
		}
	}
	return false
}

// Decide applies the rules to one contact at now; purposes are the purposes
// by key (their fields and retention_days). See the package documentation.
func (p Periods) Decide(f Facts, purposes map[string]consent.Purpose, now time.Time) Verdict {
	live := f.Live()
	if !live {
		consented, ended, last := false, time.Time{}, f.CreatedAt
		for _, s := range f.Purposes {
			if s.Since.After(last) {
				last = s.Since
			}
			if s.Consented {
				consented = true
				if s.Since.After(ended) {
					ended = s.Since
				}
			}
		}
		switch {
		case consented && p.Erase == EraseImmediately:
			return Verdict{Erase: true, Rule: RuleImmediately}
		case consented && Due(ended, p.Proof, now):
			return Verdict{Erase: true, Rule: RuleProofPassed}
		case !consented && Due(last, p.NoPurpose, now):
			return Verdict{Erase: true, Rule: RuleNoPurpose}
		}
	}
	var v Verdict
	if len(f.Purposes) == 0 {
		return v // no consent state at all: the contact rules alone decide
	}
	if f.HasFields {
		for _, field := range consent.AllowedFields {
			if !needs(f, purposes, now, func(p consent.Purpose) bool { return slices.Contains(p.Fields, field) }) {
				v.DropFields = append(v.DropFields, field)
			}
		}
	}
	if f.Tags > 0 && !live {
		v.DropTags = !needs(f, purposes, now, func(consent.Purpose) bool { return true })
	}
	if len(v.DropFields) > 0 || v.DropTags {
		v.Rule = RulePurposeEnded
	}
	return v
}

// needs reports whether a purpose of the contact for which wants holds
// still needs its data: active or pending, or ended less than its
// retention_days ago. An unknown purpose is taken to need it.
func needs(f Facts, purposes map[string]consent.Purpose, now time.Time, wants func(consent.Purpose) bool) bool {
	for _, s := range f.Purposes {
		p, ok := purposes[s.Purpose]
		if !ok {
			return true
		}
		if !wants(p) {
			continue
		}
		if s.Status == consent.StatusActive || s.Status == consent.StatusPending || !Due(s.Since, p.RetentionDays, now) {
			return true
		}
	}
	return false
}
