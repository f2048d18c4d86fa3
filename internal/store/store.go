// SPDX-License-Identifier: AGPL-3.0-only

// Package store is the persistence boundary: one interface, implemented for
// SQLite (the embedded default) and PostgreSQL (several replicas, one
// database), proven alike by one conformance suite (storetest).
//
// The consent ledger is append-only here: there is no method that updates or
// deletes an event.
package store

import (
	"context"
	"errors"
	"time"

	"github.com/riverqueue/river"

	"github.com/samtykke/samtykke/internal/access"
	"github.com/samtykke/samtykke/internal/audit"
	"github.com/samtykke/samtykke/internal/breach"
	"github.com/samtykke/samtykke/internal/campaign"
	"github.com/samtykke/samtykke/internal/consent"
	"github.com/samtykke/samtykke/internal/contact"
	"github.com/samtykke/samtykke/internal/dpia"
	"github.com/samtykke/samtykke/internal/importer"
	"github.com/samtykke/samtykke/internal/ledger"
	"github.com/samtykke/samtykke/internal/message"
	"github.com/samtykke/samtykke/internal/notice"
	"github.com/samtykke/samtykke/internal/optin"
	"github.com/samtykke/samtykke/internal/reply"
	"github.com/samtykke/samtykke/internal/retention"
	"github.com/samtykke/samtykke/internal/rights"
	"github.com/samtykke/samtykke/internal/staff"
	"github.com/samtykke/samtykke/internal/template"
)

// Sentinel errors every backend returns.
var (
	ErrNotFound = errors.New("not found")
	ErrConflict = errors.New("conflict")
)

// Store is a database holding samtykke's state.
type Store interface {
	Reader
	// Tx runs fn in one transaction: committed when fn returns nil, rolled back
	// when it returns an error or panics.
	Tx(ctx context.Context, fn func(Tx) error) error
	// Migrate applies samtykke's and River's migrations; it is idempotent.
	Migrate(ctx context.Context) error
	// SchemaCurrent reports whether every migration has been applied.
	SchemaCurrent(ctx context.Context) (bool, error)
	// Ping checks that the database answers.
	Ping(ctx context.Context) error
	// Queue makes a River client that works jobs on this database.
	Queue(cfg *river.Config) (Queue, error)
	// ReclaimJobs makes the jobs that a process with River client id
	// clientID was running when it died available again at once, instead of
	// after River's rescue interval: for a process restarting under its id.
	ReclaimJobs(ctx context.Context, clientID string) (int64, error)
	// Analyze refreshes the planner's statistics of the tables a campaign
	// reads, so that a campaign right after a large import gets index plans.
	// Where plans are cached per connection (PostgreSQL), the store also
	// refreshes them itself as the tables a campaign fills grow; not on
	// SQLite, where ANALYZE would hold the single writer (measured: a 200 ms
	// stall, and opt-outs behind it).
	Analyze(ctx context.Context) error
	// Scrub makes the database files forget what was deleted or
	// overwritten before it returns (invariant 5): on SQLite, whose deleted
	// content secure_delete already zeroes in the pages, the write-ahead
	// log still holds the pages as they were until a checkpoint copies it
	// and truncates it; Scrub does that. On PostgreSQL the old row versions
	// are the server's to vacuum: Scrub does nothing there.
	Scrub(ctx context.Context) error
	// Backend names the backend: "sqlite" or "postgres".
	Backend() string
	// Close releases the connections.
	Close() error
}

// Queue is a River client that works jobs.
type Queue interface {
	Start(ctx context.Context) error
	Stop(ctx context.Context) error
}

