// SPDX-License-Identifier: AGPL-3.0-only

// Package ropa makes the record of processing activities (Art. 30) from
// what the deployment actually runs: the controller and its DPO, each
// purpose with its legal basis, the people and data concerned, the
// recipients (Meta as processor, the hosting provider, SMS and e-mail
// providers when set up), the transfer to the United States and its
// safeguard, the retention of each data class and the security measures
// switched on. Nothing is typed twice: change the configuration and the
// record follows. Validate refuses a record that lacks an item of Art.
// 30(1)(a)-(g) (or 30(2)(a)-(d) for the processor's record) and names it.
package ropa

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/samtykke/samtykke/internal/consent"
	"github.com/samtykke/samtykke/internal/controller"
)

// Record is the Art. 30 record.
type Record struct {
	GeneratedAt time.Time             `json:"generated_at"`
	Controller  controller.Controller `json:"controller"`              // (a)
	Activities  []Activity            `json:"activities"`              // (b), per purpose
	Subjects    []string              `json:"data_subject_categories"` // (c)
	Data        []DataCategory        `json:"personal_data_categories"`
	Recipients  []Recipient           `json:"recipients"`              // (d)
	Transfers   []Transfer            `json:"third_country_transfers"` // (e)
	Retention   []Retention           `json:"retention"`               // (f)
	Measures    []Measure             `json:"security_measures"`       // (g)
	// Processor is the Art. 30(2) record, kept when samtykke is run by a
	// processor on the controller's behalf.
	Processor *ProcessorRecord `json:"processor_record,omitempty"`
}

// Activity is one processing activity: a purpose and what it rests on.
type Activity struct {
	Key         string       `json:"key"`
	Name        consent.Text `json:"name"`
	Channel     string       `json:"channel,omitempty"`
	LegalBasis  string       `json:"legal_basis"`
	Data        []string     `json:"personal_data"`
	Subjects    string       `json:"data_subjects"`
	Retention   string       `json:"retention"`
	Description string       `json:"description"`
}

// DataCategory is one kind of personal data and how it is kept.
type DataCategory struct {
	Name    string `json:"name"`
	Held    string `json:"held_as"`
	Source  string `json:"source"`
	Purpose string `json:"for"`
}

// Recipient is a party personal data is disclosed to.
type Recipient struct {
	Name    string `json:"name"`
	Role    string `json:"role"` // processor, sub-processor
	Purpose string `json:"purpose"`
	Country string `json:"country"`
}

// Transfer is a transfer to a third country (Chapter V).
type Transfer struct {
	Recipient string `json:"recipient"`
	Country   string `json:"country"`
	Mechanism string `json:"mechanism"`
	Copy      string `json:"copy_at"` // where the safeguard's text can be had
}

// Retention is how long one data class is kept (Art. 30(1)(f)).
type Retention struct {
	Class  string `json:"class"`
	Period string `json:"period"`
	Rule   string `json:"rule"`
}

// Measure is a security measure (Art. 32(1)) and whether it is switched on.
type Measure struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	On          bool   `json:"on"`
}

// ProcessorRecord is the Art. 30(2) record of the processor running
// samtykke for the controller.
type ProcessorRecord struct {
	Processor   controller.Contact   `json:"processor"`                // (a)
	Controllers []controller.Contact `json:"controllers"`              // (a): each controller served
	Categories  []string             `json:"categories_of_processing"` // (b)
	Transfers   []Transfer           `json:"third_country_transfers"`  // (c)
	Measures    []Measure            `json:"security_measures"`        // (d)
}

// Input is what the record is made from.
type Input struct {
	At         time.Time
	Controller controller.Controller
	Purposes   []consent.Purpose
	Retention  []Retention
	Measures   []Measure
	// SMS and Email name the providers that send confirmation links, when
	// set up ("" when not).
	SMS, Email string
	// Operator, when set, is the processor that runs samtykke for the
	// controller: the record then carries the Art. 30(2) record too.
	Operator *controller.Contact
}

// Meta is the WhatsApp Cloud API's provider, a processor.
const Meta = "Meta Platforms Ireland Ltd. (WhatsApp Business Platform, Cloud API)"

// dpf is the safeguard of the transfer to Meta Platforms, Inc..
var dpf = Transfer{Recipient: "Meta Platforms, Inc. (sub-processor of Meta Platforms Ireland Ltd.)", Country: "US",
	Mechanism: "Adequacy decision: EU-US Data Privacy Framework, Commission Implementing Decision (EU) 2023/1795 of 10 July 2023 (applies to the EEA, Norway included); standard contractual clauses (Decision (EU) 2021/914) in Meta's data processing terms otherwise",
	Copy:      "https://eur-lex.europa.eu/eli/dec_impl/2023/1795/oj"}

