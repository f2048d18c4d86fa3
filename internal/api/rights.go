// SPDX-License-Identifier: AGPL-3.0-only

package api

import (
	"net/http"
	"time"

	"github.com/samtykke/samtykke/internal/app"
	"github.com/samtykke/samtykke/internal/httpx"
)

func (s *Server) createRequest(w http.ResponseWriter, r *http.Request, actor app.Actor) error {
	var in struct {
		Type       string     `json:"type"`
		ContactID  string     `json:"contact_id"`
		Phone      string     `json:"phone"`
		Via        string     `json:"via"`
		Language   string     `json:"language"`
		ReceivedAt *time.Time `json:"received_at"`
	}
	if err := httpx.ReadJSON(w, r, &in); err != nil {
		return err
	}
	out, err := s.app.FileRequest(r.Context(), actor, app.RightsInput{Type: in.Type, ContactID: in.ContactID,
		Phone: in.Phone, Via: in.Via, Language: in.Language, Received: in.ReceivedAt})
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusCreated, out)
	return nil
}

func (s *Server) listRequests(w http.ResponseWriter, r *http.Request, actor app.Actor) error {
	out, err := s.app.RightsRequests(r.Context(), actor, r.URL.Query().Get("state"))
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"requests": out})
	return nil
}

func (s *Server) getRequest(w http.ResponseWriter, r *http.Request, actor app.Actor) error {
	out, err := s.app.RightsRequest(r.Context(), actor, r.PathValue("id"))
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) extendRequest(w http.ResponseWriter, r *http.Request, actor app.Actor) error {
	var in struct {
		Months  int        `json:"months"`
		Reason  string     `json:"reason"`
		ToldAt  *time.Time `json:"told_at"`
		ToldHow string     `json:"told_how"`
	}
	if err := httpx.ReadJSON(w, r, &in); err != nil {
		return err
	}
	out, err := s.app.ExtendRequest(r.Context(), actor, r.PathValue("id"),
		app.ExtensionInput{Months: in.Months, Reason: in.Reason, ToldAt: in.ToldAt, ToldHow: in.ToldHow})
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) completeRequest(w http.ResponseWriter, r *http.Request, actor app.Actor) error {
	var in struct {
		Answer string `json:"answer"`
	}
	if err := httpx.ReadJSON(w, r, &in); err != nil {
		return err
	}
	out, err := s.app.CompleteRequest(r.Context(), actor, r.PathValue("id"), in.Answer)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) refuseRequest(w http.ResponseWriter, r *http.Request, actor app.Actor) error {
	var in struct {
		Reason string `json:"reason"`
	}
	if err := httpx.ReadJSON(w, r, &in); err != nil {
		return err
	}
	out, err := s.app.RefuseRequest(r.Context(), actor, r.PathValue("id"), in.Reason)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, out)
	return nil
}
