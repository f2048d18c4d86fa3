// SPDX-License-Identifier: AGPL-3.0-only

package cli

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/samtykke/samtykke/internal/app"
	"github.com/samtykke/samtykke/internal/audit"
	"github.com/samtykke/samtykke/internal/config"
	"github.com/samtykke/samtykke/internal/staff"
	"github.com/samtykke/samtykke/internal/store/storetest"
)

// TestAuditCommand: `samtykke audit` runs on a real data folder, and on a
// PostgreSQL database by --database-url, without a server; it exits 0 with
// findings (here: no notice is published), prints JSON alone with --format
// json and a standalone page with --format html, and stores each report.
// Bad usage opens nothing; a database that is not there exits 1 (S-04).
func TestAuditCommand(t *testing.T) {
	t.Parallel()
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			env := map[string]string{"SAMTYKKE_DATA_DIR": dir}
			if backend == "postgres" {
				env["SAMTYKKE_DATABASE_URL"] = storetest.PostgresSchema(t)
			}
			if code, stdout, stderr := run(t, env, "audit"); code != 1 || stdout != "" || !strings.Contains(stderr, "samtykke:") {
				t.Errorf("audit before the database is set up: exit %d, %q, %q; want exit 1 naming the problem", code, stdout, stderr)
			}
			if code, _, stderr := run(t, env, "audit", "--format", "pdf"); code != 2 || !strings.Contains(stderr, "--format must be") {
				t.Errorf("audit --format pdf: exit %d, %q", code, stderr)
			}
			ctx := context.Background()
			cfg, err := config.Load(func(k string) string { return env[k] }, nil)
			if err != nil {
				t.Fatal(err)
			}
			sys, err := open(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), setUp)
			if err != nil {
				t.Fatal(err)
			}
			defer sys.store.Close()

			code, stdout, stderr := run(t, env, "audit")
			if code != 0 || !strings.Contains(stdout, "FAIL    notices") || !strings.Contains(stdout, "compliance audit") {
				t.Errorf("audit: exit %d, %q, %q; want the verdicts, the notices failed", code, stdout, stderr)
			}
			code, stdout, _ = run(t, env, "audit", "--format", "json")
			var rep audit.Report
			if err := json.Unmarshal([]byte(stdout), &rep); code != 0 || err != nil || len(rep.Findings) != len(audit.Checks) ||
				!strings.HasPrefix(rep.Actor, "cli:") {
				t.Errorf("audit --format json: exit %d, %v, %q", code, err, stdout)
			}
			code, stdout, _ = run(t, env, "audit", "--format", "html")
			if code != 0 || !strings.HasPrefix(stdout, "<!doctype html>") || !strings.Contains(stdout, rep.Controller) {
				t.Errorf("audit --format html: exit %d, %.80q", code, stdout)
			}
			list, err := sys.app.Audits(ctx, app.Actor{Name: "test", Role: staff.Auditor}, 0)
			if err != nil || len(list) != 3 {
				t.Errorf("%d reports stored, %v; want the three runs", len(list), err)
			}
		})
	}
}
