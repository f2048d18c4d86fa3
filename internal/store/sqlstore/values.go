// SPDX-License-Identifier: AGPL-3.0-only

package sqlstore

import (
	"fmt"
	"strings"
)

// chunkRows is how many rows a VALUES row source carries on SQLite. A batch
// goes in chunks of it, the last filled up with rows of NULLs, so that every
// chunk runs one prepared statement. Passed as one JSON document instead, each
// row was written out as text and parsed again for every column read (8% of
// a SQLite dispatch profile).
const chunkRows = 64

// valuesSource is a row source "j" with the columns named, of chunkRows rows
// of anonymous placeholders: the statement's own parameters must be $1 to
// $k, every one of them written before it, so that the rows' values follow
// them as the arguments k+1 on. SQLite binds "?" by position; a numbered
// "$n" it looks up by name in a list, for each parameter (measured: 4% of a
// dispatch profile with numbered rows).
func valuesSource(cols ...string) string {
	var b strings.Builder
	b.WriteString("(SELECT ")
	for i, c := range cols {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "column%d AS %s", i+1, c)
	}
	b.WriteString(" FROM (VALUES ")
	b.WriteString(PlaceholderRows(0, chunkRows, len(cols), ""))
	b.WriteString(")) AS j")
	return b.String()
}

// PlaceholderRows is n rows of cols placeholders each, numbered from $first
// on, with extra appended to every row: "($1, 'x'), ($2, 'x')". With first 0
// they are SQLite's anonymous "?".
func PlaceholderRows(first, n, cols int, extra string) string {
	var b strings.Builder
	for r := range n {
		if r > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('(')
		for c := range cols {
			if c > 0 {
				b.WriteString(", ")
			}
			if first == 0 {
				b.WriteByte('?')
			} else {
				fmt.Fprintf(&b, "$%d", first+r*cols+c)
			}
		}
		if extra != "" {
			b.WriteString(", " + extra)
		}
		b.WriteByte(')')
	}
	return b.String()
}

// inChunks calls run for each chunk of the rows in vals (cols values a row,
// row after row) with the arguments fixed followed by the chunk's, filled up
// with NULLs to chunkRows rows.
func inChunks(fixed []any, cols int, vals []any, run func(args []any) error) error {
	per := cols * chunkRows
	args := make([]any, len(fixed)+per)
	copy(args, fixed)
	for len(vals) > 0 {
		n := copy(args[len(fixed):], vals)
		clear(args[len(fixed)+n:])
		if err := run(args); err != nil {
			return err
		}
		vals = vals[n:]
	}
	return nil
}
