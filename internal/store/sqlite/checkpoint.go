// SPDX-License-Identifier: AGPL-3.0-only

package sqlite

import (
	"context"
	"database/sql"
	"time"
)

// checkpointInterval is how often the write-ahead log is copied back into
// the database file.
const checkpointInterval = 250 * time.Millisecond

// restartAt is how long the log may grow before the checkpointer takes the
// writer's turn to restart it, and LogBound what the log's file stays under
// (journal_size_limit truncates it to that when it restarts).
const (
	restartAt = 16 << 20
	LogBound  = 64 << 20
)

// checkpointer copies the write-ahead log into the database file on a
// connection of its own, so that no write transaction waits for it. PASSIVE
// never blocks the writer or the readers; the last one, at close, truncates
// the log.
//
// A passive checkpoint alone never lets the log restart under a continuous
// writer (an import, a campaign's batches): SQLite rewinds the log only at
// the start of a write transaction that finds every frame copied back, and
// the next transaction has always appended more by then (3.7 GB at 370,000
// imported rows). So when the log holds more than restartAt, the
// checkpointer waits its turn on the writer (behind urgent transactions
// like any batch), copies back the little the last passive checkpoint left,
// and restarts the log (RESTART: it waits, briefly, for readers of older
// snapshots). A reader holding a snapshot for long (an export) can still
// hold the log; the next tick tries again.
func checkpointer(path string, w *writer) (stop func(), err error) {
	db, err := sql.Open("sqlite", dsn(path, false))
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(checkpointInterval)
		defer t.Stop()
		page := int64(4096)
		var restarted int64
		_ = db.QueryRowContext(ctx, `PRAGMA page_size`).Scan(&page)
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				var busy, logged, copied int64
				if err := db.QueryRowContext(ctx, `PRAGMA wal_checkpoint(PASSIVE)`).Scan(&busy, &logged, &copied); err == nil && logged*page > restartAt && logged != restarted {
					restarted = restart(ctx, db, w)
				}
			}
		}
	}()
	return func() {
		cancel()
		<-done
		_, _ = db.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`)
		_ = db.Close()
	}, nil
}

// restart checkpoints the whole log on the writer's turn and restarts it,
// waiting for readers at most restartWait, and returns the log's length it
// saw. It takes the turn ahead of the batches queued, like a withdrawal:
// what it copies and syncs while it holds the writer is what was appended
// since the last passive checkpoint, so the shorter its wait the shorter
// its hold (at 100,000 messages, behind the batches: a 90-170 ms wait, then
// 18-26 ms held; ahead of them, 13-23 ms held). Until the writer's next
// transaction rewinds the log, a passive checkpoint still reports its old
// length; the checkpointer does not restart for that again (each restart
// was followed by a second one about 200 ms later, another hold).
func restart(ctx context.Context, db *sql.DB, w *writer) (logged int64) {
	if err := w.acquire(ctx, true); err != nil {
		return
	}
	defer w.release()
	c, err := db.Conn(ctx)
	if err != nil {
		return 0
	}
	defer c.Close()
	_, _ = c.ExecContext(ctx, `PRAGMA busy_timeout = `+restartWait)
	var busy, copied int64
	_ = c.QueryRowContext(ctx, `PRAGMA wal_checkpoint(RESTART)`).Scan(&busy, &logged, &copied)
	_, _ = c.ExecContext(context.WithoutCancel(ctx), `PRAGMA busy_timeout = 10000`)
	return logged
}

// restartWait is how long, in milliseconds, a restart waits for readers of
// older snapshots and a writer outside the turn (River's own): every
// transaction queued for the writer waits as long, so it is short, and a
// restart a reader kept from finishing is tried again at the next tick (at
// 200 ms, a reader counting a campaign's messages held a withdrawal back
// 376 ms: the restart's wait, then the transaction behind it).
const restartWait = "10"
