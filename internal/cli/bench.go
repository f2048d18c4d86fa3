// SPDX-License-Identifier: AGPL-3.0-only

package cli

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"runtime/pprof"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/samtykke/samtykke/internal/audit"
	"github.com/samtykke/samtykke/internal/bench"
)

// runBench is `samtykke bench dispatch`: a benchmark scenario, not a test.
func runBench(ctx context.Context, e env, args []string) int {
	fs := newFlagSet(e, "bench dispatch")
	n := fs.Int("n", 100000, "contacts in the campaign")
	bf := newBenchFlags(fs, "sqlite,postgres", "backends to run on, comma separated", "write a CPU profile of the run to this file")
	webhooks := fs.Bool("webhooks", false, "the simulator sends sent and delivered status webhooks for every message")
	batch := fs.Int("batch", 0, "messages decided per transaction (0: the backend's default)")
	latency := fs.Duration("latency", 0, "the simulator's median answer time, e.g. 250ms (0: at once)")
	latencyP99 := fs.Duration("latency-p99", 0, "the simulator's 99th-percentile answer time, e.g. 600ms (0: with --latency, 2.4 times it)")
	mps := fs.Float64("mps", 0, "each sending number's throughput, enforced by the simulator as by the platform (0: unlimited, to measure samtykke's own speed)")
	numbers := fs.Int("numbers", 1, "sending numbers, each running its own campaign to the whole audience")
	maxInFlight := fs.Int("max-in-flight", 0, "each number's requests awaiting answers at most (0: the default, three seconds of its rate)")
	rounds := fs.Int("rounds", 1, "runs of each backend, alternating; with more than one, each backend's median row follows")
	if code, ok := parseFlags(e, fs, args); !ok {
		return code
	}
	exe, err := os.Executable()
	if err != nil {
		return fail(e, "%v", err)
	}
	if *latency > 0 && *latencyP99 == 0 {
		*latencyP99 = *latency * 12 / 5 // the platform's 250 ms median, 600 ms p99
	}
	cfg := bench.DispatchConfig{N: *n, Open: benchDatabase(bf.url(e)), Webhooks: *webhooks, Progress: e.stderr, Executable: exe, Profile: bf.profile(), Batch: *batch,
		Latency: *latency, LatencyP99: *latencyP99, MPS: *mps, Numbers: *numbers, MaxInFlight: *maxInFlight}
	cfg.Backends = bf.backendList()
	results, err := bench.DispatchRounds(ctx, cfg, *rounds)
	return bf.report(e, results, err, func(w *tabwriter.Writer) {
		fmt.Fprintln(w, "backend\tround\tcontacts\tnumbers\tmps\tanswer ms\twebhooks\tsent\tmsg/s\tsustained/s\tslowest number\tsim max/s\tratio\tfloor/s\tbound\tfloor cpu µs\tgate p50 ms\tgate p99 ms\tgate µs/msg\tbatch msgs\tdecide→send p50 ms\tdecide→send p99 ms\topt-outs\topt-out p50 ms\topt-out p99 ms\thandled p99 ms\tlate\tcpu µs/msg\tdb µs/msg\tstatus lag s\tpeak MB\tanon MB\tseed s\tsim µs/msg\tidle %\tbudget µs\t")
		for _, r := range results {
			fmt.Fprintf(w, "%s\t%s\t%d\t%d\t%.0f\t%s\t%v\t%d\t%.0f\t%.1f\t%.1f\t%.0f\t%.2f\t%.0f\t%.2f\t%.0f\t%.1f\t%.1f\t%.1f\t%.0f\t%.1f\t%.1f\t%d\t%.1f\t%.1f\t%.1f\t%d\t%.0f\t%.0f\t%.1f\t%.0f\t%.0f\t%.0f\t%.0f\t%.0f\t%.0f\t\n",
				r.Backend, round(r), r.Contacts, r.Numbers, r.MPS, answerTime(r), r.Webhooks, r.Sent, r.MsgPerSec, r.SustainedPerSec, slices.Min(r.PerNumber), r.SimMaxPerSec, r.Ratio, r.FloorPerSec, r.RatioBound, r.FloorCPUPerMsgUs, r.GateP50ms, r.GateP99ms, r.GatePerMsgUs, r.GateBatchMessages, r.DecideToSendP50ms, r.DecideToSendP99ms,
				r.OptOuts, r.OptOutP50ms, r.OptOutP99ms, r.OptOutHandledP99ms, r.LateDecisions, r.CPUPerMsgUs, r.DBCPUPerMsgUs, r.StatusLagSeconds, r.PeakRSSMB, r.PeakAnonMB, r.SeedSeconds,
				r.SimCPUPerMsgUs, r.IdlePct, r.CPUBudgetUs)
		}
	})
}

// round names a row among rounds: its number, or what summarises them.
func round(r bench.DispatchResult) string {
	if r.Summary != "" {
		return r.Summary
	}
	return fmt.Sprint(r.Round)
}

