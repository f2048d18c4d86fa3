// SPDX-License-Identifier: AGPL-3.0-only

// Package app holds samtykke's use cases: each combines the domain rules, the
// store and the vault in one transaction, and records every access to
// personal data (invariant 6). It knows nothing of HTTP.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"github.com/samtykke/samtykke/internal/access"
	"github.com/samtykke/samtykke/internal/backup"
	"github.com/samtykke/samtykke/internal/contact"
	"github.com/samtykke/samtykke/internal/controller"
	"github.com/samtykke/samtykke/internal/keyword"
	"github.com/samtykke/samtykke/internal/notify"
	"github.com/samtykke/samtykke/internal/optin"
	"github.com/samtykke/samtykke/internal/phone"
	"github.com/samtykke/samtykke/internal/retention"
	"github.com/samtykke/samtykke/internal/rights"
	"github.com/samtykke/samtykke/internal/staff"
	"github.com/samtykke/samtykke/internal/store"
	"github.com/samtykke/samtykke/internal/tag"
	"github.com/samtykke/samtykke/internal/vault"
	"github.com/samtykke/samtykke/internal/whatsapp"
)

// Errors the transports map to a status.
var (
	// ErrInvalid: the input is malformed or contradictory (400).
	ErrInvalid = errors.New("invalid input")
	// ErrRefused: the input is well formed but a rule refuses it (422).
	ErrRefused = errors.New("refused by rule")
	// ErrForbidden: the actor's role does not allow it (403).
	ErrForbidden = errors.New("forbidden")
)

func invalid(format string, a ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalid, fmt.Sprintf(format, a...))
}

func refused(format string, a ...any) error {
	return fmt.Errorf("%w: %s", ErrRefused, fmt.Sprintf(format, a...))
}

// Config is what the use cases need to know of the deployment.
type Config struct {
	// KeyGrace is how long a rotation keeps the old key retiring once no
	// contact is left under it (default KeyGrace); tests shorten it.
	KeyGrace time.Duration
	// RekeyBatch is how many contacts one transaction of a rotation moves
	// (default 500).
	RekeyBatch int
	// MinAge is the minimum age a person confirms to consent (C-13; default 15).
	MinAge int
	// Phones decides which numbers are accepted (N-01..N-04).
	Phones phone.Policy
	// BusinessName is the controller's name shown to people.
	BusinessName string
	// Controller is the company's details and its DPO's; its Name is
	// BusinessName.
	Controller controller.Controller
	// BusinessNumber is the WhatsApp number people write to, digits only
	// (the wa.me click-to-chat link).
	BusinessNumber string
	// PublicURL is how people reach the public pages.
	PublicURL string
	// OptInTTL is how long an unconfirmed opt-in waits (RT-07; default 72 h).
	OptInTTL time.Duration
	// PreferencesTTL is how long a preference-centre link works (default 30 days).
	PreferencesTTL time.Duration
	// Keywords recognises opt-out and opt-in words (K-01..K-04).
	Keywords *keyword.Matcher
	// RightsWords are what a person writes on WhatsApp to make a rights
	// request (default rights.DefaultWords).
	RightsWords rights.Words
	// EntryCodes are the codes printed in shops' QR codes ("JA BUTIKK").
	EntryCodes []string
	// Tags are the declared contact tags (SAMTYKKE_TAGS): a contact or a
	// campaign's audience may name no other (P-03).
	Tags []tag.Tag
	// WhatsApp sends messages; nil when the channel is not set up.
	WhatsApp *whatsapp.Client
	// Senders are further sending numbers a campaign may name, by
	// phone-number id; each has its own throughput bucket (§3.1).
	Senders []*whatsapp.Client
	// Retention is each data class's period and the erase-after-withdrawal
	// policy (RT-01..RT-08; the defaults: retention.Defaults). Message
	// records default to the proof period, three years (RT-03, RT-08).
	Retention retention.Periods
	// UnknownAfter is how long a message may stay unknown (sent or not, no
	// webhook said) before it is settled as failed; never re-sent. Default
	// eight days: the platform retries webhooks for up to seven (§4.4).
	UnknownAfter time.Duration
	// Dispatch paces campaign sending.
	Dispatch DispatchConfig
	// ImportBatch is how many rows one transaction of an import writes
	// (default importBatch).
	ImportBatch int
	// SMSProvider and EmailProvider name who sends SMS and e-mail for
	// samtykke, when they are real providers (recipients in the record of
	// processing); empty for none or the built-in sink.
	SMSProvider, EmailProvider string
	// SMS and Email send confirmation links; nil when not set up.
	SMS   notify.SMS
	Email notify.Email
	// Observer, when set, is told what the use cases did once it commits
	// (the metrics).
	Observer Observer
	// CheckpointDir, when set, is where each signed ledger checkpoint is
	// also written as a JSON file (SAMTYKKE_CHECKPOINT_DIR): the witness
	// outside the database (L-02).
	CheckpointDir string
	// CheckpointURL, when set, is where each checkpoint is also sent, as a
	// POST of its JSON (SAMTYKKE_CHECKPOINT_URL): a witness on another
	// machine, which must answer 2xx.
	CheckpointURL string
	// Journal, when set, is the erasure journal every erasure is written
	// to before it commits (S-03): a restore re-applies from it the
	// erasures made after its backup.
	Journal *backup.Journal
	// ReceiptTTL is how long a receipt link works (default a year): long
	// enough to keep a copy, not for ever readable from a forwarded message.
	ReceiptTTL time.Duration
	// Argon2 is the cost of staff passwords' hashes (zero:
	// staff.DefaultArgon2); tests make it cheap.
	Argon2 staff.Argon2Params
}

