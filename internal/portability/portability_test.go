// SPDX-License-Identifier: AGPL-3.0-only

package portability_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/samtykke/samtykke/internal/access"
	"github.com/samtykke/samtykke/internal/campaign"
	"github.com/samtykke/samtykke/internal/consent"
	"github.com/samtykke/samtykke/internal/contact"
	"github.com/samtykke/samtykke/internal/ledger"
	"github.com/samtykke/samtykke/internal/message"
	"github.com/samtykke/samtykke/internal/notice"
	"github.com/samtykke/samtykke/internal/phone"
	"github.com/samtykke/samtykke/internal/portability"
	"github.com/samtykke/samtykke/internal/reply"
	"github.com/samtykke/samtykke/internal/rights"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// t0 is the fixed clock of the fixture.
var t0 = time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)

func hashOf(s string) []byte { sum := sha256.Sum256([]byte(s)); return sum[:] }

// fixture is one person's data with fixed ids and times: an opt-in on the
// web confirmed on WhatsApp, a soft opt-in in the shop, a campaign message
// delivered, a withdrawal by STOPP, a later campaign that skipped them, a
// rights request and the accesses to their data.
func fixture() portability.Input {
	const id = "c-0001"
	published := t0.Add(-30 * 24 * time.Hour)
	n := notice.Notice{ID: "n-nb-1", Language: "nb", Version: 1, Summary: "Vi sender tilbud på WhatsApp når du har sagt ja.",
		CreatedAt: published, PublishedAt: &published}
	for _, it := range notice.Required {
		n.Sections = append(n.Sections, notice.Section{Item: it, Title: "Om " + string(it), Body: "Tekst om " + string(it) + ".\nAndre linje."})
	}
	n.Hash = n.ContentHash()
	web := ledger.Evidence{NoticeID: n.ID, NoticeVersion: 1, NoticeHash: n.Hash, WordingHash: "9f2c", Language: "nb",
		FlowVersion: "optin-v1", AffirmativeAct: "ticked an unticked box and submitted the form", MinAge: 15,
		IP: "192.0.2.10", UserAgent: "=Firefox/140", Extra: map[string]string{"shop": "oslo"}}
	confirmed := web
	confirmed.ConfirmationChannel, confirmed.ConfirmationMessageID, confirmed.Confirmation = "whatsapp", "wamid.in-1", ledger.ConfirmationVerified
	event := func(seq int64, kind ledger.Kind, purpose, method, actor string, at time.Time, ev ledger.Evidence) portability.Event {
		e := ledger.Event{ID: fmt.Sprintf("e-%d", seq), ContactID: id, Seq: seq, Kind: kind, Purpose: purpose, Channel: "whatsapp",
			At: at, Method: method, Source: "optin_page", Actor: actor, AgeConfirmed: kind != ledger.Withdrawn,
			EvidenceDigest: ev.Digest(), Hash: hashOf(fmt.Sprintf("e-%d", seq))}
		if seq > 1 {
			e.PrevHash = hashOf(fmt.Sprintf("e-%d", seq-1))
		}
		if kind == ledger.Confirmed {
			e.ValidUntil = at.AddDate(0, 0, 730)
		}
		return portability.Event{Event: e, Evidence: ev}
	}
	soft := ledger.Evidence{NoticeID: n.ID, NoticeVersion: 1, NoticeHash: n.Hash, Language: "nb", OrderRef: "ORD-77",
		ProductCategory: "sko", OptOutOfferedAt: "2026-10-02T10:00:00Z", CollectedAt: "2026-10-02T10:00:00Z", MinAge: 15,
		Confirmation: ledger.ConfirmationAsserted}
	events := []portability.Event{
		event(1, ledger.Requested, "offers", "web_form", "data-subject", t0.Add(-9*24*time.Hour), web),
		event(2, ledger.Confirmed, "offers", "whatsapp", "system", t0.Add(-9*24*time.Hour+3*time.Minute), confirmed),
		event(3, ledger.SoftOptIn, "customers", "in_store", "token:t-shop:Kasse 3 Oslo", t0.Add(-8*24*time.Hour), soft),
		event(4, ledger.Withdrawn, "offers", "keyword", "system", t0.Add(-2*24*time.Hour), ledger.Evidence{Reason: "STOPP"}),
	}
	events[2].Source, events[3].Source = "api", "whatsapp"
	purposes := []consent.Purpose{
		{Key: "offers", Channel: consent.WhatsApp, Basis: consent.BasisConsent, RetentionDays: 365, RefreshDays: 730,
			Description: consent.Text{NB: "Tilbud", EN: "Offers"}},
		{Key: "customers", Channel: consent.WhatsApp, Basis: consent.BasisExistingCustomer, RetentionDays: 180,
			Description: consent.Text{NB: "Kundetilbud", EN: "Customer offers"}},
		{Key: "news", Channel: consent.Email, Basis: consent.BasisConsent, RetentionDays: 365,
			Description: consent.Text{NB: "Nyhetsbrev", EN: "Newsletter"}}, // not theirs: left out
	}
	states := []consent.State{
		{ContactID: id, Purpose: "customers", Status: consent.StatusActive, EventID: "e-3", Since: events[2].At, AgeOK: true,
			Basis: consent.BasisExistingCustomer},
		{ContactID: id, Purpose: "offers", Status: consent.StatusWithdrawn, EventID: "e-4", Since: events[3].At},
	}
	campaigns := []campaign.Campaign{
		{ID: "k-1", Name: "Vårsalg", Purpose: "offers", Template: campaign.Template{Name: "spring_sale"}},
		{ID: "k-2", Name: "Julesalg", Purpose: "offers", Template: campaign.Template{Name: "christmas_sale"}},
	}
	messages := []message.Message{
		{ID: "m-1", ContactID: id, Kind: message.Receipt, BodyKey: "receipt", Status: message.Read,
			CreatedAt: events[1].At, UpdatedAt: events[1].At.Add(time.Minute)},
		{ID: "m-2", ContactID: id, Kind: message.Campaign, CampaignID: "k-1", Purpose: "offers", ConsentEventID: "e-2",
			Status: message.Delivered, CreatedAt: t0.Add(-5 * 24 * time.Hour), UpdatedAt: t0.Add(-5*24*time.Hour + time.Second)},
		{ID: "m-3", ContactID: id, Kind: message.OptOutConfirmation, BodyKey: "optout_confirmation", Status: message.Sent,
			CreatedAt: events[3].At, UpdatedAt: events[3].At},
		{ID: "m-4", ContactID: id, Kind: message.Campaign, CampaignID: "k-2", Purpose: "offers", Status: message.Skipped,
			ErrorTitle: "withdrawn", CreatedAt: t0.Add(-24 * time.Hour), UpdatedAt: t0.Add(-24 * time.Hour)},
		{ID: "m-5", ContactID: id, Kind: message.PreferencesLink, BodyKey: "preferences_link|https://butikk.example/preferences/SECRET",
			Status: message.Failed, ErrorCode: 131026, ErrorTitle: "Message undeliverable", CreatedAt: t0.Add(-time.Hour), UpdatedAt: t0.Add(-time.Hour)},
	}
	accesses := []access.Entry{
		{ID: "a-1", At: t0.Add(-8 * 24 * time.Hour), Actor: "token:t-shop:Kasse 3 Oslo", Action: access.Record, ContactID: id, RequestID: "req-1"},
		{ID: "a-2", At: t0.Add(-time.Hour), Actor: "cli:kari", Action: access.Reveal, ContactID: id, Reason: "innsynsbegjæring sak 12"},
		{ID: "a-3", At: t0, Actor: "token:t-dpo:Ola Hansen", Action: access.Action("package"), ContactID: id, Reason: "innsynsbegjæring sak 12"},
	}
	return portability.Input{
		GeneratedAt: t0,
		Controller: portability.Controller{Name: "Butikken AS", OrgNumber: "923609016", Address: "Storgata 1, 0155 Oslo",
			Email: "personvern@butikk.example", URL: "https://butikk.example", PublicURL: "https://butikk.example",
			DPO: &portability.DPO{Name: "Personvernombudet", Email: "pvo@butikk.example"}},
		Contact: portability.Contact{ID: id, Phone: "+4791234567", Language: "nb", Fields: map[string]string{"first_name": "Kari"},
			Tags: []string{"vip", "oslo"}, CreatedAt: events[0].At, UndeliverableFailures: 1},
		Restrictions: []contact.Restriction{
			{ID: "x-1", ContactID: id, On: true, Reason: "personen bestrider opplysningene", Actor: "token:t-dpo:Ola Hansen", At: t0.Add(-3 * 24 * time.Hour)},
			{ID: "x-2", ContactID: id, On: false, Reason: "opplysningene er rettet", Actor: "token:t-dpo:Ola Hansen", At: t0.Add(-2 * 24 * time.Hour)},
		},
		Purposes: purposes, States: states, Events: events, Notices: []notice.Notice{n}, Messages: messages, Campaigns: campaigns,
		Replies: []portability.OpenedReply{
			{Reply: reply.Reply{ID: "y-1", ContactID: id, At: t0.Add(-6 * 24 * time.Hour), Class: reply.None, Sealed: []byte("sealed")},
				Text: "Hei! Når åpner butikken i morgen?"},
			{Reply: reply.Reply{ID: "y-2", ContactID: id, At: events[3].At, Class: reply.OptOut, Sealed: []byte("sealed")}, Text: "STOPP"},
			{Reply: reply.Reply{ID: "y-3", ContactID: id, At: t0.Add(-2 * time.Hour), Class: reply.None}, Text: "=HYPERLINK(\"x\") <b>takk</b>"},
		},
		Answers: []portability.OpenedAnswer{
			{Answer: reply.Answer{ID: "w-1", ContactID: id, ReplyID: "y-1", MessageID: "m-w1", At: t0.Add(-6*24*time.Hour + 10*time.Minute),
				Actor: "user:u-1:Ola Hansen", Sealed: []byte("sealed")}, Text: "Vi åpner klokka 9 i morgen."},
		},
		Requests: []rights.Request{
			{ID: "r-0", ContactID: id, Type: rights.Objection, Channel: rights.Staff, Via: "letter", Language: "nb", State: rights.Done,
				ReceivedAt: t0.Add(-60 * 24 * time.Hour), DueAt: rights.Due(t0.Add(-60*24*time.Hour)).AddDate(0, 2, 0),
				ExtendedUntil: rights.Due(t0.Add(-60*24*time.Hour)).AddDate(0, 2, 0), ExtensionReason: "mange henvendelser samtidig",
				ClosedAt: t0.Add(-50 * 24 * time.Hour), Answer: "Vi har stanset all markedsføring til deg."},
			{ID: "r-1", ContactID: id, Type: rights.Access, Channel: rights.Web, Language: "nb", State: rights.Open,
				ReceivedAt: t0.Add(-24 * time.Hour), DueAt: rights.Due(t0.Add(-24 * time.Hour)), VerifiedAt: t0.Add(-23 * time.Hour)},
		},
		Accesses: accesses,
		Periods: portability.Periods{Proof: portability.ProofPeriod, Messages: portability.ProofPeriod, UnconfirmedOptIn: 72 * time.Hour,
			AccessLog: 5 * 365 * 24 * time.Hour, Requests: portability.ProofPeriod, Replies: 30 * 24 * time.Hour},
	}
}

