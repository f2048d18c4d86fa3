// SPDX-License-Identifier: AGPL-3.0-only

// Command samtykke keeps a GDPR-compliant WhatsApp marketing contact list.
package main

import (
	"context"
	"os"
	"runtime/debug"

	"github.com/samtykke/samtykke/internal/cli"
)

// gcPercent is the garbage collector's target when GOGC is not set: the heap
// may grow to five times what is live (10-17 MB in a campaign) before the
// next collection, where Go's default is twice. A campaign allocates for
// every message, and at the default the collector was the largest cost
// after the database: bench dispatch, SQLite, N = 50,000, three alternate
// rounds, 52-56 µs of CPU a message against 60-66, 12% more messages a
// second, the peak resident memory 238-254 MB against 178-203
// (docs/performance.md). GOGC, when set, decides.
const gcPercent = 400

func main() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(gcPercent)
	}
	os.Exit(cli.Main(context.Background(), os.Args[1:], os.Getenv, os.Stdout, os.Stderr))
}
