// SPDX-License-Identifier: AGPL-3.0-only

package vault_test

import (
	"bytes"
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/samtykke/samtykke/internal/vault"
)

func masterKey(b byte) []byte { return bytes.Repeat([]byte{b}, vault.KeySize) }

func newVault(t *testing.T, b byte) *vault.Vault {
	t.Helper()
	v, err := vault.New(masterKey(b))
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return v
}

func newDataKey(t *testing.T, v *vault.Vault) (*vault.DataKey, []byte) {
	t.Helper()
	k, wrapped, err := v.NewDataKey()
	if err != nil {
		t.Fatalf("NewDataKey: %v", err)
	}
	return k, wrapped
}

// TestNewKeySize checks that only a 32-byte master key is accepted (S-01).
func TestNewKeySize(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		size    int
		wantErr bool
	}{
		{"nil", 0, true},
		{"16 bytes", 16, true},
		{"31 bytes", 31, true},
		{"32 bytes", 32, false},
		{"33 bytes", 33, true},
		{"64 bytes", 64, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			v, err := vault.New(make([]byte, tc.size))
			if (err != nil) != tc.wantErr {
				t.Fatalf("New(%d bytes) error = %v, want error %v", tc.size, err, tc.wantErr)
			}
			if err != nil && v != nil {
				t.Error("New returned a vault with its error")
			}
			if err == nil && v == nil {
				t.Error("New returned neither vault nor error")
			}
		})
	}
}

// TestLoadKeyFile checks the key file (S-01): created once with mode 0600,
// read back on the next start, refused when others may read it.
func TestLoadKeyFile(t *testing.T) {
	t.Parallel()
	t.Run("created once, then read", func(t *testing.T) {
		t.Parallel()
		dir := filepath.Join(t.TempDir(), "data") // does not exist yet
		v1, created, err := vault.Load(dir, "", true)
		if err != nil || !created {
			t.Fatalf("first Load = created %v, %v; want a new key file", created, err)
		}
		path := filepath.Join(dir, "master.key")
		info, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if perm := info.Mode().Perm(); perm != 0o600 {
			t.Errorf("key file mode = %v, want 0600", perm)
		}
		first, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(first))); err != nil || len(raw) != vault.KeySize {
			t.Errorf("key file holds %q: want base64 of %d bytes (%v)", first, vault.KeySize, err)
		}

		v2, created, err := vault.Load(dir, "", true)
		if err != nil || created {
			t.Fatalf("second Load = created %v, %v; want the existing key", created, err)
		}
		second, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(first, second) {
			t.Error("the second Load rewrote the key file")
		}
		k1, wrapped := newDataKey(t, v1)
		k2, err := v2.Unwrap(wrapped)
		if err != nil {
			t.Fatalf("a data key wrapped by the first vault does not unwrap with the second: %v", err)
		}
		pt := []byte("+4791234567")
		got, err := k2.Open(k1.Seal(pt, []byte("aad")), []byte("aad"))
		if err != nil || !bytes.Equal(got, pt) {
			t.Errorf("Open = %q, %v; want %q", got, err, pt)
		}
		if !bytes.Equal(v1.BlindIndex("+4791234567"), v2.BlindIndex("+4791234567")) {
			t.Error("the blind index changed between starts")
		}
	})
	for _, mode := range []os.FileMode{0o644, 0o640, 0o604, 0o660, 0o606} {
		t.Run(fmt.Sprintf("refuses a key file with mode %04o", mode), func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			if _, _, err := vault.Load(dir, "", true); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(dir, "master.key")
			if err := os.Chmod(path, mode); err != nil {
				t.Fatal(err)
			}
			v, _, err := vault.Load(dir, "", true)
			if err == nil || v != nil {
				t.Fatalf("Load with a %04o key file = %v, %v; want an error", mode, v, err)
			}
			for _, want := range []string{path, "readable by others", "chmod 600"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not say %q", err, want)
				}
			}
		})
	}
	t.Run("accepts a key file with mode 0400", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		if _, _, err := vault.Load(dir, "", true); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(filepath.Join(dir, "master.key"), 0o400); err != nil {
			t.Fatal(err)
		}
		if _, created, err := vault.Load(dir, "", true); err != nil || created {
			t.Errorf("Load with a 0400 key file = created %v, %v; want the existing key", created, err)
		}
	})
	t.Run("refuses a key file that is not a key", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		path := filepath.Join(dir, "master.key")
		if err := os.WriteFile(path, []byte(base64.StdEncoding.EncodeToString(make([]byte, 16))), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, _, err := vault.Load(dir, "", true); err == nil || !strings.Contains(err.Error(), "32 bytes") {
			t.Errorf("Load = %v, want an error about the key size", err)
		}
	})
}