// Reader reads state. Outside a transaction it reads committed data.
type Reader interface {
	Purpose(ctx context.Context, key string) (consent.Purpose, error)
	Purposes(ctx context.Context) ([]consent.Purpose, error)

	Notice(ctx context.Context, id string) (notice.Notice, error)
	Notices(ctx context.Context) ([]notice.Notice, error)
	// CurrentNotice is the newest published notice in a language.
	CurrentNotice(ctx context.Context, lang string) (notice.Notice, error)

	Contact(ctx context.Context, id string) (contact.Contact, error)
	ContactByIndex(ctx context.Context, blindIndex []byte) (contact.Contact, error)
	CountContacts(ctx context.Context) (int64, error)
	// CountActiveConsents counts the consent states that are active.
	CountActiveConsents(ctx context.Context) (int64, error)
	// ContactTags lists a contact's tags, sorted; none for an unknown contact.
	ContactTags(ctx context.Context, contactID string) ([]string, error)
	// Restrictions is the history of a contact's restriction of processing,
	// oldest first; none for an unknown contact.
	Restrictions(ctx context.Context, contactID string) ([]contact.Restriction, error)
	// NumberChange is a contact's new number waiting for its code;
	// ErrNotFound if none waits.
	NumberChange(ctx context.Context, contactID string) (contact.NumberChange, error)
	// NumberChangesTo lists the number changes waiting for the number this
	// blind index names, oldest first.
	NumberChangesTo(ctx context.Context, blindIndex []byte) ([]contact.NumberChange, error)

	// Events returns a contact's chain in order, with each event's sealed evidence.
	Events(ctx context.Context, contactID string) ([]StoredEvent, error)
	// Event is one event of any chain by its id, with its sealed evidence;
	// ErrNotFound when there is none (a consent receipt names its event, L-04).
	Event(ctx context.Context, id string) (StoredEvent, error)
	// ScanChains calls fn for every contact's recorded head and then for each
	// of its events in order, contacts in id order; memory stays constant.
	ScanChains(ctx context.Context, fn func(c ChainItem) error) error
	// LatestCheckpoint is the newest signed checkpoint of the chains, with
	// its heads (L-02); ErrNotFound before the first.
	LatestCheckpoint(ctx context.Context) (ledger.Checkpoint, error)
	ConsentStates(ctx context.Context, contactID string) ([]consent.State, error)
	// ChannelStates is ConsentStates for the purposes on one channel.
	ChannelStates(ctx context.Context, contactID, channel string) ([]consent.State, error)
	ConsentState(ctx context.Context, contactID, purpose string) (consent.State, error)
	// ConsentStatesBetween reads in one statement the states of the contacts
	// whose ids lie from first to last, both included, in the database's
	// order of ids (the order ScanChains walks), ordered by contact and
	// purpose: verification compares a window of contacts at a time with the
	// fold of their chains (invariant 11).
	ConsentStatesBetween(ctx context.Context, first, last string) ([]consent.State, error)

	// ExportContacts reads a page of the list for an export: up to limit
	// contacts not erased whose ids follow after ("" to begin), in id order,
	// each with its consent states (by purpose) and its tags (sorted). A
	// page is a keyset: the export's memory does not grow with the list.
	ExportContacts(ctx context.Context, after string, limit int) ([]ExportContact, error)
	// Suppressions reads a page of the suppression list: up to limit
	// entries whose tokens follow after (nil to begin), bytewise in order.
	Suppressions(ctx context.Context, after []byte, limit int) ([]Suppression, error)

	// SuppressedAt is when a number's token was put on the suppression list;
	// zero when it is not on it.
	SuppressedAt(ctx context.Context, token []byte) (time.Time, error)
	// SuppressedTokens returns when each of these tokens went on the suppression list.
	SuppressedTokens(ctx context.Context, tokens [][]byte) (map[string]time.Time, error)

	ContactByBSUID(ctx context.Context, index []byte) (contact.Contact, error)

	Message(ctx context.Context, id string) (message.Message, error)
	// LastMessage is a contact's newest message of a kind; ErrNotFound if none.
	LastMessage(ctx context.Context, contactID string, kind message.Kind) (message.Message, error)
	// ContactMessages lists every message to a contact, campaign messages
	// and samtykke's own, oldest first; none for an unknown contact.
	ContactMessages(ctx context.Context, contactID string) ([]message.Message, error)
	// PlatformMessages counts a contact's messages that reached the
	// platform (those with a wamid) and returns the newest one's time.
	PlatformMessages(ctx context.Context, contactID string) (n int64, last time.Time, err error)
	// SealedBSUID is a contact's business-scoped user id, sealed under its
	// key; nil when none is recorded.
	SealedBSUID(ctx context.Context, contactID string) ([]byte, error)
	// ExpiredMessages lists up to limit messages created before the time
	// (RT-08). Nothing indexes the creation time (each index costs every
	// message a write), so this reads the table: outside a transaction it
	// does so without holding SQLite's single writer.
	ExpiredMessages(ctx context.Context, before time.Time, limit int) ([]string, error)

	// PendingInbox returns up to limit webhook bodies not yet handled and
	// due by now (not put off by DeferInbox), oldest first.
	PendingInbox(ctx context.Context, limit int, now time.Time) ([]InboxItem, error)
	// FailingInbox counts the stored webhook bodies whose handling failed and
	// that wait to be tried again (DeferInbox).
	FailingInbox(ctx context.Context) (int64, error)

	// Confirmation finds a pending opt-in by the hash of its code.
	Confirmation(ctx context.Context, codeHash []byte) (optin.Confirmation, error)
	// ExpiredConfirmations returns up to limit unconfirmed requests past their expiry.
	ExpiredConfirmations(ctx context.Context, now time.Time, limit int) ([]optin.Confirmation, error)

	Campaign(ctx context.Context, id string) (campaign.Campaign, error)
	// CountAudience counts the contacts a campaign would reach now: active
	// consent for its purpose, narrowed by language and any of its tags.
	// It reads the whole audience, so it runs on a reader: on SQLite's
	// single writer it held withdrawals back (100 ms at 100,000 contacts).
	CountAudience(ctx context.Context, c campaign.Campaign) (int64, error)
	// CountCampaignMessages counts the messages a campaign has decided, in
	// one status or ("") all.
	CountCampaignMessages(ctx context.Context, id string, status message.Status) (int64, error)
	// CampaignCounts counts a campaign's messages by status and, for skipped
	// and failed ones, by reason.
	CampaignCounts(ctx context.Context, id string) ([]Count, error)
	// CampaignLanguages counts a campaign's messages that were not skipped
	// by their recipient's language.
	CampaignLanguages(ctx context.Context, id string) (map[string]int64, error)

	// KeyFingerprint is the fingerprint of the master key the data is sealed
	// under (invariant 10); ErrNotFound before one is recorded.
	KeyFingerprint(ctx context.Context) ([]byte, error)
	// SealedSample returns one contact's wrapped data key, if any is kept,
	// and whether the database holds anything sealed under a master key at
	// all (contacts, pending opt-ins, stored webhook bodies).
	SealedSample(ctx context.Context) (wrapped []byte, any bool, err error)

	// RetentionFacts reads what the retention rules decide on for up to
	// limit contacts after the id after, in id order: those not erased that
	// have no consent active or pending, or that hold declared fields (the
	// others have nothing a rule could take yet).
	RetentionFacts(ctx context.Context, after string, limit int) ([]retention.Facts, error)
	// ContactFacts reads the same for one contact, whatever its state.
	ContactFacts(ctx context.Context, contactID string) (retention.Facts, error)
	// DueRefreshes lists up to limit active consents whose refresh date is
	// before the time (C-10), oldest first.
	DueRefreshes(ctx context.Context, before time.Time, limit int) ([]consent.State, error)
	// RetentionLog lists the newest limit entries of the retention log,
	// newest first; of one class when class is not empty.
	RetentionLog(ctx context.Context, class retention.Class, limit int) ([]retention.Entry, error)
	// ProcessorTasks lists the tasks for processors, oldest first: the open
	// ones, the done ones, or all.
	ProcessorTasks(ctx context.Context, state TaskState, limit int) ([]retention.ProcessorTask, error)

	TokenByHash(ctx context.Context, hash []byte) (staff.Token, error)
	CountTokens(ctx context.Context) (int64, error)
	// Tokens lists every API token, oldest first, revoked and expired ones too.
	Tokens(ctx context.Context) ([]staff.Token, error)
	// Setting reads an operator's setting (settings table); ErrNotFound
	// when it was never made.
	Setting(ctx context.Context, key string) (string, error)
	// User reads a staff account by id, UserByName by its (lower-case)
	// login name; ErrNotFound when there is none.
	User(ctx context.Context, id string) (staff.User, error)
	UserByName(ctx context.Context, name string) (staff.User, error)
	// Users lists every staff account, oldest first, disabled ones too.
	Users(ctx context.Context) ([]staff.User, error)
	// Session reads a session by the hash of its secret, with its user, in
	// one statement; ErrNotFound when there is none.
	Session(ctx context.Context, hash []byte) (staff.Session, staff.User, error)
	// LoginAttempts lists the newest limit entries of the login log, newest
	// first.
	LoginAttempts(ctx context.Context, limit int) ([]staff.LoginAttempt, error)
	// Accesses lists the access-log entries of a contact, oldest first.
	Accesses(ctx context.Context, contactID string) ([]access.Entry, error)
	// ExportLog lists the newest limit exports recorded in the access log,
	// newest first, each with the rows and outcome its end recorded.
	ExportLog(ctx context.Context, limit int) ([]access.Entry, error)
	// AccessLogEnds reads where the access log's chain starts (the newest
	// pruning anchor; zero if nothing was pruned) and ends (its head).
	AccessLogEnds(ctx context.Context) (access.Anchor, access.Head, error)
	// ScanAccessLog calls fn with each access-log entry of seq after+1 to
	// upTo, in seq order; then it returns an *access.Fault if any committed
	// entry is outside the chain.
	ScanAccessLog(ctx context.Context, after, upTo int64, fn func(access.Entry) error) error

	// RightsRequest reads one rights request.
	RightsRequest(ctx context.Context, id string) (rights.Request, error)
	// RightsRequests lists rights requests by due date, earliest first,
	// filtered by the fields set in f.
	RightsRequests(ctx context.Context, f RightsFilter) ([]rights.Request, error)
	// RightsSteps lists a request's recorded steps in order.
	RightsSteps(ctx context.Context, requestID string) ([]rights.Step, error)
	// RightsCounts counts the unanswered requests: all, those due within
	// rights.NearDue of now and not overdue, and those overdue.
	RightsCounts(ctx context.Context, now time.Time) (rights.Counts, error)

	// Breach reads one breach of the register.
	Breach(ctx context.Context, id string) (breach.Incident, error)
	// Breaches lists breaches, the most recent awareness first, filtered by
	// the fields set in f.
	Breaches(ctx context.Context, f BreachFilter) ([]breach.Incident, error)
	// BreachSteps lists a breach's recorded steps in order.
	BreachSteps(ctx context.Context, breachID string) ([]breach.Step, error)
	// BreachCounts counts the open breaches, and those that must be notified
	// and are not: due within breach.DueSoon of now, and overdue (B-01).
	BreachCounts(ctx context.Context, now time.Time) (breach.Counts, error)
	// BreachNotices counts the people recorded as told of a breach, by
	// outcome and, for a queued message, by its status now (Art. 34).
	BreachNotices(ctx context.Context, breachID string) ([]breach.NoticeCount, error)
	// BreachNotice reads whether and how one contact was told of a breach;
	// ErrNotFound when not.
	BreachNotice(ctx context.Context, breachID, contactID string) (breach.PersonNotice, error)
	// UntoldContacts lists up to limit contacts after the contact id after,
	// in id order, that are not yet recorded as told of the breach: every
	// contact, or those with a consent state for purpose when it is set.
	// Erased contacts are listed too, to be recorded as not reachable.
	UntoldContacts(ctx context.Context, breachID, purpose, after string, limit int) ([]contact.Contact, error)

	// DPIA reads a version of the DPIA document (version 0: the newest);
	// ErrNotFound when there is none.
	DPIA(ctx context.Context, version int) (dpia.Document, error)
	// DPIAVersions lists the saved versions, newest first, without their texts.
	DPIAVersions(ctx context.Context) ([]DPIAVersion, error)

	// Import reads an import (importer.Import); ErrNotFound for an unknown id.
	Import(ctx context.Context, id string) (importer.Import, error)
	// UnfinishedImport is the newest import of a file (by its keyed digest)
	// into a purpose that has not finished; ErrNotFound when none.
	UnfinishedImport(ctx context.Context, fileDigest []byte, purpose string) (importer.Import, error)
	// ImportReport lists up to limit rows of an import's report after the
	// row after, in row order.
	ImportReport(ctx context.Context, id string, after, limit int) ([]importer.ReportRow, error)
	// ImportChunk reads chunk n (from 0) of an import's stored file, sealed;
	// ErrNotFound past the last.
	ImportChunk(ctx context.Context, id string, n int) ([]byte, error)
	// ImportedDigests returns which of these row digests were imported
	// before, each with its contact's id, keyed by digest.
	ImportedDigests(ctx context.Context, digests [][]byte) (map[string]string, error)

	// QueueDepth counts the queue's jobs that are not finished, by kind and
	// state (available, scheduled, retryable, running): the metrics read it
	// when scraped.
	QueueDepth(ctx context.Context) ([]JobCount, error)

	// Audit reads a stored compliance audit report (S-04); ErrNotFound for
	// an unknown id.
	Audit(ctx context.Context, id string) (audit.Report, error)
	// Audits lists up to limit stored reports, newest first, without their
	// findings.
	Audits(ctx context.Context, limit int) ([]AuditSummary, error)
	// ScanActiveConsents calls fn for every active consent state, in contact
	// order, with the event it names and that event's sealed evidence, and
	// the contact's wrapped data key: one statement, constant memory (the
	// audit opens the evidence, C-03).
	ScanActiveConsents(ctx context.Context, fn func(ActiveConsent) error) error
	// CheckDispatches cross-checks every dispatched campaign message (one
	// decided and not skipped) against the ledger in SQL (invariants 1 and
	// 2, G-01, G-06): it calls fn for each message whose authorising event
	// is missing, is not a consent of its contact to its purpose, came
	// after the decision, had passed its refresh date, or was followed by a
	// withdrawal, objection, expiry or erasure before the decision, naming
	// the problem (the Dispatch* constants), and returns how many messages
	// it checked.
	CheckDispatches(ctx context.Context, fn func(messageID, problem string) error) (int64, error)
	// OptOutTimes returns how long each opt-out committed since the time
	// took, from its webhook body's receipt (C-05, K-06).
	OptOutTimes(ctx context.Context, since time.Time) ([]time.Duration, error)
	// ScanExpiredOptIns calls fn with the contact of every unconfirmed
	// opt-in that expired before the time (RT-07), soonest expired first.
	ScanExpiredOptIns(ctx context.Context, before time.Time, fn func(contactID string) error) error
	// RetentionBacklog counts, by data class, what is past its period: kept
	// from before the class's cutoff, and from before the cutoff less
	// grace. A class whose cutoff is zero is not counted.
	RetentionBacklog(ctx context.Context, c RetentionCutoffs, grace time.Duration) (RetentionBacklog, error)
	// KeyRecordedAt is when the active master key was recorded: its
	// fingerprint first, or its rotation's start; ErrNotFound before.
	KeyRecordedAt(ctx context.Context) (time.Time, error)

	// Campaigns lists campaigns newest first, filtered and paged by f.
	Campaigns(ctx context.Context, f CampaignFilter) ([]campaign.Campaign, error)
	// Contacts lists contacts newest first, erased ones too, filtered and
	// paged by f.
	Contacts(ctx context.Context, f ContactFilter) ([]contact.Contact, error)
	// AudienceByPurpose counts the active consent states of each purpose:
	// the consented audience (aggregate counts, no contact).
	AudienceByPurpose(ctx context.Context) (map[string]int64, error)
	// ConsentChanges counts the opt-ins (confirmed, soft opt-in) and
	// opt-outs (withdrawn, objected) recorded in the ledger at or after
	// since, by the UTC hour of their time and their kind, in hour order.
	ConsentChanges(ctx context.Context, since time.Time) ([]HourCount, error)
	// Replies lists stored replies newest first, a page of limit (0: 50)
	// after the id before ("" for the first page).
	Replies(ctx context.Context, before string, limit int) ([]reply.Reply, error)
	// ContactReplies lists the replies stored as a contact's, oldest first
	// the person's package holds what they wrote).
	ContactReplies(ctx context.Context, contactID string) ([]reply.Reply, error)
	// Reply is one stored reply; ErrNotFound if there is none.
	Reply(ctx context.Context, id string) (reply.Reply, error)
	// Answer is one stored answer to a reply; ErrNotFound if there is none.
	Answer(ctx context.Context, id string) (reply.Answer, error)
	// ContactAnswers lists staff's answers to a contact, oldest first (R-01:
	// the person's package holds them).
	ContactAnswers(ctx context.Context, contactID string) ([]reply.Answer, error)
	// Templates lists the synced message templates by name and language.
	Templates(ctx context.Context) ([]template.Template, error)
	// Keys are the master keys the database records (S-01), by id.
	Keys(ctx context.Context) ([]Key, error)
	// RekeyProgress counts the contacts a rotation has moved to key id,
	// and all contacts.
	RekeyProgress(ctx context.Context, keyID int) (done, total int64, err error)
}

