// SPDX-License-Identifier: AGPL-3.0-only

package staff

import (
	"fmt"
	"slices"
	"strings"
)

// Public marks an operation that needs no token at all.
const Public Permission = "public"

// MetricsToken marks an operation that takes the dedicated metrics token
// (SAMTYKKE_METRICS_TOKEN), not a staff token: a scraper gets no role.
const MetricsToken Permission = "metrics-token"

// Policy is the written policy's second half: every operation of the API,
// as "METHOD /path", and the permission it needs (S-02). An operation not
// listed here is a failure of the authorisation-matrix test in internal/api,
// which walks every operation of the OpenAPI document with every role.
var Policy = map[string]Permission{
	"GET /healthz":                              Public,
	"GET /readyz":                               Public,
	"GET /api/openapi.json":                     Public,
	"GET /schemas/subject-package.json":         Public,
	"GET /metrics":                              MetricsToken,
	"POST /api/v1/purposes":                     WritePurposes,
	"GET /api/v1/purposes":                      ReadPurposes,
	"GET /api/v1/tags":                          ReadPurposes,
	"POST /api/v1/notices":                      WriteNotices,
	"GET /api/v1/notices":                       ReadNotices,
	"POST /api/v1/notices/{id}/publish":         WriteNotices,
	"POST /api/v1/contacts":                     WriteContacts,
	"GET /api/v1/contacts":                      ReadContacts,
	"GET /api/v1/contacts/{id}":                 ReadContacts,
	"POST /api/v1/contacts/lookup":              LookupContacts,
	"GET /api/v1/contacts/{id}/consents":        ReadConsents,
	"POST /api/v1/contacts/{id}/reveal":         RevealNumbers,
	"GET /api/v1/contacts/{id}/accesses":        ReadAccessLog,
	"PUT /api/v1/contacts/{id}/tags":            WriteContacts,
	"PATCH /api/v1/contacts/{id}":               WriteContacts,
	"POST /api/v1/contacts/{id}/number":         WriteContacts,
	"POST /api/v1/contacts/{id}/number/confirm": WriteContacts,
	"POST /api/v1/contacts/{id}/restriction":    RestrictContacts,
	"GET /api/v1/contacts/{id}/restrictions":    ReadContacts,
	"GET /api/v1/contacts/{id}/package":         RevealNumbers,
	"POST /api/v1/consents":                     WriteConsents,
	"POST /api/v1/consents/withdraw":            WriteConsents,
	"GET /api/v1/consents/{id}/receipt":         ReadConsents,
	"GET /api/v1/gate":                          UseGate,
	"POST /api/v1/campaigns":                    WriteCampaigns,
	"GET /api/v1/campaigns":                     ReadCampaigns,
	"GET /api/v1/campaigns/{id}/audience":       ReadCampaigns,
	"GET /api/v1/campaigns/{id}/preview":        ReadCampaigns,
	"GET /api/v1/dashboard":                     ReadStats,
	"GET /api/v1/replies":                       ReadReplies,
	"GET /api/v1/replies/{id}":                  ReadReplies,
	"POST /api/v1/replies/{id}/answer":          AnswerReplies,
	"GET /api/v1/templates":                     ReadCampaigns,
	"POST /api/v1/templates/sync":               SyncTemplates,
	"GET /api/v1/campaigns/{id}":                ReadCampaigns,
	"POST /api/v1/campaigns/{id}/start":         WriteCampaigns,
	"POST /api/v1/campaigns/{id}/pause":         WriteCampaigns,
	"POST /api/v1/campaigns/{id}/resume":        WriteCampaigns,
	"POST /api/v1/campaigns/{id}/cancel":        WriteCampaigns,
	"GET /api/v1/ropa":                          ReadRecords,
	"GET /api/v1/dpia":                          ReadRecords,
	"PUT /api/v1/dpia":                          WriteDPIA,
	"GET /api/v1/dpia/versions":                 ReadRecords,
	"POST /api/v1/audits":                       RunAudits,
	"GET /api/v1/audits":                        ReadAudits,
	"GET /api/v1/audits/{id}":                   ReadAudits,
	"POST /api/v1/requests":                     WriteRights,
	"GET /api/v1/requests":                      ReadRights,
	"GET /api/v1/requests/{id}":                 ReadRights,
	"GET /api/v1/requests/{id}/export":          RevealNumbers,
	"POST /api/v1/requests/{id}/extend":         WriteRights,
	"POST /api/v1/requests/{id}/complete":       WriteRights,
	"POST /api/v1/requests/{id}/refuse":         WriteRights,
	"POST /api/v1/breaches":                     WriteBreaches,
	"GET /api/v1/breaches":                      ReadBreaches,
	"GET /api/v1/breaches/{id}":                 ReadBreaches,
	"PATCH /api/v1/breaches/{id}":               WriteBreaches,
	"POST /api/v1/breaches/{id}/notified":       WriteBreaches,
	"POST /api/v1/breaches/{id}/notify-people":  WriteBreaches,
	"GET /api/v1/breaches/{id}/report":          ReadBreaches,
	"GET /api/v1/processor-tasks":               ManageRetention,
	"POST /api/v1/processor-tasks/{id}/done":    ManageRetention,
	"GET /api/v1/retention/log":                 ManageRetention,
	"POST /api/v1/imports":                      ImportConsents,
	"GET /api/v1/imports/{id}":                  ImportConsents,
	"GET /api/v1/exports":                       ExportList,
	"GET /api/v1/tokens":                        ManageTokens,
	"POST /api/v1/tokens":                       ManageTokens,
	"POST /api/v1/tokens/{id}/revoke":           ManageTokens,
}

