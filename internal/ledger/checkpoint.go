// SPDX-License-Identifier: AGPL-3.0-only

package ledger

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"time"
)

// Checkpoint is a signed statement over every chain at a time (L-02,
// invariant 3): how many contacts had events then, how many events they had,
// and a root hash over each such contact's (id, head seq, head hash), in the
// order the store walks contacts. The chains alone cannot show a contact
// deleted with all its events, nor a tail cut off with the contact's head
// moved back to match; a checkpoint can, as long as its signing key (derived
// from the master key, never stored in the database) is not the attacker's.
type Checkpoint struct {
	At       time.Time `json:"at"`
	Contacts int64     `json:"contacts"`
	Events   int64     `json:"events"`
	Root     []byte    `json:"root"`
	// Access is the access log's head when the checkpoint was made
	// (invariant 6): signed with the rest, so that a tail of the log cut off
	// with its head set back to match, or an entry rewritten with the chain
	// recomputed, is found. Zero in a checkpoint made before migration 0025.
	Access    AccessHead `json:"access_head,omitzero"`
	PublicKey []byte     `json:"public_key"`
	Signature []byte     `json:"signature"`
	// Heads are the heads the root covers, so that verification can name a
	// contact whose events are gone; not signed themselves, they must hash to
	// the signed root. Left out of the JSON written outside (the witness
	// holds the root).
	Heads []CheckpointHead `json:"-"`
}

// AccessHead is the access log's head as a checkpoint signs it.
type AccessHead struct {
	Seq  int64  `json:"seq"`
	Hash []byte `json:"hash"`
}

// CheckpointHead is one contact's head as of a checkpoint's time.
type CheckpointHead struct {
	ContactID string
	Head      Head
}

// AsOf is the head of a chain as of a time: its last event with at <= t.
// Feed it the chain's events in order.
type AsOf struct {
	T    time.Time
	head Head
}

// Reset starts another chain.
func (a *AsOf) Reset() { a.head = Head{} }

// Add takes the chain's next event.
func (a *AsOf) Add(e Event) {
	if !e.At.After(a.T) {
		a.head = Head{Seq: e.Seq, Hash: e.Hash}
	}
}

// Head is the chain's head as of T (zero Seq: no event by then).
func (a *AsOf) Head() Head { return a.head }

// RootBuilder computes a checkpoint's root from heads given in order.
type RootBuilder struct {
	h        hash.Hash
	contacts int64
	events   int64
}

// NewRootBuilder starts a root.
func NewRootBuilder() *RootBuilder {
	r := &RootBuilder{h: sha256.New()}
	r.field("samtykke-checkpoint-root-v1")
	return r
}

func (r *RootBuilder) field(s string) { fmt.Fprintf(r.h, "%d:%s;", len(s), s) }

// Add adds one contact's head; a head with Seq 0 (no event) is left out.
func (r *RootBuilder) Add(contactID string, h Head) {
	if h.Seq == 0 {
		return
	}
	r.contacts++
	r.events += h.Seq
	r.field(contactID)
	r.field(fmt.Sprint(h.Seq))
	r.field(hex.EncodeToString(h.Hash))
}

// Sum returns the root and the contacts and events it covers.
func (r *RootBuilder) Sum() (root []byte, contacts, events int64) {
	return r.h.Sum(nil), r.contacts, r.events
}

// Root is the root over heads, in their order.
func Root(heads []CheckpointHead) (root []byte, contacts, events int64) {
	r := NewRootBuilder()
	for _, h := range heads {
		r.Add(h.ContactID, h.Head)
	}
	return r.Sum()
}

// SignedBytes is what a checkpoint's signature covers.
func (c Checkpoint) SignedBytes() []byte {
	var b bytes.Buffer
	field := func(s string) { fmt.Fprintf(&b, "%d:%s;", len(s), s) }
	// v2 adds the access log's head; a checkpoint without one keeps v1, so
	// that those made before it still verify. Taking the head away changes
	// the bytes: the signature then fails.
	v2 := c.Access.Seq != 0 || c.Access.Hash != nil
	if v2 {
		field("samtykke-checkpoint-v2")
	} else {
		field("samtykke-checkpoint-v1")
	}
	field(c.At.UTC().Format(time.RFC3339Nano))
	field(fmt.Sprint(c.Contacts))
	field(fmt.Sprint(c.Events))
	field(hex.EncodeToString(c.Root))
	field(hex.EncodeToString(c.PublicKey))
	if v2 {
		field(fmt.Sprint(c.Access.Seq))
		field(hex.EncodeToString(c.Access.Hash))
	}
	return b.Bytes()
}

// NewCheckpoint makes the checkpoint of heads at t and of the access log's
// head, signed with key.
func NewCheckpoint(t time.Time, heads []CheckpointHead, accessHead AccessHead, key ed25519.PrivateKey) Checkpoint {
	var kept []CheckpointHead
	for _, h := range heads {
		if h.Head.Seq > 0 {
			kept = append(kept, h)
		}
	}
	c := Checkpoint{At: t.UTC().Truncate(time.Microsecond), Heads: kept, Access: accessHead, PublicKey: key.Public().(ed25519.PublicKey)}
	c.Root, c.Contacts, c.Events = Root(kept)
	c.Signature = ed25519.Sign(key, c.SignedBytes())
	return c
}

// VerifySignature checks that the checkpoint (without its heads, as the
// witness file holds it) is signed by pub.
func (c Checkpoint) VerifySignature(pub ed25519.PublicKey) error {
	if !bytes.Equal(c.PublicKey, pub) {
		return c.fault("signed with another key than the master key's checkpoint key")
	}
	if len(c.Signature) != ed25519.SignatureSize || !ed25519.Verify(pub, c.SignedBytes(), c.Signature) {
		return c.fault("signature does not verify (the checkpoint was altered)")
	}
	return nil
}

