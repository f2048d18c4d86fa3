// SPDX-License-Identifier: AGPL-3.0-only

package phone_test

import (
	"testing"

	"github.com/samtykke/samtykke/internal/phone"
)

// TestMentions: every spelling of a number in free text is found; ordinary
// text with short numbers is not (invariant 4).
func TestMentions(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"sms fra 92111111", "ring +47 921 11 111 i dag", "tlf. 921-11-111", "0047 92111111",
		"(+47) 92 11 11 11", "4792111111", "nr 921.11.111", "9211-11-11"} {
		if !phone.Mentions(s) {
			t.Errorf("Mentions(%q) = false; want true", s)
		}
	}
	for _, s := range []string{"", "kunden ba om innsyn, sak 2026-114", "brev mottatt 12.11.2026", "kl 14 30 22 1",
		"order 1234567", "request from the customer by letter", "svar sendt 2026-11-12 og 1/2/2026"} {
		if phone.Mentions(s) {
			t.Errorf("Mentions(%q) = true; want false", s)
		}
	}
}
