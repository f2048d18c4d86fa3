// SPDX-License-Identifier: AGPL-3.0-only

package dpia

import (
	"bytes"
	"encoding/json"
	"errors"
	htmltemplate "html/template"
	"io"
	"text/template"
)

const markdown = `# Data protection impact assessment (GDPR Art. 35)

Version {{.Version}}, {{.At.Format "2006-01-02 15:04 MST"}}, by {{.Author}}.

## Screening (WP248 and Art. 35(3))

Figures: {{.Screening.Figures.Contacts}} contacts, {{.Screening.Figures.ActiveConsents}} active consents, minimum age {{.Screening.Figures.MinAge}}.

| criterion | met | why |
|---|---|---|
{{range .Screening.Criteria}}| {{.Title}} | {{if .Met}}yes{{else}}no{{end}} | {{.Why}}{{if not .Auto}} (reviewer){{end}} |
{{end}}{{range .Screening.Art35_3}}| {{.Title}} | {{if .Met}}yes{{else}}no{{end}} | {{.Why}}{{if not .Auto}} (reviewer){{end}} |
{{end}}
Decision: {{.Screening.Decision}}

## (a) Systematic description of the processing and its purposes

{{.Description}}

## (b) Necessity and proportionality

{{.Necessity}}

## (c) Risks to the rights and freedoms of the people concerned

{{.RisksSummary}}

| risk | severity | likelihood | measures | residual severity | residual likelihood |
|---|---|---|---|---|---|
{{range .Risks}}| {{.Title}}: {{.Impacts}} Threats: {{.Threats}} Sources: {{.Sources}} | {{level .Severity}} | {{level .Likelihood}} | {{join .Measures}} | {{level .ResidualSeverity}} | {{level .ResidualLikelihood}} |
{{end}}
## (d) Measures to address the risks

{{.MeasuresSummary}}
{{with .DPOAdvice}}
## The DPO's advice (Art. 35(2))

{{.}}
{{end}}
Prior consultation of Datatilsynet (Art. 36): {{if .Consultation}}needed: a residual risk stays high{{else}}not needed: no residual risk stays high{{end}}.
`

var levels = map[Level]string{1: "1 negligible", 2: "2 limited", 3: "3 significant", 4: "4 maximum"}

func join(ss []string) string {
	var b bytes.Buffer
	for i, s := range ss {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(s)
	}
	return b.String()
}

var (
	mdTemplate   = template.Must(template.New("dpia").Funcs(template.FuncMap{"level": func(l Level) string { return levels[l] }, "join": join}).Parse(markdown))
	htmlTemplate = htmltemplate.Must(htmltemplate.New("dpia").Funcs(htmltemplate.FuncMap{"level": func(l Level) string { return levels[l] }, "join": join}).Parse(page))
)

const page = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>DPIA v{{.Version}}</title>
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:70rem;margin:2rem auto;padding:0 1rem}table{border-collapse:collapse;width:100%}th,td{border:1px solid #bbb;padding:.3rem .5rem;text-align:left;vertical-align:top}th{background:#eee}p.pre{white-space:pre-wrap}</style>
</head><body>
<h1>Data protection impact assessment (GDPR Art. 35)</h1>
<p>Version {{.Version}}, {{.At.Format "2006-01-02 15:04 MST"}}, by {{.Author}}.</p>
<h2>Screening (WP248 and Art. 35(3))</h2>
<table><tr><th>criterion</th><th>met</th><th>why</th></tr>
{{range .Screening.Criteria}}<tr><td>{{.Title}}</td><td>{{if .Met}}yes{{else}}no{{end}}</td><td>{{.Why}}</td></tr>{{end}}
{{range .Screening.Art35_3}}<tr><td>{{.Title}}</td><td>{{if .Met}}yes{{else}}no{{end}}</td><td>{{.Why}}</td></tr>{{end}}
</table><p><strong>Decision:</strong> {{.Screening.Decision}}</p>
<h2>(a) Systematic description of the processing and its purposes</h2><p class="pre">{{.Description}}</p>
<h2>(b) Necessity and proportionality</h2><p class="pre">{{.Necessity}}</p>
<h2>(c) Risks to the rights and freedoms of the people concerned</h2><p class="pre">{{.RisksSummary}}</p>
<table><tr><th>risk</th><th>severity</th><th>likelihood</th><th>measures</th><th>residual severity</th><th>residual likelihood</th></tr>
{{range .Risks}}<tr><td><strong>{{.Title}}</strong>: {{.Impacts}} Threats: {{.Threats}} Sources: {{.Sources}}</td><td>{{level .Severity}}</td><td>{{level .Likelihood}}</td><td>{{join .Measures}}</td><td>{{level .ResidualSeverity}}</td><td>{{level .ResidualLikelihood}}</td></tr>{{end}}
</table>
<h2>(d) Measures to address the risks</h2><p class="pre">{{.MeasuresSummary}}</p>
{{with .DPOAdvice}}<h2>The DPO's advice (Art. 35(2))</h2><p class="pre">{{.}}</p>{{end}}
<p>Prior consultation of Datatilsynet (Art. 36): {{if .Consultation}}needed: a residual risk stays high{{else}}not needed: no residual risk stays high{{end}}.</p>
</body></html>
`

// ErrFormat: the format is not md, html or json.
var ErrFormat = errors.New("dpia: format must be md, html or json")

// Write writes the document in a format: md, html or json.
func Write(w io.Writer, d Document, format string) error {
	var buf bytes.Buffer
	var err error
	switch format {
	case "md", "markdown", "":
		err = mdTemplate.Execute(&buf, d)
	case "html":
		err = htmlTemplate.Execute(&buf, d)
	case "json":
		enc := json.NewEncoder(&buf)
		enc.SetIndent("", "  ")
		err = enc.Encode(d)
	default:
		return ErrFormat
	}
	if err != nil {
		return err
	}
	_, err = w.Write(buf.Bytes())
	return err
}
