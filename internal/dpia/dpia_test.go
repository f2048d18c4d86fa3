// SPDX-License-Identifier: AGPL-3.0-only

package dpia

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/samtykke/samtykke/internal/consent"
	"github.com/samtykke/samtykke/internal/controller"
	"github.com/samtykke/samtykke/internal/ropa"
)

var at = time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)

// D-01: the screening counts the WP248 criteria from live figures and
// decides: two or more (or any Art. 35(3) case) require a DPIA.
func TestScreen(t *testing.T) {
	small := Figures{Contacts: 500, ActiveConsents: 400, MinAge: 18}
	if s := Screen(small, nil, at); s.Required || !strings.Contains(s.Decision, "no WP248 criterion") {
		t.Errorf("a small adult list: %+v", s.Decision)
	}
	minors := Figures{Contacts: 500, MinAge: 15}
	if s := Screen(minors, nil, at); s.Required || !strings.Contains(s.Decision, "one WP248 criterion") {
		t.Errorf("a small list open to 15-year-olds: %s", s.Decision)
	}
	// Large scale and children: required.
	large := Figures{Contacts: LargeScale, ActiveConsents: 9000, MinAge: 15}
	s := Screen(large, nil, at)
	if !s.Required || !strings.Contains(s.Decision, "2 WP248 criteria") {
		t.Errorf("a large list open to 15-year-olds: %s", s.Decision)
	}
	for _, c := range s.Criteria {
		if (c.ID == "large_scale" || c.ID == "vulnerable_subjects") != c.Met || !c.Auto || c.Why == "" {
			t.Errorf("criterion %+v", c)
		}
	}
	// One below the threshold, combined with sales data: still two.
	s = Screen(Figures{Contacts: LargeScale - 1, MinAge: 15, ExistingCustomers: true}, nil, at)
	if !s.Required {
		t.Errorf("children and combined datasets: %s", s.Decision)
	}
	// A reviewer's answer overrules the figures; an Art. 35(3) case alone requires one.
	s = Screen(small, map[string]Answer{"profiling_with_effects": {Met: true, Why: "credit scoring of customers"}}, at)
	if !s.Required || !strings.Contains(s.Decision, "Art. 35(3)(a)") {
		t.Errorf("an Art. 35(3) case: %s", s.Decision)
	}
	s = Screen(large, map[string]Answer{"large_scale": {Met: false, Why: "a local shop's list"}}, at)
	if s.Required {
		t.Errorf("the reviewer's answer was not taken: %s", s.Decision)
	}
}

func record() ropa.Record {
	return ropa.Build(ropa.Input{At: at,
		Controller: controller.Controller{Name: "Butikken AS", Email: "post@butikken.no", DPO: controller.Contact{Email: "dpo@butikken.no"}},
		Purposes: []consent.Purpose{{Key: "offers", Channel: consent.WhatsApp, Basis: consent.BasisConsent, RetentionDays: 365,
			Description: consent.Text{NB: "Tilbud", EN: "Offers"}}},
		Retention: []ropa.Retention{{Class: "message records", Period: "3 years"}},
		Measures: []ropa.Measure{{Name: MeasureEncryption, On: true}, {Name: MeasureLedger, On: true}, {Name: MeasureBackups, On: false},
			{Name: MeasureAccessLog, On: true}}})
}

// D-02: the draft has the four parts of Art. 35(7), pre-filled from the
// record, and the three CNIL risks linked to measures switched on only.
func TestDraft(t *testing.T) {
	d := Draft(record(), Screen(Figures{Contacts: 20000, MinAge: 15}, nil, at), HashPurposes([]string{"offers"}), "dpo", at)
	if err := d.Check(); err != nil {
		t.Fatalf("the draft: %v", err)
	}
	if !strings.Contains(d.Description, "Offers (offers)") || !strings.Contains(d.Necessity, "message records: 3 years") {
		t.Errorf("the draft is not filled from the record:\n%s\n%s", d.Description, d.Necessity)
	}
	for _, r := range d.Risks {
		for _, m := range r.Measures {
			if m == MeasureBackups {
				t.Errorf("risk %s names a measure that is off", r.ID)
			}
		}
	}
	var md bytes.Buffer
	if err := Write(&md, d, "md"); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"## (a) Systematic description", "## (b) Necessity and proportionality", "## (c) Risks", "## (d) Measures",
		"Illegitimate access", "Unwanted modification", "Disappearance", "2 limited", "Decision: A DPIA is required"} {
		if !strings.Contains(md.String(), want) {
			t.Errorf("the Markdown lacks %q", want)
		}
	}
	var h bytes.Buffer
	if err := Write(&h, d, "html"); err != nil || !strings.Contains(h.String(), "<h2>(d) Measures") {
		t.Errorf("HTML: %v", err)
	}
	if err := Write(&h, d, "docx"); !errors.Is(err, ErrFormat) {
		t.Errorf("docx: %v", err)
	}
	// D-01: a change of purposes marks the document for review (Art. 35(11)).
	if d.NeedsReview(HashPurposes([]string{"offers"})) || !d.NeedsReview(HashPurposes([]string{"offers", "news"})) {
		t.Error("NeedsReview does not follow the purposes")
	}
}

// Check names a missing part and a risk off the CNIL scale.
func TestCheck(t *testing.T) {
	d := Draft(record(), Screen(Figures{}, nil, at), "h", "dpo", at)
	d.Necessity = " "
	d.Risks[0].Severity = 5
	d.Risks = d.Risks[:2]
	err := d.Check()
	if !errors.Is(err, ErrInvalid) {
		t.Fatalf("Check: %v", err)
	}
	for _, want := range []string{"necessity (Art. 35(7)(b))", "severity and likelihood must be 1 to 4", "lacks disappearance"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Check does not name %q: %v", want, err)
		}
	}
	d = Draft(record(), Screen(Figures{}, nil, at), "h", "dpo", at)
	d.Risks[1].ResidualSeverity, d.Risks[1].ResidualLikelihood = 3, 4
	if !d.Risks[1].High() {
		t.Error("a residual 3×4 is not high")
	}
}
