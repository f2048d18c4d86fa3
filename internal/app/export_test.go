// SPDX-License-Identifier: AGPL-3.0-only

package app_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/samtykke/samtykke/internal/access"
	"github.com/samtykke/samtykke/internal/app"
	"github.com/samtykke/samtykke/internal/contact"
	"github.com/samtykke/samtykke/internal/export"
	"github.com/samtykke/samtykke/internal/phone"
	"github.com/samtykke/samtykke/internal/store/storetest"
)

// exportNumbers are the numbers of the export tests, in three spellings.
var exportNumbers = []string{"+47 912 34 567", "004741234568", "+4790011223"}

// exportList seeds three contacts: one active on offers with tags, one
// that withdrew, one restricted.
func exportList(t *testing.T, b storetest.Backend) (*bundle, []app.Recorded) {
	t.Helper()
	tb := setupWith(t, b, app.Config{Tags: declaredTags})
	tb.seed(t)
	var recs []app.Recorded
	for _, n := range exportNumbers {
		recs = append(recs, tb.consented(t, n))
	}
	if _, err := tb.app.SetContactTags(tb.ctx, admin, recs[0].ContactID, []string{"vip", "oslo"}); err != nil {
		t.Fatal(err)
	}
	if _, err := tb.app.Withdraw(tb.ctx, integrator, app.WithdrawInput{Subject: app.Subject{ContactID: recs[1].ContactID},
		Purpose: "offers", Method: "api"}); err != nil {
		t.Fatal(err)
	}
	if _, err := tb.app.Restrict(tb.ctx, dpo, recs[2].ContactID, true, "klage under behandling"); err != nil {
		t.Fatal(err)
	}
	return tb, recs
}

// export runs an export into a buffer.
func (tb *bundle) export(t *testing.T, actor app.Actor, req app.ExportRequest) (string, app.ExportResult, error) {
	t.Helper()
	var buf bytes.Buffer
	res, err := tb.app.Export(tb.ctx, actor, req, &buf)
	return buf.String(), res, err
}

// lastExport is the newest export in the access log.
func (tb *bundle) lastExport(t *testing.T) access.Entry {
	t.Helper()
	es, err := tb.store.ExportLog(tb.ctx, 1)
	if err != nil || len(es) != 1 {
		t.Fatalf("ExportLog = %d entries, %v", len(es), err)
	}
	return es[0]
}

// noNumber fails the test when out holds one of the numbers in any
// spelling: E.164, with or without its +, national, with the country code's
// 00, grouped, or the bytes of those in hex or base64. (phone.Mentions is
// for free text: ids and times in an export are runs of digits too.)
func noNumber(t *testing.T, what, out string) {
	t.Helper()
	for i, n := range exportNumbers {
		e164 := "+" + strings.Map(func(r rune) rune {
			if r >= '0' && r <= '9' {
				return r
			}
			return -1
		}, strings.TrimPrefix(n, "00"))
		national := e164[3:]
		for _, s := range []string{e164, e164[1:], national, "0047" + national, national[:3] + " " + national[3:5] + " " + national[5:],
			hex.EncodeToString([]byte(e164)), hex.EncodeToString([]byte(national)),
			base64.StdEncoding.EncodeToString([]byte(e164[1:])), base64.StdEncoding.EncodeToString([]byte(e164))} {
			if strings.Contains(out, s) {
				t.Errorf("%s holds number %d in a spelling of %d characters", what, i, len(s))
			}
		}
	}
}

