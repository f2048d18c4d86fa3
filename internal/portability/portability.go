// SPDX-License-Identifier: AGPL-3.0-only

// Package portability builds the access and portability package of one
// person: everything samtykke holds about them, with the
// statements Art. 15(1) requires, as JSON that validates against a published
// JSON Schema (Schema), as a readable page in their language (WriteHTML) and
// their consent events as CSV (WriteCSV).
//
// The package is for the person it describes, or for staff with a recorded
// reason: it carries the number in clear. New refuses anything of another
// person (R-02: a copy must not expose other people's data), and staff are
// named by their token's id, never by name (their identity is not the
// person's data: CJEU C-579/21).
//
// The JSON shape (format_version 1) is stable: snake_case names, times in
// RFC 3339 UTC, hashes in lower-case hex, every list present (empty rather
// than missing). A change that removes or renames a field is a new
// format_version.
package portability

import (
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/samtykke/samtykke/internal/access"
	"github.com/samtykke/samtykke/internal/campaign"
	"github.com/samtykke/samtykke/internal/consent"
	"github.com/samtykke/samtykke/internal/contact"
	"github.com/samtykke/samtykke/internal/ledger"
	"github.com/samtykke/samtykke/internal/message"
	"github.com/samtykke/samtykke/internal/notice"
	"github.com/samtykke/samtykke/internal/reply"
	"github.com/samtykke/samtykke/internal/rights"
)

// Format names the document; FormatVersion counts its incompatible changes.
const (
	Format        = "samtykke-subject-package"
	FormatVersion = 1
)

// SchemaPath is where the service publishes Schema.
const SchemaPath = "/schemas/subject-package.json"

// Package is everything held about one person, with the answers Art. 15(1)
// requires (Statements).
type Package struct {
	Format        string    `json:"format"`
	FormatVersion int       `json:"format_version"`
	GeneratedAt   time.Time `json:"generated_at"`
	// Controller is who is responsible for the processing.
	Controller Controller `json:"controller"`
	// Contact is the person's contact data, the number in clear.
	Contact Contact `json:"contact"`
	// Restrictions are every setting and lifting of the restriction of
	// processing (Art. 18), oldest first.
	Restrictions []Restriction `json:"restrictions"`
	// Consents is where each of the person's consents stands now.
	Consents []Consent `json:"consents"`
	// Purposes are the purposes the person's consents are for.
	Purposes []Purpose `json:"purposes"`
	// ConsentEvents are every event of the person's consent ledger, in order,
	// each with its evidence.
	ConsentEvents []ConsentEvent `json:"consent_events"`
	// Notices are the full texts of the privacy notices the events name,
	// each version once.
	Notices []Notice `json:"notices"`
	// Messages are every message sent (or decided not to be sent) to the
	// person, with the consent event that authorised it.
	Messages []Message `json:"messages"`
	// Replies are the messages the person sent the business on WhatsApp,
	// oldest first, each with its text and what samtykke read in it.
	Replies []Reply `json:"replies"`
	// Answers are what the business's staff wrote back to those messages
	// within the service window, oldest first.
	Answers []Answer `json:"answers"`
	// RightsRequests are the person's requests under Arts. 15-22.
	RightsRequests []Request `json:"rights_requests"`
	// Accesses are every access to the person's data by staff, systems or
	// the person themselves (invariant 6).
	Accesses []access.Entry `json:"accesses"`
	// Statements answer Art. 15(1)(a)-(h) in bokmål and English, in that order.
	Statements []Statement `json:"statements"`
}

// Controller is the business responsible for the processing, and how to
// reach it and its data protection officer.
type Controller struct {
	Name      string `json:"name"`
	OrgNumber string `json:"org_number,omitempty"` // organisasjonsnummer
	Address   string `json:"address,omitempty"`
	Email     string `json:"email,omitempty"`
	Phone     string `json:"phone,omitempty"` // the company's, never a person's
	URL       string `json:"url,omitempty"`
	PublicURL string `json:"public_url,omitempty"` // where the public pages are (the notice, /rights)
	DPO       *DPO   `json:"dpo,omitempty"`
}

// DPO is how to reach the data protection officer (personvernombud).
type DPO struct {
	Name  string `json:"name,omitempty"`
	Email string `json:"email,omitempty"`
	Phone string `json:"phone,omitempty"`
}

