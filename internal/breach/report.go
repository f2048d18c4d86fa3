// SPDX-License-Identifier: AGPL-3.0-only

package breach

import (
	"bytes"
	"strconv"
	"strings"
	"text/template"
	"time"
	_ "time/tzdata" // Oslo times, also where the system has no zone files

	"github.com/samtykke/samtykke/internal/controller"
)

// Report is the draft of the notification to Datatilsynet (Art. 33(3),
// B-02): the four items the article names, with the further fields
// Datatilsynet's form asks for (main cause, period, discovery, how it
// happened, the kinds of data and of people, where the data is now, whether
// people were told), filled from the incident and the configuration. Missing
// names what the form will ask for and the register does not hold yet: the
// information may follow in phases (Art. 33(4)).
type Report struct {
	BreachID    string    `json:"breach_id"`
	Title       string    `json:"title"`
	GeneratedAt time.Time `json:"generated_at"`
	State       State     `json:"state"`
	Controller  Party     `json:"controller"`
	// Nature is Art. 33(3)(a).
	Nature Nature `json:"nature"`
	// ContactPoint is Art. 33(3)(b): the DPO, or another contact point.
	ContactPoint ContactPoint `json:"contact_point"`
	// Consequences is Art. 33(3)(c).
	Consequences string `json:"likely_consequences,omitempty"`
	// Measures is Art. 33(3)(d).
	Measures     Measures   `json:"measures"`
	Risk         RiskPart   `json:"risk"`
	Notification Notified   `json:"notification"`
	People       PeopleTold `json:"people"`
	Missing      []string   `json:"missing"`
}

// Party is the controller as the form names it.
type Party struct {
	Name      string `json:"name"`
	OrgNumber string `json:"org_number,omitempty"`
	Address   string `json:"address,omitempty"`
	Email     string `json:"email,omitempty"`
	Phone     string `json:"phone,omitempty"`
	URL       string `json:"url,omitempty"`
}

// Nature is what happened (Art. 33(3)(a)).
type Nature struct {
	Description      string     `json:"description,omitempty"`
	Cause            string     `json:"cause,omitempty"`
	Source           string     `json:"source,omitempty"`
	Categories       []Category `json:"categories"`
	OccurredFrom     time.Time  `json:"occurred_from,omitzero"`
	OccurredUntil    time.Time  `json:"occurred_until,omitzero"`
	DiscoveredAt     time.Time  `json:"discovered_at,omitzero"`
	AwareAt          time.Time  `json:"aware_at"`
	DataCategories   []string   `json:"data_categories"`
	PeopleCategories []string   `json:"people_categories"`
	PeopleApprox     int64      `json:"people_approx,omitempty"`
	RecordsApprox    int64      `json:"records_approx,omitempty"`
	DataLocation     string     `json:"data_location,omitempty"`
}

// ContactPoint is who Datatilsynet and the people can ask (Art. 33(3)(b)).
type ContactPoint struct {
	Name    string `json:"name,omitempty"`
	Email   string `json:"email,omitempty"`
	Phone   string `json:"phone,omitempty"`
	Details string `json:"details,omitempty"` // the incident's own contact point, when set
}

// Measures are those taken and proposed (Art. 33(3)(d)).
type Measures struct {
	Taken    string `json:"taken,omitempty"`
	Proposed string `json:"proposed,omitempty"`
}

// RiskPart is the assessment.
type RiskPart struct {
	Level      Risk   `json:"level"`
	Assessment string `json:"assessment,omitempty"`
	MustNotify bool   `json:"must_notify"`
}

// Notified is where the 72-hour clock stands (Art. 33(1)).
type Notified struct {
	DeadlineAt  time.Time `json:"deadline_at"`
	NotifiedAt  time.Time `json:"notified_at,omitzero"`
	Reference   string    `json:"reference,omitempty"`
	Late        bool      `json:"late"`
	Overdue     bool      `json:"overdue"`
	DelayReason string    `json:"delay_reason,omitempty"`
}

// PeopleTold is whether the people are told (Art. 34) and how many were.
type PeopleTold struct {
	MustBeTold bool      `json:"must_be_told"`
	Exemption  Exemption `json:"exemption,omitempty"`
	// Told counts the people a WhatsApp message was queued for; Delivered
	// those whose message arrived (delivered or read) and Failed those whose
	// did not; NotReachable those who could not be told this way
	// (suppressed or erased).
	Told         int64 `json:"told"`
	Delivered    int64 `json:"delivered"`
	Failed       int64 `json:"failed"`
	NotReachable int64 `json:"not_reachable"`
}

