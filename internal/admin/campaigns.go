// SPDX-License-Identifier: AGPL-3.0-only

package admin

import (
	"net/http"
	"slices"
	"strings"

	"github.com/samtykke/samtykke/internal/app"
	"github.com/samtykke/samtykke/internal/campaign"
	"github.com/samtykke/samtykke/internal/consent"
	"github.com/samtykke/samtykke/internal/httpx"
	"github.com/samtykke/samtykke/internal/message"
	"github.com/samtykke/samtykke/internal/staff"
)

// campaignsPage lists the campaigns, newest first (GET /api/v1/campaigns).
type campaignsPage struct {
	base
	Campaigns []campaign.Campaign
	Status    string
	Next      string
}

func (*campaignsPage) view() string { return "campaigns" }

func (p *Pages) campaigns(w http.ResponseWriter, r *request) error {
	if !r.can(staff.ReadCampaigns) {
		return forbid(staff.ReadCampaigns)
	}
	q := r.URL.Query()
	res, err := p.app.Campaigns(r.Context(), r.Actor, q.Get("status"), q.Get("cursor"), 0)
	if err != nil {
		return err
	}
	p.render(w, r, http.StatusOK, &campaignsPage{base: p.base(r, "/admin/campaigns"), Campaigns: res.Campaigns,
		Status: q.Get("status"), Next: res.Next})
	return nil
}

// campaignNewPage is the form that creates a campaign: a purpose, a
// template with its text in each language (the checks of R-09 run when it
// is saved), the audience's language and tags.
type campaignNewPage struct {
	base
	Purposes  []consent.Purpose
	Form      campaignForm
	Error     string
	NoticeURL string
}

func (*campaignNewPage) view() string { return "campaign_new" }

// campaignForm is the new campaign form's fields, kept when it is refused.
type campaignForm struct {
	Name, Purpose, Template, BodyNB, BodyEN, FooterNB, FooterEN, Language, Tags string
}

func (p *Pages) campaignNew(w http.ResponseWriter, r *request) error {
	if !r.can(staff.WriteCampaigns) {
		return forbid(staff.WriteCampaigns)
	}
	return p.showCampaignForm(w, r, http.StatusOK, campaignForm{}, "")
}

func (p *Pages) showCampaignForm(w http.ResponseWriter, r *request, status int, f campaignForm, msg string) error {
	ps, err := p.app.Purposes(r.Context(), r.Actor)
	if err != nil {
		return err
	}
	p.render(w, r, status, &campaignNewPage{base: p.base(r, "/admin/campaigns"), Purposes: ps, Form: f, Error: msg,
		NoticeURL: p.app.PublicURL() + "/privacy"})
	return nil
}

// campaignCreate serves POST /admin/campaigns (POST /api/v1/campaigns's use
// case): a draft, shown with its audience count and preview.
func (p *Pages) campaignCreate(w http.ResponseWriter, r *request) error {
	if !r.can(staff.WriteCampaigns) {
		return forbid(staff.WriteCampaigns)
	}
	v := r.PostFormValue
	f := campaignForm{Name: strings.TrimSpace(v("name")), Purpose: v("purpose"), Template: strings.TrimSpace(v("template")),
		BodyNB: strings.TrimSpace(v("body_nb")), BodyEN: strings.TrimSpace(v("body_en")), FooterNB: strings.TrimSpace(v("footer_nb")),
		FooterEN: strings.TrimSpace(v("footer_en")), Language: v("language"), Tags: strings.TrimSpace(v("tags"))}
	c := campaign.Campaign{Name: f.Name, Purpose: f.Purpose, Language: f.Language,
		Template: campaign.Template{Name: f.Template, Languages: map[string]campaign.Variant{}}}
	if f.BodyNB != "" || f.FooterNB != "" {
		c.Template.Languages["nb"] = campaign.Variant{Body: strings.ReplaceAll(f.BodyNB, "\r\n", "\n"), Footer: f.FooterNB}
	}
	if f.BodyEN != "" || f.FooterEN != "" {
		c.Template.Languages["en"] = campaign.Variant{Body: strings.ReplaceAll(f.BodyEN, "\r\n", "\n"), Footer: f.FooterEN}
	}
	for _, t := range strings.Split(f.Tags, ",") {
		if t = strings.TrimSpace(t); t != "" {
			c.Tags = append(c.Tags, t)
		}
	}
	saved, err := p.app.CreateCampaign(r.Context(), r.Actor, c)
	if err != nil {
		if msg, ok := formError(err); ok {
			return p.showCampaignForm(w, r, httpx.Classify(err).Status, f, msg)
		}
		return err
	}
	return seeOther(w, r, "/admin/campaigns/"+saved.ID, "campaign_created")
}

