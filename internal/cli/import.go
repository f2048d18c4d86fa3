// SPDX-License-Identifier: AGPL-3.0-only

package cli

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/samtykke/samtykke/internal/app"
	"github.com/samtykke/samtykke/internal/importer"
)

// runImport is `samtykke import FILE.csv --purpose KEY`: a list of consents
// with their evidence, row by row (C-03, M-04, M-05). The same file run again
// resumes an import that did not finish, or changes nothing.
func runImport(ctx context.Context, e env, args []string) int {
	fs, cf := flags(e, "import")
	purpose := fs.String("purpose", "", "the purpose the list's consents are for (required)")
	mode := fs.String("without-evidence", "refuse", "what becomes of a row without evidence: refuse, or needs_fresh_consent (a contact the gate refuses)")
	reportPath := fs.String("report", "", "write the per-row report (row, outcome, reason, contact id; never a number) to this file")
	format := fs.String("format", "csv", "the report's format: csv or json (one object a line)")
	var files []string
	for rest := args; ; { // flags before and after FILE
		if code, ok := parseWithArgs(e, fs, rest); !ok {
			return code
		}
		if fs.NArg() == 0 {
			break
		}
		files, rest = append(files, fs.Arg(0)), fs.Args()[1:]
	}
	switch {
	case len(files) != 1:
		badUsage(e, fs, "give one CSV FILE")
		return 2
	case *purpose == "":
		badUsage(e, fs, "--purpose is required")
		return 2
	case *format != "csv" && *format != "json":
		badUsage(e, fs, "--format must be csv or json")
		return 2
	}
	m, err := importer.ParseMode(*mode)
	if err != nil {
		badUsage(e, fs, err.Error())
		return 2
	}
	f, err := os.Open(files[0])
	if err != nil {
		return fail(e, "import: %v", err)
	}
	defer f.Close()
	return onOpened(ctx, e, cf, func(sys *system) int {
		actor := cliActor(e)
		digest, size, err := sys.app.FileDigest(f)
		if err == nil {
			_, err = f.Seek(0, io.SeekStart)
		}
		if err != nil {
			return fail(e, "import: %v", err)
		}
		imp, resumed, err := sys.app.StartImport(ctx, actor, app.ImportInput{Purpose: *purpose, Mode: m, Source: "cli", FileDigest: digest})
		if err != nil {
			return fail(e, "import: %v", err)
		}
		if resumed {
			fmt.Fprintf(e.stderr, "resuming import %s after row %d\n", imp.ID, imp.Line)
		} else {
			fmt.Fprintf(e.stderr, "import %s into %s\n", imp.ID, imp.Purpose)
		}
		cr := &countingReader{r: f}
		p := newProgress(e.stderr, size, cr)
		imp, err = sys.app.RunImport(ctx, actor, imp.ID, cr, p.update)
		p.done(imp)
		if err != nil {
			return fail(e, "import: %v", err)
		}
		fmt.Fprintf(e.stderr, "import %s: %s\n", imp.ID, summary(imp))
		if *reportPath != "" {
			if err := writeReport(ctx, sys.app, actor, imp.ID, *reportPath, *format); err != nil {
				return fail(e, "import: the report: %v", err)
			}
			fmt.Fprintf(e.stderr, "report: %s\n", *reportPath)
		}
		return printJSON(e, imp)
	})
}

// summary is an import's counts in words.
func summary(imp importer.Import) string {
	parts := []string{fmt.Sprintf("%d rows", imp.Rows)}
	for _, o := range importer.Outcomes {
		if n := imp.Counts[o]; n > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", o, n))
		}
	}
	for _, r := range imp.Resumes {
		parts = append(parts, fmt.Sprintf("resumed after row %d", r.AfterRow))
	}
	return strings.Join(parts, ", ")
}

// writeReport writes an import's report, read from the database a page at a
// time (memory flat), as CSV or JSON lines.
func writeReport(ctx context.Context, a *app.App, actor app.Actor, id, path, format string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := csv.NewWriter(f)
	enc := json.NewEncoder(f)
	if format == "csv" {
		_ = w.Write([]string{"row", "outcome", "reason", "contact_id"})
	}
	for after := 0; ; {
		rows, err := a.ImportReport(ctx, actor, id, after, 10000)
		if err != nil {
			f.Close()
			return err
		}
		if len(rows) == 0 {
			break
		}
		for _, r := range rows {
			if format == "csv" {
				_ = w.Write([]string{strconv.Itoa(r.Line), string(r.Outcome), r.Reason, r.ContactID})
			} else if err := enc.Encode(r); err != nil {
				f.Close()
				return err
			}
		}
		after = rows[len(rows)-1].Line
	}
	w.Flush()
	if err := errors.Join(w.Error(), f.Sync()); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// countingReader counts the bytes read, for the progress's ETA.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// progress shows an import's progress on standard error: a bar redrawn in
// place with rows/s and ETA on a terminal, a plain line every few seconds
// on a pipe.
type progress struct {
	w        io.Writer
	tty      bool
	size     int64
	read     *countingReader
	start    time.Time
	last     time.Time
	rowsFrom int64
}

func newProgress(w io.Writer, size int64, read *countingReader) *progress {
	tty := false
	if f, ok := w.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			tty = true
		}
	}
	return &progress{w: w, tty: tty, size: size, read: read, start: time.Now(), rowsFrom: -1}
}

func (p *progress) update(imp importer.Import) {
	if p.rowsFrom < 0 {
		p.rowsFrom = imp.Rows - min(imp.Rows, 1000)
	}
	now := time.Now()
	every := 5 * time.Second
	if p.tty {
		every = 200 * time.Millisecond
	}
	if now.Sub(p.last) < every {
		return
	}
	p.last = now
	el := now.Sub(p.start).Seconds()
	rate := float64(imp.Rows-p.rowsFrom) / max(el, 0.001)
	frac := 0.0
	if p.size > 0 {
		frac = min(float64(p.read.n)/float64(p.size), 1)
	}
	eta := "?"
	if frac > 0 {
		eta = (time.Duration(el*(1-frac)/frac) * time.Second).Round(time.Second).String()
	}
	if p.tty {
		const width = 30
		bar := strings.Repeat("█", int(frac*width)) + strings.Repeat("░", width-int(frac*width))
		fmt.Fprintf(p.w, "\r%s %3.0f%% %d rows  %.0f rows/s  ETA %s   ", bar, 100*frac, imp.Rows, rate, eta)
		return
	}
	fmt.Fprintf(p.w, "progress: %d rows, %.0f%%, %.0f rows/s, ETA %s\n", imp.Rows, 100*frac, rate, eta)
}

func (p *progress) done(importer.Import) {
	if p.tty && !p.last.IsZero() {
		fmt.Fprintln(p.w)
	}
}
