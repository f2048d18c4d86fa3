// SPDX-License-Identifier: AGPL-3.0-only

package cli

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	"filippo.io/age"

	"github.com/samtykke/samtykke/internal/app"
	"github.com/samtykke/samtykke/internal/backup"
	"github.com/samtykke/samtykke/internal/config"
	"github.com/samtykke/samtykke/internal/store"
	"github.com/samtykke/samtykke/internal/store/postgres"
	"github.com/samtykke/samtykke/internal/store/sqlite"
	"github.com/samtykke/samtykke/internal/vault"
)

// listFlag is a flag that may be given several times.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

// aliasFlags adds the short names of the database flags: --data for
// --data-dir and --database for --database-url.
func aliasFlags(fs *flag.FlagSet, cf map[string]*string) {
	if p := cf["data-dir"]; p != nil {
		fs.Func("data", "the same as --data-dir", func(v string) error { *p = v; return nil })
	}
	if p := cf["database-url"]; p != nil {
		fs.Func("database", "the same as --database-url", func(v string) error { *p = v; return nil })
	}
}

// runBackup writes an encrypted snapshot of the database (S-03).
func runBackup(ctx context.Context, e env, args []string) int {
	// An interrupt ends the snapshot and the deferred clean-up runs: no
	// temporary file stays behind.
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	fs, cf := flags(e, "backup")
	aliasFlags(fs, cf)
	out := fs.String("out", "", "the archive to write; refused if it exists")
	var recipients listFlag
	fs.Var(&recipients, "recipient", "an age recipient (age1...) the archive is encrypted to; repeatable")
	recipientsFile := fs.String("recipients-file", "", "a file of age recipients, one a line")
	cfg, code, ok := parse(e, fs, cf, args)
	if !ok {
		return code
	}
	text := strings.Join(recipients, "\n") + "\n" + e.getenv("SAMTYKKE_BACKUP_RECIPIENTS")
	if *recipientsFile != "" {
		b, err := os.ReadFile(*recipientsFile)
		if err != nil {
			return fail(e, "backup: recipients file: %v", err)
		}
		text += "\n" + string(b)
	}
	rs, err := backup.ParseRecipients(text)
	switch {
	case err != nil:
		return fail(e, "%v", err)
	case len(rs) == 0:
		badUsage(e, fs, "name who can open the backup: --recipient age1..., --recipients-file or SAMTYKKE_BACKUP_RECIPIENTS")
		return 2
	case *out == "":
		badUsage(e, fs, "--out FILE is required")
		return 2
	}
	if _, err := os.Stat(*out); err == nil {
		return fail(e, "backup: %s exists; nothing was written", *out)
	}
	sys, err := open(ctx, cfg, logger(cfg, e.stderr), existing)
	if err != nil {
		return fail(e, "%v", err)
	}
	defer sys.store.Close()
	m, n, err := writeBackup(ctx, cfg, sys, *out, rs)
	if err != nil {
		return fail(e, "backup: %v; nothing was written", err)
	}
	fmt.Fprintf(e.stdout, "backup written: %s (%d bytes; %s, schema %d, taken %s; master key fingerprint %s, not in the backup)\n",
		*out, n, m.Store, m.SchemaVersion, m.CreatedAt.Format(time.RFC3339), m.KeyFingerprint[:12])
	return 0
}

