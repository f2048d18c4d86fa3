// SPDX-License-Identifier: AGPL-3.0-only

package cli

import (
	"context"
	"errors"
	"strconv"

	"github.com/samtykke/samtykke/internal/app"
	"github.com/samtykke/samtykke/internal/dpia"
	"github.com/samtykke/samtykke/internal/ropa"
	"github.com/samtykke/samtykke/internal/store"
)

// runRopa prints the Art. 30 record of processing made from the
// configuration and the database; exit 1 naming the missing
// Art. 30(1) items when it is incomplete.
func runRopa(ctx context.Context, e env, args []string) int {
	fs, cf := flags(e, "ropa")
	format := fs.String("format", "md", "md (Markdown), html or json")
	if code, ok := parseFlags(e, fs, args); !ok {
		return code
	}
	if *format != "md" && *format != "html" && *format != "json" {
		badUsage(e, fs, "--format must be md, html or json")
		return 2
	}
	return onOpened(ctx, e, cf, func(sys *system) int {
		rec, err := sys.app.RecordOfProcessing(ctx, cliActor(e))
		if errors.Is(err, app.ErrRefused) {
			return fail(e, "the record of processing is incomplete: %v", err)
		}
		if err != nil {
			return fail(e, "ropa: %v", err)
		}
		if err := ropa.Write(e.stdout, rec, *format); err != nil {
			return fail(e, "ropa: %v", err)
		}
		return 0
	})
}

// runDPIA prints the DPIA: the newest saved version, a given one, or the
// draft made from the record and the screening when none is saved (D-01,
// D-02).
func runDPIA(ctx context.Context, e env, args []string) int {
	fs, cf := flags(e, "dpia")
	format := fs.String("format", "md", "md (Markdown), html or json")
	version := fs.String("version", "", "a saved version (default: the newest)")
	if code, ok := parseFlags(e, fs, args); !ok {
		return code
	}
	v := 0
	if *version != "" {
		n, err := strconv.Atoi(*version)
		if err != nil || n < 1 {
			badUsage(e, fs, "--version must be a version number")
			return 2
		}
		v = n
	}
	if *format != "md" && *format != "html" && *format != "json" {
		badUsage(e, fs, "--format must be md, html or json")
		return 2
	}
	return onOpened(ctx, e, cf, func(sys *system) int {
		d, err := sys.app.DPIA(ctx, cliActor(e), v)
		if errors.Is(err, store.ErrNotFound) {
			return fail(e, "no DPIA version %d", v)
		}
		if err != nil {
			return fail(e, "dpia: %v", err)
		}
		if *format == "json" {
			return printJSON(e, d)
		}
		if err := dpia.Write(e.stdout, d.Document, *format); err != nil {
			return fail(e, "dpia: %v", err)
		}
		return 0
	})
}
