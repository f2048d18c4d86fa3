// SPDX-License-Identifier: AGPL-3.0-only

package postgres_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/samtykke/samtykke/internal/store"
	"github.com/samtykke/samtykke/internal/store/storetest"
)

func TestConformance(t *testing.T) {
	t.Parallel()
	storetest.Exercise(t, storetest.Postgres)
}

// TestStatisticsFollowGrowth: once a table a campaign fills has gained
// 1,000 rows, the store refreshes the planner's statistics by itself, so
// that cached generic plans made while it was empty are replanned.
func TestStatisticsFollowGrowth(t *testing.T) {
	t.Parallel()
	b := storetest.Postgres
	s := b.Open(t)
	ctx := context.Background()
	analyzed := func() int64 {
		return b.Int(t, s, `SELECT count(*) FROM pg_stat_user_tables
			WHERE schemaname = current_schema() AND relname = 'webhook_inbox' AND last_analyze IS NOT NULL`)
	}
	items := make([]store.InboxItem, 999)
	for i := range items {
		items[i] = store.InboxItem{ID: fmt.Sprintf("i%04d", i), Digest: []byte(fmt.Sprintf("d%04d", i)), ReceivedAt: time.Now(), BodyCT: []byte("x")}
	}
	if err := s.Tx(ctx, func(tx store.Tx) error { return tx.PutInboxMany(ctx, items) }); err != nil {
		t.Fatal(err)
	}
	time.Sleep(500 * time.Millisecond)
	if analyzed() != 0 {
		t.Fatal("statistics refreshed before 1,000 rows")
	}
	last := []store.InboxItem{{ID: "i9999", Digest: []byte("d9999"), ReceivedAt: time.Now(), BodyCT: []byte("x")}}
	if err := s.Tx(ctx, func(tx store.Tx) error { return tx.PutInboxMany(ctx, last) }); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(10 * time.Second); analyzed() == 0; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("no statistics refresh after 1,000 rows")
		}
	}
}
