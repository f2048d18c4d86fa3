// SPDX-License-Identifier: AGPL-3.0-only

package audit_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/samtykke/samtykke/internal/audit"
)

// TestTimings: nearest-rank percentiles of the opt-out handling times, and
// the count of those slower than the warning threshold (C-05, K-06).
func TestTimings(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		ds   []time.Duration
		want audit.Timing
	}{
		{"none", nil, audit.Timing{}},
		{"one", []time.Duration{7 * time.Millisecond}, audit.Timing{N: 1, P50MS: 7, P99MS: 7, MaxMS: 7}},
		{"unsorted", []time.Duration{30 * time.Millisecond, 10 * time.Millisecond, 20 * time.Millisecond, 40 * time.Millisecond},
			audit.Timing{N: 4, P50MS: 20, P99MS: 40, MaxMS: 40}},
		{"a slow tail", append(repeat(100, 5*time.Millisecond), 6*time.Second, 90*time.Second),
			audit.Timing{N: 102, P50MS: 5, P99MS: 6000, MaxMS: 90000, Slow: 2}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			before := fmt.Sprint(tc.ds)
			if got := audit.Timings(tc.ds); got != tc.want {
				t.Errorf("Timings = %+v; want %+v", got, tc.want)
			}
			if fmt.Sprint(tc.ds) != before {
				t.Error("Timings changed its argument")
			}
		})
	}
}

func repeat(n int, d time.Duration) []time.Duration {
	out := make([]time.Duration, n)
	for i := range out {
		out[i] = d
	}
	return out
}

// TestRules: what each check's counts make of its verdict (S-04).
func TestRules(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name      string
		got, want audit.Status
	}{
		{"must: none", audit.Must(0), audit.Pass},
		{"must: one", audit.Must(1), audit.Fail},
		{"should: none", audit.Should(0), audit.Pass},
		{"should: one", audit.Should(3), audit.Warn},
		{"opt-outs: fast", audit.OptOutStatus(audit.Timing{N: 3, MaxMS: 4999}), audit.Pass},
		{"opt-outs: none", audit.OptOutStatus(audit.Timing{}), audit.Pass},
		{"opt-outs: one past 5 s", audit.OptOutStatus(audit.Timing{N: 3, MaxMS: 5001}), audit.Warn},
		{"opt-outs: one past a minute", audit.OptOutStatus(audit.Timing{N: 3, MaxMS: 60001}), audit.Fail},
		{"retention: nothing due", audit.RetentionStatus(0, 0), audit.Pass},
		{"retention: due, within the grace", audit.RetentionStatus(4, 0), audit.Warn},
		{"retention: overdue", audit.RetentionStatus(4, 1), audit.Fail},
		{"rights: in time", audit.RightsStatus(0, 0), audit.Pass},
		{"rights: near due", audit.RightsStatus(0, 2), audit.Warn},
		{"rights: overdue", audit.RightsStatus(1, 2), audit.Fail},
		{"key: new", audit.KeyAgeStatus(now.AddDate(0, -11, 0), now), audit.Pass},
		{"key: a year and a day", audit.KeyAgeStatus(now.AddDate(-1, 0, -1), now), audit.Warn},
		{"key: never recorded", audit.KeyAgeStatus(time.Time{}, now), audit.Warn},
		{"dpia: not required, none", audit.DPIAStatus(false, false, false), audit.Pass},
		{"dpia: required, none", audit.DPIAStatus(true, false, false), audit.Fail},
		{"dpia: required, present", audit.DPIAStatus(true, true, false), audit.Pass},
		{"dpia: present, purposes changed", audit.DPIAStatus(true, true, true), audit.Warn},
		{"dpia: not required, present, purposes changed", audit.DPIAStatus(false, true, true), audit.Warn},
		{"worse: warn, fail", audit.Worse(audit.Warn, audit.Fail), audit.Fail},
		{"worse: fail, pass", audit.Worse(audit.Fail, audit.Pass), audit.Fail},
		{"worse: pass, warn", audit.Worse(audit.Pass, audit.Warn), audit.Warn},
	} {
		if tc.got != tc.want {
			t.Errorf("%s: %s, want %s", tc.name, tc.got, tc.want)
		}
	}
}

