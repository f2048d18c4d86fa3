// SPDX-License-Identifier: AGPL-3.0-only

package cli

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/samtykke/samtykke/internal/app"
	"github.com/samtykke/samtykke/internal/config"
	"github.com/samtykke/samtykke/internal/staff"
	"github.com/samtykke/samtykke/internal/store"
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

// firstUserFile is where serve leaves the first admin account's login.
const firstUserFile = "first-admin-login"

// firstAdminUser makes the first staff account, an admin named "admin" with
// a random password, writes its login to a 0600 file in the data folder
// (never to a log) and prints the URL of the first-run setup page (issue 23
// point 2): the operator signs in there, names the business, the first
// purpose, and publishes the privacy notice.
func firstAdminUser(ctx context.Context, e env, log *slog.Logger, cfg config.Config, a *app.App, base string) error {
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return err
	}
	b := make([]byte, 18)
	if _, err := rand.Read(b); err != nil {
		return err
	}
	password := base64.RawURLEncoding.EncodeToString(b)
	path := filepath.Join(cfg.DataDir, firstUserFile)
	f, err := os.CreateTemp(cfg.DataDir, firstUserFile+".*") // mode 0600
	if err != nil {
		return err
	}
	defer os.Remove(f.Name()) // gone once renamed; gone too when another replica won
	_, _, err = a.CreateUser(ctx, app.Actor{Name: "cli:serve first run", Role: staff.Admin}, app.UserInput{Name: "admin", Role: staff.Admin, Password: password})
	if errors.Is(err, store.ErrConflict) {
		f.Close()
		return nil // replicas started together on an empty database: another made it
	}
	if err == nil {
		_, err = fmt.Fprintf(f, "user: admin\npassword: %s\n", password)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		return err
	}
	url := base + "/admin/setup"
	if cfg.LogFormat == "json" {
		log.Info("first run: sign in to the setup page as admin; the password is in the file", "setup_url", url, "login_file", path)
		return nil
	}
	fmt.Fprintf(e.stdout, "First run: set up samtykke at %s\n  sign in as \"admin\" with the password in %s (mode 0600), then delete the file.\n", url, path)
	return nil
}
