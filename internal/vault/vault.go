// SPDX-License-Identifier: AGPL-3.0-only

// Package vault keeps personal data unreadable at rest (S-01, invariant 4).
//
// One master key, from a key file or the environment, derives every other key:
// the key-encryption key (KEK) that wraps a random data key per contact, the key
// of the blind index that finds a contact by number without storing the number,
// the key of the suppression list's tokens (RT-05) and the key that signs links.
// A contact's data is sealed with AES-256-GCM under its own data key; deleting
// the wrapped data key erases the data for good (crypto-shredding, invariant 5).
package vault

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ed25519"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"time"
)

// KeySize is the size in bytes of every key the vault uses (AES-256, HMAC-SHA256).
const KeySize = 32

// ErrDecrypt is returned when a ciphertext does not open under the given key:
// it was altered, or it was sealed under another key.
var ErrDecrypt = errors.New("vault: ciphertext does not authenticate")

// Vault holds the keys derived from the master keys it was given: one in
// the ordinary case, two while a rotation runs (the active key and the
// retiring one, each with its key id). It is safe for concurrent use; Apply
// changes which key is active while it is used.
type Vault struct {
	state atomic.Pointer[ring]
}

// Key is the set of keys derived from one master key.
type Key struct {
	id     byte // 0 until the database gives it one (Apply)
	fp     []byte
	kek    cipher.AEAD
	sealer cipher.AEAD // seals what leaves in links and what waits in the inbox
	carry  cipher.AEAD // seals the carried keys in the database
	index  []byte
	check  []byte
	// checkpoint signs the ledger's checkpoints (L-02); derived, never stored.
	checkpoint ed25519.PrivateKey
	// receipt signs consent receipts (L-04); derived, never stored.
	receipt ed25519.PrivateKey
	// own are the carried keys as this key derives them: the ones in use
	// when it is key 1, the first.
	own carried
}

// carried are the keys a rotation does not change: each keys something
// that cannot be recomputed (a suppressed number's token outlives the
// number, RT-05) or that was handed out and must keep working (a link's
// MAC, a form's token). They stay those of the first master key, carried
// from key to key sealed in the database (key table).
type carried struct {
	suppress, digest, links, csrf []byte
}

func (c carried) bytes() []byte {
	return slices.Concat(c.suppress, c.digest, c.links, c.csrf)
}

func carriedFrom(b []byte) (carried, error) {
	if len(b) != 4*KeySize {
		return carried{}, ErrDecrypt
	}
	k := func(i int) []byte { return slices.Clone(b[i*KeySize : (i+1)*KeySize]) }
	return carried{suppress: k(0), digest: k(1), links: k(2), csrf: k(3)}, nil
}

// ring is which keys are in use: the active key, the others the database
// records and this process holds, and the carried keys.
type ring struct {
	loaded   []*Key // the keys given to this process, recorded or not
	active   *Key
	byID     map[byte]*Key
	retiring []*Key // recorded keys whose data a rotation is still moving
	carried  carried
	// origin is the fingerprint of key 1, whose carried keys are in use.
	origin []byte
	// published are the signing keys of every recorded key, loaded or not,
	// so that what an old key signed stays verifiable.
	published []Published
	// stale is why no data key may be made: the database's active key is
	// not held here (Apply).
	stale error
}

// Published are the public halves of one key's signing keys.
type Published struct {
	KeyID      int
	Checkpoint ed25519.PublicKey
	Receipt    ed25519.PublicKey
}

// New derives the vault's keys from a 32-byte master key, as key 1.
func New(master []byte) (*Vault, error) {
	k, err := Derive(master)
	if err != nil {
		return nil, err
	}
	k.id = 1
	v := &Vault{}
	v.state.Store(&ring{loaded: []*Key{k}, active: k, byID: map[byte]*Key{1: k}, carried: k.own, origin: k.fp,
		published: []Published{k.published()}})
	return v, nil
}

