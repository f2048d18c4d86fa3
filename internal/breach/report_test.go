// SPDX-License-Identifier: AGPL-3.0-only

package breach_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/samtykke/samtykke/internal/breach"
	"github.com/samtykke/samtykke/internal/controller"
)

var butikken = controller.Controller{Name: "Butikken AS", OrgNumber: "923609016", Address: "Storgata 1, 0155 Oslo",
	Email: "personvern@butikken.example", DPO: controller.Contact{Name: "Personvernombudet", Email: "pvo@butikken.example"}}

// full is an incident with every field the form asks for.
func full() breach.Incident {
	i := incident()
	i.Description, i.Cause, i.Source = "A laptop with an export of the list was stolen from a car.", "theft", "staff"
	i.DataCategories, i.PeopleCategories = []string{"phone numbers", "consent history"}, []string{"customers on the list"}
	i.PeopleApprox, i.RecordsApprox = 12345, 40000
	i.DataLocation = "unknown; the laptop's disk was encrypted"
	i.Consequences = "Phishing attempts by message."
	i.MeasuresTaken, i.MeasuresProposed = "Tokens revoked; police report.", "Exports only to encrypted folders."
	i.Risk, i.RiskReason = breach.RiskHigh, "numbers with a shop's name invite phishing"
	return i
}

// TestReportHasTheArt33Items (B-02): the draft carries Art. 33(3)(a)-(d)
// and the further fields of Datatilsynet's form, filled from the incident
// and the controller's configuration; what is missing is named.
func TestReportHasTheArt33Items(t *testing.T) {
	t.Parallel()
	now := aware.Add(80 * time.Hour)
	counts := []breach.NoticeCount{{Outcome: breach.Queued, Status: "delivered", N: 3}, {Outcome: breach.Queued, Status: "read", N: 1},
		{Outcome: breach.Queued, Status: "failed", N: 1}, {Outcome: breach.Queued, Status: "queued", N: 2},
		{Outcome: breach.Suppressed, N: 4}, {Outcome: breach.Erased, N: 1}}
	r := breach.NewReport(full(), butikken, counts, now)
	raw, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	_ = json.Unmarshal(raw, &doc)
	for _, path := range []string{"nature.description", "nature.cause", "nature.categories", "nature.aware_at", "nature.occurred_from",
		"nature.discovered_at", "nature.data_categories", "nature.people_categories", "nature.people_approx", "nature.records_approx",
		"nature.data_location", "contact_point.name", "contact_point.email", "likely_consequences", "measures.taken", "measures.proposed",
		"controller.name", "controller.org_number", "notification.deadline_at", "people.must_be_told", "risk.level"} {
		var v any = doc
		for _, k := range strings.Split(path, ".") {
			v = v.(map[string]any)[k]
		}
		if v == nil || v == "" {
			t.Errorf("the report has no %s: %s", path, raw)
		}
	}
	if r.People != (breach.PeopleTold{MustBeTold: true, Told: 7, Delivered: 4, Failed: 1, NotReachable: 5}) {
		t.Errorf("people = %+v", r.People)
	}
	if !r.Notification.Overdue || r.Notification.Late {
		t.Errorf("unnotified at 80 h: %+v, want overdue", r.Notification)
	}
	if want := []string{"notification.delay_reason"}; !slices.Equal(r.Missing, want) {
		t.Errorf("missing = %q, want %q (overdue, no reason yet)", r.Missing, want)
	}

	bare := breach.NewReport(incident(), controller.Controller{Name: "Butikken AS"}, nil, aware.Add(time.Hour))
	for _, want := range []string{"controller.org_number", "nature.description", "nature.data_categories", "nature.people_approx",
		"contact_point", "likely_consequences", "measures", "risk.assessment"} {
		if !slices.Contains(bare.Missing, want) {
			t.Errorf("a bare incident's missing %q does not name %s", bare.Missing, want)
		}
	}
	if slices.Contains(bare.Missing, "notification.delay_reason") {
		t.Error("a delay reason is asked for within the 72 hours")
	}
	if b, _ := json.Marshal(bare); !strings.Contains(string(b), `"categories":["confidentiality"]`) || !strings.Contains(string(b), `"data_categories":[]`) {
		t.Errorf("lists are arrays, never null: %s", b)
	}
}

// TestReportMarkdown: the draft reads in bokmål (the glossary's words) and
// in English, shows the deadline in Oslo time and flags it when passed, and
// free text cannot inject markup.
func TestReportMarkdown(t *testing.T) {
	t.Parallel()
	i := full()
	i.Title = "Stolen *laptop* | # list"
	r := breach.NewReport(i, butikken, nil, aware.Add(80*time.Hour))
	nb, err := r.Markdown("nb")
	if err != nil {
		t.Fatal(err)
	}
	en, err := r.Markdown("en")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"brudd på personopplysningssikkerheten", "## a) Bruddets art", "## b) Kontaktpunkt (personvernombud)",
		"## c) Sannsynlige konsekvenser", "## d) Tiltak", "Behandlingsansvarlig", "30.03.2026 kl. 11:30 CEST", "FRISTEN ER PASSERT",
		"ca. 12\u00a0345", "923609016", "pvo@butikken.example", "høy risiko", `Stolen \*laptop\* \| \# list`, "notification.delay_reason"} {
		if !strings.Contains(string(nb), want) {
			t.Errorf("the bokmål draft lacks %q:\n%s", want, nb)
		}
	}
	for _, want := range []string{"personal data breach", "## (a) Nature of the breach", "## (b) Contact point", "## (c) Likely consequences",
		"## (d) Measures taken or proposed", "2026-03-30 11:30 CEST", "THE DEADLINE HAS PASSED", "ca. 12,345"} {
		if !strings.Contains(string(en), want) {
			t.Errorf("the English draft lacks %q:\n%s", want, en)
		}
	}
	if strings.Contains(string(nb), "*laptop*") {
		t.Error("markup in the title came through")
	}
}