// TestExportContents: the list leaves as CSV and as JSON with each
// contact's consent state per purpose, its language, tags and creation, by
// its pseudonymous id and with its number masked; the export is in the
// access log with its row count (issue 21, R-02, invariant 6).
func TestExportContents(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		tb, recs := exportList(t, b)
		masked := map[string]string{}
		for i, n := range exportNumbers {
			num, err := phone.Policy{}.Parse(n)
			if err != nil {
				t.Fatal(err)
			}
			masked[recs[i].ContactID] = num.Masked()
		}

		out, res, err := tb.export(t, admin, app.ExportRequest{Format: export.CSV})
		if err != nil {
			t.Fatal(err)
		}
		noNumber(t, "the CSV export", out)
		rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		wantHeader := "id phone language tags created_at restricted customers.status customers.since customers.valid_until " +
			"customers.event_id offers.status offers.since offers.valid_until offers.event_id"
		if got := strings.Join(rows[0], " "); got != wantHeader {
			t.Errorf("header %q;\nwant %q", got, wantHeader)
		}
		if len(rows) != 4 || res.Rows != 3 || res.Outcome != access.Complete {
			t.Fatalf("%d CSV lines, result %+v; want a header and 3 rows, complete", len(rows), res)
		}
		byID := map[string][]string{}
		for _, r := range rows[1:] {
			byID[r[0]] = r
		}
		for i, rec := range recs {
			r := byID[rec.ContactID]
			if r == nil {
				t.Fatalf("contact %s is not in the export", rec.ContactID)
			}
			if r[1] != masked[rec.ContactID] || r[2] != "nb" || r[6] != "none" || r[7] != "" {
				t.Errorf("contact %d: phone masked %v, language %q, customers %q %q", i, r[1] == masked[rec.ContactID], r[2], r[6], r[7])
			}
			if _, err := time.Parse(time.RFC3339Nano, r[4]); err != nil {
				t.Errorf("contact %d: created_at %q: %v", i, r[4], err)
			}
		}
		first := byID[recs[0].ContactID]
		if first[3] != "oslo;vip" || first[5] != "false" || first[10] != "active" || first[13] != recs[0].EventID ||
			first[11] != recs[0].State.Since.Format(time.RFC3339Nano) || first[12] == "" {
			t.Errorf("contact 0: tags %q, restricted %q, offers %q since %q until %q event is the consent's: %v",
				first[3], first[5], first[10], first[11], first[12], first[13] == recs[0].EventID)
		}
		if second := byID[recs[1].ContactID]; second[10] != "withdrawn" || second[13] == recs[1].EventID || second[13] == "" {
			t.Errorf("contact 1: offers %q, event %q; want withdrawn by its own event", second[10], second[13])
		}
		if third := byID[recs[2].ContactID]; third[5] != "true" {
			t.Errorf("contact 2: restricted %q; want true", third[5])
		}
		e := tb.lastExport(t)
		if e.ID != res.ID || e.Actor != admin.String() || e.Scope != access.ScopeContacts || e.Rows == nil || *e.Rows != 3 ||
			e.Outcome != access.Complete {
			t.Errorf("access log: %+v; want %s by %s, contacts, 3 rows, complete", e, res.ID, admin)
		}

		out, res, err = tb.export(t, admin, app.ExportRequest{Format: export.JSON})
		if err != nil {
			t.Fatal(err)
		}
		noNumber(t, "the JSON export", out)
		var list []struct {
			ID         string   `json:"id"`
			Phone      string   `json:"phone"`
			Language   string   `json:"language"`
			Tags       []string `json:"tags"`
			CreatedAt  time.Time
			Restricted bool `json:"restricted"`
			Consents   map[string]struct {
				Status     string    `json:"status"`
				Since      time.Time `json:"since"`
				ValidUntil time.Time `json:"valid_until"`
				EventID    string    `json:"event_id"`
			} `json:"consents"`
		}
		if err := json.Unmarshal([]byte(out), &list); err != nil {
			t.Fatalf("the JSON export is not a JSON array: %v", err)
		}
		if len(list) != 3 || res.Rows != 3 || strings.Count(out, "\n") != 5 {
			t.Fatalf("%d JSON elements on %d lines, %d rows; want 3, one a line", len(list), strings.Count(out, "\n"), res.Rows)
		}
		for _, c := range list {
			if c.Phone != masked[c.ID] || c.Tags == nil || len(c.Consents) != 2 || c.Consents["customers"].Status != "none" {
				t.Errorf("contact %s: phone masked %v, tags %v, consents %+v", c.ID, c.Phone == masked[c.ID], c.Tags, c.Consents)
			}
			if c.ID == recs[0].ContactID {
				o := c.Consents["offers"]
				if o.Status != "active" || o.EventID != recs[0].EventID || !o.Since.Equal(recs[0].State.Since) ||
					strings.Join(c.Tags, ",") != "oslo,vip" {
					t.Errorf("contact 0 in JSON: %+v, tags %v", o, c.Tags)
				}
			}
		}
		if e := tb.lastExport(t); e.ID != res.ID || *e.Rows != 3 {
			t.Errorf("access log after the JSON export: %+v", e)
		}
	})
}

