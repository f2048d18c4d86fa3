// SPDX-License-Identifier: AGPL-3.0-only

package phone

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/nyaruka/phonenumbers"
)

// spellings are the ways a Norwegian mobile number is commonly written; all
// must parse to +4791234567, and all must take the fast path.
var spellings = []struct {
	name, input string
}{
	{"e164_spaced", "+47 912 34 567"},
	{"e164", "+4791234567"},
	{"idd_0047", "0047 91234567"},
	{"cc_no_plus", "4791234567"},
	{"cc_no_plus_pairs", "47 91 23 45 67"},
	{"national_spaced", "912 34 567"},
	{"national", "91234567"},
	{"national_dashed", "912-34-567"},
	{"parenthesized_cc", "(+47) 912 34 567"},
	{"tabs", "912\t34\t567"},
	{"nbsp", "912\u00a034\u00a0567"},
	{"dots", "912.34.567"},
	{"pairs_dashed", "91-23-45-67"},
	{"surrounding_space", "  +47 91234567 \n"},
	{"plus_space_cc", "+ 47 912 34 567"},
	{"parenthesized_cc_no_plus", "(47) 91234567"},
	{"idd_dashed", "00-47-912-34-567"},
}

func TestParseSpellings(t *testing.T) {
	t.Parallel()
	const want = Number("+4791234567")
	for _, tc := range spellings {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := Policy{}.Parse(tc.input)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if got.E164() != want.E164() {
				t.Errorf("Parse = %s, want %s", got.E164(), want.E164())
			}
			if _, _, ok := parseFast(tc.input); !ok {
				t.Errorf("spelling %q left the fast path", tc.name)
			}
			slow, err := Policy{}.parseSlow(tc.input)
			if err != nil || slow.E164() != want.E164() {
				t.Errorf("parseSlow = %s, %v; want %s", slow.E164(), err, want.E164())
			}
		})
	}
}

func TestParse(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		input  string
		want   Number // "" when rejected
		reason Reason
	}{
		// N-02 reference fixtures.
		{"N-02 41234567 mobile", "41234567", "+4741234567", ""},
		{"N-02 91234567 mobile", "91234567", "+4791234567", ""},
		{"N-02 22123456 landline", "22123456", "", ReasonLandline},
		{"N-02 59123456 M2M", "59123456", "", ReasonM2M},
		{"N-02 580012345678 M2M", "580012345678", "", ReasonM2M},
		{"N-02 82012345 premium", "82012345", "", ReasonSpecial},
		{"N-02 02000 short", "02000", "", ReasonShortCode},

		// The whole 4x and 9x series is mobile (N-02), including blocks that
		// libphonenumber's metadata does not list yet.
		{"mobile 40", "40000000", "+4740000000", ""},
		{"mobile 42 reserved block", "42123456", "+4742123456", ""},
		{"mobile 49 reserved block", "+47 49 99 99 99", "+4749999999", ""},
		{"mobile 99", "99999999", "+4799999999", ""},
		{"8 digits starting 47 is national", "47123456", "+4747123456", ""},
		{"47 prefix then 47 mobile", "4747123456", "+4747123456", ""},
		{"+47 then 47 mobile", "+47 47 12 34 56", "+4747123456", ""},

		// Landlines.
		{"landline 21 Oslo", "21 23 45 67", "", ReasonLandline},
		{"landline 3x", "+47 33 12 34 56", "", ReasonLandline},
		{"landline 5x", "55 12 34 56", "", ReasonLandline},
		{"landline 57", "57123456", "", ReasonLandline},
		{"landline 6x", "0047 61234567", "", ReasonLandline},
		{"landline 7x", "73123456", "", ReasonLandline},
		{"landline 79 Svalbard", "79 02 12 34", "", ReasonLandline},

		// M2M / IoT.
		{"M2M 58 plus 10 digits with +47", "+47 58 0012 345678", "", ReasonM2M},
		{"M2M 58 plus 10 digits with 47", "47580012345678", "", ReasonM2M},
		{"M2M 58 8 digits", "58123456", "", ReasonM2M},
		{"M2M 59", "+4759999999", "", ReasonM2M},

		// Special services.
		{"freephone 800", "800 12 345", "", ReasonSpecial},
		{"shared cost 810", "81012345", "", ReasonSpecial},
		{"special 815", "81512345", "", ReasonSpecial},
		{"premium 820", "+47 820 12 345", "", ReasonSpecial},
		{"premium 829", "82912345", "", ReasonSpecial},
		{"special 85x", "85012345", "", ReasonSpecial},

		// Short codes and short special numbers.
		{"short 113", "113", "", ReasonShortCode},
		{"short 1881", "1881", "", ReasonShortCode},
		{"short 116117", "116117", "", ReasonShortCode},
		{"short 09999", "09999", "", ReasonShortCode},
		{"SMS short code 2222", "2222", "", ReasonShortCode},
		{"SMS short code 26112", "26112", "", ReasonShortCode},
		{"short with +47", "+47 1881", "", ReasonShortCode},
		{"short 470dddd is +47 0dddd", "4702345", "", ReasonShortCode},

		// Lengths.
		{"7 digits", "9123456", "", ReasonTooShort},
		{"9 digits", "912345678", "", ReasonTooLong},
		{"trunk zero", "0 912 34 567", "", ReasonTooLong},
		{"47 plus 7 digits", "479123456", "", ReasonTooShort},
		{"+47 plus 2 digits", "+47 12", "", ReasonTooShort},
		{"+47 plus 1 digit", "+471", "", ReasonTooShort},
		{"two digits", "12", "", ReasonTooShort},
		{"IDD only", "0047", "", ReasonTooShort},
		{"too many digits", "123456789012345678901", "", ReasonTooLong},
		{"input too long", strings.Repeat("9", 300), "", ReasonTooLong},
		{"8 digits starting 1", "12345678", "", ReasonInvalid},
		{"8 digits starting 0", "+47 0123 4567", "", ReasonInvalid},

		// Not numbers.
		{"empty", "", "", ReasonEmpty},
		{"blank", " \t\u00a0\u2003\n", "", ReasonEmpty},
		{"punctuation only", "(-)", "", ReasonInvalid},
		{"one digit", "9", "", ReasonInvalid},
		{"letters", "ring meg", "", ReasonInvalid},
		{"keypad letters", "+47 9ABCDEFG", "", ReasonInvalid},
		{"extension", "+47 912 34 567 ext 12", "", ReasonInvalid},
		{"extension without letters", "91234567,,12", "", ReasonInvalid},
		{"unknown country code", "+999 123 456 789", "", ReasonInvalid},
		{"plus in the middle", "912+34567", "", ReasonInvalid},
		{"underscore", "912_34_567", "", ReasonInvalid},

		// Odd but harmless spellings that only libphonenumber handles.
		{"slashes", "912/34/567", "+4791234567", ""},
		{"narrow no-break space", "912\u202f34\u202f567", "+4791234567", ""},
		{"fullwidth digits", "９１２３４５６７", "+4791234567", ""},
		{"arabic-indic digits", "٩١٢٣٤٥٦٧", "+4791234567", ""},
		{"excel apostrophe", "'91234567", "+4791234567", ""},
		{"double plus", "++47 91234567", "+4791234567", ""},
		{"plus then IDD", "+0047 91234567", "+4791234567", ""},
		{"en dash", "912–34–567", "+4791234567", ""},

		// Foreign numbers under the default policy (N-04).
		{"Swedish mobile", "+46 70 123 45 67", "", ReasonForeign},
		{"Swedish mobile via IDD", "0046 70 123 45 67", "", ReasonForeign},
		{"US number", "+1 212 555 0123", "", ReasonForeign},
		{"UK mobile", "+44 7400 123456", "", ReasonForeign},
		{"foreign garbage", "+46 12", "", ReasonForeign},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := Policy{}.Parse(tc.input)
			checkResult(t, got, err, tc.want, tc.reason)
			slow, err := Policy{}.parseSlow(tc.input)
			checkResult(t, slow, err, tc.want, tc.reason)
		})
	}
}