// Contact is the person's contact data.
type Contact struct {
	ID       string `json:"id"`
	Phone    string `json:"phone"` // E.164, in clear
	Language string `json:"language"`
	// Fields are the declared personal data beyond the number (first_name).
	Fields map[string]string `json:"fields"`
	Tags   []string          `json:"tags"`
	// CreatedAt is when samtykke first recorded the number.
	CreatedAt  time.Time `json:"created_at"`
	Restricted bool      `json:"restricted"` // processing restricted (Art. 18)
	// UndeliverableFailures counts WhatsApp's failures to reach the number
	// in a row (P-04): from two on, nothing more is sent.
	UndeliverableFailures int `json:"undeliverable_failures"`
	// SuppressedSince is when the number went on the suppression list.
	SuppressedSince time.Time `json:"suppressed_since,omitzero"`
}

// LogValue keeps the number and the fields out of logs (invariant 4).
func (c Contact) LogValue() slog.Value { return slog.StringValue("contact " + c.ID) }

// Restriction is one setting (Restricted) or lifting of the restriction of
// processing: when, by whom, why.
type Restriction struct {
	ID         string    `json:"id"`
	At         time.Time `json:"at"`
	Restricted bool      `json:"restricted"`
	Reason     string    `json:"reason"`
	Actor      string    `json:"actor"` // ActorRef
}

// Consent is where one purpose's consent stands now.
type Consent struct {
	Purpose    string    `json:"purpose"`
	Status     string    `json:"status"` // none, pending, active, withdrawn, expired, erased
	Since      time.Time `json:"since"`
	ValidUntil time.Time `json:"valid_until,omitzero"` // refresh due (C-10)
	EventID    string    `json:"event_id,omitempty"`   // the event that set it
	Basis      string    `json:"legal_basis,omitempty"`
}

// Purpose is one purpose of the person's consents.
type Purpose struct {
	Key           string       `json:"key"`
	Channel       string       `json:"channel"`
	Basis         string       `json:"legal_basis"` // consent, existing_customer
	Description   consent.Text `json:"description"`
	RetentionDays int          `json:"retention_days"`
	RefreshDays   int          `json:"refresh_days,omitempty"`
}

// ConsentEvent is one event of the person's consent ledger with its evidence.
type ConsentEvent struct {
	ID         string    `json:"id"`
	Seq        int64     `json:"seq"`
	At         time.Time `json:"at"`
	Kind       string    `json:"kind"`
	Purpose    string    `json:"purpose,omitempty"` // empty for contact-wide events (objection, erasure)
	Channel    string    `json:"channel,omitempty"`
	Method     string    `json:"method"`
	Source     string    `json:"source,omitempty"`
	Actor      string    `json:"actor"` // ActorRef of who recorded it
	ValidUntil time.Time `json:"valid_until,omitzero"`
	// AgeConfirmed says the person confirmed the minimum age (C-12, C-13).
	AgeConfirmed bool `json:"age_confirmed"`
	// NoticeID names the notice shown, one of the package's Notices.
	NoticeID string          `json:"notice_id,omitempty"`
	Evidence ledger.Evidence `json:"evidence"`
	// EvidenceDigest, PrevHash and Hash chain the event (L-02).
	EvidenceDigest string `json:"evidence_digest"`
	PrevHash       string `json:"prev_hash,omitempty"`
	Hash           string `json:"hash"`
}

// Notice is a published privacy notice in full.
type Notice struct {
	ID          string           `json:"id"`
	Language    string           `json:"language"`
	Version     int              `json:"version"`
	PublishedAt time.Time        `json:"published_at"`
	Hash        string           `json:"hash"`
	Summary     string           `json:"summary"`
	Sections    []notice.Section `json:"sections"`
}

// Message is one message to the person. Its text is not kept (RT-08):
// Template names it.
type Message struct {
	ID   string `json:"id"`
	Kind string `json:"kind"` // campaign, receipt, confirmation_request, optout_confirmation ...
	// CampaignID and CampaignName name a campaign message's campaign.
	CampaignID   string `json:"campaign_id,omitempty"`
	CampaignName string `json:"campaign_name,omitempty"`
	Purpose      string `json:"purpose,omitempty"`
	// Template is a campaign's approved template, or the name of
	// samtykke's own text (receipt, optout_confirmation ...).
	Template string `json:"template"`
	Status   string `json:"status"` // queued, sending, unknown, sent, delivered, read, failed, skipped
	// Reason says why a message failed or was skipped; ErrorCode is the
	// platform's code of a failure.
	Reason    string `json:"reason,omitempty"`
	ErrorCode int    `json:"error_code,omitempty"`
	// ConsentEventID is the consent event that authorised a campaign message.
	ConsentEventID string    `json:"consent_event_id,omitempty"`
	CreatedAt      time.Time `json:"created_at"`
	UpdatedAt      time.Time `json:"updated_at"`
}

