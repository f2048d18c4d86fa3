// SPDX-License-Identifier: AGPL-3.0-only

package postgres_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/samtykke/samtykke/internal/campaign"
	"github.com/samtykke/samtykke/internal/contact"
	"github.com/samtykke/samtykke/internal/message"
	"github.com/samtykke/samtykke/internal/store"
	"github.com/samtykke/samtykke/internal/store/postgres"
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
	if err := s.Tx(ctx, func(tx store.Tx) error {
		for _, it := range items {
			if err := tx.PutInbox(ctx, it); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(500 * time.Millisecond)
	if analyzed() != 0 {
		t.Fatal("statistics refreshed before 1,000 rows")
	}
	last := store.InboxItem{ID: "i9999", Digest: []byte("d9999"), ReceivedAt: time.Now(), BodyCT: []byte("x")}
	if err := s.Tx(ctx, func(tx store.Tx) error { return tx.PutInbox(ctx, last) }); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(10 * time.Second); analyzed() == 0; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("no statistics refresh after 1,000 rows")
		}
	}
}

// TestCampaignStartsShareTheirStatistics: a campaign's start that waited
// while another took the planner's statistics does not take them again;
// one that did not wait does. Campaigns on ten numbers starting together
// queued 200-700 ms each behind one another's ANALYZE.
func TestCampaignStartsShareTheirStatistics(t *testing.T) {
	t.Parallel()
	b := storetest.Postgres
	s := b.Open(t)
	ctx := context.Background()
	analyses := func() int64 {
		return b.Int(t, s, `SELECT COALESCE(sum(analyze_count), 0) FROM pg_stat_user_tables
			WHERE schemaname = current_schema() AND relname = 'contacts'`)
	}
	if err := s.Analyze(ctx); err != nil {
		t.Fatal(err)
	}
	before := analyses()
	if before == 0 {
		t.Fatal("a campaign's start took no statistics")
	}

	// Another start holds the turn, and takes the statistics meanwhile.
	other, err := pgx.Connect(ctx, s.(*postgres.Store).URL())
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close(ctx)
	otx, err := other.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer otx.Rollback(ctx) //nolint:errcheck
	if _, err := otx.Exec(ctx, `SELECT pg_advisory_xact_lock(7270017, hashtext(current_schema()))`); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.Analyze(ctx) }()
	for deadline := time.Now().Add(10 * time.Second); b.Int(t, s, `SELECT count(*) FROM pg_locks
		WHERE locktype = 'advisory' AND classid = 7270017 AND objid = CAST(hashtext(current_schema()) AS oid)
			AND objsubid = 2 AND NOT granted`) == 0; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the second start never waited for the first")
		}
	}
	if _, err := otx.Exec(ctx, `ANALYZE contacts, contact_keys, contact_tags, consent_states, messages, suppressions, webhook_inbox, webhook_seen`); err != nil {
		t.Fatal(err)
	}
	if err := otx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if got := analyses(); got != before+1 {
		t.Errorf("contacts analysed %d times after the other start's statistics, want %d: the waiting start took them again", got-before, 1)
	}
	if err := s.Analyze(ctx); err != nil {
		t.Fatal(err)
	}
	if got := analyses(); got != before+2 {
		t.Errorf("contacts analysed %d times after a start that did not wait, want %d", got-before, 2)
	}
}

// TestTokenBucketSharedByReplicas: two replicas (two stores, two connection
// pools, one database) taking from one sending number's bucket as fast as
// they can get no more than its burst plus its rate over the time they took
// (reference §3.1: the rate is the sending number's, however many replicas
// send).
func TestTokenBucketSharedByReplicas(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	first := storetest.Postgres.Open(t)
	second, err := postgres.Open(ctx, first.(*postgres.Store).URL())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = second.Close() })
	const rate, burst = 400.0, 40.0
	var mu sync.Mutex
	taken := 0
	var wg sync.WaitGroup
	start := time.Now()
	until := start.Add(1500 * time.Millisecond)
	for _, s := range []store.Store{first, second, first, second, first, second} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(until) {
				var got int
				if err := s.Tx(ctx, func(tx store.Tx) error {
					var err error
					got, err = tx.TakeTokens(ctx, "100000000000001", 10, rate, burst, time.Now())
					return err
				}); err != nil {
					t.Error(err)
					return
				}
				if got > 0 {
					mu.Lock()
					taken += got
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start).Seconds()
	if most := burst + rate*elapsed; float64(taken) > most {
		t.Fatalf("the replicas took %d tokens in %.2f s, more than the bucket allows (%.0f)", taken, elapsed, most)
	}
	if least := rate * 1.5 * 0.5; float64(taken) < least {
		t.Fatalf("the replicas took only %d tokens in %.2f s: the bucket starves them", taken, elapsed)
	}
	t.Logf("%d tokens in %.2f s (rate %.0f, burst %.0f)", taken, elapsed, rate, burst)
}

