// SPDX-License-Identifier: AGPL-3.0-only

package phone

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

func TestNumberParts(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		n        Number
		masked   string
		national string
		cc       int
	}{
		{"Norwegian mobile", "+4791234567", "+47 9** ** *67", "91234567", 47},
		{"Norwegian mobile 4x", "+4741234567", "+47 4** ** *67", "41234567", 47},
		{"Swedish mobile", "+46701234567", "+46 7** *** *67", "701234567", 46},
		{"US number", "+12125550123", "+1 2** *** ** 23", "2125550123", 1},
		{"UK mobile", "+447400123456", "+44 7** *** ** 56", "7400123456", 44},
		{"3-digit calling code", "+3584012345678", "+358 4** *** ** 78", "4012345678", 358},
		{"short national number is fully masked", "+47123", "+47 ***", "123", 47},
		{"4-digit national number", "+471234", "+47 1* 34", "1234", 47},
		{"7-digit national number", "+3721234567", "+372 1** ** 67", "1234567", 372},
		{"zero value", "", "", "", 0},
		{"no plus", "4791234567", invalidMask, "", 0},
		{"letters", "+47ABCDEFGH", invalidMask, "", 0},
		{"unknown calling code", "+999123456", invalidMask, "", 0},
		{"calling code only", "+47", invalidMask, "", 0},
		{"leading zero", "+0123456", invalidMask, "", 0},
		{"too long", "+47123456789012345678901", invalidMask, "", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := tc.n.Masked(); got != tc.masked {
				t.Errorf("Masked = %q, want %q", got, tc.masked)
			}
			if got := tc.n.String(); got != tc.masked {
				t.Errorf("String = %q, want %q", got, tc.masked)
			}
			if got := tc.n.National(); got != tc.national {
				t.Errorf("National = %q, want %q", got, tc.national)
			}
			if got := tc.n.CountryCode(); got != tc.cc {
				t.Errorf("CountryCode = %d, want %d", got, tc.cc)
			}
			if got := tc.n.E164(); got != string(tc.n) {
				t.Errorf("E164 = %q, want %q", got, string(tc.n))
			}
		})
	}
}

// TestNumberNeverPrintsInClear prints a number every way fmt and slog allow
// and checks that the national number never shows.
func TestNumberNeverPrintsInClear(t *testing.T) {
	t.Parallel()
	n := MustParse("912 34 567")
	const clear = "1234567" // the national number minus its first digit
	const masked = "+47 9** ** *67"
	formats := []struct {
		name, format string
		want         string
	}{
		{"v", "%v", masked},
		{"s", "%s", masked},
		{"q", "%q", `"` + masked + `"`},
		{"x", "%x", masked},
		{"X", "%X", masked},
		{"d", "%d", masked},
		{"plus v", "%+v", masked},
		{"sharp v", "%#v", `phone.Number("` + masked + `")`},
		{"width", "%16s", "  " + masked},
		{"left width", "%-16s|", masked + "  |"},
		{"pointer", "%v", ""},
		{"in slice", "%v", "[" + masked + "]"},
		{"in struct", "%+v", "{Phone:" + masked + "}"},
	}
	for _, tc := range formats {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var arg any = n
			switch tc.name {
			case "pointer":
				arg = &n
			case "in slice":
				arg = []Number{n}
			case "in struct":
				arg = struct{ Phone Number }{n}
			}
			got := fmt.Sprintf(tc.format, arg)
			if strings.Contains(got, clear) {
				t.Errorf("Sprintf(%q) = %q reveals the number", tc.format, got)
			}
			if tc.want != "" && got != tc.want {
				t.Errorf("Sprintf(%q) = %q, want %q", tc.format, got, tc.want)
			}
		})
	}

	handlers := []struct {
		name string
		new  func(*bytes.Buffer) slog.Handler
	}{
		{"text", func(b *bytes.Buffer) slog.Handler { return slog.NewTextHandler(b, nil) }},
		{"json", func(b *bytes.Buffer) slog.Handler { return slog.NewJSONHandler(b, nil) }},
	}
	for _, h := range handlers {
		t.Run("slog "+h.name, func(t *testing.T) {
			t.Parallel()
			var buf bytes.Buffer
			logger := slog.New(h.new(&buf))
			logger.Info("sent", "phone", n, slog.Any("any", n), slog.Group("g", "phone", n))
			logger.With("phone", n).Info("with")
			out := buf.String()
			if strings.Contains(out, clear) {
				t.Errorf("log output reveals the number: %s", out)
			}
			if strings.Count(out, masked) != 4 {
				t.Errorf("log output has %d masked numbers, want 4: %s", strings.Count(out, masked), out)
			}
		})
	}

	t.Run("error wrapping", func(t *testing.T) {
		t.Parallel()
		err := fmt.Errorf("send to %v failed", n)
		if strings.Contains(err.Error(), clear) {
			t.Errorf("wrapped error reveals the number: %v", err)
		}
	})

	// JSON encoding is deliberately not redacted: API and storage code encode
	// numbers on purpose. This documents the behaviour.
	t.Run("json is clear", func(t *testing.T) {
		t.Parallel()
		b, err := json.Marshal(n)
		if err != nil {
			t.Fatal(err)
		}
		if string(b) != `"+4791234567"` {
			t.Errorf("json.Marshal = %s", b)
		}
	})
}
