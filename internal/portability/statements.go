// SPDX-License-Identifier: AGPL-3.0-only

package portability

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/samtykke/samtykke/internal/consent"
	"github.com/samtykke/samtykke/internal/rights"
)

// The statements' keys, in the order of Art. 15(1)(a)-(h).
const (
	KeyPurposes   = "purposes"            // (a) purposes and their legal basis
	KeyCategories = "categories"          // (b) categories of personal data
	KeyRecipients = "recipients"          // (c) recipients, third-country transfer and safeguard (15(2))
	KeyRetention  = "retention"           // (d) storage period or its criteria
	KeyRights     = "rights"              // (e) rectification, erasure, restriction, objection
	KeyComplaint  = "complaint"           // (f) complaint to Datatilsynet
	KeySource     = "source"              // (g) where the data comes from
	KeyAutomated  = "automated_decisions" // (h) automated decisions and profiling: none
)

// Headings are the statements every package holds, in order, with the
// article each answers.
var Headings = []struct{ Key, Article string }{
	{KeyPurposes, "15(1)(a)"}, {KeyCategories, "15(1)(b)"}, {KeyRecipients, "15(1)(c), 15(2)"}, {KeyRetention, "15(1)(d)"},
	{KeyRights, "15(1)(e)"}, {KeyComplaint, "15(1)(f)"}, {KeySource, "15(1)(g)"}, {KeyAutomated, "15(1)(h)"},
}

// Periods are the retention periods the statements give (RT-01).
type Periods struct {
	// Proof is how long proof of consent is kept after the last consent
	// ended (RT-02, RT-03; three years by default).
	Proof time.Duration
	// Messages is how long message records are kept (RT-08).
	Messages time.Duration
	// UnconfirmedOptIn is how long an opt-in waits for its confirmation (RT-07).
	UnconfirmedOptIn time.Duration
	// AccessLog is how long an access-log entry is kept; zero: the
	// statement names no period.
	AccessLog time.Duration
	// Requests is how long a rights request is kept after it is closed;
	// zero: the statement names no period.
	Requests time.Duration
	// Replies is how long the messages the person sent are kept; zero:
	// the statement names no period.
	Replies time.Duration
}

// ProofPeriod is the default proof period: the main limitation period of
// foreldelsesloven § 2 (RT-03).
const ProofPeriod = 3 * 365 * 24 * time.Hour

// Recipient is someone the data is disclosed to (Art. 15(1)(c)).
type Recipient struct {
	Name string `json:"name"`
	Role string `json:"role"` // processor
	// Country is where they process; Transfer and Safeguard say how a
	// transfer outside the EEA is lawful (Art. 15(2)).
	Country   string       `json:"country"`
	Transfer  string       `json:"transfer,omitempty"`
	Safeguard string       `json:"safeguard,omitempty"`
	Text      consent.Text `json:"text"`
}

// Meta is Meta Platforms Ireland as the WhatsApp Cloud API's processor
// transferring to the US under the EU-US Data Privacy Framework
// with where to read the decision (Art. 15(2), 13(1)(f)).
var Meta = Recipient{Name: "Meta Platforms Ireland Ltd.", Role: "processor", Country: "IE", Transfer: "US",
	Safeguard: "EU-US Data Privacy Framework: Commission Implementing Decision (EU) 2023/1795 of 10 July 2023",
	Text: consent.Text{
		NB: "Meta Platforms Ireland Ltd. (WhatsApp Business Cloud API) er databehandler for oss: Meta leverer meldingene våre " +
			"til deg på WhatsApp og ser derfor nummeret ditt og meldingene. Meta kan behandle opplysningene i USA " +
			"(Meta Platforms, Inc.). Overføringen bygger på EU-kommisjonens beslutning (EU) 2023/1795 av 10. juli 2023 om at " +
			"EU–US Data Privacy Framework gir et tilstrekkelig beskyttelsesnivå; beslutningen gjelder også i Norge gjennom " +
			"EØS-avtalen, og du kan lese den på " + dpfDecision + ". Ellers gjelder EUs standardavtaler (beslutning (EU) 2021/914) " +
			"i Metas databehandlervilkår. Meta bruker ikke opplysningene til egen reklame.",
		EN: "Meta Platforms Ireland Ltd. (WhatsApp Business Cloud API) is our processor: Meta delivers our messages to you " +
			"on WhatsApp and so sees your number and the messages. Meta may process the data in the United States " +
			"(Meta Platforms, Inc.). The transfer rests on the European Commission's decision (EU) 2023/1795 of 10 July 2023 " +
			"that the EU-US Data Privacy Framework ensures an adequate level of protection; the decision applies in Norway " +
			"through the EEA Agreement, and you can read it at " + dpfDecision + ". Otherwise the EU standard contractual " +
			"clauses (Decision (EU) 2021/914) in Meta's data processing terms apply. Meta does not use the data for its own advertising.",
	}}

