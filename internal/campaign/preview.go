// SPDX-License-Identifier: AGPL-3.0-only

package campaign

import (
	"slices"
	"strings"
)

// Preview is a template's variant in one language as a person would read
// it, its named parameters filled with example values.
type Preview struct {
	Language string `json:"language"`
	// Code is the platform's language code it is sent in, when it is not
	// the language itself (en_US).
	Code   string `json:"code,omitempty"`
	Body   string `json:"body"`
	Footer string `json:"footer,omitempty"`
	// OptOutButton says the message carries the platform's opt-out button.
	OptOutButton bool `json:"opt_out_button"`
	// Text is the body and the footer as one text, the way it is shown.
	Text string `json:"text"`
}

// ExampleValues fill a template's parameters in a preview: no real
// person's data is ever shown there.
var ExampleValues = map[string]map[string]string{
	"nb": {"first_name": "Kari"},
	"en": {"first_name": "Kari"},
}

// Previews renders every language variant of the template, sorted by
// language, with each named parameter ({{first_name}}) filled by its
// example value.
func (t Template) Previews() []Preview {
	langs := make([]string, 0, len(t.Languages))
	for l := range t.Languages {
		langs = append(langs, l)
	}
	slices.Sort(langs)
	out := make([]Preview, 0, len(langs))
	for _, lang := range langs {
		v := t.Languages[lang]
		pairs := []string{}
		for _, p := range t.Params {
			pairs = append(pairs, "{{"+p+"}}", ExampleValues[lang][p])
		}
		fill := strings.NewReplacer(pairs...)
		v.Body, v.Footer = fill.Replace(v.Body), fill.Replace(v.Footer)
		out = append(out, Preview{Language: lang, Code: v.Code, Body: v.Body, Footer: v.Footer, OptOutButton: v.OptOutButton, Text: v.Text()})
	}
	return out
}
