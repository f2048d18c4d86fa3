// SPDX-License-Identifier: AGPL-3.0-only

package api

import (
	"net/http"

	"github.com/samtykke/samtykke/internal/app"
	"github.com/samtykke/samtykke/internal/httpx"
)

func (s *Server) rectifyContact(w http.ResponseWriter, r *http.Request, actor app.Actor) error {
	var in struct {
		Language  *string `json:"language"`
		FirstName *string `json:"first_name"`
		Reason    string  `json:"reason"`
	}
	if err := httpx.ReadJSON(w, r, &in); err != nil {
		return err
	}
	out, err := s.app.Rectify(r.Context(), actor, r.PathValue("id"), app.Correction{Language: in.Language,
		FirstName: in.FirstName, Reason: in.Reason})
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) changeNumber(w http.ResponseWriter, r *http.Request, actor app.Actor) error {
	var in struct {
		Phone  string `json:"phone"`
		Reason string `json:"reason"`
	}
	if err := httpx.ReadJSON(w, r, &in); err != nil {
		return err
	}
	out, err := s.app.ChangeNumber(r.Context(), actor, r.PathValue("id"), in.Phone, in.Reason)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusAccepted, out)
	return nil
}

func (s *Server) confirmNumber(w http.ResponseWriter, r *http.Request, actor app.Actor) error {
	var in struct {
		Code string `json:"code"`
	}
	if err := httpx.ReadJSON(w, r, &in); err != nil {
		return err
	}
	out, err := s.app.ConfirmNumber(r.Context(), actor, r.PathValue("id"), in.Code)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) restrictContact(w http.ResponseWriter, r *http.Request, actor app.Actor) error {
	var in struct {
		Restricted *bool  `json:"restricted"`
		Reason     string `json:"reason"`
	}
	if err := httpx.ReadJSON(w, r, &in); err != nil {
		return err
	}
	if in.Restricted == nil {
		return httpx.Errorf(http.StatusBadRequest, "invalid_input", "restricted is required: true sets the restriction, false lifts it")
	}
	out, err := s.app.Restrict(r.Context(), actor, r.PathValue("id"), *in.Restricted, in.Reason)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) contactRestrictions(w http.ResponseWriter, r *http.Request, actor app.Actor) error {
	rs, err := s.app.Restrictions(r.Context(), actor, r.PathValue("id"))
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"restrictions": rs})
	return nil
}
