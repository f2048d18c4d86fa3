// SPDX-License-Identifier: AGPL-3.0-only

package sim

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/samtykke/samtykke/internal/whatsapp"
)

// Platform defaults (§3.1, §3.2) and simulator defaults.
const (
	// DefaultMPS is the default per-number throughput (§3.1).
	DefaultMPS = 80
	// DefaultPairRateEvery is the pair rate: one message per user per 6 s (§3.2).
	DefaultPairRateEvery = 6 * time.Second
	// DefaultPairBurst is the tolerated burst to one user within 6 s (§3.2).
	DefaultPairBurst = 45
	// DefaultPhoneNumberID is the simulated business number's Meta id.
	DefaultPhoneNumberID = "100000000000001"
	// DefaultBusinessAccountID is the simulated WABA id, entry[].id in webhooks (§4.5).
	DefaultBusinessAccountID = "100000000000002"
	// DefaultDisplayNumber is metadata.display_phone_number (§4.5), a Norwegian number.
	DefaultDisplayNumber = "4722334455"
	// CustomerServiceWindow is how long an inbound message keeps the window open (§1.7).
	CustomerServiceWindow = 24 * time.Hour
)

// DefaultStatuses are the status webhooks emitted after an accepted send (§4.6).
var DefaultStatuses = []string{whatsapp.StatusSent, whatsapp.StatusDelivered, whatsapp.StatusRead}

// Template is a template the simulator knows (§1.3, §5.4). With no templates
// registered, every template name is accepted and counts as MARKETING.
type Template struct {
	Name     string `json:"name"`
	Language string `json:"language"`
	// Category is MARKETING (default), UTILITY or AUTHENTICATION; only MARKETING
	// is blocked by a user's marketing stop (§5.2).
	Category string `json:"category,omitempty"`
	// Status is APPROVED (default), PAUSED (→ 132015) or DISABLED (→ 132016).
	Status string `json:"status,omitempty"`
	// BodyParams, when set, is the number of body parameters a send must carry (→ 132000).
	BodyParams *int `json:"body_params,omitempty"`
	// Components are its header, body, footer and buttons, as the
	// message_templates endpoint lists them; none for a template registered
	// by name alone.
	Components []whatsapp.TemplateComponent `json:"components,omitempty"`
}

// Config configures a Server. Its zero value is a permissive simulator with no
// limits: start from DefaultConfig for the platform's limits.
type Config struct {
	// AppSecret signs every webhook (X-Hub-Signature-256, §4.3).
	AppSecret string
	// WebhookURL receives the webhooks; empty means none are sent.
	WebhookURL string
	// Token, when set, is the only accepted access token; otherwise any non-empty
	// bearer token is accepted (§1.1).
	Token string
	// PhoneNumberID is the business number's id in the send path (default DefaultPhoneNumberID).
	PhoneNumberID string
	// DisplayNumber is the business number, digits (default DefaultDisplayNumber).
	DisplayNumber string
	// BusinessAccountID is the WABA id (default DefaultBusinessAccountID).
	BusinessAccountID string
	// CountryCode is prepended to a `to` given without "+" (§7); default "47".
	CountryCode string
	// MPS is the per-number throughput in messages per second (§3.1): 80 by
	// default on the platform, 1000 after upgrade. 0 or negative = unlimited.
	MPS int
	// PairRateEvery is the pair rate limit (§3.2): one message per recipient per
	// this duration, 6 s on the platform. 0 disables it.
	PairRateEvery time.Duration
	// PairBurst is how many messages to one recipient may be sent at once,
	// borrowing future quota (§3.2: up to 45); 0 means 1.
	PairBurst int
	// Statuses lists the status webhooks emitted in order after an accepted send:
	// nil means DefaultStatuses (sent, delivered, read); an empty non-nil slice none.
	Statuses []string
	// StatusDelay is the pause before each successive status (0: all at once).
	StatusDelay time.Duration
	// Latency is how long the send endpoint takes to answer a well-formed
	// request: each waits its own draw of this distribution before it is
	// processed, on its own timer, so that requests on separate connections
	// wait side by side (those pipelined on one HTTP/1.1 connection are
	// answered in order, so each waits behind the one before). The zero value
	// answers at once. A latency fault replaces it for the requests it fires
	// on (Fault.LatencyMS).
	Latency Latency
	// LatencySeed, when not 0, makes the draws of Latency and of latency
	// faults a reproducible sequence; 0 draws from a random source.
	LatencySeed uint64
	// ReengagementAsync makes a text or interactive send outside the customer
	// service window answer 200 and then fail with a 131047 status webhook,
	// instead of the synchronous 131047 error (§2.2 notes: both happen).
	ReengagementAsync bool
	// Templates registers templates; see Template.
	Templates []Template
	// TemplatesFile, when set, keeps the templates registered through
	// AddTemplate (POST /_sim/templates) across restarts: New loads them from
	// this JSON file after Templates (a file entry replaces a Templates entry
	// of the same name and language), and each AddTemplate rewrites it
	// atomically with mode 0600. A missing file holds none; its folder must
	// exist. Empty: registered templates live in memory only.
	TemplatesFile string
	// WebhookWorkers is the number of delivery goroutines (default 4).
	WebhookWorkers int
	// WebhookQueue is the delivery queue length (default 65536). When it is full,
	// sends still return at once and the event waits outside the queue.
	WebhookQueue int
	// WebhookBatch is the most statuses one POST carries (default 25). A worker
	// batches only what is already queued, so light traffic gets one per POST.
	WebhookBatch int
	// WebhookRetries is how many times a non-2xx or failed delivery is retried
	// with doubling backoff (default 3; negative: none). The platform retries for
	// days (§4.4), so receivers must be idempotent.
	WebhookRetries int
	// WebhookBackoff is the first retry delay (default 250 ms).
	WebhookBackoff time.Duration
	// WebhookTimeout bounds one webhook POST (default 10 s).
	WebhookTimeout time.Duration
	// DrainTimeout bounds how long Close delivers what is queued (default 5 s).
	DrainTimeout time.Duration
	// MaxRecorded is how many accepted messages GET /_sim/messages keeps, oldest
	// dropped first (default 100000).
	MaxRecorded int
	// Logger receives ids and masked numbers only; nil discards.
	Logger *slog.Logger
	// NowFunc is the clock for limits, windows and timestamps (default time.Now).
	NowFunc func() time.Time
	// HTTPClient posts webhooks and runs Verify (default: keep-alive client).
	HTTPClient *http.Client
}

