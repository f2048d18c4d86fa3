// SPDX-License-Identifier: AGPL-3.0-only

// Package dpia holds the data protection impact assessment (Art. 35): a
// screening against the nine criteria of the Article 29 Working Party's
// guidelines (WP248 rev.01) and the cases of Art. 35(3), fed by live
// figures; the decision and why (D-01); the document with the four parts
// Art. 35(7) requires, pre-filled from the record of processing (D-02); and
// a risk register in the CNIL method — illegitimate access, unwanted
// modification and disappearance of data, each with severity and
// likelihood on four levels and the measures that treat it.
package dpia

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Criterion is one screening question.
type Criterion struct {
	ID    string `json:"id"`
	Title string `json:"title"`
	Met   bool   `json:"met"`
	// Why explains the answer: from the live figures when Auto, else the
	// reviewer's words.
	Why  string `json:"why"`
	Auto bool   `json:"auto"`
}

// The criteria of WP248 and the cases of Art. 35(3).
var (
	WP248 = []Criterion{
		{ID: "evaluation", Title: "(1) Evaluation or scoring, including profiling and predicting"},
		{ID: "automated_decisions", Title: "(2) Automated decision-making with legal or similarly significant effect"},
		{ID: "systematic_monitoring", Title: "(3) Systematic monitoring"},
		{ID: "sensitive_data", Title: "(4) Sensitive data or data of a highly personal nature"},
		{ID: "large_scale", Title: "(5) Data processed on a large scale"},
		{ID: "combined_datasets", Title: "(6) Matching or combining datasets"},
		{ID: "vulnerable_subjects", Title: "(7) Data concerning vulnerable data subjects (e.g. children)"},
		{ID: "innovative_use", Title: "(8) Innovative use or applying new technological or organisational solutions"},
		{ID: "prevents_rights", Title: "(9) Processing that prevents data subjects from exercising a right or using a service or contract"},
	}
	Art35_3 = []Criterion{
		{ID: "profiling_with_effects", Title: "Art. 35(3)(a) systematic and extensive evaluation, with legal or similarly significant effects"},
		{ID: "special_categories", Title: "Art. 35(3)(b) large-scale processing of special categories or criminal data"},
		{ID: "public_monitoring", Title: "Art. 35(3)(c) systematic monitoring of a publicly accessible area on a large scale"},
	}
)

// Figures are the live facts the screening reads.
type Figures struct {
	Contacts          int64 `json:"contacts"`           // contacts on the list, erased ones left out
	ActiveConsents    int64 `json:"active_consents"`    // consent states that are active
	MinAge            int   `json:"min_age"`            // the lowest age that may sign up (C-13)
	Tags              int   `json:"tags"`               // declared tags (segmentation)
	ExistingCustomers bool  `json:"existing_customers"` // a purpose rests on sales data (mfl § 15(3))
	Imported          bool  `json:"imported"`           // contacts were brought in from another source
}

// LargeScale is the list size from which the screening counts the
// processing as large scale. WP248 names no number; this is the default
// judgement, which a reviewer may overrule.
const LargeScale = 10000

// Answer is a reviewer's answer to a criterion, overruling the figures.
type Answer struct {
	Met bool   `json:"met"`
	Why string `json:"why"`
}

// Screening is the screening's result and the decision.
type Screening struct {
	At       time.Time   `json:"at"`
	Figures  Figures     `json:"figures"`
	Criteria []Criterion `json:"criteria"`
	Art35_3  []Criterion `json:"art35_3"`
	Required bool        `json:"required"`
	Decision string      `json:"decision"`
}

