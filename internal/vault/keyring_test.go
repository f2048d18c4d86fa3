// SPDX-License-Identifier: AGPL-3.0-only

package vault_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/samtykke/samtykke/internal/vault"
)

// rotated is the key table after a rotation from key 1 (master 1) to key 2
// (master 2) started: key 2 active with the carried keys sealed under it.
func rotated(t *testing.T) (recs []vault.Recorded, during *vault.Vault) {
	t.Helper()
	v, err := vault.NewRing([][]byte{masterKey(1), masterKey(2)})
	if err != nil {
		t.Fatal(err)
	}
	one := []vault.Recorded{{ID: 1, Fingerprint: newVault(t, 1).Fingerprint(), Role: vault.RoleActive}}
	if err := v.Apply(nil, one); err != nil {
		t.Fatal(err)
	}
	var staged vault.LoadedKey
	for _, l := range v.Loaded() {
		if l.ID == 0 {
			staged = l
		}
	}
	next, err := v.Next(staged, 2)
	if err != nil {
		t.Fatal(err)
	}
	recs = []vault.Recorded{{ID: 1, Fingerprint: one[0].Fingerprint, Role: vault.RoleRetiring}, next}
	if err := v.Apply(nil, recs); err != nil {
		t.Fatal(err)
	}
	return recs, v
}

// TestRotationKeys: during a rotation new data keys are wrapped under key
// 2, old ones still open and re-wrap to key 2; look-ups try the retiring
// index, then the active; the carried keys (suppression tokens, digests,
// links, forms) stay key 1's, and a process holding key 2 alone reads them
// from the key table; key 1's signatures stay known by its public keys
// (S-01, issue 22 point 4).
func TestRotationKeys(t *testing.T) {
	t.Parallel()
	old := newVault(t, 1)
	_, oldWrapped := newDataKey(t, old)
	oldSealed := old.Seal([]byte("inbox body"), "inbox")
	recs, v := rotated(t)

	if v.ActiveID() != 2 || !v.Rotating() {
		t.Fatalf("active %d, rotating %v; want key 2 and a rotation", v.ActiveID(), v.Rotating())
	}
	_, wrapped := newDataKey(t, v)
	if wrapped[0] != 2 {
		t.Fatalf("a new data key is wrapped under key %d, want 2", wrapped[0])
	}
	if _, err := v.Unwrap(oldWrapped); err != nil {
		t.Fatalf("a key 1 data key during the rotation: %v", err)
	}
	re, changed, err := v.Rewrap(oldWrapped)
	if err != nil || !changed || re[0] != 2 {
		t.Fatalf("Rewrap = %x, %v, %v; want under key 2", re[:1], changed, err)
	}
	if again, changed, _ := v.Rewrap(re); changed || !bytes.Equal(again, re) {
		t.Fatal("Rewrap of a key 2 data key changed it")
	}
	if pt, err := v.Open(oldSealed, "inbox"); err != nil || string(pt) != "inbox body" {
		t.Fatalf("what key 1 sealed, opened during the rotation: %q, %v", pt, err)
	}
	ix := v.BlindIndexes("+4791234567")
	if len(ix) != 2 || !bytes.Equal(ix[0], old.BlindIndex("+4791234567")) || !bytes.Equal(ix[1], v.BlindIndex("+4791234567")) ||
		bytes.Equal(ix[0], ix[1]) {
		t.Fatal("BlindIndexes: want the retiring key's first, then the active key's, different")
	}
	for name, same := range map[string]bool{
		"suppression token": bytes.Equal(v.SuppressionToken("+4791234567"), old.SuppressionToken("+4791234567")),
		"digest":            bytes.Equal(v.Digest("seen:x"), old.BlindIndex("seen:x")),
		"link MAC":          bytes.Equal(v.LinkMAC("p"), old.LinkMAC("p")),
		"CSRF key":          bytes.Equal(v.CSRFKey(), old.CSRFKey()),
	} {
		if !same {
			t.Errorf("the %s changed with the rotation: it is carried", name)
		}
	}
	if bytes.Equal(v.CheckpointKey(), old.CheckpointKey()) || bytes.Equal(v.ReceiptKey(), old.ReceiptKey()) {
		t.Error("the signing keys did not change with the rotation")
	}

	// Done: key 1 retired; a process with key 2 alone.
	recs[0].Role = vault.RoleRetired
	recs[0].Published = old.PublishedKeys()[0]
	only, err := vault.NewRing([][]byte{masterKey(2)})
	if err != nil {
		t.Fatal(err)
	}
	if err := only.Apply(nil, recs); err != nil {
		t.Fatal(err)
	}
	if only.Rotating() || len(only.BlindIndexes("+4791234567")) != 1 || !bytes.Equal(only.CarriedFingerprint(), old.Fingerprint()) {
		t.Fatal("after the rotation a look-up still tries a retired key")
	}
	if !bytes.Equal(only.SuppressionToken("+4791234567"), old.SuppressionToken("+4791234567")) || !bytes.Equal(only.Digest("d"), old.Digest("d")) {
		t.Fatal("the carried keys did not come from the key table")
	}
	if _, err := only.Unwrap(re); err != nil {
		t.Fatalf("a re-wrapped data key under key 2 alone: %v", err)
	}
	if _, err := only.Unwrap(oldWrapped); !errors.Is(err, vault.ErrDecrypt) {
		t.Fatalf("a key 1 data key with key 1 gone: %v; want ErrDecrypt", err)
	}
	if p, ok := only.PublishedKey(old.CheckpointKey().Public().(ed25519.PublicKey)); !ok || p.KeyID != 1 {
		t.Fatalf("key 1's checkpoint key after it is gone: %+v, %v", p, ok)
	}

	// Carried keys altered in the table do not open.
	bad := append([]vault.Recorded{}, recs...)
	bad[1].Carried = append([]byte{}, bad[1].Carried...)
	bad[1].Carried[len(bad[1].Carried)-1] ^= 1
	if err := only.Apply(nil, bad); err == nil {
		t.Fatal("altered carried keys were accepted")
	}
}