// CampaignFilter narrows and pages a list of campaigns; zero fields match all.
type CampaignFilter struct {
	Status campaign.Status
	Before string // the last id of the page before; "" for the first page
	Limit  int    // 0: 50
}

// ContactFilter narrows and pages a list of contacts; zero fields match all.
type ContactFilter struct {
	Tag    string // contacts carrying this tag
	Before string // the last id of the page before; "" for the first page
	Limit  int    // 0: 50
}

// HourCount is a number of ledger events of one kind in one UTC hour.
type HourCount struct {
	Hour time.Time
	Kind ledger.Kind
	N    int64
}

// Key is what the database records of a master key: never the key.
type Key struct {
	ID          int
	Fingerprint []byte
	Role        string // vault.RoleActive, RoleRetiring, RoleRetired
	// Carried are the keys a rotation keeps, sealed under this key (nil for key 1).
	Carried       []byte
	CheckpointPub []byte
	ReceiptPub    []byte
	CreatedAt     time.Time
	RetiredAt     time.Time // zero unless retired
}

// Rekey is a contact as a rotation finds it: what it re-wraps and re-indexes.
type Rekey struct {
	ContactID string
	Wrapped   []byte // nil: the contact was erased
	PhoneCT   []byte
	BSUIDCT   []byte
	ChangeCT  []byte // a pending number change's new number, if any
}

