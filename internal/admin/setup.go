// SPDX-License-Identifier: AGPL-3.0-only

package admin

import (
	"net/http"
	"strings"

	"github.com/samtykke/samtykke/internal/app"
	"github.com/samtykke/samtykke/internal/httpx"
	"github.com/samtykke/samtykke/internal/staff"
)

// setupPage is the first run (issue 23 point 2): the business's name and
// organisation number and a first purpose; then the privacy notices,
// drafted from the sample for the operator to edit and publish. A checklist
// shows what is done.
type setupPage struct {
	base
	Name, OrgNumber string
	Purpose         purposeForm
	HasPurpose      bool
	Published       map[string]bool
	Done            bool
	Error           string
}

func (*setupPage) view() string { return "setup" }

func (p *Pages) setupForm(w http.ResponseWriter, r *request) error {
	c := p.app.Controller()
	return p.showSetup(w, r, http.StatusOK, c.Name, c.OrgNumber,
		purposeForm{Key: "tilbud", DescNB: "Tilbud og nyheter", DescEN: "Offers and news", Channel: "whatsapp", Basis: "consent", Retention: "365"}, "")
}

func (p *Pages) showSetup(w http.ResponseWriter, r *request, status int, name, org string, f purposeForm, msg string) error {
	if !r.can(staff.WriteNotices) || !r.can(staff.WritePurposes) {
		return forbid(staff.WriteNotices)
	}
	pg := &setupPage{base: p.base(r, ""), Name: name, OrgNumber: org, Purpose: f, Error: msg, Published: map[string]bool{}}
	ps, err := p.app.Purposes(r.Context(), r.Actor)
	if err != nil {
		return err
	}
	pg.HasPurpose = len(ps) > 0
	for _, lang := range []string{"nb", "en"} {
		_, err := p.app.PublishedNotices(r.Context(), lang)
		pg.Published[lang] = err == nil
	}
	pg.Done = pg.HasPurpose && pg.Published["nb"]
	p.render(w, r, status, pg)
	return nil
}

// setupSubmit serves POST /admin/setup: the controller's details and the
// first purpose (app.Setup), then the bokmål notice's editor, started from
// the sample.
func (p *Pages) setupSubmit(w http.ResponseWriter, r *request) error {
	f, purpose := purposeFromForm(r.Request)
	name, org := strings.TrimSpace(r.PostFormValue("business_name")), strings.TrimSpace(r.PostFormValue("org_number"))
	err := p.app.Setup(r.Context(), r.Actor, app.SetupInput{Name: name, OrgNumber: org, Purpose: purpose})
	if err != nil {
		if msg, ok := formError(err); ok {
			return p.showSetup(w, r, httpx.Classify(err).Status, name, org, f, msg)
		}
		return err
	}
	return seeOther(w, r, "/admin/notices/new?language=nb", "setup_done")
}
