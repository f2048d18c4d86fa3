// SPDX-License-Identifier: AGPL-3.0-only

package whatsapp

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"
)

// Defaults of ClientConfig.
const (
	DefaultBaseURL = "https://graph.facebook.com"
	// DefaultVersion is the pinned Graph API version (§1.1: usable until 2028-07-29).
	DefaultVersion = "v25.0"
	// DefaultTimeout bounds one send when ClientConfig.HTTPClient is nil.
	DefaultTimeout = 30 * time.Second
)

// maxResponseBody bounds how much of an answer the client reads.
const maxResponseBody = 1 << 20

// ClientConfig configures a Client.
type ClientConfig struct {
	// BaseURL is the Graph root, DefaultBaseURL when empty; point it at the simulator in tests.
	BaseURL string
	// Version is the pinned Graph version segment, DefaultVersion when empty (§1.1).
	Version string
	// Token is the system user access token sent as "Authorization: Bearer" (§1.1).
	Token string
	// PhoneNumberID is the Meta id of the sending business number, not the number (§1.1).
	PhoneNumberID string
	// HTTPClient sends the requests; nil means a client with DefaultTimeout and
	// keep-alive connections. Its Timeout, if any, bounds each send.
	HTTPClient *http.Client
	// Logger receives debug lines (ids and masked numbers only); nil discards.
	Logger *slog.Logger
	// Pipeline is how many requests SendBatch writes on one connection
	// before it reads their answers, DefaultPipeline when 0. A negative value
	// sends each request through HTTPClient as Send does: the choice behind an
	// HTTP proxy, which the pipelined connections do not use. They take TLS
	// settings from HTTPClient's *http.Transport, if any.
	Pipeline int
	// Conns is how many connections SendBatch uses at once, DefaultConns when 0.
	Conns int
	// BusinessAccountID is the WhatsApp Business Account's id (WABA), whose
	// message templates MessageTemplates lists; empty: none can be listed.
	BusinessAccountID string
}

// Client sends messages through the Cloud API. It is safe for concurrent use.
type Client struct {
	phoneID  string
	endpoint *url.URL
	auth     string
	http     *http.Client
	log      *slog.Logger
	pipe     *pipeline // nil: SendBatch goes through http
	conns    int
	root     string // base URL and version: "https://graph.facebook.com/v25.0"
	waba     string
}

// PhoneNumberID is the sending business number's id: the key of its
// throughput limit (§3.1).
func (c *Client) PhoneNumberID() string { return c.phoneID }

// NewClient validates cfg and returns a Client.
func NewClient(cfg ClientConfig) (*Client, error) {
	if cfg.Token == "" {
		return nil, errors.New("whatsapp: ClientConfig.Token is required")
	}
	if cfg.PhoneNumberID == "" || strings.ContainsAny(cfg.PhoneNumberID, "/?#") {
		return nil, errors.New("whatsapp: ClientConfig.PhoneNumberID is required and must be an id")
	}
	base := cfg.BaseURL
	if base == "" {
		base = DefaultBaseURL
	}
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("whatsapp: invalid ClientConfig.BaseURL %q", base)
	}
	version := cfg.Version
	if version == "" {
		version = DefaultVersion
	}
	if !validVersion(version) {
		return nil, fmt.Errorf("whatsapp: invalid ClientConfig.Version %q, want vNN.0", version)
	}
	hc := cfg.HTTPClient
	if hc == nil {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.MaxIdleConnsPerHost = 64
		hc = &http.Client{Timeout: DefaultTimeout, Transport: tr}
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	endpoint, err := url.Parse(strings.TrimRight(base, "/") + "/" + version + "/" + url.PathEscape(cfg.PhoneNumberID) + "/messages")
	if err != nil {
		return nil, fmt.Errorf("whatsapp: invalid ClientConfig.BaseURL %q", base)
	}
	c := &Client{
		phoneID:  cfg.PhoneNumberID,
		endpoint: endpoint,
		auth:     "Bearer " + cfg.Token,
		http:     hc,
		log:      log,
		conns:    cfg.Conns,
		root:     strings.TrimRight(base, "/") + "/" + version,
		waba:     cfg.BusinessAccountID,
	}
	if c.conns <= 0 {
		c.conns = DefaultConns
	}
	if cfg.Pipeline >= 0 {
		depth := cfg.Pipeline
		if depth == 0 {
			depth = DefaultPipeline
		}
		timeout := hc.Timeout
		if timeout <= 0 {
			timeout = DefaultTimeout
		}
		tc := &tls.Config{MinVersion: tls.VersionTLS12}
		if tr, ok := hc.Transport.(*http.Transport); ok && tr.TLSClientConfig != nil {
			tc = tr.TLSClientConfig
		}
		c.pipe = newPipeline(endpoint, c.auth, depth, c.conns, timeout, tc)
	}
	return c, nil
}

