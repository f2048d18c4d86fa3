// SPDX-License-Identifier: AGPL-3.0-only

// Package audit is the compliance audit (GDPR Art. 5(2) and 32(1)(d); P-07,
// S-04): a dated report of checks, each passed, warned or failed, with how
// many records it found wanting and the first of them by pseudonymous id.
// It holds the report's shape, the checks' names and the requirements each
// stands for, the rules that turn what a check counted into its status, the
// opt-out handling-time figures, and the report as JSON, HTML and text.
// Plain Go: the app runs the checks against the store and hands the counts
// here.
package audit

import (
	"math"
	"slices"
	"time"
)

// Status is a check's verdict.
type Status string

// The verdicts, from good to bad.
const (
	Pass Status = "pass"
	Warn Status = "warn" // not a breach yet, but someone should look
	Fail Status = "fail" // a requirement is not met
)

// Worse returns the worse of two verdicts.
func Worse(a, b Status) Status {
	rank := map[Status]int{Pass: 0, Warn: 1, Fail: 2}
	if rank[b] > rank[a] {
		return b
	}
	return a
}

// The checks, by id.
const (
	CheckEvidence  = "consent_evidence"
	CheckDispatch  = "dispatch_consent"
	CheckOptOut    = "optout_time"
	CheckOptIns    = "optin_expiry"
	CheckRetention = "retention"
	CheckRights    = "rights_deadlines"
	CheckLedger    = "ledger"
	CheckNotices   = "notices"
	CheckKeys      = "key_age"
	CheckDPIA      = "dpia"
)

// Check names one check: its id, what it asserts, and the requirement ids
// (docs/requirements.md) it gives evidence for.
type Check struct {
	ID           string
	Title        string
	Requirements []string
}

// Checks are every check of an audit, in the order a report lists them.
var Checks = []Check{
	{CheckEvidence, "Every active consent has complete evidence and names a published notice", []string{"C-01", "C-03", "L-03", "T-01", "M-05"}},
	{CheckDispatch, "No campaign message went out without a consent active when it was dispatched, nor after a withdrawal", []string{"G-01", "G-06", "C-05", "K-06"}},
	{CheckOptOut, "Opt-outs written on WhatsApp take effect at once", []string{"C-05", "K-06"}},
	{CheckOptIns, "Unconfirmed opt-ins are deleted once they expire", []string{"RT-07"}},
	{CheckRetention, "No data is kept past its retention period", []string{"RT-01", "RT-02", "RT-03", "RT-08"}},
	{CheckRights, "Rights requests are answered within their deadline", []string{"T-03"}},
	{CheckLedger, "The consent ledger, its checkpoints and the state derived from it verify", []string{"L-01", "L-02"}},
	{CheckNotices, "A complete privacy notice is published in bokmål and English", []string{"T-01", "T-02"}},
	{CheckKeys, "The encryption keys are less than a year old", []string{"S-01"}},
	{CheckDPIA, "A DPIA exists where the screening calls for one, and is up to date", []string{"D-01", "D-02"}},
}

// CheckByID finds a check; the zero Check when there is none.
func CheckByID(id string) Check {
	i := slices.IndexFunc(Checks, func(c Check) bool { return c.ID == id })
	if i < 0 {
		return Check{}
	}
	return Checks[i]
}

// Requirements are what a report as a whole gives evidence for: regular
// testing of the measures, with the results kept (S-04), and being able to
// show compliance (P-07).
var Requirements = []string{"S-04", "P-07"}

// MaxAffected is how many affected records a finding names; Count says how
// many there are in all.
const MaxAffected = 50

// Finding is one check's result.
type Finding struct {
	Check        string   `json:"check"`
	Title        string   `json:"title"`
	Requirements []string `json:"requirements"`
	Status       Status   `json:"status"`
	// Count is how many records the check found wanting, in all.
	Count int64 `json:"count"`
	// Checked is how many records the check looked at, where it counts them.
	Checked int64 `json:"checked"`
	// Affected names the first MaxAffected records found, by pseudonymous
	// id (a contact's, a message's, a request's): never a number or a name.
	Affected []string `json:"affected"`
	// Breakdown counts what was found by what is wrong with it.
	Breakdown map[string]int64 `json:"breakdown,omitempty"`
	// Timing is the opt-out handling times (optout_time only).
	Timing *Timing `json:"timing,omitempty"`
	// Detail says what was found, in words.
	Detail string `json:"detail"`
	// DurationMS is how long the check took, in milliseconds.
	DurationMS int64 `json:"duration_ms"`
}

// NewFinding starts the finding of a check, passed until told otherwise.
func NewFinding(check string) Finding {
	c := CheckByID(check)
	return Finding{Check: c.ID, Title: c.Title, Requirements: slices.Clone(c.Requirements), Status: Pass, Affected: []string{}}
}

// Found records the records found wanting: their total and the first of
// their ids.
func (f *Finding) Found(s Sample) {
	f.Count = s.Total
	f.Affected = append(f.Affected[:0], s.IDs...)
}

// Summary counts a report's findings by status.
type Summary struct {
	Pass int `json:"pass"`
	Warn int `json:"warn"`
	Fail int `json:"fail"`
}

// Status is the report's overall verdict: its worst finding's.
func (s Summary) Status() Status {
	switch {
	case s.Fail > 0:
		return Fail
	case s.Warn > 0:
		return Warn
	}
	return Pass
}

