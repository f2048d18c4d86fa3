// SPDX-License-Identifier: AGPL-3.0-only

package template_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/samtykke/samtykke/internal/template"
)

const business, notice = "Butikken AS", "https://butikk.example/privacy"

// synced is a platform template as a sync stores it, checked.
func synced(name, code, category, body, footer string, button bool) template.Template {
	p := template.Platform{Name: name, Language: code, Status: "APPROVED", Category: category,
		Components: []template.Component{{Type: "BODY", Text: body}}}
	if footer != "" {
		p.Components = append(p.Components, template.Component{Type: "FOOTER", Text: footer})
	}
	if button {
		p.Components = append(p.Components, template.Component{Type: "BUTTONS", Buttons: []template.Button{{Type: "MARKETING_OPT_OUT", Text: "Stop"}}})
	}
	t := template.FromPlatform(p, time.Now())
	t.Check(business, notice)
	return t
}

// TestCampaignOfSynced (issue 23 point 2; G-05, R-09, M-03, M-05): a synced
// marketing template whose variants pass the checks becomes a campaign's,
// each variant under samtykke's language with the platform's code kept; one
// without the opt-out, a utility template, positional parameters or a name
// never synced are refused, naming why.
func TestCampaignOfSynced(t *testing.T) {
	t.Parallel()
	body := "Salg hos Butikken AS, {{first_name}}: " + notice
	ts := []template.Template{
		synced("salg", "nb", "MARKETING", body, "Svar STOPP for å melde deg av", false),
		synced("salg", "en_US", "MARKETING", "Sale at Butikken AS: "+notice, "", true),
		synced("salg", "en_GB", "MARKETING", "Sale at Butikken AS: "+notice, "", true),
		synced("salg", "de", "MARKETING", "Ausverkauf", "", false),
		synced("uten_stopp", "nb", "MARKETING", "Salg hos Butikken AS: "+notice, "", false),
		synced("kvittering", "nb", "UTILITY", "Butikken AS: "+notice+" Svar STOPP for å melde deg av", "", false),
		synced("tall", "nb", "MARKETING", "Butikken AS {{1}}: "+notice+" Svar STOPP for å melde deg av", "", false),
	}
	if ts[1].Language != "en_US" {
		t.Fatalf("the sync keeps the platform's code: %q", ts[1].Language)
	}
	c, err := template.Campaign("salg", ts)
	if err != nil {
		t.Fatal(err)
	}
	nb, en := c.Languages["nb"], c.Languages["en"]
	if len(c.Languages) != 2 || !c.Synced || nb.Code != "" || nb.Footer == "" || en.Code != "en_GB" || !en.OptOutButton ||
		!slices.Equal(c.Params, []string{"first_name"}) {
		t.Errorf("Campaign(salg) = %+v", c)
	}
	if err := c.Lint(business, notice, []string{"first_name"}); err != nil {
		t.Errorf("the campaign's own checks refuse it: %v", err)
	}
	for name, want := range map[string]string{
		"uten_stopp":  "nb: has neither the line",
		"kvittering":  "not MARKETING",
		"tall":        "numbered parameters",
		"finnes_ikke": "sync the templates first",
	} {
		if _, err := template.Campaign(name, ts); !errors.Is(err, template.ErrNotUsable) || !strings.Contains(err.Error(), want) {
			t.Errorf("Campaign(%s) = %v; want ErrNotUsable naming %q", name, err, want)
		}
	}
}
