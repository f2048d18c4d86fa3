// SPDX-License-Identifier: AGPL-3.0-only

package chart_test

import (
	"bytes"
	"encoding/xml"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/samtykke/samtykke/internal/chart"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

func days() ([]string, []chart.Series) {
	var labels []string
	ins, outs := make([]int64, 30), make([]int64, 30)
	for i := range 30 {
		labels = append(labels, fmt.Sprintf("2026-11-%02d", i+1))
		ins[i], outs[i] = int64(i*7%23), int64(i%4)
	}
	return labels, []chart.Series{{Name: "Samtykker", Colour: "#2a6f97", Values: ins}, {Name: "Avmeldinger", Colour: "#c1121f", Values: outs}}
}

func charts() map[string][]byte {
	labels, series := days()
	return map[string][]byte{
		"days.svg": chart.Days("optins", "Samtykker og avmeldinger per dag", "Siste 30 dager, Oslo-tid.", labels, series),
		"purposes.svg": chart.Bars("audience", "Samtykker per formål", "Kontakter med aktivt samtykke, per formål.", "#2a6f97",
			[]chart.Item{{Label: "Tilbud <& «rabatt»>", Value: 1234}, {Label: "Nyheter", Value: 56}, {Label: "Tomt", Value: 0}}),
		"empty.svg": chart.Bars("none", "Ingen formål", "Ingen formål er satt opp ennå.", "#2a6f97", nil),
	}
}

// TestGolden (issue 23): each chart is drawn exactly as its golden file
// (go test -update rewrites them after a deliberate change).
func TestGolden(t *testing.T) {
	t.Parallel()
	for name, got := range charts() {
		path := filepath.Join("testdata", name)
		if *update {
			if err := os.WriteFile(path, got, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%s: %v (run go test -update)", name, err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from its golden file:\n%s", name, got)
		}
	}
}

// TestDeterministic: the same input draws the same bytes.
func TestDeterministic(t *testing.T) {
	t.Parallel()
	a, b := charts(), charts()
	for name := range a {
		if !bytes.Equal(a[name], b[name]) {
			t.Errorf("%s is not drawn the same twice", name)
		}
	}
}

// TestAccessible: every chart is well-formed XML, an image by role, named
// by its title and described by its desc; labels are escaped, never markup;
// each bar carries its number as a tooltip title.
func TestAccessible(t *testing.T) {
	t.Parallel()
	for name, svg := range charts() {
		d := xml.NewDecoder(bytes.NewReader(svg))
		var root *xml.StartElement
		elements := map[string]int{}
		for {
			tok, err := d.Token()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("%s: not well-formed: %v", name, err)
			}
			if se, ok := tok.(xml.StartElement); ok {
				if root == nil {
					root = &se
				}
				elements[se.Name.Local]++
			}
		}
		attrs := map[string]string{}
		for _, a := range root.Attr {
			attrs[a.Name.Local] = a.Value
		}
		if root.Name.Local != "svg" || attrs["role"] != "img" || !strings.HasSuffix(attrs["aria-labelledby"], "-desc") {
			t.Errorf("%s: root %v %v; want svg role=img labelled by title and desc", name, root.Name.Local, attrs)
		}
		if elements["desc"] != 1 || elements["title"] < 1 {
			t.Errorf("%s: %d title, %d desc", name, elements["title"], elements["desc"])
		}
	}
	svg := string(charts()["purposes.svg"])
	if strings.Contains(svg, "<&") || !strings.Contains(svg, "Tilbud &lt;&amp; «rabatt»&gt;: 1234") {
		t.Errorf("a label is not escaped, or a bar lacks its number:\n%s", svg)
	}
}
