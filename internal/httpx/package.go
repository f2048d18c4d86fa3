// SPDX-License-Identifier: AGPL-3.0-only

package httpx

import (
	"bytes"
	"cmp"
	"net/http"
	"regexp"

	"github.com/samtykke/samtykke/internal/portability"
)

// safeName is what a contact id must look like to go into a file name.
var safeName = regexp.MustCompile(`^[A-Za-z0-9-]{1,64}$`)

// PackageFormat checks the format and language asked for a subject
// package: json (default), html, csv (the consent events) or replies-csv
// (the messages the person sent); nb, en or empty.
func PackageFormat(format, lang string) (string, error) {
	format = cmp.Or(format, "json")
	if format != "json" && format != "html" && format != "csv" && format != "replies-csv" {
		return "", Errorf(http.StatusBadRequest, "invalid_input", "format must be json, html, csv or replies-csv")
	}
	if lang != "" && lang != "nb" && lang != "en" {
		return "", Errorf(http.StatusBadRequest, "invalid_input", "lang must be nb or en")
	}
	return format, nil
}

// WritePackage answers with a subject package as JSON,
// as a page (in the contact's language unless lang says otherwise), its
// consent events as CSV or the messages the person sent as CSV. It holds the number in clear, so it is never
// cached.
func WritePackage(w http.ResponseWriter, p portability.Package, format, lang string) error {
	name := "samtykke-package"
	if safeName.MatchString(p.Contact.ID) {
		name += "-" + p.Contact.ID
	}
	var body bytes.Buffer
	var err error
	var contentType, disposition, policy string
	switch format {
	case "html":
		lang = cmp.Or(lang, p.Contact.Language)
		err = portability.WriteHTML(&body, p, lang)
		contentType, disposition = "text/html; charset=utf-8", `inline; filename="`+name+`.`+lang+`.html"`
		policy = portability.ContentSecurityPolicy
	case "csv":
		err = portability.WriteCSV(&body, p)
		contentType, disposition = "text/csv; charset=utf-8; header=present", `attachment; filename="`+name+`-consent-events.csv"`
	case "replies-csv":
		err = portability.WriteRepliesCSV(&body, p)
		contentType, disposition = "text/csv; charset=utf-8; header=present", `attachment; filename="`+name+`-replies.csv"`
	default:
		err = portability.WriteJSON(&body, p)
		contentType, disposition = "application/json", `attachment; filename="`+name+`.json"`
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
