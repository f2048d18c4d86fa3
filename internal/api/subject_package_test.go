// SPDX-License-Identifier: AGPL-3.0-only

package api_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/samtykke/samtykke/internal/portability"
	"github.com/samtykke/samtykke/internal/staff"
	"github.com/samtykke/samtykke/internal/store/storetest"
)

// get sends a GET as role and returns the answer without decoding it, and
// without adding it to the answers TestNoNumberInClear scans: the package
// holds the number in clear by design.
func (tb *bundle) get(role staff.Role, path string) (*http.Response, []byte) {
	tb.t.Helper()
	req, _ := http.NewRequest("GET", tb.srv.URL+path, nil)
	if role != "" {
		req.Header.Set("Authorization", "Bearer "+tb.tokens[role])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp, raw
}

// TestSubjectPackageRoute: the DPO gets the package as JSON, as
// a page in the contact's language or another, or as CSV; never cached;
// the page under a policy that runs nothing; other roles are refused, a
// missing reason or an unknown format is bad input and records nothing;
// the schema is public.
func TestSubjectPackageRoute(t *testing.T) {
	t.Parallel()
	tb := setup(t, storetest.SQLite)
	tb.seed()
	st, out := tb.do(staff.Integrator, "POST", "/api/v1/contacts", map[string]string{"phone": "+47 912 34 567", "language": "en"})
	if st != http.StatusCreated {
		t.Fatalf("create contact: %d %v", st, out)
	}
	id := out["id"].(string)
	body := consentBody("")
	delete(body, "phone")
	body["contact_id"] = id
	if st, out := tb.do(staff.Integrator, "POST", "/api/v1/consents", body); st != http.StatusCreated {
		t.Fatalf("record consent: %d %v", st, out)
	}
	path := "/api/v1/contacts/" + id + "/package?reason=innsynsbegj%C3%A6ring+12"

	resp, raw := tb.get(staff.DPO, path)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/json" ||
		resp.Header.Get("Cache-Control") != "no-store" ||
		resp.Header.Get("Content-Disposition") != `attachment; filename="samtykke-package-`+id+`.json"` {
		t.Fatalf("json: %d, headers %v", resp.StatusCode, resp.Header)
	}
	var p portability.Package
	if err := json.Unmarshal(raw, &p); err != nil {
		t.Fatal(err)
	}
	if p.Contact.ID != id || len(p.ConsentEvents) != 1 || len(p.Notices) != 1 || len(p.Statements) != len(portability.Headings) {
		t.Errorf("package of %s: %d events, %d notices, %d statements", p.Contact.ID, len(p.ConsentEvents), len(p.Notices), len(p.Statements))
	}
	if last := p.Accesses[len(p.Accesses)-1]; last.Action != "package" || last.Reason != "innsynsbegjæring 12" {
		t.Errorf("the package's own access = %+v", last)
	}

	// The page is in the contact's language unless lang says otherwise.
	for lang, want := range map[string]string{"": "en", "nb": "nb", "en": "en"} {
		q := path + "&format=html"
		if lang != "" {
			q += "&lang=" + lang
		}
		resp, raw := tb.get(staff.DPO, q)
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/html; charset=utf-8" ||
			resp.Header.Get("Content-Security-Policy") != portability.ContentSecurityPolicy ||
			resp.Header.Get("Cache-Control") != "no-store" || !bytes.Contains(raw, []byte(`<html lang="`+want+`">`)) {
			t.Errorf("html lang=%q: %d, headers %v; want a page in %s", lang, resp.StatusCode, resp.Header, want)
		}
	}

	resp, raw = tb.get(staff.DPO, path+"&format=csv")
	rows, err := csv.NewReader(bytes.NewReader(raw)).ReadAll()
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") || err != nil || len(rows) != 2 {
		t.Errorf("csv: %d, %s, %d rows, %v", resp.StatusCode, resp.Header.Get("Content-Type"), len(rows), err)
	}
	// The messages the person sent, as CSV: this one wrote none.
	resp, raw = tb.get(staff.DPO, path+"&format=replies-csv")
	rows, err = csv.NewReader(bytes.NewReader(raw)).ReadAll()
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") || err != nil || len(rows) != 1 ||
		strings.Join(rows[0], ",") != strings.Join(portability.RepliesCSVHeader, ",") ||
		resp.Header.Get("Content-Disposition") != `attachment; filename="samtykke-package-`+id+`-replies.csv"` {
		t.Errorf("replies csv: %d, headers %v, rows %v, %v", resp.StatusCode, resp.Header, rows, err)
	}

	accesses := func() int64 { return tb.b.Int(t, tb.store, `SELECT count(*) FROM access_log WHERE action = 'package'`) }
	before := accesses()
	for _, c := range []struct {
		name   string
		role   staff.Role
		path   string
		status int
	}{
		{"no token", "", path, 401},
		{"integrator", staff.Integrator, path, 403},
		{"marketer", staff.Marketer, path, 403},
		{"auditor", staff.Auditor, path, 403},
		{"no reason", staff.DPO, "/api/v1/contacts/" + id + "/package", 400},
		{"a number as the reason", staff.DPO, "/api/v1/contacts/" + id + "/package?reason=ring+912+34+567", 400},
		{"unknown format", staff.DPO, path + "&format=pdf", 400},
		{"unknown language", staff.DPO, path + "&format=html&lang=sv", 400},
		{"unknown contact", staff.DPO, "/api/v1/contacts/nope/package?reason=innsynsbegj%C3%A6ring+12", 404},
	} {
		resp, raw := tb.get(c.role, c.path)
		if resp.StatusCode != c.status || resp.Header.Get("Content-Disposition") != "" {
			t.Errorf("%s: %d, want %d (%s)", c.name, resp.StatusCode, c.status, raw)
		}
	}
	if n := accesses(); n != before {
		t.Errorf("refused requests recorded %d package accesses", n-before)
	}

	resp, raw = tb.get("", portability.SchemaPath)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/schema+json" || !bytes.Equal(raw, portability.Schema) {
		t.Errorf("schema: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
}
