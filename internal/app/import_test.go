// SPDX-License-Identifier: AGPL-3.0-only

package app_test

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/metrics"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/samtykke/samtykke/internal/app"
	"github.com/samtykke/samtykke/internal/consent"
	"github.com/samtykke/samtykke/internal/importer"
	"github.com/samtykke/samtykke/internal/store/sqlite"
	"github.com/samtykke/samtykke/internal/store/storetest"
)

const importHeader = "phone,language,tags,collected_at,method,affirmative_act,age_confirmed,wording,confirmation,confirmation_ref\n"

// importFile runs an import of the CSV text into purpose and returns it
// with its report.
func (tb *bundle) importFile(t *testing.T, purpose string, mode importer.Mode, csv string) (importer.Import, map[int]importer.ReportRow) {
	t.Helper()
	imp, _, err := tb.app.StartImport(tb.ctx, integrator, app.ImportInput{Purpose: purpose, Mode: mode, Source: "cli"})
	if err != nil {
		t.Fatal(err)
	}
	imp, err = tb.app.RunImport(tb.ctx, integrator, imp.ID, strings.NewReader(csv), nil)
	if err != nil {
		t.Fatal(err)
	}
	return imp, tb.report(t, imp.ID)
}

func (tb *bundle) report(t *testing.T, id string) map[int]importer.ReportRow {
	t.Helper()
	rows, err := tb.app.ImportReport(tb.ctx, integrator, id, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	out := map[int]importer.ReportRow{}
	for _, r := range rows {
		out[r.Line] = r
	}
	return out
}

// gate is the gate's decision on a row's contact.
func (tb *bundle) gateFor(t *testing.T, contactID, purpose string) consent.Decision {
	t.Helper()
	d, err := tb.app.Gate(tb.ctx, integrator, contactID, purpose)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func wantOutcome(t *testing.T, rep map[int]importer.ReportRow, line int, want importer.Outcome) importer.ReportRow {
	t.Helper()
	r, ok := rep[line]
	if !ok {
		t.Fatalf("row %d: not in the report", line)
	}
	if r.Outcome != want {
		t.Fatalf("row %d: outcome %s (%s), want %s", line, r.Outcome, r.Reason, want)
	}
	return r
}

// C-03, M-04: a row without evidence never becomes an active consent: it is
// refused, or kept as needing fresh consent, which the gate refuses; an
// invalid row never stops the valid ones; the report names no number.
func TestImportNoLaundering(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		tb := setup(t, b)
		tb.seed(t)
		csv := importHeader +
			"+47 412 34 501,nb,,2026-10-01T10:00:00Z,web_form,checkbox,yes,Ja takk,whatsapp,wamid.A\n" + // 2: confirmed
			"+4741234502,,,,,,,,,\n" + // 3: no evidence
			"not a number,nb,,2026-10-01,web_form,checkbox,yes,Ja takk,,\n" + // 4: bad number
			"41234503,en,,2026-10-01,telepathy,checkbox,yes,Ja takk,,\n" + // 5: bad method
			"41234504,nb,,2026-10-01,paper,signature,yes,Ja takk,,\n" + // 6: pending (no confirmation)
			"41234505,nb,,2026-10-01,paper,signature,no,Ja takk,,\n" // 7: age not confirmed
		imp, rep := tb.importFile(t, "offers", importer.Refuse, csv)
		if imp.State != importer.Done || imp.Rows != 6 {
			t.Fatalf("import %s: state %s, %d rows", imp.ID, imp.State, imp.Rows)
		}
		r := wantOutcome(t, rep, 2, importer.Imported)
		if d := tb.gateFor(t, r.ContactID, "offers"); !d.Allowed {
			t.Fatalf("row 2: gate refuses an imported confirmed consent: %s", d.Reason)
		}
		wantOutcome(t, rep, 3, importer.RefusedNoEvidence)
		wantOutcome(t, rep, 4, importer.RefusedBadNumber)
		wantOutcome(t, rep, 5, importer.RefusedInvalid)
		r = wantOutcome(t, rep, 6, importer.Imported)
		if d := tb.gateFor(t, r.ContactID, "offers"); d.Allowed {
			t.Fatal("row 6: a consent without confirmation is allowed by the gate")
		}
		wantOutcome(t, rep, 7, importer.RefusedNoEvidence)
		if n := tb.b.Int(t, tb.store, "SELECT count(*) FROM contacts"); n != 2 {
			t.Fatalf("%d contacts, want 2 (rows 2 and 6)", n)
		}
		for line, r := range rep {
			for _, s := range []string{"412", "4741", "41234"} {
				if strings.Contains(r.Reason, s) {
					t.Fatalf("row %d: the reason holds digits of the number", line)
				}
			}
		}
		// Invariant 6: the import is in the access log, with its row count.
		if n := tb.b.Int(t, tb.store, "SELECT count(*) FROM access_log WHERE action = 'import' AND reason LIKE '%6 rows%'"); n != 1 {
			t.Fatalf("%d access-log entries for the import, want 1", n)
		}

		// Under the operator's flag the row without evidence is kept as
		// needing fresh consent: a contact the gate refuses.
		_, rep = tb.importFile(t, "offers", importer.NeedsFreshConsent, importHeader+"+4741234502,,,,,,,,,\n")
		r = wantOutcome(t, rep, 2, importer.NeedsFresh)
		if r.ContactID == "" {
			t.Fatal("row 2: kept as needing fresh consent without a contact")
		}
		if d := tb.gateFor(t, r.ContactID, "offers"); d.Allowed {
			t.Fatal("the gate allows a contact that needs fresh consent")
		}
		if _, err := tb.app.VerifyLedger(tb.ctx); err != nil {
			t.Fatal(err)
		}
	})
}

