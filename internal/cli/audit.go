// SPDX-License-Identifier: AGPL-3.0-only

package cli

import (
	"context"

	"github.com/samtykke/samtykke/internal/audit"
)

// runAudit runs the compliance audit on the data folder or database
// directly, stores the report and prints it (S-04, P-07). Findings are the
// report's: the exit code is 0 whatever they are, and 1 only when the audit
// could not run.
func runAudit(ctx context.Context, e env, args []string) int {
	fs, cf := flags(e, "audit")
	format := fs.String("format", "text", "text (the verdicts and what was found), json or html (a standalone page)")
	if code, ok := parseFlags(e, fs, args); !ok {
		return code
	}
	if *format != "text" && *format != "json" && *format != "html" {
		badUsage(e, fs, "--format must be text, json or html")
		return 2
	}
	return onOpened(ctx, e, cf, func(sys *system) int {
		rep, err := sys.app.RunAudit(ctx, cliActor(e))
		if err != nil {
			return fail(e, "%v", err)
		}
		if err := audit.Write(e.stdout, rep, *format); err != nil {
			return fail(e, "audit: %v", err)
		}
		return 0
	})
}
