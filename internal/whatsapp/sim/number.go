// SPDX-License-Identifier: AGPL-3.0-only

package sim

import (
	"strings"

	"github.com/samtykke/samtykke/internal/phone"
	"github.com/samtykke/samtykke/internal/whatsapp"
)

// nationalDigits is the most digits a number written without its country
// code has in the simulator's view: a Norwegian national number has 8 (§7).
// A digits-only number longer than that is read as a wa_id, country code
// included, the platform's own spelling.
const nationalDigits = 8

// normalizeFrom turns a simulated user's number, the from of /_sim/inbound and
// /_sim/user_preferences or the to of a fault, into their wa_id (§7).
//
// Every spelling the product's own parser (internal/phone) accepts gives the
// wa_id it would: "+47 912 34 567", "0047 91234567", the wa_id form
// "4791234567", the national "91234567", with spaces, tabs, no-break spaces,
// dots, dashes and parentheses. A number the product refuses (a landline, a
// foreign number) can still write, so that the refusal can be tested: with a
// leading '+' or "00" its digits are the wa_id, a digits-only number longer
// than a national one is already a wa_id, and a shorter one gets the business
// number's country code. Unlike the send path's `to` (normalizeTo, where the
// platform documents prepending the country code), a control call is never
// misread as 47 + a wa_id.
func (s *Server) normalizeFrom(from string) (string, bool) {
	if s.cfg.CountryCode == "47" {
		if n, err := (phone.Policy{}).Parse(from); err == nil {
			return strings.TrimPrefix(n.E164(), "+"), true
		}
	}
	t := strings.TrimSpace(from)
	plus := strings.HasPrefix(t, "+")
	for i := 0; i < len(t); i++ {
		switch c := t[i]; {
		case c >= '0' && c <= '9', c == ' ', c == '\t', c == '-', c == '(', c == ')', c == '.':
		case c == '+' && i == 0:
		case c == 0xc2 && i+1 < len(t) && t[i+1] == 0xa0: // U+00A0 no-break space
			i++
		default:
			return "", false
		}
	}
	d := whatsapp.Digits(t)
	switch {
	case plus:
	case strings.HasPrefix(d, "00"):
		d = d[2:] // the international prefix
	case len(d) <= nationalDigits:
		d = s.cfg.CountryCode + d
	}
	if len(d) < 7 || len(d) > 15 || d[0] == '0' {
		return "", false
	}
	return d, true
}
