// SPDX-License-Identifier: AGPL-3.0-only

package bench_test

import (
	"context"
	"os"
	"testing"

	"github.com/samtykke/samtykke/internal/bench"
	"github.com/samtykke/samtykke/internal/cli"
	"github.com/samtykke/samtykke/internal/store/storetest"
)

// asSamtykke makes this test binary run as samtykke when the benchmark
// starts its simulator in a process of its own.
const asSamtykke = "SAMTYKKE_BENCH_TEST_AS_SAMTYKKE"

func TestMain(m *testing.M) {
	if os.Getenv(asSamtykke) == "1" {
		os.Exit(cli.Main(context.Background(), os.Args[1:], os.Getenv, os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// TestDispatchScenario runs the benchmark scenario small, on both stores:
// every figure it prints is there and sane. Speed is not judged here.
func TestDispatchScenario(t *testing.T) {
	t.Setenv(asSamtykke, "1")
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		if b.Name == "postgres" {
			storetest.PostgresSchema(t) // skips, or fails when PostgreSQL is required, if it is unreachable
		}
		// With status webhooks on SQLite, without on PostgreSQL: both paths
		// stay runnable, and the suite short.
		// PostgreSQL's CPU is read in 10 ms clock ticks: enough messages
		// that its share is measurable.
		webhooks, n := b.Name == "sqlite", 400
		if b.Name == "postgres" {
			n = 2000
		}
		open := func(context.Context, string) (bench.Database, error) {
			st := b.Open(t)
			first := 1
			if b.Name == "sqlite" {
				first = 0
			}
			return bench.Database{Store: st, First: first, Close: func() {},
				Exec: func(_ context.Context, q string, args ...any) error { return b.Exec(t, st, q, args...) }}, nil
		}
		rs, err := bench.Dispatch(context.Background(), bench.DispatchConfig{N: n, Backends: []string{b.Name},
			Webhooks: webhooks, Executable: os.Args[0], Open: open})
		if err != nil {
			t.Fatal(err)
		}
		if len(rs) != 1 {
			t.Fatalf("%d results for one backend", len(rs))
		}
		r := rs[0]
		if r.Sent+r.Skipped != int64(n) || r.Sent == 0 {
			t.Errorf("sent %d + skipped %d, want %d with some sent", r.Sent, r.Skipped, n)
		}
		if r.LateDecisions != 0 {
			t.Errorf("%d decisions after a withdrawal", r.LateDecisions)
		}
		if r.OptOuts > 0 && (r.OptOutHandledP99ms <= 0 || r.OptOutHandledP99ms > r.OptOutP99ms) {
			t.Errorf("opt-outs: %.1f ms p99 in the handler, %.1f ms for the client: the handler's share is not measured",
				r.OptOutHandledP99ms, r.OptOutP99ms)
		}
		if r.MsgPerSec <= 0 || r.SimMaxPerSec <= 0 || r.Ratio <= 0 || r.FloorPerSec <= 0 || r.RatioBound <= 0 || r.GateP99ms <= 0 || r.CPUPerMsgUs <= 0 || r.PeakRSSMB <= 0 || r.PeakAnonMB <= 0 {
			t.Errorf("a figure is missing: %+v", r)
		}
		if webhooks != (r.StatusLagSeconds > 0) {
			t.Errorf("webhooks %v, status lag %.3f s", webhooks, r.StatusLagSeconds)
		}
		if b.Name == "postgres" && (r.DBCPUPerMsgUs <= 0 || r.SimCPUPerMsgUs <= 0) {
			t.Errorf("no database or simulator CPU measured: %+v", r)
		}
		if r.IdlePct < 0 || r.IdlePct > 100 || r.CPUBudgetUs == 0 {
			t.Errorf("idle %.1f %%, CPU budget %.1f µs: not measured", r.IdlePct, r.CPUBudgetUs)
		}
	})
}

// TestMedian: the median row of rounds takes each number's middle value
// (the mean of the middle two for an even count), each sending number's
// rate apart, and names itself; what is not a number is the first round's.
func TestMedian(t *testing.T) {
	rows := []bench.DispatchResult{
		{Backend: "sqlite", Round: 1, Sent: 100, MsgPerSec: 30, Ratio: 0.5, OptOutP99ms: 40, PerNumber: []float64{10, 1}},
		{Backend: "sqlite", Round: 2, Sent: 90, MsgPerSec: 10, Ratio: 0.7, OptOutP99ms: 20, PerNumber: []float64{30, 3}},
		{Backend: "sqlite", Round: 3, Sent: 95, MsgPerSec: 20, Ratio: 0.6, OptOutP99ms: 60, PerNumber: []float64{20, 2}},
	}
	m := bench.Median(rows)
	if m.Backend != "sqlite" || m.Summary != "median" || m.Round != 0 || m.Sent != 95 || m.MsgPerSec != 20 || m.Ratio != 0.6 ||
		m.OptOutP99ms != 40 || len(m.PerNumber) != 2 || m.PerNumber[0] != 20 || m.PerNumber[1] != 2 {
		t.Fatalf("median of three = %+v", m)
	}
	if m := bench.Median(rows[:2]); m.MsgPerSec != 20 || m.Sent != 95 || m.OptOutP99ms != 30 {
		t.Fatalf("median of two = %+v; want the middle two's mean", m)
	}
	if rows[0].MsgPerSec != 30 || rows[1].PerNumber[0] != 30 {
		t.Fatal("the rounds' own rows were changed")
	}
}
