// SPDX-License-Identifier: AGPL-3.0-only

package staff_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"strings"
	"testing"

	"github.com/samtykke/samtykke/internal/staff"
)

// TestParseRole checks role names from the CLI and API.
func TestParseRole(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    staff.Role
		wantErr bool
	}{
		{"admin", staff.Admin, false},
		{"dpo", staff.DPO, false},
		{"marketer", staff.Marketer, false},
		{"integrator", staff.Integrator, false},
		{"auditor", staff.Auditor, false},
		{"  Admin\n", staff.Admin, false},
		{"DPO", staff.DPO, false},
		{"", "", true},
		{"root", "", true},
		{"market", "", true},
		{"admin,dpo", "", true},
	}
	for _, tc := range tests {
		t.Run("input_"+tc.in, func(t *testing.T) {
			t.Parallel()
			got, err := staff.ParseRole(tc.in)
			if tc.wantErr {
				if err == nil {
					t.Fatalf("ParseRole(%q) = %q, want an error", tc.in, got)
				}
				for _, r := range staff.Roles {
					if !strings.Contains(err.Error(), string(r)) {
						t.Errorf("error %q does not list the role %s", err, r)
					}
				}
				if got != "" {
					t.Errorf("ParseRole(%q) returned role %q with its error", tc.in, got)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Errorf("ParseRole(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
			}
			if !got.Valid() {
				t.Errorf("%q.Valid() = false", got)
			}
		})
	}
}

// TestCan checks every role against every permission (S-02: least privilege).
// A marketer never sees or finds a number; only an admin manages tokens.
func TestCan(t *testing.T) {
	t.Parallel()
	all := []staff.Permission{staff.ReadPurposes, staff.WritePurposes, staff.ReadNotices, staff.WriteNotices,
		staff.ReadContacts, staff.WriteContacts, staff.LookupContacts, staff.ReadConsents, staff.WriteConsents,
		staff.UseGate, staff.ManageTokens}
	grants := map[staff.Role][]staff.Permission{
		staff.Admin: all,
		staff.DPO: {staff.ReadPurposes, staff.WritePurposes, staff.ReadNotices, staff.WriteNotices,
			staff.ReadContacts, staff.WriteContacts, staff.LookupContacts, staff.ReadConsents, staff.WriteConsents, staff.UseGate},
		staff.Marketer: {staff.ReadPurposes, staff.ReadNotices, staff.UseGate},
		staff.Integrator: {staff.ReadPurposes, staff.ReadNotices, staff.WriteContacts, staff.LookupContacts,
			staff.ReadConsents, staff.WriteConsents, staff.UseGate},
		staff.Auditor: {staff.ReadPurposes, staff.ReadNotices, staff.ReadConsents},
		"intern":      nil, // unknown roles can do nothing
		"":            nil,
	}
	if len(staff.Roles) != 5 {
		t.Errorf("len(Roles) = %d, want 5: add the new role to this matrix", len(staff.Roles))
	}
	for role, granted := range grants {
		for _, p := range all {
			want := false
			for _, g := range granted {
				want = want || g == p
			}
			t.Run(string(role)+"/"+string(p), func(t *testing.T) {
				t.Parallel()
				if got := role.Can(p); got != want {
					t.Errorf("%q.Can(%s) = %v, want %v", role, p, got, want)
				}
			})
		}
	}
	// The rules the brief states outright, independent of the matrix above.
	rules := []struct {
		name string
		role staff.Role
		perm staff.Permission
		want bool
	}{
		{"marketer cannot read contacts", staff.Marketer, staff.ReadContacts, false},
		{"marketer cannot look up contacts by number", staff.Marketer, staff.LookupContacts, false},
		{"integrator cannot manage tokens", staff.Integrator, staff.ManageTokens, false},
		{"dpo cannot manage tokens", staff.DPO, staff.ManageTokens, false},
		{"auditor cannot write consents", staff.Auditor, staff.WriteConsents, false},
		{"admin manages tokens", staff.Admin, staff.ManageTokens, true},
		// B-01..B-05: the DPO and the admin keep the breach register; an
		// auditor reads it; a marketer or an integrator does neither.
		{"dpo records breaches", staff.DPO, staff.WriteBreaches, true},
		{"admin records breaches", staff.Admin, staff.WriteBreaches, true},
		{"auditor reads breaches", staff.Auditor, staff.ReadBreaches, true},
		{"auditor cannot record breaches", staff.Auditor, staff.WriteBreaches, false},
		{"marketer cannot read breaches", staff.Marketer, staff.ReadBreaches, false},
		{"integrator cannot record breaches", staff.Integrator, staff.WriteBreaches, false},
		// S-04, P-07: the admin, the DPO and an auditor run and read the
		// compliance audits; a marketer or an integrator does neither.
		{"auditor runs audits", staff.Auditor, staff.RunAudits, true},
		{"auditor reads audits", staff.Auditor, staff.ReadAudits, true},
		{"dpo runs audits", staff.DPO, staff.RunAudits, true},
		{"admin reads audits", staff.Admin, staff.ReadAudits, true},
		{"marketer cannot read audits", staff.Marketer, staff.ReadAudits, false},
		{"integrator cannot run audits", staff.Integrator, staff.RunAudits, false},
		{"dpo erases a person (R-04)", staff.DPO, staff.EraseContacts, true},
		{"dpo reads the retention log and processor tasks (R-05)", staff.DPO, staff.ManageRetention, true},
		{"admin erases a person", staff.Admin, staff.EraseContacts, true},
		{"integrator cannot erase", staff.Integrator, staff.EraseContacts, false},
		{"marketer cannot erase", staff.Marketer, staff.EraseContacts, false},
		{"auditor cannot erase", staff.Auditor, staff.EraseContacts, false},
		{"integrator cannot manage retention", staff.Integrator, staff.ManageRetention, false},
		{"auditor cannot manage retention", staff.Auditor, staff.ManageRetention, false},
		{"unknown permission", staff.Admin, "contacts:delete", false},
		// S-02: only the DPO sees a number in clear; the auditor reads the access log.
		{"dpo reveals a number", staff.DPO, staff.RevealNumbers, true},
		{"admin cannot reveal a number", staff.Admin, staff.RevealNumbers, false},
		{"marketer cannot reveal a number", staff.Marketer, staff.RevealNumbers, false},
		{"integrator cannot reveal a number", staff.Integrator, staff.RevealNumbers, false},
		{"auditor cannot reveal a number", staff.Auditor, staff.RevealNumbers, false},
		{"auditor reads the access log", staff.Auditor, staff.ReadAccessLog, true},
		{"marketer cannot read the access log", staff.Marketer, staff.ReadAccessLog, false},
	}
	for _, tc := range rules {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := tc.role.Can(tc.perm); got != tc.want {
				t.Errorf("%q.Can(%s) = %v, want %v", tc.role, tc.perm, got, tc.want)
			}
		})
	}
}

