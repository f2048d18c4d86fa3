// SPDX-License-Identifier: AGPL-3.0-only

// Package notice holds the privacy notices shown when consent is collected
// (T-01, T-02). A notice is drafted, then published: from then on it is
// immutable and known by its content hash, which every consent event records.
package notice

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Item is one piece of information Art. 13 (and 21(4)) requires at collection.
type Item string

// The items of T-01, in the order of Art. 13.
const (
	Controller         Item = "controller"          // 13(1)(a) identity and contact details
	DPO                Item = "dpo"                 // 13(1)(b) DPO contact, or that there is none
	Purposes           Item = "purposes"            // 13(1)(c) each purpose and its legal basis
	LegitimateInterest Item = "legitimate_interest" // 13(1)(d) where Art. 6(1)(f) is used
	Recipients         Item = "recipients"          // 13(1)(e) recipients, incl. Meta as processor
	Transfers          Item = "transfers"           // 13(1)(f) third-country transfer and safeguard
	Retention          Item = "retention"           // 13(2)(a) storage period or criteria
	Rights             Item = "rights"              // 13(2)(b) access, rectification, erasure, ...
	Withdrawal         Item = "withdrawal"          // 13(2)(c) withdraw at any time
	Complaint          Item = "complaint"           // 13(2)(d) complain to Datatilsynet
	Requirement        Item = "requirement"         // 13(2)(e) statutory/contractual or not, consequences
	Automated          Item = "automated_decisions" // 13(2)(f) automated decisions/profiling, or none
	Objection          Item = "objection"           // 21(4) the right to object, stated separately
)

// Required lists every item a notice must have before it can be published.
var Required = []Item{Controller, DPO, Purposes, LegitimateInterest, Recipients, Transfers,
	Retention, Rights, Withdrawal, Complaint, Requirement, Automated, Objection}

// Section is one titled part of a notice.
type Section struct {
	Item  Item   `json:"item"`
	Title string `json:"title"`
	Body  string `json:"body"`
}

// Notice is a privacy notice in one language. Version counts the published
// notices of that language from 1; a draft has version 0.
type Notice struct {
	ID          string     `json:"id"`
	Language    string     `json:"language"`
	Version     int        `json:"version"`
	Summary     string     `json:"summary"` // the short layer shown beside the form (T-02)
	Sections    []Section  `json:"sections"`
	Hash        string     `json:"hash,omitempty"` // set when published
	CreatedAt   time.Time  `json:"created_at"`
	PublishedAt *time.Time `json:"published_at,omitempty"`
}

// ErrInvalid is wrapped by every validation error.
var ErrInvalid = errors.New("invalid notice")

// MissingError lists the Art. 13 items a notice lacks; publishing refuses it.
type MissingError struct{ Items []Item }

func (e *MissingError) Error() string {
	names := make([]string, len(e.Items))
	for i, it := range e.Items {
		names[i] = string(it)
	}
	return "notice lacks required Art. 13 items: " + strings.Join(names, ", ")
}

// ValidateDraft checks the shape of a draft.
func (n Notice) ValidateDraft() error {
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%w: %s", ErrInvalid, fmt.Sprintf(format, a...))
	}
	if n.Language != "nb" && n.Language != "en" {
		return bad("language must be nb or en")
	}
	if len(n.Summary) > 4000 {
		return bad("summary is longer than 4000 characters")
	}
	if len(n.Sections) == 0 || len(n.Sections) > 50 {
		return bad("a notice has 1 to 50 sections")
	}
	seen := map[Item]bool{}
	for i, s := range n.Sections {
		known := false
		for _, r := range Required {
			known = known || r == s.Item
		}
		switch {
		case !known && s.Item != "":
			return bad("section %d: unknown item %q", i, s.Item)
		case s.Item != "" && seen[s.Item]:
			return bad("section %d: item %q appears twice", i, s.Item)
		case len(s.Title) > 200 || len(s.Body) > 20000:
			return bad("section %d is too long", i)
		}
		seen[s.Item] = true
	}
	return nil
}

// Missing returns the required items that are absent or empty.
func (n Notice) Missing() []Item {
	have := map[Item]bool{}
	for _, s := range n.Sections {
		if strings.TrimSpace(s.Body) != "" {
			have[s.Item] = true
		}
	}
	var missing []Item
	for _, r := range Required {
		if !have[r] {
			missing = append(missing, r)
		}
	}
	if strings.TrimSpace(n.Summary) == "" {
		missing = append(missing, "summary")
	}
	return missing
}

// ContentHash is the SHA-256 of the notice's language, version, summary and
// sections: what the person was shown.
func (n Notice) ContentHash() string {
	b, _ := json.Marshal(struct {
		Language string    `json:"language"`
		Version  int       `json:"version"`
		Summary  string    `json:"summary"`
		Sections []Section `json:"sections"`
	}{n.Language, n.Version, n.Summary, n.Sections})
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}
