// SPDX-License-Identifier: AGPL-3.0-only

package api

import (
	"bytes"
	"cmp"
	"net/http"
	"regexp"

	"github.com/samtykke/samtykke/internal/app"
	"github.com/samtykke/samtykke/internal/httpx"
	"github.com/samtykke/samtykke/internal/portability"
)

// safeName is what a contact id must look like to go into a file name.
var safeName = regexp.MustCompile(`^[A-Za-z0-9-]{1,64}$`)

// subjectPackage answers GET /api/v1/contacts/{id}/package: everything held
// about a contact as JSON, as a page (in the contact's
// language unless lang says otherwise) or its consent events as CSV. The
// reason is required and recorded; the answer holds the number in clear,
// so it is never cached.
func (s *Server) subjectPackage(w http.ResponseWriter, r *http.Request, actor app.Actor) error {
	q := r.URL.Query()
	format := cmp.Or(q.Get("format"), "json")
	if format != "json" && format != "html" && format != "csv" {
		return httpx.Errorf(http.StatusBadRequest, "invalid_input", "format must be json, html or csv")
	}
	lang := q.Get("lang")
	if lang != "" && lang != "nb" && lang != "en" {
		return httpx.Errorf(http.StatusBadRequest, "invalid_input", "lang must be nb or en")
	}
	p, err := s.app.SubjectPackage(r.Context(), actor, r.PathValue("id"), q.Get("reason"))
	if err != nil {
		return err
	}
	name := "samtykke-package"
	if safeName.MatchString(p.Contact.ID) {
		name += "-" + p.Contact.ID
	}
	var body bytes.Buffer
	var contentType, disposition, policy string
	switch format {
	case "json":
		err = portability.WriteJSON(&body, p)
		contentType, disposition = "application/json", `attachment; filename="`+name+`.json"`
	case "html":
		lang = cmp.Or(lang, p.Contact.Language)
		err = portability.WriteHTML(&body, p, lang)
		contentType, disposition = "text/html; charset=utf-8", `inline; filename="`+name+`.`+lang+`.html"`
		policy = portability.ContentSecurityPolicy
	case "csv":
		err = portability.WriteCSV(&body, p)
		contentType, disposition = "text/csv; charset=utf-8; header=present", `attachment; filename="`+name+`-consent-events.csv"`
	}
	if err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("Content-Disposition", disposition)
	if policy != "" {
		h.Set("Content-Security-Policy", policy)
	}
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	_, err = w.Write(body.Bytes())
	return err
}

// subjectPackageSchema serves the JSON Schema of the package.
func (s *Server) subjectPackageSchema(w http.ResponseWriter, _ *http.Request, _ app.Actor) error {
	w.Header().Set("Content-Type", "application/schema+json")
	_, err := w.Write(portability.Schema)
	return err
}
