// SPDX-License-Identifier: AGPL-3.0-only

package sim

import (
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/samtykke/samtykke/internal/whatsapp"
)

// simRequest is a send request as the simulator decodes it: the client's type
// plus the objects of types the client does not build.
type simRequest struct {
	whatsapp.MessageRequest
	Location json.RawMessage `json:"location,omitempty"`
	Contacts json.RawMessage `json:"contacts,omitempty"`
}

const typeList = "{AUDIO, CONTACTS, DOCUMENT, IMAGE, INTERACTIVE, LOCATION, REACTION, STICKER, TEMPLATE, TEXT, VIDEO}"

// checked is what validation learnt about an acceptable request.
type checked struct {
	waID     string // digits; empty when sent to a BSUID only
	key      string // user state key: wa_id or BSUID
	category string // MARKETING, UTILITY, AUTHENTICATION, or "" for non-template
}

// validate checks a send request the way the platform does (§1.2–§1.5, §7).
// Graph-level parameter problems are code 100 with the parameter in the
// message; WhatsApp-level ones are 131008 (missing) and 131009 (invalid) with
// error_data.details; template registry problems are 132xxx (§2.2).
func (s *Server) validate(req *simRequest) (checked, *apiErr) {
	var c checked
	switch req.MessagingProduct {
	case whatsapp.MessagingProduct:
	case "":
		return c, paramErr("The parameter messaging_product is required.")
	default:
		return c, paramErr(fmt.Sprintf("Param messaging_product must be one of {WHATSAPP} - got %q.", req.MessagingProduct))
	}
	switch req.RecipientType {
	case "", "individual":
	case "group":
		return c, codeErr(whatsapp.CodeInvalidValue, "recipient_type group is not supported by this simulator.")
	default:
		return c, paramErr(fmt.Sprintf("Param recipient_type must be one of {INDIVIDUAL, GROUP} - got %q.", req.RecipientType))
	}

	// Recipient (§1.2, §7): `to` wins over `recipient` (BSUID).
	switch {
	case req.To != "":
		wa, ok := s.normalizeTo(req.To)
		if !ok {
			return c, codeErr(whatsapp.CodeInvalidValue, "The parameter to is not a valid phone number.")
		}
		if wa == s.display {
			return c, codeErr(whatsapp.CodeRecipientIsSender, "")
		}
		c.waID, c.key = wa, wa
	case req.Recipient != "":
		if !validBSUID(req.Recipient) {
			return c, codeErr(whatsapp.CodeInvalidValue, "The parameter recipient is not a valid business-scoped user id.")
		}
		c.key = req.Recipient
	default:
		return c, codeErr(whatsapp.CodeRequiredParameter, "The parameter to is required.")
	}

	if req.Context != nil && req.Context.MessageID == "" {
		return c, codeErr(whatsapp.CodeRequiredParameter, "The parameter context['message_id'] is required.")
	}
	if n := utf8.RuneCountInString(req.BizOpaqueCallbackData); n > whatsapp.MaxCallbackDataLen {
		return c, paramErr("Param biz_opaque_callback_data must be at most 512 characters long.")
	}

	if req.Type == "" {
		req.Type = whatsapp.TypeText // the platform's default type
	}
	var e *apiErr
	switch req.Type {
	case whatsapp.TypeText:
		e = validateText(req.Text)
	case whatsapp.TypeTemplate:
		c.category, e = s.validateTemplate(req.Template)
	case whatsapp.TypeInteractive:
		e = validateInteractive(req.Interactive)
	case whatsapp.TypeImage, whatsapp.TypeDocument, whatsapp.TypeVideo, whatsapp.TypeAudio, whatsapp.TypeSticker:
		e = validateMedia(req.Type, mediaOf(req))
	case whatsapp.TypeReaction:
		if req.Reaction == nil {
			e = missing("reaction")
		} else if req.Reaction.MessageID == "" {
			e = missing("reaction['message_id']")
		}
	case whatsapp.TypeLocation:
		if len(req.Location) == 0 || string(req.Location) == "null" {
			e = missing("location")
		}
	case whatsapp.TypeContacts:
		if len(req.Contacts) == 0 || string(req.Contacts) == "null" {
			e = missing("contacts")
		}
	default:
		e = paramErr(fmt.Sprintf("Param type must be one of %s - got %q.", typeList, req.Type))
	}
	return c, e
}

