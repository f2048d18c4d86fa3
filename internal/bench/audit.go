// SPDX-License-Identifier: AGPL-3.0-only

package bench

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/samtykke/samtykke/internal/app"
	"github.com/samtykke/samtykke/internal/audit"
	"github.com/samtykke/samtykke/internal/campaign"
	"github.com/samtykke/samtykke/internal/consent"
	"github.com/samtykke/samtykke/internal/contact"
	"github.com/samtykke/samtykke/internal/ledger"
	"github.com/samtykke/samtykke/internal/notice"
	"github.com/samtykke/samtykke/internal/staff"
	"github.com/samtykke/samtykke/internal/store"
	"github.com/samtykke/samtykke/internal/vault"
)

// AuditConfig is the audit scenario: a list of Contacts who each asked for
// offers on the web and confirmed from their WhatsApp — a data key, a
// sealed number, two chained events with their sealed evidence, the folded
// state — and Messages campaign message records spread over campaigns to
// all of them; some objected since. The audit runs over it, after a bare
// scan of the same tables (the floor) in the same run.
type AuditConfig struct {
	Contacts int
	Messages int
	Backends []string
	// Open makes a fresh, migrated database of a backend for one run; the
	// audit needs its Bulk and Scan.
	Open     func(ctx context.Context, backend string) (Database, error)
	Progress io.Writer
	// Profile, when set, is started when the audit starts and stopped when
	// it ends (the seeding and the floor are not profiled).
	Profile func() (stop func())
	// ObjectEvery: every ObjectEvery-th contact objected after the last
	// campaign (default 100). ViolateEvery: every ViolateEvery-th contact
	// objected before the last campaign's message to it instead, a message
	// the gate would have refused: the audit must find each (default
	// 10,000; a multiple of ObjectEvery).
	ObjectEvery, ViolateEvery int
	// NoCheckpoint leaves out the signed checkpoint of the chains that is
	// made before the audit (where SAMTYKKE_CHECKPOINT_DIR is set, the
	// verification compares the chains with one).
	NoCheckpoint bool
}

func (c AuditConfig) logf(format string, a ...any) {
	if c.Progress != nil {
		fmt.Fprintf(c.Progress, format+"\n", a...)
	}
}

// AuditResult is what one backend measured.
type AuditResult struct {
	Backend  string `json:"backend"`
	Contacts int64  `json:"contacts"`
	Messages int64  `json:"messages"`
	Events   int64  `json:"events"`
	// SeedSeconds is how long the seeding took (the rows made, sealed and
	// copied in; the statistics refreshed).
	SeedSeconds float64 `json:"seed_seconds"`
	// FloorSeconds is a bare scan of the tables the audit reads, every row
	// of each sent to the client once; FloorByTable splits it.
	FloorSeconds float64            `json:"floor_seconds"`
	FloorByTable map[string]float64 `json:"floor_seconds_by_table"`
	// AuditSeconds is the audit, from the call to the stored report.
	AuditSeconds float64 `json:"audit_seconds"`
	Ratio        float64 `json:"ratio_to_floor"`
	// CPUSeconds is the CPU this process and PostgreSQL's used during the
	// audit; DBCPUSeconds PostgreSQL's part.
	CPUSeconds   float64 `json:"cpu_seconds"`
	DBCPUSeconds float64 `json:"db_cpu_seconds"`
	PeakRSSMB    float64 `json:"peak_rss_mb"`
	// CheckSeconds is each check's time; Found what each found (its
	// count) and Status its verdict.
	CheckSeconds map[string]float64 `json:"check_seconds"`
	Found        map[string]int64   `json:"found"`
	Status       map[string]string  `json:"status"`
	// Violations is how many unsound messages were seeded: the dispatch
	// check must find exactly these.
	Violations int64 `json:"violations_seeded"`
}

