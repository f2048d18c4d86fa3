// SPDX-License-Identifier: AGPL-3.0-only

package whatsapp

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// MessageTemplate is a template as the platform's message_templates
// endpoint lists and creates it (reference §1.3, §3.5).
type MessageTemplate struct {
	ID         string              `json:"id,omitempty"`
	Name       string              `json:"name"`
	Language   string              `json:"language"`
	Status     string              `json:"status,omitempty"`
	Category   string              `json:"category"`
	Components []TemplateComponent `json:"components,omitempty"`
}

// TemplateComponent is a template's header, body, footer or buttons.
type TemplateComponent struct {
	Type    string           `json:"type"` // HEADER, BODY, FOOTER, BUTTONS
	Format  string           `json:"format,omitempty"`
	Text    string           `json:"text,omitempty"`
	Buttons []TemplateButton `json:"buttons,omitempty"`
}

// TemplateButton is one button of a BUTTONS component.
type TemplateButton struct {
	Type string `json:"type"` // QUICK_REPLY, URL, PHONE_NUMBER, MARKETING_OPT_OUT ...
	Text string `json:"text,omitempty"`
	URL  string `json:"url,omitempty"`
}

// TemplatePage is one page of GET /{WABA-ID}/message_templates.
type TemplatePage struct {
	Data   []MessageTemplate `json:"data"`
	Paging *Paging           `json:"paging,omitempty"`
}

// Paging is Graph's cursor paging: Next is present while pages follow.
type Paging struct {
	Cursors struct {
		Before string `json:"before,omitempty"`
		After  string `json:"after,omitempty"`
	} `json:"cursors"`
	Next string `json:"next,omitempty"`
}

// TemplateFields are the fields MessageTemplates asks for.
const TemplateFields = "id,name,language,status,category,components"

// maxTemplatePages bounds a listing: 6,000 templates a WABA at most
// (reference §1.3), 100 a page.
const maxTemplatePages = 100

// ErrNoBusinessAccount is returned when no WABA id is configured.
var ErrNoBusinessAccount = errors.New("whatsapp: no business account id (SAMTYKKE_WHATSAPP_BUSINESS_ACCOUNT_ID) is set")

// MessageTemplates lists every message template of the business account,
// following the pages by their after cursor on the configured root (never
// a URL from the answer).
func (c *Client) MessageTemplates(ctx context.Context) ([]MessageTemplate, error) {
	if c.waba == "" {
		return nil, ErrNoBusinessAccount
	}
	var out []MessageTemplate
	after := ""
	for range maxTemplatePages {
		q := url.Values{"fields": {TemplateFields}, "limit": {"100"}}
		if after != "" {
			q.Set("after", after)
		}
		var page TemplatePage
		if err := c.graph(ctx, http.MethodGet, "/"+url.PathEscape(c.waba)+"/message_templates?"+q.Encode(), nil, &page); err != nil {
			return nil, err
		}
		out = append(out, page.Data...)
		if page.Paging == nil || page.Paging.Next == "" || page.Paging.Cursors.After == "" {
			return out, nil
		}
		after = page.Paging.Cursors.After
	}
	return nil, fmt.Errorf("whatsapp: message templates: more than %d pages", maxTemplatePages)
}

// CreateMessageTemplate submits a template for review
// (POST /{WABA-ID}/message_templates) and returns its id and status.
func (c *Client) CreateMessageTemplate(ctx context.Context, t MessageTemplate) (MessageTemplate, error) {
	if c.waba == "" {
		return t, ErrNoBusinessAccount
	}
	var out struct {
		ID       string `json:"id"`
		Status   string `json:"status"`
		Category string `json:"category"`
	}
	t.ID, t.Status = "", ""
	if err := c.graph(ctx, http.MethodPost, "/"+url.PathEscape(c.waba)+"/message_templates", t, &out); err != nil {
		return t, err
	}
	t.ID, t.Status = out.ID, out.Status
	if out.Category != "" {
		t.Category = out.Category
	}
	return t, nil
}

// graph sends one management request to the Graph root and decodes a 2xx
// answer into out.
func (c *Client) graph(ctx context.Context, method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return invalidf("encode: %v", err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.root+path, rd)
	if err != nil {
		return invalidf("request: %v", err)
	}
	req.Header.Set("Authorization", c.auth)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("%w: %s %s: %w", ErrNotSent, method, strings.SplitN(path, "?", 2)[0], err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBody))
	return decodeAnswer(resp, data, err, out)
}