// writeBackup writes the archive to a temporary file beside out, renamed to
// out once whole; it returns the manifest and the archive's size. On error
// every file it made is removed.
func writeBackup(ctx context.Context, cfg config.Config, sys *system, out string, rs []age.Recipient) (m backup.Manifest, size int64, err error) {
	tmp := out + ".partial"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return m, 0, err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	m = backup.Manifest{Store: sys.store.Backend(), CreatedAt: time.Now().UTC().Truncate(time.Second),
		KeyFingerprint: backup.Fingerprint(sys.vault.Fingerprint()), Version: buildVersion()}
	switch st := sys.store.(type) {
	case *sqlite.Store:
		// The snapshot file is as sealed as the database; it lives in a
		// 0700 folder beside it only until it is encrypted, and goes on
		// any error too.
		removeStale(cfg.DataDir, ".backup-*")
		dir, err := os.MkdirTemp(cfg.DataDir, ".backup-")
		if err != nil {
			return m, 0, err
		}
		defer os.RemoveAll(dir)
		snap := filepath.Join(dir, "samtykke.db")
		info, err := st.Snapshot(ctx, snap)
		if err != nil {
			return m, 0, err
		}
		m.SchemaVersion = info.SchemaVersion
		w, err := backup.NewWriter(f, m, rs...)
		if err != nil {
			return m, 0, err
		}
		if err := copyPart(w, "samtykke.db", snap); err != nil {
			return m, 0, err
		}
		if err := w.Close(); err != nil {
			return m, 0, err
		}
	case *postgres.Store:
		sn, err := st.Snapshot(ctx)
		if err != nil {
			return m, 0, err
		}
		defer sn.Close()
		m.SchemaVersion, m.QueueVersion = sn.Info().SchemaVersion, sn.Info().QueueVersion
		w, err := backup.NewWriter(f, m, rs...)
		if err != nil {
			return m, 0, err
		}
		if err := sn.WriteParts(ctx, w.Part); err != nil {
			return m, 0, err
		}
		if err := w.Close(); err != nil {
			return m, 0, err
		}
	default:
		return m, 0, fmt.Errorf("a %s store cannot be backed up", sys.store.Backend())
	}
	if err := f.Sync(); err != nil {
		return m, 0, err
	}
	fi, err := f.Stat()
	if err != nil {
		return m, 0, err
	}
	if err := f.Close(); err != nil {
		return m, 0, err
	}
	if err := os.Link(tmp, out); err != nil { // never over a file that appeared meanwhile
		return m, 0, err
	}
	os.Remove(tmp)
	return m, fi.Size(), nil
}

// removeStale removes what a backup or restore killed before its clean-up
// left in the data folder (a snapshot, as sealed as the database): files
// matching pattern older than a day, which no run still uses.
func removeStale(dir, pattern string) {
	old, _ := filepath.Glob(filepath.Join(dir, pattern))
	for _, p := range old {
		if fi, err := os.Stat(p); err == nil && time.Since(fi.ModTime()) > 24*time.Hour {
			os.RemoveAll(p)
		}
	}
}

func copyPart(w *backup.Writer, name, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	p, err := w.Part(name)
	if err != nil {
		return err
	}
	if _, err := io.Copy(p, f); err != nil {
		return err
	}
	return p.Close()
}

// runRestore restores an archive into an empty data folder or an empty
// PostgreSQL schema, then erases again whoever the erasure journal names
// (S-03). Whatever it refuses, it changes nothing.
func runRestore(ctx context.Context, e env, args []string) int {
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	fs, cf := flags(e, "restore")
	aliasFlags(fs, cf)
	in := fs.String("in", "", "the archive to restore")
	identity := fs.String("identity", "", "a file holding the age identity (AGE-SECRET-KEY-1...) that opens the archive")
	var journals listFlag
	fs.Var(&journals, "erasures", "an erasure journal to re-apply (default SAMTYKKE_ERASURE_JOURNAL, or erasures.jsonl in the data folder); repeatable, one per replica")
	noJournal := fs.Bool("no-erasure-journal", false, "restore with no erasure journal: whoever was erased after the backup comes back (only when none was ever erased since)")
	cfg, code, ok := parse(e, fs, cf, args)
	if !ok {
		return code
	}
	if *in == "" || *identity == "" {
		badUsage(e, fs, "--in FILE and --identity FILE are required")
		return 2
	}
	rep, err := restore(ctx, e, cfg, *in, *identity, journals, *noJournal)
	if err != nil {
		return fail(e, "restore: %v", err)
	}
	fmt.Fprintln(e.stdout, rep)
	return 0
}

