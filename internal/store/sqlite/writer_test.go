// SPDX-License-Identifier: AGPL-3.0-only

package sqlite

import (
	"context"
	"testing"
	"time"
)

// TestWriterUrgentFirst: an urgent transaction waiting for the writer gets it
// before normal ones that queued earlier; a waiter whose context ends leaves
// the queue without taking the writer with it.
func TestWriterUrgentFirst(t *testing.T) {
	var w writer
	ctx := context.Background()
	if err := w.acquire(ctx, false); err != nil {
		t.Fatal(err)
	}
	order := make(chan string, 3)
	wait := func(name string, urgent bool) {
		if err := w.acquire(ctx, urgent); err != nil {
			t.Error(err)
			return
		}
		order <- name
		w.release()
	}
	go wait("normal-1", false)
	waitQueued(t, &w, 0, 1)
	go wait("normal-2", false)
	waitQueued(t, &w, 0, 2)
	cancelled, cancel := context.WithCancel(ctx)
	gone := make(chan error)
	go func() { gone <- w.acquire(cancelled, true) }()
	waitQueued(t, &w, 1, 2)
	cancel()
	if err := <-gone; err == nil {
		t.Fatal("a cancelled waiter got the writer")
	}
	go wait("urgent", true)
	waitQueued(t, &w, 1, 2)
	w.release()
	var got []string
	for range 3 {
		got = append(got, <-order)
	}
	if got[0] != "urgent" || got[1] != "normal-1" || got[2] != "normal-2" {
		t.Fatalf("order = %v, want urgent first, then normal in arrival order", got)
	}
	if err := w.acquire(ctx, false); err != nil { // free again
		t.Fatal(err)
	}
}

func waitQueued(t *testing.T, w *writer, urgent, normal int) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		w.mu.Lock()
		u, n := len(w.urgent), len(w.normal)
		w.mu.Unlock()
		if u == urgent && n == normal {
			return
		}
	}
	t.Fatalf("queue never reached %d urgent, %d normal", urgent, normal)
}
