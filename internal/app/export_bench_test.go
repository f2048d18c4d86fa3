// SPDX-License-Identifier: AGPL-3.0-only

package app_test

import (
	"os"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/samtykke/samtykke/internal/app"
	"github.com/samtykke/samtykke/internal/export"
	"github.com/samtykke/samtykke/internal/store/storetest"
)

// BenchmarkExport measures exporting the list of SAMTYKKE_BENCH_EXPORT_N
// contacts (default 1,000,000) on PostgreSQL, as CSV and as JSON, numbers
// revealed (every contact's key unwrapped and number opened): rows a second
// and the live heap's growth (measured after a collection every 32 MB
// written, which the time includes). Run it once, on an idle machine:
//
//	go test ./internal/app/ -run '^$' -bench BenchmarkExport -benchtime 1x
func BenchmarkExport(b *testing.B) {
	n := 1_000_000
	if v, err := strconv.Atoi(os.Getenv("SAMTYKKE_BENCH_EXPORT_N")); err == nil && v > 0 {
		n = v
	}
	tb := setup(b, storetest.Postgres)
	tb.seed(b)
	seeded := time.Now()
	seedMany(b, tb, n)
	b.Logf("seeded %d contacts in %s", n, time.Since(seeded).Round(time.Second))
	for _, f := range []export.Format{export.CSV, export.JSON} {
		b.Run(string(f), func(b *testing.B) {
			for range b.N {
				runtime.GC()
				var m runtime.MemStats
				runtime.ReadMemStats(&m)
				base := m.HeapAlloc
				w := &heapWriter{every: 32 << 20} // a collection every 32 MB: a few of the time
				began := time.Now()
				res, err := tb.app.Export(tb.ctx, dpo, app.ExportRequest{Format: f, Reveal: true, Reason: "måling av eksport"}, w)
				d := time.Since(began)
				if err != nil || res.Rows != int64(n) {
					b.Fatalf("%d rows, %v", res.Rows, err)
				}
				b.ReportMetric(float64(n)/d.Seconds(), "rows/s")
				b.ReportMetric(float64(w.written)/(1<<20), "MB")
				b.ReportMetric(float64(int64(w.peak)-int64(base))/(1<<20), "heap-MB")
			}
		})
	}
}
