// SPDX-License-Identifier: AGPL-3.0-only

package admin

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/samtykke/samtykke/internal/app"
	"github.com/samtykke/samtykke/internal/httpx"
	"github.com/samtykke/samtykke/internal/i18n"
	"github.com/samtykke/samtykke/internal/phone"
	"github.com/samtykke/samtykke/internal/staff"
)

// breachesPage is the breach register (B-04) with each breach's 72-hour
// clock (B-01), and for a role that may, the form that records one.
type breachesPage struct {
	base
	Breaches []app.BreachView
	Form     breachForm
	Error    string
	Now      time.Time
}

func (*breachesPage) view() string { return "breaches" }

// breachForm is the new breach form's fields, kept when it is refused.
type breachForm struct {
	Title, Description, AwareAt string
}

// localLayout is the form of an <input type="datetime-local">.
const localLayout = "2006-01-02T15:04"

func (p *Pages) breaches(w http.ResponseWriter, r *request) error {
	return p.showBreaches(w, r, http.StatusOK, breachForm{AwareAt: p.now().In(p.zone).Format(localLayout)}, "")
}

func (p *Pages) showBreaches(w http.ResponseWriter, r *request, status int, f breachForm, msg string) error {
	if !r.can(staff.ReadBreaches) {
		return forbid(staff.ReadBreaches)
	}
	bs, err := p.app.Breaches(r.Context(), r.Actor, r.URL.Query().Get("state"))
	if err != nil {
		return err
	}
	p.render(w, r, status, &breachesPage{base: p.base(r, "/admin/breaches"), Breaches: bs, Form: f, Error: msg, Now: p.now()})
	return nil
}

// breachCreate serves POST /admin/breaches (POST /api/v1/breaches's use
// case): the title, what happened and when the controller became aware,
// in Norway's time; the 72 hours run from there.
func (p *Pages) breachCreate(w http.ResponseWriter, r *request) error {
	if !r.can(staff.WriteBreaches) {
		return forbid(staff.WriteBreaches)
	}
	f := breachForm{Title: strings.TrimSpace(r.PostFormValue("title")), Description: strings.TrimSpace(r.PostFormValue("description")),
		AwareAt: r.PostFormValue("aware_at")}
	aware, err := time.ParseInLocation(localLayout, f.AwareAt, p.zone)
	if err != nil {
		return p.showBreaches(w, r, http.StatusBadRequest, f, i18n.T(r.lang, "admin.breaches.aware_invalid"))
	}
	in := app.BreachInput{Title: &f.Title, AwareAt: &aware}
	if f.Description != "" {
		in.Description = &f.Description
	}
	b, err := p.app.RecordBreach(r.Context(), r.Actor, in)
	if err != nil {
		if msg, ok := formError(err); ok {
			for _, field := range []*string{&f.Title, &f.Description} {
				if phone.Mentions(*field) { // the refused text is not shown back
					*field = ""
				}
			}
			return p.showBreaches(w, r, httpx.Classify(err).Status, f, msg)
		}
		return err
	}
	return seeOther(w, r, "/admin/breaches/"+b.ID, "breach_recorded")
}

// breachPage is one breach with its steps and the draft of its report to
// Datatilsynet (Art. 33(3)), in the page's language.
type breachPage struct {
	base
	Breach app.BreachView
	Report string
	Now    time.Time
}

func (*breachPage) view() string { return "breach" }

func (p *Pages) breach(w http.ResponseWriter, r *request) error {
	if !r.can(staff.ReadBreaches) {
		return forbid(staff.ReadBreaches)
	}
	b, err := p.app.Breach(r.Context(), r.Actor, r.PathValue("id"))
	if err != nil {
		return err
	}
	rep, err := p.app.BreachReport(r.Context(), r.Actor, b.ID)
	if err != nil {
		return err
	}
	md, err := rep.Markdown(r.lang)
	if err != nil {
		return err
	}
	p.render(w, r, http.StatusOK, &breachPage{base: p.base(r, "/admin/breaches"), Breach: b, Report: string(md), Now: p.now()})
	return nil
}

// Clock is where a breach stands on its 72-hour clock (B-01): notified,
// no notification needed, or the whole hours left (or past) its deadline.
func (b *base) Clock(now time.Time, v app.BreachView) string {
	switch {
	case v.NotifiedAt != nil:
		return b.T("admin.breaches.clock.notified", "at", b.Time(*v.NotifiedAt))
	case !v.MustNotify:
		return b.T("admin.breaches.clock.not_needed")
	case now.After(v.DeadlineAt):
		return b.T("admin.breaches.clock.overdue", "h", strconv.Itoa(int(now.Sub(v.DeadlineAt).Hours())))
	}
	return b.T("admin.breaches.clock.left", "h", strconv.Itoa(int(v.DeadlineAt.Sub(now).Hours())))
}

// now is the app's clock, so that a page's deadlines and a form's default
// times agree with the rules that check them.
func (p *Pages) now() time.Time { return p.app.NowFunc() }
