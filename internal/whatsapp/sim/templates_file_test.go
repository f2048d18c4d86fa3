// SPDX-License-Identifier: AGPL-3.0-only

package sim_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/samtykke/samtykke/internal/whatsapp/sim"
)

// startOn starts a simulator keeping its templates in file (empty: none), with
// optin_confirm given in its Config so that the registry is never empty and an
// unknown template is refused with 132001 (§2.2).
func startOn(t *testing.T, file string) (*sim.Server, *httptest.Server) {
	t.Helper()
	cfg := sim.DefaultConfig()
	cfg.TemplatesFile = file
	cfg.Templates = []sim.Template{{Name: "optin_confirm", Language: "nb", Category: "UTILITY"}}
	s, err := sim.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(func() { srv.Close(); s.Close() })
	return s, srv
}

// sendTemplate sends the template name to the test user and returns the HTTP
// status and the Graph error code (0 when accepted): only these, so that no
// number reaches the test output.
func sendTemplate(t *testing.T, srv *httptest.Server, name string) (int, int) {
	t.Helper()
	b := &testBundle{srv: srv}
	code, body := b.post(t, templateBody(kari, name, ""))
	var e struct {
		Error struct{ Code int } `json:"error"`
	}
	_ = json.Unmarshal([]byte(body), &e)
	return code, e.Error.Code
}

// TestTemplatesFileSurvivesRestart registers a template through POST
// /_sim/templates, closes the simulator and starts a new one on the same
// file: the template is known there (§1.3), as it is not without the file.
func TestTemplatesFileSurvivesRestart(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), sim.TemplatesFileName)
	s1, srv1 := startOn(t, file)
	if code, ec := sendTemplate(t, srv1, "jul_tilbud"); code != http.StatusNotFound || ec != 132001 {
		t.Fatalf("before registering: HTTP %d code %d, want 404 132001", code, ec)
	}
	b1 := &testBundle{srv: srv1}
	if code := b1.control(t, http.MethodPost, "/_sim/templates", sim.Template{Name: "jul_tilbud", Language: "nb"}, nil); code != http.StatusCreated {
		t.Fatalf("register: HTTP %d", code)
	}
	if code, ec := sendTemplate(t, srv1, "jul_tilbud"); code != http.StatusOK {
		t.Fatalf("after registering: HTTP %d code %d", code, ec)
	}
	srv1.Close()
	s1.Close()

	fi, err := os.Stat(file)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("templates file mode %v, want 0600", fi.Mode().Perm())
	}
	if left, _ := filepath.Glob(filepath.Join(filepath.Dir(file), ".*.tmp")); len(left) != 0 {
		t.Errorf("temporary files left behind: %v", left)
	}

	s2, srv2 := startOn(t, file)
	if code, ec := sendTemplate(t, srv2, "jul_tilbud"); code != http.StatusOK {
		t.Fatalf("after restart: HTTP %d code %d, want the kept template accepted", code, ec)
	}
	want := []sim.Template{
		{Name: "jul_tilbud", Language: "nb", Category: "MARKETING", Status: "APPROVED"},
		{Name: "optin_confirm", Language: "nb", Category: "UTILITY", Status: "APPROVED"},
	}
	if diff := cmp.Diff(want, s2.Templates()); diff != "" {
		t.Errorf("templates after restart (-want +got):\n%s", diff)
	}
	// Without its file, a new simulator does not know it: the file is what kept it.
	_, srv3 := startOn(t, "")
	if _, ec := sendTemplate(t, srv3, "jul_tilbud"); ec != 132001 {
		t.Errorf("without the file: code %d, want 132001", ec)
	}
}

// TestTemplatesFileReplaces keeps one entry per name and language: a second
// registration replaces the first in the file too, and a file entry replaces a
// Config one of the same name and language.
func TestTemplatesFileReplaces(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), sim.TemplatesFileName)
	s1, _ := startOn(t, file)
	for _, tpl := range []sim.Template{
		{Name: "jul_tilbud", Language: "nb"},
		{Name: "jul_tilbud", Language: "nb", Status: "PAUSED"},
		{Name: "optin_confirm", Language: "nb", Category: "UTILITY", Status: "DISABLED"},
	} {
		if err := s1.AddTemplate(tpl); err != nil {
			t.Fatal(err)
		}
	}
	s1.Close()
	var doc struct{ Templates []sim.Template }
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &doc); err != nil || len(doc.Templates) != 2 {
		t.Fatalf("file holds %d templates (%v), want 2:\n%s", len(doc.Templates), err, b)
	}
	_, srv2 := startOn(t, file)
	if code, ec := sendTemplate(t, srv2, "jul_tilbud"); ec != 132015 {
		t.Errorf("paused template after restart: HTTP %d code %d, want 132015", code, ec)
	}
	if code, ec := sendTemplate(t, srv2, "optin_confirm"); ec != 132016 {
		t.Errorf("disabled template after restart: HTTP %d code %d, want 132016", code, ec)
	}
}

// TestTemplatesFileBad refuses to start on a file that is not a templates file,
// and refuses a registration it cannot write, leaving the registry unchanged.
func TestTemplatesFileBad(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(bad, []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := sim.New(sim.Config{TemplatesFile: bad}); !errors.Is(err, sim.ErrConfig) || !strings.Contains(err.Error(), "templates file") {
		t.Errorf("New on a damaged file: %v, want ErrConfig naming the templates file", err)
	}
	if _, err := sim.New(sim.Config{TemplatesFile: bad + ".missing"}); err != nil {
		t.Errorf("New on a missing file: %v, want none", err)
	}

	gone := filepath.Join(dir, "gone")
	if err := os.Mkdir(gone, 0o700); err != nil {
		t.Fatal(err)
	}
	s, srv := startOn(t, filepath.Join(gone, sim.TemplatesFileName))
	if err := os.Remove(gone); err != nil {
		t.Fatal(err)
	}
	b := &testBundle{srv: srv}
	var e struct {
		Error struct{ Code string } `json:"error"`
	}
	if code := b.control(t, http.MethodPost, "/_sim/templates", sim.Template{Name: "jul_tilbud", Language: "nb"}, &e); code != http.StatusInternalServerError || e.Error.Code != "templates_file" {
		t.Errorf("register without a folder: HTTP %d %q, want 500 templates_file", code, e.Error.Code)
	}
	if n := len(s.Templates()); n != 1 {
		t.Errorf("%d templates registered after a failed write, want 1 (unchanged)", n)
	}
	if _, ec := sendTemplate(t, srv, "jul_tilbud"); ec != 132001 {
		t.Errorf("send with the unwritten template: code %d, want 132001", ec)
	}
}
