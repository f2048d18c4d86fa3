// SPDX-License-Identifier: AGPL-3.0-only

// Package queue works samtykke's River jobs. Workers are thin: each calls one
// app method. Job arguments (package job) carry ids, never personal data.
package queue

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/riverqueue/river"

	"github.com/samtykke/samtykke/internal/access"
	"github.com/samtykke/samtykke/internal/app"
	"github.com/samtykke/samtykke/internal/audit"
	"github.com/samtykke/samtykke/internal/job"
	"github.com/samtykke/samtykke/internal/ledger"
	"github.com/samtykke/samtykke/internal/store"
)

type verifyLedgerWorker struct {
	river.WorkerDefaults[job.VerifyLedger]
	app    *app.App
	log    *slog.Logger
	ok     prometheus.Gauge
	events prometheus.Gauge
}

func (w *verifyLedgerWorker) Work(ctx context.Context, _ *river.Job[job.VerifyLedger]) error {
	rep, err := w.app.VerifyLedger(ctx)
	var fault *ledger.Fault
	if errors.As(err, &fault) {
		w.ok.Set(0)
		w.log.Error("ledger verification failed", "contact_id", fault.ContactID, "event_id", fault.EventID,
			"seq", fault.Seq, "purpose", fault.Purpose, "problem", fault.Problem)
		return nil // a finding, not a job failure: it is in the metric and the log
	}
	var afault *access.Fault
	if errors.As(err, &afault) {
		w.ok.Set(0)
		w.log.Error("access log verification failed", "entry_id", afault.EntryID, "seq", afault.Seq, "problem", afault.Problem)
		return nil
	}
	if err != nil {
		return err
	}
	w.ok.Set(1)
	w.events.Set(float64(rep.Events))
	w.log.Info("ledger verified", "contacts", rep.Contacts, "events", rep.Events)
	return nil
}

// auditTimeout bounds the daily compliance audit, which reads the whole
// database (docs/performance.md: minutes at a million contacts), instead of
// the queue's timeout for ordinary jobs.
const auditTimeout = 4 * time.Hour

type auditWorker struct {
	river.WorkerDefaults[job.Audit]
	app    *app.App
	log    *slog.Logger
	checks *prometheus.GaugeVec
}

// Timeout lets the audit run past the queue's timeout.
func (w *auditWorker) Timeout(*river.Job[job.Audit]) time.Duration { return auditTimeout }

// Work runs the audit as the system and stores its report; its verdicts go
// to samtykke_audit_checks and a line of the log (no personal data: counts
// and the report's id).
func (w *auditWorker) Work(ctx context.Context, _ *river.Job[job.Audit]) error {
	rep, err := w.app.RunAudit(ctx, app.System)
	if err != nil {
		return err
	}
	w.checks.WithLabelValues(string(audit.Pass)).Set(float64(rep.Summary.Pass))
	w.checks.WithLabelValues(string(audit.Warn)).Set(float64(rep.Summary.Warn))
	w.checks.WithLabelValues(string(audit.Fail)).Set(float64(rep.Summary.Fail))
	level := slog.LevelInfo
	if rep.Summary.Fail > 0 {
		level = slog.LevelWarn
	}
	w.log.Log(ctx, level, "compliance audit", "audit_id", rep.ID, "passed", rep.Summary.Pass, "warned", rep.Summary.Warn,
		"failed", rep.Summary.Fail, "duration_ms", rep.DurationMS)
	return nil
}

type sendMessageWorker struct {
	river.WorkerDefaults[job.SendMessage]
	app *app.App
}

func (w *sendMessageWorker) Work(ctx context.Context, j *river.Job[job.SendMessage]) error {
	err := w.app.SendMessage(ctx, j.Args.MessageID)
	var retry *app.RetryError
	if errors.As(err, &retry) {
		return river.JobSnooze(retry.After)
	}
	return err
}

type processInboxWorker struct {
	river.WorkerDefaults[job.ProcessInbox]
	app     *app.App
	failing prometheus.Gauge
}

// Work drains the inbox, waits for the end of the job's period, and drains it
// again: a webhook stored in the period after the first drain found its
// insert deduplicated against this job, and is handled by the second. Each
// drain updates the count of bodies that failed and wait.
func (w *processInboxWorker) Work(ctx context.Context, j *river.Job[job.ProcessInbox]) error {
	if err := w.drain(ctx); err != nil {
		return err
	}
	select {
	case <-time.After(time.Until(j.Args.PeriodEnd(j.ScheduledAt)) + 20*time.Millisecond):
	case <-ctx.Done():
		return ctx.Err()
	}
	return w.drain(ctx)
}

func (w *processInboxWorker) drain(ctx context.Context) error {
	if _, err := w.app.ProcessInbox(ctx); err != nil {
		return err
	}
	n, err := w.app.FailingWebhooks(ctx)
	if err == nil {
		w.failing.Set(float64(n))
	}
	return err
}

type dispatchWorker struct {
	river.WorkerDefaults[job.DispatchCampaign]
	app *app.App
}