// M-05: an existing-customer row needs its order reference, product
// category and when the opt-out was offered.
func TestImportSoftOptInProof(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		tb := setup(t, b)
		tb.seed(t)
		csv := "phone;collected_at;method;order_ref;product_category;opt_out_offered_at\n" +
			"41234511;2026-09-01;in_store;ORD-1;sko;2026-09-01T12:00:00Z\n" +
			"41234512;2026-09-01;in_store;ORD-2;;2026-09-01\n" +
			"41234513;2026-09-01;in_store;;sko;\n"
		_, rep := tb.importFile(t, "customers", importer.Refuse, csv)
		r := wantOutcome(t, rep, 2, importer.Imported)
		if d := tb.gateFor(t, r.ContactID, "customers"); !d.Allowed {
			t.Fatalf("soft opt-in with its proof refused by the gate: %s", d.Reason)
		}
		wantOutcome(t, rep, 3, importer.RefusedNoEvidence)
		wantOutcome(t, rep, 4, importer.RefusedNoEvidence)
		h, err := tb.app.ConsentHistory(tb.ctx, integrator, r.ContactID)
		if err != nil {
			t.Fatal(err)
		}
		ev := h.Events[0].Evidence
		if h.Events[0].Kind != "soft_opt_in" || ev == nil || ev.OrderRef != "ORD-1" || ev.ProductCategory != "sko" || ev.OptOutOfferedAt == "" {
			t.Fatalf("contact %s: the soft opt-in's proof is not in its evidence", r.ContactID)
		}
	})
}

// RT-05, RT-06, R-04: a suppressed number is never re-activated, a later
// withdrawal is not undone by older evidence, and an erased person is not
// brought back by the same list.
func TestImportSuppressedErasedWithdrawn(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		tb := setup(t, b)
		tb.seed(t)
		row := func(n, at string) string {
			return n + ",nb,,2026-10-01T10:00:00Z,web_form,checkbox,yes,Ja takk,whatsapp,wamid." + at + "\n"
		}
		// An objection off-channel puts the number on the suppression list.
		if _, err := tb.app.Withdraw(tb.ctx, integrator, app.WithdrawInput{Subject: app.Subject{Phone: "+4741234521"}, Purpose: "all", Method: "phone_call"}); err != nil {
			t.Fatal(err)
		}
		// A contact who withdrew after the list's evidence was collected.
		rec := tb.consented(t, "+4741234522")
		if _, err := tb.app.Withdraw(tb.ctx, integrator, app.WithdrawInput{Subject: app.Subject{ContactID: rec.ContactID}, Purpose: "offers"}); err != nil {
			t.Fatal(err)
		}
		_, rep := tb.importFile(t, "offers", importer.Refuse, importHeader+row("+4741234521", "1")+row("+4741234522", "2")+row("+4741234523", "3"))
		wantOutcome(t, rep, 2, importer.RefusedSuppressed)
		wantOutcome(t, rep, 3, importer.RefusedWithdrawn)
		r := wantOutcome(t, rep, 4, importer.Imported)
		// Erased (without objecting): the same list does not bring them back.
		if _, err := tb.app.Erase(tb.ctx, admin, r.ContactID, "request 17 by letter"); err != nil {
			t.Fatal(err)
		}
		_, rep = tb.importFile(t, "offers", importer.Refuse, importHeader+row("+4741234523", "3"))
		wantOutcome(t, rep, 2, importer.RefusedErased)
		// Needs-fresh-consent never re-activates a suppressed number either.
		_, rep = tb.importFile(t, "offers", importer.NeedsFreshConsent, importHeader+"+4741234521,,,,,,,,,\n")
		wantOutcome(t, rep, 2, importer.RefusedSuppressed)
		if n := tb.b.Int(t, tb.store, "SELECT count(*) FROM consent_states WHERE status = 'active'"); n != 0 {
			t.Fatalf("%d active consents, want 0", n)
		}
	})
}

