// SPDX-License-Identifier: AGPL-3.0-only

// Package config loads samtykke's configuration: environment first
// (SAMTYKKE_*), every secret also from a *_FILE twin, command-line flags on
// top. Load returns a value, never a global; Dump prints it with secrets
// redacted.
package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/samtykke/samtykke/internal/controller"
	"github.com/samtykke/samtykke/internal/retention"
	"github.com/samtykke/samtykke/internal/rights"
	"github.com/samtykke/samtykke/internal/tag"
)

// Config is the whole configuration.
type Config struct {
	DataDir      string // SQLite file and key file live here
	DatabaseURL  string `secret:"true"` // postgres://... selects PostgreSQL
	Addr         string // serve's listen address
	PublicURL    string // how people reach the public pages; empty: serve's own address
	MasterKey    string `secret:"true"` // base64, one key a line; else DataDir/master.key
	MinAge       int    // C-13
	PhoneRegions []string
	BusinessName string
	LogFormat    string // text or json
	LogLevel     string // debug, info, warn, error
	// MasterKeyFile is SAMTYKKE_MASTER_KEY_FILE when the keys come from it:
	// the keyring reads it again at every refresh, so a key added to it
	// during a rotation is seen without a restart (S-01).
	MasterKeyFile string
	// MetricsToken is the bearer token /metrics takes; empty refuses every scrape.
	MetricsToken string `secret:"true"`
	// TrustedProxies are the reverse proxies (CIDRs) whose X-Forwarded-For
	// names the client address; empty: the header is never read.
	TrustedProxies []string
	// SimAddr is where the built-in simulator's control endpoints (/_sim/)
	// and its Cloud API send path listen, never on Addr: loopback by default.
	SimAddr string
	// TLS, when set, makes serve answer HTTPS itself.
	TLS TLS
	// ReplicaID names this process among the replicas, the same across its
	// restarts: a restarted replica takes back its own jobs at once.
	ReplicaID  string
	EntryCodes []string
	// Retention is each data class's period and the erase-after-withdrawal
	// policy (RT-01; SAMTYKKE_RETENTION_*, SAMTYKKE_ERASE_AFTER_WITHDRAWAL).
	Retention retention.Periods
	// SendAttempts is how many retryable failures a campaign message may
	// have before it fails (neither the number's own rate limit nor the
	// recipient's pair limit counts).
	SendAttempts int
	// UnknownAfterDays is how long a message may stay unknown before it is
	// settled as failed (never re-sent).
	UnknownAfterDays int
	OptOutWords      []string // replace the default opt-out keywords when set
	OptInWords       []string // replace the default opt-in keywords when set
	// RightsWords, when set, replaces the words of a rights request written
	// on WhatsApp: "WORD=type,..." (checked by rights.ParseWords).
	RightsWords string
	// Tags are the contact tags a contact may carry, each with a description
	// (P-03: nothing undeclared is stored).
	Tags []tag.Tag
	// CheckpointDir, when set, is where each signed ledger checkpoint is
	// also written as a JSON file (L-02): the witness outside the database.
	CheckpointDir string
	// ErasureJournal is the erasure journal's file (S-03); empty: the file
	// erasures.jsonl in the data folder (ErasureJournalPath).
	ErasureJournal string
	// CheckpointURL, when set, is where each signed ledger checkpoint is
	// also sent (an HTTP POST of its JSON): a witness on another machine.
	CheckpointURL string
	// ReceiptLinkDays is how long a consent receipt's link works.
	ReceiptLinkDays int

	// Controller is the company's details and its DPO's (Art. 13(1)(a)-(b),
	// 30(1)(a)); its Name is BusinessName.
	Controller controller.Controller

	WhatsApp WhatsApp
	SMTP     SMTP
}

// TLS is serve's certificate: files (re-read when they change and on
// SIGHUP, for rotation) or PEM given inline (fixed until a restart).
type TLS struct {
	CertFile, KeyFile string
	Cert              string
	Key               string `secret:"true"`
}

