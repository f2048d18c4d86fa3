// SPDX-License-Identifier: AGPL-3.0-only

package api

import (
	"net/http"

	"github.com/samtykke/samtykke/internal/app"
	"github.com/samtykke/samtykke/internal/httpx"
	"github.com/samtykke/samtykke/internal/portability"
)

// subjectPackage answers GET /api/v1/contacts/{id}/package: everything held
// about a contact for the DPO or an admin; the reason is
// required and recorded.
func (s *Server) subjectPackage(w http.ResponseWriter, r *http.Request, actor app.Actor) error {
	q := r.URL.Query()
	format, err := httpx.PackageFormat(q.Get("format"), q.Get("lang"))
	if err != nil {
		return err
	}
	p, err := s.app.SubjectPackage(r.Context(), actor, r.PathValue("id"), q.Get("reason"))
	if err != nil {
		return err
	}
	return httpx.WritePackage(w, p, format, q.Get("lang"))
}

// requestPackage answers GET /api/v1/requests/{id}/export: the package of
// the contact a rights request names, the access recorded with the request
// as its reason.
func (s *Server) requestPackage(w http.ResponseWriter, r *http.Request, actor app.Actor) error {
	q := r.URL.Query()
	format, err := httpx.PackageFormat(q.Get("format"), q.Get("lang"))
	if err != nil {
		return err
	}
	p, err := s.app.RequestPackage(r.Context(), actor, r.PathValue("id"))
	if err != nil {
		return err
	}
	return httpx.WritePackage(w, p, format, q.Get("lang"))
}

// subjectPackageSchema serves the JSON Schema of the package.
func (s *Server) subjectPackageSchema(w http.ResponseWriter, _ *http.Request, _ app.Actor) error {
	w.Header().Set("Content-Type", "application/schema+json")
	_, err := w.Write(portability.Schema)
	return err
}