func build(t *testing.T, in portability.Input) portability.Package {
	t.Helper()
	p, err := portability.New(in)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// golden compares got with testdata/name, or rewrites it with -update. A
// difference is reported by line number, and the line shown only when it
// holds no phone number (tests never print one).
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to write it)", err)
	}
	if bytes.Equal(got, want) {
		return
	}
	g, w := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
	for i := 0; i < max(len(g), len(w)); i++ {
		var gl, wl string
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if gl != wl {
			if phone.Mentions(gl) || phone.Mentions(wl) {
				gl, wl = "(holds a phone number: not shown)", "(not shown)"
			}
			t.Fatalf("%s differs from the golden file at line %d:\n got: %s\nwant: %s\n(go test -update rewrites it; review with git diff)", name, i+1, gl, wl)
		}
	}
}

// TestGolden: the package's JSON, its page in bokmål and in English and its
// consent events as CSV are stable artifacts.
func TestGolden(t *testing.T) {
	t.Parallel()
	p := build(t, fixture())
	var j, nb, en, c, r bytes.Buffer
	if err := portability.WriteJSON(&j, p); err != nil {
		t.Fatal(err)
	}
	if err := portability.WriteHTML(&nb, p, "nb"); err != nil {
		t.Fatal(err)
	}
	if err := portability.WriteHTML(&en, p, "en"); err != nil {
		t.Fatal(err)
	}
	if err := portability.WriteCSV(&c, p); err != nil {
		t.Fatal(err)
	}
	if err := portability.WriteRepliesCSV(&r, p); err != nil {
		t.Fatal(err)
	}
	golden(t, "package.json.golden", j.Bytes())
	golden(t, "package.nb.html.golden", nb.Bytes())
	golden(t, "package.en.html.golden", en.Bytes())
	golden(t, "consent_events.csv.golden", c.Bytes())
	golden(t, "replies.csv.golden", r.Bytes())
}

func compileSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(portability.Schema))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	const url = "https://samtykke.invalid" + portability.SchemaPath
	if err := c.AddResource(url, doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile(url)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func asJSON(t *testing.T, p portability.Package) map[string]any {
	t.Helper()
	var b bytes.Buffer
	if err := portability.WriteJSON(&b, p); err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b.Bytes(), &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// TestPackageValidates: a full package and one of a person with nothing
// but a number validate against the published schema.
func TestPackageValidates(t *testing.T) {
	t.Parallel()
	s := compileSchema(t)
	bare := portability.Input{GeneratedAt: t0, Controller: portability.Controller{Name: "Butikken AS"},
		Contact: portability.Contact{ID: "c-2", Phone: "+4791234568", Language: "en", CreatedAt: t0}}
	for name, in := range map[string]portability.Input{"full": fixture(), "bare": bare} {
		if err := s.Validate(any(asJSON(t, build(t, in)))); err != nil {
			t.Errorf("%s package: %v", name, err)
		}
	}
}

// TestIncompletePackageFailsValidation: the schema is not a formality: a
// package missing a required part, or with a part of the wrong shape, fails.
func TestIncompletePackageFailsValidation(t *testing.T) {
	t.Parallel()
	s := compileSchema(t)
	cases := map[string]func(m map[string]any){
		"no consent events":   func(m map[string]any) { delete(m, "consent_events") },
		"no notices":          func(m map[string]any) { delete(m, "notices") },
		"no accesses":         func(m map[string]any) { delete(m, "accesses") },
		"no rights requests":  func(m map[string]any) { delete(m, "rights_requests") },
		"no number":           func(m map[string]any) { delete(m["contact"].(map[string]any), "phone") },
		"a statement missing": func(m map[string]any) { m["statements"] = m["statements"].([]any)[1:] },
		"a statement in nb only": func(m map[string]any) {
			delete(m["statements"].([]any)[0].(map[string]any)["heading"].(map[string]any), "en")
		},
		"an event without evidence": func(m map[string]any) {
			delete(m["consent_events"].([]any)[0].(map[string]any), "evidence")
		},
		"a notice without its text": func(m map[string]any) { delete(m["notices"].([]any)[0].(map[string]any), "sections") },
		"a time not in UTC":         func(m map[string]any) { m["generated_at"] = "2026-11-29T13:00:00+01:00" },
		"an unknown field":          func(m map[string]any) { m["contact"].(map[string]any)["email"] = "kari@example.com" },
	}
	for name, spoil := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			m := asJSON(t, build(t, fixture()))
			spoil(m)
			if err := s.Validate(any(m)); err == nil {
				t.Errorf("a package with %s validates", name)
			}
		})
	}
}