// dpfDecision is where the adequacy decision of the EU-US Data Privacy
// Framework is published.
const dpfDecision = "https://eur-lex.europa.eu/eli/dec_impl/2023/1795/oj"

// Hosting is the operator's hosting provider.
var Hosting = Recipient{Name: "hosting provider", Role: "processor", Country: "EEA", Text: consent.Text{
	NB: "Leverandøren som drifter serverne våre, er databehandler for oss og lagrer opplysningene kryptert i EØS.",
	EN: "The provider who runs our servers is our processor and stores the data encrypted in the EEA.",
}}

// HostingBy is the hosting provider named in the configuration, in the
// country its data sits in (an ISO code; empty: not said).
func HostingBy(name, country string) Recipient {
	if name == "" {
		return Hosting
	}
	where := tx("", "")
	if country != "" {
		where = tx(" Opplysningene lagres kryptert, i "+countryName(country, "nb")+".", " The data is stored encrypted, in "+countryName(country, "en")+".")
		if !EEA(country) {
			where.NB += " Det er utenfor EØS: spør oss om garantiene for overføringen, så sender vi deg en kopi."
			where.EN += " That is outside the EEA: ask us for the safeguards of the transfer, and we send you a copy."
		}
	}
	return Recipient{Name: name, Role: "processor", Country: country, Text: tx(
		name+" drifter serverne våre og er databehandler for oss."+where.NB,
		name+" runs our servers and is our processor."+where.EN)}
}

// EEA reports whether a country (ISO code) is in the EEA.
func EEA(country string) bool {
	return slices.Contains(strings.Fields("AT BE BG HR CY CZ DK EE FI FR DE GR IE IT LV LT LU MT NL PL PT RO SK SI ES SE IS LI NO"),
		strings.ToUpper(country))
}

// countryName names the countries a hosting provider is most likely in.
func countryName(code, lang string) string {
	names := map[string]consent.Text{"NO": tx("Norge", "Norway"), "SE": tx("Sverige", "Sweden"), "DK": tx("Danmark", "Denmark"),
		"FI": tx("Finland", "Finland"), "DE": tx("Tyskland", "Germany"), "NL": tx("Nederland", "the Netherlands"),
		"IE": tx("Irland", "Ireland"), "FR": tx("Frankrike", "France"), "US": tx("USA", "the United States")}
	if t, ok := names[strings.ToUpper(code)]; ok {
		return t.In(lang)
	}
	return strings.ToUpper(code)
}

// SMSProvider and EmailProvider send confirmation links when the person
// chooses SMS or e-mail (configured deployments only).
var (
	SMSProvider = Recipient{Name: "SMS provider", Role: "processor", Country: "EEA", Text: consent.Text{
		NB: "Leverandøren som sender SMS for oss, er databehandler og får nummeret ditt når du velger å bekrefte påmeldingen med SMS.",
		EN: "The provider who sends text messages for us is our processor and gets your number when you choose to confirm by SMS.",
	}}
	EmailProvider = Recipient{Name: "e-mail provider", Role: "processor", Country: "EEA", Text: consent.Text{
		NB: "Leverandøren som sender e-post for oss, er databehandler og får e-postadressen du oppgir når du velger å bekrefte med e-post. Vi lagrer ikke adressen.",
		EN: "The provider who sends e-mail for us is our processor and gets the address you give when you choose to confirm by e-mail. We do not keep the address.",
	}}
)

