// SPDX-License-Identifier: AGPL-3.0-only

package api

import (
	"encoding/json"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/samtykke/samtykke/internal/staff"
)

// TestAPIDocListsEveryRoute: docs/api.md lists every operation of
// openapi.json once, with the permission the written policy gives it and
// the roles that hold it (S-02), and lists no operation the document lacks;
// so the page stays current as routes are added.
func TestAPIDocListsEveryRoute(t *testing.T) {
	t.Parallel()
	md, err := os.ReadFile("../../docs/api.md")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(openapi, &doc); err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	ops := map[string]bool{}
	for path, methods := range doc.Paths {
		for m := range methods {
			switch m {
			case "get", "put", "post", "delete", "patch", "head", "options":
				ops[strings.ToUpper(m)+" "+path] = true
			}
		}
	}
	row := regexp.MustCompile("(?m)^\\| `([A-Z]+)` \\| `([^`]+)` \\| `([^`]+)` \\| ([^|]*) \\| [^|]*[^ |][^|]* \\|$")
	listed := map[string]int{}
	for _, m := range row.FindAllStringSubmatch(string(md), -1) {
		op, perm, roles := m[1]+" "+m[2], staff.Permission(m[3]), strings.TrimSpace(m[4])
		listed[op]++
		if !ops[op] {
			t.Errorf("docs/api.md lists %s, which openapi.json does not describe", op)
			continue
		}
		if want := staff.Policy[op]; perm != want {
			t.Errorf("docs/api.md says %s needs %s; the policy says %s", op, perm, want)
		}
		if want := holders(staff.Policy[op]); roles != want {
			t.Errorf("docs/api.md says %s is for %q; the policy gives it to %q", op, roles, want)
		}
	}
	for op := range ops {
		switch listed[op] {
		case 0:
			t.Errorf("docs/api.md does not list %s (a row: | `METHOD` | `/path` | `permission` | roles | what |)", op)
		case 1:
		default:
			t.Errorf("docs/api.md lists %s %d times", op, listed[op])
		}
	}
	if len(listed) < 50 {
		t.Errorf("docs/api.md has %d operations; is the table's format changed?", len(listed))
	}
}

// holders names the roles that hold p, as docs/api.md writes them.
func holders(p staff.Permission) string {
	switch p {
	case staff.Public:
		return "anyone"
	case staff.MetricsToken:
		return "the metrics token"
	}
	var rs []string
	for _, r := range staff.Roles {
		if r.Can(p) {
			rs = append(rs, string(r))
		}
	}
	return strings.Join(rs, ", ")
}
