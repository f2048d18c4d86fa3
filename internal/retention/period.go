// SPDX-License-Identifier: AGPL-3.0-only

package retention

import (
	"errors"
	"fmt"
	"time"
)

// ErasePolicy says when a contact that consented is erased once no purpose
// of it is left (R-04, C-11).
type ErasePolicy string

// The erase-after-withdrawal policies.
const (
	// EraseAfterProof keeps the minimal proof for the proof period after
	// the last consent ended, then erases (RT-02, RT-03). The default.
	EraseAfterProof ErasePolicy = "proof"
	// EraseImmediately erases as soon as no purpose is left, keeping no
	// proof beyond the pseudonymous ledger chain.
	EraseImmediately ErasePolicy = "immediately"
)

// ParseErasePolicy reads a policy's name.
func ParseErasePolicy(s string) (ErasePolicy, error) {
	switch p := ErasePolicy(s); p {
	case EraseAfterProof, EraseImmediately:
		return p, nil
	}
	return "", fmt.Errorf("%q is not an erase-after-withdrawal policy (proof or immediately)", s)
}

// Periods are the retention periods of the data classes, in days, and the
// erase-after-withdrawal policy (RT-01).
type Periods struct {
	NoPurpose      int // contacts without a purpose, after their last event
	Proof          int // consent proof, after the last consent ended (RT-02, RT-03)
	Messages       int // message records, after they were made (RT-08)
	Webhooks       int // handled webhook bodies and redelivery keys
	AccessLog      int // access-log entries
	RightsRequests int // rights-request files, after the request was closed
	Replies        int // the messages people sent, after they were received (issue 23)
	Erase          ErasePolicy
}

// Limits of the periods, in days.
const (
	// MinWebhookDays: the platform redelivers a webhook for up to 7 days,
	// and a redelivery must still be recognised (invariant 7).
	MinWebhookDays = 8
	// MinAccessLogDays: the access log must cover at least a year, so that
	// a yearly audit finds every access of the year (invariant 6).
	MinAccessLogDays = 365
	// MaxNoPurposeDays: a contact with no purpose has no reason to be kept
	// a year.
	MaxNoPurposeDays = 365
	// MaxReplyDays: a message is answered within the 24-hour service window;
	// a month covers the follow-up, a year is the most any reason allows.
	MaxReplyDays = 365
	// MaxDays is the longest period of any class: the 20-year outer limit
	// of foreldelsesloven § 9 (RT-03).
	MaxDays = 7305
)

// Defaults are the periods samtykke uses when none is configured.
func Defaults() Periods {
	return Periods{NoPurpose: 30, Proof: 1095, Messages: 1095, Webhooks: MinWebhookDays, AccessLog: 1095,
		RightsRequests: 1095, Replies: 30, Erase: EraseAfterProof}
}

// The configuration settings of the periods (SAMTYKKE_RETENTION_*): an
// error names the setting to change.
const (
	SettingNoPurpose      = "SAMTYKKE_RETENTION_NO_PURPOSE_DAYS"
	SettingProof          = "SAMTYKKE_RETENTION_PROOF_DAYS"
	SettingMessages       = "SAMTYKKE_RETENTION_MESSAGE_DAYS"
	SettingWebhooks       = "SAMTYKKE_RETENTION_WEBHOOK_DAYS"
	SettingAccessLog      = "SAMTYKKE_RETENTION_ACCESS_LOG_DAYS"
	SettingRightsRequests = "SAMTYKKE_RETENTION_RIGHTS_REQUEST_DAYS"
	SettingReplies        = "SAMTYKKE_RETENTION_REPLY_DAYS"
	SettingErase          = "SAMTYKKE_ERASE_AFTER_WITHDRAWAL"
)