// DefaultRecipients are Meta and the hosting provider.
func DefaultRecipients() []Recipient { return []Recipient{Meta, Hosting} }

func tx(nb, en string) consent.Text { return consent.Text{NB: nb, EN: en} }

// basisText names a purpose's legal basis precisely (T-02, WA-IE).
func basisText(b consent.Basis) consent.Text {
	if b == consent.BasisExistingCustomer {
		return tx("eksisterende kundeforhold (markedsføringsloven § 15 tredje ledd), behandlet på grunnlag av berettiget interesse "+
			"(personvernforordningen artikkel 6 nr. 1 bokstav f)",
			"an existing customer relationship (Marketing Control Act § 15(3)), processed under legitimate interest (GDPR Art. 6(1)(f))")
	}
	return tx("samtykket ditt (personvernforordningen artikkel 6 nr. 1 bokstav a og markedsføringsloven § 15 første ledd)",
		"your consent (GDPR Art. 6(1)(a) and the Marketing Control Act § 15(1))")
}

// channelText is a channel in words.
func channelText(c consent.Channel) consent.Text {
	switch c {
	case consent.SMS:
		return tx("SMS", "SMS")
	case consent.Email:
		return tx("e-post", "e-mail")
	}
	return tx("WhatsApp", "WhatsApp")
}

// span is a period in words: years, days or hours.
func span(d time.Duration) consent.Text {
	const day = 24 * time.Hour
	plural := func(n int64, nbOne, nbMany, enOne, enMany string) consent.Text {
		if n == 1 {
			return tx(fmt.Sprintf("%d %s", n, nbOne), fmt.Sprintf("%d %s", n, enOne))
		}
		return tx(fmt.Sprintf("%d %s", n, nbMany), fmt.Sprintf("%d %s", n, enMany))
	}
	switch {
	case d%(365*day) == 0:
		return plural(int64(d/(365*day)), "år", "år", "year", "years")
	case d%day == 0:
		return plural(int64(d/day), "dag", "dager", "day", "days")
	}
	return plural(int64((d+time.Hour-1)/time.Hour), "time", "timer", "hour", "hours")
}

// fill replaces {name} in both languages: each value is a Text.
func fill(t consent.Text, pairs ...any) consent.Text {
	for i := 0; i+1 < len(pairs); i += 2 {
		name := "{" + pairs[i].(string) + "}"
		v := pairs[i+1].(consent.Text)
		t.NB, t.EN = strings.ReplaceAll(t.NB, name, v.NB), strings.ReplaceAll(t.EN, name, v.EN)
	}
	return t
}

// same is a value that reads the same in both languages.
func same(s string) consent.Text { return tx(s, s) }

