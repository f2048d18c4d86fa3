// SPDX-License-Identifier: AGPL-3.0-only

// Package bench runs samtykke's benchmark scenarios against the simulator on
// this machine and reports figures, ratios against a baseline measured in the
// same run where one exists. Benchmarks, not timed tests: nothing here fails
// on a figure.
package bench

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"os"
	"os/exec"
	"reflect"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/samtykke/samtykke/internal/app"
	"github.com/samtykke/samtykke/internal/campaign"
	"github.com/samtykke/samtykke/internal/consent"
	"github.com/samtykke/samtykke/internal/ledger"
	"github.com/samtykke/samtykke/internal/notice"
	"github.com/samtykke/samtykke/internal/queue"
	"github.com/samtykke/samtykke/internal/server"
	"github.com/samtykke/samtykke/internal/staff"
	"github.com/samtykke/samtykke/internal/store"
	"github.com/samtykke/samtykke/internal/vault"
	"github.com/samtykke/samtykke/internal/whatsapp"
)

// DispatchConfig is the dispatch scenario.
type DispatchConfig struct {
	N        int      // contacts in the campaign
	Backends []string // "sqlite", "postgres"
	// Open makes a fresh, migrated database of a backend for one run: the
	// command layer's choice of backend, not the benchmark's.
	Open        func(ctx context.Context, backend string) (Database, error)
	Webhooks    bool // the simulator sends sent and delivered statuses for every message
	OptOutEvery time.Duration
	Batch       int       // messages decided per transaction (default app.DefaultBatch of the backend)
	Progress    io.Writer // progress lines; nil for none
	Executable  string    // the samtykke binary, to run the simulator in its own process
	// Profile, when set, is started when the campaign starts and its result
	// stopped when it ends (the seeding is not profiled).
	Profile func() (stop func())
	// Latency and LatencyP99 give the simulator the platform's answer time
	// (log-normal between the median and the 99th percentile).
	Latency, LatencyP99 time.Duration
	// MPS, when set, is each sending number's throughput, enforced by the
	// simulator as by the platform: the run then measures how close
	// samtykke keeps each number to that ceiling, instead of how fast it
	// can go against an unlimited simulator.
	MPS float64
	// Numbers is how many sending numbers run a campaign each, side by
	// side, each to the whole audience (default 1).
	Numbers int
	// MaxInFlight caps each number's requests awaiting answers (0: the
	// app's default; the batch size: one batch at a time).
	MaxInFlight int
}

// ceilingMode is a run against the platform's own limit (MPS set).
func (c DispatchConfig) ceilingMode() bool { return c.MPS > 0 }

// Database is a fresh database for one run.
type Database struct {
	Store store.Store
	// Exec runs SQL on the database beneath the store's API (the floor's
	// rows are not samtykke's); First is how its placeholders are numbered,
	// as sqlstore.PlaceholderRows takes it.
	Exec  func(ctx context.Context, q string, args ...any) error
	First int
	// Bulk writes rows into a table the fastest way the backend has, the
	// import's floor: PostgreSQL's COPY (pgx CopyFrom), or on SQLite one
	// transaction of a prepared insert. next gives the rows one by one, nil
	// after the last.
	Bulk func(ctx context.Context, table string, cols []string, next func() []any) error
	// Scan runs a query and reads every row it returns, to the last byte,
	// and says how many there were: the audit's floor (ScanOf).
	Scan func(ctx context.Context, q string) (int64, error)
	// Close closes the store and drops what the run made.
	Close func()
}