// Derive derives one master key's keys; its id is set when the vault
// learns it from the database (Apply).
func Derive(master []byte) (*Key, error) {
	if len(master) != KeySize {
		return nil, fmt.Errorf("vault: master key must be %d bytes, got %d", KeySize, len(master))
	}
	derive := func(label string) ([]byte, error) {
		return hkdf.Key(sha256.New, master, nil, "samtykke/"+label, KeySize)
	}
	var k Key
	var err error
	aead := func(label string) cipher.AEAD {
		if err != nil {
			return nil
		}
		var key []byte
		if key, err = derive(label); err != nil {
			return nil
		}
		var a cipher.AEAD
		a, err = newAEAD(key)
		return a
	}
	raw := func(label string) []byte {
		if err != nil {
			return nil
		}
		var key []byte
		key, err = derive(label)
		return key
	}
	k.kek = aead("kek/v1")
	k.sealer = aead("seal/v1")
	k.carry = aead("carry/v1")
	k.index = raw("blind-index/v1")
	k.check = raw("key-check/v1")
	// The index key first served every keyed digest; it still does, carried.
	k.own = carried{suppress: raw("suppression/v1"), digest: k.index, links: raw("links/v1"), csrf: raw("csrf/v1")}
	cp, rc := raw("checkpoint/v1"), raw("receipt/v1")
	if err != nil {
		return nil, err
	}
	k.checkpoint, k.receipt = ed25519.NewKeyFromSeed(cp), ed25519.NewKeyFromSeed(rc)
	k.fp = mac(k.check, "samtykke master key check")
	return &k, nil
}

func (k *Key) published() Published {
	return Published{KeyID: int(k.id), Checkpoint: k.checkpoint.Public().(ed25519.PublicKey),
		Receipt: k.receipt.Public().(ed25519.PublicKey)}
}

// Fingerprint identifies a master key without revealing it.
func (k *Key) Fingerprint() []byte { return k.fp }

// Published is the public half of the key's signing keys, under id.
func (k *Key) Published(id int) Published {
	p := k.published()
	p.KeyID = id
	return p
}

// ErrNoKey is returned by Load when there is no master key and it may not
// make one.
var ErrNoKey = errors.New("vault: no master key")

// Load returns the vault for a data directory. The master keys come from the
// environment value envKey (base64) when it is set, otherwise from the file
// master.key in dir. When that file is missing, Load creates it with mode
// 0600 if mayCreate is set (a new key beside an empty database) and returns
// ErrNoKey otherwise, creating nothing. created reports whether a new key
// file was written. A value or file may hold several keys, one a line,
// during a rotation (Keys); the first is active until Apply says which is.
func Load(dir, envKey string, mayCreate bool) (v *Vault, created bool, err error) {
	masters, created, err := LoadKeys(dir, envKey, mayCreate)
	if err != nil {
		return nil, false, err
	}
	v, err = NewRing(masters)
	return v, created, err
}

// LoadKeys reads the master keys as Load does, without deriving them.
func LoadKeys(dir, envKey string, mayCreate bool) (masters [][]byte, created bool, err error) {
	if envKey != "" {
		masters, err := ParseKeys(envKey)
		if err != nil {
			return nil, false, fmt.Errorf("vault: master key from environment: %w", err)
		}
		return masters, false, nil
	}
	path := filepath.Join(dir, "master.key")
	_, err = os.Stat(path)
	if errors.Is(err, os.ErrNotExist) && !mayCreate {
		return nil, false, fmt.Errorf("%w: %s does not exist and SAMTYKKE_MASTER_KEY is not set", ErrNoKey, path)
	}
	if errors.Is(err, os.ErrNotExist) {
		master := make([]byte, KeySize)
		if _, err := rand.Read(master); err != nil {
			return nil, false, err
		}
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, false, err
		}
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if errors.Is(err, os.ErrExist) {
			// Another process created it a moment ago: wait for it to be written, use it.
			time.Sleep(100 * time.Millisecond)
			return LoadKeys(dir, envKey, mayCreate)
		}
		if err != nil {
			return nil, false, fmt.Errorf("vault: create key file: %w", err)
		}
		_, werr := f.WriteString(base64.StdEncoding.EncodeToString(master) + "\n")
		if cerr := f.Close(); werr == nil {
			werr = cerr
		}
		if werr != nil {
			return nil, false, fmt.Errorf("vault: write key file: %w", werr)
		}
		return [][]byte{master}, true, nil
	}
	masters, err = File{Path: path}.MasterKeys(context.Background())
	return masters, false, err
}

// NewRing derives every given master key; the first is active, as key 1,
// until Apply sets the ids and the active key the database records.
func NewRing(masters [][]byte) (*Vault, error) {
	if len(masters) == 0 {
		return nil, ErrNoKey
	}
	v, err := New(masters[0])
	if err != nil {
		return nil, err
	}
	r := *v.state.Load()
	for _, m := range masters[1:] {
		k, err := Derive(m)
		if err != nil {
			return nil, err
		}
		if slices.ContainsFunc(r.loaded, func(o *Key) bool { return bytes.Equal(o.fp, k.fp) }) {
			return nil, errors.New("vault: the same master key is given twice")
		}
		r.loaded = append(r.loaded, k)
	}
	v.state.Store(&r)
	return v, nil
}