// statements answers Art. 15(1)(a)-(h) for this person.
func statements(ctl Controller, purposes []consent.Purpose, recipients []Recipient, per Periods, words rights.Words, methods []string, messages bool) []Statement {
	if per.Proof == 0 {
		per.Proof = ProofPeriod
	}
	biz := same(ctl.Name)
	var out []Statement
	add := func(key string, heading, text consent.Text, items ...consent.Text) {
		article := ""
		for _, h := range Headings {
			if h.Key == key {
				article = h.Article
			}
		}
		if items == nil {
			items = []consent.Text{}
		}
		out = append(out, Statement{Key: key, Article: article, Heading: heading, Text: fill(text, "business", biz), Items: items})
	}

	// (a) Purposes and legal basis.
	var items []consent.Text
	for _, p := range purposes {
		items = append(items, fill(tx("{purpose} på {channel}. Behandlingsgrunnlag: {basis}.", "{purpose} on {channel}. Legal basis: {basis}."),
			"purpose", p.Description, "channel", channelText(p.Channel), "basis", basisText(p.Basis)))
	}
	items = append(items,
		tx("Dokumentere samtykkene dine og hva vi har sendt deg, slik loven krever. Behandlingsgrunnlag: rettslig forpliktelse "+
			"(personvernforordningen artikkel 6 nr. 1 bokstav c, jf. artikkel 7 nr. 1), og for å kunne forsvare rettskrav (artikkel 17 nr. 3 bokstav e).",
			"Documenting your consents and what we sent you, as the law requires. Legal basis: legal obligation "+
				"(GDPR Art. 6(1)(c), with Art. 7(1)), and to be able to defend legal claims (Art. 17(3)(e))."),
		tx("Holde en reservasjonsliste hvis du har meldt deg av eller protestert, så vi aldri sender deg markedsføring igjen. "+
			"Behandlingsgrunnlag: berettiget interesse (personvernforordningen artikkel 6 nr. 1 bokstav f).",
			"Keeping a suppression list if you unsubscribed or objected, so that we never send you marketing again. "+
				"Legal basis: legitimate interest (GDPR Art. 6(1)(f))."),
		tx("Føre logg over hvem som har sett eller brukt opplysningene dine, for å sikre dem. Behandlingsgrunnlag: rettslig forpliktelse "+
			"(personvernforordningen artikkel 6 nr. 1 bokstav c, jf. artikkel 32).",
			"Logging who has seen or used your data, to keep it secure. Legal basis: legal obligation (GDPR Art. 6(1)(c), with Art. 32)."),
		tx("Svare på henvendelser om rettighetene dine. Behandlingsgrunnlag: rettslig forpliktelse "+
			"(personvernforordningen artikkel 6 nr. 1 bokstav c, jf. artikkel 12 til 22).",
			"Answering your requests about your rights. Legal basis: legal obligation (GDPR Art. 6(1)(c), with Arts. 12 to 22)."))
	add(KeyPurposes, tx("Formål og behandlingsgrunnlag", "Purposes and legal basis"),
		tx("{business} behandler personopplysninger om deg. Vi bruker dem til disse formålene:",
			"{business} processes personal data about you. We use it for these purposes:"), items...)

	// (b) Categories of personal data.
	add(KeyCategories, tx("Hvilke opplysninger vi har om deg", "The personal data we hold about you"),
		tx("Vi har disse typene opplysninger om deg. Alt som er lagret om deg, står i resten av denne kopien.",
			"We hold these kinds of data about you. Everything held about you is in the rest of this copy."),
		tx("Kontaktopplysninger: mobilnummeret ditt (lagret kryptert), språket du foretrekker, fornavnet ditt hvis et formål trenger det, "+
			"og merker vi har gitt deg (for eksempel hvilken butikk du hører til).",
			"Contact data: your mobile number (stored encrypted), the language you prefer, your first name if a purpose needs it, "+
				"and labels we gave you (for example which shop you belong to)."),
		tx("Samtykker: hva du har samtykket til eller trukket tilbake, når og hvordan, hvilken personvernerklæring du ble vist, "+
			"og bevis for samtykket, for eksempel IP-adressen og nettleseren du brukte i skjemaet.",
			"Consents: what you consented to or withdrew, when and how, which privacy notice you were shown, "+
				"and the proof of the consent, for example the IP address and browser you used on the form."),
		tx("Meldinger: hvilke meldinger vi har sendt deg, når, med hvilket samtykke, og om de kom frem og ble lest. "+
			"Vi lagrer ikke selve teksten, bare hvilken mal som ble brukt.",
			"Messages: which messages we sent you, when, under which consent, and whether they were delivered and read. "+
				"We do not keep the text itself, only which template was used."),
		tx("Meldinger du har sendt oss på WhatsApp: teksten, når den kom, og hva vi leste i den (for eksempel STOPP).",
			"Messages you sent us on WhatsApp: the text, when it came, and what we read in it (for example STOPP)."),
		tx("Reservasjonslisten: hvis du har meldt deg av eller protestert, en nøkkelbasert kode av nummeret ditt (HMAC), datoen og årsaken.",
			"The suppression list: if you unsubscribed or objected, a keyed code of your number (HMAC), the date and the reason."),
		tx("Henvendelser om rettighetene dine og svarene vi har gitt.", "Your requests about your rights and our answers."),
		tx("Logg over når våre ansatte eller systemer har sett eller brukt opplysningene dine, og hvorfor.",
			"A log of when our staff or systems saw or used your data, and why."))

	// (c) Recipients, transfers and safeguards (and 15(2)).
	items = nil
	for _, r := range recipients {
		items = append(items, r.Text)
	}
	add(KeyRecipients, tx("Mottakere og overføring til land utenfor EØS", "Recipients and transfers outside the EEA"),
		tx("Vi selger ikke opplysningene dine og gir dem ikke til andre for deres egen markedsføring. "+
			"Disse behandler opplysningene på våre vegne (databehandlere):",
			"We do not sell your data or give it to anyone for their own marketing. "+
				"These process the data on our behalf (processors):"), items...)

	// (d) Retention.
	items = nil
	for _, p := range purposes {
		t := fill(tx("{purpose}: opplysningene vi samler inn for dette formålet, lagrer vi i høyst {days} etter at samtykket ditt til det er slutt "+
			"(trukket tilbake eller utløpt).",
			"{purpose}: the data we collect for this purpose is kept at most {days} after your consent to it ended (withdrawn or expired)."),
			"purpose", p.Description, "days", span(time.Duration(p.RetentionDays)*24*time.Hour))
		if p.RefreshDays > 0 {
			r := fill(tx(" Samtykket utløper hvis du ikke fornyer det innen {days}.", " The consent lapses unless you renew it within {days}."),
				"days", span(time.Duration(p.RefreshDays)*24*time.Hour))
			t.NB, t.EN = t.NB+r.NB, t.EN+r.EN
		}
		items = append(items, t)
	}
	items = append(items,
		fill(tx("Bevis for samtykket (når, hvordan og hvilken personvernerklæring du ble vist): i {proof} etter at det siste samtykket ditt er slutt, "+
			"fordi krav kan gjøres gjeldende så lenge (foreldelsesloven). Beviset er så lite som mulig.",
			"Proof of consent (when, how and which privacy notice you were shown): for {proof} after your last consent ended, "+
				"because claims can be made for that long (the Norwegian Limitation Act). The proof is kept as small as possible."),
			"proof", span(per.Proof)))
	if per.Messages > 0 {
		items = append(items, fill(tx("Opplysninger om meldinger vi har sendt deg: i {days} etter at de ble sendt.",
			"Records of the messages we sent you: for {days} after they were sent."), "days", span(per.Messages)))
	}
	if per.Replies > 0 {
		items = append(items, fill(tx("Meldinger du har sendt oss: i {days} etter at de kom, så vi kan svare deg.",
			"Messages you sent us: for {days} after they came, so that we can answer you."), "days", span(per.Replies)))
	}
	if per.UnconfirmedOptIn > 0 {
		items = append(items, fill(tx("En påmelding du ikke bekrefter, slettes etter {days}.",
			"A sign-up you do not confirm is deleted after {days}."), "days", span(per.UnconfirmedOptIn)))
	}
	items = append(items, tx("Reservasjonslisten: så lenge vi driver markedsføring, så vi ikke kontakter deg igjen. Den har bare en nøkkelbasert kode av nummeret.",
		"The suppression list: as long as we do marketing, so that we do not contact you again. It holds only a keyed code of the number."))
	if per.AccessLog > 0 {
		items = append(items, fill(tx("Loggen over hvem som har sett opplysningene dine: i {days}.",
			"The log of who saw your data: for {days}."), "days", span(per.AccessLog)))
	}
	if per.Requests > 0 {
		items = append(items, fill(tx("Henvendelser om rettighetene dine: i {days} etter at saken er avsluttet.",
			"Your requests about your rights: for {days} after the case is closed."), "days", span(per.Requests)))
	}
	add(KeyRetention, tx("Hvor lenge vi lagrer opplysningene", "How long we keep the data"),
		tx("Vi sletter opplysningene når vi ikke lenger trenger dem:", "We delete the data when we no longer need it:"), items...)

	// (e) Rights.
	how := whatsappWords(words)
	if ctl.PublicURL != "" {
		url := same(strings.TrimRight(ctl.PublicURL, "/") + "/rights")
		if how.NB == "" {
			how = fill(tx("bruk {url}", "use {url}"), "url", url)
		} else {
			how = fill(tx("bruk {url}, eller {how}", "use {url}, or {how}"), "url", url, "how", how)
		}
	}
	if how.NB == "" {
		how = tx("ta kontakt med oss", "contact us")
	}
	add(KeyRights, tx("Rettighetene dine", "Your rights"),
		fill(tx("Du har disse rettighetene. Det er gratis å bruke dem, og vi svarer innen én måned. Slik gjør du det: {how}.",
			"You have these rights. Using them is free, and we answer within one month. To make a request, {how}."), "how", how),
		tx("Rett til innsyn: denne kopien. Den første kopien er gratis.", "Right of access: this copy. The first copy is free."),
		tx("Rett til retting: du kan be oss rette opplysninger som er feil, for eksempel språket, fornavnet eller nummeret ditt.",
			"Right to rectification: you can ask us to correct data that is wrong, for example your language, first name or number."),
		fill(tx("Rett til sletting: du kan be oss slette opplysningene om deg. Vi beholder bare det loven krever: en nøkkelbasert kode av nummeret "+
			"på reservasjonslisten hvis du har meldt deg av, og et minimalt bevis for samtykket i {proof}.",
			"Right to erasure: you can ask us to erase your data. We keep only what the law requires: a keyed code of the number on the "+
				"suppression list if you unsubscribed, and minimal proof of the consent for {proof}."), "proof", span(per.Proof)),
		tx("Rett til begrensning av behandlingen: du kan be oss bare lagre opplysningene og ikke bruke dem, for eksempel mens vi undersøker om de er riktige.",
			"Right to restriction of processing: you can ask us only to store the data and not use it, for example while we check whether it is correct."),
		tx("Rett til å protestere: du kan når som helst protestere mot direkte markedsføring, uten å begrunne det. "+
			"Da stanser vi all markedsføring til deg (personvernforordningen artikkel 21 nr. 2 og 3). Svar STOPP på WhatsApp.",
			"Right to object: you can object to direct marketing at any time, without giving a reason. "+
				"We then stop all marketing to you (GDPR Art. 21(2) and (3)). Reply STOP on WhatsApp."),
		tx("Du kan når som helst trekke tilbake samtykket. Det påvirker ikke behandlingen før du trakk det tilbake.",
			"You can withdraw your consent at any time. This does not affect the processing before you withdrew it."),
		tx("Rett til dataportabilitet: du kan få opplysningene du har gitt oss, i et maskinlesbart format (JSON og CSV), og ta dem med til en annen tjeneste.",
			"Right to data portability: you can get the data you gave us in a machine-readable format (JSON and CSV) and take it to another service."))

	// (f) Complaint.
	add(KeyComplaint, tx("Klage til Datatilsynet", "Complaint to Datatilsynet"),
		tx("Du har rett til å klage til Datatilsynet hvis du mener at vi behandler personopplysningene dine i strid med regelverket: "+
			"Datatilsynet, Postboks 458 Sentrum, 0105 Oslo, datatilsynet.no. Ta gjerne kontakt med oss først, så vi kan prøve å rette det opp.",
			"You have the right to complain to Datatilsynet, the Norwegian Data Protection Authority, if you believe we process your personal data "+
				"in breach of the law: Datatilsynet, Postboks 458 Sentrum, 0105 Oslo, Norway, datatilsynet.no. You are welcome to contact us first, "+
				"so that we can try to put it right."))

	// (g) Source.
	items = []consent.Text{tx("Mobilnummeret ditt og samtykkene dine har vi fra deg selv.", "We have your mobile number and your consents from you.")}
	for _, m := range methods {
		if t, ok := sources[m]; ok {
			if !containsText(items, t) {
				items = append(items, t)
			}
		}
	}
	if messages {
		items = append(items, tx("Om meldingene kom frem og ble lest, får vi vite fra WhatsApp (Meta).",
			"Whether the messages were delivered and read, WhatsApp (Meta) tells us."))
	}
	add(KeySource, tx("Hvor opplysningene kommer fra", "Where the data comes from"),
		tx("Slik fikk vi opplysningene om deg:", "This is how we got the data about you:"), items...)

	// (h) Automated decisions.
	add(KeyAutomated, tx("Automatiserte avgjørelser og profilering", "Automated decisions and profiling"),
		tx("Vi tar ingen avgjørelser om deg som bare bygger på automatisert behandling, og vi driver ikke profilering "+
			"(personvernforordningen artikkel 22). Før hver melding sjekker systemet automatisk at du har et gyldig samtykke til akkurat "+
			"det formålet; uten det sender vi ikke. Den sjekken avgjør bare om en markedsføringsmelding kan sendes, og har ingen rettsvirkning for deg.",
			"We make no decisions about you based solely on automated processing, and we do no profiling (GDPR Art. 22). "+
				"Before each message the system checks automatically that you have a valid consent for exactly that purpose; without it, "+
				"nothing is sent. That check only decides whether a marketing message may be sent, and has no legal effect on you."))
	return out
}

