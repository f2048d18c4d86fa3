// SPDX-License-Identifier: AGPL-3.0-only

package admin

import (
	"context"
	"net/http"

	"github.com/samtykke/samtykke/internal/audit"
	"github.com/samtykke/samtykke/internal/staff"
	"github.com/samtykke/samtykke/internal/store"
)

// auditsPage lists the stored compliance audit reports (S-04), newest
// first, with the form that runs one for a role that may.
type auditsPage struct {
	base
	Audits []store.AuditSummary
}

func (*auditsPage) view() string { return "audits" }

func (p *Pages) audits(w http.ResponseWriter, r *request) error {
	if !r.can(staff.ReadAudits) {
		return forbid(staff.ReadAudits)
	}
	as, err := p.app.Audits(r.Context(), r.Actor, 0)
	if err != nil {
		return err
	}
	p.render(w, r, http.StatusOK, &auditsPage{base: p.base(r, "/admin/audits"), Audits: as})
	return nil
}

// auditRun serves POST /admin/audits (POST /api/v1/audits's use case): the
// audit runs to its end even if the browser leaves, and its report follows.
func (p *Pages) auditRun(w http.ResponseWriter, r *request) error {
	if !r.can(staff.RunAudits) {
		return forbid(staff.RunAudits)
	}
	rep, err := p.app.RunAudit(context.WithoutCancel(r.Context()), r.Actor)
	if err != nil {
		return err
	}
	return seeOther(w, r, "/admin/audits/"+rep.ID, "audit_run")
}

// auditPage is one report: each check with its status.
type auditPage struct {
	base
	Report audit.Report
}

func (*auditPage) view() string { return "audit" }

func (p *Pages) audit(w http.ResponseWriter, r *request) error {
	if !r.can(staff.ReadAudits) {
		return forbid(staff.ReadAudits)
	}
	rep, err := p.app.Audit(r.Context(), r.Actor, r.PathValue("id"))
	if err != nil {
		return err
	}
	p.render(w, r, http.StatusOK, &auditPage{base: p.base(r, "/admin/audits"), Report: rep})
	return nil
}
