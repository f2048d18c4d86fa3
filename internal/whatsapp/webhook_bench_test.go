// SPDX-License-Identifier: AGPL-3.0-only

package whatsapp_test

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/samtykke/samtykke/internal/whatsapp"
)

// BenchmarkParseWebhook parses a body of 25 statuses with pricing, as the
// platform batches them during a campaign; ns/op is per body.
func BenchmarkParseWebhook(b *testing.B) {
	billable := true
	var sts []whatsapp.Status
	for i := range 25 {
		sts = append(sts, whatsapp.Status{ID: fmt.Sprintf("wamid.HBgLNDc5MTIzNDU2NzgVAgARGBI%08d", i), Status: "delivered",
			Timestamp: 1749416383, RecipientID: "4791234567", BizOpaqueCallbackData: fmt.Sprintf("k1:c%09d", i),
			Pricing: &whatsapp.Pricing{Billable: &billable, PricingModel: "PMP", Type: "regular", Category: "marketing"}})
	}
	body, err := json.Marshal(whatsapp.WebhookPayload{Object: whatsapp.WebhookObject, Entry: []whatsapp.WebhookEntry{{ID: "waba",
		Changes: []whatsapp.WebhookChange{{Field: whatsapp.FieldMessages, Value: whatsapp.WebhookValue{MessagingProduct: "whatsapp", Statuses: sts}}}}}})
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		p, err := whatsapp.ParseWebhook(body)
		if err != nil || len(p.Entry[0].Changes[0].Value.Statuses) != 25 || p.Entry[0].Changes[0].Value.Statuses[24].Timestamp != 1749416383 {
			b.Fatalf("parsed %+v, %v", p, err)
		}
	}
}
