// SPDX-License-Identifier: AGPL-3.0-only

package admin

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/samtykke/samtykke/internal/app"
	"github.com/samtykke/samtykke/internal/consent"
	"github.com/samtykke/samtykke/internal/httpx"
	"github.com/samtykke/samtykke/internal/staff"
)

// purposesPage lists the purposes and, for a role that may, the form that
// adds one (POST /api/v1/purposes's use case).
type purposesPage struct {
	base
	Purposes []consent.Purpose
	Form     purposeForm
	Error    string
}

func (*purposesPage) view() string { return "purposes" }

// purposeForm is the new purpose form's fields, kept when it is refused.
type purposeForm struct {
	Key, DescNB, DescEN, Channel, Basis, Retention, Refresh string
}

func (p *Pages) purposes(w http.ResponseWriter, r *request) error {
	return p.showPurposes(w, r, http.StatusOK, purposeForm{Channel: "whatsapp", Basis: "consent", Retention: "365"}, "")
}

func (p *Pages) showPurposes(w http.ResponseWriter, r *request, status int, f purposeForm, msg string) error {
	ps, err := p.app.Purposes(r.Context(), r.Actor)
	if err != nil {
		return err
	}
	p.render(w, r, status, &purposesPage{base: p.base(r, "/admin/purposes"), Purposes: ps, Form: f, Error: msg})
	return nil
}

// purposeFromForm reads a purpose form; the app validates it.
func purposeFromForm(r *http.Request) (purposeForm, consent.Purpose) {
	f := purposeForm{Key: strings.TrimSpace(r.PostFormValue("key")), DescNB: strings.TrimSpace(r.PostFormValue("description_nb")),
		DescEN: strings.TrimSpace(r.PostFormValue("description_en")), Channel: r.PostFormValue("channel"),
		Basis: r.PostFormValue("legal_basis"), Retention: r.PostFormValue("retention_days"), Refresh: r.PostFormValue("refresh_days")}
	days, _ := strconv.Atoi(f.Retention)
	refresh, _ := strconv.Atoi(f.Refresh)
	return f, consent.Purpose{Key: f.Key, Channel: consent.Channel(f.Channel), Basis: consent.Basis(f.Basis),
		Description: consent.Text{NB: f.DescNB, EN: f.DescEN}, RetentionDays: days, RefreshDays: refresh}
}

// purposeCreate serves POST /admin/purposes; a refused form comes back with
// its fields and the reason.
func (p *Pages) purposeCreate(w http.ResponseWriter, r *request) error {
	if !r.can(staff.WritePurposes) {
		return forbid(staff.WritePurposes)
	}
	f, purpose := purposeFromForm(r.Request)
	if _, err := p.app.CreatePurpose(r.Context(), r.Actor, purpose); err != nil {
		if msg, ok := formError(err); ok {
			return p.showPurposes(w, r, httpx.Classify(err).Status, f, msg)
		}
		return err
	}
	return seeOther(w, r, "/admin/purposes", "purpose_created")
}

// formError is the words a form shows for a refusal of its input (400, 409,
// 422); false for any other error, which the error page shows.
func formError(err error) (string, bool) {
	if errors.Is(err, app.ErrForbidden) {
		return "", false
	}
	e := httpx.Classify(err)
	switch e.Status {
	case http.StatusBadRequest, http.StatusConflict, http.StatusUnprocessableEntity:
		return e.Message, true
	}
	return "", false
}

// purposeFields is what the purpose form's fields need: the page (its
// words) and the values.
type purposeFields struct {
	*base
	F               purposeForm
	Channels, Bases []string
}

// PurposeFields is the purpose form's fields filled with f.
func (b *base) PurposeFields(f purposeForm) purposeFields {
	return purposeFields{base: b, F: f, Channels: []string{string(consent.WhatsApp), string(consent.SMS), string(consent.Email)},
		Bases: []string{string(consent.BasisConsent), string(consent.BasisExistingCustomer)}}
}