// restore does runRestore's work and returns what to print.
func restore(ctx context.Context, e env, cfg config.Config, in, identityFile string, journals []string, noJournal bool) (string, error) {
	idText, err := os.ReadFile(identityFile)
	if err != nil {
		return "", fmt.Errorf("identity: %w", err)
	}
	ids, err := age.ParseIdentities(bytes.NewReader(idText))
	if err != nil {
		return "", fmt.Errorf("identity %s: %w", identityFile, err)
	}
	f, err := os.Open(in)
	if err != nil {
		return "", err
	}
	defer f.Close()
	r, err := backup.NewReader(f, ids...)
	if err != nil {
		return "", fmt.Errorf("%s: %w; nothing was changed", in, err)
	}
	m := r.Manifest()
	switch {
	case m.Store == "sqlite" && cfg.DatabaseURL != "":
		return "", errors.New("this is a backup of a SQLite database: restore it with --data-dir, not --database-url; nothing was changed")
	case m.Store == "postgres" && cfg.DatabaseURL == "":
		return "", errors.New("this is a backup of a PostgreSQL database: restore it with --database-url into an empty schema; nothing was changed")
	case m.Store != "sqlite" && m.Store != "postgres":
		return "", fmt.Errorf("%w: store %q", backup.ErrDamaged, m.Store)
	}
	if newest := sqlite.NewestMigration(); m.SchemaVersion > newest {
		return "", fmt.Errorf("the backup was made by a newer samtykke (schema %d; this one knows up to %d): "+
			"restore it with that version or a newer one; nothing was changed", m.SchemaVersion, newest)
	}
	v, _, err := vault.Load(cfg.DataDir, cfg.MasterKey, false)
	if err != nil {
		return "", fmt.Errorf("%w: the master key the backup was made with (fingerprint %s) must be in %s or SAMTYKKE_MASTER_KEY; "+
			"nothing was changed", err, m.KeyFingerprint[:min(12, len(m.KeyFingerprint))], filepath.Join(cfg.DataDir, "master.key"))
	}
	if fp := backup.Fingerprint(v.Fingerprint()); fp != m.KeyFingerprint {
		return "", fmt.Errorf("the master key (fingerprint %s) is not the key the backup was made with (fingerprint %s): "+
			"its data would not open; restore that master.key or SAMTYKKE_MASTER_KEY; nothing was changed",
			fp[:12], m.KeyFingerprint[:min(12, len(m.KeyFingerprint))])
	}
	erased, from, err := readJournals(cfg, journals, noJournal)
	if err != nil {
		return "", err
	}
	ac := appConfig(cfg)
	ac.Journal = nil      // what is re-applied is in the journal already
	ac.CheckpointDir = "" // the witness may hold checkpoints newer than the backup
	log := logger(cfg, e.stderr)
	var did app.Reapplied
	var where string
	if m.Store == "sqlite" {
		where = cfg.DataDir
		did, err = restoreSQLite(ctx, cfg, r, v, ac, log, erased)
	} else {
		where = "the PostgreSQL database"
		did, err = restorePostgres(ctx, cfg, r, v, ac, log, erased)
	}
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("restored the %s backup taken %s (schema %d) into %s\n"+
		"erasures re-applied from %s: %d erased again (erased after the backup), %d erased in the backup already, "+
		"%d not in the backup (made after it); %d suppression tokens put back",
		m.Store, m.CreatedAt.Format(time.RFC3339), m.SchemaVersion, where, from, did.Erased, did.AlreadyErased, did.Unknown, did.Suppressed), nil
}

// readJournals reads the erasure journals to re-apply, and says which.
func readJournals(cfg config.Config, paths []string, none bool) ([]backup.Erased, string, error) {
	if none {
		if len(paths) > 0 {
			return nil, "", errors.New("--erasures and --no-erasure-journal contradict each other")
		}
		return nil, "no journal (--no-erasure-journal)", nil
	}
	if len(paths) == 0 {
		p := cfg.ErasureJournalPath()
		if _, err := os.Stat(p); err != nil {
			return nil, "", fmt.Errorf("no erasure journal at %s (%v): without it, whoever was erased after the backup would come back. "+
				"Name it with --erasures FILE (SAMTYKKE_ERASURE_JOURNAL of the lost installation), or, only if nobody was erased "+
				"since the backup, --no-erasure-journal; nothing was changed", p, err)
		}
		paths = []string{p}
	}
	var all []backup.Erased
	for _, p := range paths {
		f, err := os.Open(p)
		if err != nil {
			return nil, "", fmt.Errorf("erasure journal: %w; nothing was changed", err)
		}
		es, err := backup.ReadJournal(f)
		f.Close()
		if err != nil {
			return nil, "", fmt.Errorf("%s: %w; nothing was changed", p, err)
		}
		all = append(all, es...)
	}
	return all, strings.Join(paths, ", "), nil
}

