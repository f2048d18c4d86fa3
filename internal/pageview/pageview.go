// SPDX-License-Identifier: AGPL-3.0-only

// Package pageview loads and renders the server-side pages' views, for the
// public pages (internal/web) and the staff UI (internal/admin): each view
// is a set of html/template files parsed once at start, and a page is
// rendered whole into a buffer before its status is written.
package pageview

import (
	"bytes"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
)

// Spec says where a site's views come from.
type Spec struct {
	// Site names the site in errors and log lines ("admin", "web").
	Site string
	// FS holds the template files under Dir ("templates").
	FS  fs.FS
	Dir string
	// Files lists each view's files in Dir: the one place a template file
	// is registered (STYLE I.9).
	Files map[string][]string
	// Layout, when set, is parsed first as the template "layout" (the
	// shared style.Layout); empty: each view's first file is its root and
	// defines "layout" itself.
	Layout string
	// Funcs are the templates' functions.
	Funcs template.FuncMap
}

// Set is a site's parsed views, by name.
type Set struct {
	site  string
	views map[string]*template.Template
}

// Parse parses every view once. Each must define "layout", "title" and
// "content"; it fails on a registered file that is missing and on a file
// in Dir that no view registers.
func Parse(sp Spec) (*Set, error) {
	used := map[string]bool{}
	set := &Set{site: sp.Site, views: map[string]*template.Template{}}
	for name, files := range sp.Files {
		paths := make([]string, len(files))
		for i, f := range files {
			paths[i], used[f] = sp.Dir+"/"+f, true
		}
		var t *template.Template
		var err error
		if sp.Layout != "" {
			t, err = template.New("layout").Funcs(sp.Funcs).Parse(sp.Layout)
		} else if len(files) > 0 {
			t = template.New(files[0]).Funcs(sp.Funcs)
		} else {
			err = fmt.Errorf("no files")
		}
		if err == nil {
			t, err = t.ParseFS(sp.FS, paths...)
		}
		if err != nil {
			return nil, fmt.Errorf("%s: view %s: %w", sp.Site, name, err)
		}
		for _, need := range []string{"layout", "title", "content"} {
			if t.Lookup(need) == nil {
				return nil, fmt.Errorf("%s: view %s defines no %q template", sp.Site, name, need)
			}
		}
		set.views[name] = t
	}
	entries, err := fs.ReadDir(sp.FS, sp.Dir)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", sp.Site, err)
	}
	for _, e := range entries {
		if !used[e.Name()] {
			return nil, fmt.Errorf("%s: %s/%s is in no view", sp.Site, sp.Dir, e.Name())
		}
	}
	return set, nil
}

// Render executes the view's "layout" with data into a buffer, then writes
// it with the status. A missing view or a failing template is a bug: it is
// logged, and answered with a bare 500 whose text is fallback.
func (s *Set) Render(w http.ResponseWriter, r *http.Request, log *slog.Logger, status int, name string, data any, fallback string) {
	var buf bytes.Buffer
	err := fmt.Errorf("no view %q", name)
	if t, ok := s.views[name]; ok {
		err = t.ExecuteTemplate(&buf, "layout", data)
	}
	if err != nil {
		log.ErrorContext(r.Context(), s.site+" template failed", "view", name, "route", r.Pattern, "error", err)
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = w.Write([]byte(fallback + "\n"))
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}
