// SPDX-License-Identifier: AGPL-3.0-only

package consent_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/samtykke/samtykke/internal/consent"
)

func validPurpose() consent.Purpose {
	return consent.Purpose{
		Key: "offers", Channel: consent.WhatsApp, Basis: consent.BasisConsent,
		Description:   consent.Text{NB: "Tilbud på WhatsApp", EN: "Offers on WhatsApp"},
		RetentionDays: 365, RefreshDays: 365, Fields: []string{"first_name"},
	}
}

// TestPurposeValidate checks every rule of Purpose.Validate; a refusal wraps
// ErrInvalid and names the field (C-02 basis per purpose, C-07 channel, C-10
// refresh, P-03 fields).
func TestPurposeValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		edit      func(p *consent.Purpose)
		wantField string // "" when valid
	}{
		{name: "valid", edit: func(*consent.Purpose) {}},
		{name: "key of two characters", edit: func(p *consent.Purpose) { p.Key = "ab" }},
		{name: "key of 63 characters", edit: func(p *consent.Purpose) { p.Key = "a" + strings.Repeat("b", 62) }},
		{name: "key with digits and underscore", edit: func(p *consent.Purpose) { p.Key = "offers_2026" }},
		{name: "sms channel (C-07)", edit: func(p *consent.Purpose) { p.Channel = consent.SMS }},
		{name: "email channel (C-07)", edit: func(p *consent.Purpose) { p.Channel = consent.Email }},
		{name: "existing customer basis (M-05)", edit: func(p *consent.Purpose) { p.Basis = consent.BasisExistingCustomer }},
		{name: "retention of 1 day", edit: func(p *consent.Purpose) { p.RetentionDays = 1 }},
		{name: "retention of 3650 days", edit: func(p *consent.Purpose) { p.RetentionDays = 3650 }},
		{name: "no refresh (C-10)", edit: func(p *consent.Purpose) { p.RefreshDays = 0 }},
		{name: "refresh of 3650 days (C-10)", edit: func(p *consent.Purpose) { p.RefreshDays = 3650 }},
		{name: "no fields", edit: func(p *consent.Purpose) { p.Fields = nil }},
		{name: "description of 2000 bytes", edit: func(p *consent.Purpose) { p.Description.NB = strings.Repeat("x", 2000) }},

		{name: "empty key", edit: func(p *consent.Purpose) { p.Key = "" }, wantField: "key"},
		{name: "one-letter key", edit: func(p *consent.Purpose) { p.Key = "a" }, wantField: "key"},
		{name: "key of 64 characters", edit: func(p *consent.Purpose) { p.Key = "a" + strings.Repeat("b", 63) }, wantField: "key"},
		{name: "key starting with a digit", edit: func(p *consent.Purpose) { p.Key = "1offers" }, wantField: "key"},
		{name: "key with capitals", edit: func(p *consent.Purpose) { p.Key = "Offers" }, wantField: "key"},
		{name: "key with a dash", edit: func(p *consent.Purpose) { p.Key = "summer-sale" }, wantField: "key"},
		{name: "key with a trailing newline", edit: func(p *consent.Purpose) { p.Key = "offers\n" }, wantField: "key"},
		{name: "unknown channel (C-07)", edit: func(p *consent.Purpose) { p.Channel = "telegram" }, wantField: "channel"},
		{name: "empty channel (C-07)", edit: func(p *consent.Purpose) { p.Channel = "" }, wantField: "channel"},
		{name: "unknown basis (C-02)", edit: func(p *consent.Purpose) { p.Basis = "legitimate_interest" }, wantField: "legal_basis"},
		{name: "empty basis (C-02)", edit: func(p *consent.Purpose) { p.Basis = "" }, wantField: "legal_basis"},
		{name: "no bokmål description", edit: func(p *consent.Purpose) { p.Description.NB = "" }, wantField: "description"},
		{name: "blank English description", edit: func(p *consent.Purpose) { p.Description.EN = " \t\n" }, wantField: "description"},
		{name: "description of 2001 bytes", edit: func(p *consent.Purpose) { p.Description.EN = strings.Repeat("x", 2001) }, wantField: "description"},
		{name: "retention of 0 days", edit: func(p *consent.Purpose) { p.RetentionDays = 0 }, wantField: "retention_days"},
		{name: "retention of 3651 days", edit: func(p *consent.Purpose) { p.RetentionDays = 3651 }, wantField: "retention_days"},
		{name: "negative refresh (C-10)", edit: func(p *consent.Purpose) { p.RefreshDays = -1 }, wantField: "refresh_days"},
		{name: "refresh of 3651 days (C-10)", edit: func(p *consent.Purpose) { p.RefreshDays = 3651 }, wantField: "refresh_days"},
		{name: "field not stored (P-03)", edit: func(p *consent.Purpose) { p.Fields = []string{"first_name", "email"} }, wantField: `"email"`},
		{name: "date of birth is never stored (P-03)", edit: func(p *consent.Purpose) { p.Fields = []string{"birth_date"} }, wantField: `"birth_date"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := validPurpose()
			tc.edit(&p)
			err := p.Validate()
			if tc.wantField == "" {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Validate() = nil, want an error naming %s", tc.wantField)
			}
			if !errors.Is(err, consent.ErrInvalid) {
				t.Errorf("Validate() = %v, which does not wrap ErrInvalid", err)
			}
			if !strings.Contains(err.Error(), tc.wantField) {
				t.Errorf("Validate() = %q, want it to name %s", err, tc.wantField)
			}
		})
	}
}

// TestTextIn checks the language fallback to bokmål: texts shown at
// collection exist in bokmål and English (T-01).
func TestTextIn(t *testing.T) {
	t.Parallel()
	both := consent.Text{NB: "Tilbud", EN: "Offers"}
	nbOnly := consent.Text{NB: "Tilbud"}
	tests := []struct {
		name string
		text consent.Text
		lang string
		want string
	}{
		{"english when present", both, "en", "Offers"},
		{"bokmål", both, "nb", "Tilbud"},
		{"english missing falls back to bokmål", nbOnly, "en", "Tilbud"},
		{"unknown language falls back to bokmål", both, "de", "Tilbud"},
		{"empty language falls back to bokmål", both, "", "Tilbud"},
		{"language codes are exact", both, "EN", "Tilbud"},
		{"nynorsk is not english", both, "nn", "Tilbud"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := tc.text.In(tc.lang); got != tc.want {
				t.Errorf("%+v.In(%q) = %q, want %q", tc.text, tc.lang, got, tc.want)
			}
		})
	}
}
