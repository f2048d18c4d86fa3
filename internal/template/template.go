// SPDX-License-Identifier: AGPL-3.0-only

// Package template holds the business's message templates as the platform
// keeps them (GET /{WABA-ID}/message_templates): one per name and language,
// with its status, category and text, and what samtykke's checks of a
// marketing template found (the opt-out and the notice, G-05, R-09, M-05).
package template

import (
	"strings"
	"time"

	"github.com/samtykke/samtykke/internal/campaign"
)

// Template is one language variant of a platform template.
type Template struct {
	Name       string    `json:"name"`
	Language   string    `json:"language"`
	PlatformID string    `json:"platform_id"`
	Status     string    `json:"status"`   // APPROVED, PENDING, REJECTED, PAUSED, DISABLED ...
	Category   string    `json:"category"` // MARKETING, UTILITY, AUTHENTICATION
	Body       string    `json:"body"`
	Footer     string    `json:"footer,omitempty"`
	OptOut     bool      `json:"opt_out_button"`
	Problems   []string  `json:"problems"` // the checks' findings; none: usable for a campaign
	SyncedAt   time.Time `json:"synced_at"`
}

// Component is a template's part as the platform sends it.
type Component struct {
	Type    string   `json:"type"` // HEADER, BODY, FOOTER, BUTTONS
	Format  string   `json:"format,omitempty"`
	Text    string   `json:"text,omitempty"`
	Buttons []Button `json:"buttons,omitempty"`
}

// Button is one of a BUTTONS component's buttons.
type Button struct {
	Type string `json:"type"` // QUICK_REPLY, URL, PHONE_NUMBER, MARKETING_OPT_OUT ...
	Text string `json:"text,omitempty"`
	URL  string `json:"url,omitempty"`
}

// Platform is a template as GET /{WABA-ID}/message_templates lists it.
type Platform struct {
	ID         string      `json:"id"`
	Name       string      `json:"name"`
	Language   string      `json:"language"`
	Status     string      `json:"status"`
	Category   string      `json:"category"`
	Components []Component `json:"components"`
}

// languages maps the platform's language codes to samtykke's.
var languages = map[string]string{"nb": "nb", "no": "nb", "nb_NO": "nb", "en": "en", "en_US": "en", "en_GB": "en"}

// Language is samtykke's language for a platform's code; "" when samtykke
// does not speak it.
func Language(code string) string { return languages[code] }

// FromPlatform reads a platform template: its body, footer and whether it
// carries the marketing opt-out button.
func FromPlatform(p Platform, at time.Time) Template {
	t := Template{Name: p.Name, Language: p.Language, PlatformID: p.ID, Status: p.Status, Category: p.Category,
		Problems: []string{}, SyncedAt: at}
	if l := Language(p.Language); l != "" {
		t.Language = l
	}
	for _, c := range p.Components {
		switch strings.ToUpper(c.Type) {
		case "BODY":
			t.Body = c.Text
		case "FOOTER":
			t.Footer = c.Text
		case "BUTTONS":
			for _, b := range c.Buttons {
				if strings.EqualFold(b.Type, "MARKETING_OPT_OUT") {
					t.OptOut = true
				}
			}
		}
	}
	return t
}

// Check runs the campaign template checks on a marketing template: it must
// be approved, in a language samtykke speaks, name the business, offer the
// opt-out and link to the notice. Other categories are samtykke's own
// service templates or not for campaigns: not checked.
func (t *Template) Check(business, noticeURL string) {
	t.Problems = []string{}
	if !strings.EqualFold(t.Category, "MARKETING") {
		return
	}
	if !strings.EqualFold(t.Status, "APPROVED") {
		t.Problems = append(t.Problems, "not approved by the platform (status "+t.Status+")")
	}
	if Language(t.Language) == "" {
		t.Problems = append(t.Problems, "language "+t.Language+" is neither nb nor en")
		return
	}
	ct := campaign.Template{Name: t.Name, Languages: map[string]campaign.Variant{
		t.Language: {Body: t.Body, Footer: t.Footer, OptOutButton: t.OptOut}}}
	if err := ct.Lint(business, noticeURL, nil); err != nil {
		_, detail, _ := strings.Cut(err.Error(), ": ")
		for _, p := range strings.Split(detail, "; ") {
			t.Problems = append(t.Problems, p)
		}
	}
}
