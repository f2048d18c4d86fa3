// SPDX-License-Identifier: AGPL-3.0-only

package cli

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/samtykke/samtykke/internal/app"
	"github.com/samtykke/samtykke/internal/notice"
	"github.com/samtykke/samtykke/internal/staff"
	"github.com/samtykke/samtykke/internal/store/storetest"
)

// TestImportCommand: `samtykke import` on a real data folder (and database
// URL) imports the README's sample file, writes a report without a number,
// prints plain progress lines on a pipe, and run again changes nothing
// (C-03, M-04).
func TestImportCommand(t *testing.T) {
	t.Parallel()
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			env := map[string]string{"SAMTYKKE_DATA_DIR": t.TempDir()}
			if backend == "postgres" {
				env["SAMTYKKE_DATABASE_URL"] = storetest.PostgresSchema(t)
			}
			createPurpose(t, env)
			sys := openData(t, env)
			admin := app.Actor{Name: "test", Role: staff.Admin}
			n := notice.Notice{Language: "nb", Summary: "Kort."}
			for _, it := range notice.Required {
				n.Sections = append(n.Sections, notice.Section{Item: it, Body: "tekst"})
			}
			n, err := sys.app.CreateNotice(context.Background(), admin, n)
			if err == nil {
				_, err = sys.app.PublishNotice(context.Background(), admin, n.ID)
			}
			sys.store.Close()
			if err != nil {
				t.Fatal(err)
			}
			report := filepath.Join(t.TempDir(), "report.csv")
			code, stdout, stderr := run(t, env, "import", "../../examples/import.csv", "--purpose", "offers", "--report", report)
			if code != 0 {
				t.Fatalf("import: exit %d, %s", code, stderr)
			}
			var imp struct {
				ID     string           `json:"id"`
				State  string           `json:"state"`
				Counts map[string]int64 `json:"counts"`
			}
			if err := json.Unmarshal([]byte(stdout), &imp); err != nil || imp.State != "done" {
				t.Fatalf("import: %v, state %q", err, imp.State)
			}
			if imp.Counts["imported"] != 3 || imp.Counts["refused_no_evidence"] != 1 {
				t.Fatalf("import %s: counts %v", imp.ID, imp.Counts)
			}
			b, err := os.ReadFile(report)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(string(b), "row,outcome,reason,contact_id\n2,imported,") || strings.Count(string(b), "\n") != 5 {
				t.Fatal("the report is not one line a row")
			}
			// The sample's numbers as written ("+47 412 34 501", "41234503"),
			// not three digits alone: a contact id or a rate may hold "412".
			for _, s := range []string{"412 34", "41234"} {
				if strings.Contains(string(b), s) || strings.Contains(stderr, s) {
					t.Fatal("the report or the output holds digits of a number")
				}
			}
			code, stdout, stderr = run(t, env, "import", "../../examples/import.csv", "--purpose", "offers", "--format", "json")
			if code != 0 || !strings.Contains(stderr, "already 3") {
				t.Fatalf("import again: exit %d, %s", code, stderr)
			}
			if code, _, _ := run(t, env, "import", "../../examples/import.csv"); code != 2 {
				t.Errorf("import without --purpose: exit %d, want 2", code)
			}
			if code, _, stderr := run(t, env, "import", "../../examples/import.csv", "--purpose", "nope"); code != 1 || !strings.Contains(stderr, "unknown purpose") {
				t.Errorf("import into an unknown purpose: exit %d, %s", code, stderr)
			}
		})
	}
}