// DispatchResult is what one backend measured.
type DispatchResult struct {
	Backend string `json:"backend"`
	// Round is the run's place among several (1, 2 ...; 0 when one was
	// run), and Summary names a row made from the rounds ("median").
	Round        int       `json:"round,omitempty"`
	Summary      string    `json:"summary,omitempty"`
	Contacts     int       `json:"contacts"`
	Numbers      int       `json:"sending_numbers"`
	MPS          float64   `json:"mps_per_number,omitempty"`   // the ceiling of each number; 0: unlimited
	LatencyMS    float64   `json:"answer_median_ms,omitempty"` // the simulator's answer time
	LatencyP99MS float64   `json:"answer_p99_ms,omitempty"`    //
	PerNumber    []float64 `json:"messages_per_second_by_number,omitempty"`
	Webhooks     bool      `json:"webhooks"`
	Sent         int64     `json:"sent"`
	Skipped      int64     `json:"skipped"`
	Seconds      float64   `json:"seconds"`
	MsgPerSec    float64   `json:"messages_per_second"`
	// SustainedPerSec is the rate between the first request and the last:
	// the campaign's pace without its start and its end.
	SustainedPerSec float64 `json:"sustained_messages_per_second"`
	// SimMaxPerSec is the simulator's accept rate for a tight client that
	// does nothing else, or with MPS set the platform's ceiling, MPS ×
	// Numbers.
	SimMaxPerSec float64 `json:"simulator_max_per_second"`
	Ratio        float64 `json:"ratio_to_simulator"`
	GateP50ms    float64 `json:"gate_batch_p50_ms"`
	GateP99ms    float64 `json:"gate_batch_p99_ms"`
	GatePerMsgUs float64 `json:"gate_per_message_us"`
	// GateBatchMessages is the mean messages a gate transaction decided.
	GateBatchMessages float64 `json:"gate_batch_messages"`
	DecideToSendP50ms float64 `json:"decision_to_request_p50_ms"`
	DecideToSendP99ms float64 `json:"decision_to_request_p99_ms"`
	OptOuts           int     `json:"opt_outs"`
	OptOutP50ms       float64 `json:"opt_out_commit_p50_ms"`
	OptOutP99ms       float64 `json:"opt_out_commit_p99_ms"`
	// OptOutHandledP99ms is the opt-outs' time in samtykke's webhook
	// handler, from the request read to the answer written: OptOutP99ms is
	// that and the HTTP exchange with the benchmark's client, which runs in
	// the same (saturated) process.
	OptOutHandledP99ms float64 `json:"opt_out_handled_p99_ms"`
	LateDecisions      int64   `json:"messages_decided_after_withdrawal"`
	CPUPerMsgUs        float64 `json:"cpu_per_message_us"`
	DBCPUPerMsgUs      float64 `json:"db_cpu_per_message_us"`
	PeakRSSMB          float64 `json:"peak_rss_mb"`  // samtykke's peak resident memory while the campaign ran
	PeakAnonMB         float64 `json:"peak_anon_mb"` // of it, anonymous memory (not file pages mapped for reading)
	SeedSeconds        float64 `json:"seed_seconds"`
	// StatusLagSeconds is how long after the campaign ended the last
	// delivered status was applied (status webhooks on); the CPU figures
	// count that time too.
	StatusLagSeconds float64 `json:"status_lag_seconds,omitempty"`
	// FloorPerSec is the tight client's rate when each message is also
	// written twice, decided and then recorded, and nothing else (floorMax);
	// RatioBound, FloorPerSec/SimMaxPerSec, is the most Ratio can be here.
	FloorPerSec float64 `json:"floor_per_second"`
	RatioBound  float64 `json:"ratio_bound"`
	// FloorCPUPerMsgUs is the CPU a message cost there, the client's
	// included, as in CPUPerMsgUs.
	FloorCPUPerMsgUs float64 `json:"floor_cpu_per_message_us"`
	// SimCPUPerMsgUs is the simulator's CPU a message cost while the
	// campaign ran, and IdlePct the share of the machine's CPU time left idle
	// meanwhile: near 0, the campaign's rate is what the cores allow at
	// these costs.
	SimCPUPerMsgUs float64 `json:"simulator_cpu_per_message_us"`
	IdlePct        float64 `json:"idle_percent"`
	// CPUBudgetUs is what samtykke and its database together may spend on a
	// message for Ratio to reach 0.75 on this machine: its cores' time at
	// 0.75 of SimMaxPerSec, less the simulator's part (negative: out of reach).
	CPUBudgetUs float64 `json:"cpu_budget_for_0_75_us"`
}

const appSecret = "bench-app-secret"

func (c DispatchConfig) logf(format string, a ...any) {
	if c.Progress != nil {
		fmt.Fprintf(c.Progress, format+"\n", a...)
	}
}

// Dispatch runs the dispatch scenario on each backend in turn.
func Dispatch(ctx context.Context, cfg DispatchConfig) ([]DispatchResult, error) {
	if cfg.N <= 0 {
		cfg.N = 100000
	}
	if cfg.OptOutEvery == 0 {
		cfg.OptOutEvery = 20 * time.Millisecond
		if cfg.ceilingMode() {
			// A campaign at the platform's pace lasts longer: about one
			// person in fifty opts out while it runs.
			cfg.OptOutEvery = time.Duration(float64(time.Second) * 50 / cfg.MPS)
		}
	}
	if cfg.Numbers <= 0 {
		cfg.Numbers = 1
	}
	var out []DispatchResult
	for _, b := range cfg.Backends {
		r, err := dispatchOne(ctx, cfg, b)
		if err != nil {
			return out, fmt.Errorf("%s: %w", b, err)
		}
		out = append(out, r)
	}
	return out, nil
}

// DispatchRounds runs the scenario rounds times, the backends alternating
// within each round, and appends each backend's median row: on a shared
// machine one run's ratio moves by a tenth with the load beside it, and the
// median of alternating rounds is the figure to compare.
func DispatchRounds(ctx context.Context, cfg DispatchConfig, rounds int) ([]DispatchResult, error) {
	if rounds <= 1 {
		return Dispatch(ctx, cfg)
	}
	var out []DispatchResult
	for i := 1; i <= rounds; i++ {
		rs, err := Dispatch(ctx, cfg)
		for _, r := range rs {
			r.Round = i
			out = append(out, r)
		}
		if err != nil {
			return out, fmt.Errorf("round %d: %w", i, err)
		}
	}
	for _, b := range cfg.Backends {
		var of []DispatchResult
		for _, r := range out {
			if r.Backend == b {
				of = append(of, r)
			}
		}
		out = append(out, Median(of))
	}
	return out, nil
}

