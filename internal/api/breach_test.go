// SPDX-License-Identifier: AGPL-3.0-only

package api_test

import (
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/samtykke/samtykke/internal/staff"
)

// breaches drives the breach register's routes through c (B-01..B-05):
// every documented status of each, the draft as Markdown and as JSON.
// contactID is a contact on the list, told of the breach by id.
func (c *openapiCheck) breaches(contactID string) {
	c.t.Helper()
	const dpo, admin, auditor, marketer = staff.DPO, staff.Admin, staff.Auditor, staff.Marketer
	aware := time.Now().UTC().Add(-2 * time.Hour).Format(time.RFC3339)
	c.call(request{role: auditor, method: "GET", path: "/api/v1/breaches"}, 200)
	in := map[string]any{"title": "Stolen laptop with a list export", "aware_at": aware, "categories": []string{"confidentiality"},
		"discovered_at": time.Now().UTC().Add(-3 * time.Hour).Format(time.RFC3339), "people_approx": 120,
		"data_categories": []string{"phone numbers"}, "people_categories": []string{"customers on the list"}}
	b := c.call(request{role: dpo, method: "POST", path: "/api/v1/breaches", body: in}, 201)
	c.call(request{role: dpo, method: "POST", path: "/api/v1/breaches", body: map[string]any{"title": "No awareness"}}, 400)
	c.call(request{role: dpo, method: "POST", path: "/api/v1/breaches", body: map[string]any{"title": "x", "aware_at": aware, "colour": "red"}}, 400)
	c.call(request{role: auditor, method: "POST", path: "/api/v1/breaches", body: in}, 403)
	id := b["id"].(string)
	if b["deadline_at"] == nil || b["overdue"] != false || b["risk"] != "unassessed" {
		c.t.Errorf("a new breach: %v", b)
	}
	c.call(request{role: auditor, method: "GET", path: "/api/v1/breaches?state=open"}, 200)
	c.call(request{role: auditor, method: "GET", path: "/api/v1/breaches?state=gone"}, 400)
	c.call(request{role: marketer, method: "GET", path: "/api/v1/breaches"}, 403)
	c.call(request{role: auditor, method: "GET", path: "/api/v1/breaches/" + id}, 200)
	c.call(request{role: auditor, method: "GET", path: "/api/v1/breaches/nope"}, 404)
	c.call(request{role: marketer, method: "GET", path: "/api/v1/breaches/" + id}, 403)

	// Changes, telling the people, notifying, closing.
	notice := func(lang string) map[string]string {
		if lang == "en" {
			return map[string]string{"what": "A laptop with our customer list was stolen.", "consequences": "You may get false messages in our name.",
				"advice": "Never answer a message that asks for a code."}
		}
		return map[string]string{"what": "En bærbar PC med kundelisten vår ble stjålet.", "consequences": "Du kan få falske meldinger i vårt navn.",
			"advice": "Svar aldri på en melding som ber om en kode."}
	}
	c.call(request{role: dpo, method: "PATCH", path: "/api/v1/breaches/" + id, body: map[string]any{"risk": "high",
		"people_notice": map[string]any{"nb": notice("nb")}}}, 200)
	c.call(request{role: dpo, method: "POST", path: "/api/v1/breaches/" + id + "/notify-people", body: map[string]any{"all": true}}, 422)
	c.call(request{role: dpo, method: "PATCH", path: "/api/v1/breaches/" + id, body: map[string]any{"contact_point": "pvo@butikken.example",
		"people_notice": map[string]any{"nb": notice("nb"), "en": notice("en")}}}, 200)
	c.call(request{role: dpo, method: "PATCH", path: "/api/v1/breaches/" + id, body: map[string]any{"risk": "medium"}}, 400)
	c.call(request{role: dpo, method: "PATCH", path: "/api/v1/breaches/" + id, body: map[string]any{"state": "closed"}}, 422)
	c.call(request{role: dpo, method: "PATCH", path: "/api/v1/breaches/nope", body: map[string]any{"risk": "high"}}, 404)
	c.call(request{role: auditor, method: "PATCH", path: "/api/v1/breaches/" + id, body: map[string]any{"risk": "high"}}, 403)

	told := c.call(request{role: dpo, method: "POST", path: "/api/v1/breaches/" + id + "/notify-people",
		body: map[string]any{"contact_ids": []string{contactID}}}, 200)
	if told["queued"].(float64)+told["suppressed"].(float64) != 1 {
		c.t.Errorf("told by id: %v", told)
	}
	c.call(request{role: dpo, method: "POST", path: "/api/v1/breaches/" + id + "/notify-people", body: map[string]any{"all": true}}, 202)
	c.call(request{role: dpo, method: "POST", path: "/api/v1/breaches/" + id + "/notify-people", body: map[string]any{}}, 400)
	c.call(request{role: dpo, method: "POST", path: "/api/v1/breaches/nope/notify-people", body: map[string]any{"all": true}}, 404)
	c.call(request{role: auditor, method: "POST", path: "/api/v1/breaches/" + id + "/notify-people", body: map[string]any{"all": true}}, 403)

	c.call(request{role: dpo, method: "POST", path: "/api/v1/breaches/" + id + "/notified", body: map[string]any{"notified_at": "tomorrow"}}, 400)
	c.call(request{role: dpo, method: "POST", path: "/api/v1/breaches/nope/notified", body: map[string]any{}}, 404)
	c.call(request{role: auditor, method: "POST", path: "/api/v1/breaches/" + id + "/notified", body: map[string]any{}}, 403)
	n := c.call(request{role: dpo, method: "POST", path: "/api/v1/breaches/" + id + "/notified", body: map[string]any{"reference": "AR-1"}}, 200)
	if n["notified_at"] == nil || n["late"] != false {
		c.t.Errorf("notified within the 72 hours: %v", n)
	}
	closed := c.call(request{role: admin, method: "PATCH", path: "/api/v1/breaches/" + id, body: map[string]any{"state": "closed"}}, 200)
	if closed["state"] != "closed" || len(closed["steps"].([]any)) < 5 {
		c.t.Errorf("closed: %v", closed)
	}

	// The Art. 33(3) draft: Markdown by default, JSON on request.
	c.call(request{role: auditor, method: "GET", path: "/api/v1/breaches/" + id + "/report?format=json"}, 200)
	c.call(request{role: auditor, method: "GET", path: "/api/v1/breaches/" + id + "/report?lang=en"}, 200)
	c.call(request{role: auditor, method: "GET", path: "/api/v1/breaches/" + id + "/report?format=pdf"}, 400)
	c.call(request{role: auditor, method: "GET", path: "/api/v1/breaches/nope/report"}, 404)
	c.call(request{role: marketer, method: "GET", path: "/api/v1/breaches/" + id + "/report"}, 403)
	req, _ := http.NewRequest("GET", c.tb.srv.URL+"/api/v1/breaches/"+id+"/report", nil)
	req.Header.Set("Authorization", "Bearer "+c.tb.tokens[dpo])
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	md, _ := io.ReadAll(resp.Body)
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/markdown") ||
		!strings.Contains(string(md), "brudd på personopplysningssikkerheten") || !strings.Contains(string(md), "AR-1") {
		c.t.Errorf("the Markdown draft (%s):\n%s", ct, md)
	}
}
