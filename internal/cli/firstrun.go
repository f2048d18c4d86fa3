// SPDX-License-Identifier: AGPL-3.0-only

package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/samtykke/samtykke/internal/app"
	"github.com/samtykke/samtykke/internal/config"
)

// firstTokenFile is where serve leaves the first-run admin token.
const firstTokenFile = "first-admin-token"

// firstAdminToken makes the first admin API token, unless a replica
// starting beside this one made it first, and writes it to a 0600 file in
// the data folder, so that it never lands in a service's log; the token
// itself is printed only to a terminal.
func firstAdminToken(ctx context.Context, e env, cfg config.Config, a *app.App) error {
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return err
	}
	path := filepath.Join(cfg.DataDir, firstTokenFile)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	secret, made, err := a.FirstAdminToken(ctx)
	if err == nil && made {
		_, err = fmt.Fprintln(f, secret)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil && !made {
		return os.Remove(path) // another replica's file holds it
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "First run: an admin API token was written to %s (mode 0600); keep it safe, then delete the file.\n", path)
	if isTerminal(e.stdout) {
		fmt.Fprintf(e.stdout, "\n    %s\n\n", secret)
	}
	return nil
}

// isTerminal reports whether w is a character device, such as a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	info, err := f.Stat()
	return err == nil && info.Mode()&os.ModeCharDevice != 0
}
