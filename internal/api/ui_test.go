// SPDX-License-Identifier: AGPL-3.0-only

package api_test

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/samtykke/samtykke/internal/app"
	"github.com/samtykke/samtykke/internal/campaign"
	"github.com/samtykke/samtykke/internal/consent"
	"github.com/samtykke/samtykke/internal/staff"
	"github.com/samtykke/samtykke/internal/store/storetest"
	"github.com/samtykke/samtykke/internal/tag"
)

// list reads a list answer's items.
func list(out map[string]any, key string) []map[string]any {
	var items []map[string]any
	for _, v := range out[key].([]any) {
		items = append(items, v.(map[string]any))
	}
	return items
}

// TestContactSearch (issue 23, S-02, invariant 6): a search by number finds
// the contact whatever the spelling, masked, and records a lookup in the
// access log; an unknown number finds nothing and records nothing; a tag
// narrows the list; pages follow each other without a gap or a repeat, and
// every contact shown is recorded as read.
func TestContactSearch(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		tb := setupWith(t, b, func(c *app.Config) {
			c.Tags = []tag.Tag{{Key: "vip", Description: consent.Text{NB: "Faste kunder", EN: "Regular customers"}}}
		})
		tb.seed()
		var ids []string
		for i := range 5 {
			body := map[string]any{"phone": fmt.Sprintf("+47 912 34 56%d", i)}
			if i%2 == 0 {
				body["tags"] = []string{"vip"}
			}
			st, out := tb.do(staff.Integrator, "POST", "/api/v1/contacts", body)
			if st != 201 {
				t.Fatalf("create %d: %d %v", i, st, out)
			}
			ids = append(ids, out["id"].(string))
		}
		accesses := func(id, action string) int {
			st, out := tb.do(staff.Admin, "GET", "/api/v1/contacts/"+id+"/accesses", nil)
			if st != 200 {
				t.Fatalf("accesses: %d %v", st, out)
			}
			n := 0
			for _, e := range list(out, "accesses") {
				if e["action"] == action {
					n++
				}
			}
			return n
		}

		st, out := tb.do(staff.Admin, "GET", "/api/v1/contacts?query="+url.QueryEscape("0047 91 23 45 63"), nil)
		found := list(out, "contacts")
		if st != 200 || len(found) != 1 || found[0]["id"] != ids[3] || found[0]["phone"] != "+47 9** ** *63" {
			t.Fatalf("search by number: %d %v; want contact %s masked", st, out, ids[3])
		}
		if n := accesses(ids[3], "lookup"); n != 1 {
			t.Errorf("search by number recorded %d lookups; want 1", n)
		}
		st, out = tb.do(staff.Admin, "GET", "/api/v1/contacts?query="+url.QueryEscape("+47 412 34 567"), nil)
		if st != 200 || len(list(out, "contacts")) != 0 {
			t.Errorf("unknown number: %d %v; want an empty page", st, out)
		}
		if st, out := tb.do(staff.Admin, "GET", "/api/v1/contacts?query=912&tag=vip", nil); st != 400 {
			t.Errorf("number and tag together: %d %v; want 400", st, out)
		}

		st, out = tb.do(staff.DPO, "GET", "/api/v1/contacts?tag=vip", nil)
		var vip []string
		for _, c := range list(out, "contacts") {
			vip = append(vip, c["id"].(string))
		}
		if want := []string{ids[4], ids[2], ids[0]}; st != 200 || !slices.Equal(vip, want) {
			t.Errorf("tag vip: %d %v; want %v newest first", st, vip, want)
		}

		var seen []string
		cursor := ""
		for pages := 0; ; pages++ {
			if pages > 5 {
				t.Fatal("paging does not end")
			}
			st, out := tb.do(staff.Admin, "GET", "/api/v1/contacts?limit=2&cursor="+cursor, nil)
			if st != 200 {
				t.Fatalf("page: %d %v", st, out)
			}
			for _, c := range list(out, "contacts") {
				seen = append(seen, c["id"].(string))
				if !strings.Contains(c["phone"].(string), "*") {
					t.Errorf("number not masked: %v", c)
				}
			}
			next, _ := out["next"].(string)
			if next == "" {
				break
			}
			cursor = next
		}
		want := slices.Clone(ids)
		slices.Reverse(want)
		if !slices.Equal(seen, want) {
			t.Errorf("pages = %v; want %v", seen, want)
		}
		if n := accesses(ids[1], "read"); n != 1 {
			t.Errorf("listing recorded %d reads of a contact shown once; want 1", n)
		}
		if st, _ := tb.do(staff.Marketer, "GET", "/api/v1/contacts?tag=vip", nil); st != 403 {
			t.Errorf("a marketer listed contacts: %d", st)
		}
	})
}