// Rekeyed is a contact moved to key KeyID: its data key wrapped under it,
// its number, BSUID and pending new number indexed under it (nil: none).
type Rekeyed struct {
	ContactID   string
	KeyID       int
	Wrapped     []byte
	Index       []byte
	BSUIDIndex  []byte
	ChangeIndex []byte
}

// AuditSummary is a stored audit report without its findings.
type AuditSummary struct {
	ID         string        `json:"id"`
	At         time.Time     `json:"at"`
	Actor      string        `json:"actor"`
	DurationMS int64         `json:"duration_ms"`
	Summary    audit.Summary `json:"summary"`
}

// ActiveConsent is an active consent state with what proves it.
type ActiveConsent struct {
	ContactID string
	Purpose   string
	// Basis is the purpose's legal basis; empty when no such purpose exists.
	Basis   consent.Basis
	EventID string
	// Event is the event the state names, with its sealed evidence; nil
	// when there is no such event.
	Event *StoredEvent
	// KeyWrapped is the contact's wrapped data key; nil once erased.
	KeyWrapped []byte
}

// The problems CheckDispatches names.
const (
	DispatchNoConsentEvent = "no_consent_event"    // names no event of the ledger
	DispatchNotAConsent    = "not_a_consent"       // the event is not a consent of the contact to the purpose
	DispatchBasisMismatch  = "basis_mismatch"      // a soft opt-in for a purpose that needs consent (M-05)
	DispatchBeforeConsent  = "before_consent"      // decided before its consent was given
	DispatchPastRefresh    = "past_refresh_date"   // decided at or after the consent's refresh date (C-10)
	DispatchAfterWithdraw  = "after_withdrawal"    // a withdrawal for the purpose came between
	DispatchAfterObjection = "after_objection"     // an objection came between
	DispatchAfterExpiry    = "after_expiry"        // the consent expired between
	DispatchAfterErasure   = "after_erasure"       // the contact was erased between
	DispatchOtherPurpose   = "purpose_not_defined" // the message's purpose does not exist
)

// OptOutTiming is how long one opt-out written on WhatsApp took to take
// effect: from its webhook body's receipt to the commit. Via is its trigger
// (a fixed word: keyword, button ...). No personal data.
type OptOutTiming struct {
	ID          string
	ReceivedAt  time.Time
	CommittedAt time.Time
	Via         string
}

// RetentionCutoffs say, per data class, that data from before the time is
// past its period; zero: the class is not counted.
type RetentionCutoffs struct {
	Messages  time.Time // message records, by when they were made (RT-08)
	Webhooks  time.Time // handled webhook bodies and redelivery keys
	AccessLog time.Time // access-log entries
	// RightsRequests: the files of rights requests, by when they closed.
	RightsRequests time.Time
	Replies        time.Time // the messages people sent, by when they came, and staff's answers to them
}

// RetentionBacklog is what RetentionBacklog counted per class.
type RetentionBacklog struct {
	Messages, Webhooks, AccessLog, RightsRequests, Replies Backlog
}

// Backlog is data past its period: Due, all of it; Overdue, what is past it
// by more than the grace.
type Backlog struct {
	Due, Overdue int64
}

// JobCount is a number of the queue's jobs of one kind in one state.
type JobCount struct {
	Kind, State string
	N           int64
}

