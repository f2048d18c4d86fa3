// SPDX-License-Identifier: AGPL-3.0-only

// Package cli is the samtykke command: one verb per run, or the service.
// Main takes its environment, arguments and output as parameters and returns
// an exit code, so that tests drive it exactly as a shell would.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sort"

	"github.com/samtykke/samtykke/internal/app"
	"github.com/samtykke/samtykke/internal/config"
	"github.com/samtykke/samtykke/internal/phone"
	"github.com/samtykke/samtykke/internal/staff"
	"github.com/samtykke/samtykke/internal/store"
	"github.com/samtykke/samtykke/internal/store/postgres"
	"github.com/samtykke/samtykke/internal/store/sqlite"
	"github.com/samtykke/samtykke/internal/vault"
)

// env is what a command runs with.
type env struct {
	getenv         func(string) string
	stdout, stderr io.Writer
}

type command struct {
	name    string
	summary string
	run     func(ctx context.Context, e env, args []string) int
}

func commands() []command {
	return []command{
		{"serve", "run the service (HTTP API, public pages, queue)", runServe},
		{"migrate", "apply database migrations", runMigrate},
		{"token", "token create --role ROLE [--name NAME]: make an API token", runToken},
		{"ledger", "ledger verify: recompute every consent chain", runLedger},
		{"config", "print the configuration, secrets redacted", runConfig},
		{"whatsapp-sim", "run a local WhatsApp Cloud API simulator", runSim},
		{"bench", "bench dispatch: the campaign benchmark against the simulator", runBench},
	}
}

// Main runs the command named by args[0] and returns the exit code.
func Main(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	e := env{getenv: getenv, stdout: stdout, stderr: stderr}
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stderr)
		return 2
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return c.run(ctx, e, args[1:])
		}
	}
	fmt.Fprintf(stderr, "samtykke: unknown command %q\n\n", args[0])
	usage(stderr)
	return 2
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: samtykke COMMAND [flags]\n\ncommands:")
	cs := commands()
	sort.Slice(cs, func(i, j int) bool { return cs[i].name < cs[j].name })
	for _, c := range cs {
		fmt.Fprintf(w, "  %-14s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nEvery command takes --data-dir and --database-url (env SAMTYKKE_DATA_DIR, SAMTYKKE_DATABASE_URL).")
}

// flags makes a command's flag set with the configuration flags on it.
func flags(e env, name string) (*flag.FlagSet, map[string]*string) {
	fs := flag.NewFlagSet("samtykke "+name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	return fs, config.Flags(fs)
}

// parse parses args and loads the configuration; it prints the problem and
// returns false when either fails.
func parse(e env, fs *flag.FlagSet, cf map[string]*string, args []string) (config.Config, bool) {
	if err := fs.Parse(args); err != nil {
		return config.Config{}, false
	}
	cfg, err := config.Load(e.getenv, cf)
	if err != nil {
		fmt.Fprintf(e.stderr, "samtykke: configuration: %v\n", err)
		return cfg, false
	}
	return cfg, true
}

// configDefaults is the configuration with nothing set, for commands that
// need no database.
func configDefaults() config.Config {
	c, _ := config.Load(func(string) string { return "" }, nil)
	return c
}

func logger(cfg config.Config, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.LogLevel))
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// openStore opens the configured database. Unless create is set, a SQLite
// file that does not exist is an error, not a new empty database.
func openStore(ctx context.Context, cfg config.Config, create bool) (store.Store, error) {
	if cfg.DatabaseURL != "" {
		return postgres.Open(ctx, cfg.DatabaseURL)
	}
	if !create {
		if _, err := os.Stat(cfg.SQLitePath()); err != nil {
			return nil, fmt.Errorf("no database at %s (%w): check --data-dir, or start samtykke serve there first",
				cfg.SQLitePath(), err)
		}
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("data folder: %w", err)
	}
	return sqlite.Open(ctx, cfg.SQLitePath())
}

// system is what most commands need: the store, migrated or checked, and the app.
type system struct {
	store      store.Store
	vault      *vault.Vault
	app        *app.App
	keyCreated bool
}

// opening says what a command may do to the data folder as it opens it.
type opening int

