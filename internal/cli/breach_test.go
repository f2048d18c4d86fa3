// SPDX-License-Identifier: AGPL-3.0-only

package cli

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/samtykke/samtykke/internal/app"
	"github.com/samtykke/samtykke/internal/breach"
	"github.com/samtykke/samtykke/internal/staff"
	"github.com/samtykke/samtykke/internal/store/storetest"
)

// recordBreach records a breach through the app on the database env names,
// as the service would, aware 80 hours ago and not notified (overdue).
func recordBreach(t *testing.T, env map[string]string) string {
	t.Helper()
	ctx := context.Background()
	sys := openData(t, env)
	defer sys.store.Close()
	aware := time.Now().UTC().Add(-80 * time.Hour)
	title, desc, risk := "Stolen laptop with a list export", "Stolen from a car in Oslo.", "risk"
	v, err := sys.app.RecordBreach(ctx, app.Actor{Name: "test", Role: staff.DPO}, app.BreachInput{Title: &title, Description: &desc,
		AwareAt: &aware, Risk: &risk, Categories: &[]string{"confidentiality"}})
	if err != nil {
		t.Fatal(err)
	}
	return v.ID
}

// TestBreachCommands: `samtykke breach list` and `samtykke breach report ID`
// read the register straight from a real data folder, and from a
// PostgreSQL database by --database-url, with or without a server running;
// --format json prints JSON alone on standard output; the draft carries
// the controller's configuration (B-02) and says the deadline has passed
// (B-01). Bad usage opens nothing.
func TestBreachCommands(t *testing.T) {
	t.Parallel()
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			env := map[string]string{"SAMTYKKE_DATA_DIR": dir, "SAMTYKKE_CONTROLLER_ORGNR": "923609016", "SAMTYKKE_DPO_EMAIL": "pvo@butikken.example"}
			if backend == "postgres" {
				env["SAMTYKKE_DATABASE_URL"] = storetest.PostgresSchema(t)
			}
			if code, stdout, stderr := run(t, env, "breach", "list"); code != 1 || stdout != "" || !strings.Contains(stderr, "samtykke:") {
				t.Errorf("list before the database is set up: exit %d, %q, %q; want exit 1 naming the problem", code, stdout, stderr)
			}
			id := recordBreach(t, env)

			code, stdout, stderr := run(t, env, "breach", "list")
			if code != 0 || !strings.Contains(stdout, id) || !strings.Contains(stdout, "OVERDUE") || !strings.Contains(stdout, "Stolen laptop") {
				t.Errorf("breach list: exit %d, %q, %q", code, stdout, stderr)
			}
			code, stdout, _ = run(t, env, "breach", "list", "--format", "json", "--state", "open")
			var list struct {
				Breaches []app.BreachView `json:"breaches"`
			}
			if err := json.Unmarshal([]byte(stdout), &list); code != 0 || err != nil || len(list.Breaches) != 1 || !list.Breaches[0].Overdue {
				t.Errorf("breach list --format json: exit %d, %v, %q", code, err, stdout)
			}
			if code, stdout, _ := run(t, env, "breach", "list", "--state", "closed"); code != 0 || !strings.Contains(stdout, "empty") {
				t.Errorf("no closed breaches: exit %d, %q", code, stdout)
			}

			code, stdout, stderr = run(t, env, "breach", "report", id)
			for _, want := range []string{"# Utkast: melding om brudd på personopplysningssikkerheten", "FRISTEN ER PASSERT", "923609016",
				"pvo@butikken.example", "Stolen from a car in Oslo.", "notification.delay_reason"} {
				if code != 0 || !strings.Contains(stdout, want) {
					t.Errorf("breach report: exit %d, stderr %q; the draft lacks %q:\n%s", code, stderr, want, stdout)
				}
			}
			if code, stdout, _ := run(t, env, "breach", "report", "--lang", "en", id); code != 0 || !strings.Contains(stdout, "(a) Nature of the breach") {
				t.Errorf("breach report --lang en before the id: exit %d, %q", code, stdout)
			}
			code, stdout, stderr = run(t, env, "breach", "report", id, "--format", "json")
			var rep breach.Report
			if err := json.Unmarshal([]byte(stdout), &rep); code != 0 || err != nil || rep.BreachID != id || !rep.Notification.Overdue ||
				rep.Controller.OrgNumber != "923609016" || rep.ContactPoint.Email != "pvo@butikken.example" || rep.Nature.Description == "" {
				t.Errorf("breach report --format json: exit %d, %v, stdout %q, stderr %q", code, err, stdout, stderr)
			}

			if code, stdout, stderr := run(t, env, "breach", "report", "nope"); code != 1 || stdout != "" || !strings.Contains(stderr, "no breach nope") {
				t.Errorf("an unknown breach: exit %d, %q, %q", code, stdout, stderr)
			}
		})
	}
	bad := map[string][]string{
		"no id":            {"breach", "report"},
		"two ids":          {"breach", "report", "a", "b"},
		"a bad format":     {"breach", "report", "a", "--format", "pdf"},
		"a bad language":   {"breach", "report", "a", "--lang", "sv"},
		"a bad list state": {"breach", "list", "--state", "gone"},
		"a list argument":  {"breach", "list", "extra"},
	}
	dir := t.TempDir()
	for name, args := range bad {
		if code, stdout, stderr := run(t, map[string]string{"SAMTYKKE_DATA_DIR": dir}, args...); code != 2 || stdout != "" || !strings.Contains(stderr, "usage:") {
			t.Errorf("%s: exit %d, %q, %q; want exit 2 with the usage", name, code, stdout, stderr)
		}
	}
	if code, _, stderr := run(t, nil, "breach"); code != 2 || !strings.Contains(stderr, "breach report") {
		t.Errorf("breach alone: exit %d, %q", code, stderr)
	}
}
