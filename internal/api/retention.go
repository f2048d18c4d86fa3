// SPDX-License-Identifier: AGPL-3.0-only

package api

import (
	"net/http"
	"strconv"

	"github.com/samtykke/samtykke/internal/app"
	"github.com/samtykke/samtykke/internal/httpx"
)

func (s *Server) listProcessorTasks(w http.ResponseWriter, r *http.Request, actor app.Actor) error {
	ts, err := s.app.ProcessorTasks(r.Context(), actor, r.URL.Query().Get("state"))
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"tasks": ts})
	return nil
}

func (s *Server) finishProcessorTask(w http.ResponseWriter, r *http.Request, actor app.Actor) error {
	var in struct {
		Note string `json:"note"`
	}
	if err := httpx.ReadJSON(w, r, &in); err != nil {
		return err
	}
	t, err := s.app.FinishProcessorTask(r.Context(), actor, r.PathValue("id"), in.Note)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, t)
	return nil
}

func (s *Server) retentionLog(w http.ResponseWriter, r *http.Request, actor app.Actor) error {
	q := r.URL.Query()
	limit := 0
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return httpx.Errorf(http.StatusBadRequest, "invalid_input", "limit must be a whole number")
		}
		limit = n
	}
	es, err := s.app.RetentionLog(r.Context(), actor, q.Get("class"), limit)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"entries": es})
	return nil
}
