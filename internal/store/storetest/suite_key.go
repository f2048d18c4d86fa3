// SPDX-License-Identifier: AGPL-3.0-only

package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/samtykke/samtykke/internal/store"
)

func exerciseKey(t *testing.T, b Backend) {
	ctx := context.Background()
	s := b.Open(t)
	if fp, err := s.KeyFingerprint(ctx); !errors.Is(err, store.ErrNotFound) || fp != nil {
		t.Fatalf("KeyFingerprint of a new database = %x, %v; want ErrNotFound", fp, err)
	}
	if w, any, err := s.SealedSample(ctx); err != nil || any || w != nil {
		t.Fatalf("SealedSample of a new database = %q, %v, %v; want nothing", w, any, err)
	}
	tx(t, s, func(tx store.Tx) error { return tx.RecordKeyFingerprint(ctx, []byte("fp-1"), t0) })
	tx(t, s, func(tx store.Tx) error { return tx.RecordKeyFingerprint(ctx, []byte("fp-2"), t0) }) // the first stays
	if fp, err := s.KeyFingerprint(ctx); err != nil || string(fp) != "fp-1" {
		t.Fatalf("KeyFingerprint = %q, %v; want the first recorded", fp, err)
	}
	tx(t, s, func(tx store.Tx) error {
		return tx.PutInbox(ctx, store.InboxItem{ID: "i1", Digest: []byte("d1"), ReceivedAt: t0, BodyCT: []byte("x")})
	})
	if w, any, err := s.SealedSample(ctx); err != nil || !any || w != nil {
		t.Fatalf("SealedSample with a stored webhook body = %q, %v, %v; want sealed data and no key", w, any, err)
	}
	tx(t, s, func(tx store.Tx) error { return tx.CreateContact(ctx, newContact("c1", 1)) })
	if w, any, err := s.SealedSample(ctx); err != nil || !any || string(w) != "wrapped-c1" {
		t.Fatalf("SealedSample with a contact = %q, %v, %v; want its wrapped key", w, any, err)
	}
}

// exerciseKeyRing covers the keyring (S-01, issue 22 point 4): the first
// fingerprint is key 1, active; one key alone is active; a rotation finds
// the contacts not yet moved, locked, and moves them, a batch at a time.
func exerciseKeyRing(t *testing.T, b Backend) {
	ctx := context.Background()
	s := b.Open(t)
	if keys, err := s.Keys(ctx); err != nil || len(keys) != 0 {
		t.Fatalf("Keys of a new database = %v, %v; want none", keys, err)
	}
	tx(t, s, func(tx store.Tx) error { return tx.RecordKeyFingerprint(ctx, []byte("fp-1"), t0) })
	keys, err := s.Keys(ctx)
	if err != nil || len(keys) != 1 || keys[0].ID != 1 || string(keys[0].Fingerprint) != "fp-1" || keys[0].Role != "active" || !keys[0].CreatedAt.Equal(t0) {
		t.Fatalf("Keys after the first fingerprint = %+v, %v; want key 1 active", keys, err)
	}
	second := store.Key{ID: 2, Fingerprint: []byte("fp-2"), Role: "active", Carried: []byte("sealed"),
		CheckpointPub: []byte("cp"), ReceiptPub: []byte("rc"), CreatedAt: t0.Add(time.Hour)}
	if err := s.Tx(ctx, func(tx store.Tx) error { return tx.AddKey(ctx, second) }); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("a second active key: %v, want ErrConflict", err)
	}
	if err := s.Tx(ctx, func(tx store.Tx) error {
		return tx.AddKey(ctx, store.Key{ID: 3, Fingerprint: []byte("fp-1"), Role: "retired", CreatedAt: t0})
	}); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("a recorded fingerprint again: %v, want ErrConflict", err)
	}
	tx(t, s, func(tx store.Tx) error {
		if err := tx.SetKeyRole(ctx, 1, "retiring", time.Time{}); err != nil {
			return err
		}
		if err := tx.SetKeyPublished(ctx, 1, []byte("cp-1"), []byte("rc-1")); err != nil {
			return err
		}
		return tx.AddKey(ctx, second)
	})
	if err := s.Tx(ctx, func(tx store.Tx) error { return tx.SetKeyRole(ctx, 9, "retired", t0) }); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("SetKeyRole of no key: %v, want ErrNotFound", err)
	}
	keys, err = s.Keys(ctx)
	if err != nil || len(keys) != 2 || keys[0].Role != "retiring" || string(keys[0].CheckpointPub) != "cp-1" ||
		keys[1].Role != "active" || string(keys[1].Carried) != "sealed" || string(keys[1].ReceiptPub) != "rc" {
		t.Fatalf("Keys during a rotation = %+v, %v", keys, err)
	}
	if at, err := s.KeyRecordedAt(ctx); err != nil || !at.Equal(t0.Add(time.Hour)) {
		t.Fatalf("KeyRecordedAt = %v, %v; want the active key's", at, err)
	}

	for i, id := range []string{"k1", "k2", "k3"} {
		tx(t, s, func(tx store.Tx) error { return tx.CreateContact(ctx, newContact(id, byte(10+i))) })
	}
	if done, total, err := s.RekeyProgress(ctx, 2); err != nil || done != 0 || total != 3 {
		t.Fatalf("RekeyProgress before = %d/%d, %v; want 0/3", done, total, err)
	}
	var batch []store.Rekey
	tx(t, s, func(tx store.Tx) error {
		var err error
		if batch, err = tx.ContactsToRekey(ctx, 2, "", 2); err != nil {
			return err
		}
		return tx.Rekey(ctx, []store.Rekeyed{{ContactID: batch[0].ContactID, KeyID: 2, Wrapped: []byte("rewrapped"),
			Index: []byte("new-index")}, {ContactID: batch[1].ContactID, KeyID: 2}})
	})
	if len(batch) != 2 || batch[0].ContactID != "k1" || string(batch[0].Wrapped) != "wrapped-k1" || string(batch[0].PhoneCT) != "sealed-k1" {
		t.Fatalf("ContactsToRekey = %+v; want k1 and k2 with their sealed data", batch)
	}
	c, err := s.ContactByIndex(ctx, []byte("new-index"))
	if err != nil || c.ID != "k1" || string(c.KeyWrapped) != "rewrapped" {
		t.Fatalf("the moved contact by its new index = %+v, %v", c, err)
	}
	if c, err := s.Contact(ctx, "k2"); err != nil || string(c.BlindIndex) != string([]byte{11, 1, 2, 3}) {
		t.Fatalf("a move without a new index kept the old one? %+v, %v", c, err)
	}
	if done, total, err := s.RekeyProgress(ctx, 2); err != nil || done != 2 || total != 3 {
		t.Fatalf("RekeyProgress after a batch = %d/%d, %v; want 2/3", done, total, err)
	}
	tx(t, s, func(tx store.Tx) error {
		rest, err := tx.ContactsToRekey(ctx, 2, "", 10)
		if err != nil || len(rest) != 1 || rest[0].ContactID != "k3" {
			t.Errorf("ContactsToRekey after a batch = %+v, %v; want k3 alone", rest, err)
		}
		return err
	})
}