// TestSchemaNamesEveryField: every JSON field of the package's types is in
// the schema and every property of the schema is a field, so that neither
// drifts from the other unnoticed.
func TestSchemaNamesEveryField(t *testing.T) {
	t.Parallel()
	var doc struct {
		Properties map[string]any `json:"properties"`
		Defs       map[string]struct {
			Properties map[string]any `json:"properties"`
		} `json:"$defs"`
	}
	if err := json.Unmarshal(portability.Schema, &doc); err != nil {
		t.Fatal(err)
	}
	props := func(def string) map[string]any {
		if def == "" {
			return doc.Properties
		}
		return doc.Defs[def].Properties
	}
	for def, v := range map[string]any{
		"": portability.Package{}, "controller": portability.Controller{}, "dpo": portability.DPO{}, "contact": portability.Contact{},
		"restriction": portability.Restriction{},
		"consent":     portability.Consent{}, "purpose": portability.Purpose{}, "consent_event": portability.ConsentEvent{},
		"evidence": ledger.Evidence{}, "notice": portability.Notice{}, "message": portability.Message{},
		"request": portability.Request{}, "access": access.Entry{}, "statement": portability.Statement{},
	} {
		var fields []string
		rt := reflect.TypeOf(v)
		for i := range rt.NumField() {
			f := rt.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "-" {
				continue // never in the JSON (an access entry's chain fields)
			}
			fields = append(fields, name)
			if _, ok := props(def)[name]; !ok {
				t.Errorf("%s.%s (json %q) is not in the schema's %q", rt.Name(), f.Name, name, def)
			}
		}
		for name := range props(def) {
			if !slices.Contains(fields, name) {
				t.Errorf("the schema's %q has %q, which %s lacks", def, name, rt.Name())
			}
		}
	}
}

