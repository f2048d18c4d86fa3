// SPDX-License-Identifier: AGPL-3.0-only

package vault

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
)

// Provider gives the master keys a process may use, each 32 bytes: a
// file, the environment, or a key service. A KMS adapter implements it by
// fetching (or unwrapping) the keys; the vault only ever needs their bytes.
// The keyring asks again at every refresh, so a key added to a file is seen
// without a restart.
type Provider interface {
	MasterKeys(ctx context.Context) ([][]byte, error)
}

// File is a key file: one base64 key a line (ParseKeys), readable by its
// owner alone.
type File struct{ Path string }

// MasterKeys reads the file again.
func (f File) MasterKeys(context.Context) ([][]byte, error) {
	info, err := os.Stat(f.Path)
	if err != nil {
		return nil, fmt.Errorf("vault: read key file: %w", err)
	}
	if info.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("vault: key file %s is readable by others (mode %v); chmod 600 it", f.Path, info.Mode().Perm())
	}
	data, err := os.ReadFile(f.Path)
	if err != nil {
		return nil, fmt.Errorf("vault: read key file: %w", err)
	}
	keys, err := ParseKeys(string(data))
	if err != nil {
		return nil, fmt.Errorf("vault: key file %s: %w", f.Path, err)
	}
	return keys, nil
}

// Value is keys given as a value (SAMTYKKE_MASTER_KEY): fixed for the
// process's life.
type Value string

// MasterKeys parses the value.
func (v Value) MasterKeys(context.Context) ([][]byte, error) {
	keys, err := ParseKeys(string(v))
	if err != nil {
		return nil, fmt.Errorf("vault: master key from environment: %w", err)
	}
	return keys, nil
}

// A key's role in the key table.
const (
	RoleActive   = "active"   // seals, wraps, indexes and signs
	RoleRetiring = "retiring" // still holds data a rotation is moving
	RoleRetired  = "retired"  // holds nothing: its master key may be removed
)

// Recorded is what the database records of a key (never the key).
type Recorded struct {
	ID          int
	Fingerprint []byte
	Role        string
	// Carried are the carried keys sealed under this key (nil for key 1,
	// which derives them).
	Carried   []byte
	Published Published
}

// ErrActiveMissing is returned by Apply when this process does not hold the
// key the database records as active.
var ErrActiveMissing = errors.New("vault: the active key is not among the keys given")

// ErrRetiringMissing is returned by Apply when this process does not hold
// a key a rotation is still moving data off.
var ErrRetiringMissing = errors.New("vault: a retiring key is not among the keys given")