// Validate refuses periods that make no sense; each error names its setting.
func (p Periods) Validate() error {
	var errs []error
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	within := func(setting string, v, lo, hi int, why string) {
		if v < lo || v > hi {
			bad("%s must be between %d and %d days (it is %d)%s", setting, lo, hi, v, why)
		}
	}
	within(SettingNoPurpose, p.NoPurpose, 1, MaxNoPurposeDays, ": a contact with no purpose is not kept longer than a year")
	within(SettingProof, p.Proof, 1, MaxDays, "")
	within(SettingMessages, p.Messages, 1, MaxDays, "")
	within(SettingWebhooks, p.Webhooks, MinWebhookDays, 365,
		": the platform redelivers webhooks for up to 7 days, and a redelivery must still be recognised")
	within(SettingAccessLog, p.AccessLog, MinAccessLogDays, MaxDays, ": the access log must cover at least a year of audits")
	within(SettingRightsRequests, p.RightsRequests, 1, MaxDays, "")
	within(SettingReplies, p.Replies, 1, MaxReplyDays, ": a message is answered within days, not kept for years")
	if p.Messages >= 1 && p.Proof >= 1 && p.Messages < p.Proof {
		bad("%s (%d days) must be at least the proof period %s (%d days): a message record shows what was sent under which consent (RT-08)",
			SettingMessages, p.Messages, SettingProof, p.Proof)
	}
	if _, err := ParseErasePolicy(string(p.Erase)); err != nil {
		bad("%s: %v", SettingErase, err)
	}
	return errors.Join(errs...)
}

// day is the unit of every period.
const day = 24 * time.Hour

// Days is a period of n days as a duration.
func Days(n int) time.Duration { return time.Duration(n) * day }

// Due reports whether data of time t, kept for days, is due for deletion
// at now: from t + days×24 h on, that instant included.
func Due(t time.Time, days int, now time.Time) bool { return !now.Before(t.Add(Days(days))) }

// Cutoff is the newest time whose data, kept for days, is due at now: data
// of a time at or before it goes (Due).
func Cutoff(now time.Time, days int) time.Time { return now.Add(-Days(days)) }

// WithDefaults fills the periods left at zero with the defaults; message
// records default to the proof period.
func (p Periods) WithDefaults() Periods {
	d := Defaults()
	fill := func(v *int, def int) {
		if *v == 0 {
			*v = def
		}
	}
	fill(&p.NoPurpose, d.NoPurpose)
	fill(&p.Proof, d.Proof)
	fill(&p.Messages, p.Proof)
	fill(&p.Webhooks, d.Webhooks)
	fill(&p.AccessLog, d.AccessLog)
	fill(&p.RightsRequests, d.RightsRequests)
	fill(&p.Replies, d.Replies)
	if p.Erase == "" {
		p.Erase = d.Erase
	}
	return p
}

// Stated is one data class's period in words, for the record of processing
// (Art. 30(1)(f)) and the notice (Art. 13(2)(a)).
type Stated struct {
	Class  string `json:"class"`
	Period string `json:"period"`
	Rule   string `json:"rule"`
}

// State says each data class's period in words.
func (p Periods) State() []Stated {
	days := func(n int) string { return fmt.Sprintf("%d days", n) }
	after := "the proof period (" + days(p.Proof) + ") after the last consent ended, then erased"
	if p.Erase == EraseImmediately {
		after = "erased as soon as no purpose is left"
	}
	return []Stated{
		{"contacts without a purpose", days(p.NoPurpose) + " after their last event", "RT-01"},
		{"minimal proof of consent (number, evidence)", after, "RT-02, RT-03, R-04"},
		{"declared fields and tags", "each purpose's retention_days after its consent ended", "C-11"},
		{"suppression list (keyed hash of the number)", "while marketing continues", "RT-05"},
		{"unconfirmed opt-in requests", "72 hours", "RT-07"},
		{"message records", days(p.Messages), "RT-08"},
		{"webhook bodies and redelivery keys", days(p.Webhooks), "RT-01"},
		{"access-log entries", days(p.AccessLog), "RT-01"},
		{"rights-request files", days(p.RightsRequests) + " after the request was closed", "RT-01"},
		{"messages people sent (replies)", days(p.Replies) + " after they were received", "RT-01"},
	}
}
