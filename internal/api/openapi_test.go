// SPDX-License-Identifier: AGPL-3.0-only

package api

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
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

// TestOpenAPIOperationsReachTheirRoute: a request for each documented
// operation is routed by the mux that Register fills, the one serve uses, to
// exactly that operation's pattern, not to the /api/ catch-all or another route.
func TestOpenAPIOperationsReachTheirRoute(t *testing.T) {
	t.Parallel()
	var doc struct {
		Paths map[string]map[string]any `json:"paths"`
	}
	if err := json.Unmarshal(openapi, &doc); err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	mux := http.NewServeMux()
	New(nil, slog.New(slog.DiscardHandler), prometheus.NewRegistry()).Register(mux)
	n := 0
	for path, ops := range doc.Paths {
		for method := range ops {
			want := strings.ToUpper(method) + " " + path
			req := httptest.NewRequest(strings.ToUpper(method), strings.ReplaceAll(path, "{id}", "x"), nil)
			if _, got := mux.Handler(req); got != want {
				t.Errorf("%s is routed to %q", want, got)
			}
			n++
		}
	}
	if n < 20 {
		t.Fatalf("only %d operations documented: the check proved little", n)
	}
}

// TestOpenAPIResponsesHaveClosedSchemas: every response of every operation
// has a schema for each media type, so that generated clients are typed, and
// every object schema with properties allows no others (additionalProperties
// or unevaluatedProperties false), so that a field a handler adds without
// documenting it fails TestResponsesMatchOpenAPI: the document describes
// every answer exactly.
func TestOpenAPIResponsesHaveClosedSchemas(t *testing.T) {
	t.Parallel()
	var doc map[string]any
	if err := json.Unmarshal(openapi, &doc); err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	resolve := func(v map[string]any) map[string]any {
		ref, ok := v["$ref"].(string)
		if !ok {
			return v
		}
		var cur any = doc
		for _, tok := range strings.Split(strings.TrimPrefix(ref, "#/"), "/") {
			cur = cur.(map[string]any)[tok]
		}
		return cur.(map[string]any)
	}
	responses := 0
	for path, ops := range doc["paths"].(map[string]any) {
		for method, op := range ops.(map[string]any) {
			for code, r := range op.(map[string]any)["responses"].(map[string]any) {
				content, _ := resolve(r.(map[string]any))["content"].(map[string]any)
				if len(content) == 0 {
					t.Errorf("%s %s → %s: no content", method, path, code)
				}
				for mt, m := range content {
					if m.(map[string]any)["schema"] == nil {
						t.Errorf("%s %s → %s %s: no schema", method, path, code, mt)
					}
					responses++
				}
			}
		}
	}
	if responses < 60 {
		t.Fatalf("only %d responses: the check proved little", responses)
	}
	// Open on purpose: the document itself, and the campaign fields that
	// Campaign and CampaignView close with unevaluatedProperties.
	open := map[string]bool{
		"/paths/~1api~1openapi.json/get/responses/200/content/application~1json/schema": true,
		"/components/schemas/CampaignFields":                                            true,
	}
	var walk func(ptr string, v any)
	walk = func(ptr string, v any) {
		switch v := v.(type) {
		case map[string]any:
			if _, ok := v["properties"].(map[string]any); ok && !open[ptr] &&
				v["additionalProperties"] != false && v["unevaluatedProperties"] != false {
				t.Errorf("%s: an object schema that allows undocumented properties", ptr)
			}
			for k, x := range v {
				walk(ptr+"/"+strings.ReplaceAll(strings.ReplaceAll(k, "~", "~0"), "/", "~1"), x)
			}
		case []any:
			for i, x := range v {
				walk(ptr+"/"+strconv.Itoa(i), x)
			}
		}
	}
	walk("", doc)
}
