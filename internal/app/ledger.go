// SPDX-License-Identifier: AGPL-3.0-only

package app

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	"github.com/samtykke/samtykke/internal/access"
	"github.com/samtykke/samtykke/internal/consent"
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
	// States is the consent states compared with the fold of their chains.
	States int64 `json:"states_checked"`
	// Suppressions is the contacts who objected whose number's token was
	// found on the suppression list.
	Suppressions int64 `json:"suppressions_checked"`
	// Unchecked is the contacts who objected whose number is gone (erased,
	// or its key shredded): their token cannot be recomputed, so whether it
	// is still on the suppression list cannot be checked.
	Unchecked int64 `json:"suppressions_unchecked"`
	// Reread is the contacts whose stored states differed from the chains
	// as first read, and were read again, held against appends, before
	// being judged (an append committed meanwhile; 0 on a quiet database).
	Reread int64 `json:"states_reread"`
	// Checkpoint is the time of the newest signed checkpoint the chains
	// were compared with (zero before the first).
	Checkpoint time.Time `json:"checkpoint_at,omitzero"`
	// Accesses is the access-log entries whose chain was checked
	// (invariant 6); AccessHead and AccessHash are the seq and hash it ends
	// at, AccessPruned the seq up to which retention pruned it (its anchor).
	Accesses     int64  `json:"access_entries"`
	AccessHead   int64  `json:"access_head_seq"`
	AccessHash   string `json:"access_head_hash,omitempty"`
	AccessPruned int64  `json:"access_pruned_to,omitempty"`
}

