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

// TestWrongMethod: a route under /api/ asked with a method it does not
// take answers 405 with Allow listing the methods it takes, in the JSON
// error shape, with or without a token; a path no route has stays 404
// (one error shape for every answer the API gives). They were all 404
// before.
func TestWrongMethod(t *testing.T) {
	t.Parallel()
	tb := setup(t, storetest.SQLite)
	cases := []struct {
		role   staff.Role
		method string
		path   string
		status int
		code   string
		allow  string
	}{
		{staff.Admin, "DELETE", "/api/v1/purposes", 405, "method_not_allowed", "GET, HEAD, POST"},
		{"", "PUT", "/api/v1/purposes", 405, "method_not_allowed", "GET, HEAD, POST"},
		{staff.Admin, "DELETE", "/api/v1/contacts", 405, "method_not_allowed", "GET, HEAD, POST"}, // GET lists them (issue 23)
		{staff.Admin, "POST", "/api/v1/contacts/c1", 405, "method_not_allowed", "GET, HEAD, PATCH"},
		{staff.Admin, "GET", "/api/v1/contacts/c1/restriction", 405, "method_not_allowed", "POST"},
		{staff.Admin, "GET", "/api/v1/contacts/c1/tags", 405, "method_not_allowed", "PUT"},
		{staff.Marketer, "GET", "/api/v1/campaigns/c1/start", 405, "method_not_allowed", "POST"},
		{"", "POST", "/api/openapi.json", 405, "method_not_allowed", "GET, HEAD"},
		{staff.Admin, "PATCH", "/api/v1/gate", 405, "method_not_allowed", "GET, HEAD"},
		{staff.Admin, "GET", "/api/v1/nope", 404, "not_found", ""},
		{staff.Admin, "DELETE", "/api/v1/nope", 404, "not_found", ""},
		{staff.Admin, "GET", "/api/v1/contacts/c1/nope", 404, "not_found", ""},
		{"", "GET", "/api/", 404, "not_found", ""},
	}
	for _, c := range cases {
		req, _ := http.NewRequest(c.method, tb.srv.URL+c.path, nil)
		if c.role != "" {
			req.Header.Set("Authorization", "Bearer "+tb.tokens[c.role])
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		name := c.method + " " + c.path
		if resp.StatusCode != c.status {
			t.Errorf("%s: %d, want %d: %s", name, resp.StatusCode, c.status, raw)
			continue
		}
		if got := resp.Header.Get("Allow"); got != c.allow {
			t.Errorf("%s: Allow %q, want %q", name, got, c.allow)
		}
		if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
			t.Errorf("%s: Content-Type %q, want JSON", name, ct)
		}
		var body struct {
			Error struct {
				Code    string `json:"code"`
				Message string `json:"message"`
			} `json:"error"`
		}
		if err := json.Unmarshal(raw, &body); err != nil || body.Error.Code != c.code || body.Error.Message == "" {
			t.Errorf("%s: body %s, want the error shape with code %q and a message", name, raw, c.code)
		}
	}
	// HEAD of a GET route is served by it, not refused.
	req, _ := http.NewRequest("HEAD", tb.srv.URL+"/api/openapi.json", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("HEAD /api/openapi.json: %d, want 200", resp.StatusCode)
	}
}
