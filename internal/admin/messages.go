// SPDX-License-Identifier: AGPL-3.0-only

package admin

import (
	"net/http"

	"github.com/samtykke/samtykke/internal/app"
	"github.com/samtykke/samtykke/internal/httpx"
	"github.com/samtykke/samtykke/internal/reply"
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

// replyPage is one message a person sent with its conversation (GET
// /api/v1/replies/{id}'s use case) and, for a role that may answer while
// the service window is open, the answer form (POST
// /api/v1/replies/{id}/answer's use case; issue 23 point 2).
type replyPage struct {
	base
	Conversation app.Conversation
	Max          int    // the longest answer, in characters
	Text         string // a refused answer's text, given back
	Error        string
}

func (*replyPage) view() string { return "reply" }

// reply serves GET /admin/replies/{id}.
func (p *Pages) reply(w http.ResponseWriter, r *request) error {
	return p.showReply(w, r, http.StatusOK, "", "")
}

func (p *Pages) showReply(w http.ResponseWriter, r *request, status int, text, msg string) error {
	if !r.can(staff.ReadReplies) {
		return forbid(staff.ReadReplies)
	}
	c, err := p.app.ReplyConversation(r.Context(), r.Actor, r.PathValue("id"))
	if err != nil {
		return err
	}
	p.render(w, r, status, &replyPage{base: p.base(r, "/admin/replies"), Conversation: c, Max: reply.MaxAnswer, Text: text, Error: msg})
	return nil
}

// replyAnswer serves POST /admin/replies/{id}/answer: the answer is sent
// only inside the service window; a refusal comes back with the reason and
// the text, nothing sent.
func (p *Pages) replyAnswer(w http.ResponseWriter, r *request) error {
	if !r.can(staff.AnswerReplies) {
		return forbid(staff.AnswerReplies)
	}
	id, text := r.PathValue("id"), r.PostFormValue("text")
	if _, err := p.app.AnswerReply(r.Context(), r.Actor, id, text); err != nil {
		if msg, ok := formError(err); ok {
			return p.showReply(w, r, httpx.Classify(err).Status, text, msg)
		}
		return err
	}
	return seeOther(w, r, "/admin/replies/"+id, "reply_answered")
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
