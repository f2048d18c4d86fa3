// SPDX-License-Identifier: AGPL-3.0-only

package app_test

import (
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/samtykke/samtykke/internal/store/storetest"
)

// BenchmarkAccessLogSeal asks whether sealing the access log's chain at
// commit (one row lock on access_head, held for a round trip and the
// commit; invariant 6) serialises staff reads on PostgreSQL. It times a
// look-up by number, which records an access and seals it, and the gate,
// which records none, each one at a time and from 16 goroutines: if the
// seal serialised the look-ups, their parallel time per operation would
// stay at their serial time while the gate's fell.
func BenchmarkAccessLogSeal(b *testing.B) {
	const contacts = 200
	tb := setup(b, storetest.Postgres)
	tb.seed(b)
	numbers := make([]string, contacts)
	ids := make([]string, contacts)
	for i := range contacts {
		numbers[i] = fmt.Sprintf("+47 4%07d", i)
		ids[i] = tb.consented(b, numbers[i]).ContactID
	}
	lookup := func(i int) error {
		_, err := tb.app.Lookup(tb.ctx, admin, numbers[i%contacts], "benchmark of the access log's seal")
		return err
	}
	gate := func(i int) error {
		_, err := tb.app.Gate(tb.ctx, admin, ids[i%contacts], "offers")
		return err
	}
	for _, op := range []struct {
		name string
		do   func(int) error
	}{{"lookup", lookup}, {"gate", gate}} {
		b.Run(op.name+"/serial", func(b *testing.B) {
			for i := 0; b.Loop(); i++ {
				if err := op.do(i); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(op.name+"/parallel16", func(b *testing.B) {
			var n atomic.Int64
			b.SetParallelism(8) // 8 × GOMAXPROCS (2 here) goroutines
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if err := op.do(int(n.Add(1))); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}
