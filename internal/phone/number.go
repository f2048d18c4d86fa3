// SPDX-License-Identifier: AGPL-3.0-only

package phone

import (
	"fmt"
	"log/slog"
	"strconv"
	"strings"

	"github.com/nyaruka/phonenumbers"
)

// Number is a phone number in E.164 form, for example "+4791234567". Values
// returned by [Policy.Parse] are always valid; converting an arbitrary string
// to Number skips that validation.
//
// A Number is personal data. Printing it with any fmt verb, calling String
// or logging it through log/slog yields the masked form (see
// [Number.Masked]). Use [Number.E164] to get the digits.
type Number string

// Compile-time checks that Number redacts itself wherever it is printed.
var (
	_ slog.LogValuer = Number("")
	_ fmt.Stringer   = Number("")
	_ fmt.Formatter  = Number("")
)

// invalidMask is what a Number that is not in E.164 form prints as.
const invalidMask = "[invalid phone number]"

// E164 returns the number in the clear, in E.164 form ("+4791234567"). It is
// the only way to get the full number: use it to store the number or to send
// a message to it, and never log or print its result.
func (n Number) E164() string {
	return string(n)
}

// National returns the national significant number in the clear: for a
// Norwegian number the 8 digits after +47, for example "91234567". It returns
// "" if n is not in E.164 form. Like [Number.E164], its result must never be
// logged.
func (n Number) National() string {
	_, nsn, ok := n.split()
	if !ok {
		return ""
	}
	return nsn
}

// CountryCode returns the country calling code, for example 47 for Norway,
// or 0 if n is not in E.164 form.
func (n Number) CountryCode() int {
	cc, _, ok := n.split()
	if !ok {
		return 0
	}
	code, _ := strconv.Atoi(cc)
	return code
}

// Masked returns a redacted form that keeps the country code, the first digit
// of the national number and its last two digits. Norwegian numbers are
// grouped 3-2-3 ("+47 9** ** *67" for +47 912 34 567), other numbers mostly
// in groups of three ("+46 7** *** *67" for +46 70 123 45 67). National numbers
// shorter than four digits are masked completely. It returns "" for the
// zero Number and a fixed placeholder for a value that is not in E.164 form.
func (n Number) Masked() string {
	if n == "" {
		return ""
	}
	cc, nsn, ok := n.split()
	if !ok {
		return invalidMask
	}
	var b strings.Builder
	b.Grow(len(n) + 2 + len(nsn)/3)
	b.WriteByte('+')
	b.WriteString(cc)
	b.WriteByte(' ')
	keep := len(nsn) >= 4
	for i := range len(nsn) {
		if i > 0 && groupStart(cc, len(nsn), i) {
			b.WriteByte(' ')
		}
		if keep && (i == 0 || i >= len(nsn)-2) {
			b.WriteByte(nsn[i])
		} else {
			b.WriteByte('*')
		}
	}
	return b.String()
}

// groupStart reports whether digit i of a national number of length n starts
// a new group when masked: 3-2-3 for Norwegian 8-digit numbers, otherwise
// groups of three with the last four digits split 2-2 rather than 3-1.
func groupStart(cc string, n, i int) bool {
	if cc == "47" && n == 8 {
		return i == 3 || i == 5
	}
	if n%3 == 1 && i >= n-4 {
		return i == n-4 || i == n-2
	}
	return i%3 == 0
}

// String implements fmt.Stringer. It returns [Number.Masked], never the
// number in the clear.
func (n Number) String() string {
	return n.Masked()
}

// LogValue implements slog.LogValuer so that log/slog records carry only
// [Number.Masked].
func (n Number) LogValue() slog.Value {
	return slog.StringValue(n.Masked())
}

// Format implements fmt.Formatter. Every verb, including %x and %d which
// would otherwise encode the underlying string, prints [Number.Masked]:
// %q quotes it and %#v prints phone.Number("…") around it. Width and flags
// apply to the masked text.
func (n Number) Format(f fmt.State, verb rune) {
	m := n.Masked()
	switch {
	case verb == 'v' && f.Flag('#'):
		fmt.Fprintf(f, "phone.Number(%q)", m)
	case verb == 'q':
		fmt.Fprintf(f, fmt.FormatString(f, 'q'), m)
	default:
		fmt.Fprintf(f, fmt.FormatString(f, 's'), m)
	}
}

// split returns the country calling code and the national significant
// number of n, both as digit strings, and whether n is in E.164 form: a "+"
// followed by a known country calling code and at least one more digit,
// with no more than 20 digits in all.
func (n Number) split() (cc, nsn string, ok bool) {
	s := string(n)
	if len(s) < 3 || len(s) > 21 || s[0] != '+' || s[1] == '0' {
		return "", "", false
	}
	for i := 1; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return "", "", false
		}
	}
	if len(s) > 3 && strings.HasPrefix(s, "+47") {
		return "47", s[3:], true
	}
	// Country calling codes are prefix-free and 1 to 3 digits long.
	for i := 2; i <= 4 && i < len(s); i++ {
		code, _ := strconv.Atoi(s[1:i])
		if phonenumbers.GetRegionCodeForCountryCode(code) != "ZZ" {
			return s[1:i], s[i:], true
		}
	}
	return "", "", false
}