// TestEveryHeading: R-01's eight headings are in every package, in order,
// in both languages, and the page shows each as a heading of its own in
// the page's language, with no label left untranslated.
func TestEveryHeading(t *testing.T) {
	t.Parallel()
	p := build(t, fixture())
	var keys []string
	for _, s := range p.Statements {
		keys = append(keys, s.Key)
		if s.Heading.NB == "" || s.Heading.EN == "" || s.Text.NB == "" || s.Text.EN == "" || s.Heading.NB == s.Heading.EN {
			t.Errorf("statement %s is not written in both languages: %+v", s.Key, s.Heading)
		}
	}
	var want []string
	for _, h := range portability.Headings {
		want = append(want, h.Key)
	}
	if !slices.Equal(keys, want) {
		t.Fatalf("statements %v, want %v", keys, want)
	}
	untranslated := regexp.MustCompile(`>(kind|status|msg|access|request|consent|method|channel|ev|field|lang|confirmation)\.[a-z_]+<|\{[a-z_]+\}`)
	for _, lang := range []string{"nb", "en"} {
		var b bytes.Buffer
		if err := portability.WriteHTML(&b, p, lang); err != nil {
			t.Fatal(err)
		}
		page := b.String()
		if !strings.Contains(page, `<html lang="`+lang+`">`) {
			t.Errorf("%s page: not marked as %s", lang, lang)
		}
		for _, s := range p.Statements {
			id := "r01-" + strings.ReplaceAll(s.Key, "_", "-")
			h := fmt.Sprintf(`<h2 id="%s-heading">%s</h2>`, id, s.Heading.In(lang))
			if !strings.Contains(page, h) {
				t.Errorf("%s page lacks the heading of %s: %s", lang, s.Key, h)
			}
		}
		for _, part := range []string{"controller", "contact", "consents", "restrictions", "events", "notices", "messages", "requests", "accesses"} {
			if !strings.Contains(page, `<section id="`+part+`"`) {
				t.Errorf("%s page lacks the part %s", lang, part)
			}
		}
		if m := untranslated.FindString(page); m != "" {
			t.Errorf("%s page shows an untranslated label or placeholder: %s", lang, m)
		}
	}
}

// TestPageHoldsEveryPart: the page shows the data itself, not only the
// headings: the full notice text, each event with its evidence, each
// message with the consent event that allowed it, each access.
func TestPageHoldsEveryPart(t *testing.T) {
	t.Parallel()
	in := fixture()
	p := build(t, in)
	var b bytes.Buffer
	if err := portability.WriteHTML(&b, p, "nb"); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	wants := []string{in.Notices[0].Sections[0].Body[:10], in.Notices[0].Summary, in.Notices[0].Hash, "192.0.2.10", "ORD-77",
		`href="#event-e-2"`, `id="event-e-4"`, "Vårsalg", "spring_sale", "innsynsbegjæring sak 12", "Kari", "vip"}
	for _, e := range in.Events {
		wants = append(wants, e.ID)
	}
	for _, m := range in.Messages {
		wants = append(wants, m.ID)
	}
	for _, r := range in.Replies[:2] { // what the person wrote, and what samtykke read in it
		wants = append(wants, r.ID, r.Text)
	}
	wants = append(wants, `href="#replies"`, "avmelding (STOPP)", "&lt;b&gt;takk&lt;/b&gt;")
	wants = append(wants, in.Answers[0].ID, in.Answers[0].Text, `href="#answers"`) // issue 23: what staff answered
	for _, w := range wants {
		if !strings.Contains(page, w) {
			t.Errorf("the page lacks %q", w)
		}
	}
	for _, not := range []string{"SECRET", "Kasse 3", "Hansen", "kari<", "<b>takk"} {
		if strings.Contains(page, not) {
			t.Errorf("the page shows %q: a link's secret or a staff member's name", not)
		}
	}
	if !strings.Contains(page, "&#43;4791234567") { // the person's own number, in clear (html/template escapes the plus)
		t.Errorf("the page lacks the person's number")
	}
}

