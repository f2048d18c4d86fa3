// SPDX-License-Identifier: AGPL-3.0-only

package e2e

import (
	"bytes"
	"encoding/base64"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/samtykke/samtykke/internal/app"
	"github.com/samtykke/samtykke/internal/importer"
	"github.com/samtykke/samtykke/internal/store/postgres"
	"github.com/samtykke/samtykke/internal/store/sqlite"
	"github.com/samtykke/samtykke/internal/store/storetest"
)

// TestImportSurvivesKill9 kills `samtykke import` with SIGKILL in the middle
// of its file, then runs the same command again: the end is as if it had
// run once. No contact, consent or report row twice, none missing, the
// ledger verifies, each consent keeps its row's evidence (C-03), and the
// import says what was resumed (issue 21 point 3, invariant 8).
func TestImportSurvivesKill9(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		h := startOpts(t, b, nil, options{noQueue: true})
		// Before the list arrives: one of its numbers objected (suppressed).
		const suppressedRow = 7
		if _, err := h.app.Withdraw(h.ctx, admin, app.WithdrawInput{Subject: app.Subject{Phone: listNumber(suppressedRow)}, Purpose: "all", Method: "phone_call"}); err != nil {
			t.Fatal(err)
		}
		// Six of the import's transactions (4,000 rows each); every 1,000th
		// row is not a number.
		const n = 24000
		var file strings.Builder
		file.WriteString("phone,language,collected_at,method,affirmative_act,age_confirmed,wording,confirmation,confirmation_ref\n")
		bad := 0
		for i := range n {
			num := listNumber(i)
			if i%1000 == 999 {
				num, bad = "not a number", bad+1
			}
			fmt.Fprintf(&file, "%s,nb,2026-10-01T10:00:00Z,web_form,checkbox,yes,Ja takk,whatsapp,wamid.row%d\n", num, i)
		}
		baseContacts := h.count(`SELECT count(*) FROM contacts`)
		dir := t.TempDir()
		path, report := filepath.Join(dir, "list.csv"), filepath.Join(dir, "report.csv")
		if err := os.WriteFile(path, []byte(file.String()), 0o600); err != nil {
			t.Fatal(err)
		}
		env := append(os.Environ(), "SAMTYKKE_MASTER_KEY="+base64.StdEncoding.EncodeToString(h.master), "SAMTYKKE_LOG_LEVEL=warn",
			childImport+"="+strings.Join([]string{"import", path, "--purpose", "offers", "--report", report}, "\x1f"))
		switch st := h.store.(type) {
		case *sqlite.Store:
			env = append(env, "SAMTYKKE_DATA_DIR="+filepath.Dir(st.Path()))
		case *postgres.Store:
			env = append(env, "SAMTYKKE_DATABASE_URL="+st.URL())
		}
		importCmd := func() (*exec.Cmd, *bytes.Buffer, *bytes.Buffer) {
			cmd := exec.Command(os.Args[0], "-test.run=^$")
			var stdout, stderr bytes.Buffer
			cmd.Env, cmd.Stdout, cmd.Stderr = env, &stdout, &stderr
			return cmd, &stdout, &stderr
		}

		// The first run, killed once its first transaction has committed.
		cmd, _, stderr1 := importCmd()
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait() }()
		deadline := time.Now().Add(2 * time.Minute)
		for h.count(`SELECT coalesce(sum(rows_done), 0) FROM imports`) == 0 {
			select {
			case err := <-exited:
				t.Fatalf("the import ended before it was killed (%v): %s", err, stderr1)
			case <-time.After(5 * time.Millisecond):
			}
			if time.Now().After(deadline) {
				t.Fatal("no transaction of the import committed in two minutes")
			}
		}
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		if err := <-exited; err == nil || !strings.Contains(err.Error(), "killed") {
			t.Fatalf("the import was not killed: %v", err)
		}
		// What the killed run left: whole transactions only, mid-file.
		if got := h.count(`SELECT count(*) FROM imports`); got != 1 {
			t.Fatalf("%d imports, want 1", got)
		}
		m := regexp.MustCompile(`import (\S+) into offers`).FindStringSubmatch(stderr1.String())
		if m == nil {
			t.Fatalf("the first run did not name its import: %s", stderr1)
		}
		id := m[1]
		mid, err := h.app.Import(h.ctx, admin, id)
		if err != nil {
			t.Fatal(err)
		}
		done := mid.Rows
		if mid.State != importer.Running || done <= 0 || done >= n || int64(mid.Line) != done+1 {
			t.Fatalf("import %s after the kill: state %s, %d of %d rows, to row %d", id, mid.State, done, n, mid.Line)
		}
		// The report: the rows not imported, and the imported ones' with their digests (issue 21 point 4).
		imported := h.count(`SELECT count(*) FROM import_digests WHERE import_id <> ''`)
		if got := h.count(`SELECT count(*) FROM import_rows`) + imported; got != done {
			t.Fatalf("%d report rows for %d rows done: a half-written transaction", got, done)
		}
		if got := h.count(`SELECT count(*) FROM contacts`) - baseContacts; got != imported {
			t.Fatalf("%d contacts from the import for %d rows reported imported", got, imported)
		}
		if got := h.count(`SELECT count(*) FROM consent_events WHERE source = 'import'`); got != imported {
			t.Fatalf("%d import events for %d rows reported imported", got, imported)
		}
		t.Logf("%s: killed after %d of %d rows", b.Name, done, n)

		// The same command again: it resumes.
		cmd, stdout, stderr := importCmd()
		if err := cmd.Run(); err != nil {
			t.Fatalf("the import run again: %v: %s", err, stderr)
		}
		line := h.count(`SELECT line FROM imports`) // after the run: the file's last row
		if want := fmt.Sprintf("resuming import %s after row %d", id, done+1); !strings.Contains(stderr.String(), want) {
			t.Fatalf("the second run did not say %q: %s", want, stderr)
		}
		var imp importer.Import
		if err := json.Unmarshal(stdout.Bytes(), &imp); err != nil {
			t.Fatal(err)
		}
		valid := int64(n - bad - 1)
		if imp.ID != id || imp.State != importer.Done || imp.Rows != n || line != n+1 || imp.Counts[importer.Imported] != valid ||
			imp.Counts[importer.RefusedBadNumber] != int64(bad) || imp.Counts[importer.RefusedSuppressed] != 1 {
			t.Fatalf("import %s: state %s, %d rows to line %d, counts %v", imp.ID, imp.State, imp.Rows, line, imp.Counts)
		}
		if len(imp.Resumes) != 1 || int64(imp.Resumes[0].AfterRow) != done+1 {
			t.Fatalf("import %s: resumes %+v, want one after row %d", id, imp.Resumes, done+1)
		}
		if got := h.count(`SELECT count(*) FROM access_log WHERE action = 'import' AND reason LIKE $1`, "%resumed % after row "+fmt.Sprint(done+1)); got != 1 {
			t.Fatalf("%d access-log entries recording the resume, want 1", got)
		}

		// As if it had run once.
		for _, c := range []struct {
			q    string
			want int64
		}{
			{`SELECT count(*) FROM imports`, 1},
			{`SELECT count(*) FROM contacts`, baseContacts + valid},
			{`SELECT count(*) FROM consent_events WHERE source = 'import'`, valid},
			{`SELECT count(*) FROM consent_states WHERE purpose = 'offers' AND status = 'active'`, valid},
			{`SELECT count(*) FROM import_digests`, valid},
			{`SELECT count(*) FROM import_rows`, n - valid},
			{`SELECT count(*) FROM import_rows WHERE outcome = 'imported'`, 0},
			{`SELECT count(DISTINCT line) FROM (SELECT line FROM import_rows UNION ALL SELECT line FROM import_digests WHERE import_id <> '') AS r
				WHERE line BETWEEN 2 AND ` + fmt.Sprint(n+1), n},
			{`SELECT count(*) FROM (SELECT contact_id FROM consent_events GROUP BY contact_id, purpose HAVING count(*) > 1) AS twice`, 0},
		} {
			if got := h.count(c.q); got != c.want {
				t.Errorf("%s = %d, want %d", c.q, got, c.want)
			}
		}
		if _, err := h.app.VerifyLedger(h.ctx); err != nil {
			t.Fatalf("the ledger after the kill and the resume: %v", err)
		}
		// C-03: a consent from before the kill and one from after keep
		// their own row's evidence.
		rows, err := csv.NewReader(strings.NewReader(readFile(t, report))).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != n+1 {
			t.Fatalf("the report has %d lines, want %d", len(rows), n+1)
		}
		for _, i := range []int{0, int(done) + 5, n - 2} {
			r := rows[1+i]
			if r[0] != fmt.Sprint(i+2) || r[1] != string(importer.Imported) {
				t.Fatalf("report line %d: %v", i+1, r)
			}
			hist, err := h.app.ConsentHistory(h.ctx, admin, r[3])
			if err != nil {
				t.Fatal(err)
			}
			if len(hist.Events) != 1 || hist.Events[0].Evidence == nil || hist.Events[0].Evidence.ConfirmationMessageID != fmt.Sprintf("wamid.row%d", i) {
				t.Fatalf("row %d's contact %s: its consent does not carry the row's evidence", i+2, r[3])
			}
		}
		// No number in clear text in what the command printed or wrote.
		for _, out := range []string{stderr1.String(), stderr.String(), stdout.String(), readFile(t, report)} {
			for _, i := range []int{0, int(done), n - 2} {
				if num := listNumber(i); strings.Contains(out, num[3:]) {
					t.Fatal("a number in clear text in the command's output or report")
				}
			}
		}
	})
}

// listNumber is the list's row i's number, +47 4xxxxxxx.
func listNumber(i int) string { return fmt.Sprintf("+474%07d", 1000000+i) }

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