// Enabled reports whether serve answers HTTPS.
func (t TLS) Enabled() bool { return t.CertFile != "" || t.Cert != "" }

// SMTP configures e-mail for opt-in confirmation links; with no Addr, serve
// keeps e-mails in an in-memory sink shown at /_sim/notify on the
// simulator's own address (SimAddr).
type SMTP struct {
	Addr     string
	From     string
	Username string
	Password string `secret:"true"`
}

// WhatsApp configures the Cloud API. With no Token, serve runs the simulator.
type WhatsApp struct {
	BaseURL       string
	Version       string
	Token         string `secret:"true"`
	PhoneNumberID string
	// BusinessAccountID is the WhatsApp Business Account (WABA) whose
	// message templates are synced.
	BusinessAccountID string
	// BusinessNumber is the number people write to, for wa.me links.
	BusinessNumber string
	// MPS is the sending number's throughput: 80 by default, up to 1,000 (§3.1).
	MPS int
	// MaxInFlight caps the campaign requests of one number awaiting their
	// answers; 0: three seconds of its rate (rate × answer time are needed).
	MaxInFlight int
	// Pipeline is how many campaign requests one connection carries at once
	// (HTTP/1.1 pipelining); 0 sends one at a time through the HTTP client,
	// which honours HTTPS_PROXY.
	Pipeline int
	// MorePhoneNumberIDs are further sending numbers on the same account,
	// each paced on its own; a campaign names one as its sender.
	MorePhoneNumberIDs []string
	AppSecret          string `secret:"true"`
	VerifyToken        string `secret:"true"`
}

// Simulated reports whether the built-in simulator stands in for the Cloud API.
func (w WhatsApp) Simulated() bool { return w.Token == "" }

// key is one configuration key.
type key struct {
	env    string
	flag   string // "" when there is no flag
	usage  string
	def    string
	secret bool
	set    func(c *Config, v string) error
	// dump, when set, turns the value into one line for Dump.
	dump func(v string) string
	// effective, when set, is what Dump shows for a key left empty: the
	// value it takes from others.
	effective func(c Config) string
}

func str(p func(c *Config) *string) func(*Config, string) error {
	return func(c *Config, v string) error { *p(c) = v; return nil }
}

// intKey reads a whole number.
func intKey(p func(c *Config) *int) func(*Config, string) error {
	return func(c *Config, v string) error {
		n, err := strconv.Atoi(v)
		if err != nil {
			return errors.New("must be a whole number")
		}
		*p(c) = n
		return nil
	}
}

// optionalInt reads a whole number; empty leaves the field as it is.
func optionalInt(p func(c *Config) *int) func(*Config, string) error {
	return func(c *Config, v string) error {
		if v == "" {
			return nil
		}
		return intKey(p)(c, v)
	}
}

// messageAlias reads SAMTYKKE_MESSAGE_RETENTION_DAYS, the older name of
// SAMTYKKE_RETENTION_MESSAGE_DAYS, which wins when both are set alike.
func messageAlias(c *Config, v string) error {
	if v == "" {
		return nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return errors.New("must be a whole number")
	}
	switch m := c.Retention.Messages; {
	case m == 0:
		c.Retention.Messages = n
	case m != n:
		return fmt.Errorf("is %d but %s is %d: set only %s", n, retention.SettingMessages, m, retention.SettingMessages)
	}
	return nil
}

// compactJSON puts a JSON value, which a *_FILE twin may spread over lines,
// on one line; anything else is left as it is.
func compactJSON(v string) string {
	var b bytes.Buffer
	if json.Compact(&b, []byte(v)) != nil {
		return v
	}
	return b.String()
}

// list reads a comma-separated list; upper turns entries to upper case.
func list(p func(c *Config) *[]string, upper bool) func(*Config, string) error {
	return func(c *Config, v string) error {
		*p(c) = nil
		for _, x := range strings.Split(v, ",") {
			if x = strings.TrimSpace(x); x != "" {
				if upper {
					x = strings.ToUpper(x)
				}
				*p(c) = append(*p(c), x)
			}
		}
		return nil
	}
}

