// SPDX-License-Identifier: AGPL-3.0-only

package notice

import (
	"strings"
	"testing"
)

// TestSampleIsComplete: the first run's drafts cover every Art. 13 item in
// both languages, so the operator can publish them (T-01, issue 23 point 2).
func TestSampleIsComplete(t *testing.T) {
	t.Parallel()
	for _, lang := range []string{"nb", "en"} {
		n := Sample(lang, SampleInput{Business: "Kiwi Test AS", OrgNumber: "974760673", Purposes: []string{"Tilbud"}})
		if n.Language != lang {
			t.Errorf("%s: language %q", lang, n.Language)
		}
		if err := n.ValidateDraft(); err != nil {
			t.Errorf("%s: %v", lang, err)
		}
		if m := n.Missing(); len(m) != 0 {
			t.Errorf("%s: missing %v", lang, m)
		}
		if !strings.Contains(n.Sections[0].Body, "Kiwi Test AS") || !strings.Contains(n.Sections[0].Body, "974760673") {
			t.Errorf("%s: controller section %q names neither the business nor its number", lang, n.Sections[0].Body)
		}
	}
}

// TestDiff: a line diff keeps the common lines and marks what was removed
// and added, in order.
func TestDiff(t *testing.T) {
	t.Parallel()
	got := diffLines([]string{"a", "b", "c", "d"}, []string{"a", "c", "x", "d", "e"})
	want := []DiffLine{{Same, "a"}, {Removed, "b"}, {Same, "c"}, {Added, "x"}, {Same, "d"}, {Added, "e"}}
	if len(got) != len(want) {
		t.Fatalf("diff = %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("line %d = %v, want %v", i, got[i], want[i])
		}
	}
	a := Sample("nb", SampleInput{Business: "A AS"})
	b := a
	b.Sections = append([]Section(nil), a.Sections...)
	b.Sections[2].Body = "Nytt formål."
	var added, removed int
	for _, l := range Diff(a, b) {
		switch l.Op {
		case Added:
			added++
			if l.Text != "Nytt formål." {
				t.Errorf("added %q", l.Text)
			}
		case Removed:
			removed++
		}
	}
	if added != 1 || removed != 1 {
		t.Errorf("one changed body: %d added, %d removed", added, removed)
	}
}