// Audit runs the audit scenario on each backend in turn.
func Audit(ctx context.Context, cfg AuditConfig) ([]AuditResult, error) {
	if cfg.Contacts <= 0 {
		cfg.Contacts = 1000000
	}
	if cfg.Messages <= 0 {
		cfg.Messages = 10 * cfg.Contacts
	}
	if cfg.ObjectEvery <= 0 {
		cfg.ObjectEvery = 100
	}
	if cfg.ViolateEvery <= 0 {
		cfg.ViolateEvery = 10000
	}
	if cfg.ViolateEvery%cfg.ObjectEvery != 0 {
		return nil, fmt.Errorf("ViolateEvery (%d) must be a multiple of ObjectEvery (%d)", cfg.ViolateEvery, cfg.ObjectEvery)
	}
	var out []AuditResult
	for _, b := range cfg.Backends {
		r, err := auditOne(ctx, cfg, b)
		if err != nil {
			return out, fmt.Errorf("%s: %w", b, err)
		}
		out = append(out, r)
	}
	return out, nil
}

// auditTables are the tables the audit reads, which the floor scans.
var auditTables = []string{"contacts", "contact_keys", "consent_events", "consent_states", "suppressions", "messages",
	"confirmations", "optout_timings", "rights_requests", "access_log", "webhook_inbox", "webhook_seen", "notices", "purposes",
	"ledger_checkpoints", "ledger_checkpoint_heads"}

func auditOne(ctx context.Context, cfg AuditConfig, backend string) (AuditResult, error) {
	res := AuditResult{Backend: backend, FloorByTable: map[string]float64{}, CheckSeconds: map[string]float64{},
		Found: map[string]int64{}, Status: map[string]string{}}
	db, err := cfg.Open(ctx, backend)
	if err != nil {
		return res, err
	}
	defer db.Close()
	if db.Bulk == nil || db.Scan == nil {
		return res, fmt.Errorf("the audit benchmark needs a database with Bulk and Scan")
	}
	master := make([]byte, vault.KeySize)
	if _, err := rand.Read(master); err != nil {
		return res, err
	}
	v, err := vault.New(master)
	if err != nil {
		return res, err
	}
	a := app.New(db.Store, v, app.Config{BusinessName: "Butikken AS"}, slog.New(slog.DiscardHandler))
	began := time.Now()
	s := &auditSeed{cfg: cfg, db: db, v: v, a: a, backend: backend}
	if err := s.run(ctx); err != nil {
		return res, fmt.Errorf("seed: %w", err)
	}
	res.SeedSeconds = time.Since(began).Seconds()
	res.Contacts, res.Messages, res.Events, res.Violations = int64(cfg.Contacts), s.messages, s.events, s.violations
	cfg.logf("%s: seeded %d contacts, %d events and %d messages in %.0f s", backend, res.Contacts, res.Events, res.Messages, res.SeedSeconds)

	// The floor: every row of each table the audit reads, once, read warm
	// (a first pass fills the caches, as the audit finds them after it).
	floor := func(record bool) error {
		for _, t := range auditTables {
			t0 := time.Now()
			if _, err := db.Scan(ctx, "SELECT * FROM "+t); err != nil {
				return fmt.Errorf("scan %s: %w", t, err)
			}
			if record {
				res.FloorByTable[t] = time.Since(t0).Seconds()
				res.FloorSeconds += res.FloorByTable[t]
			}
		}
		return nil
	}
	if err := floor(false); err != nil {
		return res, err
	}
	if err := floor(true); err != nil {
		return res, err
	}
	cfg.logf("%s: a bare scan of the audit's tables took %.1f s", backend, res.FloorSeconds)

	if cfg.Profile != nil {
		defer cfg.Profile()()
	}
	resetPeakRSS()
	cpu := cpuFrom(backend)
	t0 := time.Now()
	rep, err := a.RunAudit(ctx, app.Actor{Name: "bench", Role: staff.Auditor})
	if err != nil {
		return res, fmt.Errorf("audit: %w", err)
	}
	res.AuditSeconds = time.Since(t0).Seconds()
	total, dbCPU := cpu()
	res.CPUSeconds, res.DBCPUSeconds, res.PeakRSSMB = total.Seconds(), dbCPU.Seconds(), peakRSSMB()
	if res.FloorSeconds > 0 {
		res.Ratio = res.AuditSeconds / res.FloorSeconds
	}
	for _, f := range rep.Findings {
		res.CheckSeconds[f.Check] = float64(f.DurationMS) / 1000
		res.Found[f.Check], res.Status[f.Check] = f.Count, string(f.Status)
	}
	cfg.logf("%s: the audit took %.1f s, %.1f times the floor", backend, res.AuditSeconds, res.Ratio)
	if d, _ := rep.Finding(audit.CheckDispatch); d.Count != s.violations {
		return res, fmt.Errorf("the audit found %d unsound dispatches; %d were seeded", d.Count, s.violations)
	}
	return res, nil
}