// Median is the row whose every number is the median of that number over
// rs (the mean of the middle two for an even count); the rest is rs[0]'s.
func Median(rs []DispatchResult) DispatchResult {
	if len(rs) == 0 {
		return DispatchResult{}
	}
	m := rs[0]
	m.Round, m.Summary = 0, "median"
	m.PerNumber = make([]float64, len(rs[0].PerNumber))
	for i := range m.PerNumber {
		xs := make([]float64, 0, len(rs))
		for _, r := range rs {
			if i < len(r.PerNumber) {
				xs = append(xs, r.PerNumber[i])
			}
		}
		m.PerNumber[i] = median(xs)
	}
	mv := reflect.ValueOf(&m).Elem()
	for f := range mv.NumField() {
		var xs []float64
		for _, r := range rs {
			switch v := reflect.ValueOf(r).Field(f); v.Kind() {
			case reflect.Float64:
				xs = append(xs, v.Float())
			case reflect.Int, reflect.Int64:
				xs = append(xs, float64(v.Int()))
			}
		}
		if len(xs) < len(rs) || mv.Type().Field(f).Name == "Round" {
			continue
		}
		mid := median(xs)
		switch fv := mv.Field(f); fv.Kind() {
		case reflect.Float64:
			fv.SetFloat(mid)
		default:
			fv.SetInt(int64(math.Round(mid)))
		}
	}
	return m
}

// median is the middle of xs (the mean of the middle two for an even
// count); xs is sorted in place.
func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	slices.Sort(xs)
	return (xs[(len(xs)-1)/2] + xs[len(xs)/2]) / 2
}

// number is the i-th bench number: +47 4xxxxxxx.
func number(i int) string { return fmt.Sprintf("+474%07d", i) }

// dispatchOne runs the scenario on one backend: its steps, in order, share a
// dispatchRun, and what they started stops when it returns.
func dispatchOne(ctx context.Context, cfg DispatchConfig, backend string) (DispatchResult, error) {
	r := &dispatchRun{cfg: cfg, backend: backend, admin: app.Actor{Name: "bench", Role: staff.Admin},
		log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		res: DispatchResult{Backend: backend, Contacts: cfg.N, Webhooks: cfg.Webhooks, Numbers: cfg.Numbers, MPS: cfg.MPS,
			LatencyMS: ms(cfg.Latency), LatencyP99MS: ms(cfg.LatencyP99)}}
	if r.cfg.Batch <= 0 {
		r.cfg.Batch = app.DefaultBatch(backend)
	}
	defer r.close()
	err := r.run(ctx)
	return r.res, err
}

// dispatchRun is one backend's run of the dispatch scenario: what its steps
// share, and what they measured.
type dispatchRun struct {
	cfg     DispatchConfig
	backend string
	admin   app.Actor
	log     *slog.Logger // the app's and the queue's, discarded
	res     DispatchResult
	closers []func() // what close stops, in the reverse order

	db      Database
	ln      net.Listener // our receiver, served once the app is assembled
	base    string       // its URL
	clients []*whatsapp.Client
	simPID  int // the simulator's process
	a       *app.App

	campaigns []campaign.Campaign
	took      []time.Duration // from start until each campaign was done

	// The dispatcher's hooks fill these, under mu.
	mu                  sync.Mutex
	gate                []float64 // each decided batch's gate time, ms
	gateMsgs            int       // the messages those batches decided
	toSend              []float64 // each message's decision to request, ms
	firstSend, lastSend time.Time // the first and the last request
	handled             []float64 // each opt-out's time in the webhook handler, ms

	// The campaign's counters, started just before it and read when it is
	// done (with webhooks: delivered), before the benchmark counts.
	campaignCPU func() (total, db time.Duration)
	simCPU      time.Duration
	idle        func() float64
	stopProfile func()
	cpu, dbCPU  time.Duration // the campaign's, once done
	simUsed     time.Duration
	idlePct     float64
	anon        func() float64
	start       time.Time
	elapsed     time.Duration // until the last campaign was done
	optLat      []float64     // each opt-out's commit time, ms
}

// run takes the run through its steps.
func (r *dispatchRun) run(ctx context.Context) error {
	db, err := r.cfg.Open(ctx, r.backend)
	if err != nil {
		return err
	}
	r.db = db
	r.onClose(db.Close)
	if err := r.startSimulators(); err != nil {
		return err
	}
	if err := r.assemble(); err != nil {
		return err
	}
	if err := r.seedAudience(ctx); err != nil {
		return err
	}
	if r.cfg.ceilingMode() {
		// The baseline is the platform's ceiling: what the numbers may send.
		r.res.SimMaxPerSec = r.cfg.MPS * float64(r.cfg.Numbers)
	} else if err := measureBaseline(ctx, r.cfg, r.backend, r.db, r.clients[0], &r.res); err != nil {
		return err
	}
	if err := r.createCampaigns(ctx); err != nil {
		return err
	}
	r.startMeasuring()
	if err := r.runCampaigns(ctx); err != nil {
		return err
	}
	if r.cfg.Webhooks {
		if err := r.waitDelivered(ctx); err != nil {
			return err
		}
	}
	r.stopMeasuring()
	if err := r.countSent(ctx); err != nil {
		return err
	}
	return r.fillFigures(ctx)
}

