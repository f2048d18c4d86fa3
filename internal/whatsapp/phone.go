// SPDX-License-Identifier: AGPL-3.0-only

package whatsapp

import "strings"

// MaskPhone renders a phone number or wa_id for logs: the country code and the
// first national digit, then stars, then the last two digits, e.g.
// "+4791234567" → "+479*****67". Anything with fewer than 6 digits becomes "***".
// A BSUID ("NO.…", §7) keeps only its country prefix: "NO.***"; any other
// input with letters becomes "***". Use it for every number that reaches a log
// line (STYLE D).
func MaskPhone(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i] | 0x20; c >= 'a' && c <= 'z' {
			if len(s) > 3 && s[2] == '.' {
				return s[:3] + "***"
			}
			return "***"
		}
	}
	d := Digits(s)
	if len(d) < 6 {
		return "***"
	}
	var b strings.Builder
	b.Grow(len(d) + 1)
	if strings.HasPrefix(strings.TrimSpace(s), "+") {
		b.WriteByte('+')
	}
	b.WriteString(d[:3])
	b.WriteString(strings.Repeat("*", len(d)-5))
	b.WriteString(d[len(d)-2:])
	return b.String()
}

// Digits returns the ASCII digits of s, dropping '+', spaces, hyphens,
// parentheses and anything else: the wa_id form of a phone number (§7).
func Digits(s string) string {
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			n++
		}
	}
	if n == len(s) {
		return s
	}
	b := make([]byte, 0, n)
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			b = append(b, s[i])
		}
	}
	return string(b)
}

// isE164 reports whether s is "+" followed by 7 to 15 digits, the first not 0.
func isE164(s string) bool {
	if len(s) < 8 || len(s) > 16 || s[0] != '+' || s[1] == '0' {
		return false
	}
	for i := 1; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
