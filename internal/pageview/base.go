// SPDX-License-Identifier: AGPL-3.0-only

package pageview

import "github.com/samtykke/samtykke/internal/i18n"

// Base is what every page of both sites has, as the layout reads it: its
// language, the business's name, the CSRF field of its forms and the link
// to the other language.
type Base struct {
	Lang         string
	BusinessName string
	CSRF         string // the token of the page's form; empty on pages without one
	SwitchURL    string // this page in the other language
}

// Common is the Base a page embeds, for the renderer to read its language.
func (b *Base) Common() *Base { return b }

// T is the text of key in the page's language, with {name} placeholders
// filled from pairs.
func (b *Base) T(key string, pairs ...string) string { return i18n.T(b.Lang, key, pairs...) }

// Link is a path of the site in the page's language.
func (b *Base) Link(path string) string {
	if b.Lang == "en" {
		return path + "?lang=en"
	}
	return path
}

// OtherLang is the language SwitchURL leads to.
func (b *Base) OtherLang() string {
	if b.Lang == "en" {
		return "nb"
	}
	return "en"
}