// Tx is a transaction: it reads its own writes.
type Tx interface {
	Reader

	CreatePurpose(ctx context.Context, p consent.Purpose) error // ErrConflict if the key exists

	// RecordKeyFingerprint records the master key's fingerprint unless one is
	// recorded already (the first replica to start wins; all compare with it).
	RecordKeyFingerprint(ctx context.Context, fp []byte, at time.Time) error
	// AddKey records a master key; ErrConflict if its id or fingerprint is
	// recorded, or it is active beside another active key.
	AddKey(ctx context.Context, k Key) error
	// SetKeyRole changes a recorded key's role; at is when it retired.
	SetKeyRole(ctx context.Context, id int, role string, at time.Time) error
	// SetKeyPublished records a key's public signing keys where none are.
	SetKeyPublished(ctx context.Context, id int, checkpoint, receipt []byte) error
	// ContactsToRekey locks and returns up to limit contacts after the id
	// after, in id order, that a rotation has not moved to key keyID.
	ContactsToRekey(ctx context.Context, keyID int, after string, limit int) ([]Rekey, error)
	// Rekey writes what a rotation made of contacts ContactsToRekey locked.
	Rekey(ctx context.Context, moved []Rekeyed) error
	CreateNotice(ctx context.Context, n notice.Notice) error
	// PublishNotice gives a draft its version and hash; ErrConflict if published.
	PublishNotice(ctx context.Context, id string, version int, hash string, at time.Time) error
	// NextNoticeVersion is one more than the newest published version of lang.
	NextNoticeVersion(ctx context.Context, lang string) (int, error)

	// CreateContact stores a new contact; ErrConflict if its blind index exists.
	CreateContact(ctx context.Context, c contact.Contact) error
	// LockContact reads a contact and holds it against concurrent changes of its
	// chain until the transaction ends (SELECT ... FOR UPDATE on PostgreSQL).
	LockContact(ctx context.Context, id string) (contact.Contact, error)
	// LockContactByIndex is LockContact for the contact a blind index names;
	// ErrNotFound if none does.
	LockContactByIndex(ctx context.Context, blindIndex []byte) (contact.Contact, error)
	// LockContactStates is LockContactByIndex with the contact's states of a
	// channel's purposes (ChannelStates), read once the lock is held: one
	// round trip where the database pipelines, as a STOPP waits for each
	// (K-06).
	LockContactStates(ctx context.Context, blindIndex []byte, channel string) (contact.Contact, []consent.State, error)

	// AppendEvent adds the next event of a contact's chain and moves the
	// contact's head; ErrConflict if e does not follow the current head.
	AppendEvent(ctx context.Context, e ledger.Event, sealedEvidence []byte) error
	// AddCheckpoint stores a signed checkpoint of the chains (append-only).
	AddCheckpoint(ctx context.Context, cp ledger.Checkpoint) error
	// PutConsentState stores the folded state of one purpose.
	PutConsentState(ctx context.Context, s consent.State) error

	// Suppress puts a token on the suppression list (idempotent).
	Suppress(ctx context.Context, token []byte, reason string, at time.Time) error

	// SetBSUID records the platform's business-scoped user id of a contact;
	// a contact that held the same BSUID loses it (the platform ties a BSUID
	// to one number).
	SetBSUID(ctx context.Context, contactID string, sealed, index []byte) error
	// ContactBSUIDs reads, for the contacts these blind indexes name (an
	// erased contact is named by none), the index of the BSUID each has
	// recorded, empty for none; keyed by blind index, in one statement.
	ContactBSUIDs(ctx context.Context, blindIndexes [][]byte) (map[string][]byte, error)
	// ObjectByBSUID keeps an objection from a person known only by a BSUID,
	// under a keyed token of it, until LinkBSUIDObjections finds the number
	// (idempotent: a waiting objection keeps its first time; one linked
	// already waits again).
	ObjectByBSUID(ctx context.Context, token, reason string, at time.Time) error
	// LinkBSUIDObjections takes the waiting objections of these tokens and
	// marks them linked at the time given: each is returned once, by token.
	LinkBSUIDObjections(ctx context.Context, tokens []string, at time.Time) (map[string]BSUIDObjection, error)
	// SetContactTags replaces a contact's tags (already checked against the
	// declaration); ErrNotFound for an unknown contact, ErrConflict for an
	// erased one. The database refuses a malformed tag.
	SetContactTags(ctx context.Context, contactID string, tags []string) error
	// RectifyContact stores a contact's corrected language and sealed
	// fields; ErrNotFound for an unknown or erased contact.
	RectifyContact(ctx context.Context, id, language string, fieldsCT []byte) error
	// ChangeContactNumber gives a contact its new number, sealed, with its
	// blind index, region and mobile flag: the undeliverable count
	// starts again and the BSUID goes, since the platform makes a new one for
	// a new number. ErrNotFound for an unknown or erased contact,
	// ErrConflict when another contact holds the blind index.
	ChangeContactNumber(ctx context.Context, id string, phoneCT, blindIndex []byte, region string, mobile bool) error
	// Restrict sets or lifts a contact's restriction (r.On) and records the
	// change in its history; ErrNotFound for an unknown contact.
	Restrict(ctx context.Context, r contact.Restriction) error
	// PutNumberChange stores a contact's new number waiting for its code,
	// in place of any that waited before.
	PutNumberChange(ctx context.Context, n contact.NumberChange) error
	// NumberChangeTried counts a wrong code given for a contact's number
	// change and returns the wrong codes so far; ErrNotFound if none waits.
	NumberChangeTried(ctx context.Context, contactID string) (int, error)
	// DeleteNumberChange ends a contact's number change, if one waits.
	DeleteNumberChange(ctx context.Context, contactID string) error
	// DeleteExpiredNumberChanges deletes up to limit number changes that
	// expired by now, and returns how many.
	DeleteExpiredNumberChanges(ctx context.Context, now time.Time, limit int) (int64, error)
	// EraseContact crypto-shreds a contact: its key, number, fields, tags and ids go,
	// and with them what names it elsewhere by its id: its pending opt-ins and
	// its messages' platform ids (a wamid embeds the number); its
	// pseudonymous row, its messages and its ledger chain stay (L-05,
	// invariant 5). A new number waiting for its code goes too. ErrNotFound
	// for an unknown contact.
	EraseContact(ctx context.Context, id string, at time.Time) error
	// UnlinkErased takes the wamid from every message of the contacts erased
	// at or after the time: a send in flight when its contact was erased may
	// have recorded one since (invariant 5). It returns how many.
	UnlinkErased(ctx context.Context, erasedSince time.Time) (int64, error)
	// PruneContact replaces a contact's sealed declared fields (nil: none)
	// and, with dropTags, deletes its tags: personal data a purpose needed
	// no longer (C-11). ErrNotFound for an unknown contact, ErrConflict for
	// an erased one.
	PruneContact(ctx context.Context, id string, fieldsCT []byte, dropTags bool) error
	// KeepSuppression records why a token stays on the suppression list
	// after its contact was erased (RT-05); ErrNotFound if it is not on it.
	KeepSuppression(ctx context.Context, token []byte, reason string) error
	// DeleteBSUIDObjection deletes the objection kept under a BSUID's token,
	// waiting or linked (erasure).
	DeleteBSUIDObjection(ctx context.Context, token string) error
	// DeleteRateLimits deletes the rate-limit counters of these keys.
	DeleteRateLimits(ctx context.Context, keys []string) error
	// PurgeRateLimits deletes up to limit rate-limit counters whose window
	// started before the time.
	PurgeRateLimits(ctx context.Context, before time.Time, limit int) (int64, error)
	// PruneAccessLog deletes up to limit of the access log's oldest entries,
	// a prefix of the chain whose every entry is from before the time, and
	// records the anchor the rest of the chain starts from (pruned at now).
	PruneAccessLog(ctx context.Context, before, now time.Time, limit int) (int64, error)
	// PurgeRightsRequests deletes up to limit rights requests closed before
	// the time, with their steps, and returns how many requests.
	PurgeRightsRequests(ctx context.Context, before time.Time, limit int) (int64, error)
	// CreateProcessorTask stores a task for a processor.
	CreateProcessorTask(ctx context.Context, t retention.ProcessorTask) error
	// FinishProcessorTask marks a task done, by whom, with a note, and
	// returns it; ErrNotFound for an unknown one, ErrConflict for one done
	// already.
	FinishProcessorTask(ctx context.Context, id, by, note string, at time.Time) (retention.ProcessorTask, error)
	// RecordRetention appends an entry to the retention log (append-only).
	RecordRetention(ctx context.Context, e retention.Entry) error

	CreateMessage(ctx context.Context, m message.Message) error
	// ClaimMessage moves a queued message to sending; ErrConflict if it is not queued.
	ClaimMessage(ctx context.Context, id string, at time.Time) error
	// FinishMessage records the outcome of a send attempt on a message still
	// queued or sending: a status webhook that overtook the answer stays.
	FinishMessage(ctx context.Context, id string, status message.Status, wamid string, code int, title string, at time.Time) error

	// LazyCommit lets this transaction's commit return before it reaches the
	// disk: a crash of the database server in the moment after (at most about
	// 0.6 s on PostgreSQL's defaults) may lose it, never corrupt anything.
	// Only for what such a loss leaves true, if behind: a message's delivery
	// progress (sent, delivered, read), whose send the answer already
	// recorded — or, for the rare message left unknown, that the settling of
	// unknown outcomes reports as never explained; a batch of accepted
	// sends, left sending (then unknown) for their status webhooks to set
	// forward; a sending number's tokens, whose loss lets one batch too many
	// out for the platform's rate limit to slow down.
	LazyCommit(ctx context.Context) error

	// ApplyStatuses applies status webhooks in the order given, forward moves
	// only (message.Advance, each after the ones before it), and reports which
	// changed their message; one for no message of ours changes nothing. Of
	// those that changed their message, a failure marked Undeliverable counts
	// one more for its contact (contact.Contact.Undeliverable), and a message
	// delivered or read sets the count back to 0.
	ApplyStatuses(ctx context.Context, us []StatusUpdate, at time.Time) ([]bool, error)
	// MarkReachable sets the undeliverable count of the contact a blind index
	// names back to 0: the person wrote from that number (P-04).
	MarkReachable(ctx context.Context, blindIndex []byte) error

	// PutInbox stores a webhook body; ErrConflict if the same body is there already.
	PutInbox(ctx context.Context, item InboxItem) error
	MarkInboxProcessed(ctx context.Context, ids []string, at time.Time) error
	// DeferInbox counts a failed attempt at a body and puts it off until
	// retryAt, so that the bodies after it are handled meanwhile.
	DeferInbox(ctx context.Context, id string, retryAt time.Time) error
	// DropInbox deletes handled bodies whose redelivery could change nothing
	// (statuses only move forward), so that they do not pile up.
	DropInbox(ctx context.Context, ids []string) error
	// MarkSeen records that an event was handled; false if it had been already.
	MarkSeen(ctx context.Context, key string, at time.Time) (bool, error)
	// MarkSeenLater is MarkSeen sent with the transaction's next statement
	// where the database pipelines: the function it returns tells the
	// outcome, sending what is held if nothing was sent since.
	MarkSeenLater(ctx context.Context, key string, at time.Time) func() (fresh bool, err error)

	CreateConfirmation(ctx context.Context, c optin.Confirmation) error
	MarkConfirmed(ctx context.Context, id string, at time.Time) error
	DeleteConfirmation(ctx context.Context, id string) error
	// PendingConfirmations counts a contact's unconfirmed requests.
	PendingConfirmations(ctx context.Context, contactID string) (int, error)

	// Hit counts one use of key in a fixed window; false once limit is reached.
	Hit(ctx context.Context, key string, window time.Duration, limit int, now time.Time) (bool, error)

	CreateCampaign(ctx context.Context, c campaign.Campaign) error
	// LockCampaign reads a campaign and holds it against concurrent changes
	// until the transaction ends: what UpdateCampaign then writes back is
	// not an older copy of what a dispatcher recorded meanwhile (its walk,
	// its audience).
	LockCampaign(ctx context.Context, id string) (campaign.Campaign, error)
	// UpdateCampaign stores a campaign's status, audience, walk state and times.
	UpdateCampaign(ctx context.Context, c campaign.Campaign, cursor string) error
	// CampaignCursor is the last contact id the audience walk reached.
	CampaignCursor(ctx context.Context, id string) (string, error)
	// SetCampaignCursor records how far the audience walk got.
	SetCampaignCursor(ctx context.Context, id, cursor string) error
	// SetCampaignAudience records the audience counted at the start, unless
	// the walk already ended (FinishWalk's count stays).
	SetCampaignAudience(ctx context.Context, id string, audience int64) error
	// FinishWalk marks a campaign's audience walked to the end, with its
	// audience: the number of messages it decided (CountCampaignMessages).
	FinishWalk(ctx context.Context, id string, audience int64) error
	// ClaimAudience takes up to limit contacts of a campaign's audience
	// after the contact id after, in id order, holds them against concurrent
	// withdrawals until the transaction ends and reads, in a fresh snapshot,
	// what the gate needs. Nothing is written: the audience is never
	// expanded into rows ahead of its decisions.
	ClaimAudience(ctx context.Context, c campaign.Campaign, after string, limit int) ([]DispatchRow, error)
	// LockQueued picks up to limit queued messages of a campaign (put back
	// for another try) that are due by now, to contacts after the contact id
	// after, and locks their contacts against concurrent withdrawals until
	// the transaction ends.
	LockQueued(ctx context.Context, campaignID, after string, limit int, now time.Time) ([]string, error)
	// DispatchRows reads, in a fresh snapshot, what the gate needs for the
	// campaign's messages to these contacts.
	DispatchRows(ctx context.Context, campaignID, purpose string, contactIDs []string) ([]DispatchRow, error)
	// ClaimQueued is LockQueued then DispatchRows: up to limit queued
	// messages, their contacts held against withdrawals, read afresh.
	ClaimQueued(ctx context.Context, campaignID, purpose, after string, limit int, now time.Time) ([]DispatchRow, error)
	// DecideMessages records gate decisions for a campaign: a new message
	// for a contact it has not decided before, or a queued one decided
	// again; sending with the authorising event, skipped with the reason (or
	// queued: not decided yet). It returns the ids it recorded: a message
	// decided before is left as it is, and must not be sent again.
	DecideMessages(ctx context.Context, c campaign.Campaign, ds []Decision, at time.Time) ([]string, error)
	// RecordResults records send outcomes. A message put back to queued by a
	// counted retry fails for good on its maxAttempts-th (reference §2.2);
	// one put back by its recipient's pair rate limit is due again after a
	// growing wait, and fails on its PairLimitTries-th.
	RecordResults(ctx context.Context, rs []Result, at time.Time, maxAttempts int) error
	// NextQueued reports whether some of a campaign's messages wait to be
	// decided (again), and when the first of them is due (zero: at once).
	NextQueued(ctx context.Context, campaignID string) (due time.Time, queued bool, err error)
	// SkipQueued ends a campaign's queued messages as skipped, with a reason.
	SkipQueued(ctx context.Context, campaignID, reason string, at time.Time) (int64, error)
	// AbandonDispatching marks a campaign's messages left in dispatching by a
	// crash as unknown: they may have left, so they are never re-sent.
	AbandonDispatching(ctx context.Context, campaignID string, at time.Time) (int64, error)
	// TakeTokens takes up to want tokens from a sending number's bucket
	// (rate per second, burst at most) and returns how many it got.
	TakeTokens(ctx context.Context, sender string, want int, rate, burst float64, now time.Time) (int, error)
	// BorrowToken takes one token from a sending number's bucket for a
	// message that does not wait for one (a confirmation, an answer, a
	// code): the bucket may go below zero, and a campaign's batches on that
	// number wait until it has refilled. The platform's throughput limit
	// counts every message a number sends (§3.1).
	BorrowToken(ctx context.Context, sender string, rate, burst float64, now time.Time) error
	// LateDecisions counts a campaign's messages that were decided (and not
	// skipped) at or after a withdrawal or objection of their contact: the
	// audit of invariant 2, which must be zero.
	LateDecisions(ctx context.Context, campaignID string) (int64, error)
	// SettleUnknown fails up to limit messages unknown since before, with
	// the title as the reason.
	SettleUnknown(ctx context.Context, before time.Time, title string, at time.Time, limit int) (int64, error)
	// DeleteMessages deletes messages by id (RT-08: see ExpiredMessages).
	DeleteMessages(ctx context.Context, ids []string) (int64, error)
	// PurgeWebhooks deletes up to limit handled webhook bodies and seen keys
	// of each kind from before the time: past the platform's retries, a
	// redelivery no longer needs recognising.
	PurgeWebhooks(ctx context.Context, before time.Time, limit int) (int64, error)

	// CreateRightsRequest stores a new request with, while its identity is
	// unproven, the code sent to the number.
	CreateRightsRequest(ctx context.Context, r rights.Request, code RightsCode) error
	// UpdateRightsRequest stores a request's state, deadline, extension,
	// verification and answer; ErrNotFound for an unknown id.
	UpdateRightsRequest(ctx context.Context, r rights.Request) error
	// AddRightsStep records a step of a request.
	AddRightsStep(ctx context.Context, s rights.Step) error
	// LockRightsCode reads a request's code and holds the request until the
	// transaction ends; SetRightsCode replaces it (a nil hash clears it).
	LockRightsCode(ctx context.Context, requestID string) (RightsCode, error)
	SetRightsCode(ctx context.Context, requestID string, code RightsCode) error

	// CreateBreach records a breach in the register; ErrConflict if the id exists.
	CreateBreach(ctx context.Context, i breach.Incident) error
	// UpdateBreach stores a breach's changed fields (never its creation);
	// ErrNotFound for an unknown id. The register has no delete.
	UpdateBreach(ctx context.Context, i breach.Incident) error
	// LockBreach reads a breach and holds it against concurrent changes until
	// the transaction ends.
	LockBreach(ctx context.Context, id string) (breach.Incident, error)
	// AddBreachStep records a step of a breach's handling (append-only).
	AddBreachStep(ctx context.Context, s breach.Step) error
	// AddBreachNotice records that a contact was told of a breach, or could
	// not be; false, changing nothing, when the contact is recorded already.
	AddBreachNotice(ctx context.Context, n breach.PersonNotice) (bool, error)

	// AddDPIA stores a new version of the DPIA document (append-only);
	// ErrConflict if the version exists.
	AddDPIA(ctx context.Context, d dpia.Document) error

	// AddAudit stores a compliance audit report (append-only); ErrConflict
	// if its id exists.
	AddAudit(ctx context.Context, r audit.Report) error
	// RecordOptOutTime records how long an opt-out took to take effect,
	// in the transaction that commits it.
	RecordOptOutTime(ctx context.Context, t OptOutTiming) error
	// CreateImport records a new import; ErrConflict if the id exists.
	CreateImport(ctx context.Context, imp importer.Import) error
	// UpdateImport stores an import's state, progress, counts, error, size
	// and finish time; ErrNotFound for an unknown id.
	UpdateImport(ctx context.Context, imp importer.Import) error
	// AddImportChunk stores chunk n of an import's file, sealed.
	AddImportChunk(ctx context.Context, id string, n int, sealed []byte) error
	// DeleteImportChunks deletes an import's stored file.
	DeleteImportChunks(ctx context.Context, id string) error
	// LockContactsByIndex is LockContactByIndex for many blind indexes at
	// once: the contacts found (an erased contact has no index), keyed by
	// blind index.
	LockContactsByIndex(ctx context.Context, blindIndexes [][]byte) (map[string]contact.Contact, error)
	// PurposeStates reads the state of one purpose of these contacts, keyed
	// by contact id; a contact without one is left out.
	PurposeStates(ctx context.Context, contactIDs []string, purpose string) (map[string]consent.State, error)
	// WriteImport writes one batch of an import in bulk (see ImportWrite).
	// ErrConflict when a contact's number is taken meanwhile or a chain's
	// head moved: the transaction then fails whole.
	WriteImport(ctx context.Context, w ImportWrite) error

	CreateToken(ctx context.Context, t staff.Token) error
	// CreateFirstToken creates t only when there is no token at all, one
	// transaction at a time across replicas (serve's first-run token when
	// several start together on an empty database); it reports whether it did.
	CreateFirstToken(ctx context.Context, t staff.Token) (bool, error)
	// PutSetting makes or replaces an operator's setting, naming who made it.
	PutSetting(ctx context.Context, key, value, by string, at time.Time) error
	// RevokeToken marks a token revoked at at; ErrNotFound if there is no
	// such token, ErrConflict if it was revoked already.
	RevokeToken(ctx context.Context, id string, at time.Time) error

	// CreateUser stores a staff account; ErrConflict when its name is taken.
	CreateUser(ctx context.Context, u staff.User) error
	// DisableUser marks an account disabled at at and deletes its sessions;
	// ErrNotFound for an unknown id, ErrConflict when it is disabled already.
	DisableUser(ctx context.Context, id string, at time.Time) error
	// SetPassword stores a new password hash; ErrNotFound for an unknown id.
	SetPassword(ctx context.Context, id, hash string) error
	// SetTOTP stores a sealed TOTP secret and when it was confirmed (zero:
	// an enrolment waiting for its first code), resetting the last step
	// used; ErrNotFound for an unknown id.
	SetTOTP(ctx context.Context, id string, sealed []byte, confirmedAt time.Time) error
	// UseTOTPStep records that a code of step was accepted, and reports
	// false, changing nothing, when a code of that step or a later one was
	// accepted before (a code is used once, on every replica).
	UseTOTPStep(ctx context.Context, id string, step int64) (bool, error)
	// LoginFailed counts a failed login of an account at at and, at the
	// max-th failure in a row, locks it until at+lockFor and restarts the
	// count; it reports whether this failure locked it.
	LoginFailed(ctx context.Context, id string, at time.Time, max int, lockFor time.Duration) (bool, error)
	// LoginSucceeded restarts the failure count and records the login's time.
	LoginSucceeded(ctx context.Context, id string, at time.Time) error
	// RecordLogin appends an entry to the login log.
	RecordLogin(ctx context.Context, a staff.LoginAttempt) error
	// CreateSession stores a session, deleting the sessions that expired
	// before its creation.
	CreateSession(ctx context.Context, s staff.Session) error
	// TouchSession records a session's latest request.
	TouchSession(ctx context.Context, id string, at time.Time) error
	// DeleteSession ends a session; deleting one that is gone is no error.
	DeleteSession(ctx context.Context, id string) error
	// DeleteSessions ends every session of a user and returns how many.
	DeleteSessions(ctx context.Context, userID string) (int64, error)
	// PurgeLoginLog deletes up to limit login-log entries from before the
	// time (kept as long as the access log).
	PurgeLoginLog(ctx context.Context, before time.Time, limit int) (int64, error)
	// AddReply stores a reply; ErrConflict if its id exists.
	AddReply(ctx context.Context, r reply.Reply) error
	// PurgeReplies deletes up to limit replies received before the time.
	PurgeReplies(ctx context.Context, before time.Time, limit int) (int64, error)
	// AddAnswer stores staff's answer to a reply; ErrConflict if its id
	// exists.
	AddAnswer(ctx context.Context, a reply.Answer) error
	// PurgeAnswers deletes up to limit answers written before the time.
	PurgeAnswers(ctx context.Context, before time.Time, limit int) (int64, error)
	// PutTemplate stores a synced template, in place of the one with its
	// name and language.
	PutTemplate(ctx context.Context, t template.Template) error
	// RecordAccess writes an access-log entry; the transaction seals it into
	// the log's hash chain as it commits (invariant 6).
	RecordAccess(ctx context.Context, e access.Entry) error
	// FinishExport records how an export recorded as access.Started ended:
	// end is an access.ExportEnd entry whose Refers names the export, with
	// its rows and outcome; ErrNotFound unless such an export is still
	// started.
	FinishExport(ctx context.Context, end access.Entry) error

	// Enqueue inserts a River job in this transaction: it runs only if the
	// state it acts on commits.
	Enqueue(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) error
}