// validVersion accepts "v" digits "." digits, e.g. "v25.0".
func validVersion(v string) bool {
	if len(v) < 4 || v[0] != 'v' {
		return false
	}
	dot := strings.IndexByte(v, '.')
	if dot < 2 || dot == len(v)-1 {
		return false
	}
	for i := 1; i < len(v); i++ {
		if i != dot && (v[i] < '0' || v[i] > '9') {
			return false
		}
	}
	return true
}

// SendTemplate sends an approved template to an E.164 number (§1.3).
// callbackData (≤512 characters, no personal data) is echoed in status webhooks (§6).
func (c *Client) SendTemplate(ctx context.Context, to string, tpl Template, callbackData string) (SendResult, error) {
	return c.Send(ctx, &MessageRequest{To: to, Type: TypeTemplate, Template: &tpl, BizOpaqueCallbackData: callbackData})
}

// SendText sends a text message (§1.4); only allowed inside the customer service window (§1.7).
func (c *Client) SendText(ctx context.Context, to, body, callbackData string) (SendResult, error) {
	if body == "" || utf8.RuneCountInString(body) > MaxTextBodyLen {
		return SendResult{}, invalidf("text body must be 1 to %d characters", MaxTextBodyLen)
	}
	return c.Send(ctx, &MessageRequest{To: to, Type: TypeText, Text: &Text{Body: body}, BizOpaqueCallbackData: callbackData})
}

// SendButtons sends an interactive reply-button message with 1 to 3 buttons (§1.5);
// only allowed inside the customer service window (§1.7).
func (c *Client) SendButtons(ctx context.Context, to string, body string, buttons []Button, callbackData string) (SendResult, error) {
	if body == "" || utf8.RuneCountInString(body) > MaxInteractiveBody {
		return SendResult{}, invalidf("interactive body must be 1 to %d characters", MaxInteractiveBody)
	}
	if len(buttons) == 0 || len(buttons) > MaxReplyButtons {
		return SendResult{}, invalidf("%d buttons, want 1 to %d", len(buttons), MaxReplyButtons)
	}
	ib := make([]InteractiveButton, len(buttons))
	seen := make(map[string]bool, len(buttons))
	for i, b := range buttons {
		if b.ID == "" || utf8.RuneCountInString(b.ID) > MaxButtonIDLen || seen[b.ID] {
			return SendResult{}, invalidf("button %d id must be unique and 1 to %d characters", i, MaxButtonIDLen)
		}
		if b.Title == "" || utf8.RuneCountInString(b.Title) > MaxButtonTitleLen {
			return SendResult{}, invalidf("button %d title must be 1 to %d characters", i, MaxButtonTitleLen)
		}
		seen[b.ID] = true
		ib[i] = InteractiveButton{Type: "reply", Reply: b}
	}
	return c.Send(ctx, &MessageRequest{
		To:   to,
		Type: TypeInteractive,
		Interactive: &Interactive{
			Type:   "button",
			Body:   &InteractiveText{Text: body},
			Action: InteractiveAction{Buttons: ib},
		},
		BizOpaqueCallbackData: callbackData,
	})
}

// Send posts any message request. It fills messaging_product and recipient_type,
// checks the recipient and the callback data, and returns the wamid. See the
// package documentation for how to treat its errors.
func (c *Client) Send(ctx context.Context, req *MessageRequest) (SendResult, error) {
	if err := prepare(req); err != nil {
		return SendResult{}, err
	}
	return c.send(ctx, req)
}

// send posts a prepared request.
func (c *Client) send(ctx context.Context, req *MessageRequest) (SendResult, error) {
	var resp SendResponse
	if err := c.post(ctx, req, &resp); err != nil {
		return SendResult{}, err
	}
	return c.accepted(ctx, req, resp)
}