// checkResult fails t unless (got, err) is want or a rejection for reason.
func checkResult(t *testing.T, got Number, err error, want Number, reason Reason) {
	t.Helper()
	if reason == "" {
		if err != nil {
			t.Fatalf("got error %v, want %s", err, want.E164())
		}
		if got.E164() != want.E164() {
			t.Fatalf("got %s, want %s", got.E164(), want.E164())
		}
		return
	}
	if err == nil {
		t.Fatalf("got %s, want rejection %q", got.E164(), reason)
	}
	if got != "" {
		t.Errorf("got %s together with error %v", got.E164(), err)
	}
	var pe *Error
	if !errors.As(err, &pe) {
		t.Fatalf("error %T is not *Error", err)
	}
	if pe.Reason != reason {
		t.Errorf("reason %q, want %q", pe.Reason, reason)
	}
	if !errors.Is(err, reason) {
		t.Errorf("errors.Is(err, %q) = false", reason)
	}
}

func TestParseForeignPolicy(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		allowed []string
		input   string
		want    Number
		reason  Reason
	}{
		{"SE mobile allowed", []string{"SE"}, "+46 70 123 45 67", "+46701234567", ""},
		{"SE mobile via IDD", []string{"SE"}, "0046701234567", "+46701234567", ""},
		{"region is case-insensitive", []string{"se"}, "+46 70 123 45 67", "+46701234567", ""},
		{"SE landline", []string{"SE"}, "+46 8 123 456 78", "", ReasonNotMobile},
		{"SE invalid", []string{"SE"}, "+46 12", "", ReasonTooShort},
		{"SE national spelling is read as Norwegian", []string{"SE"}, "070 123 45 67", "", ReasonTooLong},
		{"DK not allowed", []string{"SE"}, "+45 20 12 34 56", "", ReasonForeign},
		{"Norway still by plan", []string{"SE"}, "91234567", "+4791234567", ""},
		{"Norwegian landline still rejected", []string{"SE", "NO"}, "22123456", "", ReasonLandline},
		{"US fixed-or-mobile accepted", []string{"US"}, "+1 212 555 0123", "+12125550123", ""},
		{"CA number with only US allowed", []string{"US"}, "+1 416 555 0123", "", ReasonForeign},
		{"UK mobile", []string{"GB"}, "+44 7400 123456", "+447400123456", ""},
		{"UK freephone", []string{"GB"}, "+44 800 123 4567", "", ReasonNotMobile},
		{"empty region entry", []string{""}, "+46 70 123 45 67", "", ReasonForeign},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := Policy{AllowedRegions: tc.allowed}
			got, err := p.Parse(tc.input)
			checkResult(t, got, err, tc.want, tc.reason)
			if err == nil {
				again, err := p.Parse(got.E164())
				if err != nil || again != got {
					t.Errorf("round trip: Parse(E164()) = %s, %v", again.E164(), err)
				}
			}
		})
	}
}

