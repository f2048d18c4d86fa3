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
	"strings"
	"time"
)

// KeySize is the size in bytes of every key the vault uses (AES-256, HMAC-SHA256).
const KeySize = 32

// ErrDecrypt is returned when a ciphertext does not open under the given key:
// it was altered, or it was sealed under another key.
var ErrDecrypt = errors.New("vault: ciphertext does not authenticate")

// Vault holds the keys derived from one master key. It is safe for concurrent use.
type Vault struct {
	kek      cipher.AEAD
	sealer   cipher.AEAD // seals what leaves in links and what waits in the inbox
	kekID    byte
	index    []byte
	suppress []byte
	links    []byte
	csrf     []byte
	check    []byte
	// checkpoint signs the ledger's checkpoints (L-02); derived, never stored.
	checkpoint ed25519.PrivateKey
	// receipt signs consent receipts (L-04); derived, never stored.
	receipt ed25519.PrivateKey
}

// New derives the vault's keys from a 32-byte master key.
func New(master []byte) (*Vault, error) {
	if len(master) != KeySize {
		return nil, fmt.Errorf("vault: master key must be %d bytes, got %d", KeySize, len(master))
	}
	derive := func(label string) ([]byte, error) {
		return hkdf.Key(sha256.New, master, nil, "samtykke/"+label, KeySize)
	}
	kek, err := derive("kek/v1")
	if err != nil {
		return nil, err
	}
	aead, err := newAEAD(kek)
	if err != nil {
		return nil, err
	}
	v := &Vault{kek: aead, kekID: 1}
	if v.index, err = derive("blind-index/v1"); err != nil {
		return nil, err
	}
	if v.suppress, err = derive("suppression/v1"); err != nil {
		return nil, err
	}
	if v.links, err = derive("links/v1"); err != nil {
		return nil, err
	}
	if v.csrf, err = derive("csrf/v1"); err != nil {
		return nil, err
	}
	if v.check, err = derive("key-check/v1"); err != nil {
		return nil, err
	}
	seed, err := derive("checkpoint/v1")
	if err != nil {
		return nil, err
	}
	v.checkpoint = ed25519.NewKeyFromSeed(seed)
	if seed, err = derive("receipt/v1"); err != nil {
		return nil, err
	}
	v.receipt = ed25519.NewKeyFromSeed(seed)
	sealKey, err := derive("seal/v1")
	if err != nil {
		return nil, err
	}
	if v.sealer, err = newAEAD(sealKey); err != nil {
		return nil, err
	}
	return v, nil
}

// ErrNoKey is returned by Load when there is no master key and it may not
// make one.
var ErrNoKey = errors.New("vault: no master key")

// Load returns the vault for a data directory. The master key comes from the
// environment value envKey (base64) when it is set, otherwise from the file
// master.key in dir. When that file is missing, Load creates it with mode
// 0600 if mayCreate is set (a new key beside an empty database) and returns
// ErrNoKey otherwise, creating nothing. created reports whether a new key
// file was written.
func Load(dir, envKey string, mayCreate bool) (v *Vault, created bool, err error) {
	if envKey != "" {
		master, err := decodeKey(envKey)
		if err != nil {
			return nil, false, fmt.Errorf("vault: master key from environment: %w", err)
		}
		v, err := New(master)
		return v, false, err
	}
	path := filepath.Join(dir, "master.key")
	data, err := os.ReadFile(path)
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
			return Load(dir, envKey, mayCreate)
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
		v, err := New(master)
		return v, true, err
	}
	if err != nil {
		return nil, false, fmt.Errorf("vault: read key file: %w", err)
	}
	if info, err := os.Stat(path); err == nil && info.Mode().Perm()&0o077 != 0 {
		return nil, false, fmt.Errorf("vault: key file %s is readable by others (mode %v); chmod 600 it", path, info.Mode().Perm())
	}
	master, err := decodeKey(string(data))
	if err != nil {
		return nil, false, fmt.Errorf("vault: key file %s: %w", path, err)
	}
	v, err = New(master)
	return v, false, err
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
// is what the database stores.
func (v *Vault) NewDataKey() (*DataKey, []byte, error) {
	raw := make([]byte, KeySize)
	if _, err := rand.Read(raw); err != nil {
		return nil, nil, err
	}
	aead, err := newAEAD(raw)
	if err != nil {
		return nil, nil, err
	}
	wrapped := append([]byte{v.kekID}, seal(v.kek, raw, []byte("dek"))...)
	return &DataKey{aead: aead}, wrapped, nil
}

// Unwrap opens a wrapped data key.
func (v *Vault) Unwrap(wrapped []byte) (*DataKey, error) {
	if len(wrapped) < 1 || wrapped[0] != v.kekID {
		return nil, ErrDecrypt
	}
	raw, err := open(v.kek, wrapped[1:], []byte("dek"))
	if err != nil {
		return nil, err
	}
	aead, err := newAEAD(raw)
	if err != nil {
		return nil, err
	}
	return &DataKey{aead: aead}, nil
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
	return seal(v.sealer, plaintext, []byte(purpose))
}

// Open decrypts what Seal made for the same purpose.
func (v *Vault) Open(ciphertext []byte, purpose string) ([]byte, error) {
	return open(v.sealer, ciphertext, []byte(purpose))
}

// Fingerprint identifies the master key without revealing it: a keyed hash
// under a key of its own, recorded beside the data so that a start with
// another key is refused (invariant 10).
func (v *Vault) Fingerprint() []byte { return mac(v.check, "samtykke master key check") }

// CheckpointKey is the Ed25519 key that signs the ledger's checkpoints
// (L-02, invariant 3), derived from the master key: the database never
// holds it, so whoever can only write the database cannot sign.
func (v *Vault) CheckpointKey() ed25519.PrivateKey { return v.checkpoint }

// ReceiptKey is the Ed25519 key that signs consent receipts (L-04), derived
// from the master key under its own label: the database never holds it, and
// its public half, published for anyone to check a receipt with, says
// nothing of the checkpoint key's.
func (v *Vault) ReceiptKey() ed25519.PrivateKey { return v.receipt }

// CSRFKey signs the public pages' form tokens; it is the same on every
// replica that shares the master key.
func (v *Vault) CSRFKey() []byte { return v.csrf }

// BlindIndex is the keyed hash under which a contact's number is found
// (HMAC-SHA256 of the E.164 form). Without the key it cannot be reversed by
// trying the 2×10^7 Norwegian mobile numbers.
func (v *Vault) BlindIndex(e164 string) []byte { return mac(v.index, e164) }

// SuppressionToken is the keyed hash kept on the suppression list for a number
// (RT-05). It uses its own key, so the list cannot be joined to the contacts.
func (v *Vault) SuppressionToken(e164 string) []byte { return mac(v.suppress, e164) }

// LinkMAC signs the payload of a link given to a person (confirmation,
// preference centre).
func (v *Vault) LinkMAC(payload string) []byte { return mac(v.links, payload) }

func mac(key []byte, s string) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(s))
	return h.Sum(nil)
}