var keys = []key{
	{env: "SAMTYKKE_DATA_DIR", flag: "data-dir", def: "./samtykke-data", usage: "folder for the SQLite database and the key file",
		set: str(func(c *Config) *string { return &c.DataDir })},
	{env: "SAMTYKKE_DATABASE_URL", flag: "database-url", secret: true, usage: "postgres:// URL selects PostgreSQL; otherwise SQLite in the data folder",
		set: str(func(c *Config) *string { return &c.DatabaseURL })},
	{env: "SAMTYKKE_ADDR", flag: "addr", def: "127.0.0.1:8080", usage: "HOST:PORT to listen on",
		set: str(func(c *Config) *string { return &c.Addr })},
	{env: "SAMTYKKE_SIM_ADDR", flag: "sim-addr", def: "127.0.0.1:8089", usage: "HOST:PORT of the built-in simulator (no Cloud API token): its /_sim/ control endpoints and send path; never served on SAMTYKKE_ADDR, loopback by default",
		set: str(func(c *Config) *string { return &c.SimAddr })},
	{env: "SAMTYKKE_TLS_CERT_FILE", usage: "PEM certificate chain: serve answers HTTPS (TLS 1.2+) and re-reads it when it changes or on SIGHUP (SAMTYKKE_TLS_CERT: the PEM itself)",
		set: str(func(c *Config) *string { return &c.TLS.CertFile })},
	{env: "SAMTYKKE_TLS_KEY_FILE", usage: "PEM private key of the certificate, re-read with it (SAMTYKKE_TLS_KEY: the PEM itself)",
		set: str(func(c *Config) *string { return &c.TLS.KeyFile })},
	{env: "SAMTYKKE_TLS_CERT", usage: "PEM certificate chain given inline (SAMTYKKE_TLS_CERT_FILE names a file instead)",
		set: str(func(c *Config) *string { return &c.TLS.Cert })},
	{env: "SAMTYKKE_TLS_KEY", secret: true, usage: "PEM private key given inline",
		set: str(func(c *Config) *string { return &c.TLS.Key })},
	{env: "SAMTYKKE_METRICS_TOKEN", secret: true, usage: "bearer token that /metrics takes (a Prometheus scraper's); unset refuses every scrape",
		set: str(func(c *Config) *string { return &c.MetricsToken })},
	{env: "SAMTYKKE_TRUSTED_PROXIES", usage: "reverse proxies (CIDRs, comma separated) whose X-Forwarded-For names the client for the per-IP limits; unset: the header is ignored",
		set: list(func(c *Config) *[]string { return &c.TrustedProxies }, false)},
	{env: "SAMTYKKE_PUBLIC_URL", usage: "base URL of the public pages (default http://ADDR)",
		set: str(func(c *Config) *string { return &c.PublicURL })},
	{env: "SAMTYKKE_MASTER_KEY", secret: true, usage: "base64 master key (two, one a line, during a rotation); default: a key file in the data folder",
		set: str(func(c *Config) *string { return &c.MasterKey })},
	{env: "SAMTYKKE_MIN_AGE", def: "15", usage: "minimum age to consent (C-13)",
		set: intKey(func(c *Config) *int { return &c.MinAge })},
	{env: "SAMTYKKE_PHONE_REGIONS", usage: "regions besides NO whose mobiles are accepted, comma separated (N-04)",
		set: list(func(c *Config) *[]string { return &c.PhoneRegions }, true)},
	{env: retention.SettingNoPurpose, def: "30", usage: "days a contact that never consented, with no purpose active or pending, is kept after its last event (RT-01; at most 365)",
		set: intKey(func(c *Config) *int { return &c.Retention.NoPurpose })},
	{env: retention.SettingProof, def: "1095", usage: "days the minimal proof of consent (the number and the evidence) is kept after a contact's last consent ended; then the contact is erased (RT-02; three years, RT-03)",
		set: intKey(func(c *Config) *int { return &c.Retention.Proof })},
	{env: retention.SettingMessages, usage: "days message records are kept (RT-08); default and minimum the proof period",
		set:       optionalInt(func(c *Config) *int { return &c.Retention.Messages }),
		effective: func(c Config) string { return strconv.Itoa(c.Retention.Messages) }},
	{env: "SAMTYKKE_MESSAGE_RETENTION_DAYS", usage: "the older name of " + retention.SettingMessages + ", read when that is not set",
		set: messageAlias},
	{env: retention.SettingWebhooks, def: "8", usage: "days handled webhook bodies and the keys that recognise a redelivery are kept (at least 8: the platform redelivers for 7)",
		set: intKey(func(c *Config) *int { return &c.Retention.Webhooks })},
	{env: retention.SettingAccessLog, def: "1095", usage: "days access-log entries are kept (at least 365)",
		set: intKey(func(c *Config) *int { return &c.Retention.AccessLog })},
	{env: retention.SettingRightsRequests, def: "1095", usage: "days a rights request's file is kept after the request was closed",
		set: intKey(func(c *Config) *int { return &c.Retention.RightsRequests })},
	{env: retention.SettingReplies, def: "30", usage: "days the messages people send (replies, for staff to answer) are kept after they were received (at most 365)",
		set: intKey(func(c *Config) *int { return &c.Retention.Replies })},
	{env: retention.SettingErase, def: "proof", usage: "when a contact that consented is erased once no purpose is left: proof (after the proof period) or immediately (C-11, R-04)",
		set: func(c *Config, v string) error { c.Retention.Erase = retention.ErasePolicy(v); return nil }},
	{env: "SAMTYKKE_SEND_ATTEMPTS", def: "5", usage: "retryable failures (maintenance, other transient errors) before a campaign message fails",
		set: intKey(func(c *Config) *int { return &c.SendAttempts })},
	{env: "SAMTYKKE_UNKNOWN_AFTER_DAYS", def: "8", usage: "days a message with no known outcome waits for a status webhook before it is settled as failed (the platform retries webhooks for up to 7)",
		set: intKey(func(c *Config) *int { return &c.UnknownAfterDays })},
	{env: "SAMTYKKE_CHECKPOINT_DIR", usage: "a folder out of the database's reach where each signed ledger checkpoint (made at start and daily) is also written as a JSON file (0600), and checked against at verification (L-02)",
		set: str(func(c *Config) *string { return &c.CheckpointDir })},
	{env: "SAMTYKKE_ERASURE_JOURNAL", usage: "the erasure journal: every erasure is appended here (contact id, time, keyed token; no number) before it commits, and a restore erases again whoever it names (S-03); default erasures.jsonl in the data folder. Keep it on another disk, beside the backups (not inside them)",
		set: str(func(c *Config) *string { return &c.ErasureJournal })},
	{env: "SAMTYKKE_CHECKPOINT_URL", usage: "an outside witness on another machine: each signed ledger checkpoint is also POSTed there as JSON, which must answer 2xx (L-02)",
		set: str(func(c *Config) *string { return &c.CheckpointURL })},
	{env: "SAMTYKKE_RECEIPT_LINK_DAYS", def: "365", usage: "days the link to a consent receipt works (the signed receipt itself is the person's to keep)",
		set: intKey(func(c *Config) *int { return &c.ReceiptLinkDays })},
	{env: "SAMTYKKE_REPLICA_ID", usage: "this replica's name, the same across its restarts and unique among replicas (default: the host name)",
		set: str(func(c *Config) *string { return &c.ReplicaID })},
	{env: "SAMTYKKE_ENTRY_CODES", def: "BUTIKK", usage: "codes printed in shops' QR codes (\"JA BUTIKK\"), comma separated",
		set: list(func(c *Config) *[]string { return &c.EntryCodes }, true)},
	{env: "SAMTYKKE_OPTOUT_WORDS", usage: "opt-out keywords replacing the defaults (K-02), comma separated",
		set: list(func(c *Config) *[]string { return &c.OptOutWords }, false)},
	{env: "SAMTYKKE_OPTIN_WORDS", usage: "opt-in keywords replacing the defaults (K-03), comma separated",
		set: list(func(c *Config) *[]string { return &c.OptInWords }, false)},
	{env: "SAMTYKKE_RIGHTS_WORDS", usage: "words of a rights request written on WhatsApp replacing the defaults (INNSYN, SLETT MEG, RETTING ...), as WORD=type, comma separated; type is access, portability, rectification, erasure, restriction or objection",
		set: func(c *Config, v string) error {
			if v == "" {
				c.RightsWords = ""
				return nil
			}
			if _, err := rights.ParseWords(v); err != nil {
				return err
			}
			c.RightsWords = v
			return nil
		}},
	{env: "SAMTYKKE_TAGS", usage: `contact tags, a JSON list of {"key", "description": {"nb", "en"}} (P-03)`,
		set:  func(c *Config, v string) (err error) { c.Tags, err = tag.Parse(v); return err },
		dump: compactJSON},
	{env: "SAMTYKKE_BUSINESS_NAME", def: "Butikken AS", usage: "the controller's name, shown to people",
		set: str(func(c *Config) *string { return &c.BusinessName })},
	{env: "SAMTYKKE_CONTROLLER_ORGNR", usage: "the controller's organisation number (nine digits), for the record of processing and notifications",
		set: str(func(c *Config) *string { return &c.Controller.OrgNumber })},
	{env: "SAMTYKKE_CONTROLLER_ADDRESS", usage: "the controller's postal address",
		set: str(func(c *Config) *string { return &c.Controller.Address })},
	{env: "SAMTYKKE_CONTROLLER_EMAIL", usage: "the controller's e-mail address for privacy questions",
		set: str(func(c *Config) *string { return &c.Controller.Email })},
	{env: "SAMTYKKE_CONTROLLER_PHONE", usage: "the controller's switchboard number",
		set: str(func(c *Config) *string { return &c.Controller.Phone })},
	{env: "SAMTYKKE_CONTROLLER_URL", usage: "the controller's website",
		set: str(func(c *Config) *string { return &c.Controller.URL })},
	{env: "SAMTYKKE_DPO_NAME", usage: "the data protection officer (a role's name, e.g. Personvernombudet)",
		set: str(func(c *Config) *string { return &c.Controller.DPO.Name })},
	{env: "SAMTYKKE_DPO_EMAIL", usage: "the data protection officer's e-mail address",
		set: str(func(c *Config) *string { return &c.Controller.DPO.Email })},
	{env: "SAMTYKKE_DPO_PHONE", usage: "the data protection officer's phone number",
		set: str(func(c *Config) *string { return &c.Controller.DPO.Phone })},
	{env: "SAMTYKKE_HOSTING_PROVIDER", usage: "who runs samtykke and its database (a processor in the record of processing)",
		set: str(func(c *Config) *string { return &c.Controller.Hosting })},
	{env: "SAMTYKKE_HOSTING_COUNTRY", def: "NO", usage: "the two-letter country the hosting provider keeps the data in",
		set: str(func(c *Config) *string { return &c.Controller.HostingCountry })},
	{env: "SAMTYKKE_OPERATOR_NAME", usage: "a processor that runs samtykke for the controller (an agency, a hosting partner): set, the record of processing carries its Art. 30(2) record",
		set: str(func(c *Config) *string { return &c.Controller.Operator.Name })},
	{env: "SAMTYKKE_OPERATOR_EMAIL", usage: "the operator's e-mail address",
		set: str(func(c *Config) *string { return &c.Controller.Operator.Email })},
	{env: "SAMTYKKE_OPERATOR_PHONE", usage: "the operator's phone number",
		set: str(func(c *Config) *string { return &c.Controller.Operator.Phone })},
	{env: "SAMTYKKE_LOG_FORMAT", def: "text", usage: "text or json",
		set: str(func(c *Config) *string { return &c.LogFormat })},
	{env: "SAMTYKKE_LOG_LEVEL", def: "info", usage: "debug, info, warn or error",
		set: str(func(c *Config) *string { return &c.LogLevel })},
	{env: "SAMTYKKE_WHATSAPP_BASE_URL", def: "https://graph.facebook.com", usage: "Cloud API base URL",
		set: str(func(c *Config) *string { return &c.WhatsApp.BaseURL })},
	{env: "SAMTYKKE_WHATSAPP_VERSION", def: "v25.0", usage: "pinned Graph API version",
		set: str(func(c *Config) *string { return &c.WhatsApp.Version })},
	{env: "SAMTYKKE_WHATSAPP_TOKEN", secret: true, usage: "Cloud API system-user token; unset runs the simulator",
		set: str(func(c *Config) *string { return &c.WhatsApp.Token })},
	{env: "SAMTYKKE_WHATSAPP_PHONE_NUMBER_ID", usage: "Cloud API phone-number id",
		set: str(func(c *Config) *string { return &c.WhatsApp.PhoneNumberID })},
	{env: "SAMTYKKE_WHATSAPP_BUSINESS_ACCOUNT_ID", usage: "Cloud API WhatsApp Business Account id, whose message templates POST /api/v1/templates/sync reads",
		set: str(func(c *Config) *string { return &c.WhatsApp.BusinessAccountID })},
	{env: "SAMTYKKE_WHATSAPP_MORE_PHONE_NUMBER_IDS", usage: "further sending numbers' phone-number ids, comma separated",
		set: list(func(c *Config) *[]string { return &c.WhatsApp.MorePhoneNumberIDs }, false)},
	{env: "SAMTYKKE_WHATSAPP_MPS", def: "80", usage: "messages per second of the sending number (80, up to 1000)",
		set: intKey(func(c *Config) *int { return &c.WhatsApp.MPS })},
	{env: "SAMTYKKE_WHATSAPP_PIPELINE", def: "8", usage: "campaign requests a connection carries at once (0: one, through HTTPS_PROXY if set)",
		set: intKey(func(c *Config) *int { return &c.WhatsApp.Pipeline })},
	{env: "SAMTYKKE_WHATSAPP_MAX_IN_FLIGHT", def: "0", usage: "campaign requests of one number awaiting their answers at most (0: three seconds of its rate)",
		set: intKey(func(c *Config) *int { return &c.WhatsApp.MaxInFlight })},
	{env: "SAMTYKKE_WHATSAPP_BUSINESS_NUMBER", usage: "the WhatsApp number people write to, for wa.me links",
		set: str(func(c *Config) *string { return &c.WhatsApp.BusinessNumber })},
	{env: "SAMTYKKE_WHATSAPP_APP_SECRET", secret: true, usage: "app secret that signs webhooks",
		set: str(func(c *Config) *string { return &c.WhatsApp.AppSecret })},
	{env: "SAMTYKKE_WHATSAPP_VERIFY_TOKEN", secret: true, usage: "webhook verification token",
		set: str(func(c *Config) *string { return &c.WhatsApp.VerifyToken })},
	{env: "SAMTYKKE_SMTP_ADDR", usage: "SMTP server HOST:PORT for confirmation e-mails",
		set: str(func(c *Config) *string { return &c.SMTP.Addr })},
	{env: "SAMTYKKE_SMTP_FROM", usage: "sender address of confirmation e-mails",
		set: str(func(c *Config) *string { return &c.SMTP.From })},
	{env: "SAMTYKKE_SMTP_USERNAME", usage: "SMTP user",
		set: str(func(c *Config) *string { return &c.SMTP.Username })},
	{env: "SAMTYKKE_SMTP_PASSWORD", secret: true, usage: "SMTP password",
		set: str(func(c *Config) *string { return &c.SMTP.Password })},
}

