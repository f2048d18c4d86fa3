// SPDX-License-Identifier: AGPL-3.0-only

package sim

import (
	"cmp"
	"encoding/base64"
	"encoding/json"
	"hash/fnv"
	"net/http"
	"strconv"
	"strings"

	"github.com/samtykke/samtykke/internal/whatsapp"
)

// templateID is a template's id on the simulated platform: stable for its
// name and language, so that it survives a restart with the template.
func templateID(name, language string) string {
	h := fnv.New64a()
	h.Write([]byte(templateKey(name, language)))
	return strconv.FormatUint(h.Sum64()%1e15+1e15, 10)
}

// platformTemplate is a registered template as the endpoint lists it.
func platformTemplate(t Template) whatsapp.MessageTemplate {
	return whatsapp.MessageTemplate{ID: templateID(t.Name, t.Language), Name: t.Name, Language: t.Language,
		Status: t.Status, Category: t.Category, Components: t.Components}
}

// checkWABAPath answers for the version, the token and the business
// account's id as the send path does.
func (s *Server) checkWABAPath(r *http.Request) *apiErr {
	if !validVersion(r.PathValue("version")) {
		return pathErr(r.URL.Path)
	}
	if tok := bearer(r); tok == "" || (s.cfg.Token != "" && tok != s.cfg.Token) {
		return tokenErr("Invalid OAuth access token - Cannot parse access token")
	}
	if waba := r.PathValue("waba"); waba != s.cfg.BusinessAccountID {
		return objectErr(waba)
	}
	return nil
}

// handleMessageTemplates serves GET /{version}/{WABA-ID}/message_templates:
// the registered templates in name and language order, limit a page (25 by
// default, at most 100), with Graph's cursor paging: paging.next is present
// while pages follow, and its after cursor opens the next (reference §3.5).
func (s *Server) handleMessageTemplates(w http.ResponseWriter, r *http.Request) {
	if e := s.checkWABAPath(r); e != nil {
		s.writeErr(w, e)
		return
	}
	q := r.URL.Query()
	limit := 25
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			s.writeErr(w, codeErr(whatsapp.CodeInvalidParameter, "limit must be a positive number"))
			return
		}
		limit = min(n, 100)
	}
	after := ""
	if v := q.Get("after"); v != "" {
		b, err := base64.RawURLEncoding.DecodeString(v)
		if err != nil {
			s.writeErr(w, codeErr(whatsapp.CodeInvalidParameter, "after is not a cursor of this list"))
			return
		}
		after = string(b)
	}
	all := s.Templates()
	page := whatsapp.TemplatePage{Data: []whatsapp.MessageTemplate{}}
	for _, t := range all {
		if key := templateKey(t.Name, t.Language); after != "" && key <= after {
			continue
		}
		if len(page.Data) == limit {
			last := page.Data[len(page.Data)-1]
			cursor := base64.RawURLEncoding.EncodeToString([]byte(templateKey(last.Name, last.Language)))
			page.Paging = &whatsapp.Paging{}
			page.Paging.Cursors.After = cursor
			page.Paging.Next = "https://" + r.Host + r.URL.Path + "?limit=" + strconv.Itoa(limit) + "&after=" + cursor
			break
		}
		page.Data = append(page.Data, platformTemplate(t))
	}
	if page.Paging == nil && len(page.Data) > 0 {
		page.Paging = &whatsapp.Paging{}
	}
	writeJSON(w, http.StatusOK, page)
}

// handleCreateTemplate serves POST /{version}/{WABA-ID}/message_templates.
// The simulator approves at once (the platform reviews, answering PENDING
// first): a test or a demo can send with it right away. The template is
// kept in the templates file, so it outlives a restart; the same name and
// language again replaces it.
func (s *Server) handleCreateTemplate(w http.ResponseWriter, r *http.Request) {
	if e := s.checkWABAPath(r); e != nil {
		s.writeErr(w, e)
		return
	}
	body, err := readBody(r.Body, nil, maxSendBody)
	if err != nil {
		s.writeErr(w, codeErr(whatsapp.CodeInvalidParameter, "Request body could not be read or is larger than 1 MB."))
		return
	}
	var in whatsapp.MessageTemplate
	if err := json.Unmarshal(body, &in); err != nil {
		s.writeErr(w, codeErr(whatsapp.CodeInvalidParameter, "Request body is not valid JSON."))
		return
	}
	bodies := 0
	for _, c := range in.Components {
		if strings.EqualFold(c.Type, "BODY") {
			bodies++
		}
	}
	if !validTemplateName(in.Name) || in.Language == "" || bodies != 1 {
		s.writeErr(w, codeErr(whatsapp.CodeInvalidParameter, "A template needs a name (lower-case letters, digits and _), a language and one BODY component."))
		return
	}
	t := Template{Name: in.Name, Language: in.Language, Category: in.Category, Components: in.Components}
	if err := s.AddTemplate(t); err != nil {
		s.writeErr(w, codeErr(whatsapp.CodeInvalidParameter, err.Error()))
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"id": templateID(t.Name, t.Language), "status": "APPROVED",
		"category": strings.ToUpper(cmp.Or(in.Category, "MARKETING"))})
}

// validTemplateName: lower-case letters, digits and _, at most 512 (§1.3).
func validTemplateName(n string) bool {
	if n == "" || len(n) > 512 {
		return false
	}
	for _, r := range n {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_') {
			return false
		}
	}
	return true
}
