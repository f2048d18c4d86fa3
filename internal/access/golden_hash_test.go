// SPDX-License-Identifier: AGPL-3.0-only

package access

import (
	"encoding/hex"
	"testing"
	"time"
)

// TestComputeHashGolden pins an entry's hash to the value a stored access
// log holds (invariant 6, S-02): a change of the canonical form would break
// the stored chain.
func TestComputeHashGolden(t *testing.T) {
	rows := int64(12)
	e := Entry{ID: "a1", At: time.Date(2026, 3, 4, 5, 6, 7, 8000, time.UTC), Actor: "cli:root", Action: "export",
		ContactID: "c1", Reason: "årsak", RequestID: "r1", Scope: "contacts", Rows: &rows, Outcome: "ok", Refers: "a0",
		Seq: 3, PrevHash: []byte{0xfe, 0xed}}
	const want = "88d58728bc83c44ed53a67c2b9a532cd213cfd0c82b307c2087095732a938071"
	if got := hex.EncodeToString(e.ComputeHash()); got != want {
		t.Fatalf("ComputeHash = %s, want %s", got, want)
	}
}
