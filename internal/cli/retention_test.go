// SPDX-License-Identifier: AGPL-3.0-only

package cli

import (
	"database/sql"
	"path/filepath"
	"strings"
	"testing"
)

// TestRetentionRunCommand: `samtykke retention run` applies the retention
// rules on demand to the data folder: under the default policy nothing is
// due a minute after a withdrawal (RT-03); under "immediately" the contact
// that objected is erased at once (C-11), the run says so, the ledger still
// verifies, and a second run finds nothing (RT-01, R-04).
func TestRetentionRunCommand(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	id, _ := populate(t, dir)
	code, stdout, stderr := run(t, nil, "retention", "run", "--data-dir", dir)
	if code != 0 || !strings.Contains(stdout, "nothing was due") {
		t.Fatalf("default policy: exit %d, %q %q; want nothing due", code, stdout, stderr)
	}
	env := map[string]string{"SAMTYKKE_ERASE_AFTER_WITHDRAWAL": "immediately"}
	code, stdout, stderr = run(t, env, "retention", "run", "--data-dir", dir)
	if code != 0 || !strings.Contains(stdout, "contacts") || !strings.Contains(stdout, "C-11") {
		t.Fatalf("immediately: exit %d, %q %q; want the erasure reported", code, stdout, stderr)
	}
	db, err := sql.Open("sqlite", filepath.Join(dir, "samtykke.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var erased, logged int
	if err := db.QueryRow(`SELECT count(*) FROM contacts WHERE id = ? AND erased_at > 0 AND phone_ct IS NULL`, id).Scan(&erased); err != nil || erased != 1 {
		t.Fatalf("contact %s erased: %d, %v", id, erased, err)
	}
	if err := db.QueryRow(`SELECT count(*) FROM retention_log WHERE class = 'contacts' AND count = 1`).Scan(&logged); err != nil || logged != 1 {
		t.Fatalf("retention log entries: %d, %v", logged, err)
	}
	if code, stdout, _ := run(t, nil, "ledger", "verify", "--data-dir", dir); code != 0 {
		t.Fatalf("ledger verify after the erasure: exit %d, %s", code, stdout)
	}
	if code, stdout, _ = run(t, env, "retention", "run", "--data-dir", dir); code != 0 || !strings.Contains(stdout, "nothing was due") {
		t.Fatalf("second run: exit %d, %q", code, stdout)
	}
	if code, _, stderr = run(t, map[string]string{"SAMTYKKE_RETENTION_WEBHOOK_DAYS": "3"}, "retention", "run", "--data-dir", dir); code != 2 ||
		!strings.Contains(stderr, "SAMTYKKE_RETENTION_WEBHOOK_DAYS") {
		t.Fatalf("a nonsense period: exit %d, %q; want 2 naming the setting", code, stderr)
	}
}