// TestExportReveal: numbers leave in clear only for the DPO (the rule of
// Reveal: not even the admin), only with a written reason, recorded with it; any
// other role, or no reason, is refused before a byte is written and
// records nothing (issue 21, S-05, invariant 4).
func TestExportReveal(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		tb, recs := exportList(t, b)
		refused := []struct {
			name  string
			actor app.Actor
			req   app.ExportRequest
			want  error
		}{
			{"no reason", dpo, app.ExportRequest{Format: export.CSV, Reveal: true}, app.ErrInvalid},
			{"a reason too short", dpo, app.ExportRequest{Format: export.CSV, Reveal: true, Reason: "ok"}, app.ErrInvalid},
			{"a reason naming a number", dpo, app.ExportRequest{Format: export.CSV, Reveal: true, Reason: "flytting av +47 912 34 567"}, app.ErrInvalid},
			{"the admin", admin, app.ExportRequest{Format: export.CSV, Reveal: true, Reason: "flytting til ny leverandør"}, app.ErrForbidden},
			{"the marketer", marketer, app.ExportRequest{Format: export.CSV, Reveal: true, Reason: "flytting til ny leverandør"}, app.ErrForbidden},
			{"the marketer, masked", marketer, app.ExportRequest{Format: export.CSV}, app.ErrForbidden},
			{"the integrator", integrator, app.ExportRequest{Format: export.JSON, Reveal: true, Reason: "flytting til ny leverandør"}, app.ErrForbidden},
			{"the auditor", auditor, app.ExportRequest{Format: export.CSV}, app.ErrForbidden},
			{"the suppression list revealed", dpo, app.ExportRequest{What: app.ExportSuppressions, Format: export.CSV, Reveal: true,
				Reason: "flytting til ny leverandør"}, app.ErrInvalid},
			{"an unknown format", dpo, app.ExportRequest{Format: "xml"}, app.ErrInvalid},
			{"an unknown list", dpo, app.ExportRequest{What: "messages", Format: export.CSV}, app.ErrInvalid},
		}
		before := tb.rows(t)
		for _, c := range refused {
			out, _, err := tb.export(t, c.actor, c.req)
			if !errors.Is(err, c.want) || out != "" {
				t.Errorf("%s: %v and %d bytes written; want %v and none", c.name, err, len(out), c.want)
			}
		}
		if after := tb.rows(t); after != before {
			t.Errorf("refused exports changed %d rows (the access log among them)", after-before)
		}

		for _, actor := range []app.Actor{dpo} {
			const reason = "flytting av listen til ny leverandør, sak 2026-17"
			out, res, err := tb.export(t, actor, app.ExportRequest{Format: export.CSV, Reveal: true, Reason: reason})
			if err != nil {
				t.Fatalf("%s: %v", actor.Role, err)
			}
			rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
			if err != nil || len(rows) != 4 {
				t.Fatalf("%s: %d rows, %v", actor.Role, len(rows), err)
			}
			for i, rec := range recs {
				want, _ := phone.Policy{}.Parse(exportNumbers[i])
				found := false
				for _, r := range rows[1:] {
					found = found || (r[0] == rec.ContactID && r[1] == want.E164())
				}
				if !found {
					t.Errorf("%s: contact %s is not exported with its number in clear", actor.Role, rec.ContactID)
				}
			}
			e := tb.lastExport(t)
			if e.ID != res.ID || e.Scope != access.ScopeNumbers || e.Reason != reason || e.Rows == nil || *e.Rows != 3 ||
				e.Actor != actor.String() {
				t.Errorf("%s: access log %+v; want the numbers' scope, the reason and 3 rows", actor.Role, e)
			}
		}
	})
}