func missing(param string) *apiErr {
	return codeErr(whatsapp.CodeRequiredParameter, "The parameter "+param+" is required.")
}

func tooLong(param string, max int) *apiErr {
	return paramErr(fmt.Sprintf("Param %s must be at most %d characters long.", param, max))
}

func validateText(t *whatsapp.Text) *apiErr {
	switch {
	case t == nil:
		return missing("text")
	case t.Body == "":
		return missing("text['body']")
	case utf8.RuneCountInString(t.Body) > whatsapp.MaxTextBodyLen:
		return tooLong("text['body']", whatsapp.MaxTextBodyLen)
	}
	return nil
}

func (s *Server) validateTemplate(t *whatsapp.Template) (string, *apiErr) {
	switch {
	case t == nil:
		return "", missing("template")
	case t.Name == "":
		return "", missing("template['name']")
	case utf8.RuneCountInString(t.Name) > whatsapp.MaxTemplateNameLen:
		return "", tooLong("template['name']", whatsapp.MaxTemplateNameLen)
	case t.Language.Code == "":
		return "", missing("template['language']['code']")
	}
	for i, comp := range t.Components {
		if comp.Type == "" {
			return "", missing(fmt.Sprintf("template['components'][%d]['type']", i))
		}
		if comp.Type == "button" && (comp.SubType == "" || comp.Index == nil) {
			return "", missing(fmt.Sprintf("template['components'][%d]['sub_type'] and ['index']", i))
		}
	}
	reg := *s.tpls.Load()
	if len(reg) == 0 {
		return "MARKETING", nil
	}
	def, ok := reg[templateKey(t.Name, t.Language.Code)]
	if !ok {
		return "", codeErr(whatsapp.CodeTemplateMissing, fmt.Sprintf("template name (%s) does not exist in %s", t.Name, t.Language.Code))
	}
	switch def.Status {
	case "PAUSED":
		return "", codeErr(whatsapp.CodeTemplatePaused, "")
	case "DISABLED":
		return "", codeErr(whatsapp.CodeTemplateDisabled, "")
	}
	if def.BodyParams != nil {
		n := 0
		for _, comp := range t.Components {
			if comp.Type == "body" {
				n += len(comp.Parameters)
			}
		}
		if n != *def.BodyParams {
			return "", codeErr(whatsapp.CodeTemplateParamCount,
				fmt.Sprintf("body: number of localizable_params (%d) does not match the expected number of params (%d)", n, *def.BodyParams))
		}
	}
	return def.Category, nil
}

func validateInteractive(in *whatsapp.Interactive) *apiErr {
	if in == nil {
		return missing("interactive")
	}
	if in.Type == "" {
		return missing("interactive['type']")
	}
	if in.Body != nil && utf8.RuneCountInString(in.Body.Text) > whatsapp.MaxInteractiveBody {
		return tooLong("interactive['body']['text']", whatsapp.MaxInteractiveBody)
	}
	if in.Footer != nil && utf8.RuneCountInString(in.Footer.Text) > whatsapp.MaxInteractiveFooter {
		return tooLong("interactive['footer']['text']", whatsapp.MaxInteractiveFooter)
	}
	switch in.Type {
	case "button":
		return validateButtons(in)
	case "list":
		return validateList(in)
	}
	return nil // other interactive types (cta_url, flow, …) are accepted unchecked
}

// validateButtons applies §1.5: body required, 1 to 3 reply buttons, unique ids
// of at most 256 characters, unique titles of at most 20.
func validateButtons(in *whatsapp.Interactive) *apiErr {
	if in.Body == nil || in.Body.Text == "" {
		return missing("interactive['body']['text']")
	}
	bs := in.Action.Buttons
	if len(bs) < 1 || len(bs) > whatsapp.MaxReplyButtons {
		return codeErr(whatsapp.CodeInvalidValue, "Invalid buttons count. Min allowed buttons: 1, Max allowed buttons: 3")
	}
	ids := make(map[string]bool, len(bs))
	titles := make(map[string]bool, len(bs))
	for i, b := range bs {
		p := fmt.Sprintf("interactive['action']['buttons'][%d]", i)
		switch {
		case b.Type != "reply":
			return codeErr(whatsapp.CodeInvalidValue, "Button type must be reply.")
		case b.Reply.ID == "":
			return missing(p + "['reply']['id']")
		case utf8.RuneCountInString(b.Reply.ID) > whatsapp.MaxButtonIDLen:
			return tooLong(p+"['reply']['id']", whatsapp.MaxButtonIDLen)
		case b.Reply.Title == "":
			return missing(p + "['reply']['title']")
		case utf8.RuneCountInString(b.Reply.Title) > whatsapp.MaxButtonTitleLen:
			return codeErr(whatsapp.CodeInvalidValue, "Button title length invalid. Min allowed length: 1, Max allowed length: 20")
		case ids[b.Reply.ID]:
			return codeErr(whatsapp.CodeInvalidValue, "Button ids must be unique.")
		case titles[b.Reply.Title]:
			return codeErr(whatsapp.CodeInvalidValue, "Button titles must be unique.")
		}
		ids[b.Reply.ID], titles[b.Reply.Title] = true, true
	}
	return nil
}