// campaignPage is one campaign: its state, the audience count before the
// start, the preview in each language with the footer, the buttons its
// state allows, its progress and its results by status and reason.
type campaignPage struct {
	base
	C        app.CampaignView
	Audience *app.Audience
	Preview  *app.CampaignPreview
	Counts   []statusCount
	Actions  []string
	Percent  string
	Error    string
}

func (*campaignPage) view() string { return "campaign" }

// statusCount is one line of the results table.
type statusCount struct {
	Status string
	N      int64
}

// campaignStatuses are the message statuses the results show, in order.
var campaignStatuses = []message.Status{message.Queued, message.Sending, message.Sent, message.Delivered, message.Read, message.Failed}

// actions are what a campaign's state allows (the app refuses the others).
func actions(s campaign.Status) []string {
	switch s {
	case campaign.Draft:
		return []string{"start", "cancel"}
	case campaign.Running:
		return []string{"pause", "cancel"}
	case campaign.Paused:
		return []string{"resume", "cancel"}
	}
	return nil
}

func (p *Pages) campaign(w http.ResponseWriter, r *request) error {
	return p.showCampaign(w, r, http.StatusOK, "")
}

func (p *Pages) showCampaign(w http.ResponseWriter, r *request, status int, msg string) error {
	if !r.can(staff.ReadCampaigns) {
		return forbid(staff.ReadCampaigns)
	}
	id := r.PathValue("id")
	c, err := p.app.Campaign(r.Context(), r.Actor, id)
	if err != nil {
		return err
	}
	pg := &campaignPage{base: p.base(r, "/admin/campaigns"), C: c, Error: msg}
	for _, st := range campaignStatuses {
		pg.Counts = append(pg.Counts, statusCount{Status: string(st), N: c.Counts[st]})
	}
	pg.Counts = append(pg.Counts, statusCount{Status: "skipped", N: sum(c.Skipped)})
	pg.Percent = pg.Pct(c.Progress)
	if r.can(staff.WriteCampaigns) {
		pg.Actions = actions(c.Status)
	}
	if c.Status == campaign.Draft {
		if a, err := p.app.CampaignAudience(r.Context(), r.Actor, id); err == nil {
			pg.Audience = &a
		}
	}
	if pv, err := p.app.PreviewCampaign(r.Context(), r.Actor, id); err == nil {
		pg.Preview = &pv
	}
	p.render(w, r, status, pg)
	return nil
}

func sum(m map[string]int64) int64 {
	var n int64
	for _, v := range m {
		n += v
	}
	return n
}

// campaignAction serves POST /admin/campaigns/{id}/{action}: start, pause,
// resume or cancel (POST /api/v1/campaigns/{id}/{action}'s use case).
func (p *Pages) campaignAction(w http.ResponseWriter, r *request) error {
	if !r.can(staff.WriteCampaigns) {
		return forbid(staff.WriteCampaigns)
	}
	action := r.PathValue("action")
	if !slices.Contains([]string{"start", "pause", "resume", "cancel"}, action) {
		return httpx.Errorf(http.StatusNotFound, "not_found", "no such action")
	}
	if _, err := p.app.CampaignAction(r.Context(), r.Actor, r.PathValue("id"), action); err != nil {
		if msg, ok := formError(err); ok {
			return p.showCampaign(w, r, httpx.Classify(err).Status, msg)
		}
		return err
	}
	return seeOther(w, r, "/admin/campaigns/"+r.PathValue("id"), "campaign_"+action)
}

// campaignProgress serves GET /admin/campaigns/{id}/progress: the counts as
// JSON, for the campaign page's script (live progress).
func (p *Pages) campaignProgress(w http.ResponseWriter, r *request) error {
	if !r.can(staff.ReadCampaigns) {
		return forbid(staff.ReadCampaigns)
	}
	c, err := p.app.Campaign(r.Context(), r.Actor, r.PathValue("id"))
	if err != nil {
		return err
	}
	b := p.base(r, "")
	counts := map[string]string{}
	for _, st := range campaignStatuses {
		counts[string(st)] = b.Num(c.Counts[st])
	}
	counts["skipped"] = b.Num(sum(c.Skipped))
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"status": c.Status, "status_text": b.T("admin.campaign.status." + string(c.Status)),
		"progress": c.Progress, "percent": b.Pct(c.Progress), "counts": counts})
	return nil
}