// onClose has close call f.
func (r *dispatchRun) onClose(f func()) { r.closers = append(r.closers, f) }

// close stops what the steps started, the last first.
func (r *dispatchRun) close() {
	for i := len(r.closers) - 1; i >= 0; i-- {
		r.closers[i]()
	}
}

// startSimulators opens our receiver first, as the simulator needs its
// address for webhooks, then starts one simulator process for the sending
// numbers, each with its own ceiling there, and a client for each. One
// process, as the platform is one service: ten processes, each idling
// between its requests, took 82-109 µs of CPU a message for what one does
// in 57-66 (ten numbers at 1,000 msg/s; docs/performance.md).
func (r *dispatchRun) startSimulators() error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	r.ln, r.base = ln, "http://"+ln.Addr().String()
	statuses := ""
	if r.cfg.Webhooks {
		statuses = "sent,delivered"
	}
	ids := make([]string, r.cfg.Numbers)
	for i := range ids {
		ids[i] = strconv.Itoa(100000000000001 + i)
	}
	simURL, pid, stopSim, err := startSim(r.cfg.Executable, simOptions{webhook: r.base + "/webhooks/whatsapp", statuses: statuses,
		phoneIDs: ids, mps: r.cfg.MPS, latency: r.cfg.Latency, latencyP99: r.cfg.LatencyP99})
	if err != nil {
		return err
	}
	r.onClose(stopSim)
	r.simPID = pid
	for _, id := range ids {
		c, err := whatsapp.NewClient(whatsapp.ClientConfig{BaseURL: simURL, Token: "bench", PhoneNumberID: id,
			HTTPClient: benchHTTPClient()})
		if err != nil {
			return err
		}
		r.clients = append(r.clients, c)
	}
	return nil
}

// assemble builds the same assembly as serve's, metrics and all (what is
// measured is what runs), its dispatcher's hooks timing the gate and the
// sends, and serves it on our receiver.
func (r *dispatchRun) assemble() error {
	master := make([]byte, vault.KeySize)
	_, _ = rand.Read(master)
	v, _ := vault.New(master)
	rate, burst := 1e6, 1e6
	if r.cfg.ceilingMode() {
		rate, burst = r.cfg.MPS, 0 // the number's own bucket: 100 ms of its rate
	}
	ac := app.Config{PublicURL: r.base, WhatsApp: r.clients[0], Senders: r.clients[1:], Dispatch: app.DispatchConfig{
		Rate: rate, Burst: burst, Batch: r.cfg.Batch, MaxInFlight: r.cfg.MaxInFlight, OnSend: r.onSend, OnDecide: r.onDecide}}
	assembled, err := server.New(r.db.Store, v, server.Config{App: ac, AppSecret: appSecret, VerifyToken: "bench", Log: r.log})
	if err != nil {
		return err
	}
	r.a = assembled.App
	srv := &http.Server{Handler: r.timeStops(assembled.Handler)}
	go srv.Serve(r.ln) //nolint:errcheck
	r.onClose(func() { _ = srv.Close() })
	return nil
}

// stopHeader marks the benchmark's STOPP webhooks, so that the handler's
// time for them is measured apart (timeStops).
const stopHeader = "X-Bench-Stop"

// timeStops notes how long h takes for each request marked with stopHeader.
func (r *dispatchRun) timeStops(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.Header.Get(stopHeader) == "" {
			h.ServeHTTP(w, req)
			return
		}
		start := time.Now()
		h.ServeHTTP(w, req)
		d := time.Since(start)
		r.mu.Lock()
		r.handled = append(r.handled, float64(d.Microseconds())/1000)
		r.mu.Unlock()
	})
}

// onSend is the dispatcher's hook for a message sent, d after its decision.
func (r *dispatchRun) onSend(sent time.Time, d time.Duration) {
	r.mu.Lock()
	r.toSend = append(r.toSend, float64(d.Microseconds())/1000)
	if r.firstSend.IsZero() || sent.Before(r.firstSend) {
		r.firstSend = sent
	}
	if sent.After(r.lastSend) {
		r.lastSend = sent
	}
	r.mu.Unlock()
}

// onDecide is the dispatcher's hook for a batch of n messages decided in d.
func (r *dispatchRun) onDecide(n int, d time.Duration) {
	r.mu.Lock()
	r.gate = append(r.gate, float64(d.Microseconds())/1000)
	r.gateMsgs += n
	r.mu.Unlock()
}

// seedAudience seeds the audience, confirmed consent for every contact, and
// times it.
func (r *dispatchRun) seedAudience(ctx context.Context) error {
	r.cfg.logf("%s: seeding %d contacts with confirmed consent", r.backend, r.cfg.N)
	seedStart := time.Now()
	if err := seed(ctx, r.a, r.cfg.N, r.cfg.logf); err != nil {
		return err
	}
	r.res.SeedSeconds = time.Since(seedStart).Seconds()
	return nil
}

