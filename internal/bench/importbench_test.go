// SPDX-License-Identifier: AGPL-3.0-only

package bench_test

import (
	"context"
	"testing"

	"github.com/samtykke/samtykke/internal/bench"
	"github.com/samtykke/samtykke/internal/store/storetest"
)

// importOpen opens the backend's test store as a benchmark database.
func importOpen(t testing.TB, b storetest.Backend) func(context.Context, string) (bench.Database, error) {
	return func(context.Context, string) (bench.Database, error) {
		st := b.Open(t)
		first := 1
		if b.Name == "sqlite" {
			first = 0
		}
		return bench.Database{Store: st, First: first, Close: func() {}, Bulk: bench.BulkOf(st),
			Exec: func(_ context.Context, q string, args ...any) error { return b.Exec(t, st, q, args...) }}, nil
	}
}

// TestImportScenario runs the import benchmark small on both stores: every
// generated row is imported through the import's real path (C-03: each with
// its evidence), the floor writes as many rows, and every figure is there.
// Speed is not judged here.
func TestImportScenario(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		if b.Name == "postgres" {
			storetest.PostgresSchema(t) // skips, or fails when PostgreSQL is required, if it is unreachable
		}
		const n = 5000 // more than one of the import's transactions
		rs, err := bench.Import(context.Background(), bench.ImportConfig{N: n, Backends: []string{b.Name}, Open: importOpen(t, b), Dir: t.TempDir()})
		if err != nil {
			t.Fatal(err)
		}
		if len(rs) != 1 {
			t.Fatalf("%d results for one backend", len(rs))
		}
		r := rs[0]
		if r.Backend != b.Name || r.Rows != n || r.Imported != n {
			t.Errorf("backend %s, %d rows, %d imported; want %s, %d, %d", r.Backend, r.Rows, r.Imported, b.Name, n, n)
		}
		if r.Seconds <= 0 || r.RowsPerS <= 0 || r.FloorPerS <= 0 || r.Ratio <= 0 || r.CPUPerRowUs <= 0 || r.FileMB <= 0 ||
			r.RequiredPerS <= 0 || r.RequiredCPUUs <= 0 {
			t.Errorf("a figure is missing: %+v", r)
		}
	})
}

// BenchmarkImport imports b.N generated rows on SQLite through the import's
// real path, one row an operation, and reports the import's and the floor's
// rates: go test -run '^$' -bench Import -benchtime 20000x ./internal/bench/
func BenchmarkImport(b *testing.B) {
	rs, err := bench.Import(b.Context(), bench.ImportConfig{N: b.N, Backends: []string{"sqlite"}, Open: importOpen(b, storetest.SQLite), Dir: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(rs[0].RowsPerS, "rows/s")
	b.ReportMetric(rs[0].FloorPerS, "floor_rows/s")
	b.ReportMetric(rs[0].RequiredPerS, "required_floor_rows/s")
}
