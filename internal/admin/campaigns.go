// SPDX-License-Identifier: AGPL-3.0-only

package admin

import (
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/samtykke/samtykke/internal/app"
	"github.com/samtykke/samtykke/internal/campaign"
	"github.com/samtykke/samtykke/internal/consent"
	"github.com/samtykke/samtykke/internal/httpx"
	"github.com/samtykke/samtykke/internal/message"
	"github.com/samtykke/samtykke/internal/staff"
	"github.com/samtykke/samtykke/internal/template"
)

// campaignsPage lists the campaigns, newest first (GET /api/v1/campaigns).
type campaignsPage struct {
	base
	Campaigns []campaign.Campaign
	Status    string
	Next      string
	now       time.Time
}

func (*campaignsPage) view() string { return "campaigns" }

// Waiting is what holds a campaign of the list back: its start time or its
// window.
func (pg *campaignsPage) Waiting(c campaign.Campaign) string { return waiting(&pg.base, c, pg.now) }

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
		Status: q.Get("status"), Next: res.Next, now: p.now()})
	return nil
}

// campaignNewPage is the form that creates a campaign: a purpose, the
// message (a synced WhatsApp template, or a template's text typed in; the
// checks of G-05, R-09 and M-05 run when it is saved), the audience's
// language and tags, the sending number, the start time and the daily send
// window (Europe/Oslo).
type campaignNewPage struct {
	base
	Purposes  []consent.Purpose
	Synced    []syncedChoice
	Senders   []senderChoice
	Form      campaignForm
	Error     string
	Errs      map[string]string // a field's error, in the page's language
	NoticeURL string
}

func (*campaignNewPage) view() string { return "campaign_new" }

// Err is a field's error, if it has one.
func (pg *campaignNewPage) Err(field string) string { return pg.Errs[field] }

// Describedby is a field's aria-describedby: its help, and its error when it has one.
func (pg *campaignNewPage) Describedby(field, help string) string {
	ids := []string{}
	if help != "" {
		ids = append(ids, help)
	}
	if pg.Errs[field] != "" {
		ids = append(ids, field+"-error")
	}
	return strings.Join(ids, " ")
}

// campaignForm is the new campaign form's fields, kept when it is refused.
type campaignForm struct {
	Name, Purpose, Source, SyncedTemplate, Template, BodyNB, BodyEN, FooterNB, FooterEN, Language, Tags string
	Sender, StartDate, StartTime, WindowFrom, WindowTo                                                  string
}

// syncedChoice is a synced marketing template as the form offers it: its
// variants' language codes and what the checks found; one with problems
// cannot be chosen (G-05, R-09, M-05).
type syncedChoice struct {
	Name     string
	Codes    []string
	Problems []string
}

// senderChoice is a sending number as the form names it: the business's
// own numbers, never a person's.
type senderChoice struct {
	ID, Label string
}

func (p *Pages) campaignNew(w http.ResponseWriter, r *request) error {
	if !r.can(staff.WriteCampaigns) {
		return forbid(staff.WriteCampaigns)
	}
	return p.showCampaignForm(w, r, http.StatusOK, campaignForm{}, "", nil)
}

// senderChoices are the configured sending numbers by label: the main one
// (value "", the default) first.
func (p *Pages) senderChoices(b *base) []senderChoice {
	out := []senderChoice{{ID: "", Label: b.T("admin.campaign.sender_main")}}
	extra := 0
	for _, n := range p.app.SendingNumbers() {
		if n.Default {
			if n.Display != "" {
				out[0].Label = b.T("admin.campaign.sender_main_number", "number", "+"+strings.TrimPrefix(n.Display, "+"))
			}
			continue
		}
		extra++
		out = append(out, senderChoice{ID: n.ID, Label: b.T("admin.campaign.sender_more", "n", strconv.Itoa(extra+1), "id", n.ID)})
	}
	return out
}

