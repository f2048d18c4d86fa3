// SPDX-License-Identifier: AGPL-3.0-only

package admin

import (
	"bytes"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/samtykke/samtykke/internal/app"
	"github.com/samtykke/samtykke/internal/dpia"
	"github.com/samtykke/samtykke/internal/httpx"
	"github.com/samtykke/samtykke/internal/ropa"
	"github.com/samtykke/samtykke/internal/staff"
	"github.com/samtykke/samtykke/internal/store"
)

// recordsPage is the record of processing activities (Art. 30) as a page;
// its JSON is a link away (GET /api/v1/ropa's use case).
type recordsPage struct {
	base
	Record ropa.Record
}

func (*recordsPage) view() string { return "records" }

func (p *Pages) records(w http.ResponseWriter, r *request) error {
	if !r.can(staff.ReadRecords) {
		return forbid(staff.ReadRecords)
	}
	rec, err := p.app.RecordOfProcessing(r.Context(), r.Actor)
	if err != nil {
		return err
	}
	p.render(w, r, http.StatusOK, &recordsPage{base: p.base(r, "/admin/records"), Record: rec})
	return nil
}

// recordsJSON serves GET /admin/records.json: the record as the API gives
// it, for the signed-in session.
func (p *Pages) recordsJSON(w http.ResponseWriter, r *request) error {
	if !r.can(staff.ReadRecords) {
		return forbid(staff.ReadRecords)
	}
	rec, err := p.app.RecordOfProcessing(r.Context(), r.Actor)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := ropa.Write(&buf, rec, "json"); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Disposition", `inline; filename="ropa.json"`)
	_, err = w.Write(buf.Bytes())
	return err
}

// dpiaPage is a version of the DPIA (the newest by default, or a draft
// when none is saved), the list of versions and, for a role that may, the
// form that saves a new version (PUT /api/v1/dpia's use case, D-02).
type dpiaPage struct {
	base
	DPIA     app.DPIAView
	Versions []store.DPIAVersion
	Form     app.DPIAInput
	Error    string
}

func (*dpiaPage) view() string { return "dpia" }

func (p *Pages) dpia(w http.ResponseWriter, r *request) error {
	v := 0
	if q := r.URL.Query().Get("version"); q != "" {
		var err error
		if v, err = strconv.Atoi(q); err != nil || v < 1 {
			return httpx.Errorf(http.StatusBadRequest, "invalid_input", "version must be a version number")
		}
	}
	return p.showDPIA(w, r, http.StatusOK, v, nil, "")
}

// showDPIA renders a version; form, when not nil, is a refused form's
// fields, kept.
func (p *Pages) showDPIA(w http.ResponseWriter, r *request, status, version int, form *app.DPIAInput, msg string) error {
	if !r.can(staff.ReadRecords) {
		return forbid(staff.ReadRecords)
	}
	d, err := p.app.DPIA(r.Context(), r.Actor, version)
	if err != nil {
		return err
	}
	vs, err := p.app.DPIAVersions(r.Context(), r.Actor)
	if err != nil {
		return err
	}
	pg := &dpiaPage{base: p.base(r, "/admin/dpia"), DPIA: d, Versions: vs, Error: msg,
		Form: app.DPIAInput{Description: d.Description, Necessity: d.Necessity, RisksSummary: d.RisksSummary,
			MeasuresSummary: d.MeasuresSummary, DPOAdvice: d.DPOAdvice}}
	if form != nil {
		pg.Form = *form
	}
	p.render(w, r, status, pg)
	return nil
}

// dpiaSave serves POST /admin/dpia: the texts of Art. 35(7) and the DPO's
// advice, saved as a new version; the risks and the reviewer's screening
// answers are the newest version's (or the draft's), as the page shows them.
func (p *Pages) dpiaSave(w http.ResponseWriter, r *request) error {
	if !r.can(staff.WriteDPIA) {
		return forbid(staff.WriteDPIA)
	}
	cur, err := p.app.DPIA(r.Context(), r.Actor, 0)
	if err != nil {
		return err
	}
	f := func(k string) string { return strings.TrimSpace(r.PostFormValue(k)) }
	in := app.DPIAInput{Description: f("description"), Necessity: f("necessity"), RisksSummary: f("risks_summary"),
		MeasuresSummary: f("measures_summary"), DPOAdvice: f("dpo_advice"), Risks: cur.Risks, Answers: map[string]dpia.Answer{}}
	for _, c := range append(slices.Clone(cur.Screening.Criteria), cur.Screening.Art35_3...) {
		if !c.Auto { // a reviewer's answer, kept
			in.Answers[c.ID] = dpia.Answer{Met: c.Met, Why: c.Why}
		}
	}
	if _, err := p.app.SaveDPIA(r.Context(), r.Actor, in); err != nil {
		if msg, ok := formError(err); ok {
			return p.showDPIA(w, r, httpx.Classify(err).Status, 0, &in, msg)
		}
		return err
	}
	return seeOther(w, r, "/admin/dpia", "dpia_saved")
}
