// SPDX-License-Identifier: AGPL-3.0-only

package app

import (
	"context"
	"sync"
	"time"

	"github.com/samtykke/samtykke/internal/job"
	"github.com/samtykke/samtykke/internal/store"
	"github.com/samtykke/samtykke/internal/whatsapp"
)

// inboxWriter stores status webhook bodies that arrive together in one
// transaction (group commit): a campaign brings two or three a message, and
// each still gets its 200 only once its body is stored.
type inboxWriter struct {
	mu      sync.Mutex
	pending []inboxWrite
	busy    bool // a goroutine is committing
	// queued is the end of the period whose inbox job this process has
	// committed: River would refuse another for that period (unique by
	// period), and asking it cost 6% of the CPU with status webhooks on.
	queued time.Time

	// parsed holds what this process parsed of the bodies it stored, for
	// its inbox worker: parsing each status body again there (and opening
	// its seal) took 15% of the CPU with status webhooks on. Bodies another
	// replica handles are never taken; the map is emptied when full.
	parsedMu sync.Mutex
	parsed   map[string]*whatsapp.WebhookPayload
}

// maxParsed bounds the payloads kept for the inbox worker.
const maxParsed = 4096

// keep remembers a stored body's payload for the inbox worker.
func (b *inboxWriter) keep(id string, p *whatsapp.WebhookPayload) {
	b.parsedMu.Lock()
	defer b.parsedMu.Unlock()
	if b.parsed == nil || len(b.parsed) >= maxParsed {
		b.parsed = make(map[string]*whatsapp.WebhookPayload)
	}
	b.parsed[id] = p
}

// take returns the payload kept for a body, if this process stored it.
func (b *inboxWriter) take(id string) (*whatsapp.WebhookPayload, bool) {
	b.parsedMu.Lock()
	defer b.parsedMu.Unlock()
	p, ok := b.parsed[id]
	delete(b.parsed, id)
	return p, ok
}

type inboxWrite struct {
	item store.InboxItem
	done chan error
}

// maxInboxBatch bounds one transaction of bodies, and so how long a
// withdrawal can wait behind it on SQLite's single writer (measured, N=50k
// with status webhooks: opt-out p99 84 and 74 ms with 200, 119 and 95 ms
// with 1,000).
const maxInboxBatch = 200

// storeInbox stores a body for the inbox worker and returns once it is
// committed (a body already there counts as stored); its payload is kept for
// the worker.
func (a *App) storeInbox(ctx context.Context, item store.InboxItem, payload *whatsapp.WebhookPayload) error {
	w := inboxWrite{item: item, done: make(chan error, 1)}
	b := &a.inbox
	b.keep(item.ID, payload) // before the commit: the worker may run right after it
	b.mu.Lock()
	b.pending = append(b.pending, w)
	start := !b.busy
	b.busy = true
	b.mu.Unlock()
	if start {
		go a.commitInbox(context.WithoutCancel(ctx))
	}
	select {
	case err := <-w.done:
		if err != nil {
			b.take(item.ID)
		}
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// commitInbox commits what is pending, batch after batch, until nothing is.
func (a *App) commitInbox(ctx context.Context) {
	b := &a.inbox
	for {
		b.mu.Lock()
		batch := b.pending[:min(len(b.pending), maxInboxBatch)]
		b.pending = b.pending[len(batch):]
		if len(batch) == 0 {
			b.pending, b.busy = nil, false
			b.mu.Unlock()
			return
		}
		period := job.ProcessInbox{}.PeriodEnd(time.Now())
		enqueue := !b.queued.Equal(period)
		b.mu.Unlock()
		items := make([]store.InboxItem, len(batch))
		for i, w := range batch {
			items[i] = w.item
		}
		err := a.store.Tx(ctx, func(tx store.Tx) error {
			if err := tx.PutInboxMany(ctx, items); err != nil || !enqueue {
				return err
			}
			return tx.Enqueue(ctx, job.ProcessInbox{}, nil)
		})
		if err == nil && enqueue {
			b.mu.Lock()
			b.queued = period
			b.mu.Unlock()
		}
		for _, w := range batch {
			w.done <- err
		}
	}
}