// restoreSQLite restores into an empty data folder: the database is
// written to a temporary file there, checked, migrated and rid of the
// erasures made since, and only then renamed into place. On any error
// nothing is left (and a folder it made goes too).
func restoreSQLite(ctx context.Context, cfg config.Config, r *backup.Reader, v *vault.Vault, ac app.Config,
	log *slog.Logger, erased []backup.Erased) (did app.Reapplied, err error) {
	target := cfg.SQLitePath()
	for _, p := range []string{target, target + "-wal", target + "-shm"} {
		if _, err := os.Stat(p); err == nil {
			return did, fmt.Errorf("the data folder %s is not empty: %s exists. Restore into a folder with no database "+
				"(its master.key and erasure journal may stay); nothing was changed", cfg.DataDir, filepath.Base(p))
		}
	}
	made := false
	if _, err := os.Stat(cfg.DataDir); errors.Is(err, os.ErrNotExist) {
		made = true
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return did, err
	}
	removeStale(cfg.DataDir, ".restore-*")
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	tmp := filepath.Join(cfg.DataDir, ".restore-"+hex.EncodeToString(b)+".db")
	defer func() {
		if err != nil {
			for _, p := range []string{tmp, tmp + "-wal", tmp + "-shm"} {
				os.Remove(p)
			}
			if made {
				os.Remove(cfg.DataDir)
			}
			err = fmt.Errorf("%w; nothing was changed", err)
		}
	}()
	name, part, err := r.Next()
	if err != nil {
		return did, err
	}
	if name != "samtykke.db" {
		return did, fmt.Errorf("%w: part %q where the database was expected", backup.ErrDamaged, name)
	}
	if err := sqlite.RestoreFile(ctx, part, tmp); err != nil {
		return did, err
	}
	if _, _, err := r.Next(); !errors.Is(err, io.EOF) {
		return did, errors.Join(err, errors.New("the archive goes on after the database"))
	}
	st, err := sqlite.Open(ctx, tmp)
	if err != nil {
		return did, err
	}
	did, err = afterRestore(ctx, st, v, ac, log, erased)
	err = errors.Join(err, st.Scrub(ctx), st.Close())
	if err != nil {
		return did, err
	}
	for _, p := range []string{tmp + "-wal", tmp + "-shm"} {
		if fi, err := os.Stat(p); err == nil && fi.Size() > 0 && strings.HasSuffix(p, "-wal") {
			return did, errors.New("the restored database's write-ahead log was not emptied")
		}
		os.Remove(p)
	}
	if err := os.Link(tmp, target); err != nil { // never over a database that appeared meanwhile
		return did, err
	}
	os.Remove(tmp)
	return did, nil
}

// restorePostgres restores into an empty schema, in one transaction, then
// migrates it and re-applies the erasures made since.
func restorePostgres(ctx context.Context, cfg config.Config, r *backup.Reader, v *vault.Vault, ac app.Config,
	log *slog.Logger, erased []backup.Erased) (app.Reapplied, error) {
	st, err := postgres.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return app.Reapplied{}, fmt.Errorf("%w; nothing was changed", err)
	}
	defer st.Close()
	m := r.Manifest()
	if err := st.Restore(ctx, store.SnapshotInfo{SchemaVersion: m.SchemaVersion, QueueVersion: m.QueueVersion}, r.Next); err != nil {
		return app.Reapplied{}, fmt.Errorf("%w; nothing was changed", err)
	}
	did, err := afterRestore(ctx, st, v, ac, log, erased)
	if err != nil {
		return did, fmt.Errorf("the backup was restored, but then: %w. Do not serve from it: empty the schema and restore again", err)
	}
	return did, nil
}

// afterRestore brings a restored database's schema up to date, checks that
// the master key is the one it records, and erases again whoever the
// journal names (S-03).
func afterRestore(ctx context.Context, st store.Store, v *vault.Vault, ac app.Config, log *slog.Logger,
	erased []backup.Erased) (app.Reapplied, error) {
	if err := st.Migrate(ctx); err != nil {
		return app.Reapplied{}, err
	}
	fp, err := st.KeyFingerprint(ctx)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return app.Reapplied{}, err
	}
	if fp != nil && !bytes.Equal(fp, v.Fingerprint()) {
		return app.Reapplied{}, errors.New("the restored database records another master key than its manifest")
	}
	return app.New(st, v, ac, log).ReapplyErasures(ctx, erased)
}

// buildVersion is the version line of this binary, for the manifest.
func buildVersion() string {
	bi, _ := debug.ReadBuildInfo()
	return versionLine(bi)
}