// Work dispatches for one slice; a wait means "run me again then".
func (w *dispatchWorker) Work(ctx context.Context, j *river.Job[job.DispatchCampaign]) error {
	wait, err := w.app.DispatchCampaign(ctx, j.Args.CampaignID)
	if err != nil {
		return err
	}
	if wait > 0 {
		return river.JobSnooze(wait)
	}
	return nil
}

// NextRetry retries a failed or rescued dispatch soon: a dispatcher snoozes
// at the end of every slice, and River counts each snooze as an attempt, so
// its default backoff (attempt^4 seconds) would park a long campaign for hours
// after one error or a crash.
func (w *dispatchWorker) NextRetry(*river.Job[job.DispatchCampaign]) time.Time {
	return time.Now().Add(time.Second)
}

type breachNoticesWorker struct {
	river.WorkerDefaults[job.BreachNotices]
	app *app.App
}

// Work tells a breach's people for a slice of the job's time, then lets
// River run it again while some are left (B-05).
func (w *breachNoticesWorker) Work(ctx context.Context, j *river.Job[job.BreachNotices]) error {
	more, err := w.app.TellBreachPeople(ctx, j.Args, 45*time.Second)
	if err != nil {
		return err
	}
	if more {
		return river.JobSnooze(0)
	}
	return nil
}

type importWorker struct {
	river.WorkerDefaults[job.RunImport]
	app *app.App
}

// Work runs an import stored by the API; after a crash it resumes after
// its last committed batch.
func (w *importWorker) Work(ctx context.Context, j *river.Job[job.RunImport]) error {
	return w.app.RunStoredImport(ctx, j.Args)
}

// Timeout: a large list takes minutes; its batches commit as they go.
func (w *importWorker) Timeout(*river.Job[job.RunImport]) time.Duration { return time.Hour }

type rotateKeysWorker struct {
	river.WorkerDefaults[job.RotateKeys]
	app *app.App
}

// Work moves contacts to the active key for a slice of the job's time,
// then lets River run it again while some are left or the grace runs
// (S-01, issue 22 point 4).
func (w *rotateKeysWorker) Work(ctx context.Context, _ *river.Job[job.RotateKeys]) error {
	more, wait, err := w.app.RotateStep(ctx, 45*time.Second)
	if err != nil {
		return err
	}
	if more {
		return river.JobSnooze(wait)
	}
	return nil
}

// run makes a worker of an app call; what it counts is not the job's concern.
func run[T river.JobArgs, N int | int64](f func(context.Context) (N, error)) river.Worker[T] {
	return river.WorkFunc(func(ctx context.Context, _ *river.Job[T]) error {
		_, err := f(ctx)
		return err
	})
}

func periodic(every time.Duration, args river.JobArgs) *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(every),
		func() (river.JobArgs, *river.InsertOpts) { return args, nil }, &river.PeriodicJobOpts{RunOnStart: true})
}

// maxWorkers is how many jobs one process works at once: a campaign per
// sending number (up to ten or so) besides the inbox and single messages.
const maxWorkers = 32

// Config tunes the queue; the zero value is right for production.
type Config struct {
	// JobTimeout cancels a job's context (default 75 s; a dispatch slice is
	// 60 s, then the answers still awaited).
	JobTimeout time.Duration
	// RescueStuckAfter is when a job whose process died is run again by
	// another replica (default 90 s); a process that restarts takes its own
	// back at once.
	RescueStuckAfter time.Duration
	// ID is this process's River client id, the same across its restarts
	// (the replica's name): at start, the jobs a dead process of that id was
	// running are taken back at once, so a campaign resumes within a second
	// or two of a restart instead of after RescueStuckAfter. Empty: a new id
	// each start, nothing taken back.
	ID string
	// Checkpoints makes a signed ledger checkpoint at start and every day
	// (serve sets it; benchmarks and tests leave it out).
	Checkpoints bool
	// NoPeriodic leaves out the periodic jobs (the ledger verification, the
	// expiry and purge runs): benchmarks measure dispatch alone.
	NoPeriodic bool
}

