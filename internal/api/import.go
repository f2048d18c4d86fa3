// SPDX-License-Identifier: AGPL-3.0-only

package api

import (
	"errors"
	"mime"
	"net/http"
	"strconv"
	"time"

	"github.com/samtykke/samtykke/internal/app"
	"github.com/samtykke/samtykke/internal/httpx"
	"github.com/samtykke/samtykke/internal/importer"
)

// MaxImportBody is the largest CSV file the import route takes: far above
// the JSON routes' limit (a list of 1,000,000 rows with evidence is about
// 150 MB). The body is stored sealed in chunks as it arrives, never held.
const MaxImportBody = 1 << 30

// importUploadTime is how long an import's body may take to arrive.
const importUploadTime = 15 * time.Minute

// importView is an import as the API shows it: its progress and, once
// done, its per-row report.
type importView struct {
	importer.Import
	Report []importer.ReportRow `json:"report,omitempty"`
	// NextAfter, when set, is the row to ask for the rest of the report
	// after (?after=).
	NextAfter int `json:"next_after,omitempty"`
}

// createImport takes a CSV file as the body and answers at once with the
// import's id; a job does the work (C-03, M-04).
func (s *Server) createImport(w http.ResponseWriter, r *http.Request, actor app.Actor) error {
	if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct != "" && ct != "text/csv" && ct != "application/csv" {
		return httpx.Errorf(http.StatusUnsupportedMediaType, "unsupported_media_type", "send the file as text/csv")
	}
	q := r.URL.Query()
	mode, err := importer.ParseMode(q.Get("without_evidence"))
	if err != nil {
		return httpx.Errorf(http.StatusBadRequest, "invalid_input", "%v", err)
	}
	if q.Get("purpose") == "" {
		return httpx.Errorf(http.StatusBadRequest, "invalid_input", "name the purpose: ?purpose=KEY")
	}
	_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(importUploadTime))
	body := http.MaxBytesReader(w, r.Body, MaxImportBody)
	imp, err := s.app.ReceiveImport(r.Context(), actor, app.ImportInput{Purpose: q.Get("purpose"), Mode: mode}, body)
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return httpx.Errorf(http.StatusRequestEntityTooLarge, "too_large", "the file is larger than %d bytes", MaxImportBody)
	}
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/imports/"+imp.ID)
	httpx.WriteJSON(w, http.StatusAccepted, map[string]string{"id": imp.ID, "state": string(imp.State)})
	return nil
}

// getImport shows an import's progress and, when it is done, its report,
// up to 10,000 rows a page (?after=ROW for the next).
func (s *Server) getImport(w http.ResponseWriter, r *http.Request, actor app.Actor) error {
	imp, err := s.app.Import(r.Context(), actor, r.PathValue("id"))
	if err != nil {
		return err
	}
	v := importView{Import: imp}
	if imp.State == importer.Done {
		after := 0
		if a := r.URL.Query().Get("after"); a != "" {
			if after, err = strconv.Atoi(a); err != nil || after < 0 {
				return httpx.Errorf(http.StatusBadRequest, "invalid_input", "after must be a row number")
			}
		}
		const page = 10000
		if v.Report, err = s.app.ImportReport(r.Context(), actor, imp.ID, after, page); err != nil {
			return err
		}
		if len(v.Report) == page {
			v.NextAfter = v.Report[page-1].Line
		}
	}
	httpx.WriteJSON(w, http.StatusOK, v)
	return nil
}
