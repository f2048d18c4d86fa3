// SPDX-License-Identifier: AGPL-3.0-only

package phone

import (
	"errors"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/nyaruka/phonenumbers"
)

// Policy decides which numbers [Policy.Parse] accepts. The zero Policy
// accepts Norwegian mobile numbers only (requirement N-04: the service is
// scoped to Norway and does not guess about foreign numbers).
type Policy struct {
	// AllowedRegions lists ISO 3166-1 alpha-2 region codes (for example
	// "SE"), compared case-insensitively, whose mobile numbers are accepted
	// besides Norwegian ones. Numbers of other regions are rejected with
	// ReasonForeign, and numbers of these regions that libphonenumber does
	// not classify as mobile with ReasonNotMobile. In regions where
	// libphonenumber cannot tell mobile and fixed-line numbers apart (the
	// United States and Canada, for example) numbers of that ambiguous type
	// are accepted. "NO" needs no entry: Norwegian numbers always follow the
	// Nkom plan.
	AllowedRegions []string
}

const (
	// defaultRegion is the region assumed for numbers written without a
	// country calling code.
	defaultRegion = "NO"
	// maxFastDigits is the most digits the fast path handles; libphonenumber
	// rejects national numbers longer than 17 digits.
	maxFastDigits = phonenumbers.MAX_LENGTH_FOR_NSN
	// e164Len is the length of a Norwegian mobile number in E.164 form.
	e164Len = len("+47") + 8
)

// Parse validates input and returns it as a [Number] in E.164 form, or an
// [*Error] saying why it was rejected. The error never contains the input.
//
// Numbers without a country calling code are read as Norwegian. All common
// spellings of a Norwegian mobile number are accepted, for example
// "+47 912 34 567", "+4791234567", "0047 91234567", "4791234567",
// "47 91 23 45 67", "912 34 567", "91234567", "912-34-567" and
// "(+47) 912 34 567", with spaces, tabs, no-break spaces, dots, dashes and
// parentheses as separators. A bare 10-digit number starting with 47 is
// +47 followed by its last 8 digits, while an 8-digit number starting with
// 47 is a national number.
//
// A Norwegian number is accepted only if its national significant number
// matches ^[49][0-9]{7}$ (requirement N-02). Anything else is rejected with
// ReasonLandline, ReasonM2M, ReasonSpecial, ReasonShortCode,
// ReasonTooShort, ReasonTooLong or ReasonInvalid. Numbers from other
// countries are rejected with ReasonForeign unless p allows their region;
// then non-mobile ones are rejected with ReasonNotMobile. Input that
// contains letters is always rejected with ReasonInvalid.
func (p Policy) Parse(input string) (Number, error) {
	n, reason, ok := parseFast(input)
	if !ok {
		return p.parseSlow(input)
	}
	if reason != "" {
		return "", &Error{Reason: reason}
	}
	return n, nil
}

// MustParse is like Parse with the zero Policy, but panics if s is rejected.
// It is meant for tests and for known-good constants; never call it with
// user input. The panic message contains the reason, not s.
func MustParse(s string) Number {
	n, err := Policy{}.Parse(s)
	if err != nil {
		panic("phone.MustParse: " + err.Error())
	}
	return n
}

