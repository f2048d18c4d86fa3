// SPDX-License-Identifier: AGPL-3.0-only

package cli

import (
	"crypto/ed25519"
	"database/sql"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/samtykke/samtykke/internal/ledger"
)

// TestLedgerCheckpointCommand: `samtykke ledger checkpoint` signs the
// chains, prints the checkpoint with its public key, writes it as a 0600
// file to SAMTYKKE_CHECKPOINT_DIR, and `ledger verify` then checks the
// chains against it; an altered signature makes verify fail, and beside
// the witness folder so does a deletion of every checkpoint (L-02).
func TestLedgerCheckpointCommand(t *testing.T) {
	t.Parallel()
	dir, witness := t.TempDir(), t.TempDir()
	populate(t, dir)
	env := map[string]string{"SAMTYKKE_CHECKPOINT_DIR": witness}
	code, stdout, stderr := run(t, env, "ledger", "checkpoint", "--data-dir", dir)
	if code != 0 {
		t.Fatalf("checkpoint: exit %d, %s %s", code, stdout, stderr)
	}
	var cp ledger.Checkpoint
	if err := json.Unmarshal([]byte(stdout), &cp); err != nil || len(cp.PublicKey) != ed25519.PublicKeySize || cp.At.IsZero() {
		t.Fatalf("checkpoint printed %q (%v); want JSON with a public key and a time", stdout, err)
	}
	files, _ := filepath.Glob(filepath.Join(witness, "checkpoint-*.json"))
	if len(files) != 1 {
		t.Fatalf("witness folder holds %v; want one checkpoint file", files)
	}
	fi, err := os.Stat(files[0])
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("checkpoint file: %v, %v; want mode 0600", fi, err)
	}
	b, _ := os.ReadFile(files[0])
	var written ledger.Checkpoint
	if err := json.Unmarshal(b, &written); err != nil || !written.At.Equal(cp.At) || string(written.Signature) != string(cp.Signature) {
		t.Fatalf("checkpoint file = %s (%v); want the checkpoint printed", b, err)
	}
	code, stdout, _ = run(t, nil, "ledger", "verify", "--data-dir", dir)
	if code != 0 || !strings.Contains(stdout, "match the signed checkpoint") {
		t.Fatalf("verify: exit %d, %q; want it checked against the checkpoint", code, stdout)
	}
	code, stdout, _ = run(t, env, "ledger", "verify", "--data-dir", dir)
	if code != 0 {
		t.Fatalf("verify beside the witness: exit %d, %q", code, stdout)
	}
	execFile(t, dir, `DROP TRIGGER ledger_checkpoints_no_update`, `DROP TRIGGER ledger_checkpoints_no_delete`,
		`CREATE TABLE saved AS SELECT * FROM ledger_checkpoints`, `UPDATE ledger_checkpoints SET signature = zeroblob(64)`)
	code, stdout, _ = run(t, nil, "ledger", "verify", "--data-dir", dir)
	if code != 1 || !strings.Contains(stdout, "signature does not verify") {
		t.Fatalf("verify with an altered checkpoint: exit %d, %q; want 1", code, stdout)
	}
	// Every checkpoint deleted: the database alone has nothing to compare
	// with, the witness outside shows it.
	execFile(t, dir, `DELETE FROM ledger_checkpoints`)
	if code, stdout, _ = run(t, nil, "ledger", "verify", "--data-dir", dir); code != 0 {
		t.Fatalf("verify without checkpoints nor witness: exit %d, %q; want 0", code, stdout)
	}
	code, stdout, _ = run(t, env, "ledger", "verify", "--data-dir", dir)
	if code != 1 || !strings.Contains(stdout, "checkpoints were deleted") {
		t.Fatalf("verify beside the witness after the checkpoints were deleted: exit %d, %q; want 1", code, stdout)
	}
	// One put back with another signature at the witness's time.
	execFile(t, dir, `INSERT INTO ledger_checkpoints SELECT * FROM saved`, `UPDATE ledger_checkpoints SET contacts = contacts + 1`)
	code, stdout, _ = run(t, env, "ledger", "verify", "--data-dir", dir)
	if code != 1 || !strings.Contains(stdout, "signature does not verify") {
		t.Fatalf("verify beside the witness with a replaced checkpoint: exit %d, %q; want 1", code, stdout)
	}
}

// execFile runs statements on the SQLite file in dir, beneath samtykke.
func execFile(t *testing.T, dir string, queries ...string) {
	t.Helper()
	db, err := sql.Open("sqlite", filepath.Join(dir, "samtykke.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, q := range queries {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}
