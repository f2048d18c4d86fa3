// SPDX-License-Identifier: AGPL-3.0-only

package sim

import (
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/samtykke/samtykke/internal/whatsapp"
)

// apiErr is a Graph error answer before it is written (§2.1).
type apiErr struct {
	status  int
	code    int
	subcode int
	typ     string
	message string
	details string // empty: no error_data (Graph-level parameter errors)
	auth    bool   // add WWW-Authenticate, as Graph does on 401
}

// codeErr builds the WhatsApp error of a §2.2 code: message "(#code) title",
// error_data.details, the code's HTTP status (400 when the reference has none).
func codeErr(code int, details string) *apiErr {
	info, _ := whatsapp.LookupCode(code)
	status := info.HTTPStatus
	if status == 0 {
		status = http.StatusBadRequest
	}
	if details == "" {
		details = info.Details
	}
	title := info.Title
	if title == "" {
		title = "Unknown error"
	}
	return &apiErr{status: status, code: code, typ: "OAuthException", message: "(#" + strconv.Itoa(code) + ") " + title, details: details}
}

// paramErr is a Graph-level parameter error: code 100, the message names the
// parameter, no error_data.
func paramErr(msg string) *apiErr {
	return &apiErr{status: http.StatusBadRequest, code: whatsapp.CodeInvalidParameter, typ: "OAuthException", message: "(#100) " + msg}
}

// tokenErr is the answer to a missing or invalid access token: HTTP 401, code 190 (§2.2).
func tokenErr(msg string) *apiErr {
	return &apiErr{status: http.StatusUnauthorized, code: whatsapp.CodeTokenExpired, typ: "OAuthException", message: msg, auth: true}
}

// objectErr is Graph's answer for an id that does not exist or is not
// accessible: code 100, subcode 33, GraphMethodException.
func objectErr(id string) *apiErr {
	return &apiErr{status: http.StatusBadRequest, code: whatsapp.CodeInvalidParameter, subcode: 33, typ: "GraphMethodException",
		message: "Unsupported post request. Object with ID '" + id + "' does not exist, cannot be loaded due to missing permissions, or does not support this operation. Please read the Graph API documentation at https://developers.facebook.com/docs/graph-api"}
}

// pathErr is Graph's answer for a path it does not know.
func pathErr(path string) *apiErr {
	return &apiErr{status: http.StatusBadRequest, code: 2500, typ: "OAuthException", message: "Unknown path components: " + path}
}

var (
	ctJSON        = []string{"application/json; charset=UTF-8"}
	wwwAuthHeader = []string{`OAuth "Facebook Platform" "invalid_token" "Invalid OAuth access token - Cannot parse access token"`}
)

// write sends the error and counts it.
func (s *Server) writeErr(w http.ResponseWriter, e *apiErr) {
	s.stats.reject(e.code)
	g := whatsapp.GraphError{Message: e.message, Type: e.typ, Code: e.code, ErrorSubcode: e.subcode, FBTraceID: s.ids.traceID()}
	if e.details != "" {
		g.ErrorData = &whatsapp.ErrorData{MessagingProduct: whatsapp.MessagingProduct, Details: e.details}
	}
	body, _ := json.Marshal(whatsapp.ErrorResponse{Error: g})
	h := w.Header()
	h["Content-Type"] = ctJSON
	if e.auth {
		h["Www-Authenticate"] = wwwAuthHeader
	}
	w.WriteHeader(e.status)
	_, _ = w.Write(body)
}
