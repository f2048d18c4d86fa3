// SPDX-License-Identifier: AGPL-3.0-only

package whatsapp

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// Webhook constants (§4.1, §4.5, §4.6, §4.7).
const (
	// WebhookObject is the value of WebhookPayload.Object.
	WebhookObject = "whatsapp_business_account"
	// FieldMessages carries inbound messages, statuses and async errors.
	FieldMessages = "messages"
	// FieldUserPreferences carries marketing stop/resume (§4.7); a separate subscription.
	FieldUserPreferences = "user_preferences"
	// SignatureHeader is the header that carries "sha256=<hex>" (§4.3).
	SignatureHeader = "X-Hub-Signature-256"
)

// Status values in statuses[].status (§4.6).
const (
	StatusSent      = "sent"
	StatusDelivered = "delivered"
	StatusRead      = "read"
	StatusFailed    = "failed"
	StatusPlayed    = "played"
)

// Values of UserPreference.Value and its category (§4.7).
const (
	PreferenceStop             = "stop"
	PreferenceResume           = "resume"
	PreferenceMarketingMessage = "marketing_messages"
)

// WebhookPayload is the body of a webhook POST (§4.5). One POST may carry several
// entries, changes, messages and statuses; iterate all of them.
type WebhookPayload struct {
	Object string         `json:"object"`
	Entry  []WebhookEntry `json:"entry"`
}

// WebhookEntry is one entry; ID is the WhatsApp Business Account id (§4.5).
type WebhookEntry struct {
	ID      string          `json:"id"`
	Changes []WebhookChange `json:"changes"`
}

// WebhookChange is one change; Field is "messages" or "user_preferences" (§4.1).
type WebhookChange struct {
	Field string       `json:"field"`
	Value WebhookValue `json:"value"`
}

// WebhookValue is the value of a change. Route by Metadata.PhoneNumberID (§4.5).
type WebhookValue struct {
	MessagingProduct string           `json:"messaging_product"`
	Metadata         Metadata         `json:"metadata"`
	Contacts         []WebhookContact `json:"contacts,omitempty"`
	Messages         []InboundMessage `json:"messages,omitempty"`
	Statuses         []Status         `json:"statuses,omitempty"`
	UserPreferences  []UserPreference `json:"user_preferences,omitempty"`
	Errors           []WebhookError   `json:"errors,omitempty"`
}

// Metadata names the business number the change belongs to (§4.5).
type Metadata struct {
	DisplayPhoneNumber string `json:"display_phone_number"`
	PhoneNumberID      string `json:"phone_number_id"`
}

// WebhookContact describes the user. WaID may be absent for users with a
// username; UserID is the business-scoped user id (BSUID, §7).
type WebhookContact struct {
	Profile         Profile `json:"profile"`
	WaID            string  `json:"wa_id,omitempty"`
	UserID          string  `json:"user_id,omitempty"`
	IdentityKeyHash string  `json:"identity_key_hash,omitempty"`
}

// Profile is the user's WhatsApp profile (§4.5, §7).
type Profile struct {
	Name     string `json:"name,omitempty"`
	Username string `json:"username,omitempty"`
}

// InboundMessage is one messages[] element (§4.5). Type says which object is set.
type InboundMessage struct {
	From        string              `json:"from,omitempty"`
	FromUserID  string              `json:"from_user_id,omitempty"`
	ID          string              `json:"id"`
	Timestamp   UnixTime            `json:"timestamp"`
	Type        string              `json:"type"`
	Context     *MessageContext     `json:"context,omitempty"`
	Text        *InboundText        `json:"text,omitempty"`
	Button      *InboundButton      `json:"button,omitempty"`
	Interactive *InboundInteractive `json:"interactive,omitempty"`
	System      *System             `json:"system,omitempty"`
	Errors      []WebhookError      `json:"errors,omitempty"`
}

// MessageContext links a reply to the message it answers: ID is the wamid of
// our template or interactive message, From our display number (§4.5).
type MessageContext struct {
	From string `json:"from,omitempty"`
	ID   string `json:"id,omitempty"`
}

// InboundText is the text of a type "text" message.
type InboundText struct {
	Body string `json:"body"`
}

// InboundButton is a template quick-reply tap (type "button"); Payload is the
// payload set at send time, or the label when none was set (§4.5, §5.3).
type InboundButton struct {
	Payload string `json:"payload"`
	Text    string `json:"text"`
}

// Interactive reply types (§4.5).
const (
	InteractiveButtonReply = "button_reply"
	InteractiveListReply   = "list_reply"
)

// InboundInteractive is an interactive reply (type "interactive", §4.5).
type InboundInteractive struct {
	Type        string     `json:"type"`
	ButtonReply *Button    `json:"button_reply,omitempty"`
	ListReply   *ListReply `json:"list_reply,omitempty"`
}

// ListReply is the row chosen in an interactive list.
type ListReply struct {
	ID          string `json:"id"`
	Title       string `json:"title"`
	Description string `json:"description,omitempty"`
}