// App is the set of use cases.
type App struct {
	store    store.Store
	vault    *vault.Vault
	cfg      Config
	log      *slog.Logger
	NowFunc  func() time.Time
	statuses statusWriter
	ctrl     atomic.Pointer[controller.Controller] // the configuration's, or the first run's (setup.go)
	// settingsMu orders LoadSettings' reads and Setup's change (setup.go);
	// settingsReads counts the reads (a test checks none is per request).
	settingsMu    sync.Mutex
	settingsReads atomic.Int64
	// hashing admits at most maxHashing password hashes at once (user.go).
	hashing   chan struct{}
	dummyOnce sync.Once
	dummy     string
}

// New wires the use cases.
func New(s store.Store, v *vault.Vault, cfg Config, log *slog.Logger) *App {
	if cfg.MinAge == 0 {
		cfg.MinAge = 15
	}
	if cfg.BusinessName == "" {
		cfg.BusinessName = "Butikken AS"
	}
	cfg.Controller.Name = cfg.BusinessName
	if cfg.OptInTTL == 0 {
		cfg.OptInTTL = optin.DefaultTTL
	}
	cfg.Retention = cfg.Retention.WithDefaults()
	if cfg.ImportBatch <= 0 {
		cfg.ImportBatch = importBatch
	}
	if cfg.UnknownAfter == 0 {
		cfg.UnknownAfter = 8 * 24 * time.Hour
	}
	if cfg.PreferencesTTL == 0 {
		cfg.PreferencesTTL = 30 * 24 * time.Hour
	}
	if cfg.KeyGrace == 0 {
		cfg.KeyGrace = KeyGrace
	}
	if cfg.RekeyBatch == 0 {
		cfg.RekeyBatch = rekeyBatch
	}
	if cfg.ReceiptTTL == 0 {
		cfg.ReceiptTTL = 365 * 24 * time.Hour
	}
	if cfg.Keywords == nil {
		cfg.Keywords, _ = keyword.New(keyword.DefaultLists())
	}
	if cfg.RightsWords == nil {
		cfg.RightsWords = rights.DefaultWords()
	}
	if cfg.EntryCodes == nil {
		cfg.EntryCodes = []string{"BUTIKK"}
	}
	if cfg.Argon2 == (staff.Argon2Params{}) {
		cfg.Argon2 = staff.DefaultArgon2
	}
	a := &App{store: s, vault: v, cfg: cfg, log: log, NowFunc: time.Now, hashing: make(chan struct{}, maxHashing)}
	a.ctrl.Store(&cfg.Controller)
	a.watch()
	return a
}

