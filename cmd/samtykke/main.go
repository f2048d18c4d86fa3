// SPDX-License-Identifier: AGPL-3.0-only

// Command samtykke keeps a GDPR-compliant WhatsApp marketing contact list.
package main

import (
	"context"
	"os"

	"github.com/samtykke/samtykke/internal/cli"
)

func main() {
	os.Exit(cli.Main(context.Background(), os.Args[1:], os.Getenv, os.Stdout, os.Stderr))
}
