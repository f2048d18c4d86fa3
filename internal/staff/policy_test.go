// SPDX-License-Identifier: AGPL-3.0-only

package staff_test

import (
	"flag"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/samtykke/samtykke/internal/staff"
)

var update = flag.Bool("update", false, "rewrite the policy's tables in docs/security.md")

// TestPolicyDocumented: docs/security.md holds the policy exactly as the
// code enforces it, so there is one written policy (S-02). With -update the
// tables between the policy markers are rewritten.
func TestPolicyDocumented(t *testing.T) {
	t.Parallel()
	const path = "../../docs/security.md"
	doc, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if *update {
		const begin, end = "<!-- policy:begin -->\n", "<!-- policy:end -->"
		before, rest, ok1 := strings.Cut(string(doc), begin)
		_, after, ok2 := strings.Cut(rest, end)
		if !ok1 || !ok2 {
			t.Fatalf("%s lacks the policy markers", path)
		}
		doc = []byte(before + begin + staff.PolicyMarkdown() + end + after)
		if err := os.WriteFile(path, doc, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if !strings.Contains(string(doc), staff.PolicyMarkdown()) {
		t.Errorf("docs/security.md does not hold the policy as staff.PolicyMarkdown renders it; paste it in:\n%s", staff.PolicyMarkdown())
	}
}

// TestPolicyNamesKnownPermissions: every operation needs a permission that
// exists, and every permission is granted to some role or used by some
// operation (S-02).
func TestPolicyNamesKnownPermissions(t *testing.T) {
	t.Parallel()
	used := map[staff.Permission]bool{}
	for op, p := range staff.Policy {
		if p != staff.Public && p != staff.MetricsToken && !slices.Contains(staff.Permissions, p) {
			t.Errorf("%s needs %q, which is not in staff.Permissions", op, p)
		}
		used[p] = true
	}
	for _, p := range staff.Permissions {
		granted := false
		for _, r := range staff.Roles {
			granted = granted || r.Can(p)
		}
		if !granted {
			t.Errorf("permission %s is granted to no role", p)
		}
	}
	for _, tc := range []struct {
		role    staff.Role
		op      string
		listed  bool
		allowed bool
	}{
		{staff.Admin, "POST /api/v1/contacts/{id}/reveal", true, false},
		{staff.DPO, "POST /api/v1/contacts/{id}/reveal", true, true},
		{"", "GET /healthz", true, true},
		{staff.Admin, "GET /metrics", true, false},
		{staff.Auditor, "GET /api/v1/contacts/{id}/accesses", true, true},
		{staff.Admin, "DELETE /api/v1/everything", false, false},
	} {
		listed, allowed := staff.Allows(tc.role, tc.op)
		if listed != tc.listed || allowed != tc.allowed {
			t.Errorf("Allows(%q, %s) = %v, %v; want %v, %v", tc.role, tc.op, listed, allowed, tc.listed, tc.allowed)
		}
	}
}