// VerifyLedger recomputes every contact's chain (L-02, invariant 3): an edited,
// deleted, inserted or reordered event, a removed tail, evidence that no longer
// matches its digest: each returns a *ledger.Fault naming the first bad event.
// Erased contacts verify on their digests alone (L-05).
//
// It also checks the state derived from the chains (invariant 11): each
// contact's stored consent states must be what its events fold into
// (consent.Fold), and a contact who objected must have its number on the
// suppression list; a difference is a *ledger.Fault naming the contact and
// the purpose. So a change made straight in the database is found even
// where the chains are intact. And it compares the chains with the newest
// signed checkpoint (Checkpoint): each contact's head as of the
// checkpoint's time must be the one it signed, so a contact deleted with
// all its events, or a tail cut off with the head moved back to match, is a
// fault naming the contact. Memory stays constant: the derived state is
// compared a window of contacts at a time.
//
// Last it checks the access log's chain (invariant 6, verifyAccessLog): a
// changed, deleted, inserted or reordered entry, or a removed tail, is an
// *access.Fault naming the first bad entry.
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
	d, err := a.newDerivedCheck(ctx, &rep)
	if err != nil {
		return rep, err
	}
	cp, err := a.newCheckpointCheck(ctx, &rep)
	if err != nil {
		return rep, err
	}
	err = a.store.ScanChains(ctx, func(it store.ChainItem) error {
		if it.Event == nil {
			rep.Contacts++
			if err := v.Begin(it.ContactID); err != nil { // finishes the previous chain first
				return err
			}
			if err := d.begin(ctx, it.ContactID); err != nil { // and its derived state
				return err
			}
			if err := cp.begin(it.ContactID); err != nil { // and compares it with the checkpoint
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
			d.key, d.phone = key, it.PhoneSealed
			return nil
		}
		e := it.Event
		if err := v.Add(e.Event); err != nil {
			return err
		}
		rep.Events++
		d.add(e.Event)
		cp.add(e.Event)
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
	if err := v.Close(); err != nil {
		return rep, err
	}
	if err := d.close(ctx); err != nil {
		return rep, err
	}
	if err := cp.close(); err != nil {
		return rep, err
	}
	return rep, a.verifyAccessLog(ctx, &rep, cp.accessHead())
}

// verifyAccessLog checks the access log's chain from its newest anchor (the
// start left by pruning) to the head read with it; entries committed since
// lie after that head and wait for the next verification. The chain must
// pass through the head the newest checkpoint signed (signed, when it is
// not pruned yet): a tail cut off with the head set back, or an entry
// rewritten with the chain recomputed after it, is found so. Retention may
// prune while the chain is read: a fault is read again once if the anchor
// moved meanwhile.
func (a *App) verifyAccessLog(ctx context.Context, rep *VerifyReport, signed ledger.AccessHead) error {
	for try := 0; ; try++ {
		anchor, head, err := a.store.AccessLogEnds(ctx)
		if err != nil {
			return err
		}
		v := access.NewVerifier(anchor.Head)
		err = a.store.ScanAccessLog(ctx, anchor.Seq, head.Seq, func(e access.Entry) error {
			if err := v.Add(e); err != nil {
				return err
			}
			if e.Seq == signed.Seq && !bytes.Equal(e.Hash, signed.Hash) {
				return &access.Fault{EntryID: e.ID, Seq: e.Seq,
					Problem: "the checkpoint signed another hash at this seq (entries up to it were replaced)"}
			}
			return nil
		})
		if err == nil {
			err = v.Close(head)
		}
		if err == nil {
			err = checkSignedAccess(anchor, head, signed)
		}
		if err != nil && try == 0 {
			if now, _, rerr := a.store.AccessLogEnds(ctx); rerr == nil && now.Seq != anchor.Seq {
				continue
			}
		}
		rep.Accesses, rep.AccessHead, rep.AccessPruned = v.Count, head.Seq, anchor.Seq
		rep.AccessHash = hex.EncodeToString(head.Hash)
		return err
	}
}

// checkSignedAccess compares the ends of the access log's chain with the
// head a checkpoint signed.
func checkSignedAccess(anchor access.Anchor, head access.Head, signed ledger.AccessHead) error {
	switch {
	case signed.Seq == 0:
		return nil
	case signed.Seq > head.Seq:
		return &access.Fault{Seq: head.Seq, Problem: fmt.Sprintf(
			"the checkpoint signed head seq %d, the log ends at seq %d (entries were removed from the end)", signed.Seq, head.Seq)}
	case signed.Seq == anchor.Seq && !bytes.Equal(signed.Hash, anchor.Hash):
		return &access.Fault{Seq: anchor.Seq, Problem: "the pruning anchor's hash is not the one the checkpoint signed at its seq"}
	}
	return nil
}

// derivedWindow is how many contacts' folded states verification holds
// before it reads their stored states, and their suppressions, in one go.
const derivedWindow = 1000

// derivedCheck compares the state derived from the chains with what the
// chains fold into (invariant 11), as VerifyLedger streams them: the
// current contact's fold, then a window of finished contacts.
type derivedCheck struct {
	a        *App
	rep      *VerifyReport
	channels map[string]consent.Channel
	fold     *consent.Fold
	// The current contact: its id, data key and sealed number, and its
	// first objection, if any.
	contactID string
	key       *vault.DataKey
	phone     []byte
	objection *ledger.Event
	window    []folded
}

// folded is a finished contact of the window: its folded states, and, if
// it objected and its number is known, the number's suppression token.
type folded struct {
	contactID string
	states    []consent.State
	objection *ledger.Event
	token     []byte
}

func (a *App) newDerivedCheck(ctx context.Context, rep *VerifyReport) (*derivedCheck, error) {
	purposes, err := a.store.Purposes(ctx)
	if err != nil {
		return nil, err
	}
	d := &derivedCheck{a: a, rep: rep, channels: channels(purposes)}
	d.fold = consent.NewFold("", func(p string) consent.Channel { return d.channels[p] })
	return d, nil
}

// channels maps each purpose to its channel.
func channels(ps []consent.Purpose) map[string]consent.Channel {
	m := make(map[string]consent.Channel, len(ps))
	for _, p := range ps {
		m[p.Key] = p.Channel
	}
	return m
}

// begin finishes the current contact and starts contactID's fold.
func (d *derivedCheck) begin(ctx context.Context, contactID string) error {
	if err := d.finish(ctx); err != nil {
		return err
	}
	d.contactID, d.key, d.phone, d.objection = contactID, nil, nil, nil
	d.fold.Reset(contactID)
	return nil
}

// add folds the current contact's next event (its chain checked already).
func (d *derivedCheck) add(e ledger.Event) {
	d.fold.Add(e)
	if e.Kind == ledger.Objected && d.objection == nil {
		// Every path that records an objection puts the number on the
		// suppression list in the same transaction (App.object, and
		// linkBSUIDs for an objection that waited for its number).
		d.objection = &e
	}
}

// finish moves the current contact into the window, with the suppression
// token of its number if it objected, and checks the window once full.
func (d *derivedCheck) finish(ctx context.Context) error {
	if d.contactID == "" {
		return nil
	}
	f := folded{contactID: d.contactID, states: d.fold.States(), objection: d.objection}
	if d.objection != nil {
		if d.key == nil {
			d.rep.Unchecked++ // the number is gone with the key: its token cannot be recomputed
		} else {
			pt, err := d.key.Open(d.phone, contact.AAD(d.contactID, "phone"))
			if err != nil {
				return &ledger.Fault{ContactID: d.contactID, Problem: "the contact's number does not open under its key"}
			}
			f.token = d.a.vault.SuppressionToken(string(pt))
		}
	}
	d.contactID = ""
	d.window = append(d.window, f)
	if len(d.window) < derivedWindow {
		return nil
	}
	return d.check(ctx)
}

// close finishes the last contact and checks what the window holds.
func (d *derivedCheck) close(ctx context.Context) error {
	if err := d.finish(ctx); err != nil {
		return err
	}
	return d.check(ctx)
}

// check compares the window's folded states with the stored ones and looks
// up the tokens of those who objected, one read each; then empties it.
func (d *derivedCheck) check(ctx context.Context) error {
	if len(d.window) == 0 {
		return nil
	}
	ids := make([]string, len(d.window))
	var tokens [][]byte
	for i, f := range d.window {
		ids[i] = f.contactID
		if f.token != nil {
			tokens = append(tokens, f.token)
		}
	}
	// The window is a run of contacts in the order ScanChains walks: their
	// states are a range of the key. A contact created since the chains
	// were read may fall in it; it is not in the window and is left out.
	stored, err := d.a.store.ConsentStatesBetween(ctx, ids[0], ids[len(ids)-1])
	if err != nil {
		return err
	}
	byContact := make(map[string][]consent.State, len(ids))
	for _, s := range stored {
		byContact[s.ContactID] = append(byContact[s.ContactID], s)
	}
	suppressed, err := d.a.store.SuppressedTokens(ctx, tokens)
	if err != nil {
		return err
	}
	for _, f := range d.window {
		if purpose, problem := consent.Difference(f.states, byContact[f.contactID]); problem != "" {
			// The chains were read in one snapshot and the states after it:
			// an event appended meanwhile moved them on. Read the contact
			// again, held against appends, before calling it a fault.
			d.rep.Reread++
			if purpose, problem, err = d.a.recheckStates(ctx, f.contactID); err != nil {
				return err
			} else if problem != "" {
				return &ledger.Fault{ContactID: f.contactID, Purpose: purpose, Problem: problem}
			}
		}
		d.rep.States += int64(len(f.states))
		if f.token == nil {
			continue
		}
		// Suppressions are never removed, and the objection committed with
		// its own: it is there for every read after the chains' snapshot.
		at, ok := suppressed[string(f.token)]
		switch {
		case !ok:
			return &ledger.Fault{ContactID: f.contactID, EventID: f.objection.ID, Seq: f.objection.Seq,
				Problem: "the contact objected, but its number is not on the suppression list"}
		case at.IsZero():
			return &ledger.Fault{ContactID: f.contactID, EventID: f.objection.ID, Seq: f.objection.Seq,
				Problem: "the contact objected, but its number's suppression has no time (the gate reads it as not suppressed)"}
		}
		d.rep.Suppressions++
	}
	d.window = d.window[:0]
	return nil
}

// recheckStates folds a contact's chain and compares it with its stored
// states again, the contact held against appends (LockContact), all read in
// one transaction; it returns the first difference, if any.
func (a *App) recheckStates(ctx context.Context, contactID string) (purpose, problem string, err error) {
	err = a.store.Tx(ctx, func(tx store.Tx) error {
		if _, err := tx.LockContact(ctx, contactID); err != nil {
			return err
		}
		events, err := tx.Events(ctx, contactID)
		if err != nil {
			return err
		}
		purposes, err := tx.Purposes(ctx) // a purpose may have been created since the verification began
		if err != nil {
			return err
		}
		stored, err := tx.ConsentStates(ctx, contactID)
		if err != nil {
			return err
		}
		ch := channels(purposes)
		f := consent.NewFold(contactID, func(p string) consent.Channel { return ch[p] })
		var v ledger.Verifier
		for _, e := range events {
			if err := v.Add(e.Event); err != nil {
				return err
			}
			f.Add(e.Event)
		}
		purpose, problem = consent.Difference(f.States(), stored)
		return nil
	})
	return purpose, problem, err
}