// whatsappWords says which words make a request on WhatsApp: for access,
// rectification and erasure, the usual word of each language when it is
// configured, else the first configured; empty when none is.
func whatsappWords(w rights.Words) consent.Text {
	if w == nil {
		w = rights.DefaultWords()
	}
	pick := func(t rights.Type, preferred string) string {
		if w[preferred] == t {
			return preferred
		}
		var all []string
		for word, wt := range w {
			if wt == t {
				all = append(all, word)
			}
		}
		slices.Sort(all)
		if len(all) == 0 {
			return ""
		}
		return all[0]
	}
	list := func(words []string, and string) string {
		var ws []string
		for _, x := range words {
			if x != "" {
				ws = append(ws, x)
			}
		}
		switch len(ws) {
		case 0:
			return ""
		case 1:
			return ws[0]
		}
		return strings.Join(ws[:len(ws)-1], ", ") + " " + and + " " + ws[len(ws)-1]
	}
	nb := list([]string{pick(rights.Access, "INNSYN"), pick(rights.Rectification, "RETTING"), pick(rights.Erasure, "SLETT MEG")}, "eller")
	en := list([]string{pick(rights.Access, "ACCESS"), pick(rights.Rectification, "RECTIFY"), pick(rights.Erasure, "DELETE ME")}, "or")
	if nb == "" {
		return consent.Text{}
	}
	return tx("skriv "+nb+" til oss på WhatsApp", "write "+en+" to us on WhatsApp")
}

