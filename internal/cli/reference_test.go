// SPDX-License-Identifier: AGPL-3.0-only

package cli

import (
	"maps"
	"slices"
	"testing"
)

// TestReferenceNamesEveryCommand checks that commands.md and the wiring in
// cli.go name the same commands, each with a summary and an example.
func TestReferenceNamesEveryCommand(t *testing.T) {
	ref := reference()
	var wired []string
	for _, c := range commands() {
		wired = append(wired, c.name)
		if c.summary == "" || c.example == "" {
			t.Errorf("%s: no summary or example in commands.md", c.name)
		}
	}
	slices.Sort(wired)
	if documented := slices.Sorted(maps.Keys(ref)); !slices.Equal(documented, wired) {
		t.Errorf("commands.md documents %q, the code wires %q", documented, wired)
	}
}

// TestParseReference reads each part of an entry.
func TestParseReference(t *testing.T) {
	got := parseReference("# title\n\nintro\n\n## token create\n\n`--role ROLE`\n\nmake a\ntoken\n\n    samtykke token create --role admin\n\n## version\n\nprint it\n")
	want := map[string]helpText{
		"token create": {synopsis: "--role ROLE", summary: "make a token", example: "samtykke token create --role admin"},
		"version":      {summary: "print it"},
	}
	if !maps.Equal(got, want) {
		t.Errorf("parseReference = %+v, want %+v", got, want)
	}
}