// resolve finds a key's value: a set flag, else the variable, else its
// *_FILE twin, else the default. fromFile says the value came from a file.
func (k key) resolve(getenv func(string) string, flags map[string]*string) (v string, fromFile bool, err error) {
	if p := flags[k.flag]; k.flag != "" && p != nil && *p != "" {
		return *p, false, nil
	}
	if e := getenv(k.env); e != "" {
		return e, false, nil
	}
	if f := getenv(k.env + "_FILE"); f != "" {
		b, err := os.ReadFile(f)
		if err != nil {
			return "", true, fmt.Errorf("%s_FILE: %w", k.env, err)
		}
		return strings.TrimSpace(string(b)), true, nil
	}
	return k.def, false, nil
}

// Flags registers the keys that have flags on fs, or only those named in
// only when any are; Load reads them back.
func Flags(fs *flag.FlagSet, only ...string) map[string]*string {
	out := map[string]*string{}
	for _, k := range keys {
		if k.flag != "" && (len(only) == 0 || slices.Contains(only, k.flag)) {
			usage := k.usage + " (env " + k.env
			if k.def != "" {
				usage += ", default " + k.def
			}
			out[k.flag] = fs.String(k.flag, "", usage+")")
		}
	}
	return out
}

// Describe writes every environment variable with its default and meaning,
// one after another, for help text.
func Describe(w io.Writer) {
	for _, k := range keys {
		line := "  " + k.env
		switch {
		case k.def != "":
			line += " (default " + k.def + ")"
		case k.secret:
			line += " (secret)"
		}
		fmt.Fprintf(w, "%s\n        %s\n", line, k.usage)
	}
}

