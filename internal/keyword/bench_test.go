// SPDX-License-Identifier: AGPL-3.0-only

package keyword

import (
	"strings"
	"testing"
)

// BenchmarkClassify measures Classify on typical inbound messages: Classify
// runs on every one of them (K-01, K-06).
func BenchmarkClassify(b *testing.B) {
	m := defaultMatcher(b)
	inputs := []struct{ name, text string }{
		{"stopp", "STOPP"},
		{"stopp_emoji_takk", "🛑 Stopp takk!!!"},
		{"opt_in_code", "ja k7p2qx 👍"},
		{"question", "Når stopper bussen? Jeg står på holdeplassen."},
		{"phrase", "Kan dere slutte å sende? Ikke send mer takk"},
		{"english", "Hi, is this the end of the sale or will it continue next week?"},
		{"request", "Hei! Kan dere være så snill å slutte å sende meg reklame? Mvh Kari"},
		{"long_600", strings.Repeat("Hei, jeg lurer på om dere har flere sko i størrelse 42. ", 11)},
	}
	for _, in := range inputs {
		b.Run(in.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(in.text)))
			for b.Loop() {
				m.Classify(in.text)
			}
		})
	}
}
