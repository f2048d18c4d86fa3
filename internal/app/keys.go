// SPDX-License-Identifier: AGPL-3.0-only

package app

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/samtykke/samtykke/internal/contact"
	"github.com/samtykke/samtykke/internal/job"
	"github.com/samtykke/samtykke/internal/store"
	"github.com/samtykke/samtykke/internal/vault"
)

// Key management and rotation without downtime (S-01, issue 22 point 4).
// A rotation makes a new master key active at once — new data keys are
// wrapped, new numbers indexed, checkpoints and receipts signed under it —
// and keeps the old one retiring while the job RotateKeys moves every
// contact to the new key in batches; meanwhile look-ups try both indexes
// (lookup.go). When no contact is left under the old key, and every replica
// has had time to learn of the new one (KeyGrace), the old key is retired:
// its master key may then be removed.

// KeyGrace is how long after a rotation starts the old key stays retiring
// though no contact is left under it (Config.KeyGrace): long enough for
// every replica to learn of the new key (each reads the key table every
// KeyRefresh) and stop writing under the old one.
const KeyGrace = 3 * KeyRefresh

// KeyRefresh is how often a serving replica reads the key table and its
// key provider again.
const KeyRefresh = 10 * time.Second

// rekeyBatch is how many contacts one transaction of a rotation moves.
const rekeyBatch = 500

// ErrKeyRotation: a rotation cannot start or go on as asked.
var ErrKeyRotation = errors.New("key rotation")