// parseFast is the hand-written path for the common Norwegian spellings. It
// reports ok=false when input is outside its grammar, and the caller must
// then use parseSlow. When ok is true, its result (the number, or the reason
// it was rejected) is the one parseSlow would give; the differential fuzz
// test FuzzParseAgreesWithLibphonenumber checks that.
//
// The grammar is: ASCII digits; ASCII white space and U+00A0 no-break space;
// the separators '-', '.', '(' and ')'; and at most one '+' before the first
// digit. Within it, libphonenumber's parsing for the region NO reduces to
// the rules below, which parseFast reproduces:
//
//   - "+" followed by 47: country code 47, the rest is the national number;
//   - "00" (the international prefix) followed by 47: likewise;
//   - a leading 47 when there are more than 8 digits in all (too many for a
//     Norwegian number): country code 47; likewise for the 7-digit input
//     "470dddd", whose rest fits the plan as a 5-digit number;
//   - otherwise all digits form the national number.
//
// Everything else (other country codes, fewer than three digits, a national
// number shorter than two digits, long inputs) is left to parseSlow. It
// allocates nothing except the returned string, and not even that when input
// is already in E.164 form.
func parseFast(input string) (n Number, reason Reason, ok bool) {
	if len(input) > phonenumbers.MAX_INPUT_STRING_LENGTH {
		return "", "", false
	}
	var buf [maxFastDigits]byte
	nd := 0
	plus, punct := false, false
	for i := 0; i < len(input); i++ {
		switch c := input[i]; c {
		case '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
			if nd == len(buf) {
				return "", "", false
			}
			buf[nd] = c
			nd++
		case ' ', '\t', '\n', '\v', '\f', '\r':
		case '-', '.', '(', ')':
			punct = true
		case '+':
			if plus || nd > 0 {
				return "", "", false
			}
			plus, punct = true, true
		case 0xC2: // first byte of U+00A0 NO-BREAK SPACE in UTF-8
			if i+1 == len(input) || input[i+1] != 0xA0 {
				return "", "", false
			}
			i++
		default:
			return "", "", false
		}
	}
	switch {
	case nd == 0 && !punct:
		return "", ReasonEmpty, true
	case nd < 3:
		// libphonenumber treats two bare digits, and anything shorter, in
		// ways that are not worth copying.
		return "", "", false
	}
	digits := buf[:nd]
	var nsn []byte
	switch {
	case plus:
		if digits[0] != '4' || digits[1] != '7' {
			return "", "", false
		}
		nsn = digits[2:]
	case digits[0] == '0' && digits[1] == '0':
		if nd < 4 || digits[2] != '4' || digits[3] != '7' {
			return "", "", false
		}
		nsn = digits[4:]
	case digits[0] == '4' && digits[1] == '7' && (nd > 8 || (nd == 7 && digits[2] == '0')):
		// libphonenumber strips the default country code 47 when the whole
		// input is too long for a Norwegian number, or when it does not fit
		// the Norwegian plan but the rest does (only "470dddd" can).
		nsn = digits[2:]
	default:
		nsn = digits
	}
	if len(nsn) < phonenumbers.MIN_LENGTH_FOR_NSN {
		return "", "", false
	}
	if reason := classifyNO(nsn); reason != "" {
		return "", reason, true
	}
	var out [e164Len]byte
	copy(out[:], "+47")
	copy(out[3:], nsn)
	if input == string(out[:]) {
		return Number(input), "", true
	}
	return Number(out[:]), "", true
}

// classifyNO returns "" if nsn, a Norwegian national significant number
// (digits only, leading zeros kept), is a mobile number under the Nkom plan
// (^[49][0-9]{7}$, requirement N-02), or else why it is rejected.
func classifyNO[T ~string | ~[]byte](nsn T) Reason {
	switch n := len(nsn); {
	case n < 3:
		return ReasonTooShort
	case n <= 6:
		// 3-6 digits: 1xx, 1881, 116xxx, 02000-09999, SMS short codes.
		return ReasonShortCode
	case n == 7:
		return ReasonTooShort
	case n == 12 && nsn[0] == '5' && nsn[1] == '8':
		return ReasonM2M
	case n > 8:
		return ReasonTooLong
	}
	switch nsn[0] {
	case '4', '9':
		return ""
	case '2', '3', '6', '7':
		return ReasonLandline
	case '5':
		if nsn[1] >= '8' {
			return ReasonM2M
		}
		return ReasonLandline
	case '8':
		return ReasonSpecial
	default: // 0 and 1 are not used for 8-digit numbers.
		return ReasonInvalid
	}
}