// DefaultConfig returns the platform's limits: 80 mps (§3.1), one message per
// user per 6 s with bursts up to 45 (§3.2), and sent/delivered/read statuses.
func DefaultConfig() Config {
	return Config{
		MPS:           DefaultMPS,
		PairRateEvery: DefaultPairRateEvery,
		PairBurst:     DefaultPairBurst,
	}
}

// Server is the simulator. Create it with New; it is safe for concurrent use.
type Server struct {
	cfg      Config
	log      *slog.Logger
	now      func() time.Time
	mux      *http.ServeMux
	ids      *idGen
	statuses []string
	display  string // digits

	lat    *LatencySampler // nil: no latency
	tput   *throughput
	users  *users
	faults faults
	// faultSeq numbers latency faults, to seed each from LatencySeed.
	faultSeq atomic.Uint64
	tpls     atomic.Pointer[map[string]Template] // key: name + "\x00" + language
	// tplMu serialises AddTemplate, so that the templates file is written in
	// the order of the registrations; added is what the file holds.
	tplMu sync.Mutex
	added map[string]Template

	recMu   sync.Mutex
	records []*record
	seq     int64

	stats counters
	hooks *hooks
}

var _ http.Handler = (*Server)(nil)

// ErrConfig is returned by New for an unusable configuration.
var ErrConfig = errors.New("sim: invalid config")

