// SPDX-License-Identifier: AGPL-3.0-only

package ledger

import (
	"encoding/hex"
	"testing"
	"time"
)

// TestComputeHashGolden pins an event's hash to the value stored chains
// hold (L-01, invariant 3): a change of the canonical form would break every
// existing chain.
func TestComputeHashGolden(t *testing.T) {
	at := time.Date(2026, 3, 4, 5, 6, 7, 8000, time.UTC)
	e := Event{ID: "ev1", ContactID: "c1", Seq: 2, Kind: Confirmed, Purpose: "offers", Channel: "whatsapp", At: at,
		Method: "double_opt_in", Source: "web", Actor: "user:1:kari", ValidUntil: at.AddDate(1, 0, 0), AgeConfirmed: true,
		EvidenceDigest: []byte{1, 2, 3}, PrevHash: []byte{0xfe, 0xed}}
	const want = "63be79bc40eb62e4551bf03ff5cb7203a96e8e3142eb6a87d569e11f8c1ede05"
	if got := hex.EncodeToString(e.ComputeHash()); got != want {
		t.Fatalf("ComputeHash = %s, want %s", got, want)
	}
}
