// SPDX-License-Identifier: AGPL-3.0-only

package cli

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/samtykke/samtykke/internal/app"
)

// TestKeysRotateAndStatus: a second key added to the key file (the _FILE
// convention: SAMTYKKE_MASTER_KEY_FILE) is shown as staged; keys rotate makes
// it active and the first retiring, and keys status, in text and JSON, shows
// each key's id, fingerprint, role and age and the rotation's progress; the
// first key alone is then refused; a second rotate while one runs is
// refused (S-01, issue 22 point 4).
func TestKeysRotateAndStatus(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	populate(t, dir)
	first := keyFile(t, dir)
	next := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{9}, 32))
	keys := filepath.Join(t.TempDir(), "keys")
	if err := os.WriteFile(keys, append(append([]byte{}, first...), next+"\n"...), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"SAMTYKKE_DATA_DIR": dir, "SAMTYKKE_MASTER_KEY_FILE": keys}

	code, stdout, stderr := run(t, env, "keys", "status")
	if code != 0 || !strings.Contains(stdout, "active") || !strings.Contains(stdout, "does not record is given") {
		t.Fatalf("keys status with a staged key: exit %d, %q %q", code, stdout, stderr)
	}
	code, stdout, stderr = run(t, env, "keys", "rotate")
	if code != 0 || !strings.Contains(stdout, "retiring") || !strings.Contains(stdout, "rotation from key 1 to key 2") {
		t.Fatalf("keys rotate: exit %d, %q %q", code, stdout, stderr)
	}
	code, stdout, stderr = run(t, env, "keys", "status", "--format", "json")
	var st app.KeyStatus
	if err := json.Unmarshal([]byte(stdout), &st); code != 0 || err != nil {
		t.Fatalf("keys status --format json: exit %d, %v, %q %q", code, err, stdout, stderr)
	}
	if len(st.Keys) != 2 || st.Keys[0].Role != "retiring" || st.Keys[1].Role != "active" || len(st.Keys[1].Fingerprint) != 12 ||
		st.Rotation == nil || st.Rotation.To != 2 || st.Rotation.Total == 0 || st.Keys[1].AgeDays != 0 || !st.Keys[0].Loaded {
		t.Fatalf("keys status during the rotation: %+v", st)
	}
	if code, _, stderr := run(t, env, "keys", "rotate"); code == 0 || !strings.Contains(stderr, "a rotation from key 1 runs") {
		t.Fatalf("a second rotate: exit %d, %q", code, stderr)
	}
	// The old key alone no longer opens the data folder: its data keys
	// are being moved, new ones are wrapped under key 2.
	if code, _, stderr := run(t, map[string]string{"SAMTYKKE_DATA_DIR": dir}, "keys", "status"); code == 0 ||
		!strings.Contains(stderr, "not the key this database was written with") {
		t.Fatalf("the old key alone during the rotation: exit %d, %q", code, stderr)
	}
}