// ImportWrite is one batch of an import: new contacts (each with its head
// at its last event here, its tags and its first events), events appended
// to existing contacts' chains (whose heads move from Moved), the states the
// events fold into, the tags added to contacts, the digests of the rows
// imported, each with its report (line and reason), and the report of the
// rows not imported. ImportReport gives both, in line order.
type ImportWrite struct {
	ImportID string
	Contacts []contact.Contact
	Events   []StoredEvent
	// Moved names, for each existing contact an event here extends, the
	// head sequence it had when read: the chain must not have moved since.
	Moved   map[string]int64
	States  []consent.State
	Tags    []ContactTag
	Digests []ImportDigest
	Rows    []importer.ReportRow // the rows not imported
}

// ContactTag is one tag of one contact.
type ContactTag struct{ ContactID, Tag string }

// ImportDigest is the keyed digest of an imported row and its contact, with
// the row's report: its line and reason (its outcome is imported).
type ImportDigest struct {
	Digest    []byte
	ContactID string
	Line      int
	Reason    string
}

// TaskState selects processor tasks by whether they are done.
type TaskState string

// The task states a list selects.
const (
	TasksOpen TaskState = "open"
	TasksDone TaskState = "done"
	TasksAll  TaskState = "all"
)

// DPIAVersion is one saved version of the DPIA.
type DPIAVersion struct {
	Version int       `json:"version"`
	At      time.Time `json:"at"`
	Author  string    `json:"author"`
}

