// SPDX-License-Identifier: AGPL-3.0-only

package httpx

import (
	"context"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/samtykke/samtykke/internal/app"
	"github.com/samtykke/samtykke/internal/notice"
	"github.com/samtykke/samtykke/internal/store"
)

// sentinels are the errors the app and the store hand to the transports, by
// the name they are declared with.
var sentinels = map[string]error{
	"app.ErrInvalid":          app.ErrInvalid,
	"app.ErrRefused":          app.ErrRefused,
	"app.ErrForbidden":        app.ErrForbidden,
	"app.ErrUnauthenticated":  app.ErrUnauthenticated,
	"app.ErrRateLimited":      app.ErrRateLimited,
	"app.ErrLinkExpired":      app.ErrLinkExpired,
	"app.ErrLinkInvalid":      app.ErrLinkInvalid,
	"app.ErrCodeWrong":        app.ErrCodeWrong,
	"app.ErrNotReady":         app.ErrNotReady,
	"app.ErrReceiptsNotSetUp": app.ErrReceiptsNotSetUp,
	"app.ErrPlatform":         app.ErrPlatform,
	"app.ErrKeyRotation":      app.ErrKeyRotation,
	"store.ErrNotFound":       store.ErrNotFound,
	"store.ErrConflict":       store.ErrConflict,
}

// TestEverySentinelHasALine: every exported Err… variable declared in
// internal/app and internal/store has its own line in the error table, so
// that a new sentinel cannot reach a client as 500 internal, nor take the
// status of the sentinel it wraps by accident: one table decides every
// error's status and code, for the API and the pages alike.
func TestEverySentinelHasALine(t *testing.T) {
	t.Parallel()
	for _, pkg := range []string{"app", "store"} {
		for _, name := range declaredErrors(t, filepath.Join("..", pkg)) {
			if _, ok := sentinels[pkg+"."+name]; !ok {
				t.Errorf("%s.%s is declared but not in this test's list: give it a line in httpx's table and add it here", pkg, name)
			}
		}
	}
	lines := map[error]Mapping{}
	for _, m := range table {
		lines[m.Example] = m
	}
	for name, s := range sentinels {
		m, ok := lines[s]
		if !ok {
			t.Errorf("%s has no line of its own in the table", name)
			continue
		}
		got := Classify(fmt.Errorf("wrapped: %w", s))
		if got.Status != m.Status || got.Code != m.Code {
			t.Errorf("%s: %d %s, but its line says %d %s (an earlier line catches it)", name, got.Status, got.Code, m.Status, m.Code)
		}
	}
}

// declaredErrors lists the exported Err… package variables of the
// non-test Go files in dir.
func declaredErrors(t *testing.T, dir string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no Go files in %s: %v", dir, err)
	}
	var names []string
	fset := token.NewFileSet()
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(fset, f, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range file.Decls {
			gd, ok := d.(*ast.GenDecl)
			if !ok || gd.Tok != token.VAR {
				continue
			}
			for _, spec := range gd.Specs {
				for _, id := range spec.(*ast.ValueSpec).Names {
					if id.IsExported() && strings.HasPrefix(id.Name, "Err") {
						names = append(names, id.Name)
					}
				}
			}
		}
	}
	slices.Sort(names)
	return names
}

// TestClassify: what the table makes of the errors as the app returns them.
// An expired link is 410 Gone (it was 422 refused in the API, 410 on the
// pages); an error outside the table is 500 and says nothing of itself.
func TestClassify(t *testing.T) {
	t.Parallel()
	cases := []struct {
		err     error
		status  int
		code    string
		message string
	}{
		{fmt.Errorf("%w: this link was used already", app.ErrLinkExpired), http.StatusGone, "link_expired", ""},
		{app.ErrLinkInvalid, http.StatusBadRequest, "link_invalid", ""},
		{fmt.Errorf("%w: age not confirmed", app.ErrRefused), http.StatusUnprocessableEntity, "refused", "refused by rule: age not confirmed"},
		{fmt.Errorf("%w: contact c1 was erased", store.ErrNotFound), http.StatusNotFound, "not_found", "not found"},
		{app.ErrUnauthenticated, http.StatusUnauthorized, "unauthenticated", "a valid bearer token is required"},
		{fmt.Errorf("%w: %w", app.ErrRefused, &notice.MissingError{Items: []notice.Item{notice.DPO}}),
			http.StatusUnprocessableEntity, "notice_incomplete", (&notice.MissingError{Items: []notice.Item{notice.DPO}}).Error()},
		{fmt.Errorf("list: %w", context.Canceled), 499, "canceled", "request canceled"},
		{Errorf(http.StatusServiceUnavailable, "not_ready", "database unreachable"), http.StatusServiceUnavailable, "not_ready", "database unreachable"},
		{errors.New("disk on fire at /var/lib"), http.StatusInternalServerError, "internal", "internal error"},
	}
	for _, c := range cases {
		e := Classify(c.err)
		if e.Status != c.status || e.Code != c.code || (c.message != "" && e.Message != c.message) {
			t.Errorf("%v: %d %s %q, want %d %s %q", c.err, e.Status, e.Code, e.Message, c.status, c.code, c.message)
		}
	}
	if e := Classify(fmt.Errorf("%w: %w", app.ErrRefused, &notice.MissingError{Items: []notice.Item{notice.DPO}})); e.Details["missing"] == nil {
		t.Errorf("notice_incomplete without the missing items: %+v", e)
	}
}
