// SPDX-License-Identifier: AGPL-3.0-only

package app_test

import (
	"fmt"
	"testing"

	"github.com/samtykke/samtykke/internal/store/storetest"
	"github.com/samtykke/samtykke/internal/whatsapp"
)

// BenchmarkOptOut measures a "STOPP" webhook from a subscribed contact, from
// the body to the committed withdrawal and its confirmation queued (K-06), on
// an idle machine: under a campaign's load each round trip to the database
// waits for the CPU, so the count of statements is what the figure shows.
func BenchmarkOptOut(b *testing.B) {
	for _, backend := range []storetest.Backend{storetest.SQLite, storetest.Postgres} {
		b.Run(backend.Name, func(b *testing.B) {
			tb := setup(b, backend)
			tb.seed(b)
			bodies := make([][]byte, b.N)
			for i := range b.N {
				number := fmt.Sprintf("+47 4%07d", i)
				tb.consented(b, number)
				bodies[i] = webhookBody(b, whatsapp.WebhookValue{Messages: []whatsapp.InboundMessage{{From: fmt.Sprintf("474%07d", i),
					ID: fmt.Sprintf("wamid.stopp.%d", i), Timestamp: tb.ts(), Type: "text", Text: &whatsapp.InboundText{Body: "STOPP"}}}})
			}
			b.ResetTimer()
			for i := range b.N {
				if err := tb.app.ReceiveWebhook(tb.ctx, bodies[i]); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			if n := backend.Int(b, tb.store, `SELECT count(*) FROM suppressions`); n != int64(b.N) {
				b.Fatalf("%d numbers suppressed after %d opt-outs", n, b.N)
			}
		})
	}
}