func (c Checkpoint) fault(p string) error {
	return &Fault{Problem: "checkpoint of " + c.At.UTC().Format(time.RFC3339Nano) + ": " + p}
}

// Witnessed compares the newest checkpoint the database holds with the
// newest one of the witness outside, both signatures checked: a witness
// newer than the database's newest, or one whose signed content differs at
// the same time, means checkpoints were removed or replaced.
func Witnessed(stored, witness Checkpoint) error {
	switch {
	case witness.At.After(stored.At):
		return witness.fault("the witness holds it, the database's newest is older (checkpoints were deleted)")
	case witness.At.Equal(stored.At) && !bytes.Equal(witness.SignedBytes(), stored.SignedBytes()):
		return witness.fault("the witness's copy differs from the database's (the checkpoint was replaced)")
	}
	return nil
}

// CheckSignature checks that the checkpoint is signed by pub and that its
// heads hash to its signed root and counts.
func (c Checkpoint) CheckSignature(pub ed25519.PublicKey) error {
	fault := c.fault
	if err := c.VerifySignature(pub); err != nil {
		return err
	}
	root, contacts, events := Root(c.Heads)
	if !bytes.Equal(root, c.Root) || contacts != c.Contacts || events != c.Events {
		return fault("its stored heads do not hash to its signed root (they were altered)")
	}
	return nil
}

// CheckpointCheck compares the chains, contact by contact, with a
// checkpoint whose signature is checked already.
type CheckpointCheck struct {
	cp   Checkpoint
	want map[string]Head
	root *RootBuilder
}

// NewCheckpointCheck starts comparing with cp.
func NewCheckpointCheck(cp Checkpoint) *CheckpointCheck {
	want := make(map[string]Head, len(cp.Heads))
	for _, h := range cp.Heads {
		want[h.ContactID] = h.Head
	}
	return &CheckpointCheck{cp: cp, want: want, root: NewRootBuilder()}
}

// Add compares one contact's head as of the checkpoint's time (AsOf), given
// in the order the checkpoint was made in.
func (k *CheckpointCheck) Add(contactID string, h Head) error {
	w, ok := k.want[contactID]
	delete(k.want, contactID)
	at := k.cp.At.UTC().Format(time.RFC3339)
	switch {
	case !ok && h.Seq > 0:
		return &Fault{ContactID: contactID, Seq: h.Seq, Problem: fmt.Sprintf("has events at or before the checkpoint of %s, which does not know the contact (events were inserted)", at)}
	case ok && (h.Seq != w.Seq || !bytes.Equal(h.Hash, w.Hash)):
		return &Fault{ContactID: contactID, Seq: h.Seq, Problem: fmt.Sprintf("the checkpoint of %s records head seq %d, the chain has seq %d by then (events were removed or replaced)", at, w.Seq, h.Seq)}
	}
	k.root.Add(contactID, h)
	return nil
}

// Close reports a contact of the checkpoint not seen (its events are gone),
// and compares the recomputed root.
func (k *CheckpointCheck) Close() error {
	at := k.cp.At.UTC().Format(time.RFC3339)
	for _, h := range k.cp.Heads { // in order: the first one missing
		if _, missing := k.want[h.ContactID]; missing {
			return &Fault{ContactID: h.ContactID, Problem: fmt.Sprintf("the checkpoint of %s records head seq %d, but the contact's events are gone (the contact was deleted)", at, h.Head.Seq)}
		}
	}
	root, contacts, events := k.root.Sum()
	if !bytes.Equal(root, k.cp.Root) || contacts != k.cp.Contacts || events != k.cp.Events {
		return &Fault{Problem: fmt.Sprintf("the chains as of %s hash to another root than the checkpoint's (%d contacts and %d events, the checkpoint counts %d and %d)", at, contacts, events, k.cp.Contacts, k.cp.Events)}
	}
	return nil
}

// EncodeHeads packs heads for storage.
func EncodeHeads(heads []CheckpointHead) []byte {
	b := []byte{} // never nil: no heads is an empty value, not NULL
	for _, h := range heads {
		b = binary.AppendUvarint(b, uint64(len(h.ContactID)))
		b = append(b, h.ContactID...)
		b = binary.AppendUvarint(b, uint64(h.Head.Seq))
		b = binary.AppendUvarint(b, uint64(len(h.Head.Hash)))
		b = append(b, h.Head.Hash...)
	}
	return b
}

var errHeads = errors.New("ledger: checkpoint heads are malformed")

// DecodeHeads unpacks EncodeHeads.
func DecodeHeads(b []byte) ([]CheckpointHead, error) {
	var out []CheckpointHead
	next := func() ([]byte, bool) {
		n, k := binary.Uvarint(b)
		if k <= 0 || uint64(len(b)-k) < n {
			return nil, false
		}
		v := b[k : k+int(n)]
		b = b[k+int(n):]
		return v, true
	}
	for len(b) > 0 {
		id, ok := next()
		if !ok {
			return nil, errHeads
		}
		seq, k := binary.Uvarint(b)
		if k <= 0 {
			return nil, errHeads
		}
		b = b[k:]
		h, ok := next()
		if !ok {
			return nil, errHeads
		}
		out = append(out, CheckpointHead{ContactID: string(id), Head: Head{Seq: int64(seq), Hash: bytes.Clone(h)}})
	}
	return out, nil
}
