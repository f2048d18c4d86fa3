// SPDX-License-Identifier: AGPL-3.0-only

package api_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/samtykke/samtykke/internal/staff"
	"github.com/samtykke/samtykke/internal/store/storetest"
)

// TestRestrictionThroughTheAPI: R-06: a restriction set through the API
// shows on the contact, makes the gate endpoint refuse with "restricted",
// and lifting it restores the same decision as before; the history lists
// both changes, and no answer holds the number.
func TestRestrictionThroughTheAPI(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		tb := setup(t, b)
		tb.seed()
		st, out := tb.do(staff.Integrator, "POST", "/api/v1/consents", consentBody("+47 912 34 567"))
		if st != http.StatusCreated {
			t.Fatalf("record consent: %d %v", st, out)
		}
		id, event := out["contact_id"].(string), out["event_id"].(string)
		gate := func() map[string]any {
			t.Helper()
			st, out := tb.do(staff.Marketer, "GET", "/api/v1/gate?contact_id="+id+"&purpose=offers", nil)
			if st != http.StatusOK {
				t.Fatalf("gate: %d %v", st, out)
			}
			return out
		}
		restricted := func() bool {
			t.Helper()
			_, out := tb.do(staff.Admin, "GET", "/api/v1/contacts/"+id, nil)
			return out["restricted"] == true
		}
		if g := gate(); g["allowed"] != true || g["consent_event_id"] != event || restricted() {
			t.Fatalf("before: gate %v", g)
		}
		if st, out := tb.do(staff.DPO, "POST", "/api/v1/contacts/"+id+"/restriction",
			map[string]any{"restricted": true, "reason": "personen bestrider opplysningene"}); st != http.StatusOK || out["action"] != "set" {
			t.Fatalf("restrict: %d %v", st, out)
		}
		if g := gate(); g["allowed"] != false || g["reason"] != "restricted" || !restricted() {
			t.Fatalf("while restricted: gate %v", g)
		}
		if st, out := tb.do(staff.DPO, "POST", "/api/v1/contacts/"+id+"/restriction",
			map[string]any{"restricted": false, "reason": "opplysningene er rettet"}); st != http.StatusOK || out["action"] != "lift" {
			t.Fatalf("lift: %d %v", st, out)
		}
		if g := gate(); g["allowed"] != true || g["consent_event_id"] != event || restricted() {
			t.Fatalf("after lifting: gate %v", g)
		}
		st, out = tb.do(staff.DPO, "GET", "/api/v1/contacts/"+id+"/restrictions", nil)
		rs, _ := out["restrictions"].([]any)
		if st != http.StatusOK || len(rs) != 2 {
			t.Fatalf("history: %d %v", st, out)
		}
		if strings.Contains(tb.seen.String(), "91234567") {
			t.Errorf("an answer holds the number")
		}
	})
}