// senderLabel is how the pages name a campaign's sending number.
func (p *Pages) senderLabel(b *base, id string) string {
	for _, s := range p.senderChoices(b) {
		if s.ID == id || id != "" && s.ID == "" && p.isMain(id) {
			return s.Label
		}
	}
	return b.T("admin.campaign.sender_unknown", "id", id)
}

func (p *Pages) isMain(id string) bool {
	for _, n := range p.app.SendingNumbers() {
		if n.Default && n.ID == id {
			return true
		}
	}
	return false
}

// syncedChoices groups the synced marketing templates by name, with the
// problems of each variant in nb or en.
func syncedChoices(ts []template.Template) []syncedChoice {
	var out []syncedChoice
	for _, t := range ts {
		if !strings.EqualFold(t.Category, "MARKETING") {
			continue
		}
		if len(out) == 0 || out[len(out)-1].Name != t.Name {
			out = append(out, syncedChoice{Name: t.Name})
		}
		c := &out[len(out)-1]
		c.Codes = append(c.Codes, t.Language)
		if template.Language(t.Language) == "" {
			continue
		}
		for _, pr := range t.Problems {
			c.Problems = append(c.Problems, template.Problem(t.Language, pr))
		}
	}
	return out
}

func (p *Pages) showCampaignForm(w http.ResponseWriter, r *request, status int, f campaignForm, msg string, errs map[string]string) error {
	ps, err := p.app.Purposes(r.Context(), r.Actor)
	if err != nil {
		return err
	}
	ts, err := p.app.Templates(r.Context(), r.Actor)
	if err != nil {
		return err
	}
	pg := &campaignNewPage{base: p.base(r, "/admin/campaigns"), Purposes: ps, Synced: syncedChoices(ts.Templates), Form: f,
		Error: msg, Errs: errs, NoticeURL: p.app.PublicURL() + "/privacy"}
	pg.Senders = p.senderChoices(&pg.base)
	if pg.Form.Source == "" {
		pg.Form.Source = "typed"
		for _, c := range pg.Synced {
			if len(c.Problems) == 0 {
				pg.Form.Source = "synced"
			}
		}
	}
	p.render(w, r, status, pg)
	return nil
}

