// SPDX-License-Identifier: AGPL-3.0-only

// Package consent holds purposes, their legal bases, the consent state that the
// ledger's events fold into, and the gate: the one decision whether a purpose
// may be sent to a contact now (G-01..G-06, invariant 1).
package consent

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
)

// Channel is the medium a purpose's messages go through (C-07: consent per channel).
type Channel string

// The channels.
const (
	WhatsApp Channel = "whatsapp"
	SMS      Channel = "sms"
	Email    Channel = "email"
)

// Basis is a purpose's legal basis (C-02).
type Basis string

// The legal bases a marketing purpose may rest on.
const (
	// BasisConsent is GDPR Art. 6(1)(a) with mfl § 15(1) prior consent.
	BasisConsent Basis = "consent"
	// BasisExistingCustomer is the existing-customer exception of mfl § 15(3)
	// (soft opt-in, M-05), processed under Art. 6(1)(f).
	BasisExistingCustomer Basis = "existing_customer"
)

// Text is a text in bokmål and English.
type Text struct {
	NB string `json:"nb"`
	EN string `json:"en"`
}

// In returns the text in lang ("nb" or "en"), falling back to bokmål.
func (t Text) In(lang string) string {
	if lang == "en" && t.EN != "" {
		return t.EN
	}
	return t.NB
}

// Purpose is one thing a person can consent to, on one channel.
type Purpose struct {
	Key           string    `json:"key"`
	Channel       Channel   `json:"channel"`
	Basis         Basis     `json:"legal_basis"`
	Description   Text      `json:"description"`
	RetentionDays int       `json:"retention_days"`
	RefreshDays   int       `json:"refresh_days,omitempty"` // 0: consent does not lapse by time (C-10)
	Fields        []string  `json:"fields,omitempty"`       // personal data beyond the number it needs (P-03)
	CreatedAt     time.Time `json:"created_at"`
}

// AllowedFields are the personal data a purpose may declare it needs (P-03):
// nothing else is ever stored about a contact.
var AllowedFields = []string{"first_name"}

// ErrInvalid is wrapped by every validation error of this package.
var ErrInvalid = errors.New("invalid")

var keyPattern = regexp.MustCompile(`^[a-z][a-z0-9_]{1,62}$`)

// Validate checks a purpose before it is created; the error names the field.
func (p Purpose) Validate() error {
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%w: %s", ErrInvalid, fmt.Sprintf(format, a...))
	}
	switch {
	case !keyPattern.MatchString(p.Key):
		return bad("key must be 2-63 characters a-z, 0-9 and _, starting with a letter")
	case p.Channel != WhatsApp && p.Channel != SMS && p.Channel != Email:
		return bad("channel must be whatsapp, sms or email")
	case p.Basis != BasisConsent && p.Basis != BasisExistingCustomer:
		return bad("legal_basis must be consent or existing_customer")
	case strings.TrimSpace(p.Description.NB) == "" || strings.TrimSpace(p.Description.EN) == "":
		return bad("description needs both nb and en")
	case len(p.Description.NB) > 2000 || len(p.Description.EN) > 2000:
		return bad("description is longer than 2000 characters")
	case p.RetentionDays < 1 || p.RetentionDays > 3650:
		return bad("retention_days must be between 1 and 3650")
	case p.RefreshDays < 0 || p.RefreshDays > 3650:
		return bad("refresh_days must be between 0 and 3650")
	}
	for _, f := range p.Fields {
		ok := false
		for _, a := range AllowedFields {
			ok = ok || f == a
		}
		if !ok {
			return bad("field %q is not one samtykke stores (allowed: %s)", f, strings.Join(AllowedFields, ", "))
		}
	}
	return nil
}