// TestLoadEnvKey checks a master key given in the environment (S-01).
func TestLoadEnvKey(t *testing.T) {
	t.Parallel()
	good := base64.StdEncoding.EncodeToString(masterKey(9))
	tests := []struct {
		name    string
		env     string
		wantErr string
	}{
		{"base64 key", good, ""},
		{"with a trailing newline", good + "\n", ""},
		{"not base64", "not*base64!", "not valid base64"},
		{"url-safe alphabet", strings.NewReplacer("+", "-", "/", "_").Replace(base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{0xfb}, 32))), "not valid base64"},
		{"16 bytes", base64.StdEncoding.EncodeToString(make([]byte, 16)), "got 16"},
		{"33 bytes", base64.StdEncoding.EncodeToString(make([]byte, 33)), "got 33"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			v, created, err := vault.Load(dir, tc.env, false)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) || !strings.Contains(err.Error(), "environment") {
					t.Fatalf("Load = %v, want an error about the environment saying %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || created {
				t.Fatalf("Load = created %v, %v; want the environment's key", created, err)
			}
			if _, err := os.Stat(filepath.Join(dir, "master.key")); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("a key file was written although the key came from the environment (%v)", err)
			}
			want := newVault(t, 9)
			if !bytes.Equal(v.BlindIndex("+4791234567"), want.BlindIndex("+4791234567")) {
				t.Error("the vault does not use the environment's key")
			}
		})
	}
}

// TestSealOpen checks AES-GCM sealing under a contact's data key (S-01).
func TestSealOpen(t *testing.T) {
	t.Parallel()
	v := newVault(t, 1)
	k, _ := newDataKey(t, v)
	other, _ := newDataKey(t, v)
	aad := []byte("contact/c1/phone")
	pt := []byte("+4791234567")
	ct := k.Seal(pt, aad)

	t.Run("round trip", func(t *testing.T) {
		t.Parallel()
		for _, p := range [][]byte{pt, {}, bytes.Repeat([]byte("æøå"), 1000)} {
			got, err := k.Open(k.Seal(p, aad), aad)
			if err != nil || !bytes.Equal(got, p) {
				t.Errorf("Open(Seal(%.20q)) = %.20q, %v", p, got, err)
			}
		}
	})
	tamper := []struct {
		name string
		key  *vault.DataKey
		ct   func() []byte
		aad  []byte
	}{
		{"flipped byte in the nonce", k, func() []byte { c := bytes.Clone(ct); c[0] ^= 1; return c }, aad},
		{"flipped byte in the body", k, func() []byte { c := bytes.Clone(ct); c[15] ^= 0x80; return c }, aad},
		{"flipped byte in the tag", k, func() []byte { c := bytes.Clone(ct); c[len(c)-1] ^= 1; return c }, aad},
		{"truncated", k, func() []byte { return ct[:len(ct)-1] }, aad},
		{"shorter than nonce and tag", k, func() []byte { return ct[:10] }, aad},
		{"empty", k, func() []byte { return nil }, aad},
		{"wrong aad: moved to another field", k, func() []byte { return ct }, []byte("contact/c1/name")},
		{"wrong aad: moved to another contact", k, func() []byte { return ct }, []byte("contact/c2/phone")},
		{"no aad", k, func() []byte { return ct }, nil},
		{"another contact's key", other, func() []byte { return ct }, aad},
	}
	for _, tc := range tamper {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := tc.key.Open(tc.ct(), tc.aad)
			if !errors.Is(err, vault.ErrDecrypt) {
				t.Errorf("Open = %q, %v; want ErrDecrypt", got, err)
			}
			if got != nil {
				t.Errorf("Open returned plaintext %q with its error", got)
			}
		})
	}
	t.Run("random nonce: same plaintext seals differently", func(t *testing.T) {
		t.Parallel()
		seen := map[string]bool{}
		for range 100 {
			c := string(k.Seal(pt, aad))
			if seen[c] {
				t.Fatal("two seals of the same plaintext are equal")
			}
			seen[c] = true
		}
	})
	t.Run("ciphertext never contains the plaintext", func(t *testing.T) {
		t.Parallel()
		for _, p := range []string{"+4791234567", "91234567", "Kari Nordmann", strings.Repeat("A", 64)} {
			for range 50 {
				c := k.Seal([]byte(p), aad)
				if bytes.Contains(c, []byte(p)) {
					t.Fatalf("Seal(%q) contains the plaintext", p)
				}
				if len(p) >= 8 && bytes.Contains(c, []byte(p[len(p)-8:])) {
					t.Fatalf("Seal(%q) contains its last 8 bytes", p)
				}
			}
		}
	})
}

