// SPDX-License-Identifier: AGPL-3.0-only

package cli

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"filippo.io/age"
	"github.com/jackc/pgx/v5"

	"github.com/samtykke/samtykke/internal/app"
	"github.com/samtykke/samtykke/internal/backup"
	"github.com/samtykke/samtykke/internal/consent"
	"github.com/samtykke/samtykke/internal/ledger"
	"github.com/samtykke/samtykke/internal/notice"
	"github.com/samtykke/samtykke/internal/staff"
	"github.com/samtykke/samtykke/internal/store"
	"github.com/samtykke/samtykke/internal/store/storetest"
)

// TestBackupRestoreRoundTrip (S-03): on both stores, data is made
// (contacts, consents, an objection, the ledger), backed up with the
// service's store open and writing, then one person is erased, one is
// added, and one is added, objects and is erased. The archive holds no
// number, in clear or decrypted; a wrong identity, a damaged or truncated
// archive, a non-empty target and another master key are refused, each
// changing nothing; the restore into an empty target verifies its ledger,
// and whoever was erased after the backup stays erased: no lookup by number
// finds them, and the suppression kept at the erasure holds.
func TestBackupRestoreRoundTrip(t *testing.T) {
	t.Parallel()
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			testRoundTrip(t, backend)
		})
	}
}

// The numbers of the round trip: kept, erased after the backup, added
// after it, and added after it, objecting, then erased.
const (
	numKept, numErased, numAdded, numObjected = "+47 912 34 567", "+47 412 34 568", "+47 934 56 789", "+47 456 78 901"
)

// digits are the forms a number could take in clear.
var digits = []string{"91234567", "41234568", "93456789", "45678901"}