// TestExportSuppressions: the suppression list leaves as keyed hashes (hex),
// the day and the reason, and the master key's fingerprint; no number in any
// spelling (RT-05, issue 21).
func TestExportSuppressions(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		tb, recs := exportList(t, b)
		// An objection by a contact, and one by a number never on the list.
		for _, s := range []app.Subject{{ContactID: recs[0].ContactID}, {Phone: "+47 900 11 223"}} {
			if _, err := tb.app.Withdraw(tb.ctx, integrator, app.WithdrawInput{Subject: s, Purpose: "all", Method: "api"}); err != nil {
				t.Fatal(err)
			}
		}
		want := map[string]bool{}
		for _, n := range []string{exportNumbers[0], exportNumbers[2]} {
			num, _ := phone.Policy{}.Parse(n)
			want[hex.EncodeToString(tb.vault.SuppressionToken(num.E164()))] = true
		}
		fp := hex.EncodeToString(tb.vault.Fingerprint()[:6])
		day := tb.now.Format(time.DateOnly)

		out, res, err := tb.export(t, dpo, app.ExportRequest{What: app.ExportSuppressions, Format: export.CSV})
		if err != nil {
			t.Fatal(err)
		}
		noNumber(t, "the suppression export (CSV)", out)
		rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
		if err != nil || len(rows) != 3 || strings.Join(rows[0], " ") != "token date reason key" || res.Rows != 2 {
			t.Fatalf("%d CSV lines (%v), header %v, %d rows; want 3 lines", len(rows), err, rows[0], res.Rows)
		}
		for _, r := range rows[1:] {
			if !want[r[0]] || r[1] != day || r[2] != "objection:api" || r[3] != fp {
				t.Errorf("row %v: token listed %v, date %q, reason %q, key is the fingerprint %v", r[0][:8], want[r[0]], r[1], r[2], r[3] == fp)
			}
		}
		e := tb.lastExport(t)
		if e.ID != res.ID || e.Scope != access.ScopeSuppressions || e.Rows == nil || *e.Rows != 2 || e.Outcome != access.Complete {
			t.Errorf("access log: %+v; want the suppressions' scope with 2 rows", e)
		}

		out, _, err = tb.export(t, dpo, app.ExportRequest{What: app.ExportSuppressions, Format: export.JSON,
			Reason: "overføring til ny installasjon"})
		if err != nil {
			t.Fatal(err)
		}
		noNumber(t, "the suppression export (JSON)", out)
		var list []map[string]string
		if err := json.Unmarshal([]byte(out), &list); err != nil || len(list) != 2 {
			t.Fatalf("JSON: %d elements, %v", len(list), err)
		}
		for _, s := range list {
			if !want[s["token"]] || s["date"] != day || s["key"] != fp || len(s) != 4 {
				t.Errorf("element with %d fields: token listed %v, date %q", len(s), want[s["token"]], s["date"])
			}
		}
		if e := tb.lastExport(t); e.Reason != "overføring til ny installasjon" {
			t.Errorf("the export's reason was not recorded: %+v", e)
		}
	})
}

// failingWriter takes limit bytes, then fails as a closed connection does,
// or cancels the context when cancel is set.
type failingWriter struct {
	limit  int
	cancel context.CancelFunc
}

func (w *failingWriter) Write(p []byte) (int, error) {
	if len(p) > w.limit {
		if w.cancel != nil {
			w.cancel()
			return 0, context.Canceled
		}
		return 0, io.ErrClosedPipe
	}
	w.limit -= len(p)
	return len(p), nil
}

