// SPDX-License-Identifier: AGPL-3.0-only

package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/samtykke/samtykke/internal/consent"
	"github.com/samtykke/samtykke/internal/ledger"
	"github.com/samtykke/samtykke/internal/store"
)

func exerciseCommitAfterContextEnds(t *testing.T, b Backend) {
	ctx := context.Background()
	s := b.Open(t)
	// Cut short half-way, a COMMIT may have committed or not: the
	// caller would not know (a campaign's decided batch left unsent).
	// Once the work is done the commit runs to its answer.
	short, cancel := context.WithCancel(ctx)
	p := consent.Purpose{Key: "late", Channel: consent.WhatsApp, Basis: consent.BasisConsent,
		Description: consent.Text{NB: "Sent", EN: "Late"}, RetentionDays: 30, CreatedAt: t0}
	if err := s.Tx(short, func(tx store.Tx) error {
		if err := tx.CreatePurpose(short, p); err != nil {
			return err
		}
		cancel()
		return nil
	}); err != nil {
		t.Fatalf("Tx whose context ended after its work: %v, want committed", err)
	}
	if _, err := s.Purpose(ctx, "late"); err != nil {
		t.Errorf("the purpose is not there: %v", err)
	}
}

func exerciseHeldWrites(t *testing.T, b Backend) {
	ctx := context.Background()
	s := b.Open(t)
	// Writes a backend may hold for the next statement are seen by the
	// reads after them in the same transaction, and commit with it.
	tokA, tokB := []byte("held-a"), []byte("held-b")
	item := store.InboxItem{ID: "h1", Digest: []byte("held"), ReceivedAt: t0, BodyCT: []byte("sealed")}
	tx(t, s, func(tx store.Tx) error {
		if err := tx.Suppress(ctx, tokA, "stopp", t0); err != nil {
			return err
		}
		if at, err := tx.SuppressedAt(ctx, tokA); err != nil || !at.Equal(t0) {
			t.Errorf("a single-row read after a held write = %v, %v; want %v", at, err, t0)
		}
		if err := tx.Suppress(ctx, tokB, "stopp", t0); err != nil {
			return err
		}
		if got, err := tx.SuppressedTokens(ctx, [][]byte{tokA, tokB}); err != nil || len(got) != 2 {
			t.Errorf("a query after a held write = %v, %v; want both tokens", got, err)
		}
		if err := tx.PutInbox(ctx, item); err != nil {
			return err
		}
		return tx.Enqueue(ctx, NoopArgs{N: 10}, nil)
	})
	if n := b.Int(t, s, `SELECT count(*) FROM webhook_inbox WHERE id = 'h1'`) +
		b.Int(t, s, `SELECT count(*) FROM river_job WHERE kind = 'storetest_noop'`); n != 2 {
		t.Errorf("held writes before Enqueue: %d of the body and its job committed, want 2", n)
	}
	// A held write that fails fails its transaction, as ErrConflict
	// where it is a duplicate, whatever call reports it, and the
	// transaction leaves nothing. More failures than the pool has
	// connections: a failed commit gives its connection back.
	tokC := []byte("held-c")
	// A leaked connection would make a later transaction wait for ever.
	short, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	next := map[string]func(store.Tx) error{
		"single-row read": func(tx store.Tx) error { _, err := tx.SuppressedAt(ctx, tokA); return err },
		"query":           func(tx store.Tx) error { _, err := tx.SuppressedTokens(ctx, [][]byte{tokA}); return err },
		"write":           func(tx store.Tx) error { _, err := tx.MarkSeen(ctx, "msg:held", t0); return err },
		"enqueue":         func(tx store.Tx) error { return tx.Enqueue(ctx, NoopArgs{N: 11}, nil) },
		"commit":          func(store.Tx) error { return nil },
	}
	for range 5 {
		for name, fn := range next {
			dup := item
			dup.ID = "h-" + name
			err := s.Tx(short, func(tx store.Tx) error {
				if err := tx.Suppress(ctx, tokC, "stopp", t0); err != nil {
					return err
				}
				if err := tx.PutInbox(ctx, dup); err != nil {
					return err
				}
				return fn(tx)
			})
			if !errors.Is(err, store.ErrConflict) {
				t.Errorf("a duplicate held before the %s: %v, want ErrConflict", name, err)
			}
		}
	}
	if err := s.Tx(short, func(tx store.Tx) error { _, err := tx.SuppressedAt(short, tokC); return err }); err != nil {
		t.Fatalf("a transaction after the failed ones: %v", err)
	}
	if n := b.Int(t, s, `SELECT count(*) FROM suppressions WHERE token = 'held-c'`) +
		b.Int(t, s, `SELECT count(*) FROM webhook_seen`) +
		b.Int(t, s, `SELECT count(*) FROM river_job WHERE kind = 'storetest_noop'`); n != 1 {
		t.Errorf("failed transactions left rows: %d, want only the first job", n)
	}
}

func exerciseRollback(t *testing.T, b Backend) {
	ctx := context.Background()
	s := b.Open(t)
	err := s.Tx(ctx, func(tx store.Tx) error {
		if err := tx.CreateContact(ctx, newContact("c1", 1)); err != nil {
			return err
		}
		if _, err := appendEvent(ctx, tx, "c1", ledger.Confirmed, "offers", t0); err != nil {
			return err
		}
		return errors.New("later step failed")
	})
	if err == nil {
		t.Fatal("want the error back")
	}
	if n := b.Int(t, s, `SELECT count(*) FROM contacts`) + b.Int(t, s, `SELECT count(*) FROM consent_events`); n != 0 {
		t.Errorf("rolled-back transaction left %d rows", n)
	}
}
