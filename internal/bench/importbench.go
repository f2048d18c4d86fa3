// SPDX-License-Identifier: AGPL-3.0-only

package bench

import (
	"bufio"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	mrand "math/rand/v2"
	"os"
	"time"

	"github.com/samtykke/samtykke/internal/app"
	"github.com/samtykke/samtykke/internal/consent"
	"github.com/samtykke/samtykke/internal/importer"
	"github.com/samtykke/samtykke/internal/notice"
	"github.com/samtykke/samtykke/internal/staff"
	"github.com/samtykke/samtykke/internal/tag"
	"github.com/samtykke/samtykke/internal/vault"
)

// ImportConfig is the import scenario (issue 21 point 4).
type ImportConfig struct {
	N        int      // rows in the file
	Backends []string // "sqlite", "postgres"
	// Open makes a fresh, migrated database of a backend for one run.
	Open func(ctx context.Context, backend string) (Database, error)
	// App is the app's configuration, as `samtykke import` makes it; the
	// benchmark declares the tag its rows carry.
	App      app.Config
	Progress io.Writer // progress lines; nil for none
	// Profile, when set, is started when the import starts and stopped when
	// it ends (not the file's writing, nor the floor).
	Profile func() (stop func())
	// Dir is where the file is written (default: the system's temporary
	// folder).
	Dir string
}

// ImportResult is what one backend measured.
type ImportResult struct {
	Backend  string  `json:"backend"`
	Rows     int     `json:"rows"`
	Imported int64   `json:"imported"`
	Seconds  float64 `json:"seconds"`
	RowsPerS float64 `json:"rows_per_second"`
	// FloorPerS is the rate of the backend's fastest bulk write of the same
	// number of rows, the columns and sizes of a contact row, into a table
	// indexed as contacts is (COPY on PostgreSQL, one transaction of a
	// prepared insert on SQLite), and nothing else.
	FloorSeconds float64 `json:"floor_seconds"`
	FloorPerS    float64 `json:"floor_rows_per_second"`
	Ratio        float64 `json:"ratio"` // RowsPerS / FloorPerS
	// CPUPerRowUs is the CPU a row cost (this process and PostgreSQL's),
	// DBCPUPerRowUs the database's part of it.
	CPUPerRowUs   float64 `json:"cpu_per_row_us"`
	DBCPUPerRowUs float64 `json:"db_cpu_per_row_us"`
	FloorCPUUs    float64 `json:"floor_cpu_per_row_us"`
	// RequiredPerS is the rate at which a second fresh database of the
	// backend takes the rows the design requires of every imported consent,
	// and nothing else: the contact, its data key, the consent's ledger
	// event and the consent state, in the tables the migrations made (their
	// indexes and foreign keys), by the same bulk write, table after table.
	// No parsing, hashing, sealing, report or resume record: no import of
	// this design can be faster on this machine.
	RequiredSeconds float64 `json:"required_floor_seconds"`
	RequiredPerS    float64 `json:"required_floor_rows_per_second"`
	RequiredCPUUs   float64 `json:"required_floor_cpu_per_row_us"`
	IdlePct         float64 `json:"idle_percent"` // the machine's idle CPU while the import ran
	PeakRSSMB       float64 `json:"peak_rss_mb"`
	FileMB          float64 `json:"file_mb"`
}

// benchTag is the tag every other row carries.
const benchTag = "nyhetsbrev"

func (c ImportConfig) logf(format string, a ...any) {
	if c.Progress != nil {
		fmt.Fprintf(c.Progress, format+"\n", a...)
	}
}