// Load builds the configuration from defaults, the environment (and *_FILE
// twins of secrets) and the flags that were set, then validates it.
func Load(getenv func(string) string, flags map[string]*string) (Config, error) {
	c, err := build(getenv, flags)
	if err != nil {
		return c, err
	}
	return c, c.Validate()
}

// build sets every key's value, then what defaults to other keys.
func build(getenv func(string) string, flags map[string]*string) (Config, error) {
	var c Config
	var errs []error
	for _, k := range keys {
		v, _, err := k.resolve(getenv, flags)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if err := k.set(&c, v); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", k.env, err))
		}
	}
	if c.Retention.Messages == 0 {
		c.Retention.Messages = c.Retention.Proof // RT-08 aligned with RT-03
	}
	if getenv("SAMTYKKE_MASTER_KEY") == "" {
		c.MasterKeyFile = getenv("SAMTYKKE_MASTER_KEY_FILE")
	}
	c.PublicURL = strings.TrimRight(c.PublicURL, "/")
	return c, errors.Join(errs...)
}

// Validate checks values and their combinations.
func (c Config) Validate() error {
	var errs []error
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	if c.DatabaseURL == "" && c.DataDir == "" {
		bad("SAMTYKKE_DATA_DIR must not be empty")
	}
	if c.DatabaseURL != "" && !strings.HasPrefix(c.DatabaseURL, "postgres://") && !strings.HasPrefix(c.DatabaseURL, "postgresql://") {
		bad("SAMTYKKE_DATABASE_URL must start with postgres://")
	}
	if (c.TLS.CertFile == "") != (c.TLS.KeyFile == "") {
		bad("SAMTYKKE_TLS_CERT_FILE and SAMTYKKE_TLS_KEY_FILE go together")
	}
	if (c.TLS.Cert == "") != (c.TLS.Key == "") {
		bad("SAMTYKKE_TLS_CERT and SAMTYKKE_TLS_KEY go together")
	}
	for _, p := range c.TrustedProxies {
		if _, err := netip.ParsePrefix(p); err != nil {
			if _, err := netip.ParseAddr(p); err != nil {
				bad("SAMTYKKE_TRUSTED_PROXIES: %q is not an address or a CIDR", p)
			}
		}
	}
	if c.MinAge < 13 || c.MinAge > 18 {
		bad("SAMTYKKE_MIN_AGE must be between 13 (pol. § 5) and 18")
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		bad("SAMTYKKE_LOG_FORMAT must be text or json")
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		bad("SAMTYKKE_LOG_LEVEL must be debug, info, warn or error")
	}
	if u := c.CheckpointURL; u != "" {
		if pu, err := url.Parse(u); err != nil || (pu.Scheme != "https" && pu.Scheme != "http") || pu.Host == "" {
			bad("SAMTYKKE_CHECKPOINT_URL must be an http(s) URL")
		}
	}
	if err := c.Controller.Check(); err != nil {
		errs = append(errs, err)
	}
	if n := len(c.Controller.HostingCountry); n != 0 && n != 2 {
		bad("SAMTYKKE_HOSTING_COUNTRY must be a two-letter country code")
	}
	for _, r := range c.PhoneRegions {
		if len(r) != 2 {
			bad("SAMTYKKE_PHONE_REGIONS: %q is not a two-letter region", r)
		}
	}
	if w := c.WhatsApp; w.Token != "" {
		if w.PhoneNumberID == "" {
			bad("a WhatsApp token needs SAMTYKKE_WHATSAPP_PHONE_NUMBER_ID")
		}
		if w.AppSecret == "" {
			bad("a WhatsApp token needs SAMTYKKE_WHATSAPP_APP_SECRET to check webhook signatures")
		}
		if w.VerifyToken == "" {
			bad("a WhatsApp token needs SAMTYKKE_WHATSAPP_VERIFY_TOKEN for the webhook handshake")
		}
		if w.BusinessNumber == "" {
			bad("a WhatsApp token needs SAMTYKKE_WHATSAPP_BUSINESS_NUMBER for click-to-chat links")
		}
	}
	if c.WhatsApp.MPS < 1 || c.WhatsApp.MPS > 1000 {
		bad("SAMTYKKE_WHATSAPP_MPS must be between 1 and 1000")
	}
	if c.WhatsApp.Pipeline < 0 || c.WhatsApp.Pipeline > 64 {
		bad("SAMTYKKE_WHATSAPP_PIPELINE must be between 0 and 64")
	}
	if c.WhatsApp.MaxInFlight < 0 || c.WhatsApp.MaxInFlight > 100000 {
		bad("SAMTYKKE_WHATSAPP_MAX_IN_FLIGHT must be between 0 and 100000")
	}
	if err := c.Retention.Validate(); err != nil {
		errs = append(errs, err)
	}
	if c.SendAttempts < 1 || c.SendAttempts > 100 {
		bad("SAMTYKKE_SEND_ATTEMPTS must be between 1 and 100")
	}
	if c.UnknownAfterDays < 1 {
		bad("SAMTYKKE_UNKNOWN_AFTER_DAYS must be at least 1")
	}
	if c.ReceiptLinkDays < 1 || c.ReceiptLinkDays > 3650 {
		bad("SAMTYKKE_RECEIPT_LINK_DAYS must be between 1 and 3650")
	}
	if c.SMTP.Addr != "" && c.SMTP.From == "" {
		bad("SAMTYKKE_SMTP_ADDR needs SAMTYKKE_SMTP_FROM")
	}
	return errors.Join(errs...)
}

// SQLitePath is the database file of the embedded default.
func (c Config) SQLitePath() string { return filepath.Join(c.DataDir, "samtykke.db") }

// ErasureJournalPath is the erasure journal's file: SAMTYKKE_ERASURE_JOURNAL,
// or erasures.jsonl in the data folder.
func (c Config) ErasureJournalPath() string {
	if c.ErasureJournal != "" {
		return c.ErasureJournal
	}
	return filepath.Join(c.DataDir, "erasures.jsonl")
}

// Dump writes every key and the value Load resolves for it, secrets redacted.
func Dump(w io.Writer, getenv func(string) string, flags map[string]*string) {
	c, _ := build(getenv, flags)
	for _, k := range keys {
		v, fromFile, err := k.resolve(getenv, flags)
		switch {
		case err != nil:
			v = "[unreadable " + k.env + "_FILE]"
		case v == "" && k.effective != nil:
			v = k.effective(c)
		case k.secret && v != "" && fromFile:
			v = "[redacted, from file]"
		case k.secret && v != "":
			v = "[redacted]"
		case k.dump != nil:
			v = k.dump(v)
		}
		fmt.Fprintf(w, "%s=%s\n", k.env, v)
	}
}
