// SPDX-License-Identifier: AGPL-3.0-only

package whatsapp

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
)

// MessagingProduct is the only value the Cloud API accepts in messaging_product (§1.2).
const MessagingProduct = "whatsapp"

// Message types accepted in MessageRequest.Type (§1.2, §1.3, §1.4, §1.5).
const (
	TypeText        = "text"
	TypeTemplate    = "template"
	TypeInteractive = "interactive"
	TypeImage       = "image"
	TypeDocument    = "document"
	TypeVideo       = "video"
	TypeAudio       = "audio"
	TypeSticker     = "sticker"
	TypeReaction    = "reaction"
	TypeLocation    = "location"
	TypeContacts    = "contacts"
)

// Limits the platform enforces on outgoing messages (§1.2, §1.4, §1.5, §1.3).
const (
	MaxCallbackDataLen   = 512  // biz_opaque_callback_data
	MaxTextBodyLen       = 4096 // text.body
	MaxInteractiveBody   = 1024 // interactive.body.text
	MaxInteractiveFooter = 60   // interactive.footer.text
	MaxReplyButtons      = 3    // interactive.action.buttons
	MaxButtonTitleLen    = 20   // reply.title
	MaxButtonIDLen       = 256  // reply.id
	MaxTemplateNameLen   = 512  // template.name
)

// MessageRequest is the JSON body of POST /{version}/{phone-number-id}/messages (§1.2).
// Exactly one of the type-named objects is set, matching Type. Status and MessageID
// are used only by the mark-as-read request (§1.8).
type MessageRequest struct {
	MessagingProduct      string        `json:"messaging_product"`
	RecipientType         string        `json:"recipient_type,omitempty"`
	To                    string        `json:"to,omitempty"`
	Recipient             string        `json:"recipient,omitempty"` // BSUID (§1.2, §7)
	Type                  string        `json:"type,omitempty"`
	Context               *ReplyContext `json:"context,omitempty"`
	Text                  *Text         `json:"text,omitempty"`
	Template              *Template     `json:"template,omitempty"`
	Interactive           *Interactive  `json:"interactive,omitempty"`
	Image                 *Media        `json:"image,omitempty"`
	Document              *Media        `json:"document,omitempty"`
	Video                 *Media        `json:"video,omitempty"`
	Audio                 *Media        `json:"audio,omitempty"`
	Sticker               *Media        `json:"sticker,omitempty"`
	Reaction              *Reaction     `json:"reaction,omitempty"`
	BizOpaqueCallbackData string        `json:"biz_opaque_callback_data,omitempty"`
	Status                string        `json:"status,omitempty"`
	MessageID             string        `json:"message_id,omitempty"`
}

// ReplyContext quotes a previous message (§1.2).
type ReplyContext struct {
	MessageID string `json:"message_id"`
}

// Text is the text object of a text message (§1.4).
type Text struct {
	Body       string `json:"body"`
	PreviewURL bool   `json:"preview_url,omitempty"`
}

// Template is the template object of a template message (§1.3).
type Template struct {
	Name       string      `json:"name"`
	Language   Language    `json:"language"`
	Components []Component `json:"components,omitempty"`
}

// Language selects the approved translation of a template, e.g. {Code: "nb"} (§1.3).
type Language struct {
	Code   string `json:"code"`
	Policy string `json:"policy,omitempty"`
}

// Component fills one component (header, body, button) of a template (§1.3).
type Component struct {
	Type       string       `json:"type"`
	SubType    string       `json:"sub_type,omitempty"`
	Index      *ButtonIndex `json:"index,omitempty"`
	Parameters []Parameter  `json:"parameters,omitempty"`
}

// ButtonIndex is the position of a template button. It encodes as a JSON string
// ("0"), the form most clients send, and decodes from a string or an integer,
// since Meta's own examples use both (§1.3, §9).
type ButtonIndex int

// MarshalJSON encodes the index as a quoted decimal string.
func (i ButtonIndex) MarshalJSON() ([]byte, error) {
	return []byte(`"` + strconv.Itoa(int(i)) + `"`), nil
}

// UnmarshalJSON accepts "0" and 0.
func (i *ButtonIndex) UnmarshalJSON(b []byte) error {
	n, err := decodeFlexInt(b)
	if err != nil {
		return fmt.Errorf("button index: %w", err)
	}
	*i = ButtonIndex(n)
	return nil
}

// Parameter is one template parameter. Set ParameterName for templates with named
// parameters, leave it empty for positional ones (§1.3).
type Parameter struct {
	Type          string `json:"type"`
	ParameterName string `json:"parameter_name,omitempty"`
	Text          string `json:"text,omitempty"`
	Payload       string `json:"payload,omitempty"`
	Image         *Media `json:"image,omitempty"`
	Document      *Media `json:"document,omitempty"`
	Video         *Media `json:"video,omitempty"`
}

// Media refers to an uploaded media id or a public link.
type Media struct {
	ID       string `json:"id,omitempty"`
	Link     string `json:"link,omitempty"`
	Caption  string `json:"caption,omitempty"`
	Filename string `json:"filename,omitempty"`
}

// Reaction reacts to a message with an emoji.
type Reaction struct {
	MessageID string `json:"message_id"`
	Emoji     string `json:"emoji"`
}

