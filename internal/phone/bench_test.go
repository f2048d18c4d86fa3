// SPDX-License-Identifier: AGPL-3.0-only

package phone

import "testing"

// BenchmarkParse compares the fast path (Parse) with the libphonenumber path
// (parseSlow) on the same inputs, so that the speed-up shows as a ratio
// within one run: compare BenchmarkParse/fast/X with
// BenchmarkParse/libphonenumber/X.
func BenchmarkParse(b *testing.B) {
	inputs := []struct{ name, input string }{
		{"e164", "+4791234567"},
		{"e164_spaced", "+47 912 34 567"},
		{"idd_0047", "0047 91234567"},
		{"cc_no_plus", "4791234567"},
		{"national", "91234567"},
		{"national_dashed", "912-34-567"},
		{"parenthesized_cc", "(+47) 912 34 567"},
		{"landline", "22 12 34 56"},
	}
	paths := []struct {
		name  string
		parse func(string) (Number, error)
	}{
		{"fast", Policy{}.Parse},
		{"libphonenumber", Policy{}.parseSlow},
	}
	for _, path := range paths {
		for _, in := range inputs {
			b.Run(path.name+"/"+in.name, func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					_, _ = path.parse(in.input)
				}
			})
		}
	}
}
