// SPDX-License-Identifier: AGPL-3.0-only

package controller

import (
	"errors"
	"testing"
)

func TestValidOrgNumber(t *testing.T) {
	for s, want := range map[string]bool{"923609016": true, "923 609 016": true, "923609017": false, "12345678": false,
		"92360901a": false, "974760673": true, "": false} {
		if got := ValidOrgNumber(s); got != want {
			t.Errorf("ValidOrgNumber(%q) = %v, want %v", s, got, want)
		}
	}
}

func TestCheck(t *testing.T) {
	if err := (Controller{Name: "Butikken AS", OrgNumber: "923609016", Email: "post@butikken.no",
		DPO: Contact{Email: "personvern@butikken.no"}}).Check(); err != nil {
		t.Errorf("a good controller: %v", err)
	}
	if err := (Controller{Name: "x"}).Check(); err != nil {
		t.Errorf("details left out are not malformed: %v", err)
	}
	for _, c := range []Controller{{OrgNumber: "123"}, {Email: "post"}, {DPO: Contact{Email: "Kari <k@x.no>"}}, {Phone: "sentralbordet"}} {
		if err := c.Check(); !errors.Is(err, ErrInvalid) {
			t.Errorf("Check(%+v) = %v", c, err)
		}
	}
}

// TestTelURI: the controller's number as a consent receipt gives it (L-04).
func TestTelURI(t *testing.T) {
	for in, want := range map[string]string{"+47 22 12 34 56": "tel:+4722123456", "22 12 34 56": "tel:+4722123456",
		"0046 8 123 456 78": "tel:+46812345678", "(+47) 22-12-34-56": "tel:+4722123456", "": "", "1234": "", "+47 sentralbord": ""} {
		got, ok := TelURI(in)
		if got != want || ok != (want != "") {
			t.Errorf("TelURI(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
}