// TestUnwrap checks that a wrapped data key opens only under its master key (S-01).
func TestUnwrap(t *testing.T) {
	t.Parallel()
	v1, v2 := newVault(t, 1), newVault(t, 2)
	k, wrapped := newDataKey(t, v1)
	if bytes.Equal(wrapped, mustWrapAgain(t, v1)) {
		t.Fatal("two data keys wrap to the same bytes")
	}
	tests := []struct {
		name    string
		vault   *vault.Vault
		wrapped []byte
		wantErr bool
	}{
		{"same master key", v1, wrapped, false},
		{"same master key, new vault", newVault(t, 1), wrapped, false},
		{"another master key", v2, wrapped, true},
		{"unknown key-encryption-key id", v1, append([]byte{2}, wrapped[1:]...), true},
		{"flipped byte", v1, func() []byte { w := bytes.Clone(wrapped); w[10] ^= 1; return w }(), true},
		{"truncated", v1, wrapped[:len(wrapped)-1], true},
		{"only the id", v1, wrapped[:1], true},
		{"empty", v1, nil, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := tc.vault.Unwrap(tc.wrapped)
			if tc.wantErr {
				if !errors.Is(err, vault.ErrDecrypt) || got != nil {
					t.Errorf("Unwrap = %v, %v; want ErrDecrypt", got, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Unwrap: %v", err)
			}
			pt := []byte("Kari")
			if out, err := got.Open(k.Seal(pt, nil), nil); err != nil || !bytes.Equal(out, pt) {
				t.Errorf("the unwrapped key opens %q, %v; want %q", out, err, pt)
			}
		})
	}
}

func mustWrapAgain(t *testing.T, v *vault.Vault) []byte {
	t.Helper()
	_, w := newDataKey(t, v)
	return w
}

// TestKeyedHashes checks the blind index and the suppression token (RT-05):
// keyed, deterministic per master key, separate from each other and from a
// plain SHA-256 that anyone could compute over the 2×10^7 Norwegian mobiles.
func TestKeyedHashes(t *testing.T) {
	t.Parallel()
	const num = "+4791234567"
	v1, v1again, v2 := newVault(t, 1), newVault(t, 1), newVault(t, 2)
	plain := sha256.Sum256([]byte(num))
	funcs := []struct {
		name string
		f    func(*vault.Vault, string) []byte
	}{
		{"BlindIndex", (*vault.Vault).BlindIndex},
		{"SuppressionToken", (*vault.Vault).SuppressionToken},
		{"LinkMAC", (*vault.Vault).LinkMAC},
	}
	for _, fn := range funcs {
		t.Run(fn.name, func(t *testing.T) {
			t.Parallel()
			a := fn.f(v1, num)
			if len(a) != sha256.Size {
				t.Errorf("len = %d, want %d", len(a), sha256.Size)
			}
			if !bytes.Equal(a, fn.f(v1, num)) || !bytes.Equal(a, fn.f(v1again, num)) {
				t.Error("not deterministic for one master key")
			}
			if bytes.Equal(a, fn.f(v2, num)) {
				t.Error("the same under two master keys")
			}
			if bytes.Equal(a, fn.f(v1, "+4791234568")) {
				t.Error("the same for two numbers")
			}
			if bytes.Equal(a, plain[:]) {
				t.Error("equals the unkeyed SHA-256 of the number: reversible by trying every number (RT-05)")
			}
			if bytes.Equal(a, mac(masterKey(1), num)) {
				t.Error("equals an HMAC under the master key itself: no key separation")
			}
		})
	}
	t.Run("each use has its own key", func(t *testing.T) {
		t.Parallel()
		seen := map[string]string{}
		for _, fn := range funcs {
			h := string(fn.f(v1, num))
			if prev, ok := seen[h]; ok {
				t.Errorf("%s equals %s: the suppression list could be joined to the contacts", fn.name, prev)
			}
			seen[h] = fn.name
		}
	})
}

func mac(key []byte, s string) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(s))
	return h.Sum(nil)
}

