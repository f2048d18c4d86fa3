// SPDX-License-Identifier: AGPL-3.0-only

// Package style is the one look of every page a person reads: the
// stylesheet, which the public pages serve as an asset and the copy of a
// person's data (the access package) carries inline, and the page layout
// that the public pages and the admin UI both execute, so that all look alike.
package style

import (
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
)

// CSS is the stylesheet.
//
//go:embed style.css
var CSS string

// Layout is the page layout, a template named "layout" that executes the
// page's "title" and "content" templates. Its page gives Lang,
// BusinessName, SwitchURL, OtherLang, T (a catalog text) and Link (a path in
// the page's language), and its template functions "asset" (CSSPath for
// "style.css").
//
//go:embed layout.html
var Layout string

// CSSPath is where the public pages serve CSS: under its content hash, so
// that it is cached for ever and a new build never mixes with an old one.
func CSSPath() string {
	sum := sha256.Sum256([]byte(CSS))
	return "/static/" + hex.EncodeToString(sum[:8]) + "/style.css"
}

// AdminCSS is what the staff pages add to CSS: navigation, tables, wider
// pages.
//
//go:embed admin.css
var AdminCSS string

// AdminJS is the staff pages' progressive script: nothing depends on it.
//
//go:embed admin.js
var AdminJS string
