// SPDX-License-Identifier: AGPL-3.0-only

package pageview

import (
	"bytes"
	"html/template"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"
)

const layout = `{{define "layout"}}<title>{{template "title" .}}</title>{{template "content" .}}{{end}}`

func files(extra map[string]string) fstest.MapFS {
	fsys := fstest.MapFS{
		"t/layout.html": {Data: []byte(layout)},
		"t/a.html":      {Data: []byte(`{{define "title"}}A{{end}}{{define "content"}}<p>{{up .}}</p>{{end}}`)},
		"t/b.html":      {Data: []byte(`{{define "title"}}B{{end}}{{define "content"}}{{.Missing.Field}}{{end}}`)},
	}
	for k, v := range extra {
		fsys[k] = &fstest.MapFile{Data: []byte(v)}
	}
	return fsys
}

var funcs = template.FuncMap{"up": strings.ToUpper}

// TestParse: both ways of naming the layout parse, and a missing file, a
// file no view registers and a view without title or content fail, naming
// the site.
func TestParse(t *testing.T) {
	t.Parallel()
	good := map[string][]string{"a": {"layout.html", "a.html"}, "b": {"layout.html", "b.html"}}
	if _, err := Parse(Spec{Site: "x", FS: files(nil), Dir: "t", Files: good, Funcs: funcs}); err != nil {
		t.Fatalf("layout as first file: %v", err)
	}
	shared := files(nil)
	delete(shared, "t/layout.html")
	if _, err := Parse(Spec{Site: "x", FS: shared, Dir: "t", Files: map[string][]string{"a": {"a.html"}, "b": {"b.html"}},
		Layout: layout, Funcs: funcs}); err != nil {
		t.Fatalf("a shared layout: %v", err)
	}
	for name, c := range map[string]struct {
		fsys  fstest.MapFS
		files map[string][]string
	}{
		"a missing file":       {files(nil), map[string][]string{"a": {"layout.html", "a.html", "gone.html"}, "b": {"layout.html", "b.html"}}},
		"an unregistered file": {files(map[string]string{"t/stray.html": "x"}), good},
		"no content": {files(map[string]string{"t/c.html": `{{define "title"}}C{{end}}`}),
			map[string][]string{"a": {"layout.html", "a.html"}, "b": {"layout.html", "b.html"}, "c": {"layout.html", "c.html"}}},
		"no layout": {files(nil), map[string][]string{"a": {"a.html"}, "b": {"layout.html", "b.html"}, "l": {"layout.html"}}},
	} {
		_, err := Parse(Spec{Site: "x", FS: c.fsys, Dir: "t", Files: c.files, Funcs: funcs})
		if err == nil || !strings.HasPrefix(err.Error(), "x: ") {
			t.Errorf("%s: %v, want an error naming the site", name, err)
		}
	}
}

// TestRender: a page is written whole with its status; a failing template
// or an unknown view writes nothing of the page, answers a bare 500 with the
// fallback text and logs the view.
func TestRender(t *testing.T) {
	t.Parallel()
	set, err := Parse(Spec{Site: "x", FS: files(nil), Dir: "t",
		Files: map[string][]string{"a": {"layout.html", "a.html"}, "b": {"layout.html", "b.html"}}, Funcs: funcs})
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	req := httptest.NewRequest("GET", "/a", nil)
	rec := httptest.NewRecorder()
	set.Render(rec, req, log, http.StatusCreated, "a", "hei", "feil")
	if rec.Code != http.StatusCreated || rec.Body.String() != "<title>A</title><p>HEI</p>" ||
		rec.Header().Get("Content-Type") != "text/html; charset=utf-8" || logs.Len() != 0 {
		t.Errorf("a: %d %q %v, logs %q", rec.Code, rec.Body, rec.Header(), logs.String())
	}
	for _, view := range []string{"b", "nope"} {
		logs.Reset()
		rec = httptest.NewRecorder()
		set.Render(rec, req, log, http.StatusOK, view, "hei", "feil")
		if rec.Code != http.StatusInternalServerError || rec.Body.String() != "feil\n" ||
			rec.Header().Get("Content-Type") != "text/plain; charset=utf-8" {
			t.Errorf("%s: %d %q %v", view, rec.Code, rec.Body, rec.Header())
		}
		if !strings.Contains(logs.String(), `msg="x template failed" view=`+view) {
			t.Errorf("%s: logs %q", view, logs.String())
		}
	}
}
