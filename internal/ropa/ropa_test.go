// SPDX-License-Identifier: AGPL-3.0-only

package ropa

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/samtykke/samtykke/internal/consent"
	"github.com/samtykke/samtykke/internal/controller"
)

func fullInput() Input {
	return Input{
		At: time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC),
		Controller: controller.Controller{Name: "Butikken AS", OrgNumber: "923609016", Address: "Storgata 1, 0155 Oslo",
			Email: "post@butikken.no", DPO: controller.Contact{Name: "Personvernombudet", Email: "personvern@butikken.no"},
			Hosting: "Driftsfirma AS", HostingCountry: "NO"},
		Purposes: []consent.Purpose{
			{Key: "offers", Channel: consent.WhatsApp, Basis: consent.BasisConsent, RetentionDays: 365, RefreshDays: 730,
				Description: consent.Text{NB: "Tilbud", EN: "Offers"}, Fields: []string{"first_name"}},
			{Key: "customers", Channel: consent.WhatsApp, Basis: consent.BasisExistingCustomer, RetentionDays: 365,
				Description: consent.Text{NB: "Kundetilbud", EN: "Customer offers"}},
		},
		Retention: []Retention{{Class: "message records", Period: "3 years", Rule: "RT-08"}},
		Measures:  []Measure{{Name: "Encryption at rest", Description: "AES-256-GCM per contact", On: true}},
		SMS:       "SMS-leverandøren AS",
	}
}

// the record is made from the configuration and has every Art. 30(1)
// item: the controller and DPO, each purpose with its legal basis, people
// and data, Meta as processor and the US transfer with its safeguard (X-01,
// X-04), retention per class, the measures.
func TestBuildHasEveryItem(t *testing.T) {
	r := Build(fullInput())
	if err := r.Validate(); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	var md bytes.Buffer
	if err := Write(&md, r, "md"); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"## (a) Controller", "## (b) Purposes", "## (c) Categories", "## (d) Recipients",
		"## (e) Transfers", "## (f) Time limits", "## (g) Security measures", "Butikken AS (org. no. 923609016)",
		"personvern@butikken.no", "GDPR Art. 6(1)(a) consent", "markedsføringsloven § 15(3)", Meta, "Data Privacy Framework",
		"| US |", "Driftsfirma AS", "SMS-leverandøren AS", "first name", "| message records | 3 years | RT-08 |",
		"| Encryption at rest | yes |", "consent is asked again every 730 days"} {
		if !strings.Contains(md.String(), want) {
			t.Errorf("the Markdown lacks %q", want)
		}
	}
	if strings.Contains(md.String(), "Art. 30(2)") {
		t.Error("a record without an operator has a processor's record")
	}
	var h bytes.Buffer
	if err := Write(&h, r, "html"); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"<h2>(a) Controller", "<h2>(g) Security measures", "<li>Controller: Butikken AS", "Data Privacy Framework"} {
		if !strings.Contains(h.String(), want) {
			t.Errorf("the HTML lacks %q", want)
		}
	}
	var js bytes.Buffer
	if err := Write(&js, r, "json"); err != nil {
		t.Fatal(err)
	}
	var back Record
	if err := json.Unmarshal(js.Bytes(), &back); err != nil || back.Controller.DPO.Email != "personvern@butikken.no" || len(back.Activities) != len(r.Activities) {
		t.Errorf("JSON round trip: %v", err)
	}
	if err := Write(&js, r, "pdf"); !errors.Is(err, ErrFormat) {
		t.Errorf("format pdf: %v", err)
	}
}

// the validator refuses a record that misses an item and names it.
func TestValidateNamesWhatIsMissing(t *testing.T) {
	for name, c := range map[string]struct {
		change func(*Input)
		want   string
	}{
		"no DPO":               {func(in *Input) { in.Controller.DPO = controller.Contact{} }, "Art. 30(1)(a): the data protection officer"},
		"no controller mail":   {func(in *Input) { in.Controller.Email, in.Controller.Address = "", "" }, "Art. 30(1)(a): the controller's contact"},
		"no purpose":           {func(in *Input) { in.Purposes = nil }, "Art. 30(1)(b)"},
		"hosting abroad":       {func(in *Input) { in.Controller.HostingCountry = "IN" }, "Art. 30(1)(e): the safeguard of the transfer to Driftsfirma AS (IN)"},
		"no retention":         {func(in *Input) { in.Retention = nil }, "Art. 30(1)(f)"},
		"measures off":         {func(in *Input) { in.Measures[0].On = false }, "Art. 30(1)(g)"},
		"operator, no contact": {func(in *Input) { in.Operator = &controller.Contact{Name: "Byrå AS"} }, "Art. 30(2)(a)"},
	} {
		in := fullInput()
		c.change(&in)
		err := Build(in).Validate()
		if !errors.Is(err, ErrIncomplete) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want it to name %q", name, err, c.want)
		}
	}
	// with an operator, the processor's record is there and complete.
	in := fullInput()
	in.Operator = &controller.Contact{Name: "Byrå AS", Email: "drift@byraa.no"}
	r := Build(in)
	if err := r.Validate(); err != nil || r.Processor == nil || r.Processor.Controllers[0].Name != "Butikken AS" {
		t.Fatalf("the processor's record: %+v, %v", r.Processor, err)
	}
	var md bytes.Buffer
	_ = WriteMarkdown(&md, r)
	if !strings.Contains(md.String(), "## Processor's record (Art. 30(2))") || !strings.Contains(md.String(), "Byrå AS, drift@byraa.no") {
		t.Error("the Markdown lacks the processor's record")
	}
}
