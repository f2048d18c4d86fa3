// SPDX-License-Identifier: AGPL-3.0-only

package cli

import (
	"bytes"
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/samtykke/samtykke/internal/store/storetest"
)

func keyFile(t *testing.T, dir string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "master.key"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestWrongKeyIsRefused: a data folder holding contacts is never opened with
// a key it was not written with, and a missing key is never replaced by a new
// one beside the data (invariant 10). Every command refuses, names the
// problem, and changes nothing.
func TestWrongKeyIsRefused(t *testing.T) {
	t.Parallel()
	other := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{7}, 32))
	cases := []struct {
		name  string
		spoil func(t *testing.T, dir string) map[string]string
		says  string
	}{
		{"key file deleted", func(t *testing.T, dir string) map[string]string {
			if err := os.Remove(filepath.Join(dir, "master.key")); err != nil {
				t.Fatal(err)
			}
			return nil
		}, "master key is missing"},
		{"another key in the environment", func(t *testing.T, dir string) map[string]string {
			return map[string]string{"SAMTYKKE_MASTER_KEY": other}
		}, "not the key this database was written with"},
		{"a bit flipped in the key file", func(t *testing.T, dir string) map[string]string {
			raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(keyFile(t, dir))))
			if err != nil {
				t.Fatal(err)
			}
			raw[5] ^= 0x10
			if err := os.WriteFile(filepath.Join(dir, "master.key"), []byte(base64.StdEncoding.EncodeToString(raw)), 0o600); err != nil {
				t.Fatal(err)
			}
			return nil
		}, "not the key this database was written with"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			populate(t, dir)
			right := keyFile(t, dir)
			env := c.spoil(t, dir)
			for _, args := range [][]string{{"serve", "--addr", "127.0.0.1:0", "--sim-addr", "127.0.0.1:0"}, {"migrate"}, {"ledger", "verify"},
				{"token", "create", "--role", "dpo"}} {
				code, stdout, stderr := run(t, env, append(args, "--data-dir", dir)...)
				if code == 0 || !strings.Contains(stderr, c.says) {
					t.Errorf("%s: exit %d, stderr %q; want a refusal saying %q", args[0], code, stderr, c.says)
				}
				if strings.Contains(stdout, "stk_") || strings.Contains(stdout, "running on") {
					t.Errorf("%s went ahead: %s", args[0], stdout)
				}
			}
			if c.name == "key file deleted" {
				if _, err := os.Stat(filepath.Join(dir, "master.key")); !errors.Is(err, os.ErrNotExist) {
					t.Error("a new key file was made beside the data")
				}
			}
			// With the right key back, everything works and the ledger still verifies.
			if err := os.WriteFile(filepath.Join(dir, "master.key"), right, 0o600); err != nil {
				t.Fatal(err)
			}
			if code, stdout, stderr := run(t, nil, "ledger", "verify", "--data-dir", dir); code != 0 || !strings.Contains(stdout, "ledger verifies") {
				t.Errorf("with the right key: exit %d, %s %s", code, stdout, stderr)
			}
		})
	}
}

// TestReadingCommandsCreateNothing: commands that only read or add to an
// existing data folder never make a database or a key where there is none.
func TestReadingCommandsCreateNothing(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"ledger", "verify"}, {"token", "create", "--role", "admin"}} {
		dir := filepath.Join(t.TempDir(), "typo")
		code, stdout, stderr := run(t, nil, append(args, "--data-dir", dir)...)
		if code == 0 || !strings.Contains(stderr, "no database at") || strings.Contains(stdout, "stk_") {
			t.Errorf("%s on a wrong path: exit %d, %q %q; want a refusal naming the missing database", args[0], code, stdout, stderr)
		}
		if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s on a wrong path made %s: %v", args[0], dir, err)
		}
	}
	// A migrated database without its key: token create refuses, makes no key.
	dir := t.TempDir()
	if code, _, stderr := run(t, nil, "migrate", "--data-dir", dir); code != 0 {
		t.Fatalf("migrate: %s", stderr)
	}
	if err := os.Remove(filepath.Join(dir, "master.key")); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := run(t, nil, "token", "create", "--role", "admin", "--data-dir", dir); code == 0 || !strings.Contains(stderr, "master") {
		t.Errorf("token create without a key: exit %d, %q", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "master.key")); !errors.Is(err, os.ErrNotExist) {
		t.Error("token create made a key")
	}
}

// TestWrongKeyIsRefusedOnPostgres: replicas on one PostgreSQL record the
// first key's fingerprint and refuse any other (invariant 10).
func TestWrongKeyIsRefusedOnPostgres(t *testing.T) {
	t.Parallel()
	url := storetest.PostgresSchema(t)
	dir := t.TempDir()
	key := func(b byte) string { return base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{b}, 32)) }
	first := map[string]string{"SAMTYKKE_DATABASE_URL": url, "SAMTYKKE_MASTER_KEY": key(1)}
	if code, _, stderr := run(t, first, "migrate", "--data-dir", dir); code != 0 {
		t.Fatalf("migrate: %s", stderr)
	}
	if code, stdout, stderr := run(t, first, "token", "create", "--role", "dpo", "--data-dir", dir); code != 0 || !strings.HasPrefix(stdout, "stk_") {
		t.Fatalf("token create with the right key: %d %s", code, stderr)
	}
	second := map[string]string{"SAMTYKKE_DATABASE_URL": url, "SAMTYKKE_MASTER_KEY": key(2)}
	for _, args := range [][]string{{"migrate"}, {"token", "create", "--role", "dpo"}, {"ledger", "verify"}} {
		if code, _, stderr := run(t, second, append(args, "--data-dir", dir)...); code == 0 || !strings.Contains(stderr, "not the key this database was written with") {
			t.Errorf("%s with another key: exit %d, %q", args[0], code, stderr)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "master.key")); !errors.Is(err, os.ErrNotExist) {
		t.Error("a key file was made though the key came from the environment")
	}
}