// Build makes the record.
func Build(in Input) Record {
	r := Record{GeneratedAt: in.At.UTC(), Controller: in.Controller, Retention: in.Retention, Measures: in.Measures}
	fields := map[string]bool{}
	for _, p := range in.Purposes {
		a := Activity{Key: p.Key, Name: p.Description, Channel: string(p.Channel), LegalBasis: basis(p.Basis),
			Data:      append([]string{"mobile number", "language", "consent evidence"}, p.Fields...),
			Retention: fmt.Sprintf("declared fields (%s) at most %d days after the consent ends; proof of consent for the proof period", strings.Join(append([]string{"tags"}, p.Fields...), ", "), p.RetentionDays)}
		switch p.Basis {
		case consent.BasisExistingCustomer:
			a.Subjects = "existing customers who bought from the controller and were offered the opt-out at the sale"
			a.Description = "Marketing of the controller's own similar products to existing customers on " + string(p.Channel)
		default:
			a.Subjects = "people who asked to receive marketing and confirmed it (double opt-in)"
			a.Description = "Direct marketing on " + string(p.Channel) + " to people who consented"
		}
		if p.RefreshDays > 0 {
			a.Description += fmt.Sprintf("; consent is asked again every %d days", p.RefreshDays)
		}
		for _, f := range p.Fields {
			fields[f] = true
		}
		r.Activities = append(r.Activities, a)
	}
	r.Activities = append(r.Activities,
		Activity{Key: "proof_of_consent", Name: consent.Text{NB: "Dokumentasjon av samtykke", EN: "Proof of consent"},
			LegalBasis: "GDPR Art. 6(1)(c) with Art. 7(1) (the controller must be able to show consent), and Art. 17(3)(e) after withdrawal",
			Data:       []string{"consent evidence", "pseudonymous ledger"}, Subjects: "everyone who consented or withdrew",
			Retention: "while the consent lasts and for the proof period after it ends", Description: "A tamper-evident ledger of every consent, withdrawal and objection"},
		Activity{Key: "suppression_list", Name: consent.Text{NB: "Reservasjonsliste", EN: "Suppression list"},
			LegalBasis: "GDPR Art. 6(1)(f) legitimate interest in respecting an objection (Art. 21(3)); markedsføringsloven § 15",
			Data:       []string{"keyed hash of the mobile number", "date", "reason"}, Subjects: "people who opted out or objected",
			Retention: "while marketing continues (RT-05)", Description: "Never message a number that said no, even after its data is erased"},
		Activity{Key: "rights_requests", Name: consent.Text{NB: "Behandling av henvendelser om rettigheter", EN: "Handling rights requests"},
			LegalBasis: "GDPR Art. 6(1)(c) with Arts. 12-22", Data: []string{"mobile number (to verify identity)", "request and answer"},
			Subjects: "people who exercise their rights", Retention: "the rights-request retention after the answer",
			Description: "Access, rectification, erasure, restriction, portability and objection, with their deadlines"},
		Activity{Key: "access_log", Name: consent.Text{NB: "Tilgangslogg", EN: "Access log"},
			LegalBasis: "GDPR Art. 6(1)(f) and Art. 32 (security of processing)", Data: []string{"staff identity", "contact's pseudonymous id", "reason"},
			Subjects: "staff, and the people whose data they accessed", Retention: "the access-log retention",
			Description: "Every access to personal data by staff or the API: who, what, when, why"})
	r.Subjects = []string{"people who asked to receive marketing from the controller (consent)",
		"existing customers, where a purpose rests on markedsføringsloven § 15(3)",
		"people who opted out or objected (suppression list)", "people who exercise their rights",
		"staff who use samtykke (access log)"}
	r.Data = []DataCategory{
		{Name: "mobile number", Held: "encrypted under the person's own key (AES-256-GCM), found by a keyed hash", Source: "the person", Purpose: "every activity"},
		{Name: "language", Held: "in clear", Source: "the person", Purpose: "messages in the person's language"},
		{Name: "consent evidence (time, method, notice version, confirmation)", Held: "encrypted, hashed into the ledger", Source: "the person's own action", Purpose: "proof of consent"},
		{Name: "message records (template, purpose, status, times)", Held: "linked to the consent event that allowed each message", Source: "samtykke and the platform's status reports", Purpose: "proof of what was sent under which consent"},
		{Name: "declared tags", Held: "in clear, only those declared", Source: "the controller", Purpose: "choosing a campaign's audience"},
	}
	for _, f := range slices.Sorted(func(yield func(string) bool) {
		for f := range fields {
			if !yield(f) {
				return
			}
		}
	}) {
		r.Data = append(r.Data, DataCategory{Name: strings.ReplaceAll(f, "_", " "), Held: "encrypted under the person's own key", Source: "the person", Purpose: "personalising messages of the purposes that declare it"})
	}
	r.Recipients = []Recipient{
		{Name: Meta, Role: "processor", Purpose: "delivering WhatsApp messages and receiving replies; keeps message content up to 30 days for redelivery (X-02)", Country: "IE"},
		{Name: "Meta Platforms, Inc.", Role: "sub-processor", Purpose: "operating the WhatsApp Business Platform", Country: "US"},
	}
	if h := in.Controller.Hosting; h != "" {
		r.Recipients = append(r.Recipients, Recipient{Name: h, Role: "processor", Purpose: "hosting samtykke and its database", Country: in.Controller.HostingCountry})
	}
	if in.SMS != "" {
		r.Recipients = append(r.Recipients, Recipient{Name: in.SMS, Role: "processor", Purpose: "sending confirmation links by SMS", Country: "NO"})
	}
	if in.Email != "" {
		r.Recipients = append(r.Recipients, Recipient{Name: in.Email, Role: "processor", Purpose: "sending confirmation links by e-mail", Country: "NO"})
	}
	r.Transfers = []Transfer{dpf}
	if c := in.Controller.HostingCountry; in.Controller.Hosting != "" && !eea(c) {
		r.Transfers = append(r.Transfers, Transfer{Recipient: in.Controller.Hosting, Country: c, Mechanism: "to be named by the controller"})
	}
	if in.Operator != nil {
		r.Processor = &ProcessorRecord{Processor: *in.Operator,
			Controllers: []controller.Contact{{Name: in.Controller.Name, Email: in.Controller.Email, Phone: in.Controller.Phone}},
			Categories:  []string{"storing and sending marketing messages on WhatsApp for the controller", "keeping the consent ledger and the suppression list", "answering rights requests on the controller's instructions"},
			Transfers:   r.Transfers, Measures: r.Measures}
	}
	return r
}

