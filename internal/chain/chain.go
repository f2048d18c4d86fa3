// SPDX-License-Identifier: AGPL-3.0-only

// Package chain links records into a hash chain and checks the links: each
// record's hash covers its canonical fields and the previous record's hash,
// and its seq follows the previous one's. The consent ledger (one chain per
// contact, invariant 3) and the access log (one chain, invariant 6) are
// such chains.
package chain

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
)

// Head is the end of a chain: the last record's seq and hash. The zero
// Head is the start of an empty chain.
type Head struct {
	Seq  int64
	Hash []byte
}

// Fields is a record's canonical form as it is built: each field as
// "len:value;", appended to one buffer (an import hashes a million events:
// fmt's printer was a tenth of its ledger time).
type Fields struct{ b []byte }

// NewFields starts a record's canonical form with its format's name
// ("samtykke-ledger-v1"); size is the buffer to start with.
func NewFields(format string, size int) Fields {
	f := Fields{b: make([]byte, 0, size)}
	f.Add(format)
	return f
}

// Add appends one field.
func (f *Fields) Add(s string) {
	f.b = strconv.AppendInt(f.b, int64(len(s)), 10)
	f.b = append(f.b, ':')
	f.b = append(f.b, s...)
	f.b = append(f.b, ';')
}

// Sum appends the previous record's hash as the last field and returns the
// SHA-256 of the whole: the record's hash.
func (f *Fields) Sum(prevHash []byte) []byte {
	f.Add(hex.EncodeToString(prevHash))
	sum := sha256.Sum256(f.b)
	return sum[:]
}

// Follows says why a record does not follow head, or "" when it does: its
// seq must be the next, its prev_hash head's hash, and its hash the one its
// content gives (computed). noun names a record in the problem ("entry",
// "event").
func Follows(head Head, seq int64, prevHash, hash []byte, computed func() []byte, noun string) string {
	switch {
	case seq != head.Seq+1:
		return fmt.Sprintf("sequence gap: expected seq %d (an %s was deleted or reordered)", head.Seq+1, noun)
	case !bytes.Equal(prevHash, head.Hash):
		return fmt.Sprintf("prev_hash does not match the previous %s's hash (an %s was deleted, inserted or reordered)", noun, noun)
	case !bytes.Equal(computed(), hash):
		return fmt.Sprintf("hash does not match the %s's content (the %s was edited)", noun, noun)
	}
	return ""
}