// Allows reports whether the policy lists op ("METHOD /path"), and whether
// it lets role r (empty: no token) call it. A metrics-token operation is
// allowed to no role.
func Allows(r Role, op string) (listed, allowed bool) {
	p, ok := Policy[op]
	if !ok {
		return false, false
	}
	switch p {
	case Public:
		return true, true
	case MetricsToken:
		return true, false
	}
	return true, r.Can(p)
}

// roleDuties is what each role is for, as the policy's table says it.
var roleDuties = map[Role]string{
	Admin:      "runs the service: configuration, staff, tokens; sees no number in clear",
	DPO:        "rights requests, audits, records, DPIA, breaches; may reveal a number with a written reason",
	Marketer:   "campaigns, templates, aggregate counts; never a number",
	Integrator: "a shop's systems: record consents and withdrawals, look up by number",
	Auditor:    "read-only reports and the access log; no number in clear",
}

// PolicyMarkdown renders the written policy as the Markdown tables that
// docs/security.md holds: roles and their duties, then permission by role,
// then every operation and the permission it needs.
func PolicyMarkdown() string {
	var b strings.Builder
	b.WriteString("| Role | Duties |\n|---|---|\n")
	for _, r := range Roles {
		fmt.Fprintf(&b, "| %s | %s |\n", r, roleDuties[r])
	}
	b.WriteString("\n| Permission |")
	for _, r := range Roles {
		fmt.Fprintf(&b, " %s |", r)
	}
	b.WriteString("\n|---|" + strings.Repeat("---|", len(Roles)) + "\n")
	for _, p := range Permissions {
		fmt.Fprintf(&b, "| `%s` |", p)
		for _, r := range Roles {
			if r.Can(p) {
				b.WriteString(" yes |")
			} else {
				b.WriteString(" |")
			}
		}
		b.WriteString("\n")
	}
	b.WriteString("\n| Operation | Needs |\n|---|---|\n")
	ops := make([]string, 0, len(Policy))
	for op := range Policy {
		ops = append(ops, op)
	}
	slices.SortFunc(ops, func(x, y string) int {
		_, px, _ := strings.Cut(x, " ")
		_, py, _ := strings.Cut(y, " ")
		return strings.Compare(px+" "+x, py+" "+y)
	})
	for _, op := range ops {
		fmt.Fprintf(&b, "| `%s` | `%s` |\n", op, Policy[op])
	}
	return b.String()
}