// TestNewRefusesAnotherPersonsData: a package never carries another
// contact's events, states, messages or accesses, nor names a
// notice or campaign it does not hold.
func TestNewRefusesAnotherPersonsData(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		spoil func(in *portability.Input)
		want  error
	}{
		"an event":             {func(in *portability.Input) { in.Events[1].ContactID = "c-9" }, portability.ErrForeign},
		"a state":              {func(in *portability.Input) { in.States[0].ContactID = "c-9" }, portability.ErrForeign},
		"a rights request":     {func(in *portability.Input) { in.Requests[1].ContactID = "c-9" }, portability.ErrForeign},
		"a restriction":        {func(in *portability.Input) { in.Restrictions[0].ContactID = "c-9" }, portability.ErrForeign},
		"a message":            {func(in *portability.Input) { in.Messages[2].ContactID = "c-9" }, portability.ErrForeign},
		"an access":            {func(in *portability.Input) { in.Accesses[0].ContactID = "c-9" }, portability.ErrForeign},
		"a reply":              {func(in *portability.Input) { in.Replies[1].ContactID = "c-9" }, portability.ErrForeign},
		"an answer":            {func(in *portability.Input) { in.Answers[0].ContactID = "c-9" }, portability.ErrForeign},
		"a notice not given":   {func(in *portability.Input) { in.Notices = nil }, portability.ErrIncomplete},
		"a campaign not given": {func(in *portability.Input) { in.Campaigns = in.Campaigns[:1] }, portability.ErrIncomplete},
		"no number":            {func(in *portability.Input) { in.Contact.Phone = "" }, portability.ErrIncomplete},
		"no language":          {func(in *portability.Input) { in.Contact.Language = "sv" }, portability.ErrIncomplete},
	} {
		in := fixture()
		tc.spoil(&in)
		if _, err := portability.New(in); !errors.Is(err, tc.want) {
			t.Errorf("%s: err = %v, want %v", name, err, tc.want)
		}
	}
}

// TestPackageContents: what New keeps and how: each notice once, only the
// person's purposes, staff by token id, times in UTC, a service message's
// template without the link it carried.
func TestPackageContents(t *testing.T) {
	t.Parallel()
	in := fixture()
	in.Events = append(in.Events, in.Events[1]) // a second mention of the same notice
	in.Events[len(in.Events)-1].ID = "e-5"
	in.GeneratedAt = t0.In(time.FixedZone("CET", 3600))
	p := build(t, in)
	if len(p.Notices) != 1 || p.Notices[0].ID != "n-nb-1" || len(p.Notices[0].Sections) != len(notice.Required) {
		t.Errorf("notices = %+v; want n-nb-1 once, in full", p.Notices)
	}
	var keys []string
	for _, pp := range p.Purposes {
		keys = append(keys, pp.Key)
	}
	if !slices.Equal(keys, []string{"offers", "customers"}) {
		t.Errorf("purposes %v; want the person's: offers, customers", keys)
	}
	if got := p.Accesses[0].Actor; got != "token:t-shop" {
		t.Errorf("access actor %q; want token:t-shop", got)
	}
	if got := p.Accesses[1].Actor; got != "cli" {
		t.Errorf("access actor %q; want cli", got)
	}
	if p.GeneratedAt.Location() != time.UTC {
		t.Errorf("generated_at in %v; want UTC", p.GeneratedAt.Location())
	}
	if got := p.Messages[4].Template; got != "preferences_link" {
		t.Errorf("template %q; want preferences_link, without the link", got)
	}
	if m := p.Messages[1]; m.CampaignName != "Vårsalg" || m.Template != "spring_sale" || m.ConsentEventID != "e-2" {
		t.Errorf("campaign message = %+v", m)
	}
}

