// SPDX-License-Identifier: AGPL-3.0-only

package admin

import (
	"html/template"
	"net/http"

	"github.com/samtykke/samtykke/internal/app"
	"github.com/samtykke/samtykke/internal/chart"
	"github.com/samtykke/samtykke/internal/staff"
)

// dashboardPage is the home page: the aggregate counts as charts drawn on
// the server, each with its numbers in a table beside it (readable without
// JavaScript, and by a screen reader).
type dashboardPage struct {
	base
	Stats        *app.Dashboard // nil: the role reads no counts
	AudienceSVG  template.HTML
	DaysSVG      template.HTML
	NeedsSetup   bool
	DaysWithData int
}

func (*dashboardPage) view() string { return "dashboard" }

// Chart colours: both reach 4.5:1 on white, and differ for colour blindness
// by lightness as well as hue.
const (
	colourIn  = "#0b6e4f"
	colourOut = "#a4161a"
)

// dashboard serves GET /admin/: the counts of app.Dashboard (GET
// /api/v1/dashboard), or, for a role that reads no counts, the navigation
// alone.
func (p *Pages) dashboard(w http.ResponseWriter, r *request) error {
	pg := &dashboardPage{base: p.base(r, "/admin/")}
	if r.can(staff.WriteNotices) {
		set, err := p.app.SetUp(r.Context())
		if err != nil {
			return err
		}
		pg.NeedsSetup = !set
	}
	if r.can(staff.ReadStats) {
		d, err := p.app.Dashboard(r.Context(), r.Actor)
		if err != nil {
			return err
		}
		pg.Stats = &d
		items := make([]chart.Item, len(d.Audience))
		for i, a := range d.Audience {
			items[i] = chart.Item{Label: a.Purpose, Value: a.Active}
		}
		pg.AudienceSVG = template.HTML(chart.Bars("audience", pg.T("admin.dash.audience"), pg.T("admin.dash.audience_desc"), colourIn, items))
		labels := make([]string, len(d.Days))
		ins, outs := make([]int64, len(d.Days)), make([]int64, len(d.Days))
		for i, day := range d.Days {
			labels[i] = day.Day[8:10] + "." + day.Day[5:7]
			ins[i], outs[i] = day.OptIns, day.OptOuts
			if day.OptIns+day.OptOuts > 0 {
				pg.DaysWithData++
			}
		}
		pg.DaysSVG = template.HTML(chart.Days("days", pg.T("admin.dash.days"), pg.T("admin.dash.days_desc"), labels,
			[]chart.Series{{Name: pg.T("admin.dash.optins"), Colour: colourIn, Values: ins},
				{Name: pg.T("admin.dash.optouts"), Colour: colourOut, Values: outs}}))
	}
	p.render(w, r, http.StatusOK, pg)
	return nil
}
