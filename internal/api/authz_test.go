// SPDX-License-Identifier: AGPL-3.0-only

package api_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/samtykke/samtykke/internal/staff"
	"github.com/samtykke/samtykke/internal/store/storetest"
)

// TestAuthorisationMatrix walks every operation of the OpenAPI document with
// every role and with no token against the real server, and compares each
// answer with the written policy (staff.Policy, docs/security.md): an
// operation the policy does not list fails, as does one it lists that the
// document lacks; where the policy allows, the answer is neither 401 nor 403;
// where it refuses, the answer is 403 with a token and 401 without (S-02).
func TestAuthorisationMatrix(t *testing.T) {
	t.Parallel()
	tb := setup(t, storetest.SQLite)
	resp, err := http.Get(tb.srv.URL + "/api/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Paths map[string]map[string]any `json:"paths"`
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	documented := map[string]bool{}
	roles := append([]staff.Role{""}, staff.Roles...)
	for path, item := range doc.Paths {
		for method, op := range item {
			name := strings.ToUpper(method) + " " + path
			documented[name] = true
			listed, _ := staff.Allows("", name)
			if !listed {
				t.Errorf("%s is not in the written policy (staff.Policy)", name)
				continue
			}
			concrete := strings.ReplaceAll(path, "{id}", "nope")
			if path == "/api/v1/gate" {
				concrete += "?contact_id=nope&purpose=offers"
			}
			_, hasBody := op.(map[string]any)["requestBody"]
			for _, role := range roles {
				_, allowed := staff.Allows(role, name)
				var body any
				if hasBody {
					body = "{}"
				}
				status, _ := tb.do(role, strings.ToUpper(method), concrete, body)
				who := string(role)
				if who == "" {
					who = "no token"
				}
				switch {
				case allowed && (status == http.StatusUnauthorized || status == http.StatusForbidden):
					t.Errorf("%s as %s: %d, but the policy allows it", name, who, status)
				case !allowed && role == "" && status != http.StatusUnauthorized:
					t.Errorf("%s with no token: %d, want 401", name, status)
				case !allowed && role != "" && status != http.StatusForbidden && !(staff.Policy[name] == staff.MetricsToken && status == http.StatusUnauthorized):
					t.Errorf("%s as %s: %d, but the policy refuses it (want 403)", name, who, status)
				}
			}
		}
	}
	for op := range staff.Policy {
		if !documented[op] {
			t.Errorf("the policy lists %s, which the OpenAPI document does not describe", op)
		}
	}
}