// New checks cfg, fills defaults and starts the webhook workers. Call Close.
func New(cfg Config) (*Server, error) {
	if cfg.PhoneNumberID == "" {
		cfg.PhoneNumberID = DefaultPhoneNumberID
	}
	if cfg.BusinessAccountID == "" {
		cfg.BusinessAccountID = DefaultBusinessAccountID
	}
	if cfg.DisplayNumber == "" {
		cfg.DisplayNumber = DefaultDisplayNumber
	}
	if cfg.CountryCode == "" {
		cfg.CountryCode = "47"
	}
	if cfg.PairBurst <= 0 {
		cfg.PairBurst = 1
	}
	if cfg.WebhookWorkers <= 0 {
		cfg.WebhookWorkers = 4
	}
	if cfg.WebhookQueue <= 0 {
		cfg.WebhookQueue = 65536
	}
	if cfg.WebhookBatch <= 0 {
		cfg.WebhookBatch = 25
	}
	if cfg.WebhookRetries == 0 {
		cfg.WebhookRetries = 3
	} else if cfg.WebhookRetries < 0 {
		cfg.WebhookRetries = 0
	}
	if cfg.WebhookBackoff <= 0 {
		cfg.WebhookBackoff = 250 * time.Millisecond
	}
	if cfg.WebhookTimeout <= 0 {
		cfg.WebhookTimeout = 10 * time.Second
	}
	if cfg.DrainTimeout <= 0 {
		cfg.DrainTimeout = 5 * time.Second
	}
	if cfg.MaxRecorded <= 0 {
		cfg.MaxRecorded = 100000
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.NowFunc == nil {
		cfg.NowFunc = time.Now
	}
	if cfg.WebhookURL != "" && cfg.AppSecret == "" {
		return nil, fmt.Errorf("%w: AppSecret is required to sign webhooks", ErrConfig)
	}
	if strings.ContainsAny(cfg.PhoneNumberID, "/?# ") {
		return nil, fmt.Errorf("%w: PhoneNumberID %q", ErrConfig, cfg.PhoneNumberID)
	}
	if err := cfg.Latency.Validate(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	statuses := cfg.Statuses
	if statuses == nil {
		statuses = DefaultStatuses
	}
	for _, st := range statuses {
		if st != whatsapp.StatusSent && st != whatsapp.StatusDelivered && st != whatsapp.StatusRead {
			return nil, fmt.Errorf("%w: status %q, want sent, delivered or read", ErrConfig, st)
		}
	}
	s := &Server{
		cfg:      cfg,
		log:      cfg.Logger,
		now:      cfg.NowFunc,
		ids:      newIDGen(),
		statuses: slices.Clone(statuses),
		display:  whatsapp.Digits(cfg.DisplayNumber),
		tput:     newThroughput(cfg.MPS),
		users:    newUsers(),
	}
	if !cfg.Latency.IsZero() {
		s.lat, _ = NewLatencySampler(cfg.Latency, cfg.LatencySeed)
	}
	if err := s.setTemplates(cfg.Templates); err != nil {
		return nil, err
	}
	if err := s.loadTemplatesFile(); err != nil {
		return nil, err
	}
	s.hooks = newHooks(s)
	s.routes()
	return s, nil
}

func (s *Server) routes() {
	m := http.NewServeMux()
	m.HandleFunc("POST /{version}/{phone}/messages", s.handleSend)
	m.HandleFunc("GET /_sim/messages", s.handleMessages)
	m.HandleFunc("POST /_sim/inbound", s.handleInbound)
	m.HandleFunc("POST /_sim/user_preferences", s.handleUserPreferences)
	m.HandleFunc("GET /_sim/faults", s.handleFaultsList)
	m.HandleFunc("POST /_sim/faults", s.handleFaultsAdd)
	m.HandleFunc("DELETE /_sim/faults", s.handleFaultsClear)
	m.HandleFunc("GET /_sim/templates", s.handleTemplatesList)
	m.HandleFunc("POST /_sim/templates", s.handleTemplatesAdd)
	m.HandleFunc("GET /{version}/{waba}/message_templates", s.handleMessageTemplates)
	m.HandleFunc("POST /{version}/{waba}/message_templates", s.handleCreateTemplate)
	m.HandleFunc("POST /_sim/reset", s.handleReset)
	m.HandleFunc("GET /_sim/stats", s.handleStats)
	s.mux = m
}

// Handler returns the HTTP handler: the Cloud API send path and /_sim/ control.
func (s *Server) Handler() http.Handler { return s.mux }

// ServeHTTP serves Handler, so a *Server is itself an http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// PhoneNumberID returns the simulated business number's id.
func (s *Server) PhoneNumberID() string { return s.cfg.PhoneNumberID }

// BusinessAccountID is the simulated WhatsApp Business Account's id.
func (s *Server) BusinessAccountID() string { return s.cfg.BusinessAccountID }

// DisplayNumber returns the simulated business number, digits only.
func (s *Server) DisplayNumber() string { return s.display }

// Close stops accepting webhook work, delivers what is queued for at most
// DrainTimeout, and stops the workers. Sends after Close still answer but
// emit no webhooks. Close is idempotent.
func (s *Server) Close() { s.hooks.close() }

// WaitIdle blocks until every webhook emitted so far, including delayed
// statuses and pending retries, was delivered or given up, or ctx ends.
func (s *Server) WaitIdle(ctx context.Context) error {
	t := time.NewTicker(2 * time.Millisecond)
	defer t.Stop()
	for s.hooks.pending.Load() > 0 {
		select {
		case <-ctx.Done():
			return fmt.Errorf("sim: wait idle (%d webhook events pending): %w", s.hooks.pending.Load(), ctx.Err())
		case <-t.C:
		}
	}
	return nil
}

// Reset forgets accepted messages, users (windows, pair limits, marketing
// stops), faults and counters, and refills the throughput limiter. Templates
// and queued webhooks stay.
func (s *Server) Reset() {
	s.recMu.Lock()
	s.records, s.seq = nil, 0
	s.recMu.Unlock()
	s.users.reset()
	s.faults.clear()
	s.tput.reset()
	s.stats.reset()
}

// AddFault injects a failure or a latency; see Fault. Its To is read as
// /_sim/inbound reads from, so that any spelling names the same recipient.
func (s *Server) AddFault(f Fault) error {
	if err := f.validate(); err != nil {
		return err
	}
	to := whatsapp.Digits(f.To)
	if wa, ok := s.normalizeFrom(f.To); ok {
		to = wa
	}
	var lat *LatencySampler
	if f.LatencyMS > 0 {
		var seed uint64
		if s.cfg.LatencySeed != 0 {
			seed = s.cfg.LatencySeed + s.faultSeq.Add(1)
		}
		var err error
		if lat, err = NewLatencySampler(f.latency(), seed); err != nil {
			return fmt.Errorf("%w: %w", ErrInvalidFault, err)
		}
	}
	return s.faults.add(f, to, lat)
}

// ClearFaults removes every injected failure.
func (s *Server) ClearFaults() { s.faults.clear() }

// Faults lists the active faults, with the count each has left.
func (s *Server) Faults() []Fault { return s.faults.list() }

func templateKey(name, lang string) string { return name + "\x00" + lang }

// setTemplates replaces the registry.
func (s *Server) setTemplates(list []Template) error {
	m := make(map[string]Template, len(list))
	for _, t := range list {
		t, err := normalizeTemplate(t)
		if err != nil {
			return err
		}
		m[templateKey(t.Name, t.Language)] = t
	}
	s.tpls.Store(&m)
	return nil
}

// loadTemplatesFile registers the templates kept in cfg.TemplatesFile.
func (s *Server) loadTemplatesFile() error {
	s.added = map[string]Template{}
	if s.cfg.TemplatesFile == "" {
		return nil
	}
	list, err := loadTemplates(s.cfg.TemplatesFile)
	if err != nil {
		return fmt.Errorf("%w: templates file %s: %w", ErrConfig, s.cfg.TemplatesFile, err)
	}
	m := *s.tpls.Load()
	for _, t := range list {
		t, err := normalizeTemplate(t)
		if err != nil {
			return fmt.Errorf("templates file %s: %w", s.cfg.TemplatesFile, err)
		}
		m[templateKey(t.Name, t.Language)] = t
		s.added[templateKey(t.Name, t.Language)] = t
	}
	s.tpls.Store(&m)
	return nil
}

// ErrTemplatesFile is returned by AddTemplate when the templates file cannot
// be written; the template is then not registered.
var ErrTemplatesFile = errors.New("sim: templates file not written")

// AddTemplate registers or replaces a template. With a TemplatesFile it is
// written there first, and registered only once the file holds it.
func (s *Server) AddTemplate(t Template) error {
	t, err := normalizeTemplate(t)
	if err != nil {
		return err
	}
	key := templateKey(t.Name, t.Language)
	s.tplMu.Lock()
	defer s.tplMu.Unlock()
	if s.cfg.TemplatesFile != "" {
		added := make(map[string]Template, len(s.added)+1)
		for k, v := range s.added {
			added[k] = v
		}
		added[key] = t
		if err := saveTemplates(s.cfg.TemplatesFile, added); err != nil {
			return fmt.Errorf("%w: %w", ErrTemplatesFile, err)
		}
		s.added = added
	}
	old := s.tpls.Load()
	m := make(map[string]Template, len(*old)+1)
	for k, v := range *old {
		m[k] = v
	}
	m[key] = t
	s.tpls.Store(&m)
	return nil
}

// Templates lists the registered templates.
func (s *Server) Templates() []Template {
	m := *s.tpls.Load()
	out := make([]Template, 0, len(m))
	for _, t := range m {
		out = append(out, t)
	}
	slices.SortFunc(out, func(a, b Template) int {
		return strings.Compare(templateKey(a.Name, a.Language), templateKey(b.Name, b.Language))
	})
	return out
}

func normalizeTemplate(t Template) (Template, error) {
	if t.Name == "" || t.Language == "" {
		return t, fmt.Errorf("%w: template needs name and language", ErrConfig)
	}
	t.Category = strings.ToUpper(t.Category)
	if t.Category == "" {
		t.Category = "MARKETING"
	}
	t.Status = strings.ToUpper(t.Status)
	if t.Status == "" {
		t.Status = "APPROVED"
	}
	switch t.Category {
	case "MARKETING", "UTILITY", "AUTHENTICATION":
	default:
		return t, fmt.Errorf("%w: template category %q", ErrConfig, t.Category)
	}
	switch t.Status {
	case "APPROVED", "PAUSED", "DISABLED":
	default:
		return t, fmt.Errorf("%w: template status %q", ErrConfig, t.Status)
	}
	return t, nil
}
