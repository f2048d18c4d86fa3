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
	name     string // with its verb: "token create"
	synopsis string // what follows the name, besides [flags]
	summary  string // one line
	example  string
	// config names the configuration flags the command takes.
	config []string
	// env lists every environment variable in the command's help.
	env bool
	run func(ctx context.Context, e env, args []string) int
}

// dbFlags are the configuration flags of every command that opens the database.
var dbFlags = []string{"data-dir", "database-url"}

func commands() []command {
	return []command{
		{name: "serve", summary: "run the service: HTTP API, public pages, webhooks and the queue (migrates at start)",
			config: []string{"data-dir", "database-url", "addr"}, env: true, run: runServe,
			example: "SAMTYKKE_PUBLIC_URL=https://samtykke.example.no samtykke serve --addr 127.0.0.1:8080 --data-dir /var/lib/samtykke"},
		{name: "migrate", summary: "apply database migrations", config: dbFlags, run: runMigrate,
			example: "samtykke migrate --database-url postgres://samtykke@db.internal/samtykke"},
		{name: "token create", synopsis: "--role ROLE [--name NAME] [--expires 90d]", config: dbFlags, run: runToken,
			summary: "make an API token and print it alone on standard output",
			example: "samtykke token create --role integrator --name nettbutikken --expires 90d --data-dir ./samtykke-data"},
		{name: "token list", config: dbFlags, run: runTokenList,
			summary: "every API token: id, role, name, created, expires, revoked (never the secret)",
			example: "samtykke token list --data-dir ./samtykke-data"},
		{name: "token revoke", synopsis: "ID", config: dbFlags, run: runTokenRevoke,
			summary: "revoke an API token: refused at once, on every replica",
			example: "samtykke token revoke 019a2b3c-4d5e-7f60-8a9b-0c1d2e3f4a5b --data-dir ./samtykke-data"},
		{name: "user create", synopsis: "--name NAME --role ROLE", config: dbFlags, run: runUserCreate,
			summary: "make a staff account of the admin UI (the first admin, for one); the password is read from standard input, without echo at a terminal; a role that may reveal numbers gets its TOTP key printed",
			example: "samtykke user create --name kari@butikken.no --role admin --data-dir ./samtykke-data"},
		{name: "user list", config: dbFlags, run: runUserList,
			summary: "every staff account: id, name, role, TOTP (yes, no, or due at the first login), created, disabled, last login",
			example: "samtykke user list --data-dir ./samtykke-data"},
		{name: "user disable", synopsis: "ID|NAME", config: dbFlags, run: runUserDisable,
			summary: "disable a staff account: its sessions end at once, on every replica, and it cannot log in",
			example: "samtykke user disable kari@butikken.no --data-dir ./samtykke-data"},
		{name: "ledger verify", summary: "recompute every consent chain, the consent states and suppressions it gives, and the access log's chain; exit 1 naming the first fault",
			config: dbFlags, run: runLedger, example: "samtykke ledger verify --data-dir ./samtykke-data"},
		{name: "ledger checkpoint", summary: "sign a checkpoint of every consent chain and the access log's head now, store it (and write it to SAMTYKKE_CHECKPOINT_DIR) and print it as JSON with its public key",
			config: dbFlags, run: runCheckpoint, example: "SAMTYKKE_CHECKPOINT_DIR=/mnt/witness samtykke ledger checkpoint --data-dir ./samtykke-data"},
		{name: "retention run", summary: "apply every retention rule now, as the daily job does: expiries, purges and erasures, each recorded in the retention log; print what was deleted",
			config: dbFlags, run: runRetention, example: "samtykke retention run --data-dir ./samtykke-data"},
		{name: "breach report", synopsis: "ID", config: dbFlags, run: runBreachReport,
			summary: "draft the Art. 33(3) notification of a breach for Datatilsynet's form, from the register and the configuration (Markdown or JSON)",
			example: "samtykke breach report 019a2b3c-4d5e-7f60-8a9b-0c1d2e3f4a5b --format json --data-dir ./samtykke-data"},
		{name: "breach list", config: dbFlags, run: runBreachList,
			summary: "the breach register: each breach's 72-hour deadline and whether Datatilsynet was notified",
			example: "samtykke breach list --state open --data-dir ./samtykke-data"},
		{name: "receipt verify", synopsis: "FILE [--public-key FILE] [--format text|json]", config: dbFlags, run: runReceipt,
			summary: "check a consent receipt's signature and content with the master key's receipt key (and against the ledger) or a public key file; exit 1 naming what is wrong",
			example: "samtykke receipt verify samtykkekvittering.json --data-dir ./samtykke-data"},
		{name: "keys status", synopsis: "[--format text|json]", config: dbFlags, run: runKeysStatus,
			summary: "the master keys: each one's id, fingerprint, role (active, retiring, retired), creation and age in days, and a rotation's progress",
			example: "samtykke keys status --format json --data-dir /var/lib/samtykke"},
		{name: "keys rotate", config: dbFlags, run: runKeysRotate,
			summary: "make active the new master key given beside the current one; the service moves every contact to it in the background, then retires the old key",
			example: "SAMTYKKE_MASTER_KEY_FILE=/run/secrets/samtykke-keys samtykke keys rotate --data-dir /var/lib/samtykke"},
		{name: "export", synopsis: "[--format csv|json] [--reveal --reason TEXT] [--suppressions]", config: dbFlags, run: runExport,
			summary: "write the list with each contact's consent state per purpose (numbers masked), or the suppression list as keyed hashes, to standard output; recorded in the access log with its row count",
			example: "samtykke export --format csv --data-dir ./samtykke-data > liste.csv"},
		{name: "ropa", synopsis: "[--format md|html|json]", config: dbFlags, run: runRopa,
			summary: "the Art. 30 record of processing, made from the configuration and the purposes; exit 1 naming each missing Art. 30(1) item",
			example: "samtykke ropa --format html --data-dir ./samtykke-data > behandlingsprotokoll.html"},
		{name: "dpia", synopsis: "[--format md|html|json] [--version N]", config: dbFlags, run: runDPIA,
			summary: "the DPIA: the newest saved version, or a draft from the record of processing and the WP248 screening",
			example: "samtykke dpia --format md --data-dir ./samtykke-data"},
		{name: "audit", config: dbFlags, run: runAudit,
			summary: "run the compliance audit and store its report; print each check's verdict and what it found (exit 0 even with findings, 1 only when it could not run)",
			example: "samtykke audit --format html --data-dir ./samtykke-data > revisjon.html"},
		{name: "doctor", config: dbFlags, run: runDoctor,
			summary: "check the configuration, the database and its migrations, the master key, the erasure journal, the WhatsApp token and the webhook's secrets; OK or FAIL with the fix, exit 1 on any FAIL",
			example: "samtykke doctor --data-dir /var/lib/samtykke"},
		{name: "import", synopsis: "FILE.csv --purpose KEY [--without-evidence refuse|needs_fresh_consent] [--report FILE] [--format csv|json]",
			config: dbFlags, run: runImport,
			summary: "import a list of consents with their evidence; rows without evidence are refused (or kept as needing fresh consent), suppressed and erased numbers are never brought back; run again to resume",
			example: "samtykke import examples/import.csv --purpose offers --report import-report.csv --data-dir ./samtykke-data"},
		{name: "backup", synopsis: "--out FILE --recipient AGE_RECIPIENT [--recipient ...] [--recipients-file FILE]", config: dbFlags, run: runBackup,
			summary: "write a consistent snapshot of the database, while serve runs, encrypted with age to the recipients (S-03); the master key is not in it",
			example: "samtykke backup --out /mnt/backup/samtykke-$(date +%F).age --recipients-file /etc/samtykke/backup-recipients.txt --data-dir /var/lib/samtykke"},
		{name: "restore", synopsis: "--in FILE --identity FILE [--erasures JOURNAL ...] [--no-erasure-journal]", config: dbFlags, run: runRestore,
			summary: "restore a backup into an empty data folder or PostgreSQL schema, then erase again whoever the erasure journal says was erased since (S-03); refuses a wrong key or a damaged file, changing nothing",
			example: "samtykke restore --in /mnt/backup/samtykke-2026-12-06.age --identity /root/backup-identity.txt --erasures /mnt/journal/erasures.jsonl --data-dir /var/lib/samtykke"},
		{name: "config", summary: "print the configuration serve would use, secrets redacted; exit 1 when it is not valid",
			config: []string{"data-dir", "database-url", "addr"}, run: runConfig, example: "SAMTYKKE_LOG_FORMAT=json samtykke config --data-dir /var/lib/samtykke"},
		{name: "whatsapp-sim", summary: "run a local WhatsApp Cloud API simulator on its own address", run: runSim,
			example: "samtykke whatsapp-sim --addr 127.0.0.1:8090 --webhook http://127.0.0.1:8080/webhooks/whatsapp --app-secret s3cret"},
		{name: "bench dispatch", summary: "the campaign benchmark against the simulator (a benchmark, not a test)", run: runBench,
			example: "samtykke bench dispatch --n 10000 --backends sqlite --latency 250ms --mps 80"},
		{name: "bench audit", summary: "the compliance audit over a seeded list, against a bare scan of the same tables (a benchmark, not a test)",
			run: runBenchAudit, example: "samtykke bench audit --contacts 100000 --messages 1000000 --backends sqlite"},
		{name: "bench import", summary: "the import benchmark: N generated rows through the import, and the backend's bulk-write floor (a benchmark, not a test)",
			run: runBenchImport, example: "samtykke bench import --n 100000 --backends sqlite,postgres --json"},
		{name: "help", synopsis: "[COMMAND]", summary: "this overview, or a command's flags and an example", run: help,
			example: "samtykke help token create"},
		{name: "version", summary: "print the version, the commit and the Go version it was built with", run: runVersion,
			example: "samtykke version"},
	}
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