// Ready reports whether the app can serve: its database answers and its
// schema is current. backend names the database.
func (a *App) Ready(ctx context.Context) (backend string, err error) {
	if err := a.store.Ping(ctx); err != nil {
		return a.store.Backend(), fmt.Errorf("%w: database unreachable", ErrNotReady)
	}
	if ok, err := a.store.SchemaCurrent(ctx); err != nil || !ok {
		return a.store.Backend(), fmt.Errorf("%w: the database schema is behind; run samtykke migrate", ErrNotReady)
	}
	return a.store.Backend(), nil
}

// ErrNotReady is returned by Ready when the app cannot serve.
var ErrNotReady = errors.New("not ready")

// ErrPlatform: the WhatsApp platform did not answer as asked (502).
var ErrPlatform = errors.New("the WhatsApp platform refused or failed")

func (a *App) now() time.Time { return a.NowFunc().UTC().Truncate(time.Microsecond) }

func newID() string { return uuid.Must(uuid.NewV7()).String() }

// Actor is who does something: a token's holder, a staff account logged in
// to the admin UI, a command-line user, a person on a public page, or the
// system itself.
type Actor struct {
	ID        string
	Name      string
	Role      staff.Role
	RequestID string
	// User says ID and Name are a staff account's (a session of the admin
	// UI), not a token's.
	User bool
}

// String is the actor as ledgers and the access log name it:
// "token:<id>:<name>", "user:<id>:<name>", or the name alone.
func (a Actor) String() string {
	switch {
	case a.ID == "":
		return a.Name
	case a.User:
		return "user:" + a.ID + ":" + a.Name
	}
	return "token:" + a.ID + ":" + a.Name
}

// can checks a permission.
func (a Actor) can(p staff.Permission) error {
	if !a.Role.Can(p) {
		return fmt.Errorf("%w: role %q may not %s", ErrForbidden, a.Role, p)
	}
	return nil
}

// System is samtykke acting on its own (jobs, keyword handling).
var System = Actor{Name: "system", Role: staff.Admin}

// recordAccess writes one access-log entry in the transaction.
func (a *App) recordAccess(ctx context.Context, tx store.Tx, actor Actor, action access.Action, contactID, reason string) error {
	return tx.RecordAccess(ctx, access.Entry{ID: newID(), At: a.now(), Actor: actor.String(), Action: action,
		ContactID: contactID, Reason: reason, RequestID: actor.RequestID})
}

// opened is a contact with its data key unwrapped and its number in memory.
type opened struct {
	contact.Contact
	key    *vault.DataKey
	number phone.Number
}

// open unwraps a contact's key and decrypts its number.
func (a *App) open(c contact.Contact) (opened, error) {
	if c.Erased() || c.KeyWrapped == nil {
		return opened{Contact: c}, fmt.Errorf("%w: contact %s was erased", store.ErrNotFound, c.ID)
	}
	key, err := a.vault.Unwrap(c.KeyWrapped)
	if err != nil {
		return opened{}, fmt.Errorf("contact %s: %w", c.ID, err)
	}
	pt, err := key.Open(c.PhoneCT, contact.AAD(c.ID, "phone"))
	if err != nil {
		return opened{}, fmt.Errorf("contact %s: %w", c.ID, err)
	}
	return opened{Contact: c, key: key, number: phone.Number(pt)}, nil
}

// openContact reads a contact in tx and opens it.
func (a *App) openContact(ctx context.Context, tx store.Tx, id string) (opened, error) {
	c, err := tx.Contact(ctx, id)
	if err != nil {
		return opened{}, err
	}
	return a.open(c)
}

// parsePhone parses a number under the configured policy; the error carries no digits.
func (a *App) parsePhone(s string) (phone.Number, error) {
	n, err := a.cfg.Phones.Parse(s)
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrInvalid, err) // the reason already names the phone
	}
	return n, nil
}
