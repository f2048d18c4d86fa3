// SPDX-License-Identifier: AGPL-3.0-only

// Package style is the one stylesheet of every page a person reads: the
// public pages serve it as an asset, the copy of a person's data (the
// access package) carries it inline, so that the two look alike, and the
// staff pages load it first and add AdminCSS and AdminJS.
package style

import _ "embed"

// CSS is the stylesheet.
//
//go:embed style.css
var CSS string

// AdminCSS is what the staff pages add to CSS: navigation, tables, wider
// pages.
//
//go:embed admin.css
var AdminCSS string

// AdminJS is the staff pages' progressive script: nothing depends on it.
//
//go:embed admin.js
var AdminJS string