// RightsFilter narrows a list of rights requests; zero fields match all.
type RightsFilter struct {
	State     rights.State
	ContactID string
	Limit     int // 0: 1,000
}

// BreachFilter narrows a list of breaches; zero fields match all.
type BreachFilter struct {
	State breach.State
	Limit int // 0: 1,000
}

// RightsCode is the hash of the one-time code sent to a request's number
// (T-04), when it expires and how many wrong codes were tried.
type RightsCode struct {
	Hash    []byte
	Expires time.Time
	Tries   int
}

// Count is a number of a campaign's messages in one status (and reason).
type Count struct {
	Status message.Status
	Reason string
	N      int64
}

// DispatchRow is what the gate needs to decide one campaign message.
type DispatchRow struct {
	MessageID string
	Status    message.Status
	Contact   contact.Contact
	State     consent.State
}

// Decision is the gate's verdict on one message.
type Decision struct {
	MessageID      string
	ContactID      string
	Status         message.Status // sending or skipped
	ConsentEventID string
	Reason         string
}

// Result is the outcome of one send.
type Result struct {
	MessageID string
	Status    message.Status // sent, failed, unknown, or queued to try again
	WAMID     string
	Code      int
	Title     string
	// Counted marks a retryable failure that uses up one of the message's
	// attempts; the number's own rate limit and a request that never left
	// do not count.
	Counted bool
	// PairLimited marks a refusal for the recipient's pair rate limit
	// (131056): the message waits before its next try, and fails only after
	// PairLimitTries of them.
	PairLimited bool
}

