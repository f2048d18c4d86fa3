// SPDX-License-Identifier: AGPL-3.0-only

package app

import (
	"errors"
	"testing"

	"github.com/samtykke/samtykke/internal/breach"
	"github.com/samtykke/samtykke/internal/rights"
)

// TestRegisterErr checks that a register's rule errors become the app's
// (bad input, refused) and keep their cause (Art. 33(5), T-01).
func TestRegisterErr(t *testing.T) {
	cases := map[string][2]error{
		"breach invalid": {breachErr(breach.ErrInvalid), ErrInvalid},
		"breach refused": {breachErr(breach.ErrRefused), ErrRefused},
		"rights invalid": {rightsErr(rights.ErrInvalid), ErrInvalid},
		"rights refused": {rightsErr(rights.ErrRefused), ErrRefused},
	}
	for name, c := range cases {
		if !errors.Is(c[0], c[1]) {
			t.Errorf("%s: %v is not %v", name, c[0], c[1])
		}
	}
	other := errors.New("disk")
	if got := rightsErr(other); got != other {
		t.Errorf("an error of no rule became %v", got)
	}
	if !errors.Is(breachErr(breach.ErrInvalid), breach.ErrInvalid) {
		t.Error("the cause is lost")
	}
}