// TestNewSecret checks API tokens: prefixed for secret scanners, random, and
// stored only as a SHA-256 hash (S-02).
func TestNewSecret(t *testing.T) {
	t.Parallel()
	t.Run("shape", func(t *testing.T) {
		t.Parallel()
		secret, hash := staff.NewSecret()
		if !strings.HasPrefix(secret, "stk_") {
			t.Errorf("secret %q lacks the prefix stk_", secret)
		}
		raw, err := base64.RawURLEncoding.DecodeString(strings.TrimPrefix(secret, "stk_"))
		if err != nil || len(raw) != 32 {
			t.Errorf("secret body decodes to %d bytes, %v; want 32 random bytes", len(raw), err)
		}
		if !bytes.Equal(hash, staff.HashSecret(secret)) {
			t.Error("NewSecret's hash differs from HashSecret(secret)")
		}
		if bytes.Contains(hash, []byte(secret)) || bytes.Contains(hash, raw) {
			t.Error("the hash contains the secret")
		}
	})
	t.Run("unique", func(t *testing.T) {
		t.Parallel()
		seen := map[string]bool{}
		hashes := map[string]bool{}
		for range 1000 {
			s, h := staff.NewSecret()
			if seen[s] || hashes[string(h)] {
				t.Fatalf("secret %q came twice", s)
			}
			seen[s], hashes[string(h)] = true, true
		}
	})
	t.Run("hash is deterministic SHA-256", func(t *testing.T) {
		t.Parallel()
		tests := []string{"stk_abc", "", "stk_" + strings.Repeat("x", 43)}
		for _, s := range tests {
			want := sha256.Sum256([]byte(s))
			if got := staff.HashSecret(s); !bytes.Equal(got, want[:]) || !bytes.Equal(got, staff.HashSecret(s)) {
				t.Errorf("HashSecret(%q) = %x, want %x", s, got, want)
			}
		}
		if bytes.Equal(staff.HashSecret("stk_a"), staff.HashSecret("stk_b")) {
			t.Error("two secrets hash the same")
		}
	})
}
