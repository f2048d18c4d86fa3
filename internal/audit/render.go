// SPDX-License-Identifier: AGPL-3.0-only

package audit

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"io"
	"strings"
	"text/tabwriter"
)

// WriteJSON writes the report as indented JSON.
func WriteJSON(w io.Writer, r Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// WriteText writes the report for a terminal: the verdicts in a table, then
// what each check that did not pass found.
func WriteText(w io.Writer, r Report) error {
	var b bytes.Buffer
	fmt.Fprintf(&b, "compliance audit %s of %s at %s (%d ms): %d passed, %d warned, %d failed\n\n", r.ID, r.Controller,
		r.At.Format("2006-01-02 15:04:05 MST"), r.DurationMS, r.Summary.Pass, r.Summary.Warn, r.Summary.Fail)
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "status\tcheck\tfound\tchecked\tms\trequirements")
	for _, f := range r.Findings {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%s\n", strings.ToUpper(string(f.Status)), f.Check, f.Count, f.Checked, f.DurationMS,
			strings.Join(f.Requirements, ", "))
	}
	tw.Flush()
	for _, f := range r.Findings {
		fmt.Fprintf(&b, "\n%s %s: %s\n  %s\n", strings.ToUpper(string(f.Status)), f.Check, f.Title, f.Detail)
		if len(f.Affected) > 0 {
			more := ""
			if f.Count > int64(len(f.Affected)) {
				more = fmt.Sprintf(" (the first %d of %d)", len(f.Affected), f.Count)
			}
			fmt.Fprintf(&b, "  affected%s: %s\n", more, strings.Join(f.Affected, " "))
		}
	}
	_, err := w.Write(b.Bytes())
	return err
}

const page = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Compliance audit {{.At.Format "2006-01-02"}} — {{.Controller}}</title>
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:72rem;margin:2rem auto;padding:0 1rem}
table{border-collapse:collapse;width:100%;margin:1rem 0}th,td{border:1px solid #bbb;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#eee}.pass{background:#e3f4e3}.warn{background:#fff4d6}.fail{background:#fbe0e0}
.status{font-weight:bold;text-transform:uppercase}code{font-size:90%;word-break:break-all}</style>
</head><body>
<h1>Compliance audit</h1>
<p>{{.Controller}} — run {{.At.Format "2006-01-02 15:04:05 MST"}} by {{.Actor}}, in {{.DurationMS}} ms (report {{.ID}}).
Regular testing of the measures, with the results kept (GDPR Art. 32(1)(d)); evidence of compliance (Art. 5(2)): {{join .Requirements}}.</p>
<p class="{{.Summary.Status}}"><span class="status">{{.Summary.Status}}</span>:
{{.Summary.Pass}} passed, {{.Summary.Warn}} warned, {{.Summary.Fail}} failed.</p>
<table><tr><th>status</th><th>check</th><th>found</th><th>checked</th><th>requirements</th></tr>
{{range .Findings}}<tr class="{{.Status}}"><td class="status">{{.Status}}</td><td><a href="#{{.Check}}">{{.Title}}</a></td><td>{{.Count}}</td><td>{{.Checked}}</td><td>{{join .Requirements}}</td></tr>
{{end}}</table>
{{range .Findings}}<h2 id="{{.Check}}" class="{{.Status}}"><span class="status">{{.Status}}</span> {{.Title}}</h2>
<p>{{.Detail}}</p>
{{with .Timing}}<p>Opt-outs measured: {{.N}}; p50 {{printf "%.1f" .P50MS}} ms, p99 {{printf "%.1f" .P99MS}} ms, slowest {{printf "%.1f" .MaxMS}} ms; {{.Slow}} took longer than 5 s.</p>{{end}}
{{with .Breakdown}}<ul>{{range $k, $v := .}}<li>{{$k}}: {{$v}}</li>{{end}}</ul>{{end}}
{{if .Affected}}<p>Affected records ({{len .Affected}} of {{.Count}} shown, by pseudonymous id):</p><p><code>{{join .Affected}}</code></p>{{end}}
{{end}}
</body></html>
`

var htmlTemplate = htmltemplate.Must(htmltemplate.New("audit").Funcs(htmltemplate.FuncMap{
	"join": func(ss []string) string { return strings.Join(ss, ", ") },
}).Parse(page))

// WriteHTML writes the report as a standalone HTML page.
func WriteHTML(w io.Writer, r Report) error { return htmlTemplate.Execute(w, r) }

// ErrFormat: the format is not one Write knows.
var ErrFormat = errors.New("audit: format must be text, json or html")

// Write writes the report in a format: text, json or html. Nothing is
// written when rendering fails.
func Write(w io.Writer, r Report, format string) error {
	var buf bytes.Buffer
	var err error
	switch format {
	case "text", "":
		err = WriteText(&buf, r)
	case "json":
		err = WriteJSON(&buf, r)
	case "html":
		err = WriteHTML(&buf, r)
	default:
		return ErrFormat
	}
	if err != nil {
		return err
	}
	_, err = w.Write(buf.Bytes())
	return err
}
