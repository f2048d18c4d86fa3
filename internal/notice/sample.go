// SPDX-License-Identifier: AGPL-3.0-only

package notice

import (
	"fmt"
	"strings"
)

// SampleInput is what a drafted notice says of the controller: its name,
// organisation number and contact, its DPO's contact (empty: none
// appointed), and the purposes' descriptions in the notice's language.
type SampleInput struct {
	Business  string
	OrgNumber string
	Contact   string // address or e-mail people write to
	DPO       string // the DPO's e-mail; empty when none is appointed
	Purposes  []string
}

// Sample drafts a complete notice in lang (nb or en) for the first run: it
// has a section for every item of Required, so it can be published as it
// stands, and the operator is expected to edit it first (T-01).
func Sample(lang string, in SampleInput) Notice {
	if lang != "en" {
		lang = "nb"
	}
	org := ""
	if in.OrgNumber != "" {
		org = map[string]string{"nb": ", org.nr. ", "en": ", org. no. "}[lang] + in.OrgNumber
	}
	contact := in.Contact
	if contact == "" {
		contact = map[string]string{"nb": "[adresse og e-post]", "en": "[address and e-mail]"}[lang]
	}
	purposes := strings.Join(in.Purposes, "; ")
	if purposes == "" {
		purposes = map[string]string{"nb": "tilbud og nyheter", "en": "offers and news"}[lang]
	}
	b := in.Business
	if lang == "en" {
		dpo := "We have not appointed a data protection officer. Write to us at " + contact + " about your personal data."
		if in.DPO != "" {
			dpo = "Our data protection officer can be reached at " + in.DPO + "."
		}
		return Notice{Language: "en",
			Summary: b + " sends you marketing messages on WhatsApp only when you have said yes. You can withdraw your consent at any time by replying STOPP.",
			Sections: []Section{
				{Controller, "Controller", fmt.Sprintf("%s%s, %s.", b, org, contact)},
				{DPO, "Data protection officer", dpo},
				{Purposes, "Purposes and legal basis", "We use your phone number, and the language you choose, to send you on WhatsApp: " + purposes + ". The legal basis is your consent (GDPR Art. 6(1)(a); Marketing Control Act § 15). We keep the evidence of your consent to show that it was given (Art. 7(1); Art. 6(1)(c))."},
				{LegitimateInterest, "Legitimate interest", "We do not rely on legitimate interest for these messages."},
				{Recipients, "Recipients", "Meta Platforms Ireland Ltd. delivers the messages for us as a processor (WhatsApp Business Platform). Our hosting provider stores the data as a processor. We sell or give your data to no one."},
				{Transfers, "Transfers to third countries", "Meta may process data in the USA. The transfer rests on the EU-US Data Privacy Framework and the EU standard contractual clauses."},
				{Retention, "Retention", "We keep your number while your consent lasts. When you withdraw it we stop at once, erase what is not needed, and keep minimal proof of the consent and of the withdrawal for three years (the limitation period)."},
				{Rights, "Your rights", "You have the right of access, rectification, erasure, restriction of processing and data portability. Use the form on our website or write to us; we answer within one month."},
				{Withdrawal, "Withdrawing your consent", "You can withdraw your consent at any time by replying STOPP on WhatsApp or on our website. Withdrawing does not affect the processing before it."},
				{Complaint, "Complaints", "You may complain to Datatilsynet, the Norwegian Data Protection Authority (datatilsynet.no, Postboks 458 Sentrum, 0105 Oslo)."},
				{Requirement, "Voluntary", "Giving consent is voluntary and no contract depends on it. If you say no you get no such messages; nothing else changes."},
				{Automated, "Automated decisions", "We make no automated decisions and do no profiling."},
				{Objection, "Your right to object", "You can object to direct marketing at any time, free of charge. Then we send you no more marketing messages."},
			}}
	}
	dpo := "Vi har ikke oppnevnt personvernombud. Skriv til oss på " + contact + " om personopplysningene dine."
	if in.DPO != "" {
		dpo = "Personvernombudet vårt nås på " + in.DPO + "."
	}
	return Notice{Language: "nb",
		Summary: b + " sender deg markedsføring på WhatsApp bare når du har sagt ja. Du kan trekke tilbake samtykket når som helst ved å svare STOPP.",
		Sections: []Section{
			{Controller, "Behandlingsansvarlig", fmt.Sprintf("%s%s, %s.", b, org, contact)},
			{DPO, "Personvernombud", dpo},
			{Purposes, "Formål og behandlingsgrunnlag", "Vi bruker telefonnummeret ditt, og språket du velger, til å sende deg dette på WhatsApp: " + purposes + ". Behandlingsgrunnlaget er samtykket ditt (personvernforordningen art. 6 nr. 1 bokstav a; markedsføringsloven § 15). Vi tar vare på bevis for samtykket for å kunne vise at det ble gitt (art. 7 nr. 1; art. 6 nr. 1 bokstav c)."},
			{LegitimateInterest, "Berettiget interesse", "Vi bruker ikke berettiget interesse som behandlingsgrunnlag for disse meldingene."},
			{Recipients, "Mottakere", "Meta Platforms Ireland Ltd. leverer meldingene for oss som databehandler (WhatsApp Business Platform). Driftsleverandøren vår lagrer opplysningene som databehandler. Vi selger eller gir ikke opplysningene dine til noen."},
			{Transfers, "Overføring til tredjeland", "Meta kan behandle opplysninger i USA. Overføringen bygger på EU-US Data Privacy Framework og EUs standardpersonvernbestemmelser."},
			{Retention, "Lagringstid", "Vi lagrer nummeret ditt så lenge samtykket gjelder. Når du trekker det tilbake, stopper vi straks, sletter det vi ikke trenger, og beholder et minimum av bevis for samtykket og tilbaketrekkingen i tre år (foreldelsesfristen)."},
			{Rights, "Dine rettigheter", "Du har rett til innsyn, retting, sletting, begrensning av behandlingen og dataportabilitet. Bruk skjemaet på nettsiden vår eller skriv til oss; vi svarer innen én måned."},
			{Withdrawal, "Trekke tilbake samtykket", "Du kan når som helst trekke tilbake samtykket ved å svare STOPP på WhatsApp eller på nettsiden vår. Det påvirker ikke behandlingen før du trakk det tilbake."},
			{Complaint, "Klage", "Du kan klage til Datatilsynet (datatilsynet.no, Postboks 458 Sentrum, 0105 Oslo)."},
			{Requirement, "Frivillig", "Det er frivillig å gi samtykke, og ingen avtale avhenger av det. Sier du nei, får du ingen slike meldinger; ellers endres ingenting."},
			{Automated, "Automatiserte avgjørelser", "Vi tar ingen automatiserte avgjørelser og driver ingen profilering."},
			{Objection, "Retten til å protestere", "Du kan når som helst og gratis protestere mot direkte markedsføring. Da sender vi deg ingen flere markedsføringsmeldinger."},
		}}
}
