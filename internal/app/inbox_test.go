// SPDX-License-Identifier: AGPL-3.0-only

package app_test

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"sync"
	"testing"

	"github.com/samtykke/samtykke/internal/store/storetest"
	"github.com/samtykke/samtykke/internal/whatsapp"
)

// TestStatusWebhooksGroupCommit: status bodies arriving together are stored
// in shared transactions, yet each call returns only once its own body is
// committed; a redelivered body is stored once.
func TestStatusWebhooksGroupCommit(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		tb := setup(t, b)
		const n, dups = 300, 40
		body := func(i int) []byte {
			p := whatsapp.WebhookPayload{Object: "whatsapp_business_account", Entry: []whatsapp.WebhookEntry{{ID: "waba",
				Changes: []whatsapp.WebhookChange{{Field: "messages", Value: whatsapp.WebhookValue{MessagingProduct: "whatsapp",
					Statuses: []whatsapp.Status{{ID: fmt.Sprintf("wamid.%d", i), Status: "delivered", Timestamp: 1, RecipientID: "4740000000"}}}}}}}}
			raw, err := json.Marshal(p)
			if err != nil {
				t.Fatal(err)
			}
			return raw
		}
		var wg sync.WaitGroup
		for i := range n + dups {
			wg.Add(1)
			go func() {
				defer wg.Done()
				raw := body(i % n)
				if err := tb.app.ReceiveWebhook(tb.ctx, raw); err != nil {
					t.Error(err)
					return
				}
				digest := sha256.Sum256(raw)
				if got := tb.b.Int(t, tb.store, `SELECT count(*) FROM webhook_inbox WHERE digest = $1`, digest[:]); got != 1 {
					t.Errorf("body %d: %d rows right after ReceiveWebhook returned, want 1", i%n, got)
				}
			}()
		}
		wg.Wait()
		if got := tb.b.Int(t, tb.store, `SELECT count(*) FROM webhook_inbox`); got != n {
			t.Fatalf("%d bodies stored, want %d (each once)", got, n)
		}
	})
}