// parseSlow parses input with libphonenumber (default region NO) and applies
// the package's rules to the result. It handles every input, and is the
// reference the fast path is fuzzed against.
//
// Besides what libphonenumber does, it
//
//   - rejects blank input with ReasonEmpty before anything else;
//   - rejects input containing letters, which libphonenumber would read as
//     keypad digits ("+47 9ABCDEFG") or as an extension ("… ext 12"), and
//     numbers that still come out with an extension ("…,,12");
//   - maps every Unicode space to U+0020, because libphonenumber does not
//     accept tabs or U+202F inside a number;
//   - classifies +47 numbers by the Nkom plan (classifyNO) instead of
//     libphonenumber's metadata, which lists as mobile only the 4x blocks
//     already assigned (40, 41, 45-48) while N-02 accepts all of 4x and 9x;
//   - applies p to numbers from other countries, classified by
//     libphonenumber's GetNumberType.
func (p Policy) parseSlow(input string) (Number, error) {
	if strings.TrimSpace(input) == "" {
		return "", &Error{Reason: ReasonEmpty}
	}
	if len(input) > phonenumbers.MAX_INPUT_STRING_LENGTH {
		return "", &Error{Reason: ReasonTooLong}
	}
	if strings.IndexFunc(input, unicode.IsLetter) >= 0 {
		return "", &Error{Reason: ReasonInvalid}
	}
	num, err := phonenumbers.Parse(spacesToASCII(input), defaultRegion)
	if err != nil {
		return "", &Error{Reason: reasonForParseError(err)}
	}
	if num.GetExtension() != "" {
		return "", &Error{Reason: ReasonInvalid}
	}
	cc := int(num.GetCountryCode())
	if cc == 47 {
		nsn := phonenumbers.GetNationalSignificantNumber(num)
		if reason := classifyNO(nsn); reason != "" {
			return "", &Error{Reason: reason}
		}
		return Number("+47" + nsn), nil
	}
	if reason := p.checkForeign(num, cc); reason != "" {
		return "", &Error{Reason: reason}
	}
	return Number(phonenumbers.Format(num, phonenumbers.E164)), nil
}

// checkForeign returns "" if p accepts num, a parsed number with country
// calling code cc other than 47, or else why it is rejected.
func (p Policy) checkForeign(num *phonenumbers.PhoneNumber, cc int) Reason {
	if !p.allowsCountryCode(cc) {
		return ReasonForeign
	}
	if !phonenumbers.IsValidNumber(num) {
		switch phonenumbers.IsPossibleNumberWithReason(num) {
		case phonenumbers.TOO_SHORT:
			return ReasonTooShort
		case phonenumbers.TOO_LONG:
			return ReasonTooLong
		default:
			return ReasonInvalid
		}
	}
	// One calling code can serve several regions (+1: US, CA, …), so check
	// the region of the number itself too.
	if !p.allowsRegion(phonenumbers.GetRegionCodeForNumber(num)) {
		return ReasonForeign
	}
	switch phonenumbers.GetNumberType(num) {
	case phonenumbers.MOBILE, phonenumbers.FIXED_LINE_OR_MOBILE:
		return ""
	default:
		return ReasonNotMobile
	}
}

// allowsCountryCode reports whether any allowed region uses calling code cc.
func (p Policy) allowsCountryCode(cc int) bool {
	for _, r := range p.AllowedRegions {
		if phonenumbers.GetCountryCodeForRegion(strings.ToUpper(r)) == cc {
			return true
		}
	}
	return false
}

// allowsRegion reports whether region is one of p.AllowedRegions.
func (p Policy) allowsRegion(region string) bool {
	if region == "" {
		return false
	}
	for _, r := range p.AllowedRegions {
		if strings.EqualFold(r, region) {
			return true
		}
	}
	return false
}

// reasonForParseError maps a libphonenumber parse error to a Reason.
func reasonForParseError(err error) Reason {
	switch {
	case errors.Is(err, phonenumbers.ErrTooShortNSN), errors.Is(err, phonenumbers.ErrTooShortAfterIDD):
		return ReasonTooShort
	case errors.Is(err, phonenumbers.ErrNumTooLong):
		return ReasonTooLong
	default:
		return ReasonInvalid
	}
}

// spacesToASCII returns s with every Unicode white-space character replaced
// by U+0020. Other bytes, including invalid UTF-8, are kept as they are.
func spacesToASCII(s string) string {
	i := strings.IndexFunc(s, func(r rune) bool { return r != ' ' && unicode.IsSpace(r) })
	if i < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	b.WriteString(s[:i])
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		if unicode.IsSpace(r) {
			b.WriteByte(' ')
		} else {
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}