// auditSeed makes the scenario's data.
type auditSeed struct {
	cfg     AuditConfig
	db      Database
	v       *vault.Vault
	a       *app.App
	backend string
	notice  notice.Notice
	t0      time.Time // the first opt-in's time; campaign k is decided k days later
	// campaigns is how many campaigns the messages are spread over.
	campaigns int

	events, messages, violations int64
}

const benchDay = 24 * time.Hour

func (s *auditSeed) run(ctx context.Context) error {
	admin := app.Actor{Name: "bench", Role: staff.Admin}
	if _, err := s.a.CreatePurpose(ctx, admin, consent.Purpose{Key: "offers", Channel: consent.WhatsApp, Basis: consent.BasisConsent,
		RetentionDays: 365, Description: consent.Text{NB: "Tilbud", EN: "Offers"}}); err != nil {
		return err
	}
	for _, lang := range []string{"nb", "en"} {
		n := notice.Notice{Language: lang, Summary: "Butikken AS sender tilbud på WhatsApp når du har sagt ja."}
		for _, it := range notice.Required {
			n.Sections = append(n.Sections, notice.Section{Item: it, Title: string(it), Body: "Tekst om " + string(it)})
		}
		n, err := s.a.CreateNotice(ctx, admin, n)
		if err == nil {
			n, err = s.a.PublishNotice(ctx, admin, n.ID)
		}
		if err != nil {
			return err
		}
		if lang == "nb" {
			s.notice = n
		}
	}
	now := time.Now().UTC().Truncate(time.Microsecond)
	if err := s.db.Store.Tx(ctx, func(tx store.Tx) error { return tx.RecordKeyFingerprint(ctx, s.v.Fingerprint(), now) }); err != nil {
		return err
	}
	s.campaigns = max(s.cfg.Messages/s.cfg.Contacts, 1)
	s.t0 = now.Add(-time.Duration(s.campaigns+5) * benchDay)
	s.cfg.logf("%s: seeding %d contacts (sealed, chained) with %d workers", s.backend, s.cfg.Contacts, runtime.GOMAXPROCS(0))
	if err := s.contacts(ctx); err != nil {
		return err
	}
	if err := s.campaignMessages(ctx); err != nil {
		return err
	}
	if err := s.db.Exec(ctx, "ANALYZE"); err != nil {
		return err
	}
	if !s.cfg.NoCheckpoint {
		s.cfg.logf("%s: signing a checkpoint of the chains", s.backend)
		if _, err := s.a.Checkpoint(ctx); err != nil {
			return err
		}
	}
	// The DPIA a list this large needs (WP248: large scale, and people from 15).
	d, err := s.a.DPIA(ctx, admin, 0)
	if err == nil {
		_, err = s.a.SaveDPIA(ctx, admin, app.DPIAInput{Description: d.Description, Necessity: d.Necessity,
			RisksSummary: d.RisksSummary, MeasuresSummary: d.MeasuresSummary, Risks: d.Risks})
	}
	return err
}

