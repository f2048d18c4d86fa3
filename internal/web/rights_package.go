// SPDX-License-Identifier: AGPL-3.0-only

package web

import (
	"net/http"

	"github.com/samtykke/samtykke/internal/httpx"
)

// rightsPackage serves GET /rights/{token}/package: the copy of the data
// of an answered access or portability request, to the person who proved
// the number is theirs (T-04), as a page in their language, as JSON
// (?format=json), the consent events as CSV (?format=csv) or the messages
// the person sent as CSV (?format=replies-csv). The access is
// recorded as the person's own.
func (s *Server) rightsPackage(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	format, err := httpx.PackageFormat(q.Get("format"), "")
	if err != nil {
		return err
	}
	if q.Get("format") == "" {
		format = "html"
	}
	p, err := s.app.PersonPackage(r.Context(), r.PathValue("token"))
	if err != nil {
		return err
	}
	lang, explicit := requestLang(r)
	if !explicit {
		lang = ""
	}
	return httpx.WritePackage(w, p, format, lang)
}