// Apply makes the keys the database records the vault's: ids, the active
// key, the retiring keys lookups still try, the carried keys and the
// published signing keys. masters, when not nil, replaces the keys the
// process holds (a refresh of the provider). Apply changes nothing when it
// fails, but for one thing: when another process has made active a key this
// one does not hold, the vault makes no more data keys until it does.
func (v *Vault) Apply(masters [][]byte, recs []Recorded) error {
	old := v.state.Load()
	loaded := old.loaded
	if masters != nil {
		loaded = nil
		for _, m := range masters {
			k, err := Derive(m)
			if err != nil {
				return err
			}
			if keyByFP(loaded, k.fp) != nil {
				return errors.New("vault: the same master key is given twice")
			}
			loaded = append(loaded, k)
		}
	}
	r := &ring{byID: map[byte]*Key{}}
	var first *Key
	var missing error // a retiring key not held
	for _, rec := range recs {
		if rec.ID < 1 || rec.ID > 255 {
			return fmt.Errorf("vault: key id %d out of range", rec.ID)
		}
		pub := rec.Published
		k := keyByFP(loaded, rec.Fingerprint)
		if k != nil {
			c := *k // the same derived keys, with the id the database gives
			c.id = byte(rec.ID)
			k = &c
			r.byID[c.id] = k
			pub = k.published()
		}
		if pub.Checkpoint != nil {
			r.published = append(r.published, pub)
		}
		if rec.ID == 1 {
			first, r.origin = k, rec.Fingerprint
		}
		switch rec.Role {
		case RoleActive:
			if k == nil {
				err := fmt.Errorf("%w: the database's active key is key %d (fingerprint %s); give it to this process", ErrActiveMissing, rec.ID, Short(rec.Fingerprint))
				if old.active.id != 0 && int(old.active.id) != rec.ID {
					// Another process made it active: this one must write nothing
					// more under its old key (NewDataKey fails) until it holds it.
					stale := *old
					stale.stale = err
					v.state.Store(&stale)
				}
				return err
			}
			r.active = k
			if rec.ID != 1 {
				pt, err := open(k.carry, rec.Carried, []byte("carried/"+strconv.Itoa(rec.ID)))
				if err != nil {
					return fmt.Errorf("vault: the carried keys of key %d do not open: %w", rec.ID, err)
				}
				if r.carried, err = carriedFrom(pt); err != nil {
					return err
				}
			}
		case RoleRetiring:
			if k == nil {
				// Its contacts could be neither found nor moved: a second
				// contact for a number would follow.
				missing = fmt.Errorf("%w: key %d (fingerprint %s) is retiring and still holds data; give it until `samtykke keys status` shows it retired",
					ErrRetiringMissing, rec.ID, Short(rec.Fingerprint))
				continue
			}
			r.retiring = append(r.retiring, k)
		}
	}
	if r.active == nil {
		return errors.New("vault: the database records no active key")
	}
	if missing != nil {
		return missing
	}
	if r.active.id == 1 {
		r.carried = r.active.own
	} else if first != nil && !bytes.Equal(first.own.bytes(), r.carried.bytes()) {
		return errors.New("vault: the carried keys are not key 1's")
	}
	// Loaded keys keep their ids; keys not yet recorded stay, staged.
	for _, k := range loaded {
		for _, c := range r.byID {
			if bytes.Equal(c.fp, k.fp) {
				k = c
			}
		}
		r.loaded = append(r.loaded, k)
	}
	slices.SortFunc(r.published, func(a, b Published) int { return b.KeyID - a.KeyID })
	v.state.Store(r)
	return nil
}

func keyByFP(keys []*Key, fp []byte) *Key {
	if fp == nil {
		return nil
	}
	for _, k := range keys {
		if bytes.Equal(k.fp, fp) {
			return k
		}
	}
	return nil
}

// Loaded are the keys this process holds, with their ids (0: not recorded).
func (v *Vault) Loaded() []LoadedKey {
	var out []LoadedKey
	for _, k := range v.state.Load().loaded {
		out = append(out, LoadedKey{ID: int(k.id), Fingerprint: k.fp, key: k})
	}
	return out
}

// LoadedKey is a key this process holds.
type LoadedKey struct {
	ID          int // 0: the database does not record it yet
	Fingerprint []byte
	key         *Key
}

// ActiveID is the active key's id.
func (v *Vault) ActiveID() int { return int(v.state.Load().active.id) }

// Rotating reports whether lookups try a retiring key's index as well.
func (v *Vault) Rotating() bool { return len(v.state.Load().retiring) > 0 }

// Next is what the database records of a key that is to become active as
// id: its fingerprint, the carried keys sealed under it and its public
// signing keys.
func (v *Vault) Next(k LoadedKey, id int) (Recorded, error) {
	if k.key == nil || id < 2 || id > 255 {
		return Recorded{}, fmt.Errorf("vault: no key to record as key %d", id)
	}
	c := v.state.Load().carried.bytes()
	return Recorded{ID: id, Fingerprint: k.Fingerprint, Role: RoleActive,
		Carried:   seal(k.key.carry, c, []byte("carried/"+strconv.Itoa(id))),
		Published: k.key.Published(id)}, nil
}

// PublishedKey finds the signing keys of the key that made pub, a
// checkpoint's or a receipt's public key; ok is false when no recorded key
// did.
func (v *Vault) PublishedKey(pub ed25519.PublicKey) (p Published, ok bool) {
	for _, p := range v.state.Load().published {
		if p.Checkpoint.Equal(pub) || p.Receipt.Equal(pub) {
			return p, true
		}
	}
	return Published{}, false
}

// Short is a fingerprint's first six bytes in hex, how people see it.
func Short(fp []byte) string {
	const hex = "0123456789abcdef"
	var b []byte
	for _, c := range fp[:min(len(fp), 6)] {
		b = append(b, hex[c>>4], hex[c&15])
	}
	return string(b)
}
