// SPDX-License-Identifier: AGPL-3.0-only

package dpia

import (
	"fmt"
	"strings"
	"time"

	"github.com/samtykke/samtykke/internal/ropa"
)

// Draft pre-fills a document from the record of processing and the
// screening (D-02): the four parts of Art. 35(7) and the three CNIL risks
// with the measures actually switched on. A reviewer edits it from there.
func Draft(rec ropa.Record, s Screening, purposesHash, author string, at time.Time) Document {
	var desc strings.Builder
	fmt.Fprintf(&desc, "%s keeps a list of people who asked for marketing on WhatsApp, and sends it only with a valid consent for exactly the purpose of each message. The processing activities:\n", rec.Controller.Name)
	for _, a := range rec.Activities {
		fmt.Fprintf(&desc, "- %s (%s): %s. Legal basis: %s. Data: %s. Retention: %s.\n", a.Name.EN, a.Key, a.Description, a.LegalBasis,
			strings.Join(a.Data, ", "), a.Retention)
	}
	desc.WriteString("Recipients: ")
	var rs []string
	for _, r := range rec.Recipients {
		rs = append(rs, fmt.Sprintf("%s (%s, %s)", r.Name, r.Role, r.Country))
	}
	desc.WriteString(strings.Join(rs, "; ") + ".")

	var ret []string
	for _, r := range rec.Retention {
		ret = append(ret, r.Class+": "+r.Period)
	}
	necessity := "Each purpose rests on consent given per purpose and per channel with double confirmation, or on the existing-customer rule of markedsføringsloven § 15(3); nothing is sent without it (the send gate). " +
		"Only the mobile number, the language, the consent evidence and the fields a purpose declares are kept (data minimisation, Art. 5(1)(c)); numbers are encrypted under each person's own key. " +
		"Retention per data class: " + strings.Join(ret, "; ") + ". " +
		"People are told at collection (a layered notice in bokmål and English), can withdraw with one word, one tap or one click, and can exercise every right on a public page or by writing to the WhatsApp number, free of charge."

	on := map[string]bool{}
	var measures []string
	for _, m := range rec.Measures {
		if m.On {
			on[m.Name] = true
			measures = append(measures, m.Name)
		}
	}
	pick := func(names ...string) []string {
		var out []string
		for _, n := range names {
			if on[n] {
				out = append(out, n)
			}
		}
		return out
	}
	risks := []Risk{
		{ID: "illegitimate_access", Title: "Illegitimate access to personal data",
			Impacts:  "The list's numbers and consents disclosed: unwanted contact, spam, phishing in the company's name; embarrassment.",
			Threats:  "Theft of a database copy or backup, a leaked API token, staff reading data without need.",
			Sources:  "Outside attackers, curious or careless staff, a compromised hosting provider.",
			Severity: 2, Likelihood: 2, ResidualSeverity: 1, ResidualLikelihood: 1,
			Measures: pick(MeasureEncryption, MeasureKeyOutside, MeasureRoles, MeasureAccessLog, MeasureTLS)},
		{ID: "unwanted_modification", Title: "Unwanted modification of personal data",
			Impacts:  "A withdrawal undone or a consent invented: marketing to someone who said no (a breach of markedsføringsloven § 15 and GDPR).",
			Threats:  "Direct changes to the database, a forged webhook, a software fault.",
			Sources:  "Outside attackers, staff with database access, faults.",
			Severity: 3, Likelihood: 2, ResidualSeverity: 2, ResidualLikelihood: 1,
			Measures: pick(MeasureLedger, MeasureCheckpoints, MeasureWitness, MeasureWebhookSignature, MeasureAudit)},
		{ID: "disappearance", Title: "Disappearance of personal data",
			Impacts:  "Lost proof of consent or a lost suppression list: people who objected could be contacted again; the company cannot prove consent.",
			Threats:  "Disk failure, deletion by mistake, a lost master key.",
			Sources:  "Faults, staff mistakes, ransomware.",
			Severity: 3, Likelihood: 2, ResidualSeverity: 2, ResidualLikelihood: 2,
			Measures: pick(MeasureBackups, MeasureKeyOutside, MeasureLedger, MeasureRetention)},
	}
	for i := range risks {
		if len(risks[i].Measures) == 0 {
			risks[i].Measures = []string{"none switched on yet: to be decided by the controller"}
		}
	}
	d := Document{Version: 0, At: at.UTC(), Author: author, Screening: s, Description: desc.String(), Necessity: necessity,
		RisksSummary: "Three risks to the people on the list are assessed in the CNIL method below: illegitimate access, unwanted modification and disappearance of their data. " +
			"The most serious for them is unwanted modification (marketing after a withdrawal), which the send gate, the tamper-evident ledger and its verification treat.",
		MeasuresSummary: "Measures in place: " + strings.Join(measures, "; ") + ".",
		Risks:           risks, PurposesHash: purposesHash}
	for _, r := range d.Risks {
		if r.High() {
			d.Consultation = true
		}
	}
	return d
}

// The names of the measures the risks link to; the record of processing
// lists them with whether each is switched on.
const (
	MeasureEncryption       = "Encryption at rest"
	MeasureKeyOutside       = "Master key outside the database"
	MeasureRoles            = "Role-based access (least privilege)"
	MeasureAccessLog        = "Access log"
	MeasureTLS              = "TLS on the public address"
	MeasureLedger           = "Tamper-evident consent ledger"
	MeasureCheckpoints      = "Signed ledger checkpoints"
	MeasureWitness          = "Checkpoints kept outside the database"
	MeasureWebhookSignature = "Webhook signatures checked"
	MeasureAudit            = "Scheduled compliance audit"
	MeasureBackups          = "Encrypted backups"
	MeasureRetention        = "Retention job"
)