// createCampaigns starts the queue and creates a campaign per sending
// number, each to the whole audience.
func (r *dispatchRun) createCampaigns(ctx context.Context) error {
	q, err := queue.Start(ctx, r.db.Store, r.a, r.log, prometheus.NewRegistry(), queue.Config{NoPeriodic: true})
	if err != nil {
		return err
	}
	r.onClose(func() { _ = q.Stop(context.WithoutCancel(ctx)) })
	for _, cl := range r.clients {
		c, err := r.a.CreateCampaign(ctx, r.admin, campaign.Campaign{Name: "bench", Purpose: "offers", Sender: cl.PhoneNumberID(),
			Template: campaign.Template{Name: "bench_offer", Languages: map[string]campaign.Variant{"nb": {
				Body: "Tilbud fra Butikken AS. " + r.base + "/privacy Svar STOPP for å melde deg av."}}}})
		if err != nil {
			return err
		}
		r.campaigns = append(r.campaigns, c)
	}
	return nil
}

// startMeasuring starts the campaign's own figures: the profile, the peak
// memory (not the seeding's, nor an earlier backend's), the CPU counters and
// the clock.
func (r *dispatchRun) startMeasuring() {
	r.stopProfile = func() {}
	if r.cfg.Profile != nil {
		r.stopProfile = sync.OnceFunc(r.cfg.Profile())
		r.onClose(r.stopProfile)
	}
	resetPeakRSS()
	r.anon = sampleAnon()
	r.onClose(func() { r.anon() })
	r.campaignCPU, r.simCPU, r.idle = cpuFrom(r.backend), pidCPU(r.simPID), machineIdle()
	r.start = time.Now()
}

// stopMeasuring reads the counters and stops the profile once the campaigns
// are done: what the benchmark then reads to report (the counts, the late
// decisions) is not the campaign's work (before 2026-12-06 the counts were
// in the CPU figure: 14 µs a message on SQLite at 50,000).
func (r *dispatchRun) stopMeasuring() {
	r.cpu, r.dbCPU = r.campaignCPU()
	r.simUsed, r.idlePct = pidCPU(r.simPID)-r.simCPU, r.idle()
	r.stopProfile()
}

// runCampaigns starts the campaigns, with opt-outs arriving while they run,
// and waits until each is done.
func (r *dispatchRun) runCampaigns(ctx context.Context) error {
	for _, c := range r.campaigns {
		if _, err := r.a.CampaignAction(ctx, r.admin, c.ID, "start"); err != nil {
			return err
		}
	}
	stopOptOuts := r.sendOptOuts()
	err := r.waitCampaigns(ctx)
	// The run ends when the last campaign recorded its finish, not when the
	// poll saw it: the poll's slack (up to 100 ms and the status read, 150 ms
	// measured at 50,000) was in the rate until 2026-12-06.
	r.elapsed = slices.Max(append(r.took, 0))
	r.optLat = stopOptOuts()
	return err
}

// sendOptOuts posts signed STOPP webhooks every OptOutEvery, each timed
// from the POST to its answer, which comes after the withdrawal commits,
// until the function it returns is called, which tells their times in ms.
func (r *dispatchRun) sendOptOuts() (stop func() []float64) {
	stopOptOuts := make(chan struct{})
	var optMu sync.Mutex
	var optLat []float64
	var optWG sync.WaitGroup
	optWG.Add(1)
	go func() {
		defer optWG.Done()
		t := time.NewTicker(r.cfg.OptOutEvery)
		defer t.Stop()
		i := 0
		for {
			select {
			case <-stopOptOuts:
				return
			case <-t.C:
			}
			i++
			contact := (i * 7919) % r.cfg.N
			d, err := postStop(r.base+"/webhooks/whatsapp", number(contact), i)
			if err == nil {
				optMu.Lock()
				optLat = append(optLat, float64(d.Microseconds())/1000)
				optMu.Unlock()
			}
		}
	}()
	return func() []float64 {
		close(stopOptOuts)
		optWG.Wait()
		return optLat
	}
}

// waitCampaigns polls the campaigns' status until each is done, noting
// when.
func (r *dispatchRun) waitCampaigns(ctx context.Context) error {
	r.took = make([]time.Duration, len(r.campaigns))
	// A campaign's time is its recorded finish, so the poll can be slow: each
	// status read is CPU in the campaign's window (at every 20 ms, 2-3% of
	// the figure on SQLite, whose reader reloads what the writer changed).
	const poll = 100 * time.Millisecond
	for left := len(r.campaigns); left > 0; time.Sleep(poll) {
		for i, c := range r.campaigns {
			if r.took[i] != 0 {
				continue
			}
			cur, err := r.db.Store.Campaign(ctx, c.ID) // the status alone: counting would load the machine
			if err != nil {
				return err
			}
			if cur.Status == campaign.Done {
				r.took[i], left = time.Since(r.start), left-1
				if cur.FinishedAt.After(r.start) {
					r.took[i] = cur.FinishedAt.Sub(r.start)
				}
			}
		}
	}
	return nil
}

