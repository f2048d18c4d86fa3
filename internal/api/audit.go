// SPDX-License-Identifier: AGPL-3.0-only

package api

import (
	"bytes"
	"context"
	"net/http"
	"strconv"

	"github.com/samtykke/samtykke/internal/app"
	"github.com/samtykke/samtykke/internal/audit"
	"github.com/samtykke/samtykke/internal/httpx"
)

// runAudit answers POST /api/v1/audits: the compliance audit runs now, its
// report is stored and returned (S-04, P-07). An audit once started runs to
// its stored report even when the client stops waiting (a large list takes
// minutes: docs/performance.md); GET /api/v1/audits finds it.
func (s *Server) runAudit(w http.ResponseWriter, r *http.Request, actor app.Actor) error {
	rep, err := s.app.RunAudit(context.WithoutCancel(r.Context()), actor)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/audits/"+rep.ID)
	httpx.WriteJSON(w, http.StatusCreated, rep)
	return nil
}

// listAudits answers GET /api/v1/audits: the stored reports, newest first.
func (s *Server) listAudits(w http.ResponseWriter, r *http.Request, actor app.Actor) error {
	limit := 0
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return httpx.Errorf(http.StatusBadRequest, "invalid_input", "limit must be a number from 1 to 1000")
		}
		limit = n
	}
	out, err := s.app.Audits(r.Context(), actor, limit)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"audits": out})
	return nil
}

// getAudit answers GET /api/v1/audits/{id}: a stored report, as JSON or as
// a standalone page (?format=html).
func (s *Server) getAudit(w http.ResponseWriter, r *http.Request, actor app.Actor) error {
	format := r.URL.Query().Get("format")
	if format != "" && format != "json" && format != "html" {
		return httpx.Errorf(http.StatusBadRequest, "invalid_input", "format must be json or html")
	}
	rep, err := s.app.Audit(r.Context(), actor, r.PathValue("id"))
	if err != nil {
		return err
	}
	if format != "html" {
		httpx.WriteJSON(w, http.StatusOK, rep)
		return nil
	}
	var page bytes.Buffer
	if err := audit.WriteHTML(&page, rep); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	_, err = w.Write(page.Bytes())
	return err
}