// TestExportInterrupted: a reader that goes away mid-stream, or a request
// cancelled, still leaves the export in the access log, with the rows
// written before (issue 21, invariant 6).
func TestExportInterrupted(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		tb := setup(t, b)
		tb.seed(t)
		seedMany(t, tb, 2500)
		for _, cancelled := range []bool{false, true} {
			ctx, cancel := context.WithCancel(tb.ctx)
			w := &failingWriter{limit: 150 << 10}
			if cancelled {
				w.cancel = cancel
			}
			res, err := tb.app.Export(ctx, admin, app.ExportRequest{Format: export.CSV}, w)
			cancel()
			if err == nil || res.Outcome != access.Interrupted {
				t.Fatalf("cancelled %v: %v, outcome %q; want an error, interrupted", cancelled, err, res.Outcome)
			}
			e := tb.lastExport(t)
			if e.ID != res.ID || e.Outcome != access.Interrupted || e.Rows == nil || *e.Rows != res.Rows || res.Rows < 1000 || res.Rows >= 2500 {
				t.Errorf("cancelled %v: access log %+v, result %+v; want interrupted after some of the 2500 rows", cancelled, e, res)
			}
		}
	})
}

// seedMany writes n contacts with an active consent to offers beneath
// the app (storetest.SeedContacts), their numbers sealed as the app would.
func seedMany(t testing.TB, tb *bundle, n int) {
	t.Helper()
	key, wrapped, err := tb.vault.NewDataKey()
	if err != nil {
		t.Fatal(err)
	}
	storetest.SeedContacts(t, tb.b, tb.store, n, "offers", wrapped, func(id, e164 string) []byte {
		return key.Seal([]byte(e164), contact.AAD(id, "phone"))
	}, tb.now.Add(-time.Hour))
}

// heapWriter discards what it is given and measures the live heap (after
// a collection) every megabyte (or every bytes), keeping the highest.
type heapWriter struct {
	written, next, every int
	peak                 uint64
}

func (w *heapWriter) Write(p []byte) (int, error) {
	w.written += len(p)
	if w.written >= w.next {
		w.next = w.written + max(w.every, 1<<20)
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		w.peak = max(w.peak, m.HeapAlloc)
	}
	return len(p), nil
}

// TestExportMemoryIsFlat: exporting 200,000 contacts keeps the heap within
// a bound far below what the list takes (issue 21: memory flat at a
// million); a reading of the whole list into memory first fails it.
func TestExportMemoryIsFlat(t *testing.T) {
	if testing.Short() {
		t.Skip("200,000 contacts: not with -short")
	}
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		tb := setup(t, b)
		tb.seed(t)
		const n = 200_000
		seedMany(t, tb, n)
		for _, f := range []export.Format{export.CSV, export.JSON} {
			runtime.GC()
			var m runtime.MemStats
			runtime.ReadMemStats(&m)
			base := m.HeapAlloc
			w := &heapWriter{}
			res, err := tb.app.Export(tb.ctx, dpo, app.ExportRequest{Format: f, Reveal: true, Reason: "måling av minnebruk"}, w)
			if err != nil {
				t.Fatal(err)
			}
			if res.Rows != n {
				t.Fatalf("%s: %d rows; want %d", f, res.Rows, n)
			}
			// A page of 1,000 contacts and the writer's buffers take about
			// a megabyte; the 200,000 read at once would take well over
			// a hundred (sealed number, wrapped key, states, the row).
			const bound = 8 << 20
			grew := int64(w.peak) - int64(base)
			t.Logf("%s: %d rows, %d MB written, live heap grew at most %.1f MB", f, res.Rows, w.written>>20, float64(grew)/(1<<20))
			if grew > bound || w.written < 2*bound {
				t.Errorf("%s: the heap grew by %d MB exporting %d MB; want under %d MB", f, grew>>20, w.written>>20, bound>>20)
			}
		}
	})
}