func validateList(in *whatsapp.Interactive) *apiErr {
	if in.Body == nil || in.Body.Text == "" {
		return missing("interactive['body']['text']")
	}
	if in.Action.Button == "" {
		return missing("interactive['action']['button']")
	}
	if utf8.RuneCountInString(in.Action.Button) > 20 {
		return tooLong("interactive['action']['button']", 20)
	}
	if len(in.Action.Sections) < 1 || len(in.Action.Sections) > 10 {
		return codeErr(whatsapp.CodeInvalidValue, "Invalid sections count. Min allowed sections: 1, Max allowed sections: 10")
	}
	rows := 0
	ids := map[string]bool{}
	for _, sec := range in.Action.Sections {
		for _, r := range sec.Rows {
			rows++
			if r.ID == "" || r.Title == "" {
				return missing("interactive['action']['sections'][]['rows'][]['id'] and ['title']")
			}
			if utf8.RuneCountInString(r.Title) > 24 {
				return tooLong("interactive['action']['sections'][]['rows'][]['title']", 24)
			}
			if ids[r.ID] {
				return codeErr(whatsapp.CodeInvalidValue, "Row ids must be unique.")
			}
			ids[r.ID] = true
		}
	}
	if rows < 1 || rows > 10 {
		return codeErr(whatsapp.CodeInvalidValue, "Invalid rows count. Min allowed rows: 1, Max allowed rows: 10")
	}
	return nil
}

func mediaOf(req *simRequest) *whatsapp.Media {
	switch req.Type {
	case whatsapp.TypeImage:
		return req.Image
	case whatsapp.TypeDocument:
		return req.Document
	case whatsapp.TypeVideo:
		return req.Video
	case whatsapp.TypeAudio:
		return req.Audio
	case whatsapp.TypeSticker:
		return req.Sticker
	}
	return nil
}

func validateMedia(typ string, m *whatsapp.Media) *apiErr {
	if m == nil {
		return missing(typ)
	}
	if m.ID == "" && m.Link == "" {
		return missing(typ + "['id'] or " + typ + "['link']")
	}
	return nil
}

// normalizeTo turns `to` into a wa_id (§7): '+', spaces, hyphens, parentheses
// and dots are allowed and dropped. Without a leading '+' the business
// number's country code is prepended, as Meta documents (whether that holds
// for digits-only input already carrying a country code is unsure, §9).
func (s *Server) normalizeTo(to string) (string, bool) {
	t := strings.TrimSpace(to)
	plus := strings.HasPrefix(t, "+")
	for i := 0; i < len(t); i++ {
		switch c := t[i]; {
		case c >= '0' && c <= '9', c == ' ', c == '-', c == '(', c == ')', c == '.':
		case c == '+' && i == 0:
		default:
			return "", false
		}
	}
	d := whatsapp.Digits(t)
	if !plus {
		d = s.cfg.CountryCode + d
	}
	if len(d) < 7 || len(d) > 15 || d[0] == '0' {
		return "", false
	}
	return d, true
}

// validBSUID checks "<ISO-3166 alpha-2>.<1..128 alphanumerics>" (§7).
func validBSUID(id string) bool {
	if len(id) < 4 || len(id) > 131 || id[2] != '.' {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		switch {
		case i < 2 && c >= 'A' && c <= 'Z':
		case i == 2:
		case i > 2 && (c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'):
		default:
			return false
		}
	}
	return true
}
