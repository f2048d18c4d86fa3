// SPDX-License-Identifier: AGPL-3.0-only

package bench_test

import (
	"context"
	"testing"

	"github.com/samtykke/samtykke/internal/audit"
	"github.com/samtykke/samtykke/internal/bench"
	"github.com/samtykke/samtykke/internal/store/storetest"
)

// openFor makes bench databases of a backend from the test's own stores.
func openFor(tb testing.TB, b storetest.Backend) func(context.Context, string) (bench.Database, error) {
	return func(context.Context, string) (bench.Database, error) {
		st := b.Open(tb)
		return bench.Database{Store: st, Bulk: bench.BulkOf(st), Scan: bench.ScanOf(st), Close: func() {},
			Exec: func(_ context.Context, q string, args ...any) error { return b.Exec(tb, st, q, args...) }}, nil
	}
}

// TestAuditScenario runs the audit benchmark small, on both stores: the
// seeded list verifies (chains, checkpoint, derived state), its evidence
// is complete, and the audit finds exactly the unsound messages seeded
// and nothing else to fail; every figure is there. Speed is not judged.
func TestAuditScenario(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		if b.Name == "postgres" {
			storetest.PostgresSchema(t) // skips, or fails when PostgreSQL is required, if it is unreachable
		}
		rs, err := bench.Audit(context.Background(), bench.AuditConfig{Contacts: 500, Messages: 1500, ObjectEvery: 10, ViolateEvery: 50,
			Backends: []string{b.Name}, Open: openFor(t, b)})
		if err != nil {
			t.Fatal(err)
		}
		r := rs[0]
		if r.Contacts != 500 || r.Messages != 1500 || r.Events != 1050 || r.Violations != 10 {
			t.Errorf("seeded %d contacts, %d messages, %d events, %d violations; want 500, 1500, 1050, 10", r.Contacts, r.Messages, r.Events, r.Violations)
		}
		for _, c := range audit.Checks {
			want := "pass"
			if c.ID == audit.CheckDispatch {
				want = "fail"
			}
			if r.Status[c.ID] != want {
				t.Errorf("%s: %s, want %s (found %d)", c.ID, r.Status[c.ID], want, r.Found[c.ID])
			}
		}
		if r.Found[audit.CheckDispatch] != 10 || r.FloorSeconds <= 0 || r.AuditSeconds <= 0 || r.Ratio <= 0 || r.PeakRSSMB <= 0 ||
			r.FloorByTable["messages"] <= 0 {
			t.Errorf("a figure is missing: %+v", r)
		}
	})
}

// BenchmarkAudit is the audit benchmark at a size a laptop runs in seconds:
// 10,000 contacts and 100,000 messages on SQLite (and PostgreSQL, when it
// answers). Each op seeds a fresh database, scans it bare and audits it;
// the figures to read are audit-s and ratio (to the bare scan), reported
// per backend. samtykke bench audit runs it at full size.
//
//	go test -run '^$' -bench Audit -benchtime 1x ./internal/bench/
func BenchmarkAudit(b *testing.B) {
	for _, backend := range storetest.Backends {
		b.Run(backend.Name, func(b *testing.B) {
			for range b.N {
				rs, err := bench.Audit(context.Background(), bench.AuditConfig{Contacts: 10000, Messages: 100000,
					Backends: []string{backend.Name}, Open: openFor(b, backend)})
				if err != nil {
					b.Fatal(err)
				}
				b.ReportMetric(rs[0].AuditSeconds, "audit-s")
				b.ReportMetric(rs[0].FloorSeconds, "floor-s")
				b.ReportMetric(rs[0].Ratio, "ratio")
			}
		})
	}
}