// countSent counts what the campaigns sent and skipped, and each number's
// rate.
func (r *dispatchRun) countSent(ctx context.Context) error {
	for i, c := range r.campaigns {
		v, err := r.a.Campaign(ctx, r.admin, c.ID)
		if err != nil {
			return err
		}
		sent := v.Counts["sent"] + v.Counts["delivered"] + v.Counts["read"]
		r.res.Sent, r.res.Skipped = r.res.Sent+sent, r.res.Skipped+v.Counts["skipped"]
		r.res.PerNumber = append(r.res.PerNumber, float64(sent)/r.took[i].Seconds())
	}
	return nil
}

// waitDelivered waits, two minutes at most, until every message sent is
// delivered: applying the statuses is part of what a message costs, so the
// CPU is counted until then.
func (r *dispatchRun) waitDelivered(ctx context.Context) error {
	done := time.Now()
	delivered := func() (n int64, err error) {
		for _, c := range r.campaigns {
			v, err := r.a.Campaign(ctx, r.admin, c.ID)
			if err != nil {
				return 0, err
			}
			n += v.Counts["delivered"] + v.Counts["read"]
		}
		return n, nil
	}
	for deadline := done.Add(2 * time.Minute); ; time.Sleep(250 * time.Millisecond) {
		n, err := delivered()
		if err != nil {
			return err
		}
		if n >= r.res.Sent {
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%d of %d messages delivered two minutes after the campaigns", n, r.res.Sent)
		}
	}
	r.res.StatusLagSeconds = time.Since(done).Seconds()
	return nil
}

// fillFigures reads the counters and fills the result's figures.
func (r *dispatchRun) fillFigures(ctx context.Context) error {
	res := &r.res
	total, dbCPU := r.cpu, r.dbCPU
	res.SimCPUPerMsgUs, res.IdlePct = perMessageUs(r.simUsed, int(res.Sent)), r.idlePct
	res.CPUBudgetUs = float64(runtime.NumCPU())*1e6/(0.75*res.SimMaxPerSec) - res.SimCPUPerMsgUs
	res.Seconds = r.elapsed.Seconds()
	res.MsgPerSec = float64(res.Sent) / r.elapsed.Seconds()
	r.mu.Lock()
	gate, gateMsgs, toSend := r.gate, r.gateMsgs, r.toSend
	firstSend, lastSend := r.firstSend, r.lastSend
	r.mu.Unlock()
	if span := lastSend.Sub(firstSend); span > 0 && len(toSend) > 1 {
		res.SustainedPerSec = float64(len(toSend)-1) / span.Seconds()
	}
	res.Ratio = res.MsgPerSec / res.SimMaxPerSec
	res.CPUPerMsgUs, res.DBCPUPerMsgUs = perMessageUs(total, int(res.Sent)), perMessageUs(dbCPU, int(res.Sent))
	res.GateP50ms, res.GateP99ms = percentile(gate, 50), percentile(gate, 99)
	res.DecideToSendP50ms, res.DecideToSendP99ms = percentile(toSend, 50), percentile(toSend, 99)
	if gateMsgs > 0 {
		var sum float64
		for _, g := range gate {
			sum += g
		}
		res.GatePerMsgUs = sum * 1000 / float64(gateMsgs)
		res.GateBatchMessages = float64(gateMsgs) / float64(len(gate))
	}
	res.OptOuts = len(r.optLat)
	res.OptOutP50ms, res.OptOutP99ms = percentile(r.optLat, 50), percentile(r.optLat, 99)
	r.mu.Lock()
	res.OptOutHandledP99ms = percentile(r.handled, 99)
	r.mu.Unlock()
	for _, c := range r.campaigns {
		late, err := lateDecisions(ctx, r.db.Store, c.ID)
		if err != nil {
			return err
		}
		res.LateDecisions += late
	}
	res.PeakRSSMB, res.PeakAnonMB = peakRSSMB(), r.anon()
	return nil
}

// sampleAnon samples the process's anonymous resident memory (its heap,
// stacks, SQLite's page caches: not the file pages mapped for reading) every
// 50 ms until the returned function is first called, which reports the peak in MiB.
func sampleAnon() func() float64 {
	stop := make(chan struct{})
	var peak float64
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(50 * time.Millisecond)
		defer t.Stop()
		for {
			peak = max(peak, statusMB("RssAnon:"))
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	}()
	return sync.OnceValue(func() float64 {
		close(stop)
		<-done
		return peak
	})
}

// statusMB reads a "kB" line of /proc/self/status in MiB (0 without /proc).
func statusMB(field string) float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, field); ok {
			var n float64
			if _, err := fmt.Sscan(strings.TrimSuffix(strings.TrimSpace(v), " kB"), &n); err == nil {
				return n / 1024
			}
		}
	}
	return 0
}

// resetPeakRSS starts the process's peak resident size afresh (Linux:
// writing 5 to clear_refs resets VmHWM).
func resetPeakRSS() { _ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) }

// peakRSSMB is the peak resident size since the last reset, in MiB; where
// /proc is missing, the process's lifetime peak.
func peakRSSMB() float64 {
	if mb := statusMB("VmHWM:"); mb > 0 {
		return mb
	}
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return float64(ru.Maxrss) / 1024
}

