// SPDX-License-Identifier: AGPL-3.0-only

// Package chart draws the admin UI's charts as SVG on the server, so that
// they are read without JavaScript (issue 23): bars per day, and horizontal
// bars per purpose. Each chart is an image with a title and a description
// for screen readers (role="img", <title>, <desc>); the table of the same
// numbers beside it is the page's job. The output depends on the input
// alone, byte for byte.
package chart

import (
	"bytes"
	"fmt"
	"html"
	"strconv"
)

// Series is one kind of bar in a day chart, drawn in its colour, with one
// value per label.
type Series struct {
	Name   string
	Colour string // a CSS colour, e.g. "#2a6f97"
	Values []int64
}

// Item is one horizontal bar: a label and its value.
type Item struct {
	Label string
	Value int64
}

// Sizes of the drawings, in SVG user units.
const (
	width      = 640
	dayHeight  = 240
	marginLeft = 48
	marginTop  = 28
	axisSpace  = 36
	rowHeight  = 28
	labelWidth = 160
)

// esc escapes text for SVG (XML) content and attributes.
func esc(s string) string { return html.EscapeString(s) }

// num prints a coordinate with at most two decimals, the same on every
// machine.
func num(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

func round2(f float64) float64 {
	v, _ := strconv.ParseFloat(strconv.FormatFloat(f, 'f', 2, 64), 64)
	return v
}

func open(b *bytes.Buffer, id, title, desc string, w, h int) {
	fmt.Fprintf(b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" width="%d" height="%d" role="img" aria-labelledby="%s-title %s-desc">`+"\n",
		w, h, w, h, esc(id), esc(id))
	fmt.Fprintf(b, `<title id="%s-title">%s</title>`+"\n", esc(id), esc(title))
	fmt.Fprintf(b, `<desc id="%s-desc">%s</desc>`+"\n", esc(id), esc(desc))
}

// niceMax rounds a largest value up to 1, 2 or 5 times a power of ten, so
// that the axis reads in round numbers; at least 1.
func niceMax(v int64) int64 {
	if v <= 1 {
		return 1
	}
	p := int64(1)
	for p*10 < v {
		p *= 10
	}
	for _, m := range []int64{1, 2, 5, 10} {
		if m*p >= v {
			return m * p
		}
	}
	return 10 * p
}

// Days draws grouped vertical bars: for each label (a day) one bar of each
// series side by side, with a legend and the axis's top value. id makes the
// chart's element ids unique on its page.
func Days(id, title, desc string, labels []string, series []Series) []byte {
	var b bytes.Buffer
	open(&b, id, title, desc, width, dayHeight)
	var top int64
	for _, s := range series {
		for _, v := range s.Values {
			top = max(top, v)
		}
	}
	top = niceMax(top)
	plotW := float64(width - marginLeft - 8)
	plotH := float64(dayHeight - marginTop - axisSpace)
	base := float64(marginTop) + plotH
	fmt.Fprintf(&b, `<g font-family="sans-serif" font-size="11" fill="#333">`+"\n")
	fmt.Fprintf(&b, `<text x="%d" y="%s" text-anchor="end">%d</text>`+"\n", marginLeft-4, num(marginTop+4), top)
	fmt.Fprintf(&b, `<text x="%d" y="%s" text-anchor="end">0</text>`+"\n", marginLeft-4, num(base+4))
	fmt.Fprintf(&b, `<line x1="%d" y1="%s" x2="%d" y2="%s" stroke="#999"/>`+"\n", marginLeft, num(base), width-8, num(base))
	// The legend, top right.
	x := float64(width - 8)
	for i := len(series) - 1; i >= 0; i-- {
		s := series[i]
		x -= float64(12 + 7*len([]rune(s.Name)))
		fmt.Fprintf(&b, `<rect x="%s" y="6" width="10" height="10" fill="%s"/><text x="%s" y="15">%s</text>`+"\n",
			num(x), esc(s.Colour), num(x+13), esc(s.Name))
		x -= 8
	}
	if len(labels) > 0 {
		slot := plotW / float64(len(labels))
		bar := round2(slot * 0.8 / float64(max(1, len(series))))
		for i, label := range labels {
			x0 := float64(marginLeft) + slot*float64(i) + slot*0.1
			for j, s := range series {
				var v int64
				if i < len(s.Values) {
					v = s.Values[i]
				}
				h := round2(plotH * float64(v) / float64(top))
				fmt.Fprintf(&b, `<rect x="%s" y="%s" width="%s" height="%s" fill="%s"><title>%s %s: %d</title></rect>`+"\n",
					num(round2(x0+bar*float64(j))), num(round2(base-h)), num(bar), num(h), esc(s.Colour), esc(label), esc(s.Name), v)
			}
			// Every seventh label, and the last, under the axis: thirty would not fit.
			if i%7 == 0 || i == len(labels)-1 {
				fmt.Fprintf(&b, `<text x="%s" y="%s" text-anchor="middle">%s</text>`+"\n",
					num(round2(x0+slot*0.4)), num(base+16), esc(label))
			}
		}
	}
	b.WriteString("</g>\n</svg>\n")
	return b.Bytes()
}

// Bars draws one horizontal bar per item, its label on the left and its
// value at the bar's end.
func Bars(id, title, desc, colour string, items []Item) []byte {
	var b bytes.Buffer
	h := marginTop + rowHeight*max(1, len(items)) + 8
	open(&b, id, title, desc, width, h)
	var top int64
	for _, it := range items {
		top = max(top, it.Value)
	}
	top = niceMax(top)
	plotW := float64(width - labelWidth - 64)
	fmt.Fprintf(&b, `<g font-family="sans-serif" font-size="12" fill="#333">`+"\n")
	for i, it := range items {
		y := marginTop + rowHeight*i
		w := round2(plotW * float64(it.Value) / float64(top))
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="end">%s</text>`+"\n", labelWidth-8, y+16, esc(it.Label))
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%s" height="20" fill="%s"><title>%s: %d</title></rect>`+"\n",
			labelWidth, y+2, num(w), esc(colour), esc(it.Label), it.Value)
		fmt.Fprintf(&b, `<text x="%s" y="%d">%d</text>`+"\n", num(round2(float64(labelWidth)+w+6)), y+16, it.Value)
	}
	b.WriteString("</g>\n</svg>\n")
	return b.Bytes()
}