// TestWithdrawalsHaveConnectionsOfTheirOwn: an urgent transaction (a
// withdrawal, K-06) does not wait for the pool that campaign batches share.
// With ten campaigns on one replica, a STOPP waited 60 ms (median) for a
// connection before it had any of its own.
func TestWithdrawalsHaveConnectionsOfTheirOwn(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	first := storetest.Postgres.Open(t)
	s, err := postgres.Open(ctx, first.(*postgres.Store).URL()+"&pool_max_conns=2")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	busy, release := make(chan struct{}), make(chan struct{})
	var wg sync.WaitGroup
	for range 2 { // the whole pool, held by transactions under way
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = s.Tx(ctx, func(tx store.Tx) error {
				if _, err := tx.ConsentStates(ctx, "c1"); err != nil {
					return err
				}
				busy <- struct{}{}
				<-release
				return nil
			})
		}()
	}
	<-busy
	<-busy
	defer wg.Wait()
	defer close(release)
	read := func(ctx context.Context) error {
		return s.Tx(ctx, func(tx store.Tx) error {
			_, err := tx.ConsentStates(ctx, "c1")
			return err
		})
	}
	short, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	if err := read(short); err == nil {
		t.Fatal("a transaction got a connection from a pool that was all in use: the test proves nothing")
	}
	urgent, cancel := context.WithTimeout(store.Urgent(ctx), 10*time.Second)
	defer cancel()
	if err := read(urgent); err != nil {
		t.Fatalf("an urgent transaction waited for the shared pool: %v", err)
	}
}

// TestMessageUpdatesLeaveIndexesAlone: no index on messages names a column
// that a send result or a status webhook writes (migration 0007), so that
// PostgreSQL can rewrite the row in place (HOT) without an index write.
func TestMessageUpdatesLeaveIndexesAlone(t *testing.T) {
	t.Parallel()
	b := storetest.Postgres
	s := b.Open(t)
	written := `\m(` + strings.Join(storetest.MessageColumnsWritten, "|") + `)\M`
	if n := b.Int(t, s, `SELECT count(*) FROM pg_index WHERE indrelid = 'messages'::regclass
		AND pg_get_indexdef(indexrelid) ~ $1`, written); n != 0 {
		t.Fatalf("%d indexes on messages name a column status updates write", n)
	}
	if n := b.Int(t, s, `SELECT count(*) FROM pg_index WHERE indrelid = 'messages'::regclass`); n < 3 {
		t.Fatalf("messages has %d indexes; the check above saw nothing", n)
	}
}

func BenchmarkMessages(b *testing.B) { storetest.BenchMessages(b, storetest.Postgres) }

// TestAnswersStayOnTheirPage: a batch of campaign messages decided together
// and then answered keeps every row on the page it was inserted in, so that
// the answer's update is HOT and writes no index entry (migration 0032,
// fillfactor 45; at 0007's 70 about two in three moved). Ids and wamid are
// the lengths a real campaign writes.
func TestAnswersStayOnTheirPage(t *testing.T) {
	t.Parallel()
	b := storetest.Postgres
	s := b.Open(t)
	ctx := context.Background()
	pool := s.(*postgres.Store).Pool()
	c := campaign.Campaign{ID: "01a24b32-7412-75fb-b3f5-f7c6e0f6ca5a", Purpose: "offers"}
	const n = 250
	at := time.Now()
	ds, rs := make([]store.Decision, n), make([]store.Result, n)
	if err := s.Tx(ctx, func(tx store.Tx) error {
		for i := range n {
			id := fmt.Sprintf("01a24b33-0000-7000-8000-%012d", i)
			if err := tx.CreateContact(ctx, contact.Contact{ID: id, PhoneCT: make([]byte, 40), KeyWrapped: []byte("wrapped"),
				BlindIndex: []byte(fmt.Sprintf("index-%028d", i)), Region: "NO", Mobile: true, Language: "nb", CreatedAt: at}); err != nil {
				return err
			}
			mid := c.ID + ":" + id
			ds[i] = store.Decision{MessageID: mid, ContactID: id, Status: message.Sending, ConsentEventID: fmt.Sprintf("01a24b34-0000-7000-8000-%012d", i)}
			rs[i] = store.Result{MessageID: mid, Status: message.Sent, WAMID: fmt.Sprintf("wamid.HBgLNDc0MDAwMDAwMDAVAgARGBI%026X", i)}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if err := s.Tx(ctx, func(tx store.Tx) error { _, err := tx.DecideMessages(ctx, c, ds, at); return err }); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `CREATE TABLE decided_pages AS SELECT id, (ctid::text::point)[0] AS page FROM messages`); err != nil {
		t.Fatal(err)
	}
	if err := s.Tx(ctx, func(tx store.Tx) error { return tx.RecordResults(ctx, rs, at, 5) }); err != nil {
		t.Fatal(err)
	}
	if sent := b.Int(t, s, `SELECT count(*) FROM messages WHERE status = 'sent' AND wamid <> ''`); sent != n {
		t.Fatalf("%d of %d messages recorded sent", sent, n)
	}
	if moved := b.Int(t, s, `SELECT count(*) FROM messages m JOIN decided_pages d ON d.id = m.id
		WHERE (m.ctid::text::point)[0] <> d.page`); moved != 0 {
		t.Fatalf("%d of %d answered messages left their page: their updates wrote index entries", moved, n)
	}
}