// NewReport drafts the notification of an incident at now.
func NewReport(i Incident, c controller.Controller, notices []NoticeCount, now time.Time) Report {
	r := Report{BreachID: i.ID, Title: i.Title, GeneratedAt: now.UTC(), State: i.State,
		Controller: Party{Name: c.Name, OrgNumber: c.OrgNumber, Address: c.Address, Email: c.Email, Phone: c.Phone, URL: c.URL},
		Nature: Nature{Description: i.Description, Cause: i.Cause, Source: i.Source, Categories: orEmpty(i.Categories),
			OccurredFrom: i.OccurredAt, OccurredUntil: i.OccurredUntil, DiscoveredAt: i.DiscoveredAt, AwareAt: i.AwareAt,
			DataCategories: orEmpty(i.DataCategories), PeopleCategories: orEmpty(i.PeopleCategories),
			PeopleApprox: i.PeopleApprox, RecordsApprox: i.RecordsApprox, DataLocation: i.DataLocation},
		ContactPoint: ContactPoint{Name: c.DPO.Name, Email: c.DPO.Email, Phone: c.DPO.Phone, Details: i.ContactPoint},
		Consequences: i.Consequences,
		Measures:     Measures{Taken: i.MeasuresTaken, Proposed: i.MeasuresProposed},
		Risk:         RiskPart{Level: i.Risk, Assessment: i.RiskReason, MustNotify: i.MustNotify()},
		Notification: Notified{DeadlineAt: i.DeadlineAt(), NotifiedAt: i.NotifiedAt, Reference: i.Reference,
			Late: i.Late(), Overdue: i.Overdue(now), DelayReason: i.DelayReason},
		People: PeopleTold{MustBeTold: i.MustTell(), Exemption: i.Exemption},
	}
	for _, n := range notices {
		switch {
		case n.Outcome != Queued:
			r.People.NotReachable += n.N
		default:
			r.People.Told += n.N
			switch n.Status {
			case "delivered", "read":
				r.People.Delivered += n.N
			case "failed", "skipped":
				r.People.Failed += n.N
			}
		}
	}
	r.Missing = missing(i, c, now)
	return r
}

func orEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// missing names, by the report's JSON fields, what the form asks for and
// the register does not hold yet.
func missing(i Incident, c controller.Controller, now time.Time) []string {
	out := []string{}
	add := func(cond bool, name string) {
		if cond {
			out = append(out, name)
		}
	}
	add(c.OrgNumber == "", "controller.org_number")
	add(strings.TrimSpace(i.Description) == "", "nature.description")
	add(strings.TrimSpace(i.Cause) == "", "nature.cause")
	add(len(i.Categories) == 0, "nature.categories")
	add(i.OccurredAt.IsZero(), "nature.occurred_from")
	add(len(i.DataCategories) == 0, "nature.data_categories")
	add(len(i.PeopleCategories) == 0, "nature.people_categories")
	add(i.PeopleApprox == 0, "nature.people_approx")
	add(i.RecordsApprox == 0, "nature.records_approx")
	add(strings.TrimSpace(i.DataLocation) == "", "nature.data_location")
	add(c.DPO.Empty() && strings.TrimSpace(i.ContactPoint) == "", "contact_point")
	add(strings.TrimSpace(i.Consequences) == "", "likely_consequences")
	add(strings.TrimSpace(i.MeasuresTaken) == "" && strings.TrimSpace(i.MeasuresProposed) == "", "measures")
	add(i.Risk == RiskUnassessed, "risk.level")
	add(strings.TrimSpace(i.RiskReason) == "", "risk.assessment")
	late := i.Late() || (!i.Notified() && now.After(i.DeadlineAt()))
	add(i.MustNotify() && late && strings.TrimSpace(i.DelayReason) == "", "notification.delay_reason")
	return out
}

// Oslo is the time zone the report's times are shown in.
var Oslo = func() *time.Location {
	l, err := time.LoadLocation("Europe/Oslo")
	if err != nil {
		panic("breach: " + err.Error())
	}
	return l
}()