// campaignCreate serves POST /admin/campaigns (POST /api/v1/campaigns's use
// case): a draft, shown with its audience count and preview. A field the
// form can read wrong comes back with its error on the field, bokmål or
// English, and nothing is created.
func (p *Pages) campaignCreate(w http.ResponseWriter, r *request) error {
	if !r.can(staff.WriteCampaigns) {
		return forbid(staff.WriteCampaigns)
	}
	v := func(k string) string { return strings.TrimSpace(r.PostFormValue(k)) }
	f := campaignForm{Name: v("name"), Purpose: v("purpose"), Source: v("source"), SyncedTemplate: v("synced_template"),
		Template: v("template"), BodyNB: v("body_nb"), BodyEN: v("body_en"), FooterNB: v("footer_nb"), FooterEN: v("footer_en"),
		Language: v("language"), Tags: v("tags"), Sender: v("sender"), StartDate: v("start_date"), StartTime: v("start_time"),
		WindowFrom: v("window_from"), WindowTo: v("window_to")}
	b := p.base(r, "")
	errs := map[string]string{}
	c := campaign.Campaign{Name: f.Name, Purpose: f.Purpose, Language: f.Language}
	if f.Source == "" { // no choice made: what was filled in says
		f.Source = map[bool]string{true: "synced", false: "typed"}[f.SyncedTemplate != ""]
	}
	switch f.Source {
	case "synced":
		if f.SyncedTemplate == "" {
			errs["synced_template"] = b.T("admin.campaign.err_synced_none")
		} else if f.Template != "" || f.BodyNB != "" || f.BodyEN != "" || f.FooterNB != "" || f.FooterEN != "" {
			errs["synced_template"] = b.T("admin.campaign.err_synced_and_typed")
		}
		c.Template = campaign.Template{Name: f.SyncedTemplate, Synced: true}
	case "typed":
		c.Template = campaign.Template{Name: f.Template, Languages: map[string]campaign.Variant{}}
		if f.BodyNB != "" || f.FooterNB != "" {
			c.Template.Languages["nb"] = campaign.Variant{Body: strings.ReplaceAll(f.BodyNB, "\r\n", "\n"), Footer: f.FooterNB}
		}
		if f.BodyEN != "" || f.FooterEN != "" {
			c.Template.Languages["en"] = campaign.Variant{Body: strings.ReplaceAll(f.BodyEN, "\r\n", "\n"), Footer: f.FooterEN}
		}
	default:
		errs["source"] = b.T("admin.campaign.err_source")
	}
	for _, t := range strings.Split(f.Tags, ",") {
		if t = strings.TrimSpace(t); t != "" {
			c.Tags = append(c.Tags, t)
		}
	}
	known := false
	for _, s := range p.senderChoices(&b) {
		known = known || s.ID == f.Sender
	}
	if !known {
		errs["sender"] = b.T("admin.campaign.err_sender")
	}
	c.Sender = f.Sender
	switch {
	case f.StartDate == "" && f.StartTime == "":
	case f.StartDate == "" || f.StartTime == "":
		errs["start"] = b.T("admin.campaign.err_start_both")
	default:
		at, err := campaign.LocalTime(f.StartDate, f.StartTime)
		switch {
		case err != nil:
			errs["start"] = b.T("admin.campaign.err_start_format")
		case at.Before(p.now()):
			errs["start"] = b.T("admin.campaign.err_start_past")
		}
		c.ScheduledAt = at.UTC()
	}
	switch {
	case f.WindowFrom == "" && f.WindowTo == "":
	case f.WindowFrom == "" || f.WindowTo == "":
		errs["window"] = b.T("admin.campaign.err_window_both")
	default:
		c.Window = &campaign.Window{From: f.WindowFrom, To: f.WindowTo}
		if err := c.Window.Check(); err != nil {
			errs["window"] = b.T("admin.campaign.err_window_format")
		}
	}
	if len(errs) > 0 {
		return p.showCampaignForm(w, r, http.StatusBadRequest, f, b.T("admin.campaign.err_fields"), errs)
	}
	saved, err := p.app.CreateCampaign(r.Context(), r.Actor, c)
	if err != nil {
		if msg, ok := formError(err); ok {
			switch {
			case errors.Is(err, template.ErrNotUsable):
				errs["synced_template"] = msg
			case errors.Is(err, campaign.ErrTemplate):
				errs["body"] = msg
			}
			return p.showCampaignForm(w, r, httpx.Classify(err).Status, f, msg, errs)
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
	// Sender names the sending number; Waiting says what holds a running
	// campaign back (its start time, its window), empty when nothing does.
	Sender  string
	Waiting string
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
	pg.Sender = p.senderLabel(&pg.base, c.Sender)
	pg.Waiting = waiting(&pg.base, c.Campaign, p.now())
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
		"progress": c.Progress, "percent": b.Pct(c.Progress), "counts": counts, "waiting": waiting(&b, c.Campaign, p.now())})
	return nil
}

// waiting says, in the page's language, what holds a campaign's sending
// back: its start time ("scheduled for"), or its window ("waiting for the
// window", and when it opens). Empty when nothing does, or when it is not
// running or a draft.
func waiting(b *base, c campaign.Campaign, now time.Time) string {
	if c.Status != campaign.Running && c.Status != campaign.Draft {
		return ""
	}
	w, until := c.Waiting(now)
	switch {
	case w == campaign.WaitingSchedule:
		return b.T("admin.campaign.waiting_scheduled", "at", b.Time(until))
	case w == campaign.WaitingWindow && c.Status == campaign.Running:
		return b.T("admin.campaign.waiting_window", "at", b.Time(until))
	}
	return ""
}

// TimeOfDay shows a window's time of day as the page's language writes it.
func (b *base) TimeOfDay(hhmm string) string {
	if b.Lang == "en" {
		return hhmm
	}
	return strings.Replace(hhmm, ":", ".", 1)
}
