// SPDX-License-Identifier: AGPL-3.0-only

package access

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/samtykke/samtykke/internal/chain"
)

// The access log is one hash chain (invariant 6, S-02): each entry's hash
// covers its fields and the previous entry's hash, in the order the entries
// committed (Seq, from 1). The database refuses to change or delete an entry
// except to prune an oldest prefix past its retention; an Anchor then keeps
// the seq and hash the rest of the chain starts from, so that what remains
// still proves itself whole.

// Head is the end of the chain: the last entry's seq and hash. The zero
// Head is the start of an empty log.
type Head = chain.Head

// Anchor is where the kept chain starts after pruning: the seq and hash of
// the last entry pruned, and when it was pruned. Anchors are append-only.
type Anchor struct {
	Head
	At time.Time
}

// Next fills in the chain fields of e as the entry following head, and its
// hash. Times are kept to the microsecond, as the store keeps them.
func Next(head Head, e Entry) Entry {
	e.Seq = head.Seq + 1
	e.PrevHash = head.Hash
	e.At = e.At.UTC().Truncate(time.Microsecond)
	e.Hash = e.ComputeHash()
	return e
}

// ComputeHash is SHA-256 over the entry's fields, each as "len:value;", and
// the previous entry's hash.
func (e Entry) ComputeHash() []byte {
	f := chain.NewFields("samtykke-access-v1", 256)
	f.Add(strconv.FormatInt(e.Seq, 10))
	f.Add(e.ID)
	f.Add(e.At.UTC().Format(time.RFC3339Nano))
	f.Add(e.Actor)
	f.Add(string(e.Action))
	f.Add(e.ContactID)
	f.Add(e.Reason)
	f.Add(e.RequestID)
	f.Add(e.Scope)
	rows := "" // unknown, as distinct from 0
	if e.Rows != nil {
		rows = strconv.FormatInt(*e.Rows, 10)
	}
	f.Add(rows)
	f.Add(string(e.Outcome))
	f.Add(e.Refers)
	return f.Sum(e.PrevHash)
}

// ErrBroken is wrapped by every verification failure of the access log.
var ErrBroken = errors.New("access log: chain does not verify")

// Fault says where and why the access log failed verification.
type Fault struct {
	EntryID string
	Seq     int64
	Problem string
}

func (f *Fault) Error() string {
	var b strings.Builder
	b.WriteString("access log")
	switch {
	case f.EntryID != "":
		fmt.Fprintf(&b, ": entry %s (seq %d)", f.EntryID, f.Seq)
	case f.Seq != 0:
		fmt.Fprintf(&b, ": at seq %d", f.Seq)
	}
	b.WriteString(": " + f.Problem)
	return b.String()
}

// Unwrap makes errors.Is(err, ErrBroken) true.
func (f *Fault) Unwrap() error { return ErrBroken }

// Verifier checks the chain entry by entry, in seq order, from where the
// newest anchor says the kept chain starts (the zero Head if nothing was
// pruned). Memory does not grow with the log.
type Verifier struct {
	head Head
	// Count is the number of entries checked so far.
	Count int64
}

// NewVerifier starts at the newest anchor's head.
func NewVerifier(start Head) *Verifier { return &Verifier{head: start} }

// Add checks the next entry.
func (v *Verifier) Add(e Entry) error {
	if p := chain.Follows(v.head, e.Seq, e.PrevHash, e.Hash, e.ComputeHash, "entry"); p != "" {
		return &Fault{EntryID: e.ID, Seq: e.Seq, Problem: p}
	}
	v.Count++
	v.head = Head{Seq: e.Seq, Hash: e.Hash}
	return nil
}

// Close compares the end of the chain with the head the log records: a
// removed tail leaves a shorter chain than the head says.
func (v *Verifier) Close(recorded Head) error {
	if v.head.Seq != recorded.Seq || !bytes.Equal(v.head.Hash, recorded.Hash) {
		return &Fault{Seq: v.head.Seq, Problem: fmt.Sprintf(
			"chain ends at seq %d but the log records head seq %d (entries were removed from the end, or the head was moved)",
			v.head.Seq, recorded.Seq)}
	}
	return nil
}

// Head is the end of the chain checked so far.
func (v *Verifier) Head() Head { return v.head }

// Prunable is how many of the oldest kept entries may be pruned: ats are
// their times in seq order, and only a prefix whose every entry is before
// cutoff may go (the chain is cut at one point, behind an anchor).
func Prunable(ats []time.Time, cutoff time.Time) int {
	for i, at := range ats {
		if !at.Before(cutoff) {
			return i
		}
	}
	return len(ats)
}