// labels are the report's words in each language; bokmål follows the
// glossary (brudd på personopplysningssikkerheten, behandlingsansvarlig,
// personvernombud).
var labels = map[string]map[string]string{
	"nb": {
		"heading":          "Utkast: melding om brudd på personopplysningssikkerheten (personvernforordningen art. 33)",
		"intro":            "Utkast til Datatilsynets meldeskjema for avvik (Altinn), laget av samtykke fra avviksregisteret. Det er ikke sendt. Opplysninger som mangler, kan ettersendes (art. 33 nr. 4).",
		"breach":           "Avvik",
		"made":             "Laget",
		"state":            "Status i registeret",
		"deadline":         "Frist (72 timer fra kjennskap)",
		"notified":         "Meldt til Datatilsynet",
		"notnotified":      "ikke meldt",
		"late":             "etter fristen",
		"overdue":          "FRISTEN ER PASSERT",
		"reference":        "Referanse",
		"delay":            "Grunn til forsinkelsen (art. 33 nr. 1)",
		"controller":       "Behandlingsansvarlig",
		"orgnr":            "Organisasjonsnummer",
		"address":          "Adresse",
		"email":            "E-post",
		"phone":            "Telefon",
		"web":              "Nettsted",
		"a":                "a) Bruddets art",
		"what":             "Hva skjedde, og hvordan",
		"cause":            "Hovedårsak",
		"source":           "Oppdaget eller meldt av",
		"categories":       "Type brudd",
		"period":           "Tidsrom",
		"from":             "fra",
		"until":            "til",
		"discovered":       "Oppdaget",
		"aware":            "Behandlingsansvarlig fikk kjennskap",
		"datacats":         "Typer personopplysninger",
		"peoplecats":       "Hvem de registrerte er",
		"people":           "Omtrent hvor mange registrerte",
		"records":          "Omtrent hvor mange registreringer",
		"location":         "Hvor opplysningene er nå",
		"b":                "b) Kontaktpunkt (personvernombud)",
		"details":          "For dette avviket",
		"c":                "c) Sannsynlige konsekvenser",
		"d":                "d) Tiltak som er truffet eller foreslått",
		"taken":            "Truffet",
		"proposed":         "Foreslått, også for å redusere mulige skadevirkninger",
		"risk":             "Risikovurdering",
		"level":            "Risiko for de registrertes rettigheter og friheter",
		"mustnotify":       "Skal meldes til Datatilsynet",
		"tell":             "Underretning av de registrerte (art. 34)",
		"mustbetold":       "De registrerte skal underrettes",
		"exemption":        "Unntak (art. 34 nr. 3)",
		"told":             "Underrettet på WhatsApp",
		"delivered":        "levert",
		"failed":           "ikke levert",
		"unreachable":      "Kunne ikke underrettes på denne måten (reservert eller slettet)",
		"missing":          "Dette mangler ennå",
		"none":             "—",
		"yes":              "ja",
		"no":               "nei",
		"unknown":          "ikke kjent ennå",
		"confidentiality":  "brudd på konfidensialitet (uvedkommende fikk se eller tok opplysningene)",
		"integrity":        "brudd på integritet (opplysningene ble endret)",
		"availability":     "brudd på tilgjengelighet (opplysningene gikk tapt eller var utilgjengelige)",
		"unassessed":       "ikke vurdert ennå",
		"risk_none":        "lite sannsynlig at bruddet medfører en risiko",
		"risk_risk":        "risiko",
		"risk_high":        "høy risiko",
		"unintelligible":   "opplysningene var uleselige for uvedkommende (f.eks. kryptert)",
		"risk_removed":     "senere tiltak gjør at den høye risikoen ikke lenger er sannsynlig",
		"disproportionate": "uforholdsmessig krevende; offentlig kunngjøring i stedet",
		"open":             "åpent",
		"closed":           "lukket",
	},
	"en": {
		"heading":          "Draft: notification of a personal data breach (GDPR Art. 33)",
		"intro":            "A draft for Datatilsynet's breach notification form (Altinn), made by samtykke from the breach register. It has not been sent. What is missing may follow in phases (Art. 33(4)).",
		"breach":           "Breach",
		"made":             "Made",
		"state":            "State in the register",
		"deadline":         "Deadline (72 hours from awareness)",
		"notified":         "Notified to Datatilsynet",
		"notnotified":      "not notified",
		"late":             "after the deadline",
		"overdue":          "THE DEADLINE HAS PASSED",
		"reference":        "Reference",
		"delay":            "Reasons for the delay (Art. 33(1))",
		"controller":       "Controller",
		"orgnr":            "Organisation number",
		"address":          "Address",
		"email":            "E-mail",
		"phone":            "Phone",
		"web":              "Website",
		"a":                "(a) Nature of the breach",
		"what":             "What happened, and how",
		"cause":            "Main cause",
		"source":           "Found or reported by",
		"categories":       "Kind of breach",
		"period":           "Period",
		"from":             "from",
		"until":            "until",
		"discovered":       "Discovered",
		"aware":            "The controller became aware",
		"datacats":         "Kinds of personal data",
		"peoplecats":       "Who the people are",
		"people":           "Approximate number of people",
		"records":          "Approximate number of records",
		"location":         "Where the data is now",
		"b":                "(b) Contact point (data protection officer)",
		"details":          "For this breach",
		"c":                "(c) Likely consequences",
		"d":                "(d) Measures taken or proposed",
		"taken":            "Taken",
		"proposed":         "Proposed, also to mitigate possible adverse effects",
		"risk":             "Risk assessment",
		"level":            "Risk to people's rights and freedoms",
		"mustnotify":       "Must be notified to Datatilsynet",
		"tell":             "Telling the people (Art. 34)",
		"mustbetold":       "The people must be told",
		"exemption":        "Exemption (Art. 34(3))",
		"told":             "Told on WhatsApp",
		"delivered":        "delivered",
		"failed":           "not delivered",
		"unreachable":      "Could not be told this way (suppressed or erased)",
		"missing":          "Still missing",
		"none":             "—",
		"yes":              "yes",
		"no":               "no",
		"unknown":          "not known yet",
		"confidentiality":  "confidentiality (seen or taken by someone not allowed to)",
		"integrity":        "integrity (the data was changed)",
		"availability":     "availability (the data was lost or out of reach)",
		"unassessed":       "not assessed yet",
		"risk_none":        "unlikely to result in a risk",
		"risk_risk":        "a risk",
		"risk_high":        "a high risk",
		"unintelligible":   "the data was unintelligible to anyone not allowed to see it (e.g. encrypted)",
		"risk_removed":     "later measures make the high risk no longer likely",
		"disproportionate": "disproportionate effort; a public communication instead",
		"open":             "open",
		"closed":           "closed",
	},
}

