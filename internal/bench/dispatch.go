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
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/samtykke/samtykke/internal/app"
	"github.com/samtykke/samtykke/internal/campaign"
	"github.com/samtykke/samtykke/internal/consent"
	"github.com/samtykke/samtykke/internal/ledger"
	"github.com/samtykke/samtykke/internal/notice"
	"github.com/samtykke/samtykke/internal/queue"
	"github.com/samtykke/samtykke/internal/staff"
	"github.com/samtykke/samtykke/internal/store"
	"github.com/samtykke/samtykke/internal/store/postgres"
	"github.com/samtykke/samtykke/internal/store/sqlite"
	"github.com/samtykke/samtykke/internal/vault"
	"github.com/samtykke/samtykke/internal/webhook"
	"github.com/samtykke/samtykke/internal/whatsapp"
)

// DispatchConfig is the dispatch scenario.
type DispatchConfig struct {
	N           int      // contacts in the campaign
	Backends    []string // "sqlite", "postgres"
	PostgresURL string   // server for the postgres backend; a fresh schema is made in it
	Webhooks    bool     // the simulator sends sent and delivered statuses for every message
	OptOutEvery time.Duration
	Batch       int       // messages decided per transaction (default app.DefaultBatch of the backend)
	Progress    io.Writer // progress lines; nil for none
	Executable  string    // the samtykke binary, to run the simulator in its own process
	// Profile, when set, is started when the campaign starts and its result
	// stopped when it ends (the seeding is not profiled).
	Profile func() (stop func())
}