// Reply is one message the person sent the business on WhatsApp (issue
// 23), kept for staff to answer for the replies' period (RT-01).
type Reply struct {
	ID   string    `json:"id"`
	At   time.Time `json:"at"`
	Text string    `json:"text"`
	// Class is what samtykke read in it: optout, optin, rights or none.
	Class string `json:"class"`
}

// OpenedReply is a stored reply with its text opened.
type OpenedReply struct {
	reply.Reply
	Text string
}

// Answer is one answer the business's staff wrote to a message of the
// person's (issue 23), kept for the replies' period (RT-01).
type Answer struct {
	ID      string    `json:"id"`
	At      time.Time `json:"at"`
	ReplyID string    `json:"reply_id"`
	Text    string    `json:"text"`
}

// OpenedAnswer is a stored answer with its text opened.
type OpenedAnswer struct {
	reply.Answer
	Text string
}

// Request is one of the person's rights requests (Arts. 15-22).
type Request struct {
	ID       string    `json:"id"`
	Type     string    `json:"type"`          // access, portability, rectification, erasure, restriction, objection
	Channel  string    `json:"channel"`       // web, whatsapp, staff
	Via      string    `json:"via,omitempty"` // for staff: letter, phone, email, in_person
	Received time.Time `json:"received"`
	Due      time.Time `json:"due"`
	// ExtendedUntil and ExtensionReason: the deadline's one extension
	// (Art. 12(3)), told to the person within the first month.
	ExtendedUntil   time.Time `json:"extended_until,omitzero"`
	ExtensionReason string    `json:"extension_reason,omitempty"`
	State           string    `json:"state"` // unverified, open, done, refused
	Closed          time.Time `json:"closed,omitzero"`
	Answer          string    `json:"answer,omitempty"`
}

// Statement answers one item of Art. 15(1), in bokmål and English.
type Statement struct {
	Key     string         `json:"key"`     // see Headings
	Article string         `json:"article"` // "15(1)(a)" ...
	Heading consent.Text   `json:"heading"`
	Text    consent.Text   `json:"text"`
	Items   []consent.Text `json:"items"`
}

// Event is a ledger event with its opened evidence.
type Event struct {
	ledger.Event
	Evidence ledger.Evidence
}

// Input is what New builds a package from: what the store holds of one
// contact, opened, and what the deployment says of itself.
type Input struct {
	GeneratedAt time.Time
	Controller  Controller
	Contact     Contact
	// Purposes are every purpose; the package keeps those of the person.
	Purposes     []consent.Purpose
	Restrictions []contact.Restriction
	States       []consent.State
	Events       []Event
	// Notices are the notices the events name (NoticeIDs); more are ignored.
	Notices  []notice.Notice
	Messages []message.Message
	// Campaigns are the campaigns the messages name (CampaignIDs).
	Campaigns []campaign.Campaign
	// Replies are the messages the person sent, opened, oldest first.
	Replies []OpenedReply
	// Answers are staff's answers to them, opened, oldest first.
	Answers  []OpenedAnswer
	Requests []rights.Request
	Accesses []access.Entry
	// Periods are the retention periods the statements give.
	Periods Periods
	// Recipients are those the statements name; nil: DefaultRecipients.
	Recipients []Recipient
	// RightsWords are what a person writes on WhatsApp to make a request;
	// nil: rights.DefaultWords.
	RightsWords rights.Words
}

// ErrForeign is wrapped when an input names another contact: the package
// would disclose someone else's data.
var ErrForeign = errors.New("portability: data of another contact")

// ErrIncomplete is wrapped when an input lacks what the package needs.
var ErrIncomplete = errors.New("portability: incomplete input")

