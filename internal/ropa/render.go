// SPDX-License-Identifier: AGPL-3.0-only

package ropa

import (
	"bytes"
	"encoding/json"
	"errors"
	htmltemplate "html/template"
	"io"
	"strings"
	"text/template"
)

// The record's headings follow Art. 30(1) in order, so that a reader finds
// each item where the law lists it.
const markdown = `# Record of processing activities (GDPR Art. 30)

Generated {{.GeneratedAt.Format "2006-01-02 15:04 MST"}} from the running configuration of samtykke.

## (a) Controller and data protection officer

- Controller: {{.Controller.Name}}{{with .Controller.OrgNumber}} (org. no. {{.}}){{end}}
{{- with .Controller.Address}}
- Address: {{.}}{{end}}
{{- with .Controller.Email}}
- E-mail: {{.}}{{end}}
{{- with .Controller.Phone}}
- Phone: {{.}}{{end}}
{{- with .Controller.URL}}
- Website: {{.}}{{end}}
- Data protection officer: {{or .Controller.DPO.Name "DPO"}}{{with .Controller.DPO.Email}}, {{.}}{{end}}{{with .Controller.DPO.Phone}}, {{.}}{{end}}

## (b) Purposes and their legal basis

| purpose | channel | legal basis | people | personal data | retention |
|---|---|---|---|---|---|
{{range .Activities}}| {{.Name.EN}} ({{.Key}}): {{cell .Description}} | {{or .Channel "—"}} | {{cell .LegalBasis}} | {{cell .Subjects}} | {{join .Data}} | {{cell .Retention}} |
{{end}}
## (c) Categories of people and of personal data

People:
{{range .Subjects}}
- {{.}}{{end}}

| personal data | held as | source | for |
|---|---|---|---|
{{range .Data}}| {{cell .Name}} | {{cell .Held}} | {{cell .Source}} | {{cell .Purpose}} |
{{end}}
## (d) Recipients

| recipient | role | purpose | country |
|---|---|---|---|
{{range .Recipients}}| {{cell .Name}} | {{.Role}} | {{cell .Purpose}} | {{.Country}} |
{{end}}
## (e) Transfers to third countries

| recipient | country | safeguard | copy |
|---|---|---|---|
{{range .Transfers}}| {{cell .Recipient}} | {{.Country}} | {{cell .Mechanism}} | {{.Copy}} |
{{end}}
## (f) Time limits for erasure

| data class | kept | rule |
|---|---|---|
{{range .Retention}}| {{cell .Class}} | {{cell .Period}} | {{cell .Rule}} |
{{end}}
## (g) Security measures (Art. 32(1))

| measure | in place | description |
|---|---|---|
{{range .Measures}}| {{cell .Name}} | {{if .On}}yes{{else}}no{{end}} | {{cell .Description}} |
{{end}}{{with .Processor}}
## Processor's record (Art. 30(2))

- (a) Processor: {{.Processor.Name}}{{with .Processor.Email}}, {{.}}{{end}}{{with .Processor.Phone}}, {{.}}{{end}}; on behalf of:{{range .Controllers}} {{.Name}}{{end}}
- (b) Categories of processing:{{range .Categories}}
  - {{.}}{{end}}
- (c) Transfers: as in (e) above.
- (d) Security measures: as in (g) above.
{{end}}`

var funcs = template.FuncMap{
	"cell": func(s string) string { return strings.ReplaceAll(s, "|", "\\|") },
	"join": func(ss []string) string { return strings.Join(ss, ", ") },
}

var mdTemplate = template.Must(template.New("ropa").Funcs(funcs).Parse(markdown))

// WriteMarkdown writes the record as Markdown.
func WriteMarkdown(w io.Writer, r Record) error { return mdTemplate.Execute(w, r) }

// WriteJSON writes the record as indented JSON.
func WriteJSON(w io.Writer, r Record) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

