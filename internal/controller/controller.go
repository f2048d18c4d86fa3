// SPDX-License-Identifier: AGPL-3.0-only

// Package controller describes the company that keeps the list — the
// controller of the personal data (Art. 4(7)) — and its data protection
// officer, as the records of processing, receipts, breach notifications and
// answers to people name them (Art. 13(1)(a)-(b), 30(1)(a), 33(3)(b)).
package controller

import (
	"errors"
	"fmt"
	"net/mail"
	"regexp"
	"strings"
)

// Contact is a way to reach a party: a role's address, never a person's
// private one.
type Contact struct {
	Name  string `json:"name,omitempty"`
	Email string `json:"email,omitempty"`
	Phone string `json:"phone,omitempty"`
}

// Empty reports whether the contact has no way to reach it.
func (c Contact) Empty() bool { return c.Email == "" && c.Phone == "" }

// Controller is the company and its DPO.
type Controller struct {
	Name      string  `json:"name"`
	OrgNumber string  `json:"org_number,omitempty"` // organisasjonsnummer (Enhetsregisteret), nine digits
	Address   string  `json:"address,omitempty"`
	Email     string  `json:"email,omitempty"`
	Phone     string  `json:"phone,omitempty"`
	URL       string  `json:"url,omitempty"`
	DPO       Contact `json:"dpo"`
	// Hosting names the provider that runs samtykke and its database (a
	// processor, Art. 28), and the country its data sits in.
	Hosting        string `json:"hosting,omitempty"`
	HostingCountry string `json:"hosting_country,omitempty"`
	// Operator, when named, is a processor that runs samtykke on the
	// controller's behalf: it keeps the Art. 30(2) record.
	Operator Contact `json:"operator,omitzero"`
}

// ErrInvalid is wrapped by Check's refusals.
var ErrInvalid = errors.New("controller: invalid")

// Check refuses malformed details; missing ones are the record's validator's
// to name (ropa), since a laptop demo may run without them.
func (c Controller) Check() error {
	var errs []error
	if c.OrgNumber != "" && !ValidOrgNumber(c.OrgNumber) {
		errs = append(errs, fmt.Errorf("%w: SAMTYKKE_CONTROLLER_ORGNR is not a valid organisation number (nine digits, check digit)", ErrInvalid))
	}
	for key, addr := range map[string]string{"SAMTYKKE_CONTROLLER_EMAIL": c.Email, "SAMTYKKE_DPO_EMAIL": c.DPO.Email} {
		if addr == "" {
			continue
		}
		if a, err := mail.ParseAddress(addr); err != nil || a.Address != addr {
			errs = append(errs, fmt.Errorf("%w: %s is not an e-mail address", ErrInvalid, key))
		}
	}
	if _, ok := TelURI(c.Phone); c.Phone != "" && !ok {
		errs = append(errs, fmt.Errorf("%w: SAMTYKKE_CONTROLLER_PHONE is not a phone number (+47 22 12 34 56, or eight digits)", ErrInvalid))
	}
	return errors.Join(errs...)
}

var e164 = regexp.MustCompile(`^\+[1-9][0-9]{6,14}$`)

// TelURI is a phone number as an RFC 3966 global tel: URI, the form a
// consent receipt gives it ("tel:+4722123456"): an international number
// (+ or 00), or eight digits taken as Norwegian. It reports false for
// anything else.
func TelURI(phone string) (string, bool) {
	s := strings.NewReplacer(" ", "", "-", "", ".", "", "(", "", ")", "").Replace(phone)
	if rest, ok := strings.CutPrefix(s, "00"); ok {
		s = "+" + rest
	}
	if len(s) == 8 && !strings.HasPrefix(s, "+") {
		s = "+47" + s
	}
	if !e164.MatchString(s) {
		return "", false
	}
	return "tel:" + s, true
}

// ValidOrgNumber checks a Norwegian organisation number: nine digits whose
// last is the modulus-11 check digit of the first eight (weights 3 2 7 6 5
// 4 3 2).
func ValidOrgNumber(s string) bool {
	s = strings.ReplaceAll(s, " ", "")
	if len(s) != 9 {
		return false
	}
	weights := []int{3, 2, 7, 6, 5, 4, 3, 2}
	sum := 0
	for i, r := range s {
		if r < '0' || r > '9' {
			return false
		}
		if i < 8 {
			sum += int(r-'0') * weights[i]
		}
	}
	check := 11 - sum%11
	if check == 11 {
		check = 0
	}
	return check != 10 && check == int(s[8]-'0')
}
