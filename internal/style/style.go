// SPDX-License-Identifier: AGPL-3.0-only

// Package style is the one stylesheet of every page a person reads: the
// public pages serve it as an asset, and the copy of a person's data (the
// access package) carries it inline, so that the two look alike.
package style

import _ "embed"

// CSS is the stylesheet.
//
//go:embed style.css
var CSS string
