// SPDX-License-Identifier: AGPL-3.0-only

// Package queue holds samtykke's River jobs and their workers. Workers are
// thin: each calls one app method. Job arguments carry ids, never personal data.
package queue

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/riverqueue/river"

	"github.com/samtykke/samtykke/internal/app"
	"github.com/samtykke/samtykke/internal/ledger"
	"github.com/samtykke/samtykke/internal/store"
)

// VerifyLedgerArgs asks for a verification of the whole consent ledger: the
// regular test of the measures (S-04).
type VerifyLedgerArgs struct{}

// Kind names the job.
func (VerifyLedgerArgs) Kind() string { return "ledger_verify" }

// InsertOpts makes the job unique while one is waiting, across replicas.
func (VerifyLedgerArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true, ByPeriod: time.Hour}}
}

type verifyLedgerWorker struct {
	river.WorkerDefaults[VerifyLedgerArgs]
	app    *app.App
	log    *slog.Logger
	ok     prometheus.Gauge
	events prometheus.Gauge
}

func (w *verifyLedgerWorker) Work(ctx context.Context, _ *river.Job[VerifyLedgerArgs]) error {
	rep, err := w.app.VerifyLedger(ctx)
	var fault *ledger.Fault
	if errors.As(err, &fault) {
		w.ok.Set(0)
		w.log.Error("ledger verification failed", "contact_id", fault.ContactID, "event_id", fault.EventID,
			"seq", fault.Seq, "problem", fault.Problem)
		return nil // a finding, not a job failure: it is in the metric and the log
	}
	if err != nil {
		return err
	}
	w.ok.Set(1)
	w.events.Set(float64(rep.Events))
	w.log.Info("ledger verified", "contacts", rep.Contacts, "events", rep.Events)
	return nil
}

// Start registers the workers and periodic jobs and starts working the queue.
func Start(ctx context.Context, s store.Store, a *app.App, log *slog.Logger, reg prometheus.Registerer) (store.Queue, error) {
	ok := prometheus.NewGauge(prometheus.GaugeOpts{Name: "samtykke_ledger_verified",
		Help: "1 when the last ledger verification passed, 0 when it found a fault."})
	events := prometheus.NewGauge(prometheus.GaugeOpts{Name: "samtykke_ledger_events_verified",
		Help: "Events checked by the last ledger verification."})
	reg.MustRegister(ok, events)
	workers := river.NewWorkers()
	river.AddWorker(workers, &verifyLedgerWorker{app: a, log: log, ok: ok, events: events})
	q, err := s.Queue(&river.Config{
		Logger:  slog.New(quiet{log.Handler()}).With("component", "river"),
		Queues:  map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: 4}},
		Workers: workers,
		PeriodicJobs: []*river.PeriodicJob{
			river.NewPeriodicJob(river.PeriodicInterval(24*time.Hour),
				func() (river.JobArgs, *river.InsertOpts) { return VerifyLedgerArgs{}, nil },
				&river.PeriodicJobOpts{RunOnStart: true}),
		},
	})
	if err != nil {
		return nil, err
	}
	return q, q.Start(ctx)
}

// quiet passes on River's warnings and errors only; its info lines are chatter.
type quiet struct{ slog.Handler }

func (q quiet) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= slog.LevelWarn && q.Handler.Enabled(ctx, l)
}

func (q quiet) WithAttrs(as []slog.Attr) slog.Handler { return quiet{q.Handler.WithAttrs(as)} }
func (q quiet) WithGroup(name string) slog.Handler    { return quiet{q.Handler.WithGroup(name)} }
