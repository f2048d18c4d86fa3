// SPDX-License-Identifier: AGPL-3.0-only

package cli

import (
	"context"
	"fmt"
	"text/tabwriter"

	"github.com/samtykke/samtykke/internal/bench"
	"github.com/samtykke/samtykke/internal/config"
)

// runBenchImport is `samtykke bench import`: the import benchmark with its
// floor (issue 21 point 4), a benchmark, not a test.
func runBenchImport(ctx context.Context, e env, args []string) int {
	fs := newFlagSet(e, "bench import")
	n := fs.Int("n", 1000000, "rows in the file")
	bf := newBenchFlags(fs, "sqlite,postgres", "backends to run on, comma separated",
		"write a CPU profile of the import (not the floor) to this file; with two backends, the last one's")
	if code, ok := parseFlags(e, fs, args); !ok {
		return code
	}
	// The app as `samtykke import` makes it, from the environment's
	// configuration where it is valid, else the defaults.
	cfg, err := config.Load(e.getenv, nil)
	if err != nil {
		cfg, _ = config.Load(func(string) string { return "" }, nil)
	}
	ic := bench.ImportConfig{N: *n, Open: benchDatabase(bf.url(e)), App: appConfig(cfg), Progress: e.stderr}
	ic.Profile = bf.profile()
	ic.Backends = bf.backendList()
	results, err := bench.Import(ctx, ic)
	return bf.report(e, results, err, func(w *tabwriter.Writer) {
		fmt.Fprintln(w, "backend\trows\timported\tseconds\trows/s\tfloor s\tfloor rows/s\tratio\tcpu µs/row\tdb µs/row\tfloor cpu µs/row\trequired floor rows/s\trequired floor cpu µs/row\tidle %\tpeak MB\tfile MB\t")
		for _, r := range results {
			fmt.Fprintf(w, "%s\t%d\t%d\t%.1f\t%.0f\t%.1f\t%.0f\t%.2f\t%.1f\t%.1f\t%.1f\t%.0f\t%.1f\t%.0f\t%.0f\t%.0f\t\n", r.Backend, r.Rows, r.Imported,
				r.Seconds, r.RowsPerS, r.FloorSeconds, r.FloorPerS, r.Ratio, r.CPUPerRowUs, r.DBCPUPerRowUs, r.FloorCPUUs, r.RequiredPerS, r.RequiredCPUUs, r.IdlePct, r.PeakRSSMB, r.FileMB)
		}
	})
}

// benchURL is the PostgreSQL server a benchmark makes its schema in: the
// flag, else SAMTYKKE_DATABASE_URL or TEST_DATABASE_URL, else the local
// test database.
func benchURL(e env, flag string) string {
	url := flag
	for _, k := range []string{"SAMTYKKE_DATABASE_URL", "TEST_DATABASE_URL"} {
		if url == "" {
			url = e.getenv(k)
		}
	}
	if url == "" {
		url = "postgres://root@127.0.0.1:5432/test?sslmode=disable"
	}
	return url
}