func testRoundTrip(t *testing.T, backend string) {
	ctx := context.Background()
	work := t.TempDir()
	journal := filepath.Join(work, "journal", "erasures.jsonl") // beside the backups, not in the data folder
	src := map[string]string{"SAMTYKKE_DATA_DIR": filepath.Join(work, "a"), "SAMTYKKE_ERASURE_JOURNAL": journal, "USER": "drift"}
	dst := map[string]string{"SAMTYKKE_DATA_DIR": filepath.Join(work, "b"), "SAMTYKKE_ERASURE_JOURNAL": journal}
	if backend == "postgres" {
		src["SAMTYKKE_DATABASE_URL"] = storetest.PostgresSchema(t)
		dst["SAMTYKKE_DATABASE_URL"] = storetest.PostgresSchema(t)
	}
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	identity := filepath.Join(work, "identity.txt")
	writeFile(t, identity, id.String()+"\n")
	other, _ := age.GenerateX25519Identity()
	otherFile := filepath.Join(work, "other.txt")
	writeFile(t, otherFile, other.String()+"\n")

	createPurpose(t, src)
	sys := openData(t, src)
	admin := app.Actor{Name: "test", Role: staff.Admin}
	n := notice.Notice{Language: "nb", Summary: "Kort"}
	for _, it := range notice.Required {
		n.Sections = append(n.Sections, notice.Section{Item: it, Body: "tekst"})
	}
	if n, err = sys.app.CreateNotice(ctx, admin, n); err == nil {
		_, err = sys.app.PublishNotice(ctx, admin, n.ID)
	}
	if err != nil {
		t.Fatal(err)
	}
	give := func(number string) string {
		t.Helper()
		rec, err := sys.app.RecordConsent(ctx, admin, app.ConsentInput{Subject: app.Subject{Phone: number}, Purpose: "offers",
			Method: "web_form", CollectedAt: time.Now().Add(-time.Minute), AgeConfirmed: true,
			Evidence: ledger.Evidence{AffirmativeAct: "checkbox", WordingHash: "h", ConfirmationChannel: "whatsapp", ConfirmationMessageID: "wamid.1"}})
		if err != nil {
			t.Fatal(err)
		}
		return rec.ContactID
	}
	kept, erased := give(numKept), give(numErased)

	// The backup runs while the service's store is open and writes.
	out := filepath.Join(work, "samtykke.age")
	done := make(chan error, 1)
	go func() {
		_, _, err := sys.app.CreateContact(ctx, admin, app.NewContact{Phone: "+47 923 45 678", Language: "nb"})
		done <- err
	}()
	code, stdout, stderr := run(t, src, "backup", "--out", out, "--recipient", id.Recipient().String())
	if code != 0 || !strings.Contains(stdout, "backup written: "+out) {
		t.Fatalf("backup: exit %d, %q, %q", code, stdout, stderr)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := run(t, src, "backup", "--out", out, "--recipient", id.Recipient().String()); code != 1 || !strings.Contains(stderr, "exists") {
		t.Errorf("a backup over an existing file: exit %d, %q; want 1", code, stderr)
	}
	if code, _, stderr := run(t, src, "backup", "--out", filepath.Join(work, "x.age")); code != 2 || !strings.Contains(stderr, "recipient") {
		t.Errorf("a backup to nobody: exit %d, %q; want 2", code, stderr)
	}
	if leftovers, _ := filepath.Glob(filepath.Join(src["SAMTYKKE_DATA_DIR"], ".backup-*")); len(leftovers) > 0 || fileExists(out+".partial") {
		t.Errorf("the backup left files behind: %v", leftovers)
	}

	// After the backup: one person erased, one added, one added who objects and is erased.
	if _, err := sys.app.Erase(ctx, admin, erased, "sletting etter forespørsel 17"); err != nil {
		t.Fatal(err)
	}
	give(numAdded)
	objected := give(numObjected)
	if _, err := sys.app.Withdraw(ctx, admin, app.WithdrawInput{Subject: app.Subject{ContactID: objected}, Purpose: "all"}); err != nil {
		t.Fatal(err)
	}
	if e, err := sys.app.Erase(ctx, admin, objected, "sletting etter forespørsel 18"); err != nil || !e.SuppressionKept {
		t.Fatalf("erase the objector: %+v, %v", e, err)
	}
	objectedToken := sys.vault.SuppressionToken("+4745678901")
	sys.store.Close()

	// No number in the archive, encrypted or decrypted, nor in the journal.
	raw, _ := os.ReadFile(out)
	plain := decryptAll(t, raw, id)
	j, _ := os.ReadFile(journal)
	for _, d := range digits {
		if bytes.Contains(raw, []byte(d)) || bytes.Contains(plain, []byte(d)) || bytes.Contains(j, []byte(d)) {
			t.Errorf("the number ending %s is in clear in the backup or the journal", d[len(d)-3:])
		}
	}
	if n := bytes.Count(j, []byte("\n")); n != 2 {
		t.Errorf("the journal has %d lines; want 2 erasures", n)
	}

	// Refusals, each changing nothing.
	key, err := os.ReadFile(filepath.Join(src["SAMTYKKE_DATA_DIR"], "master.key"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(dst["SAMTYKKE_DATA_DIR"], 0o700); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dst["SAMTYKKE_DATA_DIR"], "master.key"), string(key))
	damaged := filepath.Join(work, "damaged.age")
	flipped := bytes.Clone(raw)
	flipped[len(flipped)/2] ^= 0x40
	writeFile(t, damaged, string(flipped))
	truncated := filepath.Join(work, "truncated.age")
	writeFile(t, truncated, string(raw[:len(raw)-200]))
	newer := filepath.Join(work, "newer.age") // a backup from a samtykke with more migrations
	{
		r, err := backup.NewReader(bytes.NewReader(raw), id)
		if err != nil {
			t.Fatal(err)
		}
		m := r.Manifest()
		m.SchemaVersion = 9999
		var buf bytes.Buffer
		w, err := backup.NewWriter(&buf, m, id.Recipient())
		if err == nil {
			err = w.Close()
		}
		if err != nil {
			t.Fatal(err)
		}
		writeFile(t, newer, buf.String())
	}
	wrongKeyDir := filepath.Join(work, "c")
	os.MkdirAll(wrongKeyDir, 0o700)
	writeFile(t, filepath.Join(wrongKeyDir, "master.key"), "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n")
	withDir := func(env map[string]string, k, v string) map[string]string {
		m := map[string]string{}
		for a, b := range env {
			m[a] = b
		}
		m[k] = v
		return m
	}
	refusals := []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"wrong identity", dst, []string{"--in", out, "--identity", otherFile}, "does not open this archive"},
		{"altered byte", dst, []string{"--in", damaged, "--identity", identity}, "damaged"},
		{"truncated", dst, []string{"--in", truncated, "--identity", identity}, "damaged"},
		{"non-empty target", withDir(src, "SAMTYKKE_DATA_DIR", dst["SAMTYKKE_DATA_DIR"]), []string{"--in", out, "--identity", identity}, "not empty"},
		{"another master key", withDir(dst, "SAMTYKKE_DATA_DIR", wrongKeyDir), []string{"--in", out, "--identity", identity}, "is not the key the backup was made with"},
		{"newer schema", dst, []string{"--in", newer, "--identity", identity}, "made by a newer samtykke"},
		{"no journal", withDir(dst, "SAMTYKKE_ERASURE_JOURNAL", filepath.Join(work, "none.jsonl")), []string{"--in", out, "--identity", identity}, "no erasure journal"},
	}
	if backend == "sqlite" {
		refusals[3].env = withDir(dst, "SAMTYKKE_DATA_DIR", src["SAMTYKKE_DATA_DIR"])
	}
	for _, r := range refusals {
		code, stdout, stderr := run(t, r.env, append([]string{"restore"}, r.args...)...)
		if code != 1 || stdout != "" || !strings.Contains(stderr, r.want) || !strings.Contains(stderr, "nothing was changed") {
			t.Errorf("%s: exit %d, stdout %q, stderr %q; want exit 1 saying %q and that nothing was changed", r.name, code, stdout, stderr, r.want)
		}
		assertEmptyTarget(t, backend, dst)
	}

	// The restore.
	code, stdout, stderr = run(t, dst, "restore", "--in", out, "--identity", identity)
	if code != 0 || !strings.Contains(stdout, "1 erased again") || !strings.Contains(stdout, "1 not in the backup") ||
		!strings.Contains(stdout, "1 suppression tokens put back") {
		t.Fatalf("restore: exit %d, %q, %q", code, stdout, stderr)
	}
	if code, _, stderr := run(t, dst, "restore", "--in", out, "--identity", identity); code != 1 || !strings.Contains(stderr, "not empty") {
		t.Errorf("a second restore into the restored target: exit %d, %q; want 1, not empty", code, stderr)
	}
	if code, stdout, stderr := run(t, dst, "ledger", "verify"); code != 0 || !strings.Contains(stdout, "ledger verifies") {
		t.Errorf("ledger verify after the restore: exit %d, %q, %q", code, stdout, stderr)
	}
	res := openData(t, dst)
	defer res.store.Close()
	lookup := func(number string) (string, error) {
		return res.app.Lookup(ctx, admin, number, "kontroll etter gjenoppretting")
	}
	if got, err := lookup(numKept); err != nil || got != kept {
		t.Errorf("the kept person: %q, %v; want %s", got, err, kept)
	}
	for _, number := range []string{numErased, numObjected, numAdded} {
		if got, err := lookup(number); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("lookup of a number erased after the backup or added after it: %q, %v; want not found", got, err)
		}
	}
	if c, err := res.store.Contact(ctx, erased); err != nil || !c.Erased() || c.PhoneCT != nil {
		t.Errorf("the person erased after the backup, restored: erased %v, %v", c.Erased(), err)
	}
	if at, err := res.store.SuppressedAt(ctx, objectedToken); err != nil || at.IsZero() {
		t.Errorf("the suppression kept at an erasure after the backup is not on the restored list (%v)", err)
	}
	if states, err := res.store.ConsentStates(ctx, kept); err != nil || len(states) != 1 || states[0].Status != consent.StatusActive {
		t.Errorf("the kept person's consent: %+v, %v", states, err)
	}
}

