// SPDX-License-Identifier: AGPL-3.0-only

package ledger_test

import (
	"crypto/ed25519"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/samtykke/samtykke/internal/ledger"
)

// heads is each chain's head as of t, as a checkpoint takes them.
func heads(t time.Time, chains ...[]ledger.Event) []ledger.CheckpointHead {
	var out []ledger.CheckpointHead
	for _, c := range chains {
		a := ledger.AsOf{T: t}
		for _, e := range c {
			a.Add(e)
		}
		out = append(out, ledger.CheckpointHead{ContactID: c[0].ContactID, Head: a.Head()})
	}
	return out
}

// TestCheckpoint checks the signed checkpoint's rules (L-02, invariant 3):
// it signs the heads as of its time, an altered checkpoint or one signed
// with another key does not verify, and comparing names a contact whose
// events are gone or fewer.
func TestCheckpoint(t *testing.T) {
	t.Parallel()
	key := ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize))
	a, b := chain("a", 3), chain("b", 4)
	at := t0.Add(2 * time.Minute) // a's and b's first three events
	cp := ledger.NewCheckpoint(at, heads(at, a, b), ledger.AccessHead{}, key)
	if cp.Contacts != 2 || cp.Events != 6 {
		t.Fatalf("checkpoint counts %d contacts, %d events; want 2 and 6", cp.Contacts, cp.Events)
	}
	pub := key.Public().(ed25519.PublicKey)
	if err := cp.CheckSignature(pub); err != nil {
		t.Fatalf("fresh checkpoint: %v", err)
	}
	back, err := ledger.DecodeHeads(ledger.EncodeHeads(cp.Heads))
	if err != nil || !cmp.Equal(back, cp.Heads) {
		t.Fatalf("heads after a round trip = %v, %v; want %v", back, err, cp.Heads)
	}

	t.Run("altered", func(t *testing.T) {
		t.Parallel()
		other := ed25519.NewKeyFromSeed([]byte(strings.Repeat("x", ed25519.SeedSize)))
		for name, c := range map[string]ledger.Checkpoint{
			"count":      func() ledger.Checkpoint { c := cp; c.Contacts--; return c }(),
			"other key":  ledger.NewCheckpoint(at, cp.Heads, ledger.AccessHead{}, other),
			"heads":      func() ledger.Checkpoint { c := cp; c.Heads = c.Heads[1:]; return c }(),
			"signature":  func() ledger.Checkpoint { c := cp; c.Signature = append([]byte{1}, c.Signature[1:]...); return c }(),
			"time moved": func() ledger.Checkpoint { c := cp; c.At = c.At.Add(time.Second); return c }(),
		} {
			if err := c.CheckSignature(pub); !errors.Is(err, ledger.ErrBroken) {
				t.Errorf("%s: CheckSignature = %v; want a fault", name, err)
			}
		}
	})

	compare := func(chains ...[]ledger.Event) error {
		k := ledger.NewCheckpointCheck(cp)
		for _, h := range heads(at, chains...) {
			if err := k.Add(h.ContactID, h.Head); err != nil {
				return err
			}
		}
		return k.Close()
	}
	tests := []struct {
		name    string
		chains  [][]ledger.Event
		contact string // the contact the fault names; "" when it matches
	}{
		{"untouched, events appended since", [][]ledger.Event{chain("a", 5), chain("b", 4)}, ""},
		{"contact deleted", [][]ledger.Event{b}, "a"},
		{"tail cut", [][]ledger.Event{a, b[:2]}, "b"},
		{"contact inserted", [][]ledger.Event{a, b, chain("c", 1)}, "c"},
	}
	for _, tc := range tests {
		err := compare(tc.chains...)
		var f *ledger.Fault
		switch {
		case tc.contact == "" && err != nil:
			t.Errorf("%s: %v; want a match", tc.name, err)
		case tc.contact != "" && (!errors.As(err, &f) || f.ContactID != tc.contact):
			t.Errorf("%s: %v; want a fault naming %s", tc.name, err, tc.contact)
		}
	}
}

// TestWitnessed: the witness's newest checkpoint must be the database's
// newest or older; a newer one means checkpoints were deleted (L-02).
func TestWitnessed(t *testing.T) {
	t.Parallel()
	key := ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize))
	older := ledger.NewCheckpoint(t0, heads(t0, chain("a", 2)), ledger.AccessHead{}, key)
	newer := ledger.NewCheckpoint(t0.Add(time.Hour), heads(t0.Add(time.Hour), chain("a", 2)), ledger.AccessHead{}, key)
	for _, tc := range []struct {
		name            string
		stored, witness ledger.Checkpoint
		fault           bool
	}{
		{"same", newer, newer, false},
		{"witness older (written before the database's newest)", newer, older, false},
		{"witness newer: deleted", older, newer, true},
		{"none stored", ledger.Checkpoint{}, older, true},
		{"same time, other content", newer, func() ledger.Checkpoint { c := newer; c.Events++; return c }(), true},
	} {
		if err := ledger.Witnessed(tc.stored, tc.witness); (err != nil) != tc.fault {
			t.Errorf("%s: Witnessed = %v; want a fault: %v", tc.name, err, tc.fault)
		}
	}
}

// TestCheckpointSignsTheAccessHead: a checkpoint signs the access log's head
// too (invariant 6): taking it away or changing it breaks the signature,
// and a checkpoint without one signs the same bytes as before (v1), so
// those made before it still verify.
func TestCheckpointSignsTheAccessHead(t *testing.T) {
	t.Parallel()
	key := ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize))
	pub := key.Public().(ed25519.PublicKey)
	hs := heads(t0.Add(time.Hour), chain("a", 2))
	cp := ledger.NewCheckpoint(t0, hs, ledger.AccessHead{Seq: 7, Hash: []byte{1, 2, 3}}, key)
	if err := cp.VerifySignature(pub); err != nil {
		t.Fatalf("fresh checkpoint: %v", err)
	}
	for name, c := range map[string]ledger.Checkpoint{
		"access head taken away": func() ledger.Checkpoint { c := cp; c.Access = ledger.AccessHead{}; return c }(),
		"access seq moved back":  func() ledger.Checkpoint { c := cp; c.Access.Seq--; return c }(),
		"access hash changed":    func() ledger.Checkpoint { c := cp; c.Access.Hash = []byte{9}; return c }(),
	} {
		if err := c.VerifySignature(pub); !errors.Is(err, ledger.ErrBroken) {
			t.Errorf("%s: %v; want the signature to fail", name, err)
		}
	}
	v1 := ledger.NewCheckpoint(t0, hs, ledger.AccessHead{}, key)
	if got := string(v1.SignedBytes()); !strings.HasPrefix(got, "22:samtykke-checkpoint-v1;") {
		t.Errorf("a checkpoint without an access head signs %q; want the v1 bytes", got)
	}
}
