// SPDX-License-Identifier: AGPL-3.0-only

package storetest

import (
	"context"
	"encoding/binary"
	"fmt"
	"testing"
	"time"

	"github.com/samtykke/samtykke/internal/campaign"
	"github.com/samtykke/samtykke/internal/contact"
	"github.com/samtykke/samtykke/internal/message"
	"github.com/samtykke/samtykke/internal/store"
)

// MessageColumnsWritten are the columns of messages that a send result or a
// status webhook writes: no index may name them (migration 0007), so that an
// update rewrites the row alone.
var MessageColumnsWritten = []string{"status", "wamid", "updated_at", "error_code", "error_title", "attempts", "decided_at", "consent_event_id"}

// BenchMessages measures what a campaign writes for each message, a batch of
// 250 at a time as the dispatcher does: the decision, then the platform's
// answer, then the sent and delivered status webhooks. One op is one message.
func BenchMessages(b *testing.B, be Backend) {
	s := be.Open(b)
	ctx := context.Background()
	c := campaign.Campaign{ID: "k1", Purpose: "offers"}
	const batch = 250
	at := time.Now()
	var phases [3]time.Duration // decide, record, statuses
	run := func(phase int, fn func(tx store.Tx) error) {
		began := time.Now()
		if err := s.Tx(ctx, fn); err != nil {
			b.Fatal(err)
		}
		if phase >= 0 {
			phases[phase] += time.Since(began)
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for done := 0; done < b.N; done += batch {
		n := min(batch, b.N-done)
		b.StopTimer()
		ds := make([]store.Decision, n)
		rs := make([]store.Result, n)
		us := make([]store.StatusUpdate, 0, 2*n)
		run(-1, func(tx store.Tx) error {
			for i := range n {
				id := fmt.Sprintf("c%09d", done+i)
				index := binary.BigEndian.AppendUint64([]byte("bench"), uint64(done+i))
				if err := tx.CreateContact(ctx, contact.Contact{ID: id, PhoneCT: []byte("sealed"), KeyWrapped: []byte("wrapped"),
					BlindIndex: index, Region: "NO", Mobile: true, Language: "nb", CreatedAt: at}); err != nil {
					return err
				}
				mid := c.ID + ":" + id
				wamid := "wamid." + id
				ds[i] = store.Decision{MessageID: mid, ContactID: id, Status: message.Sending, ConsentEventID: "e-" + id}
				rs[i] = store.Result{MessageID: mid, Status: message.Sent, WAMID: wamid}
				us = append(us, store.StatusUpdate{ID: mid, WAMID: wamid, Status: message.Sent},
					store.StatusUpdate{ID: mid, WAMID: wamid, Status: message.Delivered})
			}
			return nil
		})
		b.StartTimer()
		run(0, func(tx store.Tx) error {
			_, err := tx.DecideMessages(ctx, c, ds, at)
			return err
		})
		run(1, func(tx store.Tx) error { return tx.RecordResults(ctx, rs, at, 5) })
		run(2, func(tx store.Tx) error {
			applied, err := tx.ApplyStatuses(ctx, us, at)
			if err == nil && len(applied) > 0 && !applied[len(applied)-1] {
				err = fmt.Errorf("the last delivered status was not applied")
			}
			return err
		})
	}
	for i, name := range []string{"decide-ns/msg", "record-ns/msg", "statuses-ns/msg"} {
		b.ReportMetric(float64(phases[i].Nanoseconds())/float64(b.N), name)
	}
}
