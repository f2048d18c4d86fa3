// SPDX-License-Identifier: AGPL-3.0-only

package chain

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"
)

// TestFieldsCanonicalForm pins the bytes a record's hash covers: each
// field as "len:value;", the previous hash last, in hex (L-01, S-02).
func TestFieldsCanonicalForm(t *testing.T) {
	prev := []byte{0xab, 0x01}
	f := NewFields("samtykke-test-v1", 8)
	f.Add("")
	f.Add("æø") // length in bytes, not runes
	got := f.Sum(prev)
	want := sha256.Sum256([]byte("16:samtykke-test-v1;0:;4:æø;4:ab01;"))
	if hex.EncodeToString(got) != hex.EncodeToString(want[:]) {
		t.Fatalf("hash %x, want %x", got, want)
	}
}

// TestFollows checks each broken link is named, and a good one passes
// (invariants 3 and 6).
func TestFollows(t *testing.T) {
	head := Head{Seq: 4, Hash: []byte{1, 2}}
	good := []byte{9}
	computed := func() []byte { return good }
	for _, c := range []struct {
		name      string
		seq       int64
		prev, sum []byte
		want      string
	}{
		{"linked", 5, []byte{1, 2}, good, ""},
		{"gap", 6, []byte{1, 2}, good, "sequence gap: expected seq 5 (an event was deleted or reordered)"},
		{"prev", 5, []byte{1, 3}, good, "prev_hash does not match the previous event's hash"},
		{"edited", 5, []byte{1, 2}, []byte{8}, "hash does not match the event's content (the event was edited)"},
	} {
		got := Follows(head, c.seq, c.prev, c.sum, computed, "event")
		if (c.want == "") != (got == "") || !strings.HasPrefix(got, c.want) {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
}
