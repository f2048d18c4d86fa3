// SPDX-License-Identifier: AGPL-3.0-only

package app

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/samtykke/samtykke/internal/job"
	"github.com/samtykke/samtykke/internal/message"
	"github.com/samtykke/samtykke/internal/store"
	"github.com/samtykke/samtykke/internal/whatsapp"
)

// statusWriter applies the statuses of webhook bodies that arrive together
// in one transaction (group commit): a campaign brings two or three a
// message, and each body still gets its 200 only once its own statuses are
// committed. A status only moves its message forward (message.Advance), so a
// redelivered body changes nothing (invariant 7) and need not be kept: the
// message it moved is the durable record.
//
// Before, each body was sealed and stored for the inbox worker, which opened,
// parsed and applied it later and then deleted it: with status webhooks on,
// storing, reading back and parsing again cost more CPU than applying.
type statusWriter struct {
	mu      sync.Mutex
	pending []statusWrite
	busy    bool // a goroutine is committing
}

type statusWrite struct {
	statuses []whatsapp.Status
	received time.Time // when its body came
	done     chan error
}

// applyStatuses applies one body's statuses, received at a time, with those
// of the bodies that arrived with it, and returns once they are committed.
func (a *App) applyStatuses(ctx context.Context, sts []whatsapp.Status, at time.Time) error {
	w := statusWrite{statuses: sts, received: at, done: make(chan error, 1)}
	b := &a.statuses
	b.mu.Lock()
	b.pending = append(b.pending, w)
	start := !b.busy
	b.busy = true
	b.mu.Unlock()
	if start {
		go a.commitStatuses(context.WithoutCancel(ctx))
	}
	select {
	case err := <-w.done:
		return err
	case <-ctx.Done():
		return ctx.Err() // what commits later is applied all the same
	}
}

// commitStatuses commits what is pending, a few bodies a transaction, until
// nothing is.
func (a *App) commitStatuses(ctx context.Context) {
	b := &a.statuses
	for {
		b.mu.Lock()
		n, count := 0, 0
		for n < len(b.pending) && (n == 0 || count+len(b.pending[n].statuses) <= maxStatusBatch) {
			count += len(b.pending[n].statuses)
			n++
		}
		batch := b.pending[:n]
		b.pending = b.pending[n:]
		if n == 0 {
			b.pending, b.busy = nil, false
			b.mu.Unlock()
			return
		}
		b.mu.Unlock()
		sts := make([]whatsapp.Status, 0, count)
		first := batch[0].received
		for _, w := range batch {
			sts = append(sts, w.statuses...)
			if w.received.Before(first) {
				first = w.received
			}
		}
		// An objection among them (131050) is timed from the first body's
		// receipt: never less than it took.
		tctx := received(ctx, first)
		err := a.store.Tx(tctx, func(tx store.Tx) error {
			if onlyProgress(sts) {
				// Waiting for the disk on every commit of delivery progress
				// delayed the campaign's own commits behind the flushes
				// (PostgreSQL, 100k, status webhooks on: decision-to-request
				// p99 78 ms against 18 ms, 7.7k against 9.6k msg/s). A
				// failure keeps the full wait: its reason, or an objection
				// (131050), must not be lost.
				if err := tx.LazyCommit(tctx); err != nil {
					return err
				}
			}
			return a.handleStatuses(tctx, tx, sts)
		})
		for _, w := range batch {
			w.done <- err
		}
	}
}

// storeInbox stores a body, sealed (it holds numbers), for the worker to
// handle (one whose handling failed as it came) and asks for the worker; a
// body already there counts as stored.
func (a *App) storeInbox(ctx context.Context, item store.InboxItem, body []byte) error {
	item.BodyCT = a.vault.Seal(body, inboxPurpose)
	err := a.store.Tx(ctx, func(tx store.Tx) error {
		if err := tx.PutInbox(ctx, item); err != nil {
			return err
		}
		return tx.Enqueue(ctx, job.ProcessInbox{}, nil)
	})
	if errors.Is(err, store.ErrConflict) {
		return nil
	}
	return err
}

// onlyProgress reports whether statuses only say a message got further
// (sent, delivered, read): no failure, nothing unrecognised.
func onlyProgress(sts []whatsapp.Status) bool {
	for _, st := range sts {
		switch message.Status(st.Status) {
		case message.Sent, message.Delivered, message.Read:
		default:
			return false
		}
	}
	return true
}