// DispatchResult is what one backend measured.
type DispatchResult struct {
	Backend           string  `json:"backend"`
	Contacts          int     `json:"contacts"`
	Webhooks          bool    `json:"webhooks"`
	Sent              int64   `json:"sent"`
	Skipped           int64   `json:"skipped"`
	Seconds           float64 `json:"seconds"`
	MsgPerSec         float64 `json:"messages_per_second"`
	SimMaxPerSec      float64 `json:"simulator_max_per_second"`
	Ratio             float64 `json:"ratio_to_simulator"`
	GateP50ms         float64 `json:"gate_batch_p50_ms"`
	GateP99ms         float64 `json:"gate_batch_p99_ms"`
	GatePerMsgUs      float64 `json:"gate_per_message_us"`
	DecideToSendP50ms float64 `json:"decision_to_request_p50_ms"`
	DecideToSendP99ms float64 `json:"decision_to_request_p99_ms"`
	OptOuts           int     `json:"opt_outs"`
	OptOutP50ms       float64 `json:"opt_out_commit_p50_ms"`
	OptOutP99ms       float64 `json:"opt_out_commit_p99_ms"`
	LateDecisions     int64   `json:"messages_decided_after_withdrawal"`
	CPUPerMsgUs       float64 `json:"cpu_per_message_us"`
	DBCPUPerMsgUs     float64 `json:"db_cpu_per_message_us"`
	PeakRSSMB         float64 `json:"peak_rss_mb"`  // samtykke's peak resident memory while the campaign ran
	PeakAnonMB        float64 `json:"peak_anon_mb"` // of it, anonymous memory (not file pages mapped for reading)
	SeedSeconds       float64 `json:"seed_seconds"`
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

// number is the i-th bench number: +47 4xxxxxxx.
func number(i int) string { return fmt.Sprintf("+474%07d", i) }

func dispatchOne(ctx context.Context, cfg DispatchConfig, backend string) (DispatchResult, error) {
	res := DispatchResult{Backend: backend, Contacts: cfg.N, Webhooks: cfg.Webhooks}
	if cfg.Batch <= 0 {
		cfg.Batch = app.DefaultBatch(backend)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	st, cleanup, err := openStore(ctx, backend, cfg.PostgresURL)
	if err != nil {
		return res, err
	}
	defer cleanup()
	master := make([]byte, vault.KeySize)
	_, _ = rand.Read(master)
	v, _ := vault.New(master)

	// Our receiver first: the simulator needs its address for webhooks.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return res, err
	}
	base := "http://" + ln.Addr().String()
	statuses := ""
	if cfg.Webhooks {
		statuses = "sent,delivered"
	}
	simURL, simPID, stopSim, err := startSim(cfg.Executable, base+"/webhooks/whatsapp", statuses)
	if err != nil {
		return res, err
	}
	defer stopSim()
	client, err := whatsapp.NewClient(whatsapp.ClientConfig{BaseURL: simURL, Token: "bench", PhoneNumberID: "100000000000001",
		HTTPClient: benchHTTPClient()})
	if err != nil {
		return res, err
	}
	var gateMu sync.Mutex
	var gate []float64
	var gateMsgs int
	var toSend []float64
	a := app.New(st, v, app.Config{PublicURL: base, WhatsApp: client, Dispatch: app.DispatchConfig{
		Rate: 1e6, Burst: 1e6, Batch: cfg.Batch,
		OnSend: func(d time.Duration) {
			gateMu.Lock()
			toSend = append(toSend, float64(d.Microseconds())/1000)
			gateMu.Unlock()
		},
		OnDecide: func(n int, d time.Duration) {
			gateMu.Lock()
			gate = append(gate, float64(d.Microseconds())/1000)
			gateMsgs += n
			gateMu.Unlock()
		}}}, log)
	mux := http.NewServeMux()
	(&webhook.Handler{App: a, AppSecret: appSecret, VerifyToken: "bench", Log: log}).Register(mux)
	srv := &http.Server{Handler: mux}
	go srv.Serve(ln) //nolint:errcheck
	defer srv.Close()

	// Seed the audience: confirmed consent for every contact.
	cfg.logf("%s: seeding %d contacts with confirmed consent", backend, cfg.N)
	seedStart := time.Now()
	if err := seed(ctx, a, cfg.N, cfg.logf); err != nil {
		return res, err
	}
	res.SeedSeconds = time.Since(seedStart).Seconds()

	// The baseline in the same run: the simulator's accept rate for a tight
	// client that does nothing else.
	res.SimMaxPerSec = simMax(ctx, client, min(cfg.N, 50000), cfg.Batch)
	cfg.logf("%s: simulator accepts %.0f msg/s from a tight client", backend, res.SimMaxPerSec)
	floorCPU := cpuFrom(backend)
	var floorSent int
	if res.FloorPerSec, floorSent, err = floorMax(ctx, st, client, min(cfg.N, 50000), cfg.Batch); err != nil {
		return res, fmt.Errorf("floor: %w", err)
	}
	total, _ := floorCPU()
	res.FloorCPUPerMsgUs = perMessageUs(total, floorSent)
	res.RatioBound = res.FloorPerSec / res.SimMaxPerSec
	cfg.logf("%s: %.0f msg/s with nothing but the two writes a message needs (a ratio of %.2f at most)",
		backend, res.FloorPerSec, res.RatioBound)

	q, err := queue.Start(ctx, st, a, log, prometheus.NewRegistry(), queue.Config{NoPeriodic: true})
	if err != nil {
		return res, err
	}
	defer q.Stop(context.WithoutCancel(ctx)) //nolint:errcheck
	admin := app.Actor{Name: "bench", Role: staff.Admin}
	c, err := a.CreateCampaign(ctx, admin, campaign.Campaign{Name: "bench", Purpose: "offers", Template: campaign.Template{
		Name: "bench_offer", Languages: map[string]campaign.Variant{"nb": {Body: "Tilbud fra Butikken AS. " + base +
			"/privacy Svar STOPP for å melde deg av."}}}})
	if err != nil {
		return res, err
	}

	if cfg.Profile != nil {
		stop := cfg.Profile()
		defer stop()
	}
	resetPeakRSS() // the campaign's own peak: not the seeding's, nor an earlier backend's
	anon := sampleAnon()
	defer anon()
	campaignCPU, simCPU, idle := cpuFrom(backend), pidCPU(simPID), machineIdle()
	start := time.Now()
	if _, err := a.CampaignAction(ctx, admin, c.ID, "start"); err != nil {
		return res, err
	}
	// Opt-outs arrive while the campaign runs: signed STOPP webhooks, timed
	// from the POST to its answer, which comes after the withdrawal commits.
	stopOptOuts := make(chan struct{})
	var optMu sync.Mutex
	var optLat []float64
	var optWG sync.WaitGroup
	optWG.Add(1)
	go func() {
		defer optWG.Done()
		t := time.NewTicker(cfg.OptOutEvery)
		defer t.Stop()
		i := 0
		for {
			select {
			case <-stopOptOuts:
				return
			case <-t.C:
			}
			i++
			contact := (i * 7919) % cfg.N
			d, err := postStop(base+"/webhooks/whatsapp", number(contact), i)
			if err == nil {
				optMu.Lock()
				optLat = append(optLat, float64(d.Microseconds())/1000)
				optMu.Unlock()
			}
		}
	}()
	for {
		cur, err := st.Campaign(ctx, c.ID) // the status alone: counting would load the machine
		if err != nil {
			return res, err
		}
		if cur.Status == campaign.Done {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	elapsed := time.Since(start)
	close(stopOptOuts)
	optWG.Wait()

	view, err := a.Campaign(ctx, admin, c.ID)
	if err != nil {
		return res, err
	}
	res.Sent, res.Skipped = view.Counts["sent"]+view.Counts["delivered"]+view.Counts["read"], view.Counts["skipped"]
	if cfg.Webhooks {
		// Applying the statuses is part of what a message costs: the CPU
		// is counted until every message sent is delivered.
		done := time.Now()
		for deadline := done.Add(2 * time.Minute); view.Counts["delivered"]+view.Counts["read"] < res.Sent; time.Sleep(250 * time.Millisecond) {
			if time.Now().After(deadline) {
				return res, fmt.Errorf("%d of %d messages delivered two minutes after the campaign",
					view.Counts["delivered"]+view.Counts["read"], res.Sent)
			}
			if view, err = a.Campaign(ctx, admin, c.ID); err != nil {
				return res, err
			}
		}
		res.StatusLagSeconds = time.Since(done).Seconds()
	}
	total, db := campaignCPU()
	res.SimCPUPerMsgUs, res.IdlePct = perMessageUs(pidCPU(simPID)-simCPU, int(res.Sent)), idle()
	res.CPUBudgetUs = float64(runtime.NumCPU())*1e6/(0.75*res.SimMaxPerSec) - res.SimCPUPerMsgUs
	res.Seconds = elapsed.Seconds()
	res.MsgPerSec = float64(res.Sent) / elapsed.Seconds()
	res.Ratio = res.MsgPerSec / res.SimMaxPerSec
	res.CPUPerMsgUs, res.DBCPUPerMsgUs = perMessageUs(total, int(res.Sent)), perMessageUs(db, int(res.Sent))
	res.GateP50ms, res.GateP99ms = percentile(gate, 50), percentile(gate, 99)
	res.DecideToSendP50ms, res.DecideToSendP99ms = percentile(toSend, 50), percentile(toSend, 99)
	if gateMsgs > 0 {
		var sum float64
		for _, g := range gate {
			sum += g
		}
		res.GatePerMsgUs = sum * 1000 / float64(gateMsgs)
	}
	res.OptOuts = len(optLat)
	res.OptOutP50ms, res.OptOutP99ms = percentile(optLat, 50), percentile(optLat, 99)
	res.LateDecisions, err = lateDecisions(ctx, st, c.ID)
	if err != nil {
		return res, err
	}
	res.PeakRSSMB, res.PeakAnonMB = peakRSSMB(), anon()
	return res, nil
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

func openStore(ctx context.Context, backend, pgURL string) (store.Store, func(), error) {
	switch backend {
	case "sqlite":
		dir, err := os.MkdirTemp("", "samtykke-bench-")
		if err != nil {
			return nil, nil, err
		}
		st, err := sqlite.Open(ctx, filepath.Join(dir, "bench.db"))
		if err == nil {
			err = st.Migrate(ctx)
		}
		return st, func() { st.Close(); os.RemoveAll(dir) }, err
	case "postgres":
		conn, err := pgx.Connect(ctx, pgURL)
		if err != nil {
			return nil, nil, err
		}
		schema := fmt.Sprintf("bench_%d", time.Now().UnixNano())
		if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
			conn.Close(ctx)
			return nil, nil, err
		}
		sep := "?"
		if strings.Contains(pgURL, "?") {
			sep = "&"
		}
		st, err := postgres.Open(ctx, pgURL+sep+"search_path="+schema)
		if err == nil {
			err = st.Migrate(ctx)
		}
		return st, func() {
			if st != nil {
				st.Close()
			}
			_, _ = conn.Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
			conn.Close(context.Background())
		}, err
	}
	return nil, nil, fmt.Errorf("unknown backend %q", backend)
}

// startSim runs the simulator in a process of its own, so that its CPU is
// not counted as samtykke's.
func startSim(exe, webhookURL, statuses string) (url string, pid int, stop func(), err error) {
	args := []string{"whatsapp-sim", "--addr", "127.0.0.1:0", "--mps", "0", "--pair-every", "0", "--statuses", statuses,
		"--max-recorded", "1000"}
	if statuses != "" {
		args = append(args, "--webhook", webhookURL, "--app-secret", appSecret)
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
