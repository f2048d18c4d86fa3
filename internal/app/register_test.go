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
	for _, c := range []struct {
		err, want error
	}{
		{breachErr(breach.ErrInvalid), ErrInvalid},
		{breachErr(breach.ErrRefused), ErrRefused},
		{rightsErr(rights.ErrInvalid), ErrInvalid},
		{rightsErr(rights.ErrRefused), ErrRefused},
	} {
		if !errors.Is(c.err, c.want) {
			t.Errorf("%v: not %v", c.err, c.want)
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