// TestLoadWithoutCreate checks that a command that may not make a key finds
// none, says so and writes nothing (invariant 10).
func TestLoadWithoutCreate(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "data")
	v, created, err := vault.Load(dir, "", false)
	if !errors.Is(err, vault.ErrNoKey) || v != nil || created {
		t.Fatalf("Load = %v, %v, %v; want ErrNoKey", v, created, err)
	}
	if !strings.Contains(err.Error(), filepath.Join(dir, "master.key")) {
		t.Errorf("error %q does not name the key file", err)
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Load without create made the data folder: %v", err)
	}
}

// TestFingerprint checks that the fingerprint tells keys apart and stays the
// same for one key (invariant 10).
func TestFingerprint(t *testing.T) {
	t.Parallel()
	a1, err := vault.New(masterKey(1))
	if err != nil {
		t.Fatal(err)
	}
	a2, _ := vault.New(masterKey(1))
	b, _ := vault.New(masterKey(2))
	if !bytes.Equal(a1.Fingerprint(), a2.Fingerprint()) {
		t.Error("one key gave two fingerprints")
	}
	if bytes.Equal(a1.Fingerprint(), b.Fingerprint()) {
		t.Error("two keys gave one fingerprint")
	}
	if bytes.Contains(a1.Fingerprint(), masterKey(1)) {
		t.Error("the fingerprint holds the key")
	}
}

// TestReceiptKey: the receipt key comes from the master key alone (every
// replica signs alike, a restart keeps it) and is neither the checkpoint
// key nor another master key's (L-04).
func TestReceiptKey(t *testing.T) {
	t.Parallel()
	a1, err := vault.New(masterKey(1))
	if err != nil {
		t.Fatal(err)
	}
	a2, _ := vault.New(masterKey(1))
	b, _ := vault.New(masterKey(2))
	if !bytes.Equal(a1.ReceiptKey(), a2.ReceiptKey()) {
		t.Error("one master key gave two receipt keys")
	}
	if bytes.Equal(a1.ReceiptKey(), b.ReceiptKey()) {
		t.Error("two master keys gave one receipt key")
	}
	if bytes.Equal(a1.ReceiptKey(), a1.CheckpointKey()) {
		t.Error("the receipt key is the checkpoint key")
	}
	msg := []byte("receipt")
	if !ed25519.Verify(a1.ReceiptKey().Public().(ed25519.PublicKey), msg, ed25519.Sign(a2.ReceiptKey(), msg)) {
		t.Error("a signature by one replica does not verify with the other's public key")
	}
}
