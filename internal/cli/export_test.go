// SPDX-License-Identifier: AGPL-3.0-only

package cli

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"strings"
	"testing"

	"github.com/samtykke/samtykke/internal/app"
	"github.com/samtykke/samtykke/internal/staff"
	"github.com/samtykke/samtykke/internal/store/storetest"
)

// TestExportCommand: `samtykke export` writes the list (numbers masked) as
// CSV or JSON alone on standard output, in clear only with --reveal and a
// --reason, and the suppression list without a number; each run is in the
// access log with its rows (issue 21, invariant 6).
func TestExportCommand(t *testing.T) {
	t.Parallel()
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			env := map[string]string{"SAMTYKKE_DATA_DIR": t.TempDir(), "USER": "pvo"}
			if backend == "postgres" {
				env["SAMTYKKE_DATABASE_URL"] = storetest.PostgresSchema(t)
			}
			createPurpose(t, env)
			ctx := context.Background()
			sys := openData(t, env)
			admin := app.Actor{Name: "test", Role: staff.Admin}
			const number, e164 = "+47 912 34 567", "+4791234567"
			id, _, err := sys.app.CreateContact(ctx, admin, app.NewContact{Phone: number, Language: "en"})
			if err == nil {
				_, err = sys.app.Withdraw(ctx, admin, app.WithdrawInput{Subject: app.Subject{Phone: "+47 900 11 223"}, Purpose: "all", Method: "api"})
			}
			sys.store.Close()
			if err != nil {
				t.Fatal(err)
			}

			code, stdout, stderr := run(t, env, "export")
			rows, err := csv.NewReader(strings.NewReader(stdout)).ReadAll()
			if code != 0 || err != nil || len(rows) != 2 || rows[1][0] != id || rows[1][1] != "+47 9** ** *67" || rows[1][2] != "en" ||
				rows[1][6] != "none" || !strings.Contains(stderr, "exported 1 rows") {
				t.Errorf("export: exit %d, %d rows (%v), stderr %q", code, len(rows), err, stderr)
			}
			code, stdout, _ = run(t, env, "export", "--format", "json")
			var list []map[string]any
			if err := json.Unmarshal([]byte(stdout), &list); code != 0 || err != nil || len(list) != 1 || list[0]["id"] != id {
				t.Errorf("export --format json: exit %d, %d elements, %v", code, len(list), err)
			}
			for _, args := range [][]string{{"--reveal"}, {"--format", "xml"}} {
				if code, stdout, _ := run(t, env, append([]string{"export"}, args...)...); code != 2 || stdout != "" {
					t.Errorf("export %v: exit %d, %d bytes out; want 2 and none", args, code, len(stdout))
				}
			}
			if code, stdout, stderr := run(t, env, "export", "--reveal", "--reason", "ok"); code != 1 || stdout != "" || !strings.Contains(stderr, "reason") {
				t.Errorf("export --reveal with a short reason: exit %d, %d bytes out, %q", code, len(stdout), stderr)
			}
			code, stdout, _ = run(t, env, "export", "--reveal", "--reason", "flytting til ny leverandør")
			if code != 0 || !strings.Contains(stdout, ","+e164+",") {
				t.Errorf("export --reveal: exit %d; the number is not in clear", code)
			}
			code, stdout, _ = run(t, env, "export", "--suppressions", "--format", "csv")
			rows, _ = csv.NewReader(strings.NewReader(stdout)).ReadAll()
			if code != 0 || len(rows) != 2 || len(rows[1][0]) != 64 || strings.Contains(stdout, "90011223") {
				t.Errorf("export --suppressions: exit %d, %d rows", code, len(rows))
			}

			sys = openData(t, env)
			defer sys.store.Close()
			es, err := sys.store.ExportLog(ctx, 10)
			if err != nil || len(es) != 4 {
				t.Fatalf("access log: %d exports, %v; want 4 (the refused ones are not)", len(es), err)
			}
			if e := es[1]; e.Actor != "cli:pvo" || e.Reason != "flytting til ny leverandør" || e.Rows == nil || *e.Rows != 1 {
				t.Errorf("the revealed export in the access log: %+v", e)
			}
		})
	}
}
