// SPDX-License-Identifier: AGPL-3.0-only

package notice

import "strings"

// Op is what a line of a diff does.
type Op string

// The operations of a line diff.
const (
	Same    Op = "same"
	Added   Op = "added"
	Removed Op = "removed"
)

// DiffLine is one line of a diff between two notices.
type DiffLine struct {
	Op   Op
	Text string
}

// Lines is a notice as the lines a person reads: the summary, then each
// section's title and body; the text a diff compares.
func (n Notice) Lines() []string {
	out := strings.Split(n.Summary, "\n")
	for _, s := range n.Sections {
		out = append(out, "", "## "+s.Title+" ("+string(s.Item)+")")
		out = append(out, strings.Split(s.Body, "\n")...)
	}
	return out
}

// Diff is the line diff from notice a to notice b (a longest common
// subsequence of their Lines): what a DPO reads to see what changed between
// two versions.
func Diff(a, b Notice) []DiffLine { return diffLines(a.Lines(), b.Lines()) }

func diffLines(x, y []string) []DiffLine {
	// lcs[i][j] is the length of the longest common subsequence of x[i:] and y[j:].
	lcs := make([][]int, len(x)+1)
	for i := range lcs {
		lcs[i] = make([]int, len(y)+1)
	}
	for i := len(x) - 1; i >= 0; i-- {
		for j := len(y) - 1; j >= 0; j-- {
			if x[i] == y[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var out []DiffLine
	i, j := 0, 0
	for i < len(x) && j < len(y) {
		switch {
		case x[i] == y[j]:
			out = append(out, DiffLine{Same, x[i]})
			i, j = i+1, j+1
		case lcs[i+1][j] >= lcs[i][j+1]:
			out = append(out, DiffLine{Removed, x[i]})
			i++
		default:
			out = append(out, DiffLine{Added, y[j]})
			j++
		}
	}
	for ; i < len(x); i++ {
		out = append(out, DiffLine{Removed, x[i]})
	}
	for ; j < len(y); j++ {
		out = append(out, DiffLine{Added, y[j]})
	}
	return out
}
