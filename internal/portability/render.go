// SPDX-License-Identifier: AGPL-3.0-only

package portability

import (
	"crypto/sha256"
	_ "embed"
	"encoding/base64"
	"encoding/csv"
	"encoding/json"
	"html/template"
	"io"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // the page shows Norwegian time on machines without zoneinfo

	"github.com/samtykke/samtykke/internal/consent"
	"github.com/samtykke/samtykke/internal/ledger"
	"github.com/samtykke/samtykke/internal/schemas"
	"github.com/samtykke/samtykke/internal/style"
)

// Schema is the JSON Schema (draft 2020-12) every package's JSON validates
// against, published at SchemaPath.
var Schema = schemas.SubjectPackage

// WriteJSON writes the package as indented JSON.
func WriteJSON(w io.Writer, p Package) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(p)
}

// CSVHeader are the columns of WriteCSV: the event, then its evidence.
var CSVHeader = []string{"event_id", "seq", "at", "kind", "purpose", "channel", "method", "source", "actor", "valid_until",
	"age_confirmed", "notice_id", "notice_version", "notice_hash", "wording_hash", "language", "flow_version", "affirmative_act",
	"min_age", "ip", "user_agent", "collected_at", "confirmation_channel", "confirmation_message_id", "confirmation",
	"order_ref", "product_category", "opt_out_offered_at", "reason", "extra", "evidence_digest", "prev_hash", "hash"}