const page = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Record of processing activities — {{.Controller.Name}}</title>
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:70rem;margin:2rem auto;padding:0 1rem}table{border-collapse:collapse;width:100%;margin:1rem 0}th,td{border:1px solid #bbb;padding:.3rem .5rem;text-align:left;vertical-align:top}th{background:#eee}</style>
</head><body>
<h1>Record of processing activities (GDPR Art. 30)</h1>
<p>Generated {{.GeneratedAt.Format "2006-01-02 15:04 MST"}} from the running configuration of samtykke.</p>
<h2>(a) Controller and data protection officer</h2>
<ul><li>Controller: {{.Controller.Name}}{{with .Controller.OrgNumber}} (org. no. {{.}}){{end}}</li>
{{with .Controller.Address}}<li>Address: {{.}}</li>{{end}}{{with .Controller.Email}}<li>E-mail: {{.}}</li>{{end}}
{{with .Controller.Phone}}<li>Phone: {{.}}</li>{{end}}{{with .Controller.URL}}<li>Website: {{.}}</li>{{end}}
<li>Data protection officer: {{or .Controller.DPO.Name "DPO"}}{{with .Controller.DPO.Email}}, {{.}}{{end}}{{with .Controller.DPO.Phone}}, {{.}}{{end}}</li></ul>
<h2>(b) Purposes and their legal basis</h2>
<table><tr><th>purpose</th><th>channel</th><th>legal basis</th><th>people</th><th>personal data</th><th>retention</th></tr>
{{range .Activities}}<tr><td>{{.Name.EN}} ({{.Key}}): {{.Description}}</td><td>{{or .Channel "—"}}</td><td>{{.LegalBasis}}</td><td>{{.Subjects}}</td><td>{{join .Data}}</td><td>{{.Retention}}</td></tr>
{{end}}</table>
<h2>(c) Categories of people and of personal data</h2>
<ul>{{range .Subjects}}<li>{{.}}</li>{{end}}</ul>
<table><tr><th>personal data</th><th>held as</th><th>source</th><th>for</th></tr>
{{range .Data}}<tr><td>{{.Name}}</td><td>{{.Held}}</td><td>{{.Source}}</td><td>{{.Purpose}}</td></tr>
{{end}}</table>
<h2>(d) Recipients</h2>
<table><tr><th>recipient</th><th>role</th><th>purpose</th><th>country</th></tr>
{{range .Recipients}}<tr><td>{{.Name}}</td><td>{{.Role}}</td><td>{{.Purpose}}</td><td>{{.Country}}</td></tr>
{{end}}</table>
<h2>(e) Transfers to third countries</h2>
<table><tr><th>recipient</th><th>country</th><th>safeguard</th><th>copy</th></tr>
{{range .Transfers}}<tr><td>{{.Recipient}}</td><td>{{.Country}}</td><td>{{.Mechanism}}</td><td>{{with .Copy}}<a href="{{.}}">{{.}}</a>{{end}}</td></tr>
{{end}}</table>
<h2>(f) Time limits for erasure</h2>
<table><tr><th>data class</th><th>kept</th><th>rule</th></tr>
{{range .Retention}}<tr><td>{{.Class}}</td><td>{{.Period}}</td><td>{{.Rule}}</td></tr>
{{end}}</table>
<h2>(g) Security measures (Art. 32(1))</h2>
<table><tr><th>measure</th><th>in place</th><th>description</th></tr>
{{range .Measures}}<tr><td>{{.Name}}</td><td>{{if .On}}yes{{else}}no{{end}}</td><td>{{.Description}}</td></tr>
{{end}}</table>
{{with .Processor}}<h2>Processor's record (Art. 30(2))</h2>
<ul><li>(a) Processor: {{.Processor.Name}}{{with .Processor.Email}}, {{.}}{{end}}{{with .Processor.Phone}}, {{.}}{{end}}; on behalf of:{{range .Controllers}} {{.Name}}{{end}}</li>
<li>(b) Categories of processing:<ul>{{range .Categories}}<li>{{.}}</li>{{end}}</ul></li>
<li>(c) Transfers: as in (e) above.</li><li>(d) Security measures: as in (g) above.</li></ul>{{end}}
</body></html>
`

var htmlTemplate = htmltemplate.Must(htmltemplate.New("ropa").Funcs(htmltemplate.FuncMap{"join": funcs["join"]}).Parse(page))

// WriteHTML writes the record as a standalone HTML page.
func WriteHTML(w io.Writer, r Record) error { return htmlTemplate.Execute(w, r) }

// Write writes the record in a format: md, html or json.
func Write(w io.Writer, r Record, format string) error {
	var buf bytes.Buffer
	var err error
	switch format {
	case "md", "markdown", "":
		err = WriteMarkdown(&buf, r)
	case "html":
		err = WriteHTML(&buf, r)
	case "json":
		err = WriteJSON(&buf, r)
	default:
		return ErrFormat
	}
	if err != nil {
		return err
	}
	_, err = w.Write(buf.Bytes())
	return err
}

// ErrFormat: the format is not md, html or json.
var ErrFormat = errors.New("ropa: format must be md, html or json")
