// SPDX-License-Identifier: AGPL-3.0-only

package web

import (
	"net/http"
	"strings"
	"testing"

	"github.com/samtykke/samtykke/internal/app"
	"github.com/samtykke/samtykke/internal/consent"
	"github.com/samtykke/samtykke/internal/store/storetest"
)

// TestPagesNameTheSetUpController: once the first run names the controller,
// every public page's header names it, not the configuration's name the
// server was started with (T-01: who the controller is, as it is now).
func TestPagesNameTheSetUpController(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		tb := setup(t, b)
		header := func(name string) string { return `<span class="business">` + name + `</span>` }
		paths := []string{"/optin", "/optout", "/privacy", "/rights"}
		for _, p := range paths {
			if r := tb.get(p); r.status != http.StatusOK || !strings.Contains(r.body, header("Butikken AS")) {
				t.Fatalf("GET %s before the setup = %d, header %q missing", p, r.status, header("Butikken AS"))
			}
		}
		if err := tb.app.Setup(tb.ctx, admin, app.SetupInput{Name: "Kiwi Majorstuen AS", OrgNumber: "974760673",
			Purpose: consent.Purpose{Key: "offers", Channel: consent.WhatsApp, Basis: consent.BasisConsent, RetentionDays: 365,
				Description: consent.Text{NB: "Tilbud", EN: "Offers"}}}); err != nil {
			t.Fatal(err)
		}
		for _, p := range paths {
			r := tb.get(p)
			if r.status != http.StatusOK || !strings.Contains(r.body, header("Kiwi Majorstuen AS")) || strings.Contains(r.body, "Butikken AS") {
				t.Errorf("GET %s after the setup = %d; want the header %q and no old name", p, r.status, header("Kiwi Majorstuen AS"))
			}
		}
	})
}