// C-03, invariant 8: re-importing the same file changes nothing, and an
// import interrupted after some batches, run again, reaches the same end
// state as one that was not.
func TestImportIdempotentAndResumable(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		tb := setup(t, b)
		tb.seed(t)
		var csv strings.Builder
		csv.WriteString(importHeader)
		const n = 2*app.ImportBatch + app.ImportBatch/2 // three batches
		for i := range n {
			fmt.Fprintf(&csv, "+474%07d,nb,,2026-10-01T10:00:00Z,web_form,checkbox,yes,Ja takk,whatsapp,wamid.%d\n", i, i)
		}
		csv.WriteString("+4740000000,,,,,,,,,\n") // refused: no evidence
		file := csv.String()

		// Interrupted: the reader fails after the first batch committed.
		imp, _, err := tb.app.StartImport(tb.ctx, integrator, app.ImportInput{Purpose: "offers", Source: "cli", FileDigest: []byte("f1")})
		if err != nil {
			t.Fatal(err)
		}
		broken := io.MultiReader(strings.NewReader(file[:len(file)*3/5]), errReader{})
		if _, err := tb.app.RunImport(tb.ctx, integrator, imp.ID, broken, nil); err == nil {
			t.Fatal("an import whose file broke off finished")
		}
		mid, err := tb.app.Import(tb.ctx, integrator, imp.ID)
		if err != nil {
			t.Fatal(err)
		}
		if mid.State != importer.Running || mid.Rows == 0 || mid.Rows >= n {
			t.Fatalf("import %s after the break: state %s, %d rows", imp.ID, mid.State, mid.Rows)
		}
		// Run again: the same file resumes the unfinished import.
		again, resumed, err := tb.app.StartImport(tb.ctx, integrator, app.ImportInput{Purpose: "offers", Source: "cli", FileDigest: []byte("f1")})
		if err != nil || !resumed || again.ID != imp.ID {
			t.Fatalf("start again: %v, resumed %v, id %s want %s", err, resumed, again.ID, imp.ID)
		}
		done, err := tb.app.RunImport(tb.ctx, integrator, imp.ID, strings.NewReader(file), nil)
		if err != nil {
			t.Fatal(err)
		}
		if done.State != importer.Done || done.Rows != n+1 || done.Counts[importer.Imported] != n || done.Counts[importer.RefusedNoEvidence] != 1 {
			t.Fatalf("import %s: state %s, %d rows, counts %v", done.ID, done.State, done.Rows, done.Counts)
		}
		// The resume is on record: with the import, and in its access-log entry.
		if len(done.Resumes) != 1 || done.Resumes[0].AfterRow != mid.Line {
			t.Fatalf("import %s: resumes %+v, want one after row %d", done.ID, done.Resumes, mid.Line)
		}
		if n := tb.b.Int(t, tb.store, "SELECT count(*) FROM access_log WHERE action = 'import' AND reason LIKE '%resumed % after row "+fmt.Sprint(mid.Line)+"'"); n != 1 {
			t.Fatalf("%d access-log entries recording the resume after row %d, want 1", n, mid.Line)
		}
		state := func() [4]int64 {
			return [4]int64{tb.b.Int(t, tb.store, "SELECT count(*) FROM contacts"), tb.b.Int(t, tb.store, "SELECT count(*) FROM consent_events"),
				tb.b.Int(t, tb.store, "SELECT count(*) FROM consent_states WHERE status = 'active'"),
				// The report: the rows not imported, and the imported ones' with their digests (issue 21 point 4).
				tb.b.Int(t, tb.store, "SELECT (SELECT count(*) FROM import_rows WHERE import_id = '"+imp.ID+"') + (SELECT count(*) FROM import_digests WHERE import_id = '"+imp.ID+"')")}
		}
		want := [4]int64{n, n, n, n + 1}
		if got := state(); got != want {
			t.Fatalf("after the resumed import: contacts, events, active, report rows = %v, want %v", got, want)
		}
		// Every row once in the report, by its row number, in order, page
		// after page.
		var all []importer.ReportRow
		for after := 0; ; {
			page, err := tb.app.ImportReport(tb.ctx, integrator, imp.ID, after, 3000)
			if err != nil {
				t.Fatal(err)
			}
			if len(page) == 0 {
				break
			}
			all, after = append(all, page...), page[len(page)-1].Line
		}
		if len(all) != n+1 {
			t.Fatalf("ImportReport: %d rows; want %d", len(all), n+1)
		}
		for i, r := range all {
			want := importer.Imported
			if i == n {
				want = importer.RefusedNoEvidence
			}
			if r.Line != i+2 || r.Outcome != want || (want == importer.Imported && (r.ContactID == "" || r.Reason == "")) {
				t.Fatalf("report row %d: %+v, want row %d %s with its contact and reason", i, r, i+2, want)
			}
		}
		// The same file again, as a new import: nothing changes.
		re, rep := tb.importFile(t, "offers", importer.Refuse, file)
		if re.Counts[importer.Already] != n {
			t.Fatalf("re-import %s: counts %v, want %d already", re.ID, re.Counts, n)
		}
		wantOutcome(t, rep, 2, importer.Already)
		want[3] = n + 1 // of the first import
		if got := state(); got != want {
			t.Fatalf("after the re-import: %v, want %v", got, want)
		}
		if _, err := tb.app.VerifyLedger(tb.ctx); err != nil {
			t.Fatal(err)
		}
	})
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errors.New("killed") }