const markdown = `# {{l "heading"}}

{{l "intro"}}

- {{l "breach"}}: {{.BreachID}} — {{text .Title}}
- {{l "made"}}: {{when .GeneratedAt}}
- {{l "state"}}: {{l (print .State)}}
- {{l "deadline"}}: {{when .Notification.DeadlineAt}}{{if .Notification.Overdue}} — **{{l "overdue"}}**{{end}}
- {{l "notified"}}: {{if .Notification.NotifiedAt.IsZero}}{{l "notnotified"}}{{else}}{{when .Notification.NotifiedAt}}{{if .Notification.Late}} ({{l "late"}}){{end}}{{end}}
{{- with .Notification.Reference}}
- {{l "reference"}}: {{text .}}{{end}}
{{- with .Notification.DelayReason}}
- {{l "delay"}}: {{text .}}{{end}}

## {{l "controller"}}

- {{text .Controller.Name}}
{{- with .Controller.OrgNumber}}
- {{l "orgnr"}}: {{.}}{{end}}
{{- with .Controller.Address}}
- {{l "address"}}: {{text .}}{{end}}
{{- with .Controller.Email}}
- {{l "email"}}: {{text .}}{{end}}
{{- with .Controller.Phone}}
- {{l "phone"}}: {{text .}}{{end}}
{{- with .Controller.URL}}
- {{l "web"}}: {{text .}}{{end}}

## {{l "a"}}

**{{l "what"}}:** {{or (text .Nature.Description) (l "unknown")}}

- {{l "cause"}}: {{or (text .Nature.Cause) (l "unknown")}}
{{- with .Nature.Source}}
- {{l "source"}}: {{text .}}{{end}}
- {{l "categories"}}: {{range $i, $c := .Nature.Categories}}{{if $i}}; {{end}}{{l (print $c)}}{{else}}{{l "unknown"}}{{end}}
- {{l "period"}}: {{if .Nature.OccurredFrom.IsZero}}{{l "unknown"}}{{else}}{{l "from"}} {{when .Nature.OccurredFrom}}{{end}}{{if not .Nature.OccurredUntil.IsZero}} {{l "until"}} {{when .Nature.OccurredUntil}}{{end}}
{{- if not .Nature.DiscoveredAt.IsZero}}
- {{l "discovered"}}: {{when .Nature.DiscoveredAt}}{{end}}
- {{l "aware"}}: {{when .Nature.AwareAt}}
- {{l "datacats"}}: {{list .Nature.DataCategories}}
- {{l "peoplecats"}}: {{list .Nature.PeopleCategories}}
- {{l "people"}}: {{count .Nature.PeopleApprox}}
- {{l "records"}}: {{count .Nature.RecordsApprox}}
- {{l "location"}}: {{or (text .Nature.DataLocation) (l "unknown")}}

## {{l "b"}}

{{with .ContactPoint.Name}}- {{text .}}
{{end}}{{with .ContactPoint.Email}}- {{l "email"}}: {{text .}}
{{end}}{{with .ContactPoint.Phone}}- {{l "phone"}}: {{text .}}
{{end}}{{with .ContactPoint.Details}}- {{l "details"}}: {{text .}}
{{end}}{{if and (not .ContactPoint.Name) (not .ContactPoint.Email) (not .ContactPoint.Phone) (not .ContactPoint.Details)}}{{l "unknown"}}
{{end}}
## {{l "c"}}

{{or (text .Consequences) (l "unknown")}}

## {{l "d"}}

- {{l "taken"}}: {{or (text .Measures.Taken) (l "none")}}
- {{l "proposed"}}: {{or (text .Measures.Proposed) (l "none")}}

## {{l "risk"}}

- {{l "level"}}: {{risk .Risk.Level}}{{with .Risk.Assessment}} — {{text .}}{{end}}
- {{l "mustnotify"}}: {{yes .Risk.MustNotify}}

## {{l "tell"}}

- {{l "mustbetold"}}: {{yes .People.MustBeTold}}
{{- with .People.Exemption}}
- {{l "exemption"}}: {{l (print .)}}{{end}}
- {{l "told"}}: {{.People.Told}} ({{l "delivered"}} {{.People.Delivered}}, {{l "failed"}} {{.People.Failed}})
- {{l "unreachable"}}: {{.People.NotReachable}}
{{- if .Missing}}

## {{l "missing"}}
{{range .Missing}}
- {{.}}{{end}}
{{- end}}
`

