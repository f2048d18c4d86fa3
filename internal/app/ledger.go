// SPDX-License-Identifier: AGPL-3.0-only

package app

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"

	"github.com/samtykke/samtykke/internal/contact"
	"github.com/samtykke/samtykke/internal/ledger"
	"github.com/samtykke/samtykke/internal/store"
	"github.com/samtykke/samtykke/internal/vault"
)

// VerifyReport is the outcome of a ledger verification.
type VerifyReport struct {
	Contacts int64 `json:"contacts"`
	Events   int64 `json:"events"`
	Evidence int64 `json:"evidence_checked"` // events whose sealed evidence was opened and matched
}

// VerifyLedger recomputes every contact's chain (L-02, invariant 3): an edited,
// deleted, inserted or reordered event, a removed tail, evidence that no longer
// matches its digest: each returns a *ledger.Fault naming the first bad event.
// Erased contacts verify on their digests alone (L-05).
func (a *App) VerifyLedger(ctx context.Context) (VerifyReport, error) {
	var rep VerifyReport
	var recorded ledger.Head
	var key *vault.DataKey
	v := ledger.Verifier{Heads: func(id string, got ledger.Head) error {
		if got.Seq != recorded.Seq || !bytes.Equal(got.Hash, recorded.Hash) {
			return &ledger.Fault{ContactID: id, Seq: got.Seq,
				Problem: fmt.Sprintf("chain ends at seq %d but the contact records head seq %d (events were removed from the end)", got.Seq, recorded.Seq)}
		}
		return nil
	}}
	err := a.store.ScanChains(ctx, func(it store.ChainItem) error {
		if it.Event == nil {
			rep.Contacts++
			if err := v.Begin(it.ContactID); err != nil { // finishes the previous chain first
				return err
			}
			recorded, key = it.Head, nil
			if it.KeyWrapped != nil {
				k, err := a.vault.Unwrap(it.KeyWrapped)
				if err != nil {
					return &ledger.Fault{ContactID: it.ContactID, Problem: "the contact's data key does not open: " + err.Error()}
				}
				key = k
			}
			return nil
		}
		e := it.Event
		if err := v.Add(e.Event); err != nil {
			return err
		}
		rep.Events++
		if key != nil && e.SealedEvidence != nil {
			pt, err := key.Open(e.SealedEvidence, contact.AAD(e.ContactID, "evidence/"+e.ID))
			if err != nil {
				return &ledger.Fault{ContactID: e.ContactID, EventID: e.ID, Seq: e.Seq, Problem: "sealed evidence does not open (it was altered or moved)"}
			}
			var ev ledger.Evidence
			if err := json.Unmarshal(pt, &ev); err != nil {
				return &ledger.Fault{ContactID: e.ContactID, EventID: e.ID, Seq: e.Seq, Problem: "evidence is not valid JSON"}
			}
			if !bytes.Equal(ev.Digest(), e.EvidenceDigest) {
				return &ledger.Fault{ContactID: e.ContactID, EventID: e.ID, Seq: e.Seq, Problem: "evidence does not match its digest"}
			}
			rep.Evidence++
		}
		return nil
	})
	if err != nil {
		return rep, err
	}
	return rep, v.Close()
}
