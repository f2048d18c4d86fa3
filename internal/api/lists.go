// SPDX-License-Identifier: AGPL-3.0-only

package api

import (
	"net/http"
	"strconv"

	"github.com/samtykke/samtykke/internal/app"
	"github.com/samtykke/samtykke/internal/httpx"
)

// limitParam reads ?limit= (absent: 0, the use case's default).
func limitParam(r *http.Request) (int, error) {
	v := r.URL.Query().Get("limit")
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > app.MaxPage {
		return 0, httpx.Errorf(http.StatusBadRequest, "invalid_input", "limit must be a number from 1 to %d", app.MaxPage)
	}
	return n, nil
}

// listCampaigns answers GET /api/v1/campaigns: newest first, ?state=,
// ?cursor= from the page before, ?limit=.
func (s *Server) listCampaigns(w http.ResponseWriter, r *http.Request, actor app.Actor) error {
	limit, err := limitParam(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	page, err := s.app.Campaigns(r.Context(), actor, q.Get("state"), q.Get("cursor"), limit)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, page)
	return nil
}

// campaignAudience answers GET /api/v1/campaigns/{id}/audience: how many
// contacts the campaign would reach if it started now.
func (s *Server) campaignAudience(w http.ResponseWriter, r *http.Request, actor app.Actor) error {
	n, err := s.app.CampaignAudience(r.Context(), actor, r.PathValue("id"))
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, n)
	return nil
}

// campaignPreview answers GET /api/v1/campaigns/{id}/preview: the template
// in each language, footer included, parameters filled with examples.
func (s *Server) campaignPreview(w http.ResponseWriter, r *http.Request, actor app.Actor) error {
	p, err := s.app.PreviewCampaign(r.Context(), actor, r.PathValue("id"))
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, p)
	return nil
}

// listContacts answers GET /api/v1/contacts: ?query= a number, or ?tag=,
// or neither; numbers masked, newest first, ?cursor= and ?limit=.
func (s *Server) listContacts(w http.ResponseWriter, r *http.Request, actor app.Actor) error {
	limit, err := limitParam(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	page, err := s.app.SearchContacts(r.Context(), actor, app.ContactSearch{Query: q.Get("query"), Tag: q.Get("tag"),
		Before: q.Get("cursor"), Limit: limit})
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, page)
	return nil
}

// dashboard answers GET /api/v1/dashboard: aggregate counts for the admin
// UI's first page.
func (s *Server) dashboard(w http.ResponseWriter, r *http.Request, actor app.Actor) error {
	d, err := s.app.Dashboard(r.Context(), actor)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, d)
	return nil
}

// listReplies answers GET /api/v1/replies: the messages people sent,
// newest first, senders masked, with their class and service window.
func (s *Server) listReplies(w http.ResponseWriter, r *http.Request, actor app.Actor) error {
	limit, err := limitParam(r)
	if err != nil {
		return err
	}
	page, err := s.app.Replies(r.Context(), actor, r.URL.Query().Get("cursor"), limit)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, page)
	return nil
}

// getReply answers GET /api/v1/replies/{id}: the message with its
// conversation, for staff to answer it.
func (s *Server) getReply(w http.ResponseWriter, r *http.Request, actor app.Actor) error {
	c, err := s.app.ReplyConversation(r.Context(), actor, r.PathValue("id"))
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, c)
	return nil
}

// answerReply answers POST /api/v1/replies/{id}/answer: staff's free-text
// answer, inside the service window only (issue 23).
func (s *Server) answerReply(w http.ResponseWriter, r *http.Request, actor app.Actor) error {
	var in struct {
		Text *string `json:"text"`
	}
	if err := httpx.ReadJSON(w, r, &in); err != nil {
		return err
	}
	if in.Text == nil {
		return httpx.Errorf(http.StatusBadRequest, "invalid_input", "text is required: the answer as it is sent")
	}
	a, err := s.app.AnswerReply(r.Context(), actor, r.PathValue("id"), *in.Text)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusCreated, a)
	return nil
}

// listTemplates answers GET /api/v1/templates: the templates as last synced.
func (s *Server) listTemplates(w http.ResponseWriter, r *http.Request, actor app.Actor) error {
	l, err := s.app.Templates(r.Context(), actor)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, l)
	return nil
}

// syncTemplates answers POST /api/v1/templates/sync: read the platform's
// templates, store and check them.
func (s *Server) syncTemplates(w http.ResponseWriter, r *http.Request, actor app.Actor) error {
	l, err := s.app.SyncTemplates(r.Context(), actor)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, l)
	return nil
}
