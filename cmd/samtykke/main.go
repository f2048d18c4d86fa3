// SPDX-License-Identifier: AGPL-3.0-only

// Command samtykke keeps a GDPR-compliant WhatsApp marketing contact list.
package main

import (
	"context"
	"os"
	"runtime/debug"

	"github.com/samtykke/samtykke/internal/cli"
)

// gcPercent paces the garbage collector when GOGC is not set. What the
// service keeps alive is small (a few batches and their requests) while it
// allocates fast, so at Go's default of 100 the collector ran about 17 times a
// second during a campaign and took 16% of the process's CPU. At 400 the heap
// may grow to five times what lives (tens of MB, not growing with the
// audience); memLimit caps it.
const gcPercent = 400

// memLimit is the soft heap limit when GOMEMLIMIT is not set: under it the
// collector works harder instead of letting the heap grow (the issue's
// ceiling is 300 MB for the whole process).
const memLimit = 192 << 20

func main() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(gcPercent)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(memLimit)
	}
	os.Exit(cli.Main(context.Background(), os.Args[1:], os.Getenv, os.Stdout, os.Stderr))
}
