// SPDX-License-Identifier: AGPL-3.0-only

package cli

import (
	_ "embed"
	"strings"
	"sync"
)

// commandsMD is the command reference: each command's help text, as
// samtykke help shows it.
//
//go:embed commands.md
var commandsMD string

// helpText is what samtykke help says of a command.
type helpText struct {
	synopsis string // what follows the name, besides [flags]
	summary  string // one line
	example  string
}

// reference is the command reference by command name, read once.
var reference = sync.OnceValue(func() map[string]helpText { return parseReference(commandsMD) })

// parseReference reads a reference: a command's name as a "## " heading,
// its synopsis alone on a line in backticks, its summary (lines joined with
// spaces) and its example indented by four spaces.
func parseReference(md string) map[string]helpText {
	ref := map[string]helpText{}
	sections := strings.Split(md, "\n## ")
	for _, sec := range sections[1:] {
		name, rest, _ := strings.Cut(sec, "\n")
		var h helpText
		var summary []string
		for _, line := range strings.Split(rest, "\n") {
			switch {
			case strings.HasPrefix(line, "    "):
				h.example = strings.TrimSpace(line)
			case len(line) > 1 && strings.HasPrefix(line, "`") && strings.HasSuffix(line, "`") && len(summary) == 0:
				h.synopsis = line[1 : len(line)-1]
			case strings.TrimSpace(line) != "":
				summary = append(summary, strings.TrimSpace(line))
			}
		}
		h.summary = strings.Join(summary, " ")
		ref[strings.TrimSpace(name)] = h
	}
	return ref
}

// withHelp gives each command its help text from the reference.
func withHelp(cs []command) []command {
	ref := reference()
	for i := range cs {
		cs[i].helpText = ref[cs[i].name]
	}
	return cs
}