// answerTime is the simulator's answer time as median/p99 in ms, or "0".
func answerTime(r bench.DispatchResult) string {
	if r.LatencyMS == 0 {
		return "0"
	}
	return fmt.Sprintf("%.0f/%.0f", r.LatencyMS, r.LatencyP99MS)
}

// runBenchAudit is `samtykke bench audit`: the compliance audit over a
// seeded list, against a bare scan of the same tables measured in the same
// run. A benchmark, not a test.
func runBenchAudit(ctx context.Context, e env, args []string) int {
	fs := newFlagSet(e, "bench audit")
	contacts := fs.Int("contacts", 1000000, "contacts on the list, each with a confirmed consent")
	messages := fs.Int("messages", 10000000, "campaign message records, ten campaigns' worth at the default")
	bf := newBenchFlags(fs, "postgres", "backends to run on, comma separated (sqlite, postgres)",
		"write a CPU profile of the audit (not the seeding) to this file")
	noCheckpoint := fs.Bool("no-checkpoint", false, "do not sign a checkpoint of the chains before the audit")
	if code, ok := parseFlags(e, fs, args); !ok {
		return code
	}
	cfg := bench.AuditConfig{Contacts: *contacts, Messages: *messages, Open: benchDatabase(bf.url(e)), Progress: e.stderr, NoCheckpoint: *noCheckpoint}
	cfg.Profile = bf.profile()
	cfg.Backends = bf.backendList()
	results, err := bench.Audit(ctx, cfg)
	return bf.report(e, results, err, func(w *tabwriter.Writer) {
		fmt.Fprintln(w, "backend\tcontacts\tevents\tmessages\tseed s\tfloor s\taudit s\tratio\tcpu s\tdb cpu s\tpeak MB\tfound unsound\t")
		for _, r := range results {
			fmt.Fprintf(w, "%s\t%d\t%d\t%d\t%.0f\t%.1f\t%.1f\t%.1f\t%.1f\t%.1f\t%.0f\t%d of %d\t\n", r.Backend, r.Contacts, r.Events, r.Messages,
				r.SeedSeconds, r.FloorSeconds, r.AuditSeconds, r.Ratio, r.CPUSeconds, r.DBCPUSeconds, r.PeakRSSMB, r.Found["dispatch_consent"], r.Violations)
		}
		w.Flush()
		for _, r := range results {
			fmt.Fprintf(e.stdout, "\n%s, each check (s, verdict):", r.Backend)
			for _, c := range audit.Checks {
				fmt.Fprintf(e.stdout, " %s %.1f %s;", c.ID, r.CheckSeconds[c.ID], r.Status[c.ID])
			}
			fmt.Fprintf(e.stdout, "\n%s, the floor by table (s):", r.Backend)
			for t, s := range r.FloorByTable {
				if s >= 0.05 {
					fmt.Fprintf(e.stdout, " %s %.1f;", t, s)
				}
			}
			fmt.Fprintln(e.stdout)
		}
	})
}

// benchFlags are the flags every benchmark command shares: the backends
// to run on, the PostgreSQL server to make its schemas in, a CPU profile,
// and JSON for machines instead of a table.
type benchFlags struct {
	backends, dbURL, cpuProfile *string
	asJSON                      *bool
}

// newBenchFlags adds the shared flags to fs, with the command's default
// backends and the help of --backends and --cpuprofile.
func newBenchFlags(fs *flag.FlagSet, backends, backendsHelp, profileHelp string) *benchFlags {
	return &benchFlags{
		backends:   fs.String("backends", backends, backendsHelp),
		asJSON:     fs.Bool("json", false, "print JSON for machines"),
		dbURL:      fs.String("database-url", "", "PostgreSQL server (a fresh schema is made in it; default: TEST_DATABASE_URL or the local test database)"),
		cpuProfile: fs.String("cpuprofile", "", profileHelp),
	}
}

// url is the PostgreSQL server (benchURL).
func (b *benchFlags) url(e env) string { return benchURL(e, *b.dbURL) }

// profile is the CPU profile's start (profiler); nil without --cpuprofile.
func (b *benchFlags) profile() func() func() { return profiler(*b.cpuProfile) }

// backendList is --backends as a list.
func (b *benchFlags) backendList() []string { return splitList(*b.backends) }

// report prints the results, as JSON with --json, else as the table table
// writes (flushed after it); what was measured is printed even when the
// run failed. It returns the exit code: 1 on err.
func (b *benchFlags) report(e env, results any, err error, table func(w *tabwriter.Writer)) int {
	if *b.asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		_ = enc.Encode(results)
	} else {
		w := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
		table(w)
		w.Flush()
	}
	if err != nil {
		return fail(e, "bench: %v", err)
	}
	return 0
}

// profiler starts a CPU profile into path when a measured run begins and
// returns its stop; nil when no path is given.
func profiler(path string) func() func() {
	if path == "" {
		return nil
	}
	return func() func() {
		f, err := os.Create(path)
		if err != nil || pprof.StartCPUProfile(f) != nil {
			return func() {}
		}
		return func() { pprof.StopCPUProfile(); f.Close() }
	}
}

// splitList reads a comma-separated flag, blanks left out.
func splitList(s string) []string {
	var out []string
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}