// Screen answers the criteria from the figures, takes the reviewer's
// answers where given, and decides (D-01): a DPIA is required when two or
// more WP248 criteria are met or any case of Art. 35(3) is.
func Screen(f Figures, answers map[string]Answer, at time.Time) Screening {
	s := Screening{At: at.UTC(), Figures: f}
	auto := map[string]Answer{
		"evaluation":             {Met: false, Why: fmt.Sprintf("No scoring or profiling: audiences are chosen by consent per purpose, language and %d declared tags the controller sets; nothing is inferred about a person.", f.Tags)},
		"automated_decisions":    {Met: false, Why: "No decision with legal or similar effect is made about anyone: a message is sent or not."},
		"systematic_monitoring":  {Met: false, Why: "No monitoring: delivery and read statuses of messages are kept only as proof of what was sent."},
		"sensitive_data":         {Met: false, Why: "No special-category data is collected: a mobile number, a language, consent evidence and declared fields."},
		"large_scale":            {Met: f.Contacts >= LargeScale, Why: fmt.Sprintf("%d contacts on the list (%d active consents); counted as large scale from %d.", f.Contacts, f.ActiveConsents, LargeScale)},
		"combined_datasets":      {Met: f.ExistingCustomers || f.Imported, Why: combinedWhy(f)},
		"vulnerable_subjects":    {Met: f.MinAge < 18, Why: fmt.Sprintf("People from %d years may sign up%s.", f.MinAge, map[bool]string{true: ", so children (under 18) may be on the list", false: ": no children"}[f.MinAge < 18])},
		"innovative_use":         {Met: false, Why: "Established technology: a messaging platform's business API and a database."},
		"prevents_rights":        {Met: false, Why: "Nothing is refused to anyone: saying no to marketing changes no service or contract."},
		"profiling_with_effects": {Met: false, Why: "No evaluation with legal or similar effects."},
		"special_categories":     {Met: false, Why: "No special categories or criminal data."},
		"public_monitoring":      {Met: false, Why: "No monitoring of public areas."},
	}
	fill := func(list []Criterion) []Criterion {
		out := slices.Clone(list)
		for i := range out {
			a, manual := answers[out[i].ID]
			if !manual {
				a = auto[out[i].ID]
			}
			out[i].Met, out[i].Why, out[i].Auto = a.Met, a.Why, !manual
		}
		return out
	}
	s.Criteria, s.Art35_3 = fill(WP248), fill(Art35_3)
	var met, cases []string
	for _, c := range s.Criteria {
		if c.Met {
			met = append(met, c.Title)
		}
	}
	for _, c := range s.Art35_3 {
		if c.Met {
			cases = append(cases, c.Title)
		}
	}
	s.Required = len(met) >= 2 || len(cases) > 0
	switch {
	case len(cases) > 0:
		s.Decision = "A DPIA is required: " + strings.Join(cases, "; ") + "."
	case s.Required:
		s.Decision = fmt.Sprintf("A DPIA is required: %d WP248 criteria are met (%s); two or more make high risk likely.", len(met), strings.Join(met, "; "))
	case len(met) == 1:
		s.Decision = "A DPIA is not required: one WP248 criterion is met (" + met[0] + "); the screening is kept and repeated when purposes or figures change."
	default:
		s.Decision = "A DPIA is not required: no WP248 criterion is met; the screening is kept and repeated when purposes or figures change."
	}
	return s
}

func combinedWhy(f Figures) string {
	var why []string
	if f.ExistingCustomers {
		why = append(why, "a purpose rests on the controller's sales data (existing customers)")
	}
	if f.Imported {
		why = append(why, "contacts were imported from another source")
	}
	if len(why) == 0 {
		return "Data comes only from the people themselves; nothing is combined."
	}
	return "Combined: " + strings.Join(why, "; ") + "."
}

// Level is a CNIL level of severity or likelihood: 1 negligible, 2
// limited, 3 significant, 4 maximum.
type Level int

// Valid reports whether the level is one of the four.
func (l Level) Valid() bool { return l >= 1 && l <= 4 }

// Risk is one of the three CNIL risks, with its assessment.
type Risk struct {
	ID         string   `json:"id"` // illegitimate_access, unwanted_modification, disappearance
	Title      string   `json:"title"`
	Impacts    string   `json:"impacts"`
	Threats    string   `json:"threats"`
	Sources    string   `json:"sources"`
	Severity   Level    `json:"severity"`
	Likelihood Level    `json:"likelihood"`
	Measures   []string `json:"measures"` // names of measures of the record of processing
	// Residual is the assessment with the measures in place.
	ResidualSeverity   Level `json:"residual_severity"`
	ResidualLikelihood Level `json:"residual_likelihood"`
}