// Markdown renders the report in a language (nb, or en).
func (r Report) Markdown(lang string) ([]byte, error) {
	words := labels["nb"]
	if lang == "en" {
		words = labels["en"]
	}
	l := func(key string) string {
		if s, ok := words[key]; ok {
			return s
		}
		return key
	}
	layout := "02.01.2006 kl. 15:04 MST"
	if lang == "en" {
		layout = "2006-01-02 15:04 MST"
	}
	funcs := template.FuncMap{
		"l":    l,
		"text": mdText,
		"when": func(t time.Time) string { return t.In(Oslo).Format(layout) },
		"list": func(items []string) string {
			if len(items) == 0 {
				return l("unknown")
			}
			out := make([]string, len(items))
			for i, it := range items {
				out[i] = mdText(it)
			}
			return strings.Join(out, "; ")
		},
		"count": func(n int64) string {
			if n == 0 {
				return l("unknown")
			}
			return "ca. " + thousands(n, lang)
		},
		"risk": func(r Risk) string {
			if r == RiskUnassessed {
				return l("unassessed")
			}
			return l("risk_" + string(r))
		},
		"yes": func(b bool) string {
			if b {
				return l("yes")
			}
			return l("no")
		},
	}
	t, err := template.New("report").Funcs(funcs).Parse(markdown)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if err := t.Execute(&b, r); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// mdText makes free text safe inside a Markdown line: one line, with the
// characters that would start markup escaped.
func mdText(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	return strings.NewReplacer(`\`, `\\`, "*", `\*`, "_", `\_`, "`", "\\`", "#", `\#`, "<", `\<`, "[", `\[`, "|", `\|`).Replace(s)
}

// thousands writes n with thousands grouped: 12 345 in bokmål, 12,345 in English.
func thousands(n int64, lang string) string {
	sep := "\u00a0"
	if lang == "en" {
		sep = ","
	}
	digits := strconv.FormatInt(n, 10)
	var b strings.Builder
	for i, c := range digits {
		if i > 0 && (len(digits)-i)%3 == 0 {
			b.WriteString(sep)
		}
		b.WriteRune(c)
	}
	return b.String()
}