// TestCampaignListAndPreview (issue 23): the list is newest first, by state
// and in pages; the audience before the start counts the active consents
// (G-01 decides each message later); the preview shows each language with
// its footer and example values, never a person's.
func TestCampaignListAndPreview(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		tb := setup(t, b)
		tb.seed()
		for _, n := range []string{"+47 912 34 567", "+47 912 34 568", "+47 912 34 569"} {
			if st, out := tb.do(staff.Integrator, "POST", "/api/v1/consents", consentBody(n)); st != 201 {
				t.Fatalf("consent: %d %v", st, out)
			}
		}
		tb.do(staff.Integrator, "POST", "/api/v1/consents/withdraw", map[string]string{"phone": "+47 912 34 569", "purpose": "offers"})
		tpl := map[string]any{"name": "jul", "params": []string{"first_name"}, "languages": map[string]any{
			"nb": map[string]any{"body": "Hei {{first_name}}! Tilbud fra Butikken AS: http://x/privacy", "footer": "Svar STOPP for å melde deg av"},
			"en": map[string]any{"body": "Hi {{first_name}}! Offers from Butikken AS: http://x/privacy", "opt_out_button": true}}}
		tb.do(staff.Admin, "POST", "/api/v1/purposes", map[string]any{"key": "named", "channel": "whatsapp", "legal_basis": "consent",
			"description": map[string]string{"nb": "Navn", "en": "Named"}, "retention_days": 365, "fields": []string{"first_name"}})
		var ids []string
		for i := range 3 {
			st, out := tb.do(staff.Marketer, "POST", "/api/v1/campaigns", map[string]any{"name": fmt.Sprint("Kampanje ", i), "purpose": "offers",
				"template": map[string]any{"name": "jul", "languages": map[string]any{"nb": map[string]any{"body": "Tilbud fra Butikken AS: http://x/privacy",
					"footer": "Svar STOPP for å melde deg av"}}}})
			if st != 201 {
				t.Fatalf("create: %d %v", st, out)
			}
			ids = append(ids, out["id"].(string))
		}
		st, out := tb.do(staff.Marketer, "POST", "/api/v1/campaigns", map[string]any{"name": "Navn", "purpose": "named", "template": tpl})
		if st != 201 {
			t.Fatalf("create with parameters: %d %v", st, out)
		}
		named := out["id"].(string)
		if st, out := tb.do(staff.Marketer, "POST", "/api/v1/campaigns/"+ids[1]+"/start", nil); st != 200 {
			t.Fatalf("start: %d %v", st, out)
		}

		names := func(path string) ([]string, string) {
			st, out := tb.do(staff.Auditor, "GET", path, nil)
			if st != 200 {
				t.Fatalf("%s: %d %v", path, st, out)
			}
			var got []string
			for _, c := range list(out, "campaigns") {
				got = append(got, c["id"].(string))
			}
			next, _ := out["next"].(string)
			return got, next
		}
		if got, _ := names("/api/v1/campaigns"); !slices.Equal(got, []string{named, ids[2], ids[1], ids[0]}) {
			t.Errorf("list = %v; want newest first", got)
		}
		if got, _ := names("/api/v1/campaigns?state=running"); !slices.Equal(got, []string{ids[1]}) {
			t.Errorf("running = %v; want %v", got, ids[1])
		}
		first, next := names("/api/v1/campaigns?state=draft&limit=2")
		rest, end := names("/api/v1/campaigns?state=draft&limit=2&cursor=" + next)
		if !slices.Equal(first, []string{named, ids[2]}) || !slices.Equal(rest, []string{ids[0]}) || end != "" {
			t.Errorf("draft pages = %v, %v (next %q); want [%s %s], [%s]", first, rest, end, named, ids[2], ids[0])
		}

		st, out = tb.do(staff.Marketer, "GET", "/api/v1/campaigns/"+ids[0]+"/audience", nil)
		if st != 200 || out["count"] != float64(2) {
			t.Errorf("audience: %d %v; want 2 (the withdrawn contact is not counted)", st, out)
		}

		st, out = tb.do(staff.Marketer, "GET", "/api/v1/campaigns/"+named+"/preview", nil)
		ps := list(out, "previews")
		if st != 200 || len(ps) != 2 {
			t.Fatalf("preview: %d %v", st, out)
		}
		if ps[0]["language"] != "en" || ps[0]["opt_out_button"] != true || ps[0]["text"] != "Hi Kari! Offers from Butikken AS: http://x/privacy" {
			t.Errorf("en preview = %v", ps[0])
		}
		if ps[1]["footer"] != "Svar STOPP for å melde deg av" ||
			ps[1]["text"] != "Hei Kari! Tilbud fra Butikken AS: http://x/privacy\nSvar STOPP for å melde deg av" {
			t.Errorf("nb preview = %v", ps[1])
		}
	})
}