// SystemUserChangedNumber is System.Type when a person changed their number:
// From is the old number, System.WaID the new one (§4.5).
const SystemUserChangedNumber = "user_changed_number"

// System is a system message, e.g. type "user_changed_number" (§4.5).
type System struct {
	Body      string `json:"body,omitempty"`
	WaID      string `json:"wa_id,omitempty"`
	Type      string `json:"type,omitempty"`
	Customer  string `json:"customer,omitempty"`
	Marketing string `json:"marketing,omitempty"` // older user_preference_changed variant (§4.7)
}

// Status is one statuses[] element (§4.6). BizOpaqueCallbackData echoes what was
// set at send time. Conversation is absent from v24.0.
type Status struct {
	ID                    string         `json:"id"`
	Status                string         `json:"status"`
	Timestamp             UnixTime       `json:"timestamp"`
	RecipientID           string         `json:"recipient_id,omitempty"`
	RecipientUserID       string         `json:"recipient_user_id,omitempty"`
	RecipientType         string         `json:"recipient_type,omitempty"`
	BizOpaqueCallbackData string         `json:"biz_opaque_callback_data,omitempty"`
	Conversation          *Conversation  `json:"conversation,omitempty"`
	Pricing               *Pricing       `json:"pricing,omitempty"`
	Errors                []WebhookError `json:"errors,omitempty"`
}

// Conversation is the per-conversation object, only sent up to v23.0 (§4.6).
type Conversation struct {
	ID                  string              `json:"id"`
	ExpirationTimestamp UnixTime            `json:"expiration_timestamp,omitempty"`
	Origin              *ConversationOrigin `json:"origin,omitempty"`
}

// ConversationOrigin is the conversation category (≤v23.0).
type ConversationOrigin struct {
	Type string `json:"type"`
}

// Pricing is the pricing object of a status (§4.6). Billable is to be deprecated.
type Pricing struct {
	Billable     *bool  `json:"billable,omitempty"`
	PricingModel string `json:"pricing_model"`
	Type         string `json:"type,omitempty"`
	Category     string `json:"category"`
}

// WebhookError is the webhook form of an error (§2.1): Message equals Title.
type WebhookError struct {
	Code      int        `json:"code"`
	Title     string     `json:"title"`
	Message   string     `json:"message,omitempty"`
	ErrorData *ErrorData `json:"error_data,omitempty"`
	Href      string     `json:"href,omitempty"`
}

// UserPreference is one user_preferences[] element (§4.7). Timestamp is an
// integer in this webhook.
type UserPreference struct {
	WaID      string      `json:"wa_id"`
	UserID    string      `json:"user_id,omitempty"`
	Detail    string      `json:"detail"`
	Category  string      `json:"category"`
	Value     string      `json:"value"`
	Timestamp UnixTimeInt `json:"timestamp"`
}

// UnixTime is a Unix-seconds timestamp. It encodes as a JSON string, as in
// messages and statuses (§4.5), and decodes from a string or a number.
type UnixTime int64

// Time returns the timestamp as a time.Time.
func (t UnixTime) Time() time.Time { return time.Unix(int64(t), 0) }

// MarshalJSON encodes as a quoted decimal string.
func (t UnixTime) MarshalJSON() ([]byte, error) {
	return []byte(`"` + strconv.FormatInt(int64(t), 10) + `"`), nil
}

// UnmarshalJSON accepts "1749416383" and 1749416383.
func (t *UnixTime) UnmarshalJSON(b []byte) error {
	n, err := decodeFlexInt(b)
	if err != nil {
		return fmt.Errorf("timestamp: %w", err)
	}
	*t = UnixTime(n)
	return nil
}

// UnixTimeInt is a Unix-seconds timestamp that encodes as a JSON number, as in
// user_preferences (§4.7), and decodes tolerantly from a string or a number.
type UnixTimeInt int64

// Time returns the timestamp as a time.Time.
func (t UnixTimeInt) Time() time.Time { return time.Unix(int64(t), 0) }

// UnmarshalJSON accepts 1731705721 and "1731705721".
func (t *UnixTimeInt) UnmarshalJSON(b []byte) error {
	n, err := decodeFlexInt(b)
	if err != nil {
		return fmt.Errorf("timestamp: %w", err)
	}
	*t = UnixTimeInt(n)
	return nil
}

// ErrNotWhatsAppPayload is returned by ParseWebhook for valid JSON whose object
// is not "whatsapp_business_account".
var ErrNotWhatsAppPayload = errors.New("whatsapp: webhook object is not whatsapp_business_account")

// ParseWebhook decodes a webhook body. Verify the signature over the same raw
// bytes first (§4.3).
func ParseWebhook(body []byte) (*WebhookPayload, error) {
	var p WebhookPayload
	if err := json.Unmarshal(body, &p); err != nil {
		return nil, fmt.Errorf("whatsapp: parse webhook: %w", err)
	}
	if p.Object != WebhookObject {
		return nil, ErrNotWhatsAppPayload
	}
	return &p, nil
}