// A file without a usable header fails the import with a clear reason and
// writes nothing; a role without the permission is refused.
func TestImportRefusedWhole(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		tb := setup(t, b)
		tb.seed(t)
		before := tb.rows(t)
		imp, _, err := tb.app.StartImport(tb.ctx, integrator, app.ImportInput{Purpose: "offers"})
		if err != nil {
			t.Fatal(err)
		}
		_, err = tb.app.RunImport(tb.ctx, integrator, imp.ID, strings.NewReader("+4741234567,nb\n"), nil)
		if !errors.Is(err, app.ErrInvalid) {
			t.Fatalf("a file without a header: %v, want ErrInvalid", err)
		}
		if strings.Contains(err.Error(), "41234567") {
			t.Fatal("the error shows the number")
		}
		if got, _ := tb.app.Import(tb.ctx, integrator, imp.ID); got.State != importer.Failed {
			t.Fatalf("import %s: state %s, want failed", imp.ID, got.State)
		}
		if after := tb.rows(t); after != before {
			t.Fatalf("rows %d -> %d: a failed import wrote", before, after)
		}
		if _, _, err := tb.app.StartImport(tb.ctx, marketer, app.ImportInput{Purpose: "offers"}); !errors.Is(err, app.ErrForbidden) {
			t.Fatalf("a marketer starts an import: %v", err)
		}
		if _, _, err := tb.app.StartImport(tb.ctx, integrator, app.ImportInput{Purpose: "nope"}); !errors.Is(err, app.ErrInvalid) {
			t.Fatalf("unknown purpose: %v", err)
		}
	})
}

