// SPDX-License-Identifier: AGPL-3.0-only

package phone

import (
	"errors"
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"
)

// fuzzSeeds seeds both fuzz targets: every spelling of a mobile number, the
// N-02 fixtures and the other Norwegian ranges, foreign numbers and garbage.
func fuzzSeeds() []string {
	seeds := []string{
		// N-02 fixtures and the Nkom ranges.
		"41234567", "91234567", "22123456", "59123456", "580012345678", "82012345", "02000",
		"40000000", "42123456", "49999999", "47123456", "4747123456", "+4747123456",
		"21234567", "33123456", "51234567", "57123456", "58123456", "61234567", "79021234",
		"80012345", "81012345", "81512345", "82912345", "85012345", "88012345",
		"47580012345678", "+47 58 0012 345678", "0047580012345678",
		"113", "1881", "116117", "116000", "1800", "190", "02000", "09999", "2222", "26112",
		"4702345", "470", "4712345", "479123456", "47912345678", "4701234567",
		"9123456", "912345678", "0 912 34 567", "12345678", "+47 0123 4567",
		"+47", "+471", "+4712", "0047", "00471", "004712", "000047 91234567", "0091234567",
		"12", "1 2", "9", "00", "+", "++47 91234567", "+0047 91234567", "+47 +47 91234567",
		// Foreign numbers.
		"+46 70 123 45 67", "0046701234567", "+46 8 123 456 78", "070 123 45 67",
		"+1 212 555 0123", "+1 416 555 0123", "+44 7400 123456", "+44 800 123 4567",
		"+45 20 12 34 56", "+358 40 1234567", "+39 06 1234 5678", "+999 123 456 789",
		"+46 12",
		// Odd punctuation, other scripts, letters and garbage.
		"912/34/567", "912_34_567", "912+34567", "9123*4567", "#31#91234567", "'91234567",
		"912\u202f34\u202f567", "912\u200b34567", "912–34–567", "９１２３４５６７", "٩١٢٣٤٥٦٧",
		"+47 9ABCDEFG", "+47 912 34 567 ext 12", "91234567,,12", "91234567;ext=1",
		"tel:+47-912-34-567", "mob: 912 34 567", "ring meg", "", " ", "\t\n", "\u00a0",
		"(-)", "()", "---", "\x00", "\xff91234567", "\xc2", "9\xc2", "\xc2\xa0",
		"91234567\x00", strings.Repeat("9", 251), strings.Repeat(" ", 300) + "91234567",
	}
	for _, s := range spellings {
		seeds = append(seeds, s.input)
	}
	return seeds
}

// fuzzPolicies are the policies both fuzz targets run every input under.
var fuzzPolicies = []Policy{{}, {AllowedRegions: []string{"SE", "DK", "GB", "US"}}}

// norwegianMobile is what every number accepted by the zero Policy must look
// like (N-01, N-02).
var norwegianMobile = regexp.MustCompile(`^\+47[49][0-9]{7}$`)

// FuzzParseAgreesWithLibphonenumber checks that the fast path gives the same
// answer as the libphonenumber path: accept or reject, the same E.164 form,
// and the same reason.
func FuzzParseAgreesWithLibphonenumber(f *testing.F) {
	for _, s := range fuzzSeeds() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, input string) {
		fast, reason, ok := parseFast(input)
		if !ok {
			return
		}
		for _, p := range fuzzPolicies {
			slow, err := p.parseSlow(input)
			var slowReason Reason
			if err != nil {
				var pe *Error
				if !errors.As(err, &pe) {
					t.Fatalf("parseSlow error %T is not *Error", err)
				}
				slowReason = pe.Reason
			}
			if fast != slow || reason != slowReason {
				t.Fatalf("policy %v, input %q: fast path = (%q, %q), libphonenumber path = (%q, %q)",
					p.AllowedRegions, input, fast.E164(), string(reason), slow.E164(), string(slowReason))
			}
		}
	})
}

// FuzzParse checks that Parse never panics, that accepted numbers are
// Norwegian mobiles under the zero Policy and round-trip through E164, and
// that neither errors nor masked numbers leak the input.
func FuzzParse(f *testing.F) {
	for _, s := range fuzzSeeds() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, input string) {
		for i, p := range fuzzPolicies {
			n, err := p.Parse(input)
			if err != nil {
				var pe *Error
				if !errors.As(err, &pe) {
					t.Fatalf("error %T is not *Error", err)
				}
				if n != "" {
					t.Fatalf("Parse(%q) returned %q and an error", input, n.E164())
				}
				for _, text := range []string{err.Error(), pe.Reason.Message("nb"), pe.Reason.Message("en")} {
					if digitRun.MatchString(text) {
						t.Fatalf("error text %q contains a run of digits", text)
					}
				}
				continue
			}
			if i == 0 && !norwegianMobile.MatchString(n.E164()) {
				t.Fatalf("Parse(%q) = %q, not a Norwegian mobile number", input, n.E164())
			}
			again, err := p.Parse(n.E164())
			if err != nil || again != n {
				t.Fatalf("Parse(%q) = %q, but Parse(%q) = %q, %v", input, n.E164(), n.E164(), again.E164(), err)
			}
			national := n.National()
			if len(national) < 4 || n.CountryCode() == 0 {
				t.Fatalf("Parse(%q) = %q: National %q, CountryCode %d", input, n.E164(), national, n.CountryCode())
			}
			if strings.Contains(n.Masked(), national[1:len(national)-2]) {
				t.Fatalf("Masked() = %q reveals %q", n.Masked(), n.E164())
			}
		}
	})
}

// TestFastPathAgreesOnItsGrammar is a deterministic complement to
// FuzzParseAgreesWithLibphonenumber: it generates inputs from the fast
// path's own alphabet (digits, separators, prefixes), which random byte
// mutation reaches only slowly, and compares both paths on each.
func TestFastPathAgreesOnItsGrammar(t *testing.T) {
	t.Parallel()
	n := 20000
	if testing.Short() {
		n = 2000
	}
	prefixes := []string{
		"", "", "", "+", "+47", "+47 ", "+ 47 ", "(+47) ", "0047", "0047 ", "00 47 ", "47", "47 ",
		"(47)", "00", "000", "0", "+46 ", "+4", "4", "9", "+470", "470", "4747",
	}
	seps := []string{"", "", "", "", " ", " ", "-", ".", "\t", "\u00a0", "(", ")", "\n"}
	rng := rand.New(rand.NewPCG(47, 91234567))
	handled := 0
	var b strings.Builder
	for range n {
		b.Reset()
		b.WriteString(seps[rng.IntN(len(seps))])
		b.WriteString(prefixes[rng.IntN(len(prefixes))])
		for range rng.IntN(16) {
			b.WriteByte(byte('0' + rng.IntN(10)))
			b.WriteString(seps[rng.IntN(len(seps))])
		}
		input := b.String()
		fast, reason, ok := parseFast(input)
		if !ok {
			continue
		}
		handled++
		for _, p := range fuzzPolicies {
			slow, err := p.parseSlow(input)
			var slowReason Reason
			var pe *Error
			if errors.As(err, &pe) {
				slowReason = pe.Reason
			}
			if fast != slow || reason != slowReason {
				t.Errorf("input %q: fast path = (%q, %q), libphonenumber path = (%q, %q)",
					input, fast.E164(), string(reason), slow.E164(), string(slowReason))
			}
		}
	}
	if handled < n/2 {
		t.Errorf("the fast path handled only %d of %d generated inputs", handled, n)
	}
}
