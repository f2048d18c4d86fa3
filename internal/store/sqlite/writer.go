// SPDX-License-Identifier: AGPL-3.0-only

package sqlite

import (
	"context"
	"slices"
	"sync"
)

// writer hands out the single writer connection one transaction at a time,
// urgent ones first: a withdrawal waits for the transaction in progress, not
// for every batch queued behind it (K-06; the opt-out latency in
// docs/performance.md).
type writer struct {
	mu             sync.Mutex
	held           bool
	urgent, normal []chan struct{}
}

// acquire waits for the writer; release must follow.
func (w *writer) acquire(ctx context.Context, urgent bool) error {
	w.mu.Lock()
	if !w.held {
		w.held = true
		w.mu.Unlock()
		return nil
	}
	ch := make(chan struct{})
	if urgent {
		w.urgent = append(w.urgent, ch)
	} else {
		w.normal = append(w.normal, ch)
	}
	w.mu.Unlock()
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		w.mu.Lock()
		queued := slices.Contains(w.urgent, ch) || slices.Contains(w.normal, ch)
		w.urgent = slices.DeleteFunc(w.urgent, func(c chan struct{}) bool { return c == ch })
		w.normal = slices.DeleteFunc(w.normal, func(c chan struct{}) bool { return c == ch })
		w.mu.Unlock()
		if !queued {
			w.release() // handed over as the context ended: pass it on
		}
		return ctx.Err()
	}
}

// release hands the writer to the next urgent waiter, else the next one.
func (w *writer) release() {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, q := range []*[]chan struct{}{&w.urgent, &w.normal} {
		if len(*q) > 0 {
			ch := (*q)[0]
			*q = (*q)[1:]
			close(ch)
			return
		}
	}
	w.held = false
}