// Interactive is the interactive object; this package builds reply-button
// messages (Type "button", §1.5) and lists (Type "list").
type Interactive struct {
	Type   string             `json:"type"`
	Header *InteractiveHeader `json:"header,omitempty"`
	Body   *InteractiveText   `json:"body,omitempty"`
	Footer *InteractiveText   `json:"footer,omitempty"`
	Action InteractiveAction  `json:"action"`
}

// InteractiveHeader is the optional header of an interactive message (§1.5).
type InteractiveHeader struct {
	Type     string `json:"type"`
	Text     string `json:"text,omitempty"`
	Image    *Media `json:"image,omitempty"`
	Video    *Media `json:"video,omitempty"`
	Document *Media `json:"document,omitempty"`
}

// InteractiveText is the body or footer of an interactive message.
type InteractiveText struct {
	Text string `json:"text"`
}

// InteractiveAction holds the reply buttons, or the list button and sections.
type InteractiveAction struct {
	Buttons  []InteractiveButton `json:"buttons,omitempty"`
	Button   string              `json:"button,omitempty"`
	Sections []ListSection       `json:"sections,omitempty"`
}

// InteractiveButton is one reply button; Type is always "reply" (§1.5).
type InteractiveButton struct {
	Type  string `json:"type"`
	Reply Button `json:"reply"`
}

// Button is a quick-reply button: ID (≤256 chars, unique) comes back in the
// button_reply webhook, Title (≤20 chars) is what the user sees (§1.5, §4.5).
type Button struct {
	ID    string `json:"id"`
	Title string `json:"title"`
}

// ListSection is one section of an interactive list message.
type ListSection struct {
	Title string    `json:"title,omitempty"`
	Rows  []ListRow `json:"rows"`
}

// ListRow is one selectable row of an interactive list message.
type ListRow struct {
	ID          string `json:"id"`
	Title       string `json:"title"`
	Description string `json:"description,omitempty"`
}

// SendResponse is the success body of POST /messages (§1.6). HTTP 200 means
// accepted, not delivered.
type SendResponse struct {
	MessagingProduct string            `json:"messaging_product"`
	Contacts         []ResponseContact `json:"contacts"`
	Messages         []ResponseMessage `json:"messages"`
}

// ResponseContact maps the input to the WhatsApp id; WaID may differ from Input
// and may be absent when sending to a BSUID (§1.6).
type ResponseContact struct {
	Input  string `json:"input"`
	WaID   string `json:"wa_id,omitempty"`
	UserID string `json:"user_id,omitempty"`
}

// ResponseMessage carries the wamid. MessageStatus is set for template sends only:
// "accepted" or "held_for_quality_assessment" (§1.6, §3.6).
type ResponseMessage struct {
	ID            string `json:"id"`
	MessageStatus string `json:"message_status,omitempty"`
}

// Values of ResponseMessage.MessageStatus (§1.6, §3.6).
const (
	MessageStatusAccepted = "accepted"
	MessageStatusHeld     = "held_for_quality_assessment"
)

// ErrorResponse is the Graph error envelope (§2.1).
type ErrorResponse struct {
	Error GraphError `json:"error"`
}

// GraphError is the error object inside ErrorResponse (§2.1). ErrorSubcode is
// deprecated by Meta (not returned from v16.0) but still appears in some answers.
type GraphError struct {
	Message        string     `json:"message"`
	Type           string     `json:"type,omitempty"`
	Code           int        `json:"code"`
	ErrorData      *ErrorData `json:"error_data,omitempty"`
	ErrorSubcode   int        `json:"error_subcode,omitempty"`
	IsTransient    bool       `json:"is_transient,omitempty"`
	ErrorUserTitle string     `json:"error_user_title,omitempty"`
	ErrorUserMsg   string     `json:"error_user_msg,omitempty"`
	FBTraceID      string     `json:"fbtrace_id,omitempty"`
}

// ErrorData carries the details string to key on together with the code (§2.1).
type ErrorData struct {
	MessagingProduct string `json:"messaging_product,omitempty"`
	Details          string `json:"details,omitempty"`
}

// SendResult is what a successful send returns.
type SendResult struct {
	// MessageID is the wamid; status webhooks refer to it (§4.6).
	MessageID string
	// WaID is the recipient's WhatsApp id, digits only; it may differ from the input (§7).
	WaID string
	// UserID is the recipient's BSUID when the platform returned one (§7).
	UserID string
	// MessageStatus is "accepted" or "held_for_quality_assessment" for templates, "" otherwise.
	MessageStatus string
}

// decodeFlexInt decodes a JSON number or a JSON string holding a decimal
// integer. The decoder has checked b is valid JSON; a string without escapes
// (every timestamp) is read in place.
func decodeFlexInt(b []byte) (int64, error) {
	if len(b) > 0 && b[0] == '"' {
		s := b[1 : len(b)-1]
		if bytes.IndexByte(s, '\\') >= 0 {
			var u string
			if err := json.Unmarshal(b, &u); err != nil {
				return 0, err
			}
			s = []byte(u)
		}
		return strconv.ParseInt(string(s), 10, 64)
	}
	return strconv.ParseInt(string(b), 10, 64)
}