// digitRun matches five or more consecutive ASCII digits.
var digitRun = regexp.MustCompile(`[0-9]{5,}`)

// TestErrorsNeverContainInput checks every text an error can produce for
// runs of five or more digits: none may appear, whatever the input was.
func TestErrorsNeverContainInput(t *testing.T) {
	t.Parallel()
	inputs := []string{
		"22123456", "59123456", "580012345678", "82012345", "02000", "116117",
		"9123456", "912345678", "+46 70 123 45 67", "+46 8 123 456 78",
		"+1 212 555 0123", "+47 9ABCDEFG", "91234567,,12345", "+999 123 456 789",
		strings.Repeat("1", 300), "1234567890123456789012",
	}
	policies := []Policy{{}, {AllowedRegions: []string{"DK", "GB"}}}
	for _, in := range inputs {
		for _, p := range policies {
			t.Run(fmt.Sprintf("%v/%.20s", p.AllowedRegions, in), func(t *testing.T) {
				t.Parallel()
				_, err := p.Parse(in)
				if err == nil {
					t.Fatal("accepted; this test needs rejected inputs")
				}
				var pe *Error
				if !errors.As(err, &pe) {
					t.Fatalf("error %T is not *Error", err)
				}
				texts := []string{
					err.Error(), fmt.Sprint(err), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err),
					pe.Reason.Message("nb"), pe.Reason.Message("en"), string(pe.Reason),
				}
				for _, text := range texts {
					if digitRun.MatchString(text) {
						t.Errorf("error text %q contains a run of digits", text)
					}
				}
			})
		}
	}
}

func TestMustParse(t *testing.T) {
	t.Parallel()
	if got := MustParse("912 34 567"); got.E164() != "+4791234567" {
		t.Errorf("MustParse = %s", got.E164())
	}
	defer func() {
		r := recover()
		if r == nil {
			t.Fatal("MustParse did not panic on a landline")
		}
		if msg := fmt.Sprint(r); strings.Contains(msg, "22123456") {
			t.Errorf("panic message %q contains the input", msg)
		}
	}()
	MustParse("22123456")
}

// TestNorwegianPlanAgainstLibphonenumber compares classifyNO, which follows
// the Nkom plan, with libphonenumber's metadata for one 8-digit number in
// every 4-digit prefix. The only disagreement allowed is the set of 4x
// blocks that Nkom reserves for mobile but libphonenumber does not list;
// anything else means the metadata changed and the plan needs a look.
func TestNorwegianPlanAgainstLibphonenumber(t *testing.T) {
	t.Parallel()
	reserved := regexp.MustCompile(`^4[2349]`)
	for prefix := range 10000 {
		nsn := fmt.Sprintf("%04d5678", prefix)
		num, err := phonenumbers.Parse("+47"+nsn, defaultRegion)
		if err != nil {
			t.Fatalf("libphonenumber cannot parse %s: %v", nsn, err)
		}
		if got := phonenumbers.GetNationalSignificantNumber(num); got != nsn {
			t.Fatalf("national number of %s is %s", nsn, got)
		}
		reason := classifyNO(nsn)
		typ := phonenumbers.GetNumberType(num)
		valid := phonenumbers.IsValidNumber(num)
		switch {
		case typ == phonenumbers.MOBILE:
			if reason != "" {
				t.Errorf("%.4s…: libphonenumber says mobile, plan says %q", nsn, reason)
			}
		case reason == "":
			if valid || !reserved.MatchString(nsn) {
				t.Errorf("%.4s…: plan says mobile, libphonenumber says type %v valid %v", nsn, typ, valid)
			}
		case typ == phonenumbers.FIXED_LINE:
			if reason != ReasonLandline {
				t.Errorf("%.4s…: libphonenumber says fixed line, plan says %q", nsn, reason)
			}
		case valid:
			// Every other valid 8-digit type is a special service number.
			if reason != ReasonSpecial {
				t.Errorf("%.4s…: libphonenumber says type %v, plan says %q", nsn, typ, reason)
			}
		}
	}
}