// Report is one audit: when it ran, who ran it, how long it took and what
// each check found. It holds no personal data: only counts, pseudonymous ids
// and words.
type Report struct {
	ID         string    `json:"id"`
	At         time.Time `json:"at"`
	Actor      string    `json:"actor"`
	Controller string    `json:"controller"`
	// DurationMS is how long the audit took, in milliseconds.
	DurationMS   int64     `json:"duration_ms"`
	Requirements []string  `json:"requirements"`
	Summary      Summary   `json:"summary"`
	Findings     []Finding `json:"findings"`
}

// Summarize counts the findings by status.
func Summarize(fs []Finding) Summary {
	var s Summary
	for _, f := range fs {
		switch f.Status {
		case Pass:
			s.Pass++
		case Warn:
			s.Warn++
		default:
			s.Fail++
		}
	}
	return s
}

// Finding returns the report's finding of a check, and whether it has one.
func (r Report) Finding(check string) (Finding, bool) {
	i := slices.IndexFunc(r.Findings, func(f Finding) bool { return f.Check == check })
	if i < 0 {
		return Finding{}, false
	}
	return r.Findings[i], true
}

// Sample counts records and keeps the ids of the first MaxAffected: what a
// check streams through in constant memory.
type Sample struct {
	Total int64
	IDs   []string
}

// Add counts one record.
func (s *Sample) Add(id string) {
	s.Total++
	if len(s.IDs) < MaxAffected {
		s.IDs = append(s.IDs, id)
	}
}

// The rules that turn what a check counted into its verdict.

// Must is the verdict of a check whose every finding breaks a requirement:
// fail when anything was found.
func Must(count int64) Status {
	if count > 0 {
		return Fail
	}
	return Pass
}

// Should is the verdict of a check whose findings want attention: warn when
// anything was found.
func Should(count int64) Status {
	if count > 0 {
		return Warn
	}
	return Pass
}

// Opt-out handling: an opt-out written on WhatsApp is committed in the
// transaction that handles its webhook, in milliseconds (docs/performance.md).
// One that took longer than OptOutWarn means the service was struggling;
// longer than OptOutFail, that a campaign could have sent in the meantime,
// which K-06 forbids: the check fails.
const (
	OptOutWarn = 5 * time.Second
	OptOutFail = time.Minute
	// OptOutPeriod is how far back an audit looks at opt-out times.
	OptOutPeriod = 30 * 24 * time.Hour
)

// OptOutStatus judges the opt-outs of the period by the slowest of them:
// every person's opt-out counts, not only the typical one.
func OptOutStatus(t Timing) Status {
	switch slowest := time.Duration(t.MaxMS * float64(time.Millisecond)); {
	case slowest > OptOutFail:
		return Fail
	case slowest > OptOutWarn:
		return Warn
	}
	return Pass
}

// OptInGrace is how long past its expiry an unconfirmed opt-in may wait for
// the hourly expiry run (RT-07) before the audit calls it kept too long.
const OptInGrace = 2 * time.Hour

// RetentionGrace is how long past its period data may wait for the daily
// retention run before the audit calls the run broken (fail); until then it
// warns.
const RetentionGrace = 2 * 24 * time.Hour

// RetentionStatus judges data past its period: due is all of it, overdue
// what is past its period by more than RetentionGrace.
func RetentionStatus(due, overdue int64) Status {
	switch {
	case overdue > 0:
		return Fail
	case due > 0:
		return Warn
	}
	return Pass
}

// RightsStatus judges the unanswered rights requests: one overdue breaks
// Art. 12(3); one near its deadline wants attention.
func RightsStatus(overdue, nearDue int64) Status {
	switch {
	case overdue > 0:
		return Fail
	case nearDue > 0:
		return Warn
	}
	return Pass
}

// KeyMaxAge is the age from which the audit asks for the master key to be
// rotated.
const KeyMaxAge = 365 * 24 * time.Hour

// RotationStuck is how long a key rotation may run before the audit calls
// it stuck: a rotation moves a million contacts in minutes.
const RotationStuck = 24 * time.Hour

// KeyAgeStatus judges the master key by when it was first recorded (zero:
// never recorded).
func KeyAgeStatus(recorded, now time.Time) Status {
	if recorded.IsZero() || now.Sub(recorded) > KeyMaxAge {
		return Warn
	}
	return Pass
}

// DPIAStatus judges the DPIA: required and missing fails (Art. 35(1));
// present but written for other purposes than those now configured warns
// (Art. 35(11)).
func DPIAStatus(required, present, needsReview bool) Status {
	switch {
	case required && !present:
		return Fail
	case present && needsReview:
		return Warn
	}
	return Pass
}

// Timing is the handling times of a set of opt-outs, in milliseconds.
type Timing struct {
	N     int     `json:"n"`
	P50MS float64 `json:"p50_ms"`
	P99MS float64 `json:"p99_ms"`
	MaxMS float64 `json:"max_ms"`
	// Slow counts those that took longer than OptOutWarn.
	Slow int64 `json:"over_5s"`
}

// Timings computes the figures of a list of durations (nearest-rank
// percentiles); the list is not changed.
func Timings(ds []time.Duration) Timing {
	t := Timing{N: len(ds)}
	if len(ds) == 0 {
		return t
	}
	sorted := slices.Clone(ds)
	slices.Sort(sorted)
	at := func(p float64) float64 {
		i := int(math.Ceil(p*float64(len(sorted)))) - 1
		return ms(sorted[max(i, 0)])
	}
	t.P50MS, t.P99MS, t.MaxMS = at(0.50), at(0.99), ms(sorted[len(sorted)-1])
	for _, d := range sorted {
		if d > OptOutWarn {
			t.Slow++
		}
	}
	return t
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