// seedBatch is how many contacts one copy carries.
const seedBatch = 2000

// contacts makes the contacts, a batch at a time on every core: each
// batch's rows are sealed and chained in Go and copied in, table by table
// (the contacts first: the others refer to them).
func (s *auditSeed) contacts(ctx context.Context) error {
	var next atomic.Int64
	var events, violations atomic.Int64
	workers := runtime.GOMAXPROCS(0)
	errs := make(chan error, workers)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for {
				from := int(next.Add(seedBatch)) - seedBatch
				if from >= s.cfg.Contacts {
					return
				}
				b, err := s.batch(from, min(from+seedBatch, s.cfg.Contacts))
				if err == nil {
					err = b.copy(ctx, s.db)
				}
				if err != nil {
					errs <- err
					return
				}
				events.Add(b.eventCount)
				violations.Add(b.violations)
				if from%(100*seedBatch) == 0 {
					s.cfg.logf("  %d contacts", from)
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	s.events, s.violations = events.Load(), violations.Load()
	return <-errs
}

// seedRows are one batch's rows, by table.
type seedRows struct {
	contacts, keys, events, states, suppressions, timings [][]any
	eventCount, violations                                int64
}

var (
	contactCols     = []string{"id", "phone_ct", "blind_index", "region", "mobile", "language", "restricted", "created_at", "erased_at", "head_seq", "head_hash"}
	keyCols         = []string{"contact_id", "wrapped"}
	eventCols       = []string{"id", "contact_id", "seq", "kind", "purpose", "channel", "at", "method", "source", "actor", "valid_until", "age_confirmed", "evidence_digest", "prev_hash", "hash", "evidence_ct"}
	stateCols       = []string{"contact_id", "purpose", "status", "event_id", "since", "valid_until", "age_ok", "basis"}
	suppressionCols = []string{"token", "reason", "at"}
	timingCols      = []string{"id", "received_at", "committed_at", "via"}
)

func (b *seedRows) copy(ctx context.Context, db Database) error {
	for _, t := range []struct {
		table string
		cols  []string
		rows  [][]any
	}{{"contacts", contactCols, b.contacts}, {"contact_keys", keyCols, b.keys}, {"consent_events", eventCols, b.events},
		{"consent_states", stateCols, b.states}, {"suppressions", suppressionCols, b.suppressions}, {"optout_timings", timingCols, b.timings}} {
		if len(t.rows) == 0 {
			continue
		}
		rows := t.rows
		next := func() []any {
			if len(rows) == 0 {
				return nil
			}
			r := rows[0]
			rows = rows[1:]
			return r
		}
		if err := db.Bulk(ctx, t.table, t.cols, next); err != nil {
			return fmt.Errorf("copy %s: %w", t.table, err)
		}
	}
	return nil
}

// batch makes the rows of contacts from to to (not included). Contact i
// asked on the web at t0 + i ms and confirmed from their WhatsApp a minute
// later; every ObjectEvery-th wrote STOPP a day after the last campaign,
// every ViolateEvery-th an hour before it instead.
func (s *auditSeed) batch(from, to int) (*seedRows, error) {
	b := &seedRows{}
	us := func(t time.Time) int64 { return t.UnixMicro() }
	channelOf := func(string) consent.Channel { return consent.WhatsApp }
	last := s.t0.Add(time.Duration(s.campaigns) * benchDay)
	for i := from; i < to; i++ {
		id := fmt.Sprintf("c%09d", i)
		key, wrapped, err := s.v.NewDataKey()
		if err != nil {
			return nil, err
		}
		e164 := number(i)
		asked := s.t0.Add(time.Duration(i) * time.Millisecond)
		ev := ledger.Evidence{NoticeID: s.notice.ID, NoticeVersion: s.notice.Version, NoticeHash: s.notice.Hash,
			WordingHash: "sha256:7b1f0a0c1e3d5f", Language: "nb", FlowVersion: app.FlowVersion,
			AffirmativeAct: "ticked an unticked box and submitted the form", MinAge: 15, IP: fmt.Sprintf("192.0.2.%d", i%250+1),
			UserAgent: "Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0"}
		requested := ledger.Next(ledger.Head{}, ledger.Event{ID: fmt.Sprintf("e%09d-1", i), ContactID: id, Kind: ledger.Requested,
			Purpose: "offers", Channel: "whatsapp", At: asked, Method: "web_form", Source: "optin_page", Actor: app.Public.String(),
			AgeConfirmed: true}, ev)
		cev := ev
		cev.Extra = map[string]string{"request_event_id": requested.ID}
		cev.ConfirmationChannel, cev.ConfirmationMessageID, cev.Confirmation = "whatsapp", fmt.Sprintf("wamid.ja%d", i), ledger.ConfirmationVerified
		confirmed := ledger.Next(ledger.Head{Seq: 1, Hash: requested.Hash}, ledger.Event{ID: fmt.Sprintf("e%09d-2", i), ContactID: id,
			Kind: ledger.Confirmed, Purpose: "offers", Channel: "whatsapp", At: asked.Add(time.Minute), Method: "whatsapp",
			Source: "double_optin", Actor: app.Public.String(), AgeConfirmed: true}, cev)
		chain := []ledger.Event{requested, confirmed}
		evidence := []ledger.Evidence{ev, cev}
		if i%s.cfg.ObjectEvery == s.cfg.ObjectEvery-1 {
			at := last.Add(benchDay)
			if i%s.cfg.ViolateEvery == s.cfg.ViolateEvery-1 {
				at = last.Add(-time.Hour) // before the last campaign's message to them
				b.violations++
			}
			oev := ledger.Evidence{Reason: "keyword"}
			objected := ledger.Next(ledger.Head{Seq: 2, Hash: confirmed.Hash}, ledger.Event{ID: fmt.Sprintf("e%09d-3", i), ContactID: id,
				Kind: ledger.Objected, Channel: "whatsapp", At: at, Method: "keyword", Source: "whatsapp", Actor: app.Public.String()}, oev)
			chain, evidence = append(chain, objected), append(evidence, oev)
			b.suppressions = append(b.suppressions, []any{s.v.SuppressionToken(e164), "objection:keyword", us(at)})
			b.timings = append(b.timings, []any{fmt.Sprintf("t%09d", i), us(at.Add(-time.Duration(2+i%40) * time.Millisecond)), us(at), app.TriggerKeyword})
		}
		fold := consent.NewFold(id, channelOf)
		for j, e := range chain {
			raw, err := json.Marshal(evidence[j])
			if err != nil {
				return nil, err
			}
			b.events = append(b.events, []any{e.ID, e.ContactID, e.Seq, string(e.Kind), e.Purpose, e.Channel, us(e.At), e.Method, e.Source,
				e.Actor, int64(0), e.AgeConfirmed, e.EvidenceDigest, e.PrevHash, e.Hash, key.Seal(raw, contact.AAD(id, "evidence/"+e.ID))})
			fold.Add(e)
		}
		b.eventCount += int64(len(chain))
		head := chain[len(chain)-1]
		b.contacts = append(b.contacts, []any{id, key.Seal([]byte(e164), contact.AAD(id, "phone")), s.v.BlindIndex(e164), "NO", true, "nb",
			false, us(asked), int64(0), head.Seq, head.Hash})
		b.keys = append(b.keys, []any{id, wrapped})
		for _, st := range fold.States() {
			vu := int64(0)
			if !st.ValidUntil.IsZero() {
				vu = us(st.ValidUntil)
			}
			b.states = append(b.states, []any{st.ContactID, st.Purpose, string(st.Status), st.EventID, us(st.Since), vu, st.AgeOK, string(st.Basis)})
		}
	}
	return b, nil
}

// campaignMessages writes the campaigns and their messages in the
// database, a range of contacts a statement: campaign k's message to each
// contact, decided k days after t0, delivered, naming the contact's
// confirmed consent.
func (s *auditSeed) campaignMessages(ctx context.Context) error {
	if err := s.db.Store.Tx(ctx, func(tx store.Tx) error {
		for k := 1; k <= s.campaigns; k++ {
			at := s.t0.Add(time.Duration(k) * benchDay)
			c := campaign.Campaign{ID: fmt.Sprintf("k%d", k), Name: fmt.Sprintf("Tilbud %d", k), Purpose: "offers",
				Template: campaign.Template{Name: "bench_offer", Languages: map[string]campaign.Variant{"nb": {
					Body: "Tilbud fra Butikken AS. https://butikk.example/privacy Svar STOPP for å melde deg av."}}},
				Status: campaign.Done, Audience: int64(s.cfg.Contacts), Walked: true, CreatedAt: at.Add(-time.Hour), StartedAt: at, FinishedAt: at.Add(time.Hour)}
			if err := tx.CreateCampaign(ctx, c); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		return err
	}
	per := s.cfg.Messages / s.campaigns
	contacts := min(per, s.cfg.Contacts)
	const chunk = 50000
	for from := 0; from < contacts; from += chunk {
		to := min(from+chunk, contacts)
		if err := s.db.Exec(ctx, `WITH RECURSIVE k(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM k WHERE n < $1)
			INSERT INTO messages (id, contact_id, kind, purpose, consent_event_id, body_key, status, error_code, error_title,
				created_at, updated_at, campaign_id, decided_at)
			SELECT 'k' || CAST(k.n AS TEXT) || ':' || c.id, c.id, 'campaign', 'offers', 'e' || substr(c.id, 2) || '-2', '', 'delivered', 0, '',
				CAST($2 AS BIGINT) + k.n * CAST($3 AS BIGINT), CAST($2 AS BIGINT) + k.n * CAST($3 AS BIGINT) + 60000000,
				'k' || CAST(k.n AS TEXT), CAST($2 AS BIGINT) + k.n * CAST($3 AS BIGINT)
			FROM contacts c, k WHERE c.id >= $4 AND c.id < $5`,
			s.campaigns, s.t0.UnixMicro(), benchDay.Microseconds(), fmt.Sprintf("c%09d", from), fmt.Sprintf("c%09d", to)); err != nil {
			return err
		}
		s.messages += int64(to-from) * int64(s.campaigns)
		if from%(10*chunk) == 0 {
			s.cfg.logf("  %d messages", s.messages)
		}
	}
	return nil
}

// ScanOf reads every row of a query on a store's database, every column as
// the driver gives it, for Database.Scan: the audit's floor.
func ScanOf(st store.Store) func(ctx context.Context, q string) (int64, error) {
	switch db := st.(type) {
	case interface{ Pool() *pgxpool.Pool }:
		return func(ctx context.Context, q string) (int64, error) {
			rows, err := db.Pool().Query(ctx, q)
			if err != nil {
				return 0, err
			}
			defer rows.Close()
			var n int64
			for rows.Next() {
				_ = rows.RawValues()
				n++
			}
			return n, rows.Err()
		}
	case interface{ Writer() *sql.DB }:
		return func(ctx context.Context, q string) (int64, error) {
			rows, err := db.Writer().QueryContext(ctx, q)
			if err != nil {
				return 0, err
			}
			defer rows.Close()
			cols, err := rows.Columns()
			if err != nil {
				return 0, err
			}
			vals := make([]sql.RawBytes, len(cols))
			dest := make([]any, len(cols))
			for i := range vals {
				dest[i] = &vals[i]
			}
			var n int64
			for rows.Next() {
				if err := rows.Scan(dest...); err != nil {
					return n, err
				}
				n++
			}
			return n, rows.Err()
		}
	}
	return func(context.Context, string) (int64, error) { return 0, fmt.Errorf("no scan for a %T", st) }
}
