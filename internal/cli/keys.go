// SPDX-License-Identifier: AGPL-3.0-only

package cli

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/samtykke/samtykke/internal/app"
	"github.com/samtykke/samtykke/internal/vault"
)

// runKeysStatus prints the key table: each master key's id, fingerprint,
// role, creation and age, and a rotation's progress (S-01).
func runKeysStatus(ctx context.Context, e env, args []string) int {
	fs, cf := flags(e, "keys status")
	format := fs.String("format", "text", "text or json")
	if code, ok := parseFlags(e, fs, args); !ok {
		return code
	}
	if *format != "text" && *format != "json" {
		badUsage(e, fs, "--format must be text or json")
		return 2
	}
	return onOpened(ctx, e, cf, func(sys *system) int {
		st, err := sys.app.KeyStatus(ctx)
		if err != nil {
			return fail(e, "%v", err)
		}
		if *format == "json" {
			return printJSON(e, st)
		}
		return printKeyStatus(e, st)
	})
}

// runKeysRotate starts a rotation to the new master key given beside the
// active one; the job moves the contacts while the service runs.
func runKeysRotate(ctx context.Context, e env, args []string) int {
	fs, cf := flags(e, "keys rotate")
	if code, ok := parseFlags(e, fs, args); !ok {
		return code
	}
	return onOpened(ctx, e, cf, func(sys *system) int {
		st, err := sys.app.RotateKeys(ctx)
		if err != nil {
			return fail(e, "%v", err)
		}
		if code := printKeyStatus(e, st); code != 0 {
			return code
		}
		fmt.Fprintln(e.stdout, "\nThe rotation has started: every replica uses the new key within seconds; the job moves the contacts while the service runs."+
			"\nKeep both keys on every replica until `samtykke keys status` shows the old key retired.")
		return 0
	})
}

func printKeyStatus(e env, st app.KeyStatus) int {
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tFINGERPRINT\tROLE\tCREATED\tAGE (DAYS)\tHELD HERE")
	for _, k := range st.Keys {
		held := "no"
		if k.Loaded {
			held = "yes"
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%d\t%s\n", k.ID, k.Fingerprint, k.Role, k.Created.Format(time.DateOnly), k.AgeDays, held)
	}
	if err := tw.Flush(); err != nil {
		return fail(e, "%v", err)
	}
	if r := st.Rotation; r != nil {
		pct := 100.0
		if r.Total > 0 {
			pct = 100 * float64(r.Moved) / float64(r.Total)
		}
		from := make([]string, len(r.From))
		for i, id := range r.From {
			from[i] = fmt.Sprint(id)
		}
		fmt.Fprintf(e.stdout, "\nrotation from key %s to key %d, started %s: %d of %d contacts moved (%.1f %%)\n",
			strings.Join(from, ", "), r.To, r.Started.Format(time.RFC3339), r.Moved, r.Total, pct)
	}
	for _, k := range st.Keys {
		if k.Removable && k.Loaded {
			fmt.Fprintf(e.stdout, "\nkey %d (fingerprint %s) is retired: remove its master key from every replica (and keep it with your backups of older data).\n",
				k.ID, k.Fingerprint)
		}
	}
	for _, fp := range st.Staged {
		fmt.Fprintf(e.stdout, "\na key this database does not record is given (fingerprint %s): `samtykke keys rotate` makes it active.\n", fp)
	}
	return 0
}

// refreshKeys reads the key provider and the key table every
// app.KeyRefresh until ctx ends, so that this replica learns of a rotation
// started elsewhere (and of a key added to its key file) without a restart.
func refreshKeys(ctx context.Context, a *app.App, p vault.Provider, log *slog.Logger) {
	t := time.NewTicker(app.KeyRefresh)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		masters, err := p.MasterKeys(ctx)
		if err != nil {
			log.Error("master keys", "error", err)
			masters = nil // keep those held
		}
		if err := a.RefreshKeys(ctx, masters); err != nil && ctx.Err() == nil {
			log.Error("key table", "error", err)
		}
	}
}