// TestApplyRefusesWithoutTheActiveKey: a process without the active key
// makes no data key under its old key once another process made a new key
// active; one without the retiring key (removed too early) or with a wrong
// key is refused (invariant 10, S-01).
func TestApplyRefusesWithoutTheActiveKey(t *testing.T) {
	t.Parallel()
	recs, _ := rotated(t)
	stale := newVault(t, 1)
	err := stale.Apply(nil, recs)
	if !errors.Is(err, vault.ErrActiveMissing) || !strings.Contains(err.Error(), "key 2") {
		t.Fatalf("Apply without the active key: %v; want ErrActiveMissing naming key 2", err)
	}
	if _, _, err := stale.NewDataKey(); !errors.Is(err, vault.ErrActiveMissing) {
		t.Fatalf("NewDataKey in a process without the active key: %v; want refused", err)
	}
	early, err := vault.NewRing([][]byte{masterKey(2)})
	if err != nil {
		t.Fatal(err)
	}
	if err := early.Apply(nil, recs); !errors.Is(err, vault.ErrRetiringMissing) {
		t.Fatalf("the new key alone while key 1 is retiring: %v; want ErrRetiringMissing", err)
	}
	wrong := newVault(t, 7)
	if err := wrong.Apply(nil, recs); !errors.Is(err, vault.ErrActiveMissing) {
		t.Fatalf("a wrong key: %v", err)
	}
	if _, err := vault.NewRing([][]byte{masterKey(1), masterKey(1)}); err == nil {
		t.Fatal("the same key twice was accepted")
	}
}

// TestKeyProviders: a key file holds one key a line (comments allowed) and
// is read again at each call; readable by others it is refused; a value
// may hold several keys; a bad key names its place (S-01).
func TestKeyProviders(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	enc := func(b byte) string { return base64.StdEncoding.EncodeToString(masterKey(b)) }
	path := filepath.Join(t.TempDir(), "keys")
	if err := os.WriteFile(path, []byte("# samtykke\n"+enc(1)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	f := vault.File{Path: path}
	if keys, err := f.MasterKeys(ctx); err != nil || len(keys) != 1 || !bytes.Equal(keys[0], masterKey(1)) {
		t.Fatalf("one key: %d, %v", len(keys), err)
	}
	if err := os.WriteFile(path, []byte(enc(1)+"\n"+enc(2)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if keys, err := f.MasterKeys(ctx); err != nil || len(keys) != 2 || !bytes.Equal(keys[1], masterKey(2)) {
		t.Fatalf("a key added: %d, %v", len(keys), err)
	}
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := f.MasterKeys(ctx); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Fatalf("a key file readable by others: %v", err)
	}
	if keys, err := vault.Value(enc(1) + "," + enc(2)).MasterKeys(ctx); err != nil || len(keys) != 2 {
		t.Fatalf("two keys in a value: %d, %v", len(keys), err)
	}
	if _, err := vault.Value(enc(1) + "\nnot-a-key").MasterKeys(ctx); err == nil || !strings.Contains(err.Error(), "key 2") {
		t.Fatalf("a bad second key: %v", err)
	}
	if _, err := vault.Value("").MasterKeys(ctx); err == nil {
		t.Fatal("no key accepted")
	}
}