const (
	// existing opens a migrated database and its key, and creates nothing.
	existing opening = iota
	// setUp migrates the database, creating it, and makes a master key
	// when there is none and the database holds nothing sealed (serve).
	setUp
)

// open opens the store, applies migrations when the opening sets up
// (otherwise refuses a schema that is behind), loads the key, checks that it
// opens the data (invariant 10) and wires the app.
func open(ctx context.Context, cfg config.Config, log *slog.Logger, how opening) (*system, error) {
	st, err := openStore(ctx, cfg, how == setUp)
	if err != nil {
		return nil, err
	}
	if how == setUp {
		err = st.Migrate(ctx)
	} else if ok, cerr := st.SchemaCurrent(ctx); cerr != nil || !ok {
		err = errors.Join(cerr, errors.New("the database schema is behind: run samtykke migrate"))
	}
	if err != nil {
		st.Close()
		return nil, err
	}
	v, created, err := unlock(ctx, cfg, st, how == setUp)
	if err != nil {
		st.Close()
		return nil, err
	}
	a := app.New(st, v, app.Config{MinAge: cfg.MinAge, Phones: phone.Policy{AllowedRegions: cfg.PhoneRegions}, Tags: cfg.Tags}, log)
	return &system{store: st, vault: v, app: a, keyCreated: created}, nil
}

func fail(e env, format string, a ...any) int {
	fmt.Fprintf(e.stderr, "samtykke: "+format+"\n", a...)
	return 1
}

func runMigrate(ctx context.Context, e env, args []string) int {
	fs, cf := flags(e, "migrate")
	cfg, ok := parse(e, fs, cf, args)
	if !ok {
		return 2
	}
	sys, err := open(ctx, cfg, logger(cfg, e.stderr), setUp)
	if err != nil {
		return fail(e, "%v", err)
	}
	defer sys.store.Close()
	fmt.Fprintf(e.stdout, "migrations applied (%s)\n", sys.store.Backend())
	return 0
}

func runConfig(_ context.Context, e env, args []string) int {
	fs, cf := flags(e, "config")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	_, err := config.Load(e.getenv, cf)
	config.Dump(e.stdout, e.getenv, cf)
	if err != nil {
		fmt.Fprintf(e.stderr, "samtykke: configuration is not valid: %v\n", err)
		return 1
	}
	return 0
}

func runToken(ctx context.Context, e env, args []string) int {
	if len(args) == 0 || args[0] != "create" {
		fmt.Fprintln(e.stderr, "usage: samtykke token create --role ROLE [--name NAME]")
		return 2
	}
	fs, cf := flags(e, "token create")
	role := fs.String("role", "", "admin, dpo, marketer, integrator or auditor")
	name := fs.String("name", "", "who or what holds the token")
	cfg, ok := parse(e, fs, cf, args[1:])
	if !ok {
		return 2
	}
	r, err := staff.ParseRole(*role)
	if err != nil {
		return fail(e, "%v", err)
	}
	sys, err := open(ctx, cfg, logger(cfg, e.stderr), existing)
	if err != nil {
		return fail(e, "%v", err)
	}
	defer sys.store.Close()
	secret, _, err := sys.app.CreateToken(ctx, r, *name)
	if err != nil {
		return fail(e, "%v", err)
	}
	fmt.Fprintln(e.stdout, secret)
	return 0
}

func runLedger(ctx context.Context, e env, args []string) int {
	if len(args) == 0 || args[0] != "verify" {
		fmt.Fprintln(e.stderr, "usage: samtykke ledger verify")
		return 2
	}
	fs, cf := flags(e, "ledger verify")
	cfg, ok := parse(e, fs, cf, args[1:])
	if !ok {
		return 2
	}
	sys, err := open(ctx, cfg, logger(cfg, e.stderr), existing)
	if err != nil {
		return fail(e, "%v", err)
	}
	defer sys.store.Close()
	rep, err := sys.app.VerifyLedger(ctx)
	if err != nil {
		fmt.Fprintf(e.stdout, "ledger does NOT verify: %v\n", err)
		return 1
	}
	fmt.Fprintf(e.stdout, "ledger verifies: %d contacts, %d events, %d evidence records checked\n",
		rep.Contacts, rep.Events, rep.Evidence)
	return 0
}