// PairLimitTries is how many times a message may meet its recipient's pair
// rate limit before it fails. After the X-th refusal it waits 4^(X-1)
// seconds (1, 4, 16 ... 4,096: about 91 minutes in all), as the platform
// advises (WhatsApp reference §3.2), and uses up none of its attempts.
const PairLimitTries = 8

type urgentKey struct{}

// Urgent marks the transactions run with ctx as urgent: a store with a single
// writer lets them go before the others waiting, one with a connection pool
// gives them connections of their own (a withdrawal must not queue behind a
// campaign's batches).
func Urgent(ctx context.Context) context.Context { return context.WithValue(ctx, urgentKey{}, true) }

// IsUrgent reports whether ctx was marked by Urgent.
func IsUrgent(ctx context.Context) bool { v, _ := ctx.Value(urgentKey{}).(bool); return v }

// StatusUpdate is a status webhook for one message, found by its id (our
// biz_opaque_callback_data) or, when that is empty, by its wamid among the
// messages of the recipient's contact (ContactID).
type StatusUpdate struct {
	ID, WAMID string
	ContactID string
	Status    message.Status
	Code      int
	Title     string
	// Undeliverable marks a failure that says the number could not be
	// reached (131026, P-04).
	Undeliverable bool
}

// BSUIDObjection is an objection given by a person the platform named only
// by their business-scoped user id (reference §7).
type BSUIDObjection struct {
	Reason string // as on the suppression list: "objection:keyword" ...
	At     time.Time
}

// InboxItem is a webhook body as received, sealed (it holds numbers), kept
// until it is handled.
type InboxItem struct {
	ID         string
	Digest     []byte // SHA-256 of the raw body: a redelivery is the same body
	ReceivedAt time.Time
	BodyCT     []byte
	// ProcessedAt, when set, stores the item as handled already (its body
	// then empty): the digest alone keeps a redelivery from acting twice.
	ProcessedAt time.Time
	Attempts    int // failed attempts at handling it (DeferInbox)
}

// ExportContact is one contact of an export's page, with its consent
// states and its tags.
type ExportContact struct {
	Contact contact.Contact
	States  []consent.State
	Tags    []string
}

// Suppression is one entry of the suppression list: a keyed hash of a
// number (vault.SuppressionToken), never the number (RT-05).
type Suppression struct {
	Token  []byte
	Reason string
	At     time.Time
}

// StoredEvent is an event with its evidence sealed under the contact's key
// (nil once the contact is erased).
type StoredEvent struct {
	ledger.Event
	SealedEvidence []byte
}

// ChainItem is one step of ScanChains: a contact's recorded head (Event nil),
// or one of its events.
type ChainItem struct {
	ContactID  string
	Head       ledger.Head // the head the contact row records
	KeyWrapped []byte      // the contact's wrapped data key; nil once erased
	// PhoneSealed is the contact's number sealed under its data key (nil
	// once erased): verification opens it for the suppression token of a
	// contact who objected (invariant 11).
	PhoneSealed []byte
	Event       *StoredEvent
}

// SnapshotInfo is what a backup's manifest says of the snapshot a store
// took (S-03).
type SnapshotInfo struct {
	// SchemaVersion is the newest samtykke migration the snapshot has.
	SchemaVersion int
	// QueueVersion is the newest River migration (PostgreSQL).
	QueueVersion int
}