// Issue 21 point 1: SQLite's write-ahead log stays bounded through a long
// import (it grew to 3.7 GB at 370,000 rows: back-to-back batches never left
// the checkpointer a moment to reset it). Sampled after every batch and
// every 10 ms between.
func TestImportKeepsTheLogBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("50,000 rows")
	}
	tb := setup(t, storetest.SQLite)
	tb.seed(t)
	const n = 50000
	var csv strings.Builder
	csv.WriteString(importHeader)
	for i := range n {
		fmt.Fprintf(&csv, "+474%07d,nb,,2026-10-01T10:00:00Z,web_form,checkbox,yes,Ja takk,whatsapp,wamid.%d\n", i, i)
	}
	wal := storetest.SQLite.Files(t, tb.store)[1]
	var peak atomic.Int64
	sample := func() {
		if fi, err := os.Stat(wal); err == nil && fi.Size() > peak.Load() {
			peak.Store(fi.Size())
		}
	}
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		for {
			select {
			case <-stop:
				return
			case <-time.After(10 * time.Millisecond):
				sample()
			}
		}
	}()
	imp, _, err := tb.app.StartImport(tb.ctx, integrator, app.ImportInput{Purpose: "offers", Source: "cli"})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	imp, err = tb.app.RunImport(tb.ctx, integrator, imp.ID, strings.NewReader(csv.String()), func(importer.Import) { sample() })
	close(stop)
	<-sampled
	if err != nil {
		t.Fatal(err)
	}
	if imp.Counts[importer.Imported] != n {
		t.Fatalf("import %s: counts %v, want %d imported", imp.ID, imp.Counts, n)
	}
	t.Logf("%d rows in %v; the log's peak %.1f MB", n, time.Since(start).Round(time.Millisecond), float64(peak.Load())/(1<<20))
	if peak.Load() == 0 {
		t.Fatal("no write-ahead log was seen: the test proves nothing")
	}
	if max := int64(sqlite.LogBound); peak.Load() > max {
		t.Fatalf("the write-ahead log reached %d MB, want at most %d MB", peak.Load()>>20, max>>20)
	}
}

// Issue 21 point 3: an import streams its file: its live heap does not grow
// with the file. Two files, 20 and 100 of the import's transactions long
// (of 250 rows: both well past the batches its pipeline holds); the larger
// may hold at most memPerRow bytes a row more than the smaller at its peak
// (keeping each row, sealed, took about 1,700; the peaks differ by up to
// 85 bytes a row between runs, as the collector catches the pipeline).
func TestImportMemoryFlat(t *testing.T) {
	if testing.Short() {
		t.Skip("48,000 rows a store")
	}
	const batch, small, large, memPerRow = 250, 5000, 25000, 400
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		peak := func(n int) uint64 {
			tb := setupWith(t, b, app.Config{ImportBatch: batch})
			tb.seed(t)
			imp, _, err := tb.app.StartImport(tb.ctx, integrator, app.ImportInput{Purpose: "offers", Source: "cli"})
			if err != nil {
				t.Fatal(err)
			}
			var got importer.Import
			p := peakHeap(func() {
				got, err = tb.app.RunImport(tb.ctx, integrator, imp.ID, listReader(n), nil)
			})
			if err != nil {
				t.Fatal(err)
			}
			if got.Counts[importer.Imported] != int64(n) {
				t.Fatalf("import %s: counts %v, want %d imported", got.ID, got.Counts, n)
			}
			return p
		}
		ps, pl := peak(small), peak(large)
		t.Logf("%s: peak live heap %.1f MB at %d rows, %.1f MB at %d rows", b.Name, float64(ps)/(1<<20), small, float64(pl)/(1<<20), large)
		if pl > ps+memPerRow*(large-small) {
			t.Fatalf("the peak live heap grew by %d bytes a row from %d to %d rows: the file is not streamed", (pl-ps)/(large-small), small, large)
		}
	})
}

// peakHeap runs fn and returns the peak of the live heap (as the collector
// measured it) above the heap before, sampled every millisecond.
func peakHeap(fn func()) uint64 {
	runtime.GC()
	live := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(live)
	base, peak := live[0].Value.Uint64(), uint64(0)
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		for {
			metrics.Read(live)
			if v := live[0].Value.Uint64(); v > base && v-base > peak {
				peak = v - base
			}
			select {
			case <-stop:
				return
			case <-time.After(time.Millisecond):
			}
		}
	}()
	fn()
	runtime.GC() // measure the heap as the import left it, too
	close(stop)
	<-done
	return peak
}

// listReader streams a file of n valid rows with their evidence, never
// holding it whole.
func listReader(n int) io.Reader {
	pr, pw := io.Pipe()
	go func() {
		bw := bufio.NewWriter(pw)
		bw.WriteString(importHeader)
		for i := range n {
			fmt.Fprintf(bw, "+474%07d,nb,,2026-10-01T10:00:00Z,web_form,checkbox,yes,Ja takk,whatsapp,wamid.%d\n", i, i)
		}
		pw.CloseWithError(bw.Flush())
	}()
	return pr
}
