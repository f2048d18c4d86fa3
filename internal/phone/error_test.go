// SPDX-License-Identifier: AGPL-3.0-only

package phone

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// allReasons lists every Reason constant.
var allReasons = []Reason{
	ReasonEmpty, ReasonInvalid, ReasonTooShort, ReasonTooLong, ReasonLandline,
	ReasonM2M, ReasonSpecial, ReasonShortCode, ReasonForeign, ReasonNotMobile,
}

func TestReasonMessages(t *testing.T) {
	t.Parallel()
	seen := map[string]Reason{}
	for _, r := range allReasons {
		t.Run(string(r), func(t *testing.T) {
			t.Parallel()
			nb, en := r.Message("nb"), r.Message("en")
			if nb == "" || en == "" || nb == en {
				t.Errorf("Message(nb) = %q, Message(en) = %q", nb, en)
			}
			if got := r.Message("nb-NO"); got != nb {
				t.Errorf("Message(nb-NO) = %q, want bokmål", got)
			}
			if got := r.Message("no"); got != nb {
				t.Errorf("Message(no) = %q, want bokmål", got)
			}
			if got := r.Message("de"); got != en {
				t.Errorf("Message(de) = %q, want English", got)
			}
			if got := r.Message(""); got != en {
				t.Errorf("Message(\"\") = %q, want English", got)
			}
			if !strings.HasPrefix(r.Error(), "phone: ") || r.Error() == "phone: rejected number" {
				t.Errorf("Error() = %q", r.Error())
			}
		})
		for _, text := range []string{r.Message("nb"), r.Message("en"), r.Error()} {
			if other, dup := seen[text]; dup {
				t.Errorf("reasons %q and %q share the text %q", r, other, text)
			}
			seen[text] = r
		}
	}
	if got := Reason("landline").Message("nb"); got != "Nummeret er et fasttelefonnummer; vi tar bare imot norske mobilnumre." {
		t.Errorf("landline bokmål message = %q", got)
	}
	if got := Reason("unknown").Message("nb"); got != ReasonInvalid.Message("nb") {
		t.Errorf("unknown reason message = %q", got)
	}
}

func TestErrorIs(t *testing.T) {
	t.Parallel()
	err := fmt.Errorf("import row: %w", &Error{Reason: ReasonLandline})
	tests := []struct {
		name   string
		target error
		want   bool
	}{
		{"same reason", ReasonLandline, true},
		{"other reason", ReasonNotMobile, false},
		{"same *Error", &Error{Reason: ReasonLandline}, true},
		{"other *Error", &Error{Reason: ReasonM2M}, false},
		{"nil *Error", (*Error)(nil), false},
		{"unrelated", errors.New("landline"), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := errors.Is(err, tc.target); got != tc.want {
				t.Errorf("errors.Is = %v, want %v", got, tc.want)
			}
		})
	}
	var pe *Error
	if !errors.As(err, &pe) || pe.Reason != ReasonLandline {
		t.Errorf("errors.As: %v, %+v", errors.As(err, &pe), pe)
	}
	if got, want := err.Error(), "import row: phone: landline number, not a mobile number"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}
