// SPDX-License-Identifier: AGPL-3.0-only

// Package template holds the business's message templates as the platform
// keeps them (GET /{WABA-ID}/message_templates): one per name and language,
// with its status, category and text, and what samtykke's checks of a
// marketing template found (the opt-out and the notice, G-05, R-09, M-05).
package template

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/samtykke/samtykke/internal/campaign"
)

// Template is one language variant of a platform template.
type Template struct {
	Name string `json:"name"`
	// Language is the platform's code of the variant (nb, en_US ...), which a
	// template message must name exactly; Language(code) is samtykke's.
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
	if _, positional := Params(t.Body); positional {
		t.Problems = append(t.Problems, "numbered parameters ({{1}}): samtykke fills only named ones ({{first_name}})")
	}
	lang := Language(t.Language)
	ct := campaign.Template{Name: t.Name, Languages: map[string]campaign.Variant{
		lang: {Body: t.Body, Footer: t.Footer, OptOutButton: t.OptOut}}}
	if err := ct.Lint(business, noticeURL, nil); err != nil {
		_, detail, _ := strings.Cut(err.Error(), ": ")
		for _, p := range strings.Split(detail, "; ") {
			t.Problems = append(t.Problems, p)
		}
	}
}

var (
	namedParam    = regexp.MustCompile(`\{\{\s*([a-z_][a-z0-9_]*)\s*\}\}`)
	numberedParam = regexp.MustCompile(`\{\{\s*[0-9]+\s*\}\}`)
)

// Params are the named parameters of a template's body ({{first_name}}),
// each once, in order; positional reports numbered ones ({{1}}).
func Params(body string) (named []string, positional bool) {
	for _, m := range namedParam.FindAllStringSubmatch(body, -1) {
		if !slices.Contains(named, m[1]) {
			named = append(named, m[1])
		}
	}
	return named, numberedParam.MatchString(body)
}

// Problem names a variant's problem by the variant's code: "en_US: does
// not link ...", in place of the language the checks name it by.
func Problem(code, problem string) string {
	if l := Language(code); l != "" {
		problem = strings.TrimPrefix(problem, l+": ")
	}
	return code + ": " + problem
}

// ErrNotUsable is wrapped when a synced template cannot be a campaign's.
var ErrNotUsable = errors.New("template not usable for a campaign")

// Campaign makes a campaign's template of the synced variants named name:
// for each of samtykke's languages the variant in that code (nb, en) or
// else the first other code of it (en_GB before en_US). It is refused
// unless it is a MARKETING template (M-03) whose every variant in nb or en
// passed the checks (approved, the business named, the opt-out offered, the
// notice linked: G-05, R-09, M-05), naming what failed. The campaign's own
// Lint runs on the result as well.
func Campaign(name string, synced []Template) (campaign.Template, error) {
	out := campaign.Template{Name: name, Languages: map[string]campaign.Variant{}, Synced: true}
	var problems []string
	found := false
	vs := slices.Clone(synced)
	slices.SortFunc(vs, func(a, b Template) int { return strings.Compare(a.Language, b.Language) })
	for _, t := range vs {
		if t.Name != name {
			continue
		}
		found = true
		lang := Language(t.Language)
		if lang == "" {
			continue // a language samtykke does not speak is never sent
		}
		if !strings.EqualFold(t.Category, "MARKETING") {
			problems = append(problems, fmt.Sprintf("%s: category %s, not MARKETING", t.Language, t.Category))
			continue
		}
		for _, p := range t.Problems {
			problems = append(problems, Problem(t.Language, p))
		}
		if len(t.Problems) > 0 {
			continue
		}
		v := campaign.Variant{Body: t.Body, Footer: t.Footer, OptOutButton: t.OptOut}
		if t.Language != lang {
			v.Code = t.Language
		}
		if have, ok := out.Languages[lang]; !ok || have.Code != "" && v.Code == "" {
			out.Languages[lang] = v
		}
		named, _ := Params(t.Body + "\n" + t.Footer)
		for _, p := range named {
			if !slices.Contains(out.Params, p) {
				out.Params = append(out.Params, p)
			}
		}
	}
	switch {
	case !found:
		return out, fmt.Errorf("%w: no synced template is named %q; sync the templates first", ErrNotUsable, name)
	case len(problems) > 0:
		return out, fmt.Errorf("%w: %s: %s", ErrNotUsable, name, strings.Join(problems, "; "))
	case len(out.Languages) == 0:
		return out, fmt.Errorf("%w: %s has no variant in nb or en", ErrNotUsable, name)
	}
	return out, nil
}
