// SPDX-License-Identifier: AGPL-3.0-only

package phone

import (
	"strings"
	"time"
)

// Mentions reports whether free text may hold a phone number: a run of 8 or
// more digits, with at most one space, dot, hyphen, slash or parenthesis
// between two of them and an optional leading +, that is not a date
// (12.11.2026, 2026-11-12). It errs on the side of finding one, for text
// that must never carry a number in clear (a reason in the access log).
func Mentions(text string) bool {
	var run strings.Builder
	digits, gap := 0, 0
	flush := func() bool {
		found := digits >= 8 && !isDate(strings.TrimRight(run.String(), " .-/()\u00a0"))
		run.Reset()
		digits, gap = 0, 0
		return found
	}
	for _, r := range text {
		switch {
		case r >= '0' && r <= '9':
			digits++
			gap = 0
			run.WriteRune(r)
		case digits > 0 && gap == 0 && strings.ContainsRune(" .-/()\u00a0", r):
			gap++
			run.WriteRune(r)
		default:
			if flush() {
				return true
			}
		}
	}
	return flush()
}

// isDate reports whether a run of digits is a calendar date as people write them.
func isDate(s string) bool {
	for _, layout := range []string{"2.1.2006", "02.01.2006", "2006-01-02", "2/1/2006", "02/01/2006", "2006.01.02"} {
		if d, err := time.Parse(layout, s); err == nil && d.Year() >= 1900 && d.Year() < 2200 {
			return true
		}
	}
	return false
}