// decryptAll reads every part of an archive.
func decryptAll(t *testing.T, raw []byte, id age.Identity) []byte {
	t.Helper()
	r, err := backup.NewReader(bytes.NewReader(raw), id)
	if err != nil {
		t.Fatal(err)
	}
	var all bytes.Buffer
	for {
		_, p, err := r.Next()
		if errors.Is(err, io.EOF) {
			return all.Bytes()
		}
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.Copy(&all, p); err != nil {
			t.Fatal(err)
		}
	}
}

// assertEmptyTarget fails unless the restore target holds no database.
func assertEmptyTarget(t *testing.T, backend string, env map[string]string) {
	t.Helper()
	if backend == "sqlite" {
		entries, _ := os.ReadDir(env["SAMTYKKE_DATA_DIR"])
		for _, e := range entries {
			if e.Name() != "master.key" {
				t.Errorf("the target folder holds %s after a refused restore", e.Name())
			}
		}
		return
	}
	if n := pgTables(t, env["SAMTYKKE_DATABASE_URL"]); n != 0 {
		t.Errorf("the target schema holds %d relations after a refused restore", n)
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// pgTables counts the relations in the schema a database URL selects.
func pgTables(t *testing.T, url string) int64 {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var n int64
	if err := conn.QueryRow(context.Background(),
		`SELECT count(*) FROM pg_class WHERE relnamespace = current_schema()::regnamespace`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