func benchHTTPClient() *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost, tr.MaxConnsPerHost = 128, 128
	return &http.Client{Timeout: 30 * time.Second, Transport: tr}
}

// simOptions is how a simulator process is run.
type simOptions struct {
	webhook, statuses   string
	phoneIDs            []string // one simulated number each
	mps                 float64  // 0: unlimited
	latency, latencyP99 time.Duration
}

// startSim runs the simulator in a process of its own, so that its CPU is
// not counted as samtykke's.
func startSim(exe string, o simOptions) (url string, pid int, stop func(), err error) {
	args := []string{"whatsapp-sim", "--addr", "127.0.0.1:0", "--mps", strconv.Itoa(int(math.Ceil(o.mps))), "--pair-every", "0",
		"--statuses", o.statuses, "--max-recorded", "1000", "--phone-number-id", strings.Join(o.phoneIDs, ","), "--data-dir", "",
		"--latency", o.latency.String(), "--latency-p99", o.latencyP99.String()}
	if o.statuses != "" {
		args = append(args, "--webhook", o.webhook, "--app-secret", appSecret)
	}
	cmd := exec.Command(exe, args...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		return "", 0, nil, err
	}
	cmd.Stderr = io.Discard
	if err := cmd.Start(); err != nil {
		return "", 0, nil, err
	}
	stop = func() { _ = cmd.Process.Signal(syscall.SIGTERM); _ = cmd.Wait() }
	line, err := bufio.NewReader(out).ReadString('\n')
	m := regexp.MustCompile(`on (http://\S+)`).FindStringSubmatch(line)
	if err != nil || m == nil {
		stop()
		return "", 0, nil, fmt.Errorf("simulator did not start: %q %v", line, err)
	}
	go io.Copy(io.Discard, out) //nolint:errcheck
	return m[1], cmd.Process.Pid, stop, nil
}

// measureBaseline measures, in the same run, the simulator's accept rate
// for a tight client that does nothing else, and the floor: that client
// when each message is also written twice.
func measureBaseline(ctx context.Context, cfg DispatchConfig, backend string, db Database, client *whatsapp.Client, res *DispatchResult) error {
	res.SimMaxPerSec = simMax(ctx, client, min(cfg.N, 50000), cfg.Batch)
	cfg.logf("%s: simulator accepts %.0f msg/s from a tight client", backend, res.SimMaxPerSec)
	floorCPU := cpuFrom(backend)
	var floorSent int
	var err error
	if res.FloorPerSec, floorSent, err = floorMax(ctx, db, client, min(cfg.N, 50000), cfg.Batch); err != nil {
		return fmt.Errorf("floor: %w", err)
	}
	total, _ := floorCPU()
	res.FloorCPUPerMsgUs = perMessageUs(total, floorSent)
	res.RatioBound = res.FloorPerSec / res.SimMaxPerSec
	cfg.logf("%s: %.0f msg/s with nothing but the two writes a message needs (a ratio of %.2f at most)",
		backend, res.FloorPerSec, res.RatioBound)
	return nil
}

// ms is a duration in milliseconds.
func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func seed(ctx context.Context, a *app.App, n int, logf func(string, ...any)) error {
	admin := app.Actor{Name: "bench", Role: staff.Admin}
	if _, err := a.CreatePurpose(ctx, admin, consent.Purpose{Key: "offers", Channel: consent.WhatsApp, Basis: consent.BasisConsent,
		RetentionDays: 365, Description: consent.Text{NB: "Tilbud", EN: "Offers"}}); err != nil {
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
	if err != nil {
		return err
	}
	const batch = 1000
	var next atomic.Int64
	errs := make(chan error, 2)
	for range 2 {
		go func() {
			for {
				from := int(next.Add(batch)) - batch
				if from >= n {
					errs <- nil
					return
				}
				ins := make([]app.ConsentInput, 0, batch)
				for i := from; i < min(n, from+batch); i++ {
					ins = append(ins, app.ConsentInput{Subject: app.Subject{Phone: number(i)}, Purpose: "offers", Method: "import",
						CollectedAt: time.Now().Add(-time.Hour), AgeConfirmed: true,
						Evidence: ledger.Evidence{AffirmativeAct: "checkbox", WordingHash: "h", ConfirmationChannel: "whatsapp", ConfirmationMessageID: "w"}})
				}
				if _, err := a.RecordConsents(ctx, admin, ins); err != nil {
					errs <- err
					return
				}
				if from%(20*batch) == 0 {
					logf("  seeded %d", from)
				}
			}
		}()
	}
	return errors.Join(<-errs, <-errs)
}

// simMax is the simulator's accept rate for a client that does nothing but
// send: the campaign's batches on its transport, one after another as a
// campaign sends them (two at once measured the same: 29.8k against 30.7k).
func simMax(ctx context.Context, c *whatsapp.Client, n, batch int) float64 {
	reqs := make([]*whatsapp.MessageRequest, batch)
	sent := 0
	start := time.Now()
	for ; sent < n; sent += len(reqs) {
		for i := range reqs {
			reqs[i] = offer(sent+i, "baseline")
		}
		c.SendBatch(ctx, reqs)
	}
	return float64(sent) / time.Since(start).Seconds()
}

// offerTemplate is the template every bench request names; the requests
// share it, as a campaign's would.
var offerTemplate = whatsapp.Template{Name: "bench_offer", Language: whatsapp.Language{Code: "nb"}}

// offer is the bench's template request to the i-th number, named id.
func offer(i int, id string) *whatsapp.MessageRequest {
	return &whatsapp.MessageRequest{To: number(i), Type: whatsapp.TypeTemplate, Template: &offerTemplate, BizOpaqueCallbackData: id}
}

// postStop posts a signed inbound "STOPP" webhook and times it.
func postStop(url, phone string, i int) (time.Duration, error) {
	wa := strings.TrimPrefix(phone, "+")
	body := []byte(`{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":{` +
		`"messaging_product":"whatsapp","metadata":{"display_phone_number":"4722334455","phone_number_id":"100000000000001"},` +
		`"contacts":[{"profile":{"name":"x"},"wa_id":"` + wa + `"}],"messages":[{"from":"` + wa + `","id":"wamid.stop` +
		strconv.Itoa(i) + `","timestamp":"` + strconv.FormatInt(time.Now().Unix(), 10) + `","type":"text","text":{"body":"STOPP"}}]}}]}]}`)
	req, _ := http.NewRequest("POST", url, bytes.NewReader(body))
	req.Header.Set(whatsapp.SignatureHeader, whatsapp.Sign(appSecret, body))
	req.Header.Set(stopHeader, "1")
	start := time.Now()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		return 0, fmt.Errorf("status %d", resp.StatusCode)
	}
	return time.Since(start), nil
}