// TestDashboard (issue 23): aggregate counts only; the consented audience
// per purpose, today's opt-ins and opt-outs on the last of 30 Oslo days,
// the started campaign's progress, the last audit's verdict once run; no
// number anywhere in it.
func TestDashboard(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		tb := setup(t, b)
		tb.seed()
		numbers := []string{"+47 912 34 567", "+47 912 34 568", "+47 912 34 569"}
		for _, n := range numbers {
			if st, out := tb.do(staff.Integrator, "POST", "/api/v1/consents", consentBody(n)); st != 201 {
				t.Fatalf("consent: %d %v", st, out)
			}
		}
		tb.do(staff.Integrator, "POST", "/api/v1/consents/withdraw", map[string]string{"phone": numbers[2], "purpose": "offers"})
		st, out := tb.do(staff.Marketer, "POST", "/api/v1/campaigns", map[string]any{"name": "Jul", "purpose": "offers",
			"template": map[string]any{"name": "jul", "languages": map[string]any{"nb": map[string]any{"body": "Tilbud fra Butikken AS: http://x/privacy. Svar STOPP for å melde deg av."}}}})
		if st != 201 {
			t.Fatalf("campaign: %d %v", st, out)
		}
		tb.do(staff.Marketer, "POST", "/api/v1/campaigns/"+out["id"].(string)+"/start", nil)

		st, d := tb.do(staff.Marketer, "GET", "/api/v1/dashboard", nil)
		if st != 200 {
			t.Fatalf("dashboard: %d %v", st, d)
		}
		aud := list(d, "audience")
		if len(aud) != 1 || aud[0]["purpose"] != "offers" || aud[0]["active"] != float64(2) {
			t.Errorf("audience = %v; want offers 2", aud)
		}
		days := list(d, "days")
		today := time.Now().In(campaign.Oslo).Format(time.DateOnly)
		if len(days) != app.DashboardDays || days[len(days)-1]["day"] != today {
			t.Fatalf("days = %d ending %v; want %d ending %s", len(days), days[len(days)-1], app.DashboardDays, today)
		}
		// The consents were collected a minute ago (consentBody): today, unless
		// the test runs in the minute after midnight in Oslo.
		var ins, outs float64
		for _, day := range days {
			ins, outs = ins+day["opt_ins"].(float64), outs+day["opt_outs"].(float64)
		}
		if ins != 3 || outs != 1 {
			t.Errorf("opt-ins %v, opt-outs %v over the days; want 3 and 1", ins, outs)
		}
		cs := list(d, "campaigns")
		if len(cs) != 1 || cs[0]["name"] != "Jul" || cs[0]["status"] != "running" {
			t.Errorf("campaigns = %v; want the started one", cs)
		}
		if _, ok := d["last_audit"]; ok {
			t.Errorf("last_audit before any audit: %v", d["last_audit"])
		}
		if st, out := tb.do(staff.Auditor, "POST", "/api/v1/audits", nil); st != 201 {
			t.Fatalf("audit: %d %v", st, out)
		}
		_, d = tb.do(staff.Auditor, "GET", "/api/v1/dashboard", nil)
		la, _ := d["last_audit"].(map[string]any)
		if la == nil || !slices.Contains([]any{"pass", "warn", "fail"}, la["status"]) {
			t.Errorf("last_audit = %v", d["last_audit"])
		}
		if st, _ := tb.do(staff.Integrator, "GET", "/api/v1/dashboard", nil); st != 403 {
			t.Errorf("an integrator read the dashboard: %d", st)
		}
	})
}
