// SPDX-License-Identifier: AGPL-3.0-only

// Package cli is the samtykke command: one verb per run, or the service.
// Main takes its environment, arguments and output as parameters and returns
// an exit code, so that tests drive it exactly as a shell would.
package cli

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/samtykke/samtykke/internal/app"
	"github.com/samtykke/samtykke/internal/backup"
	"github.com/samtykke/samtykke/internal/config"
	"github.com/samtykke/samtykke/internal/phone"
	"github.com/samtykke/samtykke/internal/rights"
	"github.com/samtykke/samtykke/internal/store"
	"github.com/samtykke/samtykke/internal/store/postgres"
	"github.com/samtykke/samtykke/internal/store/sqlite"
	"github.com/samtykke/samtykke/internal/vault"
)

// env is what a command runs with.
type env struct {
	getenv         func(string) string
	stdin          io.Reader // nil: none (user create reads a password from it)
	stdout, stderr io.Writer
}

// command is one command of samtykke, with its help text.
type command struct {
	name string // with its verb: "token create"
	helpText
	// config names the configuration flags the command takes.
	config []string
	// env lists every environment variable in the command's help.
	env bool
	run func(ctx context.Context, e env, args []string) int
}

// dbFlags are the configuration flags of every command that opens the database.
var dbFlags = []string{"data-dir", "database-url"}

// commands wires each command to the configuration flags it takes and what
// it runs; its help text is in the reference (commands.md).
func commands() []command {
	return withHelp([]command{
		{name: "serve", config: []string{"data-dir", "database-url", "addr", "sim-addr"}, env: true, run: runServe},
		{name: "migrate", config: dbFlags, run: runMigrate},
		{name: "token create", config: dbFlags, run: runToken},
		{name: "token list", config: dbFlags, run: runTokenList},
		{name: "token revoke", config: dbFlags, run: runTokenRevoke},
		{name: "user create", config: dbFlags, run: runUserCreate},
		{name: "user list", config: dbFlags, run: runUserList},
		{name: "user disable", config: dbFlags, run: runUserDisable},
		{name: "ledger verify", config: dbFlags, run: runLedger},
		{name: "ledger checkpoint", config: dbFlags, run: runCheckpoint},
		{name: "retention run", config: dbFlags, run: runRetention},
		{name: "breach report", config: dbFlags, run: runBreachReport},
		{name: "breach list", config: dbFlags, run: runBreachList},
		{name: "receipt verify", config: dbFlags, run: runReceipt},
		{name: "keys status", config: dbFlags, run: runKeysStatus},
		{name: "keys rotate", config: dbFlags, run: runKeysRotate},
		{name: "export", config: dbFlags, run: runExport},
		{name: "ropa", config: dbFlags, run: runRopa},
		{name: "dpia", config: dbFlags, run: runDPIA},
		{name: "audit", config: dbFlags, run: runAudit},
		{name: "doctor", config: dbFlags, run: runDoctor},
		{name: "import", config: dbFlags, run: runImport},
		{name: "backup", config: dbFlags, run: runBackup},
		{name: "restore", config: dbFlags, run: runRestore},
		{name: "config", config: []string{"data-dir", "database-url", "addr"}, run: runConfig},
		{name: "whatsapp-sim", run: runSim},
		{name: "bench dispatch", run: runBench},
		{name: "bench audit", run: runBenchAudit},
		{name: "bench import", run: runBenchImport},
		{name: "help", run: help},
		{name: "version", run: runVersion},
	})
}

// Main runs the command named by args and returns the exit code: 0 when it
// did its work or showed the help asked for, 1 when it failed, 2 on bad usage.
// The process's standard input is the commands' (MainInput).
func Main(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	return MainInput(ctx, args, getenv, os.Stdin, stdout, stderr)
}

// MainInput is Main with standard input as a parameter (the password of
// samtykke user create).
func MainInput(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) int {
	e := env{getenv: getenv, stdin: stdin, stdout: stdout, stderr: stderr}
	if len(args) == 0 {
		overview(stderr)
		return 2
	}
	switch {
	case isHelp(args[0]):
		args = append([]string{"help"}, args[1:]...)
	case args[0] == "--version" || args[0] == "-version":
		args = append([]string{"version"}, args[1:]...)
	}
	if c, rest := find(args); c != nil {
		return c.run(ctx, e, rest)
	}
	if g := group(args[0]); len(g) > 0 {
		if len(args) > 1 && isHelp(args[1]) {
			return groupUsage(ctx, e, g)
		}
		if len(args) > 1 {
			fmt.Fprintf(stderr, "samtykke %s: unknown command %q\n\n", args[0], args[1])
		} else {
			fmt.Fprintf(stderr, "samtykke %s: which command?\n\n", args[0])
		}
		groupUsage(ctx, env{getenv: getenv, stdout: stderr, stderr: stderr}, g)
		return 2
	}
	fmt.Fprintf(stderr, "samtykke: unknown command %q\n\n", args[0])
	overview(stderr)
	return 2
}

// flags makes a command's flag set with the configuration flags it takes.
func flags(e env, name string) (*flag.FlagSet, map[string]*string) {
	fs := newFlagSet(e, name)
	return fs, config.Flags(fs, byName(name).config...)
}

// parse parses args and loads the configuration; it prints the help, or the
// problem, and returns false when either is not to go on.
// The code is the exit code to end with when ok is false: 0 after --help.
func parse(e env, fs *flag.FlagSet, cf map[string]*string, args []string) (cfg config.Config, code int, ok bool) {
	if code, ok := parseFlags(e, fs, args); !ok {
		return config.Config{}, code, false
	}
	cfg, err := config.Load(e.getenv, cf)
	if err != nil {
		fmt.Fprintf(e.stderr, "samtykke: configuration: %v\n", err)
		return cfg, 2, false
	}
	return cfg, 0, true
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
	return &system{store: st, vault: v, app: app.New(st, v, appConfig(cfg), log), keyCreated: created}, nil
}

