// SPDX-License-Identifier: AGPL-3.0-only

package api_test

import (
	"bufio"
	"context"
	"encoding/csv"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/samtykke/samtykke/internal/access"
	"github.com/samtykke/samtykke/internal/contact"
	"github.com/samtykke/samtykke/internal/staff"
	"github.com/samtykke/samtykke/internal/store/storetest"
)

// stream sends a GET as role and returns the response, its body unread.
func (tb *bundle) stream(role staff.Role, path string) *http.Response {
	tb.t.Helper()
	req, _ := http.NewRequest("GET", tb.srv.URL+path, nil)
	req.Header.Set("Authorization", "Bearer "+tb.tokens[role])
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.t.Fatal(err)
	}
	return resp
}

// TestExportOverHTTP: GET /api/v1/exports streams the whole list with its
// row count in a trailer and records it; a reader that goes away mid-stream
// still leaves the export in the access log, interrupted, with the rows
// written (issue 21, invariant 6).
func TestExportOverHTTP(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		tb := setup(t, b)
		tb.seed()
		const n = 20_000
		key, wrapped, err := tb.vault.NewDataKey()
		if err != nil {
			t.Fatal(err)
		}
		storetest.SeedContacts(t, b, tb.store, n, "offers", wrapped, func(id, e164 string) []byte {
			return key.Seal([]byte(e164), contact.AAD(id, "phone"))
		}, time.Now().Add(-time.Hour))

		resp := tb.stream(staff.DPO, "/api/v1/exports?format=csv")
		rows, err := csv.NewReader(resp.Body).ReadAll()
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || err != nil || len(rows) != n+1 {
			t.Fatalf("export: %d, %d CSV lines, %v; want 200 and %d", resp.StatusCode, len(rows), err, n+1)
		}
		if got := resp.Trailer.Get("Samtykke-Export-Rows"); got != "20000" {
			t.Errorf("trailer Samtykke-Export-Rows = %q; want 20000", got)
		}
		if cd := resp.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, `attachment; filename="samtykke-contacts-`) ||
			resp.Header.Get("Cache-Control") != "no-store" {
			t.Errorf("headers: Content-Disposition %q, Cache-Control %q", cd, resp.Header.Get("Cache-Control"))
		}
		if rows[1][1] != "+47 4** ** *00" || rows[1][len(rows[1])-4] != "active" {
			t.Errorf("first row: phone masked %v, offers %q", rows[1][1] == "+47 4** ** *00", rows[1][len(rows[1])-4])
		}
		es, err := tb.store.ExportLog(context.Background(), 1)
		if err != nil || len(es) != 1 || es[0].Rows == nil || *es[0].Rows != n || es[0].Outcome != access.Complete ||
			!strings.HasPrefix(es[0].Actor, "token:") {
			t.Fatalf("access log after the export: %+v, %v", es, err)
		}

		// A reader that reads a few lines and hangs up.
		resp = tb.stream(staff.Admin, "/api/v1/exports?format=json")
		r := bufio.NewReader(resp.Body)
		for range 10 {
			if _, err := r.ReadString('\n'); err != nil {
				t.Fatal(err)
			}
		}
		resp.Body.Close()
		deadline := time.Now().Add(30 * time.Second)
		for {
			es, err = tb.store.ExportLog(context.Background(), 1)
			if err != nil {
				t.Fatal(err)
			}
			if es[0].Outcome != access.Started || time.Now().After(deadline) {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		if e := es[0]; e.Outcome != access.Interrupted || e.Rows == nil || *e.Rows < 10 || *e.Rows >= n {
			t.Errorf("access log after a reader went away: %+v; want interrupted with some of the %d rows", e, n)
		}
		resp = tb.stream(staff.Marketer, "/api/v1/exports")
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden || !strings.Contains(string(raw), `"forbidden"`) {
			t.Errorf("the marketer's export: %d %s; want 403 forbidden", resp.StatusCode, raw)
		}
	})
}