// Start registers the workers and periodic jobs and starts working the queue.
func Start(ctx context.Context, s store.Store, a *app.App, log *slog.Logger, reg prometheus.Registerer, cfg Config) (store.Queue, error) {
	if cfg.JobTimeout == 0 {
		cfg.JobTimeout = 75 * time.Second
	}
	if cfg.RescueStuckAfter == 0 {
		cfg.RescueStuckAfter = 90 * time.Second
	}
	ok := prometheus.NewGauge(prometheus.GaugeOpts{Name: "samtykke_ledger_verified",
		Help: "1 when the last ledger verification passed, 0 when it found a fault."})
	events := prometheus.NewGauge(prometheus.GaugeOpts{Name: "samtykke_ledger_events_verified",
		Help: "Events checked by the last ledger verification."})
	failing := prometheus.NewGauge(prometheus.GaugeOpts{Name: "samtykke_webhook_bodies_failing",
		Help: "Stored webhook bodies whose handling failed and that wait to be tried again; any may hold an opt-out."})
	checks := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "samtykke_audit_checks",
		Help: "The checks of the last compliance audit, by verdict (pass, warn, fail)."}, []string{"status"})
	reg.MustRegister(ok, events, failing, checks)
	workers := river.NewWorkers()
	verify := &verifyLedgerWorker{app: a, log: log, ok: ok, events: events}
	river.AddWorker(workers, verify)
	river.AddWorker(workers, &sendMessageWorker{app: a})
	river.AddWorker(workers, &auditWorker{app: a, log: log, checks: checks})
	river.AddWorker(workers, &processInboxWorker{app: a, failing: failing})
	river.AddWorker(workers, run[job.ExpireOptIns](a.ExpireOptIns))
	river.AddWorker(workers, &dispatchWorker{app: a})
	river.AddWorker(workers, &breachNoticesWorker{app: a})
	river.AddWorker(workers, &importWorker{app: a})
	river.AddWorker(workers, &rotateKeysWorker{app: a})
	river.AddWorker(workers, run[job.PurgeMessages](a.PurgeMessages)) // queued before the retention job took it over
	river.AddWorker(workers, river.WorkFunc(func(ctx context.Context, _ *river.Job[job.Retention]) error {
		rep, err := a.RunRetention(ctx)
		var deleted int64
		for _, e := range rep.Entries {
			deleted += e.Count
		}
		log.Info("retention run", "deleted", deleted, "entries", len(rep.Entries))
		return err
	}))
	river.AddWorker(workers, run[job.SettleUnknown](a.SettleUnknown))
	river.AddWorker(workers, river.WorkFunc(func(ctx context.Context, _ *river.Job[job.Checkpoint]) error {
		_, err := a.Checkpoint(ctx)
		return err
	}))
	periodicJobs := []*river.PeriodicJob{
		river.NewPeriodicJob(river.PeriodicInterval(24*time.Hour),
			func() (river.JobArgs, *river.InsertOpts) { return job.VerifyLedger{}, nil }, nil),
		river.NewPeriodicJob(river.PeriodicInterval(24*time.Hour), // S-04; not at start: it reads everything
			func() (river.JobArgs, *river.InsertOpts) { return job.Audit{}, nil }, nil),
		periodic(time.Hour, job.ExpireOptIns{}),
		periodic(24*time.Hour, job.Retention{}), // RT-01..RT-08
		periodic(time.Hour, job.SettleUnknown{}),
		periodic(10*time.Minute, job.RotateKeys{}),  // resumes a rotation whose job was lost; nothing to do otherwise
		periodic(5*time.Second, job.ProcessInbox{}), // catches a webhook whose commit raced its period's job
	}
	if cfg.Checkpoints {
		// Only the newest checkpoint keeps every contact's head (about 80
		// bytes a contact); the older ones keep their signed root.
		periodicJobs = append([]*river.PeriodicJob{periodic(24*time.Hour, job.Checkpoint{})}, periodicJobs...) // L-02
	}
	if cfg.NoPeriodic {
		periodicJobs = periodicJobs[len(periodicJobs)-1:] // the inbox backstop is part of handling webhooks
	}
	if cfg.ID != "" {
		n, err := s.ReclaimJobs(ctx, cfg.ID)
		if err != nil {
			return nil, fmt.Errorf("take back the jobs of %s: %w", cfg.ID, err)
		}
		if n > 0 {
			log.Info("took back the jobs this replica was running when it stopped", "jobs", n, "replica", cfg.ID)
		}
	}
	q, err := s.Queue(&river.Config{
		ID:                cfg.ID,
		Logger:            slog.New(quiet{log.Handler()}).With("component", "river"),
		Queues:            map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: maxWorkers}},
		Workers:           workers,
		FetchPollInterval: 100 * time.Millisecond,
		// A dispatch slice ends well before the timeout; a job whose process
		// died is rescued soon after, and its dispatcher resumes safely.
		JobTimeout:           cfg.JobTimeout,
		RescueStuckJobsAfter: cfg.RescueStuckAfter,
		PeriodicJobs:         periodicJobs,
	})
	if err != nil {
		return nil, err
	}
	if err := q.Start(ctx); err != nil {
		return q, err
	}
	if !cfg.NoPeriodic {
		// Every start verifies the ledger, whichever replica leads River's
		// periodic jobs and however soon after a crash it comes back.
		go func() {
			if err := verify.Work(ctx, nil); err != nil && ctx.Err() == nil {
				log.Error("ledger verification at start", "error", err)
			}
		}()
	}
	return q, nil
}

// quiet passes on River's warnings and errors only; its info lines are chatter.
type quiet struct{ slog.Handler }

func (q quiet) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= slog.LevelWarn && q.Handler.Enabled(ctx, l)
}

func (q quiet) WithAttrs(as []slog.Attr) slog.Handler { return quiet{q.Handler.WithAttrs(as)} }
func (q quiet) WithGroup(name string) slog.Handler    { return quiet{q.Handler.WithGroup(name)} }