// TestSampleKeepsTheFirst: a check counts every record it finds and names
// the first MaxAffected.
func TestSampleKeepsTheFirst(t *testing.T) {
	t.Parallel()
	var s audit.Sample
	for i := range audit.MaxAffected + 7 {
		s.Add(fmt.Sprintf("c%03d", i))
	}
	if s.Total != audit.MaxAffected+7 || len(s.IDs) != audit.MaxAffected || s.IDs[0] != "c000" || s.IDs[audit.MaxAffected-1] != "c049" {
		t.Fatalf("sample: total %d, %d ids from %s", s.Total, len(s.IDs), s.IDs[0])
	}
	f := audit.NewFinding(audit.CheckEvidence)
	f.Found(s)
	if f.Count != s.Total || len(f.Affected) != audit.MaxAffected || f.Status != audit.Pass || f.Title == "" || len(f.Requirements) == 0 {
		t.Errorf("finding %+v", f)
	}
}

// TestEveryCheckIsNamed: each check has a title and the requirements it
// stands for, and ids are unique.
func TestEveryCheckIsNamed(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for _, c := range audit.Checks {
		if c.ID == "" || c.Title == "" || len(c.Requirements) == 0 || seen[c.ID] {
			t.Errorf("check %+v", c)
		}
		seen[c.ID] = true
	}
	if len(audit.Checks) != 10 {
		t.Errorf("%d checks, want the ten of issue 20", len(audit.Checks))
	}
	if audit.CheckByID("nope").ID != "" {
		t.Error("CheckByID of an unknown id")
	}
}

func sampleReport() audit.Report {
	ev := audit.NewFinding(audit.CheckEvidence)
	ev.Status, ev.Count, ev.Checked, ev.Affected = audit.Fail, 2, 10, []string{"c-1", "c-<2>"}
	ev.Breakdown = map[string]int64{"no_confirmation": 2}
	ev.Detail = "2 of 10 active consents lack evidence <b>"
	opt := audit.NewFinding(audit.CheckOptOut)
	timing := audit.Timings([]time.Duration{time.Millisecond, 6 * time.Second})
	opt.Timing, opt.Status, opt.Count, opt.Detail = &timing, audit.Warn, 1, "one was slow"
	keys := audit.NewFinding(audit.CheckKeys)
	keys.Detail = "recorded 2026-01-01"
	fs := []audit.Finding{ev, opt, keys}
	return audit.Report{ID: "a-1", At: time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC), Actor: "token:t1:dpo", Controller: "Butikken AS",
		DurationMS: 1234, Requirements: audit.Requirements, Findings: fs, Summary: audit.Summarize(fs)}
}

// TestReportFormats: JSON round-trips, the page is standalone and escapes
// what it shows, text names every check; an unknown format writes nothing.
func TestReportFormats(t *testing.T) {
	t.Parallel()
	r := sampleReport()
	if r.Summary != (audit.Summary{Pass: 1, Warn: 1, Fail: 1}) || r.Summary.Status() != audit.Fail {
		t.Fatalf("summary %+v (%s)", r.Summary, r.Summary.Status())
	}
	var js bytes.Buffer
	if err := audit.Write(&js, r, "json"); err != nil {
		t.Fatal(err)
	}
	var back audit.Report
	if err := json.Unmarshal(js.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(r, back); diff != "" {
		t.Errorf("JSON round trip (-want +got):\n%s", diff)
	}
	var page bytes.Buffer
	if err := audit.Write(&page, r, "html"); err != nil {
		t.Fatal(err)
	}
	html := page.String()
	for _, want := range []string{"<!doctype html>", "<style>", "Butikken AS", "c-&lt;2&gt;", "lack evidence &lt;b&gt;", `id="consent_evidence"`,
		"no_confirmation: 2", "slowest 6000.0 ms", "S-04, P-07", "C-01, C-03"} {
		if !strings.Contains(html, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	if strings.Contains(html, "<b>") || strings.Contains(html, "<link") || strings.Contains(html, "<script") {
		t.Error("the page shows unescaped text or loads something")
	}
	var text bytes.Buffer
	if err := audit.Write(&text, r, ""); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"1 passed, 1 warned, 1 failed", "FAIL    consent_evidence  2      10       0", "WARN    optout_time       1", "affected: c-1 c-<2>"} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("the text lacks %q:\n%s", want, text.String())
		}
	}
	var none bytes.Buffer
	if err := audit.Write(&none, r, "pdf"); !errors.Is(err, audit.ErrFormat) || none.Len() > 0 {
		t.Errorf("format pdf: %v, %d bytes", err, none.Len())
	}
}
