// SPDX-License-Identifier: AGPL-3.0-only

package api_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/samtykke/samtykke/internal/app"
	"github.com/samtykke/samtykke/internal/consent"
	"github.com/samtykke/samtykke/internal/staff"
	"github.com/samtykke/samtykke/internal/store/storetest"
	"github.com/samtykke/samtykke/internal/tag"
)

// TestTagsAPI: the declared tags are listed; contacts take them at creation
// and through PUT .../tags; campaigns narrow their audience by them; a
// malformed or undeclared tag is a 422 naming it, and changes nothing; tag
// values stay out of the logs.
func TestTagsAPI(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		tb := setupWith(t, b, func(c *app.Config) {
			c.Tags = []tag.Tag{{Key: "vip", Description: consent.Text{NB: "Faste kunder", EN: "Regular customers"}},
				{Key: "oslo", Description: consent.Text{NB: "Butikken i Oslo", EN: "The Oslo shop"}}}
		})
		tb.seed()
		rows := func() int64 {
			var n int64
			for _, table := range []string{"contacts", "contact_tags", "campaigns", "access_log"} {
				n += tb.b.Int(t, tb.store, "SELECT count(*) FROM "+table)
			}
			return n
		}
		tags := func(out map[string]any) []string {
			list, _ := out["tags"].([]any)
			s := []string{}
			for _, v := range list {
				s = append(s, v.(string))
			}
			return s
		}

		st, out := tb.do(staff.Marketer, "GET", "/api/v1/tags", nil)
		if st != 200 {
			t.Fatalf("list tags: %d %v", st, out)
		}
		list, _ := out["tags"].([]any)
		if len(list) != 2 || list[0].(map[string]any)["key"] != "vip" ||
			list[1].(map[string]any)["description"].(map[string]any)["en"] != "The Oslo shop" {
			t.Errorf("tags = %v", out["tags"])
		}

		before := rows()
		for _, c := range []struct{ body, name string }{
			{`{"phone":"+47 912 34 567","tags":["vip","gold"]}`, `"gold"`},
			{`{"phone":"+47 912 34 567","tags":["Oslo"]}`, `"Oslo"`},
		} {
			st, out := tb.do(staff.Integrator, "POST", "/api/v1/contacts", c.body)
			msg, _ := out["error"].(map[string]any)["message"].(string)
			if st != 422 || errCode(out) != "refused" || !strings.Contains(msg, c.name) {
				t.Errorf("POST %s: %d %v; want 422 naming %s", c.body, st, out, c.name)
			}
		}
		if n := rows(); n != before {
			t.Fatalf("refused contacts changed %d rows", n-before)
		}

		st, out = tb.do(staff.Integrator, "POST", "/api/v1/contacts", map[string]any{"phone": "+47 912 34 567", "tags": []string{"vip"}})
		if st != 201 {
			t.Fatalf("create: %d %v", st, out)
		}
		id := out["id"].(string)
		st, out = tb.do(staff.Admin, "GET", "/api/v1/contacts/"+id, nil)
		if st != 200 || !cmp.Equal([]string{"vip"}, tags(out)) {
			t.Errorf("get: %d %v; want tags [vip]", st, out)
		}
		st, out = tb.do(staff.Integrator, "PUT", "/api/v1/contacts/"+id+"/tags", map[string]any{"tags": []string{"vip", "oslo"}})
		if st != 200 || out["id"] != id || !cmp.Equal([]string{"oslo", "vip"}, tags(out)) {
			t.Errorf("put: %d %v; want tags [oslo vip]", st, out)
		}

		before = rows()
		for _, c := range []struct {
			role   staff.Role
			path   string
			body   string
			status int
			code   string
		}{
			{staff.Integrator, id, `{"tags":["vip","gold"]}`, 422, "refused"},
			{staff.Integrator, id, `{"tags":["bad tag"]}`, 422, "refused"},
			{staff.Integrator, id, `{}`, 400, "invalid_input"},
			{staff.Integrator, id, `{"tags":"vip"}`, 400, "invalid_json"},
			{staff.Marketer, id, `{"tags":["vip"]}`, 403, "forbidden"},
			{staff.Integrator, "nobody", `{"tags":["vip"]}`, 404, "not_found"},
		} {
			st, out := tb.do(c.role, "PUT", "/api/v1/contacts/"+c.path+"/tags", c.body)
			if st != c.status || errCode(out) != c.code {
				t.Errorf("PUT %s as %s: %d %v; want %d %s", c.body, c.role, st, out, c.status, c.code)
			}
		}
		if n := rows(); n != before {
			t.Errorf("refused tag writes changed %d rows", n-before)
		}
		if _, out := tb.do(staff.Admin, "GET", "/api/v1/contacts/"+id, nil); !cmp.Equal([]string{"oslo", "vip"}, tags(out)) {
			t.Errorf("tags after refusals = %v", out["tags"])
		}

		good := "Tilbud fra Butikken AS. Les mer: http://x/privacy. Svar STOPP for å melde deg av."
		campaignBody := func(tags ...string) map[string]any {
			return map[string]any{"name": "Jul", "purpose": "offers", "language": "nb", "tags": tags,
				"template": map[string]any{"name": "jul_tilbud", "languages": map[string]any{"nb": map[string]any{"body": good}}}}
		}
		before = rows()
		st, out = tb.do(staff.Marketer, "POST", "/api/v1/campaigns", campaignBody("vip", "gold"))
		if msg, _ := out["error"].(map[string]any)["message"].(string); st != 422 || !strings.Contains(msg, `"gold"`) {
			t.Errorf("campaign with an undeclared tag: %d %v", st, out)
		}
		if n := rows(); n != before {
			t.Errorf("a refused campaign changed %d rows", n-before)
		}
		st, out = tb.do(staff.Marketer, "POST", "/api/v1/campaigns", campaignBody("vip", "oslo"))
		if st != 201 || !cmp.Equal([]string{"oslo", "vip"}, tags(out)) || out["language"] != "nb" {
			t.Fatalf("campaign with tags: %d %v", st, out)
		}
		st, out = tb.do(staff.Auditor, "GET", "/api/v1/campaigns/"+out["id"].(string), nil)
		if st != 200 || !cmp.Equal([]string{"oslo", "vip"}, tags(out)) {
			t.Errorf("get campaign: %d %v", st, out)
		}

		for _, v := range []string{"gold", "oslo", "bad tag"} {
			if strings.Contains(tb.logs.String(), v) {
				t.Errorf("the logs hold the tag %q", v)
			}
		}
		if !strings.Contains(tb.logs.String(), "/api/v1/contacts/{id}/tags") {
			t.Errorf("no request to the tags route was logged: the scan proved nothing")
		}
	})
}