// WriteCSV writes the package's consent events as CSV, one event a
// row under CSVHeader; extra evidence is one JSON object. A cell that a
// spreadsheet would take for a formula (=, +, -, @ first) is prefixed with
// an apostrophe.
func WriteCSV(w io.Writer, p Package) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(CSVHeader); err != nil {
		return err
	}
	for _, e := range p.ConsentEvents {
		ev := e.Evidence
		extra := ""
		if len(ev.Extra) > 0 {
			b, err := json.Marshal(ev.Extra)
			if err != nil {
				return err
			}
			extra = string(b)
		}
		row := []string{e.ID, strconv.FormatInt(e.Seq, 10), rfc3339(e.At), e.Kind, e.Purpose, e.Channel, e.Method, e.Source, e.Actor,
			rfc3339(e.ValidUntil), strconv.FormatBool(e.AgeConfirmed), e.NoticeID, itoa(ev.NoticeVersion), ev.NoticeHash,
			ev.WordingHash, ev.Language, ev.FlowVersion, ev.AffirmativeAct, itoa(ev.MinAge), ev.IP, ev.UserAgent, ev.CollectedAt,
			ev.ConfirmationChannel, ev.ConfirmationMessageID, ev.Confirmation, ev.OrderRef, ev.ProductCategory, ev.OptOutOfferedAt,
			ev.Reason, extra, e.EvidenceDigest, e.PrevHash, e.Hash}
		if err := cw.Write(defused(row)); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// RepliesCSVHeader are the columns of WriteRepliesCSV.
var RepliesCSVHeader = []string{"reply_id", "at", "class", "text"}

// WriteRepliesCSV writes the messages the person sent as CSV, one a
// row under RepliesCSVHeader, oldest first; cells are defused as in
// WriteCSV (the text is the person's own, and may start with =).
func WriteRepliesCSV(w io.Writer, p Package) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(RepliesCSVHeader); err != nil {
		return err
	}
	for _, r := range p.Replies {
		if err := cw.Write(defused([]string{r.ID, rfc3339(r.At), r.Class, r.Text})); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// defused prefixes with an apostrophe each cell that a spreadsheet would
// take for a formula (=, +, -, @ first).
func defused(row []string) []string {
	for i, cell := range row {
		if cell != "" && strings.ContainsRune("=+-@", rune(cell[0])) {
			row[i] = "'" + cell
		}
	}
	return row
}

func rfc3339(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

func itoa(n int) string {
	if n == 0 {
		return ""
	}
	return strconv.Itoa(n)
}

// sharedCSS is the public pages' stylesheet.
var sharedCSS = style.CSS

// pageCSS is what the package's page adds to the public pages' stylesheet.
const pageCSS = `
.cards { list-style: none; padding: 0; }
.cards > li { border: 1px solid var(--line); border-radius: .5rem; padding: .25rem 1rem 1rem; margin: 1rem 0; }
h3 { font-size: 1.1rem; }
h4 { font-size: 1rem; margin-bottom: .25rem; }
.rows { display: grid; grid-template-columns: minmax(8rem, max-content) 1fr; gap: .2rem 1rem; margin: 0; font-size: 1rem; }
.rows dt { color: var(--muted); }
.rows dd { margin: 0; overflow-wrap: anywhere; }
.notice-copy { border-top: 1px solid var(--line); margin-top: 1.5rem; }
@media print { .skip, nav { display: none; } a { color: inherit; } }
`

// css is the page's stylesheet: the public pages' look, inline, so the page
// reads the same saved to a file as served.
var css = sharedCSS + pageCSS

// ContentSecurityPolicy is the policy to serve the page with: it runs no
// script and loads nothing, and its inline stylesheet is allowed by hash.
var ContentSecurityPolicy = func() string {
	sum := sha256.Sum256([]byte(css))
	return "default-src 'none'; style-src 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'; " +
		"base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
}()

//go:embed page.html
var pageHTML string

var pageTemplate = template.Must(template.New("page").Parse(pageHTML))

// WriteHTML writes the package as a page in lang ("nb" or "en"; anything
// else is bokmål): every heading of Art. 15(1) and every part of the data,
// self-contained (its stylesheet inline, no script).
func WriteHTML(w io.Writer, p Package, lang string) error {
	if lang != "en" {
		lang = "nb"
	}
	return pageTemplate.Execute(w, newView(p, lang))
}

// view is the page's data, every text already in the page's language.
type view struct {
	Lang, Business, Intro, Generated, Footer string
	CSS                                      template.CSS
	Controller, Contact                      []row
	Consents                                 []card
	Statements                               []statementView
	Restrictions, Events, Messages, Replies  []card
	Answers                                  []card
	Requests, Accesses                       []card
	Notices                                  []noticeView
	lang                                     string
}

// T is a label of the page in its language.
func (v view) T(key string) string { return label(v.lang, key) }

// cardSection is a section of the page listing cards under a heading and
// a help text: the messages to the person, theirs, and the answers to them.
type cardSection struct {
	ID, Title, Help, None string
	Cards                 []card
}

// Section is the section id (messages, replies or answers) of the page.
func (v view) Section(id string) cardSection {
	cards := map[string][]card{"messages": v.Messages, "replies": v.Replies, "answers": v.Answers}[id]
	return cardSection{ID: id, Title: v.T(id), Help: v.T(id + "_help"), None: v.T("none"), Cards: cards}
}

type row struct {
	Label, Value, Href string
	Code               bool
}

type card struct {
	Anchor, Heading string
	Rows            []row
}

type statementView struct {
	ID, Heading, Article, Text string
	Items                      []string
}

type noticeView struct {
	Anchor, Heading, Meta, Hash, Summary string
	Sections                             []struct{ Title, Body string }
}

var oslo = func() *time.Location {
	loc, err := time.LoadLocation("Europe/Oslo")
	if err != nil {
		panic("portability: " + err.Error())
	}
	return loc
}()

// when is a time in Norwegian time, written the way lang writes it.
func when(t time.Time, lang string) string {
	if t.IsZero() {
		return ""
	}
	t = t.In(oslo)
	if lang == "en" {
		return t.Format("2 Jan 2006, 15:04")
	}
	return t.Format("02.01.2006 kl. 15.04")
}

func newView(p Package, lang string) view {
	in := func(t consent.Text) string { return t.In(lang) }
	l := func(key string) string { return label(lang, key) }
	v := view{Lang: lang, lang: lang, Business: p.Controller.Name, CSS: template.CSS(css)}
	v.Intro = strings.ReplaceAll(l("intro"), "{business}", p.Controller.Name)
	v.Generated = strings.ReplaceAll(l("generated"), "{date}", when(p.GeneratedAt, lang))
	v.Footer = strings.ReplaceAll(l("footer"), "{business}", p.Controller.Name)

	purposes := map[string]string{}
	for _, pp := range p.Purposes {
		purposes[pp.Key] = in(pp.Description)
	}
	purposeName := func(key string) string {
		if d, ok := purposes[key]; ok {
			return d
		}
		return key
	}
	yes := func(b bool) string {
		if b {
			return l("yes")
		}
		return l("no")
	}

	ctl := p.Controller
	v.Controller = []row{{Label: l("ctl.name"), Value: ctl.Name}}
	for _, r := range []row{{Label: l("ctl.org_number"), Value: ctl.OrgNumber}, {Label: l("ctl.address"), Value: ctl.Address},
		{Label: l("ctl.email"), Value: ctl.Email, Href: mailto(ctl.Email)}, {Label: l("ctl.phone"), Value: ctl.Phone},
		{Label: l("ctl.url"), Value: ctl.URL, Href: ctl.URL}} {
		if r.Value != "" {
			v.Controller = append(v.Controller, r)
		}
	}
	if d := ctl.DPO; d != nil {
		var parts []string
		for _, x := range []string{d.Name, d.Email, d.Phone} {
			if x != "" {
				parts = append(parts, x)
			}
		}
		if len(parts) > 0 {
			v.Controller = append(v.Controller, row{Label: l("ctl.dpo"), Value: strings.Join(parts, ", ")})
		}
	}

	c := p.Contact
	v.Contact = []row{{Label: l("phone"), Value: c.Phone}, {Label: l("language"), Value: l("lang." + c.Language)}}
	keys := make([]string, 0, len(c.Fields))
	for k := range c.Fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v.Contact = append(v.Contact, row{Label: labelOr(lang, "field."+k, k), Value: c.Fields[k]})
	}
	tags := l("none")
	if len(c.Tags) > 0 {
		tags = strings.Join(c.Tags, ", ")
	}
	v.Contact = append(v.Contact, row{Label: l("tags"), Value: tags}, row{Label: l("created"), Value: when(c.CreatedAt, lang)},
		row{Label: l("restricted"), Value: yes(c.Restricted)}, row{Label: l("undeliverable"), Value: strconv.Itoa(c.UndeliverableFailures)})
	suppressed := l("no")
	if !c.SuppressedSince.IsZero() {
		suppressed = strings.ReplaceAll(l("suppressed_since"), "{date}", when(c.SuppressedSince, lang))
	}
	v.Contact = append(v.Contact, row{Label: l("suppressed"), Value: suppressed}, row{Label: l("contact_id"), Value: c.ID, Code: true})

	for _, s := range p.Consents {
		rows := []row{{Label: l("status"), Value: labelOr(lang, "consent."+s.Status, s.Status)}, {Label: l("since"), Value: when(s.Since, lang)}}
		if !s.ValidUntil.IsZero() {
			rows = append(rows, row{Label: l("valid_until"), Value: when(s.ValidUntil, lang)})
		}
		if s.EventID != "" {
			rows = append(rows, row{Label: l("event"), Value: s.EventID, Href: "#event-" + s.EventID})
		}
		v.Consents = append(v.Consents, card{Heading: purposeName(s.Purpose), Rows: rows})
	}

	for _, r := range p.Restrictions {
		what := l("restriction.lifted")
		if r.Restricted {
			what = l("restriction.set")
		}
		v.Restrictions = append(v.Restrictions, card{Heading: when(r.At, lang) + ": " + what,
			Rows: []row{{Label: l("reason"), Value: r.Reason}, {Label: l("by"), Value: actorName(r.Actor, lang)}}})
	}

	for _, s := range p.Statements {
		sv := statementView{ID: "r01-" + strings.ReplaceAll(s.Key, "_", "-"), Heading: in(s.Heading),
			Article: l("article") + " " + article(s.Article, lang), Text: in(s.Text)}
		for _, it := range s.Items {
			sv.Items = append(sv.Items, in(it))
		}
		v.Statements = append(v.Statements, sv)
	}

	notices := map[string]Notice{}
	for _, n := range p.Notices {
		notices[n.ID] = n
	}
	for _, e := range p.ConsentEvents {
		heading := when(e.At, lang) + ": " + labelOr(lang, "kind."+e.Kind, e.Kind)
		if e.Purpose != "" {
			heading += " – " + purposeName(e.Purpose)
		}
		rows := []row{{Label: l("method"), Value: labelOr(lang, "method."+e.Method, e.Method)}}
		if e.Channel != "" {
			rows = append(rows, row{Label: l("channel"), Value: labelOr(lang, "channel."+e.Channel, e.Channel)})
		}
		if e.Source != "" {
			rows = append(rows, row{Label: l("source"), Value: labelOr(lang, "source."+e.Source, e.Source)})
		}
		rows = append(rows, row{Label: l("actor"), Value: actorName(e.Actor, lang)}, row{Label: l("age_confirmed"), Value: yes(e.AgeConfirmed)})
		if !e.ValidUntil.IsZero() {
			rows = append(rows, row{Label: l("valid_until"), Value: when(e.ValidUntil, lang)})
		}
		if n, ok := notices[e.NoticeID]; ok {
			rows = append(rows, row{Label: l("ev.notice"), Value: noticeName(n, lang), Href: "#notice-" + n.ID})
		}
		rows = append(rows, evidenceRows(e.Evidence, lang)...)
		rows = append(rows, row{Label: l("event"), Value: e.ID, Code: true}, row{Label: l("hash"), Value: e.Hash, Code: true})
		v.Events = append(v.Events, card{Anchor: "event-" + e.ID, Heading: heading, Rows: rows})
	}

	for _, n := range p.Notices {
		nv := noticeView{Anchor: "notice-" + n.ID, Heading: noticeName(n, lang), Hash: n.Hash, Summary: n.Summary,
			Meta: strings.ReplaceAll(l("published"), "{date}", when(n.PublishedAt, lang))}
		for _, s := range n.Sections {
			nv.Sections = append(nv.Sections, struct{ Title, Body string }{s.Title, s.Body})
		}
		v.Notices = append(v.Notices, nv)
	}

	for _, m := range p.Messages {
		heading := when(m.CreatedAt, lang) + ": " + labelOr(lang, "msg."+m.Kind, m.Kind)
		rows := []row{{Label: l("status"), Value: labelOr(lang, "status."+m.Status, m.Status)}}
		if m.Reason != "" {
			rows = append(rows, row{Label: l("reason"), Value: labelOr(lang, "reason."+m.Reason, m.Reason)})
		}
		if m.CampaignName != "" {
			rows = append(rows, row{Label: l("campaign"), Value: m.CampaignName})
		}
		if m.Purpose != "" {
			rows = append(rows, row{Label: l("purpose"), Value: purposeName(m.Purpose)})
		}
		rows = append(rows, row{Label: l("template"), Value: m.Template})
		if m.ConsentEventID != "" {
			rows = append(rows, row{Label: l("authorised_by"), Value: m.ConsentEventID, Href: "#event-" + m.ConsentEventID})
		}
		rows = append(rows, row{Label: l("updated"), Value: when(m.UpdatedAt, lang)}, row{Label: l("message_id"), Value: m.ID, Code: true})
		v.Messages = append(v.Messages, card{Heading: heading, Rows: rows})
	}

	for _, r := range p.Replies {
		v.Replies = append(v.Replies, card{Heading: when(r.At, lang), Rows: []row{{Label: l("reply.text"), Value: r.Text},
			{Label: l("reply.class"), Value: labelOr(lang, "class."+r.Class, r.Class)}, {Label: l("reply.id"), Value: r.ID, Code: true}}})
	}
	for _, x := range p.Answers {
		v.Answers = append(v.Answers, card{Heading: when(x.At, lang), Rows: []row{{Label: l("answer.text"), Value: x.Text},
			{Label: l("answer.reply"), Value: x.ReplyID, Code: true}, {Label: l("answer.id"), Value: x.ID, Code: true}}})
	}

	for _, r := range p.RightsRequests {
		how := labelOr(lang, "rchannel."+r.Channel, r.Channel)
		if r.Via != "" {
			how += " (" + labelOr(lang, "via."+r.Via, r.Via) + ")"
		}
		rows := []row{{Label: l("received"), Value: when(r.Received, lang)}, {Label: l("method"), Value: how},
			{Label: l("due"), Value: when(r.Due, lang)}}
		if !r.ExtendedUntil.IsZero() {
			rows = append(rows, row{Label: l("extended_until"), Value: when(r.ExtendedUntil, lang)})
		}
		if r.ExtensionReason != "" {
			rows = append(rows, row{Label: l("extension_reason"), Value: r.ExtensionReason})
		}
		rows = append(rows, row{Label: l("state"), Value: labelOr(lang, "rstate."+r.State, r.State)})
		if !r.Closed.IsZero() {
			rows = append(rows, row{Label: l("closed"), Value: when(r.Closed, lang)})
		}
		if r.Answer != "" {
			rows = append(rows, row{Label: l("answer"), Value: r.Answer})
		}
		v.Requests = append(v.Requests, card{Heading: labelOr(lang, "request."+r.Type, r.Type), Rows: append(rows,
			row{Label: l("request_id"), Value: r.ID, Code: true})})
	}

	for _, a := range p.Accesses {
		rows := []row{{Label: l("by"), Value: actorName(a.Actor, lang)}}
		if a.Reason != "" {
			rows = append(rows, row{Label: l("reason"), Value: a.Reason})
		}
		v.Accesses = append(v.Accesses, card{Heading: when(a.At, lang) + ": " + labelOr(lang, "access."+string(a.Action), string(a.Action)),
			Rows: rows})
	}
	return v
}

// actorName is who did something, in words where the page knows them.
func actorName(actor, lang string) string {
	if _, ok := labels["actor."+actor]; !ok && strings.HasPrefix(actor, "data-subject:") {
		actor = "data-subject"
	}
	return labelOr(lang, "actor."+actor, actor)
}

var (
	articleLetter = regexp.MustCompile(`(\d+)\((\d+)\)\(([a-z])\)`)
	articleNumber = regexp.MustCompile(`(\d+)\((\d+)\)`)
)

// article is an article reference as lang writes it: 15(1)(a) is "15 nr. 1
// bokstav a" in bokmål.
func article(ref, lang string) string {
	if lang == "en" {
		return ref
	}
	ref = articleLetter.ReplaceAllString(ref, "$1 nr. $2 bokstav $3")
	ref = articleNumber.ReplaceAllString(ref, "$1 nr. $2")
	return strings.ReplaceAll(ref, ", ", " og ")
}

// mailto links an e-mail address that looks like one.
func mailto(addr string) string {
	if addr == "" || strings.ContainsAny(addr, " <>\"") || !strings.Contains(addr, "@") {
		return ""
	}
	return "mailto:" + addr
}

func noticeName(n Notice, lang string) string {
	return strings.NewReplacer("{version}", strconv.Itoa(n.Version), "{language}", label(lang, "lang."+n.Language)).
		Replace(label(lang, "notice_name"))
}

// evidenceRows are the evidence's fields that are set, in words.
func evidenceRows(ev ledger.Evidence, lang string) []row {
	var rows []row
	add := func(key, value string) {
		if value != "" {
			rows = append(rows, row{Label: label(lang, "ev."+key), Value: value})
		}
	}
	add("affirmative_act", ev.AffirmativeAct)
	add("wording_hash", ev.WordingHash)
	if ev.Language != "" {
		add("language", labelOr(lang, "lang."+ev.Language, ev.Language))
	}
	add("flow_version", ev.FlowVersion)
	add("min_age", itoa(ev.MinAge))
	add("ip", ev.IP)
	add("user_agent", ev.UserAgent)
	add("collected_at", ev.CollectedAt)
	if ev.ConfirmationChannel != "" {
		add("confirmation_channel", labelOr(lang, "channel."+ev.ConfirmationChannel, ev.ConfirmationChannel))
	}
	add("confirmation_message_id", ev.ConfirmationMessageID)
	if ev.Confirmation != "" {
		add("confirmation", labelOr(lang, "confirmation."+ev.Confirmation, ev.Confirmation))
	}
	add("order_ref", ev.OrderRef)
	add("product_category", ev.ProductCategory)
	add("opt_out_offered_at", ev.OptOutOfferedAt)
	add("reason", ev.Reason)
	keys := make([]string, 0, len(ev.Extra))
	for k := range ev.Extra {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		rows = append(rows, row{Label: k, Value: ev.Extra[k]})
	}
	return rows
}

// label is a text of the page in lang; a missing label shows as its key,
// which the tests look for.
func label(lang, key string) string {
	t, ok := labels[key]
	if !ok {
		return key
	}
	return t.In(lang)
}

// labelOr is label with a fallback for values outside the known set.
func labelOr(lang, key, fallback string) string {
	if _, ok := labels[key]; !ok {
		return fallback
	}
	return label(lang, key)
}

var labels = map[string]consent.Text{
	"title":     tx("Opplysningene vi har om deg", "The data we hold about you"),
	"skip":      tx("Hopp til innholdet", "Skip to the content"),
	"intro":     tx("Dette er en kopi av alle personopplysningene {business} har om deg i samtykkesystemet, og svarene personvernforordningen artikkel 15 gir deg rett til. Du kan også få kopien som JSON, et maskinlesbart format du kan ta med til en annen tjeneste, og samtykkehistorikken som CSV.", "This is a copy of all the personal data {business} holds about you in its consent system, with the answers GDPR Article 15 entitles you to. You can also get the copy as JSON, a machine-readable format you can take to another service, and your consent history as CSV."),
	"generated": tx("Laget {date}.", "Made {date}."),
	"times":     tx("Alle tider er norsk tid.", "All times are Norwegian time."),
	"footer":    tx("Kopi fra {business}. Ta kontakt med oss hvis noe er feil eller mangler.", "A copy from {business}. Contact us if anything is wrong or missing."),
	"toc":       tx("Innhold", "Contents"),
	"contact":   tx("Kontaktopplysninger", "Contact data"),
	"consents":  tx("Samtykkene dine nå", "Your consents now"),
	"events":    tx("Samtykkehistorikken din", "Your consent history"),
	"events_help": tx("Hver hendelse er lenket til den før med en hash, så ingen kan endre historikken uten at det synes.",
		"Each event is linked to the one before by a hash, so that no one can change the history unnoticed."),
	"notices":  tx("Personvernerklæringene du ble vist", "The privacy notices you were shown"),
	"messages": tx("Meldinger til deg", "Messages to you"),
	"messages_help": tx("Vi lagrer ikke teksten i meldingene, bare hvilken mal som ble brukt og samtykket som tillot meldingen. Teksten i svarene våre på meldingene dine står lenger ned.",
		"We do not keep the text of the messages, only which template was used and the consent that allowed the message. The text of our answers to your messages is further down."),
	"replies": tx("Meldinger fra deg", "Messages from you"),
	"replies_help": tx("Meldingene du har sendt oss på WhatsApp, slik at vi kan svare deg, og hva vi leste i dem. De slettes når tiden for dem er ute.",
		"The messages you sent us on WhatsApp, kept so that we can answer you, and what we read in them. They are deleted when their time is up."),
	"answers": tx("Svarene våre til deg", "Our answers to you"),
	"answers_help": tx("Det de ansatte våre skrev tilbake til deg på WhatsApp, innen 24 timer etter meldingen din. Et svar er aldri markedsføring. Svarene slettes sammen med meldingene dine.",
		"What our staff wrote back to you on WhatsApp, within 24 hours of your message. An answer is never marketing. The answers are deleted with your messages."),
	"answer.text":  tx("Tekst", "Text"),
	"answer.reply": tx("Svar på melding", "Answer to message"),
	"answer.id":    tx("Svar-id", "Answer id"),
	"reply.text":   tx("Tekst", "Text"),
	"reply.class":  tx("Hva vi leste i den", "What we read in it"),
	"reply.id":     tx("Melding-id", "Message id"),
	"class.optout": tx("avmelding (STOPP)", "unsubscribe (STOPP)"),
	"class.optin":  tx("påmelding (JA)", "sign-up (JA)"),
	"class.rights": tx("henvendelse om rettighetene dine", "a request about your rights"),
	"class.none":   tx("en vanlig melding, for oss å svare på", "an ordinary message, for us to answer"),
	"requests":     tx("Henvendelsene dine om rettigheter", "Your rights requests"),
	"accesses":     tx("Hvem som har sett eller brukt opplysningene dine", "Who has seen or used your data"),
	"accesses_help": tx("Ansatte og systemer er oppgitt med en kode, ikke med navn. Vi kan finne ut hvem det var hvis du lurer på noe.",
		"Staff and systems are given by a code, not by name. We can find out who it was if you have a question."),
	"none":               tx("Ingen.", "None."),
	"yes":                tx("Ja", "Yes"),
	"no":                 tx("Nei", "No"),
	"phone":              tx("Mobilnummer", "Mobile number"),
	"language":           tx("Språk", "Language"),
	"lang.nb":            tx("bokmål", "Norwegian bokmål"),
	"lang.en":            tx("engelsk", "English"),
	"by":                 tx("Hvem", "Who"),
	"field.first_name":   tx("Fornavn", "First name"),
	"tags":               tx("Merker", "Labels"),
	"created":            tx("Registrert", "Recorded"),
	"restricted":         tx("Begrenset behandling", "Processing restricted"),
	"undeliverable":      tx("Meldinger som ikke kom frem på rad", "Undelivered messages in a row"),
	"suppressed":         tx("På reservasjonslisten", "On the suppression list"),
	"suppressed_since":   tx("Ja, siden {date}", "Yes, since {date}"),
	"contact_id":         tx("Id hos oss", "Our id for you"),
	"status":             tx("Status", "Status"),
	"since":              tx("Siden", "Since"),
	"valid_until":        tx("Gyldig til", "Valid until"),
	"event":              tx("Hendelse", "Event"),
	"article":            tx("Personvernforordningen artikkel", "GDPR Article"),
	"method":             tx("Hvordan", "How"),
	"channel":            tx("Kanal", "Channel"),
	"source":             tx("Kilde", "Source"),
	"actor":              tx("Registrert av", "Recorded by"),
	"age_confirmed":      tx("Alder bekreftet", "Age confirmed"),
	"hash":               tx("Hash", "Hash"),
	"published":          tx("Publisert {date}. Innholdets hash:", "Published {date}. Hash of its content:"),
	"notice_name":        tx("Personvernerklæring versjon {version} ({language})", "Privacy notice version {version} ({language})"),
	"reason":             tx("Årsak", "Reason"),
	"campaign":           tx("Kampanje", "Campaign"),
	"purpose":            tx("Formål", "Purpose"),
	"template":           tx("Mal", "Template"),
	"authorised_by":      tx("Tillatt av samtykket", "Allowed by the consent"),
	"updated":            tx("Sist endret", "Last changed"),
	"message_id":         tx("Melding-id", "Message id"),
	"received":           tx("Mottatt", "Received"),
	"due":                tx("Frist", "Due"),
	"extended_until":     tx("Fristen forlenget til", "Deadline extended to"),
	"state":              tx("Status", "State"),
	"closed":             tx("Avsluttet", "Closed"),
	"answer":             tx("Svar", "Answer"),
	"request_id":         tx("Sak", "Case"),
	"restrictions":       tx("Begrensning av behandlingen", "Restriction of processing"),
	"restriction.set":    tx("Behandlingen ble begrenset", "Processing was restricted"),
	"restriction.lifted": tx("Begrensningen ble opphevet", "The restriction was lifted"),
	"extension_reason":   tx("Hvorfor fristen ble forlenget", "Why the deadline was extended"),
	"controller":         tx("Hvem som er ansvarlig", "Who is responsible"),
	"ctl.name":           tx("Behandlingsansvarlig", "Controller"),
	"ctl.org_number":     tx("Organisasjonsnummer", "Organisation number"),
	"ctl.address":        tx("Adresse", "Address"),
	"ctl.email":          tx("E-post", "E-mail"),
	"ctl.phone":          tx("Telefon", "Phone"),
	"ctl.url":            tx("Nettside", "Website"),
	"ctl.dpo":            tx("Personvernombud", "Data protection officer"),

	"rchannel.web":      tx("siden for rettigheter på nettet", "the rights page on the web"),
	"rchannel.whatsapp": tx("melding på WhatsApp", "a message on WhatsApp"),
	"rchannel.staff":    tx("til våre ansatte", "to our staff"),
	"via.letter":        tx("brev", "letter"),
	"via.phone":         tx("telefon", "phone"),
	"via.email":         tx("e-post", "e-mail"),
	"via.in_person":     tx("personlig oppmøte", "in person"),
	"rstate.unverified": tx("venter på at du bekrefter at nummeret er ditt", "waiting for you to confirm the number is yours"),
	"rstate.open":       tx("under behandling", "being handled"),
	"rstate.done":       tx("besvart", "answered"),
	"rstate.refused":    tx("avslått", "refused"),

	"consent.none":      tx("Ikke spurt", "Never asked"),
	"consent.pending":   tx("Venter på bekreftelse", "Awaiting confirmation"),
	"consent.active":    tx("Aktivt", "Active"),
	"consent.withdrawn": tx("Trukket tilbake", "Withdrawn"),
	"consent.expired":   tx("Utløpt", "Expired"),
	"consent.erased":    tx("Slettet", "Erased"),

	"kind.requested":   tx("Påmelding registrert, venter på bekreftelse", "Sign-up recorded, awaiting confirmation"),
	"kind.confirmed":   tx("Samtykke gitt", "Consent given"),
	"kind.withdrawn":   tx("Samtykke trukket tilbake", "Consent withdrawn"),
	"kind.objected":    tx("Protest mot markedsføring", "Objection to marketing"),
	"kind.expired":     tx("Utløpt", "Expired"),
	"kind.refreshed":   tx("Samtykke fornyet", "Consent renewed"),
	"kind.soft_opt_in": tx("Eksisterende kundeforhold registrert", "Existing customer relationship recorded"),
	"kind.rectified":   tx("Opplysninger rettet", "Data corrected"),
	"kind.erased":      tx("Slettet", "Erased"),

	"method.web_form":          tx("påmeldingsskjemaet på nettsiden", "the sign-up form on the website"),
	"method.whatsapp":          tx("melding på WhatsApp", "a message on WhatsApp"),
	"method.keyword":           tx("kodeord på WhatsApp (for eksempel STOPP)", "a keyword on WhatsApp (for example STOPP)"),
	"method.button":            tx("knapp i WhatsApp", "a button in WhatsApp"),
	"method.preference_centre": tx("siden der du endrer valgene dine", "the page where you change your choices"),
	"method.in_store":          tx("i butikken", "in the shop"),
	"method.paper":             tx("papirskjema", "a paper form"),
	"method.letter":            tx("brev", "a letter"),
	"method.phone_call":        tx("telefonsamtale", "a phone call"),
	"method.email":             tx("e-post", "e-mail"),
	"method.sms":               tx("SMS", "SMS"),
	"method.import":            tx("import fra kunderegisteret", "import from the customer register"),
	"method.api":               tx("våre egne systemer", "our own systems"),
	"method.staff":             tx("av våre ansatte", "by our staff"),
	"method.expiry":            tx("utløp", "expiry"),
	"method.rights_request":    tx("henvendelse om rettighetene dine", "a request about your rights"),

	"channel.whatsapp":      tx("WhatsApp", "WhatsApp"),
	"channel.sms":           tx("SMS", "SMS"),
	"channel.email":         tx("e-post", "e-mail"),
	"channel.whatsapp_link": tx("lenke sendt til deg på WhatsApp", "a link sent to you on WhatsApp"),

	"source.double_optin":      tx("bekreftelsen fra deg", "your confirmation"),
	"source.optin_page":        tx("påmeldingssiden", "the sign-up page"),
	"source.api":               tx("våre systemer", "our systems"),
	"source.whatsapp":          tx("WhatsApp", "WhatsApp"),
	"source.rights":            tx("henvendelsen om rettighetene dine", "your request about your rights"),
	"source.number_change":     tx("bytte av nummer", "a change of number"),
	"source.system":            tx("samtykkesystemet", "the consent system"),
	"source.preference_centre": tx("siden der du endrer valgene dine", "the page where you change your choices"),

	"actor.data-subject":      tx("deg", "you"),
	"actor.data-subject:link": tx("deg, fra lenken til valgene dine", "you, from the link to your choices"),
	"actor.system":            tx("samtykkesystemet", "the consent system"),
	"actor.platform:whatsapp": tx("WhatsApp, som meldte at nummeret ble byttet", "WhatsApp, which reported that the number changed"),
	"actor.cli":               tx("en ansatt, på kommandolinjen", "a member of staff, on the command line"),

	"ev.notice":                  tx("Personvernerklæring", "Privacy notice"),
	"ev.affirmative_act":         tx("Det du gjorde", "What you did"),
	"ev.wording_hash":            tx("Hash av teksten du så", "Hash of the text you saw"),
	"ev.language":                tx("Språk", "Language"),
	"ev.flow_version":            tx("Versjon av skjemaet", "Version of the form"),
	"ev.min_age":                 tx("Aldersgrense", "Minimum age"),
	"ev.ip":                      tx("IP-adresse", "IP address"),
	"ev.user_agent":              tx("Nettleser", "Browser"),
	"ev.collected_at":            tx("Samlet inn", "Collected"),
	"ev.confirmation_channel":    tx("Bekreftet via", "Confirmed via"),
	"ev.confirmation_message_id": tx("Id for meldingen som bekreftet", "Id of the confirming message"),
	"ev.confirmation":            tx("Bekreftelsen", "The confirmation"),
	"ev.order_ref":               tx("Ordre", "Order"),
	"ev.product_category":        tx("Varekategori", "Product category"),
	"ev.opt_out_offered_at":      tx("Du fikk tilbud om å reservere deg", "You were offered to opt out"),
	"ev.reason":                  tx("Årsak", "Reason"),

	ledgerConfirmation(ledger.ConfirmationVerified): tx("samtykke mottok svaret ditt fra nummeret ditt", "samtykke received your answer from your number"),
	ledgerConfirmation(ledger.ConfirmationAsserted): tx("oppgitt av våre systemer", "stated by our systems"),

	"msg.campaign":             tx("Markedsføring", "Marketing"),
	"msg.confirmation_request": tx("Forespørsel om å bekrefte påmeldingen", "Request to confirm your sign-up"),
	"msg.receipt":              tx("Kvittering for samtykket", "Consent receipt"),
	"msg.optout_confirmation":  tx("Bekreftelse på avmelding", "Unsubscribe confirmation"),
	"msg.optin_link":           tx("Lenke til påmelding", "Sign-up link"),
	"msg.preferences_link":     tx("Lenke til valgene dine", "Link to your choices"),
	"msg.answer":               tx("Svar på meldingen din", "Answer to your message"),

	"reason.no_consent":           tx("du hadde ikke samtykket", "you had not consented"),
	"reason.pending":              tx("du hadde ikke bekreftet påmeldingen", "you had not confirmed your sign-up"),
	"reason.withdrawn":            tx("du hadde trukket tilbake samtykket", "you had withdrawn your consent"),
	"reason.expired":              tx("samtykket hadde utløpt", "the consent had lapsed"),
	"reason.suppressed":           tx("nummeret ditt er på reservasjonslisten", "your number is on the suppression list"),
	"reason.restricted":           tx("behandlingen er begrenset", "processing is restricted"),
	"reason.not_norwegian_mobile": tx("nummeret er ikke et norsk mobilnummer", "the number is not a Norwegian mobile number"),
	"reason.age_not_confirmed":    tx("alderen din var ikke bekreftet", "your age was not confirmed"),
	"reason.erased":               tx("opplysningene dine er slettet", "your data was erased"),
	"reason.basis_mismatch":       tx("grunnlaget passet ikke til formålet", "the basis did not fit the purpose"),
	"reason.unreachable":          tx("WhatsApp kunne ikke nå nummeret", "WhatsApp could not reach the number"),
	"reason.campaign cancelled":   tx("kampanjen ble avlyst", "the campaign was cancelled"),

	"status.queued":    tx("I kø", "Queued"),
	"status.sending":   tx("Sendes", "Sending"),
	"status.unknown":   tx("Ukjent om den ble sendt", "Not known whether it was sent"),
	"status.sent":      tx("Sendt", "Sent"),
	"status.delivered": tx("Levert", "Delivered"),
	"status.read":      tx("Lest", "Read"),
	"status.failed":    tx("Kom ikke frem", "Not delivered"),
	"status.skipped":   tx("Ikke sendt", "Not sent"),

	"request.access":        tx("Innsyn", "Access"),
	"request.portability":   tx("Dataportabilitet", "Data portability"),
	"request.rectification": tx("Retting", "Rectification"),
	"request.erasure":       tx("Sletting", "Erasure"),
	"request.restriction":   tx("Begrensning av behandlingen", "Restriction of processing"),
	"request.objection":     tx("Protest", "Objection"),

	"access.create":   tx("Registrerte deg", "Recorded you"),
	"access.read":     tx("Så kontaktopplysningene dine (nummeret skjult)", "Viewed your contact data (number hidden)"),
	"access.lookup":   tx("Fant deg ved nummeret ditt", "Found you by your number"),
	"access.reveal":   tx("Så nummeret ditt", "Viewed your number"),
	"access.export":   tx("Eksporterte listen", "Exported the list"),
	"access.consents": tx("Så samtykkehistorikken din", "Viewed your consent history"),
	"access.record":   tx("Registrerte et samtykke", "Recorded a consent"),
	"access.withdraw": tx("Registrerte at du trakk tilbake samtykket", "Recorded your withdrawal"),
	"access.gate":     tx("Sjekket om vi kan sende deg en melding", "Checked whether we may message you"),
	"access.tags":     tx("Endret merkene dine", "Changed your labels"),
	"access.package":  tx("Laget en kopi av opplysningene dine", "Made a copy of your data"),
	"access.rectify":  tx("Rettet opplysningene dine eller byttet nummeret ditt", "Corrected your data or changed your number"),
	"access.restrict": tx("Begrenset behandlingen eller opphevet begrensningen", "Restricted the processing or lifted the restriction"),
}

func ledgerConfirmation(s string) string { return "confirmation." + s }