// RefreshKeys applies the key table to the vault: which key is active and
// which retire. masters, when not nil, are the keys the provider gives now.
func (a *App) RefreshKeys(ctx context.Context, masters [][]byte) error {
	keys, err := a.store.Keys(ctx)
	if err != nil {
		return err
	}
	if len(keys) == 0 {
		return nil // a new database: unlock records key 1
	}
	if err := a.vault.Apply(masters, KeyRecords(keys)); err != nil {
		return err
	}
	// The public signing keys of a key held here that the table lacks (key
	// 1 from before the keyring): what it signed must stay verifiable once
	// it is gone.
	for _, k := range keys {
		if k.CheckpointPub != nil {
			continue
		}
		for _, p := range a.vault.PublishedKeys() {
			if p.KeyID == k.ID {
				if err := a.store.Tx(ctx, func(tx store.Tx) error {
					return tx.SetKeyPublished(ctx, k.ID, p.Checkpoint, p.Receipt)
				}); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// KeyRecords are the key table's rows as the vault takes them (Apply).
func KeyRecords(keys []store.Key) []vault.Recorded {
	out := make([]vault.Recorded, 0, len(keys))
	for _, k := range keys {
		out = append(out, vault.Recorded{ID: k.ID, Fingerprint: k.Fingerprint, Role: k.Role, Carried: k.Carried,
			Published: vault.Published{KeyID: k.ID, Checkpoint: k.CheckpointPub, Receipt: k.ReceiptPub}})
	}
	return out
}

// KeyStatus is what `samtykke keys status` shows and the audit reads.
type KeyStatus struct {
	Keys []KeyInfo `json:"keys"`
	// Rotation is the rotation running, if any.
	Rotation *Rotation `json:"rotation,omitempty"`
	// Staged are the fingerprints of keys this process holds that the
	// database does not record: the next key, ready for `keys rotate`.
	Staged []string `json:"staged,omitempty"`
}

// KeyInfo is one recorded key.
type KeyInfo struct {
	ID          int        `json:"id"`
	Fingerprint string     `json:"fingerprint"` // short hex
	Role        string     `json:"role"`
	Created     time.Time  `json:"created"`
	AgeDays     int        `json:"age_days"`
	Retired     *time.Time `json:"retired,omitempty"`
	// Loaded says whether this process holds the master key.
	Loaded bool `json:"loaded"`
	// Removable: retired, so its master key may be removed from every replica.
	Removable bool `json:"removable"`
}

// Rotation is a rotation's progress.
type Rotation struct {
	From    []int     `json:"from"`
	To      int       `json:"to"`
	Started time.Time `json:"started"`
	Moved   int64     `json:"moved"`
	Total   int64     `json:"total"`
}

// KeyStatus reads the key table and the rotation's progress.
func (a *App) KeyStatus(ctx context.Context) (KeyStatus, error) {
	keys, err := a.store.Keys(ctx)
	if err != nil {
		return KeyStatus{}, err
	}
	now := a.now()
	var st KeyStatus
	loaded := a.vault.Loaded()
	holds := func(fp []byte) bool {
		return slices.ContainsFunc(loaded, func(l vault.LoadedKey) bool { return string(l.Fingerprint) == string(fp) })
	}
	var active store.Key
	var from []int
	for _, k := range keys {
		info := KeyInfo{ID: k.ID, Fingerprint: vault.Short(k.Fingerprint), Role: k.Role, Created: k.CreatedAt,
			AgeDays: int(now.Sub(k.CreatedAt) / (24 * time.Hour)), Loaded: holds(k.Fingerprint), Removable: k.Role == vault.RoleRetired}
		if !k.RetiredAt.IsZero() {
			at := k.RetiredAt
			info.Retired = &at
		}
		st.Keys = append(st.Keys, info)
		switch k.Role {
		case vault.RoleActive:
			active = k
		case vault.RoleRetiring:
			from = append(from, k.ID)
		}
	}
	for _, l := range loaded {
		if !slices.ContainsFunc(keys, func(k store.Key) bool { return string(k.Fingerprint) == string(l.Fingerprint) }) {
			st.Staged = append(st.Staged, vault.Short(l.Fingerprint))
		}
	}
	if len(from) > 0 {
		moved, total, err := a.store.RekeyProgress(ctx, active.ID)
		if err != nil {
			return st, err
		}
		st.Rotation = &Rotation{From: from, To: active.ID, Started: active.CreatedAt, Moved: moved, Total: total}
	}
	return st, nil
}

// RotateKeys starts a rotation to the one key this process holds that the
// database does not record (give it beside the current key, on every
// replica, first): it becomes active, the active key retiring, and the job
// that moves the contacts is queued. It refuses while a rotation runs.
func (a *App) RotateKeys(ctx context.Context) (KeyStatus, error) {
	if err := a.RefreshKeys(ctx, nil); err != nil {
		return KeyStatus{}, err
	}
	keys, err := a.store.Keys(ctx)
	if err != nil {
		return KeyStatus{}, err
	}
	if len(keys) == 0 {
		return KeyStatus{}, fmt.Errorf("%w: the database records no key yet: start the service once first", ErrKeyRotation)
	}
	next := 0
	var active store.Key
	for _, k := range keys {
		switch k.Role {
		case vault.RoleRetiring:
			return KeyStatus{}, fmt.Errorf("%w: a rotation from key %d runs; let it finish (samtykke keys status)", ErrKeyRotation, k.ID)
		case vault.RoleActive:
			active = k
		}
		next = max(next, k.ID+1)
	}
	var staged []vault.LoadedKey
	for _, l := range a.vault.Loaded() {
		if l.ID == 0 {
			staged = append(staged, l)
		}
	}
	if len(staged) != 1 {
		return KeyStatus{}, fmt.Errorf("%w: give exactly one new master key beside the active one (key %d, fingerprint %s); %d are given that the database does not record",
			ErrKeyRotation, active.ID, vault.Short(active.Fingerprint), len(staged))
	}
	if next > 255 {
		return KeyStatus{}, fmt.Errorf("%w: key ids are spent (255)", ErrKeyRotation)
	}
	rec, err := a.vault.Next(staged[0], next)
	if err != nil {
		return KeyStatus{}, err
	}
	err = a.store.Tx(ctx, func(tx store.Tx) error {
		if err := tx.SetKeyRole(ctx, active.ID, vault.RoleRetiring, time.Time{}); err != nil {
			return err
		}
		if err := tx.AddKey(ctx, store.Key{ID: rec.ID, Fingerprint: rec.Fingerprint, Role: vault.RoleActive, Carried: rec.Carried,
			CheckpointPub: rec.Published.Checkpoint, ReceiptPub: rec.Published.Receipt, CreatedAt: a.now()}); err != nil {
			return err
		}
		return tx.Enqueue(ctx, job.RotateKeys{}, nil)
	})
	if err != nil {
		return KeyStatus{}, err
	}
	if err := a.RefreshKeys(ctx, nil); err != nil {
		return KeyStatus{}, err
	}
	return a.KeyStatus(ctx)
}

// RotateStep moves contacts to the active key for up to slice; more says
// whether the job should run again (after wait). When none is left under a
// retiring key and KeyGrace has passed since the rotation began, it retires
// the old keys. A contact whose data key opens under no key held fails it.
func (a *App) RotateStep(ctx context.Context, slice time.Duration) (more bool, wait time.Duration, err error) {
	if err := a.RefreshKeys(ctx, nil); err != nil {
		return false, 0, err
	}
	keys, err := a.store.Keys(ctx)
	if err != nil {
		return false, 0, err
	}
	var active store.Key
	var retiring []int
	for _, k := range keys {
		switch k.Role {
		case vault.RoleActive:
			active = k
		case vault.RoleRetiring:
			retiring = append(retiring, k.ID)
		}
	}
	if len(retiring) == 0 {
		return false, 0, nil
	}
	if a.vault.ActiveID() != active.ID {
		return false, 0, fmt.Errorf("%w: this process does not hold the active key %d", ErrKeyRotation, active.ID)
	}
	end := time.Now().Add(slice) // wall time: the job's slice, not the domain's clock
	after, swept := "", false
	for first := true; first || time.Now().Before(end); first = false {
		n, last, err := a.rekeyBatch(ctx, active.ID, after)
		if err != nil {
			return false, 0, err
		}
		if n > 0 {
			after = last
			continue
		}
		if after == "" { // a whole sweep found nothing left
			swept = true
			break
		}
		after = "" // from the start again: what was written meanwhile
	}
	if !swept {
		return true, 0, nil
	}
	if since := a.now().Sub(active.CreatedAt); since < a.cfg.KeyGrace {
		return true, a.cfg.KeyGrace - since, nil // a replica may still write under the old key
	}
	err = a.store.Tx(ctx, func(tx store.Tx) error {
		for _, id := range retiring {
			if err := tx.SetKeyRole(ctx, id, vault.RoleRetired, a.now()); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return false, 0, err
	}
	a.log.Info("key rotation done: the old key is retired and may be removed from every replica", "key_id", active.ID, "retired", retiring)
	return false, 0, a.RefreshKeys(ctx, nil)
}

// rekeyBatch moves up to rekeyBatch contacts after the id after, locked, in
// one transaction; last is the last one's id.
func (a *App) rekeyBatch(ctx context.Context, keyID int, after string) (n int, last string, err error) {
	err = a.store.Tx(ctx, func(tx store.Tx) error {
		batch, err := tx.ContactsToRekey(ctx, keyID, after, a.cfg.RekeyBatch)
		if err != nil || len(batch) == 0 {
			return err
		}
		moved := make([]store.Rekeyed, 0, len(batch))
		for _, r := range batch {
			m, err := a.rekey(r, keyID)
			if err != nil {
				return err
			}
			moved = append(moved, m)
		}
		n, last = len(batch), batch[len(batch)-1].ContactID
		return tx.Rekey(ctx, moved)
	})
	return n, last, err
}

// rekey is one contact moved to key keyID: its data key wrapped under it,
// its number, BSUID and pending new number indexed under it.
func (a *App) rekey(r store.Rekey, keyID int) (store.Rekeyed, error) {
	m := store.Rekeyed{ContactID: r.ContactID, KeyID: keyID}
	if r.Wrapped == nil {
		return m, nil // erased: nothing sealed is left to move
	}
	fail := func(what string, err error) (store.Rekeyed, error) {
		return m, fmt.Errorf("%w: contact %s: its %s does not open under the keys given: %w", ErrKeyRotation, r.ContactID, what, err)
	}
	key, err := a.vault.Unwrap(r.Wrapped)
	if err != nil {
		return fail("data key", err)
	}
	if m.Wrapped, _, err = a.vault.Rewrap(r.Wrapped); err != nil {
		return fail("data key", err)
	}
	if r.PhoneCT != nil {
		pt, err := key.Open(r.PhoneCT, contact.AAD(r.ContactID, "phone"))
		if err != nil {
			return fail("number", err)
		}
		m.Index = a.vault.BlindIndex(string(pt))
	}
	if r.BSUIDCT != nil {
		pt, err := key.Open(r.BSUIDCT, contact.AAD(r.ContactID, "bsuid"))
		if err != nil {
			return fail("BSUID", err)
		}
		m.BSUIDIndex = a.vault.BlindIndex("bsuid:" + string(pt))
	}
	if r.ChangeCT != nil {
		pt, err := key.Open(r.ChangeCT, contact.NumberAAD(r.ContactID))
		if err != nil {
			return fail("new number", err)
		}
		m.ChangeIndex = a.vault.BlindIndex(string(pt))
	}
	return m, nil
}
