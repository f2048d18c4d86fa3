// SPDX-License-Identifier: AGPL-3.0-only

package cli

import (
	"context"
	"fmt"

	"github.com/samtykke/samtykke/internal/app"
	"github.com/samtykke/samtykke/internal/export"
)

// runExport writes the list with each contact's consent states, or the
// suppression list as keyed hashes, to standard output as it reads it
// (issue 21); the export is recorded in the access log, and its row count
// is said on standard error.
func runExport(ctx context.Context, e env, args []string) int {
	fs, cf := flags(e, "export")
	format := fs.String("format", "csv", "csv or json (one array, one contact a line)")
	reveal := fs.Bool("reveal", false, "numbers in clear instead of masked (needs --reason; recorded)")
	reason := fs.String("reason", "", "why the list leaves: required with --reveal, recorded in the access log")
	suppressions := fs.Bool("suppressions", false, "the suppression list instead, as keyed hashes (no numbers)")
	if code, ok := parseFlags(e, fs, args); !ok {
		return code
	}
	f, err := export.ParseFormat(*format)
	if err != nil {
		badUsage(e, fs, "--format must be csv or json")
		return 2
	}
	if *reveal && *reason == "" {
		badUsage(e, fs, "--reveal needs --reason: why the numbers leave in clear")
		return 2
	}
	req := app.ExportRequest{What: app.ExportContacts, Format: f, Reveal: *reveal, Reason: *reason}
	if *suppressions {
		req.What = app.ExportSuppressions
	}
	return onOpened(ctx, e, cf, func(sys *system) int {
		res, err := sys.app.Export(ctx, cliActor(e), req, e.stdout)
		if err != nil {
			if res.ID != "" {
				return fail(e, "export %s %s after %d rows: %v", res.ID, res.Outcome, res.Rows, err)
			}
			return fail(e, "export: %v", err)
		}
		fmt.Fprintf(e.stderr, "samtykke: exported %d rows (access log entry %s)\n", res.Rows, res.ID)
		return 0
	})
}