// appConfig is the app's configuration that every command shares; serve
// adds the WhatsApp side, the notifiers and the pacing.
func appConfig(cfg config.Config) app.Config {
	ac := app.Config{MinAge: cfg.MinAge, Phones: phone.Policy{AllowedRegions: cfg.PhoneRegions}, Tags: cfg.Tags,
		BusinessName: cfg.BusinessName, CheckpointDir: cfg.CheckpointDir, Controller: cfg.Controller,
		ReceiptTTL: time.Duration(cfg.ReceiptLinkDays) * 24 * time.Hour, Retention: cfg.Retention,
		Journal: backup.NewJournal(cfg.ErasureJournalPath())}
	if cfg.RightsWords != "" {
		ac.RightsWords, _ = rights.ParseWords(cfg.RightsWords) // checked when the configuration was read
	}
	return ac
}

// onExisting parses a command's flags, opens the existing data folder
// (creating nothing) and runs fn on it; it returns the exit code. check, when
// set, vets the flags before anything is opened.
func onExisting(ctx context.Context, e env, fs *flag.FlagSet, cf map[string]*string, args []string,
	check func() error, fn func(sys *system) int) int {
	cfg, code, ok := parse(e, fs, cf, args)
	if !ok {
		return code
	}
	if check != nil {
		if err := check(); err != nil {
			return fail(e, "%v", err)
		}
	}
	sys, err := open(ctx, cfg, logger(cfg, e.stderr), existing)
	if err != nil {
		return fail(e, "%v", err)
	}
	defer sys.store.Close()
	return fn(sys)
}

// runCheckpoint signs a checkpoint of the chains now and prints it (L-02).
func runCheckpoint(ctx context.Context, e env, args []string) int {
	fs, cf := flags(e, "ledger checkpoint")
	return onExisting(ctx, e, fs, cf, args, nil, func(sys *system) int { return checkpointNow(ctx, e, sys) })
}

func checkpointNow(ctx context.Context, e env, sys *system) int {
	cp, err := sys.app.Checkpoint(ctx)
	if err != nil {
		return fail(e, "checkpoint: %v", err)
	}
	b, err := json.MarshalIndent(cp, "", "  ")
	if err != nil {
		return fail(e, "%v", err)
	}
	fmt.Fprintf(e.stdout, "%s\n", b)
	return 0
}

// runRetention applies the retention rules once (RT-01..RT-08) and prints
// what each class lost, by rule; exit 1 when a step failed (what the others
// did is printed and recorded all the same).
func runRetention(ctx context.Context, e env, args []string) int {
	fs, cf := flags(e, "retention run")
	return onExisting(ctx, e, fs, cf, args, nil, func(sys *system) int {
		rep, err := sys.app.RunRetention(ctx)
		if len(rep.Entries) == 0 {
			fmt.Fprintln(e.stdout, "retention: nothing was due")
		}
		for _, en := range rep.Entries {
			fmt.Fprintln(e.stdout, en.String())
		}
		if err != nil {
			return fail(e, "retention: %v", err)
		}
		return 0
	})
}

func fail(e env, format string, a ...any) int {
	fmt.Fprintf(e.stderr, "samtykke: "+format+"\n", a...)
	return 1
}

func runMigrate(ctx context.Context, e env, args []string) int {
	fs, cf := flags(e, "migrate")
	cfg, code, ok := parse(e, fs, cf, args)
	if !ok {
		return code
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
	if code, ok := parseFlags(e, fs, args); !ok {
		return code
	}
	_, err := config.Load(e.getenv, cf)
	config.Dump(e.stdout, e.getenv, cf)
	if err != nil {
		fmt.Fprintf(e.stderr, "samtykke: configuration is not valid: %v\n", err)
		return 1
	}
	return 0
}

func runLedger(ctx context.Context, e env, args []string) int {
	fs, cf := flags(e, "ledger verify")
	return onExisting(ctx, e, fs, cf, args, nil, func(sys *system) int { return verifyLedger(ctx, e, sys) })
}

func verifyLedger(ctx context.Context, e env, sys *system) int {
	rep, err := sys.app.VerifyLedger(ctx)
	if err != nil {
		fmt.Fprintf(e.stdout, "ledger does NOT verify: %v\n", err)
		return 1
	}
	fmt.Fprintf(e.stdout, "ledger verifies: %d contacts, %d events, %d evidence records, %d consent states and %d suppressions checked\n",
		rep.Contacts, rep.Events, rep.Evidence, rep.States, rep.Suppressions)
	if !rep.Checkpoint.IsZero() {
		fmt.Fprintf(e.stdout, "the chains match the signed checkpoint of %s\n", rep.Checkpoint.Format(time.RFC3339))
	}
	fmt.Fprintf(e.stdout, "access log verifies: %d entries, head seq %d hash %s", rep.Accesses, rep.AccessHead, cmp.Or(rep.AccessHash, "(empty)"))
	if rep.AccessPruned > 0 {
		fmt.Fprintf(e.stdout, ", pruned past retention up to seq %d", rep.AccessPruned)
	}
	fmt.Fprintln(e.stdout)
	if rep.Unchecked > 0 {
		fmt.Fprintf(e.stdout, "not checkable: %d contacts who objected have no number left (erased), so their suppression cannot be looked up\n",
			rep.Unchecked)
	}
	return 0
}