// ParseKeys reads one or more base64 master keys, one a line (or separated
// by commas or spaces); lines starting with # are comments.
func ParseKeys(s string) ([][]byte, error) {
	var out [][]byte
	for line := range strings.Lines(s) {
		if line = strings.TrimSpace(line); line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		for _, f := range strings.FieldsFunc(line, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' }) {
			k, err := decodeKey(f)
			if err != nil {
				return nil, fmt.Errorf("key %d: %w", len(out)+1, err)
			}
			out = append(out, k)
		}
	}
	if len(out) == 0 {
		return nil, errors.New("holds no key")
	}
	return out, nil
}

func decodeKey(s string) ([]byte, error) {
	b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(s))
	if err != nil {
		return nil, errors.New("not valid base64")
	}
	if len(b) != KeySize {
		return nil, fmt.Errorf("must decode to %d bytes, got %d", KeySize, len(b))
	}
	return b, nil
}

func newAEAD(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// DataKey is a contact's own key, in clear only in memory.
type DataKey struct {
	aead cipher.AEAD
}

// NewDataKey makes a fresh data key and returns it with its wrapped form, which
// is what the database stores: the active key's id, then the sealed key.
func (v *Vault) NewDataKey() (*DataKey, []byte, error) {
	raw := make([]byte, KeySize)
	if _, err := rand.Read(raw); err != nil {
		return nil, nil, err
	}
	aead, err := newAEAD(raw)
	if err != nil {
		return nil, nil, err
	}
	r := v.state.Load()
	if r.stale != nil {
		return nil, nil, r.stale
	}
	k := r.active
	wrapped := append([]byte{k.id}, seal(k.kek, raw, []byte("dek"))...)
	return &DataKey{aead: aead}, wrapped, nil
}

// Unwrap opens a wrapped data key under the key whose id it names, the
// active key or another this process holds.
func (v *Vault) Unwrap(wrapped []byte) (*DataKey, error) {
	raw, err := v.unwrap(wrapped)
	if err != nil {
		return nil, err
	}
	aead, err := newAEAD(raw)
	if err != nil {
		return nil, err
	}
	return &DataKey{aead: aead}, nil
}

func (v *Vault) unwrap(wrapped []byte) ([]byte, error) {
	if len(wrapped) < 1 {
		return nil, ErrDecrypt
	}
	k := v.state.Load().byID[wrapped[0]]
	if k == nil {
		return nil, ErrDecrypt
	}
	return open(k.kek, wrapped[1:], []byte("dek"))
}

// Rewrap wraps a data key again under the active key; changed is false when
// it already was (the same bytes are returned).
func (v *Vault) Rewrap(wrapped []byte) (out []byte, changed bool, err error) {
	k := v.state.Load().active
	if len(wrapped) > 0 && wrapped[0] == k.id {
		return wrapped, false, nil
	}
	raw, err := v.unwrap(wrapped)
	if err != nil {
		return nil, false, err
	}
	return append([]byte{k.id}, seal(k.kek, raw, []byte("dek"))...), true, nil
}

// Seal encrypts plaintext under the data key. aad binds the ciphertext to its
// place (for example the contact id and field name), so that it cannot be moved.
func (k *DataKey) Seal(plaintext, aad []byte) []byte { return seal(k.aead, plaintext, aad) }

// Open decrypts a ciphertext made by Seal with the same aad.
func (k *DataKey) Open(ciphertext, aad []byte) ([]byte, error) { return open(k.aead, ciphertext, aad) }

func seal(aead cipher.AEAD, plaintext, aad []byte) []byte {
	nonce := make([]byte, aead.NonceSize(), aead.NonceSize()+len(plaintext)+aead.Overhead())
	if _, err := io.ReadFull(rand.Reader, nonce); err != nil {
		panic("vault: no randomness: " + err.Error())
	}
	return aead.Seal(nonce, nonce, plaintext, aad)
}

func open(aead cipher.AEAD, ciphertext, aad []byte) ([]byte, error) {
	n := aead.NonceSize()
	if len(ciphertext) < n+aead.Overhead() {
		return nil, ErrDecrypt
	}
	pt, err := aead.Open(nil, ciphertext[:n], ciphertext[n:], aad)
	if err != nil {
		return nil, ErrDecrypt
	}
	return pt, nil
}

// Seal encrypts data that belongs to no one contact's key: a webhook body
// waiting in the inbox, the number inside an opt-in link. purpose binds it.
func (v *Vault) Seal(plaintext []byte, purpose string) []byte {
	return seal(v.state.Load().active.sealer, plaintext, []byte(purpose))
}

// Open decrypts what Seal made for the same purpose, under the active key
// or another this process holds (what was sealed before a rotation).
func (v *Vault) Open(ciphertext []byte, purpose string) ([]byte, error) {
	r := v.state.Load()
	pt, err := open(r.active.sealer, ciphertext, []byte(purpose))
	for _, k := range r.loaded {
		if err == nil {
			break
		}
		if k != r.active {
			pt, err = open(k.sealer, ciphertext, []byte(purpose))
		}
	}
	return pt, err
}

// Fingerprint identifies the active master key without revealing it: a
// keyed hash under a key of its own, recorded beside the data so that a
// start with another key is refused (invariant 10).
func (v *Vault) Fingerprint() []byte { return v.state.Load().active.fp }

// CheckpointKey is the Ed25519 key that signs the ledger's checkpoints
// (L-02, invariant 3), derived from the active master key: the database
// never holds it, so whoever can only write the database cannot sign.
func (v *Vault) CheckpointKey() ed25519.PrivateKey { return v.state.Load().active.checkpoint }

// ReceiptKey is the Ed25519 key that signs consent receipts (L-04), derived
// from the active master key under its own label: the database never holds
// it, and its public half, published for anyone to check a receipt with,
// says nothing of the checkpoint key's.
func (v *Vault) ReceiptKey() ed25519.PrivateKey { return v.state.Load().active.receipt }

// PublishedKeys are the public signing keys of every key the database
// records (of the active key alone before Apply), newest first: what an
// older key signed is verified with its own.
func (v *Vault) PublishedKeys() []Published { return v.state.Load().published }

// CSRFKey signs the public pages' form tokens; it is the same on every
// replica that shares the master key, and a rotation carries it.
func (v *Vault) CSRFKey() []byte { return v.state.Load().carried.csrf }

// BlindIndex is the keyed hash under which a contact's number is found
// (HMAC-SHA256 of the E.164 form), under the active key. Without the key it
// cannot be reversed by trying the 2×10^7 Norwegian mobile numbers.
func (v *Vault) BlindIndex(e164 string) []byte { return mac(v.state.Load().active.index, e164) }

// BlindIndexes are the indexes a contact may be found under: while a
// rotation moves the contacts to the active key, the retiring key's first,
// then the active key's. Looking the retiring one up first leaves no gap
// for a contact the rotation moves between the two look-ups.
func (v *Vault) BlindIndexes(e164 string) [][]byte {
	r := v.state.Load()
	out := make([][]byte, 0, len(r.retiring)+1)
	for _, k := range r.retiring {
		out = append(out, mac(k.index, e164))
	}
	return append(out, mac(r.active.index, e164))
}

// Digest is a keyed hash of anything not a contact's number that must be
// recognised again without being kept: a handled event's key, a rate
// limit's number, an imported file. Its key is carried by a rotation, so
// that what was recorded before is still recognised.
func (v *Vault) Digest(s string) []byte { return mac(v.state.Load().carried.digest, s) }

// CarriedFingerprint is the fingerprint of the master key whose carried
// keys are in use (key 1's): it names the key of the suppression tokens an
// export holds, which a rotation does not change.
func (v *Vault) CarriedFingerprint() []byte { return v.state.Load().origin }

// SuppressionToken is the keyed hash kept on the suppression list for a number
// (RT-05). It uses its own key, so the list cannot be joined to the contacts;
// a rotation carries it, since an erased number's token cannot be
// recomputed.
func (v *Vault) SuppressionToken(e164 string) []byte {
	return mac(v.state.Load().carried.suppress, e164)
}

// LinkMAC signs the payload of a link given to a person (confirmation,
// preference centre); a rotation carries its key, so links sent keep working.
func (v *Vault) LinkMAC(payload string) []byte { return mac(v.state.Load().carried.links, payload) }

func mac(key []byte, s string) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(s))
	return h.Sum(nil)
}
