// SPDX-License-Identifier: AGPL-3.0-only

package api

import (
	"bytes"
	"cmp"
	"net/http"
	"strconv"

	"github.com/samtykke/samtykke/internal/app"
	"github.com/samtykke/samtykke/internal/dpia"
	"github.com/samtykke/samtykke/internal/httpx"
	"github.com/samtykke/samtykke/internal/ropa"
)

// formats are the content types of the records' formats.
var formats = map[string]string{"md": "text/markdown; charset=utf-8", "html": "text/html; charset=utf-8", "json": "application/json"}

func recordFormat(r *http.Request) (string, error) {
	f := cmp.Or(r.URL.Query().Get("format"), "json")
	if _, ok := formats[f]; !ok {
		return "", httpx.Errorf(http.StatusBadRequest, "invalid_input", "format must be md, html or json")
	}
	return f, nil
}

func writeDocument(w http.ResponseWriter, format string, write func(*bytes.Buffer) error) error {
	var buf bytes.Buffer
	if err := write(&buf); err != nil {
		return err
	}
	w.Header().Set("Content-Type", formats[format])
	if format == "html" {
		w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
	}
	w.WriteHeader(http.StatusOK)
	_, err := w.Write(buf.Bytes())
	return err
}

func (s *Server) getRopa(w http.ResponseWriter, r *http.Request, actor app.Actor) error {
	format, err := recordFormat(r)
	if err != nil {
		return err
	}
	rec, err := s.app.RecordOfProcessing(r.Context(), actor)
	if err != nil {
		return err
	}
	return writeDocument(w, format, func(b *bytes.Buffer) error { return ropa.Write(b, rec, format) })
}

func (s *Server) getDPIA(w http.ResponseWriter, r *http.Request, actor app.Actor) error {
	format, err := recordFormat(r)
	if err != nil {
		return err
	}
	v := 0
	if q := r.URL.Query().Get("version"); q != "" {
		if v, err = strconv.Atoi(q); err != nil || v < 1 {
			return httpx.Errorf(http.StatusBadRequest, "invalid_input", "version must be a version number")
		}
	}
	d, err := s.app.DPIA(r.Context(), actor, v)
	if err != nil {
		return err
	}
	if format == "json" {
		httpx.WriteJSON(w, http.StatusOK, d)
		return nil
	}
	return writeDocument(w, format, func(b *bytes.Buffer) error { return dpia.Write(b, d.Document, format) })
}

func (s *Server) putDPIA(w http.ResponseWriter, r *http.Request, actor app.Actor) error {
	var in app.DPIAInput
	if err := httpx.ReadJSON(w, r, &in); err != nil {
		return err
	}
	d, err := s.app.SaveDPIA(r.Context(), actor, in)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusCreated, d)
	return nil
}

func (s *Server) dpiaVersions(w http.ResponseWriter, r *http.Request, actor app.Actor) error {
	vs, err := s.app.DPIAVersions(r.Context(), actor)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"versions": vs})
	return nil
}
