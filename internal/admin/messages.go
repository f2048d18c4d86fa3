// SPDX-License-Identifier: AGPL-3.0-only

package admin

import (
	"net/http"

	"github.com/samtykke/samtykke/internal/app"
	"github.com/samtykke/samtykke/internal/httpx"
	"github.com/samtykke/samtykke/internal/staff"
	"github.com/samtykke/samtykke/internal/template"
)

// repliesPage is the messages people sent, newest first, the sender masked,
// with the keyword class and whether the service window is still open
// (GET /api/v1/replies's use case: each read is recorded).
type repliesPage struct {
	base
	Replies []app.ReplyView
	Next    string
}

func (*repliesPage) view() string { return "replies" }

func (p *Pages) replies(w http.ResponseWriter, r *request) error {
	if !r.can(staff.ReadReplies) {
		return forbid(staff.ReadReplies)
	}
	res, err := p.app.Replies(r.Context(), r.Actor, r.URL.Query().Get("before"), 0)
	if err != nil {
		return err
	}
	p.render(w, r, http.StatusOK, &repliesPage{base: p.base(r, "/admin/replies"), Replies: res.Replies, Next: res.Next})
	return nil
}

// templatesPage is the message templates as last synced from the platform,
// with what the checks found, and the button that syncs them.
type templatesPage struct {
	base
	Templates []template.Template
	Error     string
}

func (*templatesPage) view() string { return "templates" }

func (p *Pages) templates(w http.ResponseWriter, r *request) error {
	return p.showTemplates(w, r, http.StatusOK, "")
}

func (p *Pages) showTemplates(w http.ResponseWriter, r *request, status int, msg string) error {
	if !r.can(staff.ReadCampaigns) {
		return forbid(staff.ReadCampaigns)
	}
	ts, err := p.app.Templates(r.Context(), r.Actor)
	if err != nil {
		return err
	}
	p.render(w, r, status, &templatesPage{base: p.base(r, "/admin/templates"), Templates: ts.Templates, Error: msg})
	return nil
}

// templatesSync serves POST /admin/templates/sync (POST
// /api/v1/templates/sync's use case).
func (p *Pages) templatesSync(w http.ResponseWriter, r *request) error {
	if !r.can(staff.SyncTemplates) {
		return forbid(staff.SyncTemplates)
	}
	if _, err := p.app.SyncTemplates(r.Context(), r.Actor); err != nil {
		e := httpx.Classify(err)
		if e.Status < 500 || e.Status == http.StatusBadGateway || e.Status == http.StatusServiceUnavailable {
			return p.showTemplates(w, r, e.Status, e.Message)
		}
		return err
	}
	return seeOther(w, r, "/admin/templates", "templates_synced")
}