func basis(b consent.Basis) string {
	if b == consent.BasisExistingCustomer {
		return "GDPR Art. 6(1)(f) legitimate interest, within markedsføringsloven § 15(3) (existing customer relationship)"
	}
	return "GDPR Art. 6(1)(a) consent; markedsføringsloven § 15(1) (prior consent to electronic marketing)"
}

// eea lists the EEA countries (adequate by law).
func eea(country string) bool {
	return slices.Contains(strings.Fields("AT BE BG HR CY CZ DK EE FI FR DE GR IE IT LV LT LU MT NL PL PT RO SK SI ES SE IS LI NO"), strings.ToUpper(country))
}

// ErrIncomplete is wrapped by Validate's refusal.
var ErrIncomplete = errors.New("ropa: the record is incomplete")

// Validate names every Art. 30(1)(a)-(g) item the record misses (and
// 30(2)(a)-(d) for the processor's record).
func (r Record) Validate() error {
	var missing []string
	need := func(ok bool, item string) {
		if !ok {
			missing = append(missing, item)
		}
	}
	c := r.Controller
	need(c.Name != "", "Art. 30(1)(a): the controller's name (SAMTYKKE_BUSINESS_NAME)")
	need(c.Email != "" || c.Phone != "" || c.Address != "", "Art. 30(1)(a): the controller's contact details (SAMTYKKE_CONTROLLER_EMAIL, _PHONE or _ADDRESS)")
	need(!c.DPO.Empty(), "Art. 30(1)(a): the data protection officer's contact details (SAMTYKKE_DPO_EMAIL or SAMTYKKE_DPO_PHONE)")
	marketing := 0
	for _, a := range r.Activities {
		need(a.LegalBasis != "", "Art. 30(1)(b): the legal basis of "+a.Key)
		if a.Channel != "" {
			marketing++
		}
	}
	need(marketing > 0, "Art. 30(1)(b): the purposes (no purpose is declared)")
	need(len(r.Subjects) > 0 && len(r.Data) > 0, "Art. 30(1)(c): the categories of people and of personal data")
	need(len(r.Recipients) > 0, "Art. 30(1)(d): the recipients")
	for _, t := range r.Transfers {
		need(t.Country != "" && t.Mechanism != "" && !strings.HasPrefix(t.Mechanism, "to be named"),
			"Art. 30(1)(e): the safeguard of the transfer to "+t.Recipient+" ("+t.Country+")")
	}
	need(len(r.Retention) > 0, "Art. 30(1)(f): the time limits for erasure of each data class")
	for _, rt := range r.Retention {
		need(rt.Period != "", "Art. 30(1)(f): the retention of "+rt.Class)
	}
	on := 0
	for _, m := range r.Measures {
		if m.On {
			on++
		}
	}
	need(on > 0, "Art. 30(1)(g): the security measures")
	if p := r.Processor; p != nil {
		need(p.Processor.Name != "" && !p.Processor.Empty(), "Art. 30(2)(a): the processor's name and contact details (SAMTYKKE_OPERATOR_*)")
		need(len(p.Controllers) > 0, "Art. 30(2)(a): each controller served")
		need(len(p.Categories) > 0, "Art. 30(2)(b): the categories of processing")
	}
	if len(missing) > 0 {
		return fmt.Errorf("%w: %s", ErrIncomplete, strings.Join(missing, "; "))
	}
	return nil
}