// prepare fills messaging_product and recipient_type and checks what the
// platform would refuse anyway.
func prepare(req *MessageRequest) error {
	req.MessagingProduct = MessagingProduct
	if req.RecipientType == "" {
		req.RecipientType = "individual"
	}
	if req.To != "" && !isE164(req.To) {
		return invalidf("recipient must be E.164 (+ and 7 to 15 digits)")
	}
	if req.To == "" && req.Recipient == "" {
		return invalidf("recipient is required")
	}
	if n := utf8.RuneCountInString(req.BizOpaqueCallbackData); n > MaxCallbackDataLen {
		return invalidf("biz_opaque_callback_data is %d characters, max %d", n, MaxCallbackDataLen)
	}
	if t := req.Template; t != nil {
		if t.Name == "" || utf8.RuneCountInString(t.Name) > MaxTemplateNameLen {
			return invalidf("template name must be 1 to %d characters", MaxTemplateNameLen)
		}
		if t.Language.Code == "" {
			return invalidf("template language code is required")
		}
	}
	return nil
}

// accepted reads the wamid out of a 2xx answer to req.
func (c *Client) accepted(ctx context.Context, req *MessageRequest, resp SendResponse) (SendResult, error) {
	if len(resp.Messages) == 0 || resp.Messages[0].ID == "" {
		// 200 means accepted (§1.6); without the wamid we cannot correlate.
		return SendResult{}, fmt.Errorf("%w: 200 answer without messages[0].id", ErrAmbiguous)
	}
	res := SendResult{MessageID: resp.Messages[0].ID, MessageStatus: resp.Messages[0].MessageStatus}
	if len(resp.Contacts) > 0 {
		res.WaID, res.UserID = resp.Contacts[0].WaID, resp.Contacts[0].UserID
	}
	if c.log.Enabled(ctx, slog.LevelDebug) {
		c.log.DebugContext(ctx, "whatsapp message accepted",
			slog.String("wa_message_id", res.MessageID),
			slog.String("to_masked", MaskPhone(req.To)),
			slog.String("type", req.Type))
	}
	return res, nil
}

// MarkRead marks an inbound message as read (§1.8).
func (c *Client) MarkRead(ctx context.Context, messageID string) error {
	if messageID == "" {
		return invalidf("message id is required")
	}
	var resp struct {
		Success bool `json:"success"`
	}
	req := &MessageRequest{MessagingProduct: MessagingProduct, Status: StatusRead, MessageID: messageID}
	if err := c.post(ctx, req, &resp); err != nil {
		return err
	}
	if !resp.Success {
		return errors.New("whatsapp: mark read: success is false")
	}
	return nil
}

var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// post sends one request and decodes a 2xx answer into out. It sorts transport
// failures into ErrNotSent and ErrAmbiguous by whether the request headers were
// written, which httptrace reports.
func (c *Client) post(ctx context.Context, body any, out any) error {
	buf := bufPool.Get().(*bytes.Buffer)
	buf.Reset()
	defer bufPool.Put(buf)
	if err := json.NewEncoder(buf).Encode(body); err != nil {
		return invalidf("encode: %v", err)
	}

	var wrote atomic.Bool
	trace := &httptrace.ClientTrace{WroteHeaders: func() { wrote.Store(true) }}
	// Built by hand on the endpoint parsed once: NewRequest parsed the URL
	// again for every message. The transport only reads the URL.
	req := (&http.Request{
		Method:        http.MethodPost,
		URL:           c.endpoint,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        http.Header{"Content-Type": {"application/json"}, "Authorization": {c.auth}},
		Body:          io.NopCloser(bytes.NewReader(buf.Bytes())),
		ContentLength: int64(buf.Len()),
		Host:          c.endpoint.Host,
	}).WithContext(httptrace.WithClientTrace(ctx, trace))

	resp, err := c.http.Do(req)
	if err != nil {
		if wrote.Load() {
			return fmt.Errorf("%w: %w", ErrAmbiguous, err)
		}
		return fmt.Errorf("%w: %w", ErrNotSent, err)
	}
	defer resp.Body.Close()
	answer := bufPool.Get().(*bytes.Buffer)
	answer.Reset()
	defer bufPool.Put(answer)
	_, err = answer.ReadFrom(io.LimitReader(resp.Body, maxResponseBody))
	return decodeAnswer(resp, answer.Bytes(), err, out)
}

// decodeAnswer decodes a 2xx answer's body into out, or returns the error
// that the answer (or reading it, readErr) means.
func decodeAnswer(resp *http.Response, data []byte, readErr error, out any) error {
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		// A truncated error body still classifies by status.
		return newAPIError(resp.StatusCode, resp.Header, data)
	}
	if readErr != nil {
		return fmt.Errorf("%w: read %d answer: %w", ErrAmbiguous, resp.StatusCode, readErr)
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("%w: decode %d answer: %w", ErrAmbiguous, resp.StatusCode, err)
	}
	return nil
}