// TestCSV: one row an event under the header, readable back, and a cell a
// spreadsheet would run as a formula made inert.
func TestCSV(t *testing.T) {
	t.Parallel()
	p := build(t, fixture())
	var b bytes.Buffer
	if err := portability.WriteCSV(&b, p); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&b).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1+len(p.ConsentEvents) || !slices.Equal(rows[0], portability.CSVHeader) {
		t.Fatalf("%d rows, header %v", len(rows), rows[0])
	}
	col := slices.Index(portability.CSVHeader, "user_agent")
	if got := rows[1][col]; got != "'=Firefox/140" {
		t.Errorf("user_agent cell %q; want the formula made inert", got)
	}
	if got := rows[4][slices.Index(portability.CSVHeader, "event_id")]; got != "e-4" {
		t.Errorf("fourth event %q", got)
	}
}

// TestRepliesCSV: one row a reply the person sent, oldest first, under
// its header, its text as written, a formula made inert.
func TestRepliesCSV(t *testing.T) {
	t.Parallel()
	in := fixture()
	p := build(t, in)
	var b bytes.Buffer
	if err := portability.WriteRepliesCSV(&b, p); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&b).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1+len(in.Replies) || !slices.Equal(rows[0], portability.RepliesCSVHeader) {
		t.Fatalf("%d rows, header %v; want %d replies", len(rows), rows[0], len(in.Replies))
	}
	for i, r := range in.Replies {
		want := []string{r.ID, r.At.UTC().Format(time.RFC3339Nano), string(r.Class), r.Text}
		if i == 2 {
			want[3] = "'" + r.Text
		}
		if !slices.Equal(rows[i+1], want) {
			t.Errorf("row %d = %q; want %q", i+1, rows[i+1], want)
		}
	}
}

// TestPolicyAllowsTheInlineStyle: the page's one stylesheet, exactly as
// rendered, is the one ContentSecurityPolicy allows by hash, and the
// policy allows no script.
func TestPolicyAllowsTheInlineStyle(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	if err := portability.WriteHTML(&b, build(t, fixture()), "en"); err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?s)<style>(.*?)</style>`).FindAllStringSubmatch(b.String(), -1)
	if len(m) != 1 {
		t.Fatalf("%d inline stylesheets; want 1", len(m))
	}
	sum := sha256.Sum256([]byte(m[0][1]))
	want := "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
	if !strings.Contains(portability.ContentSecurityPolicy, "style-src "+want) {
		t.Errorf("policy %q does not allow the stylesheet (%s)", portability.ContentSecurityPolicy, want)
	}
	if !strings.HasPrefix(portability.ContentSecurityPolicy, "default-src 'none'") || strings.Contains(b.String(), "<script") {
		t.Errorf("the page or its policy allows scripts")
	}
}

// TestActorRef: staff are named by their token's id, never by name.
func TestActorRef(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{"token:t1:Kari Nordmann": "token:t1", "token:t1": "token:t1", "cli:kari": "cli",
		"system": "system", "data-subject": "data-subject"} {
		if got := portability.ActorRef(in); got != want {
			t.Errorf("ActorRef(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestRightsStatementNamesTheConfiguredWords: the rights statement tells
// the words that work in this deployment (SAMTYKKE_RIGHTS_WORDS), and none
// when none is configured (R-01(e), R-10).
func TestRightsStatementNamesTheConfiguredWords(t *testing.T) {
	t.Parallel()
	text := func(words rights.Words) consent.Text {
		in := fixture()
		in.RightsWords = words
		for _, s := range build(t, in).Statements {
			if s.Key == portability.KeyRights {
				return s.Text
			}
		}
		t.Fatal("no rights statement")
		return consent.Text{}
	}
	if got := text(nil); !strings.Contains(got.NB, "skriv INNSYN, RETTING eller SLETT MEG til oss på WhatsApp") ||
		!strings.Contains(got.EN, "write ACCESS, RECTIFY or DELETE ME to us on WhatsApp") {
		t.Errorf("default words: %q / %q", got.NB, got.EN)
	}
	got := text(rights.Words{"MINE DATA": rights.Access, "FJERN MEG": rights.Erasure})
	if !strings.Contains(got.NB, "skriv MINE DATA eller FJERN MEG til oss") || strings.Contains(got.NB, "INNSYN") {
		t.Errorf("configured words: %q", got.NB)
	}
	if got := text(rights.Words{}); strings.Contains(got.NB, "WhatsApp") || !strings.Contains(got.NB, "https://butikk.example/rights") {
		t.Errorf("no words: %q", got.NB)
	}
}