// NoticeIDs are the notices the events name, each once, in order of first mention.
func NoticeIDs(events []Event) []string {
	var ids []string
	for _, e := range events {
		if id := e.Evidence.NoticeID; id != "" && !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	return ids
}

// CampaignIDs are the campaigns the messages name, each once.
func CampaignIDs(ms []message.Message) []string {
	var ids []string
	for _, m := range ms {
		if m.CampaignID != "" && !slices.Contains(ids, m.CampaignID) {
			ids = append(ids, m.CampaignID)
		}
	}
	return ids
}

// New builds the package. It refuses an input holding another contact's
// data (ErrForeign) or naming a notice or campaign it was not given
// (ErrIncomplete). Times become UTC.
func New(in Input) (Package, error) {
	c := in.Contact
	id := c.ID
	switch {
	case id == "" || c.Phone == "":
		return Package{}, fmt.Errorf("%w: the contact's id and number are required", ErrIncomplete)
	case c.Language != "nb" && c.Language != "en":
		return Package{}, fmt.Errorf("%w: language %q (nb or en)", ErrIncomplete, c.Language)
	case in.GeneratedAt.IsZero() || in.Controller.Name == "":
		return Package{}, fmt.Errorf("%w: the time and the controller's name are required", ErrIncomplete)
	}
	foreign := func(what, itemID, owner string) error {
		return fmt.Errorf("%w: %s %s belongs to contact %s, not %s", ErrForeign, what, itemID, owner, id)
	}
	c.CreatedAt, c.SuppressedSince = utc(c.CreatedAt), utc(c.SuppressedSince)
	if c.Fields == nil {
		c.Fields = map[string]string{}
	}
	c.Tags = slices.Sorted(slices.Values(c.Tags))
	if c.Tags == nil {
		c.Tags = []string{}
	}
	p := Package{Format: Format, FormatVersion: FormatVersion, GeneratedAt: utc(in.GeneratedAt), Controller: in.Controller,
		Contact: c, Restrictions: []Restriction{}, Consents: []Consent{}, Purposes: []Purpose{}, ConsentEvents: []ConsentEvent{}, Notices: []Notice{},
		Messages: []Message{}, Replies: []Reply{}, Answers: []Answer{}, RightsRequests: []Request{}, Accesses: []access.Entry{}}

	for _, r := range in.Restrictions {
		if r.ContactID != id {
			return Package{}, foreign("restriction", r.ID, r.ContactID)
		}
		p.Restrictions = append(p.Restrictions, Restriction{ID: r.ID, At: utc(r.At), Restricted: r.On, Reason: r.Reason,
			Actor: ActorRef(r.Actor)})
	}
	theirs := map[string]bool{}
	for _, s := range in.States {
		if s.ContactID != id {
			return Package{}, foreign("consent state of", s.Purpose, s.ContactID)
		}
		theirs[s.Purpose] = true
		p.Consents = append(p.Consents, Consent{Purpose: s.Purpose, Status: string(s.Status), Since: utc(s.Since),
			ValidUntil: utc(s.ValidUntil), EventID: s.EventID, Basis: string(s.Basis)})
	}
	notices := map[string]notice.Notice{}
	for _, n := range in.Notices {
		notices[n.ID] = n
	}
	for _, e := range in.Events {
		if e.ContactID != id {
			return Package{}, foreign("consent event", e.ID, e.ContactID)
		}
		if e.Purpose != "" {
			theirs[e.Purpose] = true
		}
		if nid := e.Evidence.NoticeID; nid != "" {
			if _, ok := notices[nid]; !ok {
				return Package{}, fmt.Errorf("%w: event %s names notice %s, which was not given", ErrIncomplete, e.ID, nid)
			}
		}
		p.ConsentEvents = append(p.ConsentEvents, ConsentEvent{ID: e.ID, Seq: e.Seq, At: utc(e.At), Kind: string(e.Kind),
			Purpose: e.Purpose, Channel: e.Channel, Method: e.Method, Source: e.Source, Actor: ActorRef(e.Actor),
			ValidUntil: utc(e.ValidUntil), AgeConfirmed: e.AgeConfirmed, NoticeID: e.Evidence.NoticeID, Evidence: e.Evidence,
			EvidenceDigest: hexOf(e.EvidenceDigest), PrevHash: hexOf(e.PrevHash), Hash: hexOf(e.Hash)})
	}
	for _, nid := range NoticeIDs(in.Events) {
		n := notices[nid]
		var published time.Time
		if n.PublishedAt != nil {
			published = utc(*n.PublishedAt)
		}
		sections := n.Sections
		if sections == nil {
			sections = []notice.Section{}
		}
		p.Notices = append(p.Notices, Notice{ID: n.ID, Language: n.Language, Version: n.Version, PublishedAt: published,
			Hash: n.Hash, Summary: n.Summary, Sections: sections})
	}
	campaigns := map[string]campaign.Campaign{}
	for _, k := range in.Campaigns {
		campaigns[k.ID] = k
	}
	for _, m := range in.Messages {
		if m.ContactID != id {
			return Package{}, foreign("message", m.ID, m.ContactID)
		}
		out := Message{ID: m.ID, Kind: string(m.Kind), CampaignID: m.CampaignID, Purpose: m.Purpose, Status: string(m.Status),
			Reason: m.ErrorTitle, ErrorCode: m.ErrorCode, ConsentEventID: m.ConsentEventID,
			CreatedAt: utc(m.CreatedAt), UpdatedAt: utc(m.UpdatedAt)}
		if m.CampaignID != "" {
			k, ok := campaigns[m.CampaignID]
			if !ok {
				return Package{}, fmt.Errorf("%w: message %s names campaign %s, which was not given", ErrIncomplete, m.ID, m.CampaignID)
			}
			out.CampaignName, out.Template = k.Name, k.Template.Name
		} else {
			// The body key's variable part (a code, a link) stays out.
			out.Template, _, _ = strings.Cut(m.BodyKey, "|")
		}
		if out.Template == "" {
			out.Template = string(m.Kind)
		}
		if out.UpdatedAt.IsZero() {
			out.UpdatedAt = out.CreatedAt
		}
		p.Messages = append(p.Messages, out)
	}
	for _, r := range in.Replies {
		if r.ContactID != id {
			return Package{}, foreign("reply", r.ID, r.ContactID)
		}
		p.Replies = append(p.Replies, Reply{ID: r.ID, At: utc(r.At), Text: r.Text, Class: string(r.Class)})
	}
	for _, x := range in.Answers {
		if x.ContactID != id {
			return Package{}, foreign("answer", x.ID, x.ContactID)
		}
		p.Answers = append(p.Answers, Answer{ID: x.ID, At: utc(x.At), ReplyID: x.ReplyID, Text: x.Text})
	}
	for _, r := range in.Requests {
		if r.ContactID != id {
			return Package{}, foreign("rights request", r.ID, r.ContactID)
		}
		p.RightsRequests = append(p.RightsRequests, Request{ID: r.ID, Type: string(r.Type), Channel: string(r.Channel), Via: r.Via,
			Received: utc(r.ReceivedAt), Due: utc(r.DueAt), ExtendedUntil: utc(r.ExtendedUntil), ExtensionReason: r.ExtensionReason,
			State: string(r.State), Closed: utc(r.ClosedAt), Answer: r.Answer})
	}
	for _, a := range in.Accesses {
		if a.ContactID != id {
			return Package{}, foreign("access", a.ID, a.ContactID)
		}
		a.At, a.Actor = utc(a.At), ActorRef(a.Actor)
		p.Accesses = append(p.Accesses, a)
	}
	var purposes []consent.Purpose
	for _, pp := range in.Purposes {
		if theirs[pp.Key] {
			purposes = append(purposes, pp)
			p.Purposes = append(p.Purposes, Purpose{Key: pp.Key, Channel: string(pp.Channel), Basis: string(pp.Basis),
				Description: pp.Description, RetentionDays: pp.RetentionDays, RefreshDays: pp.RefreshDays})
		}
	}
	recipients := in.Recipients
	if recipients == nil {
		recipients = DefaultRecipients()
	}
	p.Statements = statements(in.Controller, purposes, recipients, in.Periods, in.RightsWords, methodsOf(in.Events), len(in.Messages) > 0)
	return p, nil
}

// ActorRef is who did something, as the package names them: a token by its
// id (the controller can tell whose it was; the person needs no staff
// member's name), a command-line user as "cli", and samtykke itself or the
// person as recorded.
func ActorRef(actor string) string {
	switch {
	case strings.HasPrefix(actor, "token:"):
		id, _, _ := strings.Cut(strings.TrimPrefix(actor, "token:"), ":")
		return "token:" + id
	case strings.HasPrefix(actor, "cli:") || actor == "cli":
		return "cli"
	}
	return actor
}

func methodsOf(events []Event) []string {
	var ms []string
	for _, e := range events {
		if !slices.Contains(ms, e.Method) {
			ms = append(ms, e.Method)
		}
	}
	return ms
}

func utc(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.UTC()
}

func hexOf(b []byte) string { return fmt.Sprintf("%x", b) }