// High reports whether the residual risk stays high (severity and
// likelihood both significant or more): then Art. 36 asks for prior
// consultation of Datatilsynet.
func (r Risk) High() bool { return r.ResidualSeverity >= 3 && r.ResidualLikelihood >= 3 }

// RiskIDs are the three CNIL risks.
var RiskIDs = []string{"illegitimate_access", "unwanted_modification", "disappearance"}

// Document is the DPIA: the four parts of Art. 35(7), the screening and the
// risk register. It is versioned: each edit is a new version.
type Document struct {
	Version         int       `json:"version"`
	At              time.Time `json:"at"`
	Author          string    `json:"author"`
	Screening       Screening `json:"screening"`
	Description     string    `json:"description"`      // Art. 35(7)(a)
	Necessity       string    `json:"necessity"`        // Art. 35(7)(b)
	RisksSummary    string    `json:"risks_summary"`    // Art. 35(7)(c)
	MeasuresSummary string    `json:"measures_summary"` // Art. 35(7)(d)
	Risks           []Risk    `json:"risks"`
	// PurposesHash is the hash of the purposes the document was written
	// for: when the purposes change, the document is due for review (Art.
	// 35(11)).
	PurposesHash string `json:"purposes_hash"`
	DPOAdvice    string `json:"dpo_advice,omitempty"` // Art. 35(2)
	Consultation bool   `json:"prior_consultation"`   // Art. 36: a residual high risk
}

// ErrInvalid is wrapped by Check's refusals.
var ErrInvalid = errors.New("dpia: invalid")

// Check refuses a document that lacks a part of Art. 35(7) or has a risk
// out of the CNIL scale, naming what.
func (d Document) Check() error {
	var errs []string
	for name, text := range map[string]string{"description (Art. 35(7)(a))": d.Description, "necessity (Art. 35(7)(b))": d.Necessity,
		"risks (Art. 35(7)(c))": d.RisksSummary, "measures (Art. 35(7)(d))": d.MeasuresSummary} {
		if strings.TrimSpace(text) == "" {
			errs = append(errs, "the "+name+" is empty")
		}
	}
	seen := map[string]bool{}
	for _, r := range d.Risks {
		if !slices.Contains(RiskIDs, r.ID) {
			errs = append(errs, fmt.Sprintf("risk %q is not one of %s", r.ID, strings.Join(RiskIDs, ", ")))
		}
		seen[r.ID] = true
		for _, l := range []Level{r.Severity, r.Likelihood, r.ResidualSeverity, r.ResidualLikelihood} {
			if !l.Valid() {
				errs = append(errs, fmt.Sprintf("risk %s: severity and likelihood must be 1 to 4", r.ID))
				break
			}
		}
		if len(r.Measures) == 0 {
			errs = append(errs, fmt.Sprintf("risk %s names no measure", r.ID))
		}
	}
	for _, id := range RiskIDs {
		if !seen[id] {
			errs = append(errs, "the risk register lacks "+id)
		}
	}
	slices.Sort(errs)
	if len(errs) > 0 {
		return fmt.Errorf("%w: %s", ErrInvalid, strings.Join(errs, "; "))
	}
	return nil
}

// HashPurposes is the hash a document keeps of the purposes it covers:
// each purpose's key, channel, legal basis and declared fields.
func HashPurposes(purposes []string) string {
	sorted := slices.Clone(purposes)
	slices.Sort(sorted)
	sum := sha256.Sum256([]byte(strings.Join(sorted, "\n")))
	return hex.EncodeToString(sum[:])
}

// NeedsReview reports whether the purposes changed since the document was
// written (Art. 35(11)).
func (d Document) NeedsReview(currentPurposesHash string) bool {
	return d.PurposesHash != currentPurposesHash
}