func lateDecisions(ctx context.Context, st store.Store, campaignID string) (int64, error) {
	var n int64
	err := st.Tx(ctx, func(tx store.Tx) error {
		var err error
		n, err = tx.LateDecisions(ctx, campaignID)
		return err
	})
	return n, err
}

func percentile(xs []float64, p float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	i := int(math.Ceil(p/100*float64(len(s)))) - 1
	return s[max(0, min(i, len(s)-1))]
}

// cpuFrom starts counting the CPU of this process and of PostgreSQL's own
// processes; the function it returns tells both together, and the database's
// part, so far.
func cpuFrom(backend string) func() (total, db time.Duration) {
	self, pg := selfCPU(), postgresCPU(backend)
	return func() (time.Duration, time.Duration) {
		db := postgresCPU(backend).since(pg)
		return selfCPU() - self + db, db
	}
}

// perMessageUs is d shared over n messages, in µs (0 for none).
func perMessageUs(d time.Duration, n int) float64 {
	if n <= 0 {
		return 0
	}
	return float64(d) / float64(time.Microsecond) / float64(n)
}

func selfCPU() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// procCPU is the user and system time of each PostgreSQL process on this
// machine (the database's CPU counts with samtykke's).
type procCPU map[int]time.Duration

// postgresCPU reads the PostgreSQL processes' CPU; nil for another backend.
func postgresCPU(backend string) procCPU {
	if backend != "postgres" {
		return nil
	}
	out := procCPU{}
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if comm, _ := os.ReadFile("/proc/" + e.Name() + "/comm"); !strings.HasPrefix(string(comm), "postgres") {
			continue
		}
		out[pid] = pidCPU(pid)
	}
	return out
}

// pidCPU is the user and system time a process has used (0 when it has
// gone).
func pidCPU(pid int) time.Duration {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0
	}
	if f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+2:])); len(f) > 12 {
		u, _ := strconv.ParseInt(f[11], 10, 64)
		st, _ := strconv.ParseInt(f[12], 10, 64)
		return time.Duration(u+st) * 10 * time.Millisecond // clock ticks of 100 Hz
	}
	return 0
}

// machineIdle starts counting the machine's CPU time (/proc/stat); the
// function it returns tells the idle share so far, in percent.
func machineIdle() func() float64 {
	read := func() (idle, total int64) {
		b, _ := os.ReadFile("/proc/stat")
		line, _, _ := strings.Cut(string(b), "\n")
		fields := strings.Fields(line)
		if len(fields) < 2 {
			return 0, 0 // no /proc here: nothing measured
		}
		for i, f := range fields[1:] {
			v, _ := strconv.ParseInt(f, 10, 64)
			if i < 8 { // user nice system idle iowait irq softirq steal; guests count in user
				total += v
			}
			if i == 3 || i == 4 {
				idle += v
			}
		}
		return idle, total
	}
	idle0, total0 := read()
	return func() float64 {
		idle, total := read()
		if total == total0 {
			return 0
		}
		return 100 * float64(idle-idle0) / float64(total-total0)
	}
}

// since is the CPU the processes used after before was read: a process that
// ended meanwhile (another client's connection) drops out instead of
// counting against the others, and one that started counts in full.
// Clock ticks are 10 ms: a short run can measure none.
func (now procCPU) since(before procCPU) time.Duration {
	var d time.Duration
	for pid, t := range now {
		if was, ok := before[pid]; ok && was <= t {
			t -= was // else the pid is a new process's
		}
		d += t
	}
	return d
}
