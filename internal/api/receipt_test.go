// SPDX-License-Identifier: AGPL-3.0-only

package api_test

import (
	"net/http"
	"testing"

	"github.com/samtykke/samtykke/internal/staff"
	"github.com/samtykke/samtykke/internal/store/storetest"
)

// TestConsentReceiptNotSetUp: before the controller's address, e-mail and
// phone are configured, a receipt cannot be made (it must name them): 503
// not_set_up, as the OpenAPI document says (L-04).
func TestConsentReceiptNotSetUp(t *testing.T) {
	t.Parallel()
	tb := setup(t, storetest.SQLite)
	tb.seed()
	st, rec := tb.do(staff.Integrator, "POST", "/api/v1/consents", consentBody("+47 912 34 567"))
	if st != http.StatusCreated {
		t.Fatalf("record consent: %d %v", st, rec)
	}
	c := newOpenAPICheck(t, tb)
	body := c.call(request{role: staff.DPO, method: "GET", path: "/api/v1/consents/" + rec["event_id"].(string) + "/receipt"}, 503)
	if errCode(body) != "not_set_up" {
		t.Fatalf("receipt without the controller's details: %v; want not_set_up", body)
	}
}
