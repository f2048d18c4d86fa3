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
	"github.com/samtykke/samtykke/internal/config"
	"github.com/samtykke/samtykke/internal/consent"
	"github.com/samtykke/samtykke/internal/staff"
	"github.com/samtykke/samtykke/internal/store/storetest"
)

// openData sets up (or opens) the data folder or database env names, for a
// test to put something in it with the app; the caller closes it.
func openData(t *testing.T, env map[string]string) *system {
	t.Helper()
	cfg, err := config.Load(func(k string) string { return env[k] }, nil)
	if err != nil {
		t.Fatal(err)
	}
	sys, err := open(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), setUp)
	if err != nil {
		t.Fatal(err)
	}
	return sys
}

// createPurpose sets up the data folder with one purpose.
func createPurpose(t *testing.T, env map[string]string) {
	t.Helper()
	ctx := context.Background()
	sys := openData(t, env)
	defer sys.store.Close()
	if _, err := sys.app.CreatePurpose(ctx, app.Actor{Name: "test", Role: staff.Admin}, consent.Purpose{Key: "offers",
		Channel: consent.WhatsApp, Basis: consent.BasisConsent, RetentionDays: 365, Description: consent.Text{NB: "Tilbud", EN: "Offers"}}); err != nil {
		t.Fatal(err)
	}
}

// TestRopaAndDPIACommands: `samtykke ropa` prints the Art. 30 record from
// the data folder or the database URL, and refuses (exit 1, naming the
// item) a record that misses one; `samtykke dpia` prints the draft
// while none is saved (D-02); --format json prints JSON alone.
func TestRopaAndDPIACommands(t *testing.T) {
	t.Parallel()
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			env := map[string]string{"SAMTYKKE_DATA_DIR": t.TempDir(), "SAMTYKKE_CONTROLLER_EMAIL": "post@butikken.example"}
			if backend == "postgres" {
				env["SAMTYKKE_DATABASE_URL"] = storetest.PostgresSchema(t)
			}
			createPurpose(t, env)
			if code, stdout, stderr := run(t, env, "ropa"); code != 1 || stdout != "" || !strings.Contains(stderr, "Art. 30(1)(a): the data protection officer") {
				t.Errorf("ropa without a DPO: exit %d, %q, %q", code, stdout, stderr)
			}
			env["SAMTYKKE_DPO_EMAIL"] = "pvo@butikken.example"
			code, stdout, stderr := run(t, env, "ropa")
			for _, want := range []string{"# Record of processing activities", "pvo@butikken.example", "Offers (offers)", "Data Privacy Framework"} {
				if code != 0 || !strings.Contains(stdout, want) {
					t.Errorf("ropa: exit %d, %q; lacks %q", code, stderr, want)
				}
			}
			code, stdout, _ = run(t, env, "ropa", "--format", "json")
			var rec struct {
				Activities []struct{ Key string } `json:"activities"`
			}
			if err := json.Unmarshal([]byte(stdout), &rec); code != 0 || err != nil || rec.Activities[0].Key != "offers" {
				t.Errorf("ropa --format json: exit %d, %v", code, err)
			}
			if code, _, _ := run(t, env, "ropa", "--format", "pdf"); code != 2 {
				t.Errorf("ropa --format pdf: exit %d, want 2", code)
			}
			code, stdout, stderr = run(t, env, "dpia")
			if code != 0 || !strings.Contains(stdout, "## (c) Risks") || !strings.Contains(stdout, "Version 0") {
				t.Errorf("dpia: exit %d, %q, %q", code, stdout, stderr)
			}
			if code, _, stderr := run(t, env, "dpia", "--version", "3"); code != 1 || !strings.Contains(stderr, "no DPIA version 3") {
				t.Errorf("dpia --version 3: exit %d, %q", code, stderr)
			}
		})
	}
}