// Import runs the import scenario on each backend in turn: a file of N
// valid rows imported through the path `samtykke import` runs, then the
// floor in the same database.
func Import(ctx context.Context, cfg ImportConfig) ([]ImportResult, error) {
	if cfg.N <= 0 {
		cfg.N = 1000000
	}
	cfg.App.Tags = append(cfg.App.Tags, tag.Tag{Key: benchTag, Description: consent.Text{NB: "Nyhetsbrev", EN: "Newsletter"}})
	f, err := os.CreateTemp(cfg.Dir, "samtykke-import-*.csv")
	if err != nil {
		return nil, err
	}
	defer os.Remove(f.Name())
	defer f.Close()
	cfg.logf("writing %d rows", cfg.N)
	if err := WriteImportFile(f, cfg.N, time.Now()); err != nil {
		return nil, err
	}
	var out []ImportResult
	for _, b := range cfg.Backends {
		r, err := importOne(ctx, cfg, b, f)
		if err != nil {
			return out, fmt.Errorf("%s: %w", b, err)
		}
		out = append(out, r)
	}
	return out, nil
}

// WriteImportFile writes n valid rows with their evidence, as a shop's
// consent list would have them: numbers of the +47 4xxxxxxx range, unique,
// a first name, a tag on every other row, a confirmed consent collected a
// day before now under the published notice.
func WriteImportFile(w io.Writer, n int, now time.Time) error {
	if n > 10000000 {
		return errors.New("at most 10,000,000 rows: the +47 4xxxxxxx range")
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	fmt.Fprintln(bw, "phone,language,first_name,tags,collected_at,method,affirmative_act,age_confirmed,notice_version,wording,confirmation,confirmation_ref")
	at := now.Add(-24 * time.Hour).UTC().Format(time.RFC3339)
	names := []string{"Kari", "Ola", "Ingrid", "Lars", "Sofie", "Magnus"}
	for i := range n {
		tags := ""
		if i%2 == 0 {
			tags = benchTag
		}
		fmt.Fprintf(bw, "%s,nb,%s,%s,%s,web_form,checkbox,yes,1,\"Ja, jeg vil få tilbud fra Butikken AS på WhatsApp\",whatsapp,wamid.HBgLNDc0%08d\n",
			number(i), names[i%len(names)], tags, at, i)
	}
	return bw.Flush()
}

// importOne imports the file into a fresh database of one backend, then
// measures the floor there.
func importOne(ctx context.Context, cfg ImportConfig, backend string, f *os.File) (ImportResult, error) {
	res := ImportResult{Backend: backend, Rows: cfg.N}
	db, err := cfg.Open(ctx, backend)
	if err != nil {
		return res, err
	}
	defer db.Close()
	master := make([]byte, vault.KeySize)
	_, _ = rand.Read(master)
	v, err := vault.New(master)
	if err != nil {
		return res, err
	}
	a := app.New(db.Store, v, cfg.App, slog.New(slog.DiscardHandler))
	admin := app.Actor{Name: "bench", Role: staff.Admin}
	if err := importPurpose(ctx, a, admin); err != nil {
		return res, err
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return res, err
	}
	if st, err := f.Stat(); err == nil {
		res.FileMB = float64(st.Size()) / (1 << 20)
	}
	cfg.logf("%s: importing %d rows", backend, cfg.N)
	var stop func()
	if cfg.Profile != nil {
		stop = cfg.Profile()
	}
	resetPeakRSS()
	cpu, idle := cpuFrom(backend), machineIdle()
	start := time.Now()
	// What `samtykke import` runs: the file's digest, the import's start, its run.
	digest, _, err := a.FileDigest(f)
	if err == nil {
		_, err = f.Seek(0, io.SeekStart)
	}
	if err != nil {
		return res, err
	}
	imp, _, err := a.StartImport(ctx, admin, app.ImportInput{Purpose: "offers", Source: "cli", FileDigest: digest})
	if err != nil {
		return res, err
	}
	last := time.Now()
	imp, err = a.RunImport(ctx, admin, imp.ID, bufio.NewReaderSize(f, 1<<16), func(imp importer.Import) {
		if now := time.Now(); now.Sub(last) > 5*time.Second {
			last = now
			cfg.logf("  %d rows, %.0f rows/s", imp.Rows, float64(imp.Rows)/now.Sub(start).Seconds())
		}
	})
	el := time.Since(start)
	total, dbCPU := cpu()
	res.IdlePct = idle()
	if stop != nil {
		stop()
	}
	res.PeakRSSMB = peakRSSMB()
	if err != nil {
		return res, err
	}
	res.Imported = imp.Counts[importer.Imported]
	res.Seconds, res.RowsPerS = el.Seconds(), float64(cfg.N)/el.Seconds()
	res.CPUPerRowUs, res.DBCPUPerRowUs = perMessageUs(total, cfg.N), perMessageUs(dbCPU, cfg.N)
	if res.Imported != int64(cfg.N) {
		return res, fmt.Errorf("imported %d of %d rows: %v", res.Imported, cfg.N, imp.Counts)
	}
	cfg.logf("%s: %.0f rows/s; the floor", backend, res.RowsPerS)
	floor, floorCPU, err := importFloor(ctx, db, backend, cfg.N)
	if err != nil {
		return res, fmt.Errorf("floor: %w", err)
	}
	res.FloorSeconds, res.FloorPerS = floor.Seconds(), float64(cfg.N)/floor.Seconds()
	res.FloorCPUUs = perMessageUs(floorCPU, cfg.N)
	res.Ratio = res.RowsPerS / res.FloorPerS
	cfg.logf("%s: the required rows' floor", backend)
	req, reqCPU, err := requiredFloor(ctx, cfg, backend)
	if err != nil {
		return res, fmt.Errorf("the required rows' floor: %w", err)
	}
	res.RequiredSeconds, res.RequiredPerS = req.Seconds(), float64(cfg.N)/req.Seconds()
	res.RequiredCPUUs = perMessageUs(reqCPU, cfg.N)
	return res, nil
}

// importPurpose makes the purpose the file is imported into (a consent
// basis, with a first name) and publishes the notice its rows name.
func importPurpose(ctx context.Context, a *app.App, admin app.Actor) error {
	if _, err := a.CreatePurpose(ctx, admin, consent.Purpose{Key: "offers", Channel: consent.WhatsApp, Basis: consent.BasisConsent,
		RetentionDays: 365, Fields: []string{"first_name"}, Description: consent.Text{NB: "Tilbud", EN: "Offers"}}); err != nil {
		return err
	}
	nt := notice.Notice{Language: "nb", Summary: "Kort."}
	for _, it := range notice.Required {
		nt.Sections = append(nt.Sections, notice.Section{Item: it, Body: "tekst"})
	}
	nt, err := a.CreateNotice(ctx, admin, nt)
	if err == nil {
		_, err = a.PublishNotice(ctx, admin, nt.ID)
	}
	return err
}

// importFloor writes n rows of a contact's columns and sizes (an id, the
// sealed number, its blind index, the sealed first name, the chain's head)
// into a table indexed as contacts is (its id and its unique blind index),
// with the backend's fastest bulk write, and times it. The values come from
// a cheap generator: the floor costs the write and nothing else.
func importFloor(ctx context.Context, db Database, backend string, n int) (time.Duration, time.Duration, error) {
	blob := "BLOB"
	if db.First == 1 {
		blob = "BYTEA"
	}
	if err := db.Exec(ctx, `CREATE TABLE bench_import_floor (id TEXT PRIMARY KEY, phone_ct `+blob+` NOT NULL, blind_index `+blob+` NOT NULL UNIQUE,
		region TEXT NOT NULL, mobile BOOLEAN NOT NULL, language TEXT NOT NULL, fields_ct `+blob+`, restricted BOOLEAN NOT NULL,
		created_at BIGINT NOT NULL, erased_at BIGINT NOT NULL, head_seq BIGINT NOT NULL, head_hash `+blob+` NOT NULL)`); err != nil {
		return 0, 0, err
	}
	defer db.Exec(context.WithoutCancel(ctx), `DROP TABLE bench_import_floor`) //nolint:errcheck
	rng := mrand.NewChaCha8([32]byte{1})
	phone, index, fields, hash := make([]byte, 40), make([]byte, 32), make([]byte, 46), make([]byte, 32)
	created := time.Now().UnixMicro()
	i := 0
	row := make([]any, 12)
	next := func() []any {
		if i == n {
			return nil
		}
		i++
		_, _ = rng.Read(phone)
		_, _ = rng.Read(index)
		_, _ = rng.Read(fields)
		_, _ = rng.Read(hash)
		row[0], row[1], row[2], row[3], row[4], row[5] = fmt.Sprintf("019a2b3c-%04x-7f60-8a9b-%012x", i>>16, i), phone, index, "NO", true, "nb"
		row[6], row[7], row[8], row[9], row[10], row[11] = fields, false, created, int64(0), int64(1), hash
		return row
	}
	cpu := cpuFrom(backend)
	start := time.Now()
	err := db.Bulk(ctx, "bench_import_floor", []string{"id", "phone_ct", "blind_index", "region", "mobile", "language", "fields_ct",
		"restricted", "created_at", "erased_at", "head_seq", "head_hash"}, next)
	el := time.Since(start)
	total, _ := cpu()
	return el, total, err
}

// requiredFloor writes, into a second fresh database of the backend, n
// contacts' required rows (ImportResult.RequiredPerS) with the backend's
// fastest bulk write, a table at a time, parents first, and times it. The
// sizes are the import's: a 40-byte sealed number, a 60-byte wrapped data
// key, a 380-byte sealed evidence, 32-byte hashes.
func requiredFloor(ctx context.Context, cfg ImportConfig, backend string) (time.Duration, time.Duration, error) {
	db, err := cfg.Open(ctx, backend)
	if err != nil {
		return 0, 0, err
	}
	defer db.Close()
	n := cfg.N
	rng := mrand.NewChaCha8([32]byte{2})
	blob := func(size int) []byte {
		b := make([]byte, size)
		_, _ = rng.Read(b)
		return b
	}
	contactID := func(i int) string { return fmt.Sprintf("019a2b3c-%04x-7f60-8a9b-%012x", i>>16, i) }
	eventID := func(i int) string { return fmt.Sprintf("019a2b3d-%04x-7f60-8a9b-%012x", i>>16, i) }
	at := time.Now().UnixMicro()
	// rows gives n rows of one table, each made by row from its number.
	rows := func(row func(i int) []any) func() []any {
		i := 0
		return func() []any {
			if i == n {
				return nil
			}
			i++
			return row(i)
		}
	}
	tables := []struct {
		name string
		cols []string
		row  func(i int) []any
	}{
		{"contacts", []string{"id", "phone_ct", "blind_index", "region", "mobile", "language", "fields_ct", "restricted",
			"created_at", "erased_at", "head_seq", "head_hash"}, func(i int) []any {
			return []any{contactID(i), blob(40), blob(32), "NO", true, "nb", blob(46), false, at, int64(0), int64(1), blob(32)}
		}},
		{"contact_keys", []string{"contact_id", "wrapped"}, func(i int) []any { return []any{contactID(i), blob(60)} }},
		{"consent_events", []string{"id", "contact_id", "seq", "kind", "purpose", "channel", "at", "method", "source", "actor",
			"valid_until", "age_confirmed", "evidence_digest", "hash", "evidence_ct"}, func(i int) []any {
			return []any{eventID(i), contactID(i), int64(1), "given", "offers", "whatsapp", at, "import", "import:bench", "bench",
				int64(0), true, blob(32), blob(32), blob(380)}
		}},
		{"consent_states", []string{"contact_id", "purpose", "status", "event_id", "since", "valid_until", "age_ok", "basis"},
			func(i int) []any {
				return []any{contactID(i), "offers", "active", eventID(i), at, int64(0), true, "consent"}
			}},
	}
	cpu := cpuFrom(backend)
	start := time.Now()
	for _, t := range tables {
		if err := db.Bulk(ctx, t.name, t.cols, rows(t.row)); err != nil {
			return 0, 0, fmt.Errorf("%s: %w", t.name, err)
		}
	}
	el := time.Since(start)
	total, _ := cpu()
	return el, total, nil
}
