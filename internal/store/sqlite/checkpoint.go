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

// checkpointer copies the write-ahead log into the database file on a
// connection of its own, so that no write transaction waits for it. PASSIVE
// never blocks the writer or the readers; the last one, at close, truncates
// the log.
func checkpointer(path string) (stop func(), err error) {
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
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				_, _ = db.ExecContext(ctx, `PRAGMA wal_checkpoint(PASSIVE)`)
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
