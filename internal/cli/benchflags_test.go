// SPDX-License-Identifier: AGPL-3.0-only

package cli

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
	"text/tabwriter"
)

// TestBenchFlagsReport checks the benchmark commands' shared output: JSON
// with --json, else the table; what was measured is printed when the run
// failed, and the exit code is 1 then.
func TestBenchFlagsReport(t *testing.T) {
	table := func(w *tabwriter.Writer) { fmt.Fprintln(w, "backend\tmsg/s\t") }
	for _, c := range []struct {
		args []string
		err  error
		want string
		code int
	}{
		{nil, nil, "backend  msg/s", 0},
		{[]string{"--json"}, nil, "[\n  {\n    \"Backend\": \"sqlite\"\n  }\n]", 0},
		{[]string{"--json"}, errors.New("boom"), "\"Backend\": \"sqlite\"", 1},
	} {
		var out, errOut bytes.Buffer
		e := env{getenv: func(string) string { return "" }, stdout: &out, stderr: &errOut}
		fs := newFlagSet(e, "bench test")
		bf := newBenchFlags(fs, "sqlite", "backends", "profile")
		if err := fs.Parse(c.args); err != nil {
			t.Fatal(err)
		}
		code := bf.report(e, []struct{ Backend string }{{"sqlite"}}, c.err, table)
		if code != c.code || !strings.Contains(out.String(), c.want) {
			t.Errorf("%v: code %d, output %q; want %d and %q", c.args, code, out.String(), c.code, c.want)
		}
		if c.err != nil && !strings.Contains(errOut.String(), "samtykke: bench: boom") {
			t.Errorf("%v: stderr %q", c.args, errOut.String())
		}
	}
	if got := (&benchFlags{backends: ptr(" sqlite, ,postgres")}).backendList(); strings.Join(got, "|") != "sqlite|postgres" {
		t.Errorf("backendList = %q", got)
	}
}

func ptr[T any](v T) *T { return &v }