func containsText(ts []consent.Text, t consent.Text) bool {
	for _, x := range ts {
		if x == t {
			return true
		}
	}
	return false
}

// sources says, for each way a consent event was recorded, where its data came from.
var sources = func() map[string]consent.Text {
	web := tx("Fra deg, i påmeldingsskjemaet på nettsiden vår.", "From you, on the sign-up form on our website.")
	whatsapp := tx("Fra deg, i meldinger du har sendt oss på WhatsApp.", "From you, in messages you sent us on WhatsApp.")
	staff := tx("Fra deg, registrert av våre ansatte (i butikken, på papir, i brev eller på telefon).",
		"From you, recorded by our staff (in the shop, on paper, in a letter or on the phone).")
	return map[string]consent.Text{
		"web_form": web, "preference_centre": tx("Fra deg, på siden der du endrer valgene dine.", "From you, on the page where you change your choices."),
		"whatsapp": whatsapp, "keyword": whatsapp, "button": whatsapp, "whatsapp_link": whatsapp,
		"in_store": staff, "paper": staff, "letter": staff, "phone_call": staff, "staff": staff,
		"email": tx("Fra deg, i en e-post.", "From you, in an e-mail."),
		"sms":   tx("Fra deg, i en SMS.", "From you, in a text message."),
		"import": tx("Fra kunderegisteret vårt, der du er registrert som kunde.",
			"From our customer register, where you are recorded as a customer."),
		"api": tx("Fra våre egne systemer (for eksempel nettbutikken), som registrerte det du ga oss der.",
			"From our own systems (for example the web shop), which recorded what you gave us there."),
		"rights_request": tx("Fra deg, i en henvendelse om rettighetene dine.", "From you, in a request about your rights."),
		"expiry": tx("Fra samtykkesystemet selv, for eksempel når en påmelding eller et samtykke utløper.",
			"From the consent system itself, for example when a sign-up or a consent runs out."),
	}
}()
