// SPDX-License-Identifier: AGPL-3.0-only

package optin_test

import (
	"bytes"
	"crypto/sha256"
	"strings"
	"testing"
	"time"

	"github.com/samtykke/samtykke/internal/optin"
)

// alphabet is the code alphabet as the package documents it: digits and
// upper-case letters without the confusable 0/O and 1/I/L.
const (
	digits   = "23456789"
	letters  = "ABCDEFGHJKMNPQRSTUVWXYZ"
	alphabet = digits + letters
)

func TestNewCode(t *testing.T) {
	t.Parallel()
	const n = 10_000
	codes := make([]string, n)
	for i := range codes {
		codes[i] = optin.NewCode()
	}

	t.Run("six characters of the alphabet, with a digit and a letter", func(t *testing.T) {
		t.Parallel()
		for _, c := range codes {
			if len(c) != 6 {
				t.Fatalf("code %q has %d characters, want 6", c, len(c))
			}
			if strings.Trim(c, alphabet) != "" {
				t.Fatalf("code %q has characters outside %s", c, alphabet)
			}
			if strings.ContainsAny(c, "0O1IL") {
				t.Fatalf("code %q has a confusable character", c)
			}
			if !strings.ContainsAny(c, digits) || !strings.ContainsAny(c, letters) {
				t.Fatalf("code %q lacks a digit or a letter", c)
			}
		}
	})

	t.Run("mostly unique", func(t *testing.T) {
		t.Parallel()
		// The space is 31^6 - 8^6 - 23^6 ≈ 7.4e8 codes; 10,000 codes give
		// about n²/2N ≈ 0.07 expected collisions, so 3 or more means the
		// codes are not random enough.
		seen := make(map[string]bool, n)
		dup := 0
		for _, c := range codes {
			if seen[c] {
				dup++
			}
			seen[c] = true
		}
		if dup >= 3 {
			t.Errorf("%d collisions among %d codes, want fewer than 3", dup, n)
		}
	})

	t.Run("every character of the alphabet is used", func(t *testing.T) {
		t.Parallel()
		// 60,000 characters, about 1,900 of each: none may be missing or
		// rare, and each position varies.
		count := map[rune]int{}
		for _, c := range codes {
			for _, r := range c {
				count[r]++
			}
		}
		for _, r := range alphabet {
			if count[r] < 1000 {
				t.Errorf("%q appears %d times in %d codes, want about %d", r, count[r], n, 6*n/len(alphabet))
			}
		}
		for pos := range 6 {
			firsts := map[byte]bool{}
			for _, c := range codes {
				firsts[c[pos]] = true
			}
			if len(firsts) != len(alphabet) {
				t.Errorf("position %d takes %d distinct characters, want %d", pos, len(firsts), len(alphabet))
			}
		}
	})
}

func TestHashCode(t *testing.T) {
	t.Parallel()
	base := optin.HashCode("AB12CD")
	if len(base) != sha256.Size {
		t.Fatalf("HashCode gives %d bytes, want %d", len(base), sha256.Size)
	}
	// The code itself is never kept: the stored hash is not the bare SHA-256
	// of the code either, which anyone could look up in a table of 31^6.
	if bare := sha256.Sum256([]byte("AB12CD")); bytes.Equal(base, bare[:]) {
		t.Errorf("HashCode is the bare SHA-256 of the code")
	}
	tests := []struct {
		name string
		code string
		same bool
	}{
		{"the same code", "AB12CD", true},
		{"lower case, as people type it", "ab12cd", true},
		{"mixed case", "aB12Cd", true},
		{"spaces around", "  AB12CD ", true},
		{"a newline and a tab around", "\tab12cd\n", true},
		{"one character differs", "AB12CE", false},
		{"one character more", "AB12CDE", false},
		{"one character less", "AB12C", false},
		{"the characters swapped", "BA12CD", false},
		{"empty", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := bytes.Equal(optin.HashCode(tt.code), base); got != tt.same {
				t.Errorf("HashCode(%q) == HashCode(%q) is %v, want %v", tt.code, "AB12CD", got, tt.same)
			}
		})
	}

	t.Run("different codes give different hashes", func(t *testing.T) {
		t.Parallel()
		seen := map[string]string{}
		for range 1000 {
			c := optin.NewCode()
			h := string(optin.HashCode(c))
			if prev, ok := seen[h]; ok && prev != c {
				t.Fatalf("codes %q and %q share a hash", prev, c)
			}
			seen[h] = c
		}
	})
}

func TestDefaultTTL(t *testing.T) {
	t.Parallel()
	// RT-07: unconfirmed double opt-in requests expire quickly, after 72 hours.
	if optin.DefaultTTL != 72*time.Hour {
		t.Errorf("DefaultTTL = %v, want 72h (RT-07)", optin.DefaultTTL)
	}
}
