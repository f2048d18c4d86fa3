// SPDX-License-Identifier: AGPL-3.0-only

package api

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestOpenAPIDescribesEveryRoute: every route in the table is in the document,
// and the document names no route that does not exist.
func TestOpenAPIDescribesEveryRoute(t *testing.T) {
	t.Parallel()
	var doc struct {
		OpenAPI string                    `json:"openapi"`
		Paths   map[string]map[string]any `json:"paths"`
	}
	if err := json.Unmarshal(openapi, &doc); err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.1") {
		t.Errorf("openapi = %q, want 3.1.x", doc.OpenAPI)
	}
	want := map[string]bool{"get /metrics": true}
	for _, rt := range (&Server{}).routes() {
		method, path, _ := strings.Cut(rt.pattern, " ")
		want[strings.ToLower(method)+" "+path] = true
	}
	got := map[string]bool{}
	for path, ops := range doc.Paths {
		for method := range ops {
			got[method+" "+path] = true
		}
	}
	for r := range want {
		if !got[r] {
			t.Errorf("route %s is not in openapi.json", r)
		}
	}
	for r := range got {
		if !want[r] {
			t.Errorf("openapi.json describes %s, which is not a route", r)
		}
	}
}
