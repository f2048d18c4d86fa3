// SPDX-License-Identifier: AGPL-3.0-only

package config_test

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/samtykke/samtykke/internal/config"
	"github.com/samtykke/samtykke/internal/consent"
	"github.com/samtykke/samtykke/internal/controller"
	"github.com/samtykke/samtykke/internal/retention"
	"github.com/samtykke/samtykke/internal/tag"
)

// env is a map-backed getenv: tests never touch the process environment.
func env(kv map[string]string) func(string) string {
	return func(k string) string { return kv[k] }
}

// flags parses args with the configuration's flags.
func flags(t *testing.T, args ...string) map[string]*string {
	t.Helper()
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	m := config.Flags(fs)
	if err := fs.Parse(args); err != nil {
		t.Fatalf("parse %v: %v", args, err)
	}
	return m
}

// validWhatsApp is a complete Cloud API setting.
var validWhatsApp = map[string]string{
	"SAMTYKKE_WHATSAPP_TOKEN":           "EAAG-token",
	"SAMTYKKE_WHATSAPP_PHONE_NUMBER_ID": "1234567890",
	"SAMTYKKE_WHATSAPP_APP_SECRET":      "app-secret",
	"SAMTYKKE_WHATSAPP_VERIFY_TOKEN":    "verify-token",
	"SAMTYKKE_WHATSAPP_BUSINESS_NUMBER": "4722334455",
}

func merge(ms ...map[string]string) map[string]string {
	out := map[string]string{}
	for _, m := range ms {
		for k, v := range m {
			out[k] = v
		}
	}
	return out
}

// TestLoadDefaults checks the defaults (C-13: minimum age 15; the simulator
// runs without a token).
func TestLoadDefaults(t *testing.T) {
	t.Parallel()
	got, err := config.Load(env(nil), nil)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	want := config.Config{
		DataDir: "./samtykke-data", Addr: "127.0.0.1:8080", SimAddr: "127.0.0.1:8089", MinAge: 15,
		BusinessName: "Butikken AS", LogFormat: "text", LogLevel: "info", EntryCodes: []string{"BUTIKK"}, SendAttempts: 5, UnknownAfterDays: 8, ReceiptLinkDays: 365,
		Retention:  retention.Defaults(),
		WhatsApp:   config.WhatsApp{BaseURL: "https://graph.facebook.com", Version: "v25.0", MPS: 80, Pipeline: 8},
		Controller: controller.Controller{HostingCountry: "NO"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Load() (-want +got):\n%s", diff)
	}
	if !got.WhatsApp.Simulated() {
		t.Error("without a token the simulator should stand in")
	}
	if p := got.SQLitePath(); p != filepath.Join("samtykke-data", "samtykke.db") {
		t.Errorf("SQLitePath() = %q", p)
	}
}

// TestLoadSources checks the order of sources: default, then *_FILE, then
// the environment, then flags. Secrets can come from files so that keys stay
// out of the database and the process list (S-01).
func TestLoadSources(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	secretFile := filepath.Join(dir, "db-url")
	if err := os.WriteFile(secretFile, []byte("postgres://samtykke:fromfile@db/samtykke\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tokenFile := filepath.Join(dir, "token")
	if err := os.WriteFile(tokenFile, []byte("  EAAG-from-file \n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		env   map[string]string
		args  []string
		check func(t *testing.T, c config.Config)
	}{
		{
			name: "environment overrides defaults",
			env: map[string]string{"SAMTYKKE_DATA_DIR": "/var/lib/samtykke", "SAMTYKKE_ADDR": "0.0.0.0:9000",
				"SAMTYKKE_MIN_AGE": "18", "SAMTYKKE_LOG_FORMAT": "json", "SAMTYKKE_LOG_LEVEL": "debug",
				"SAMTYKKE_BUSINESS_NAME": "Sko AS", "SAMTYKKE_PHONE_REGIONS": " se, dk ,,"},
			check: func(t *testing.T, c config.Config) {
				want := []any{"/var/lib/samtykke", "0.0.0.0:9000", "", 18, "json", "debug", "Sko AS", []string{"SE", "DK"}}
				got := []any{c.DataDir, c.Addr, c.PublicURL, c.MinAge, c.LogFormat, c.LogLevel, c.BusinessName, c.PhoneRegions}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("(-want +got):\n%s", diff)
				}
			},
		},
		{
			name: "public url given, trailing slash trimmed",
			env:  map[string]string{"SAMTYKKE_PUBLIC_URL": "https://samtykke.butikken.no/"},
			check: func(t *testing.T, c config.Config) {
				if c.PublicURL != "https://samtykke.butikken.no" {
					t.Errorf("PublicURL = %q", c.PublicURL)
				}
			},
		},
		{
			name: "flags override the environment",
			env:  map[string]string{"SAMTYKKE_ADDR": "0.0.0.0:9000", "SAMTYKKE_DATA_DIR": "/env"},
			args: []string{"-addr", "127.0.0.1:7000", "-data-dir", "/flag"},
			check: func(t *testing.T, c config.Config) {
				if c.Addr != "127.0.0.1:7000" || c.DataDir != "/flag" || c.PublicURL != "" {
					t.Errorf("Addr, DataDir, PublicURL = %q, %q, %q; want the flags'", c.Addr, c.DataDir, c.PublicURL)
				}
			},
		},
		{
			name: "an empty flag leaves the environment's value",
			env:  map[string]string{"SAMTYKKE_ADDR": "0.0.0.0:9000"},
			args: []string{"-addr", ""},
			check: func(t *testing.T, c config.Config) {
				if c.Addr != "0.0.0.0:9000" {
					t.Errorf("Addr = %q", c.Addr)
				}
			},
		},
		{
			name: "flag for the database url",
			args: []string{"-database-url", "postgres://flag@db/x"},
			check: func(t *testing.T, c config.Config) {
				if c.DatabaseURL != "postgres://flag@db/x" {
					t.Errorf("DatabaseURL = %q", c.DatabaseURL)
				}
			},
		},
		{
			name: "secrets from *_FILE twins, trimmed",
			env: merge(validWhatsApp, map[string]string{"SAMTYKKE_DATABASE_URL_FILE": secretFile,
				"SAMTYKKE_WHATSAPP_TOKEN": "", "SAMTYKKE_WHATSAPP_TOKEN_FILE": tokenFile}),
			check: func(t *testing.T, c config.Config) {
				if c.DatabaseURL != "postgres://samtykke:fromfile@db/samtykke" {
					t.Errorf("DatabaseURL = %q", c.DatabaseURL)
				}
				if c.WhatsApp.Token != "EAAG-from-file" || c.WhatsApp.Simulated() {
					t.Errorf("Token = %q", c.WhatsApp.Token)
				}
			},
		},
		{
			name: "the variable wins over its *_FILE twin",
			env:  map[string]string{"SAMTYKKE_DATABASE_URL": "postgres://env@db/x", "SAMTYKKE_DATABASE_URL_FILE": secretFile},
			check: func(t *testing.T, c config.Config) {
				if c.DatabaseURL != "postgres://env@db/x" {
					t.Errorf("DatabaseURL = %q", c.DatabaseURL)
				}
			},
		},
		{
			name: "a flag wins over a *_FILE twin",
			env:  map[string]string{"SAMTYKKE_DATABASE_URL_FILE": secretFile},
			args: []string{"-database-url", "postgresql://flag@db/x"},
			check: func(t *testing.T, c config.Config) {
				if c.DatabaseURL != "postgresql://flag@db/x" {
					t.Errorf("DatabaseURL = %q", c.DatabaseURL)
				}
			},
		},
		{
			name: "whatsapp fully configured",
			env:  validWhatsApp,
			check: func(t *testing.T, c config.Config) {
				want := config.WhatsApp{BaseURL: "https://graph.facebook.com", Version: "v25.0", Token: "EAAG-token",
					PhoneNumberID: "1234567890", BusinessNumber: "4722334455", MPS: 80, Pipeline: 8, AppSecret: "app-secret", VerifyToken: "verify-token"}
				if diff := cmp.Diff(want, c.WhatsApp); diff != "" {
					t.Errorf("WhatsApp (-want +got):\n%s", diff)
				}
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, err := config.Load(env(tc.env), flags(t, tc.args...))
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			tc.check(t, c)
		})
	}
}

// TestLoadErrors checks that every bad value is refused and named (C-13
// minimum age; a Cloud API token needs what verifies webhooks, S-01); all
// problems are reported together.
func TestLoadErrors(t *testing.T) {
	t.Parallel()
	missing := filepath.Join(t.TempDir(), "nope")
	tests := []struct {
		name string
		env  map[string]string
		want []string
	}{
		{"bad database url scheme", map[string]string{"SAMTYKKE_DATABASE_URL": "mysql://u:p@db/x"}, []string{"SAMTYKKE_DATABASE_URL must start with postgres://"}},
		{"sqlite path as database url", map[string]string{"SAMTYKKE_DATABASE_URL": "/var/lib/x.db"}, []string{"SAMTYKKE_DATABASE_URL"}},
		{"minimum age 12 (C-12)", map[string]string{"SAMTYKKE_MIN_AGE": "12"}, []string{"SAMTYKKE_MIN_AGE must be between 13"}},
		{"minimum age 19 (C-13)", map[string]string{"SAMTYKKE_MIN_AGE": "19"}, []string{"SAMTYKKE_MIN_AGE must be between 13"}},
		{"a malformed organisation number", map[string]string{"SAMTYKKE_CONTROLLER_ORGNR": "923609017"}, []string{"SAMTYKKE_CONTROLLER_ORGNR is not a valid"}},
		{"a malformed DPO address", map[string]string{"SAMTYKKE_DPO_EMAIL": "personvern"}, []string{"SAMTYKKE_DPO_EMAIL is not an e-mail"}},
		{"a hosting country of three letters", map[string]string{"SAMTYKKE_HOSTING_COUNTRY": "NOR"}, []string{"SAMTYKKE_HOSTING_COUNTRY must be"}},
		{"minimum age not a number", map[string]string{"SAMTYKKE_MIN_AGE": "fifteen"}, []string{"SAMTYKKE_MIN_AGE: must be a whole number"}},
		{"bad log format", map[string]string{"SAMTYKKE_LOG_FORMAT": "xml"}, []string{"SAMTYKKE_LOG_FORMAT"}},
		{"a trusted proxy by name", map[string]string{"SAMTYKKE_TRUSTED_PROXIES": "10.0.0.0/8, proxy.local"}, []string{`SAMTYKKE_TRUSTED_PROXIES: "proxy.local"`}},
		{"bad log level", map[string]string{"SAMTYKKE_LOG_LEVEL": "verbose"}, []string{"SAMTYKKE_LOG_LEVEL"}},
		{"pipeline deeper than 64", map[string]string{"SAMTYKKE_WHATSAPP_PIPELINE": "65"}, []string{"SAMTYKKE_WHATSAPP_PIPELINE must be between 0 and 64"}},
		{"three-letter region", map[string]string{"SAMTYKKE_PHONE_REGIONS": "SE,NOR"}, []string{`SAMTYKKE_PHONE_REGIONS: "NOR"`}},
		{"whatsapp token alone", map[string]string{"SAMTYKKE_WHATSAPP_TOKEN": "EAAG-token"}, []string{
			"SAMTYKKE_WHATSAPP_PHONE_NUMBER_ID", "SAMTYKKE_WHATSAPP_APP_SECRET", "SAMTYKKE_WHATSAPP_VERIFY_TOKEN"}},
		{"whatsapp token without app secret", merge(validWhatsApp, map[string]string{"SAMTYKKE_WHATSAPP_APP_SECRET": ""}),
			[]string{"SAMTYKKE_WHATSAPP_APP_SECRET"}},
		{"whatsapp token without verify token", merge(validWhatsApp, map[string]string{"SAMTYKKE_WHATSAPP_VERIFY_TOKEN": ""}),
			[]string{"SAMTYKKE_WHATSAPP_VERIFY_TOKEN"}},
		{"whatsapp token without phone-number id", merge(validWhatsApp, map[string]string{"SAMTYKKE_WHATSAPP_PHONE_NUMBER_ID": ""}),
			[]string{"SAMTYKKE_WHATSAPP_PHONE_NUMBER_ID"}},
		{"unreadable *_FILE", map[string]string{"SAMTYKKE_MASTER_KEY_FILE": missing}, []string{"SAMTYKKE_MASTER_KEY_FILE"}},
		{"several at once", map[string]string{"SAMTYKKE_MIN_AGE": "12", "SAMTYKKE_LOG_FORMAT": "xml", "SAMTYKKE_DATABASE_URL": "mysql://x"},
			[]string{"SAMTYKKE_MIN_AGE", "SAMTYKKE_LOG_FORMAT", "SAMTYKKE_DATABASE_URL"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := config.Load(env(tc.env), nil)
			if err == nil {
				t.Fatalf("Load = nil error, want one naming %v", tc.want)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
		})
	}
}

// TestValidate checks Validate on values built directly, including the
// boundaries of the minimum age (C-12, C-13).
func TestValidate(t *testing.T) {
	t.Parallel()
	valid := func() config.Config {
		c, err := config.Load(env(nil), nil)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	tests := []struct {
		name string
		edit func(c *config.Config)
		want string // "" when valid
	}{
		{"defaults", func(*config.Config) {}, ""},
		{"minimum age 13", func(c *config.Config) { c.MinAge = 13 }, ""},
		{"minimum age 18", func(c *config.Config) { c.MinAge = 18 }, ""},
		{"postgresql scheme", func(c *config.Config) { c.DatabaseURL = "postgresql://db/x" }, ""},
		{"postgres without data dir", func(c *config.Config) { c.DatabaseURL = "postgres://db/x"; c.DataDir = "" }, ""},
		{"minimum age 12", func(c *config.Config) { c.MinAge = 12 }, "SAMTYKKE_MIN_AGE"},
		{"minimum age 19", func(c *config.Config) { c.MinAge = 19 }, "SAMTYKKE_MIN_AGE"},
		{"no data dir and no database", func(c *config.Config) { c.DataDir = "" }, "SAMTYKKE_DATA_DIR"},
		{"http database url", func(c *config.Config) { c.DatabaseURL = "http://db" }, "SAMTYKKE_DATABASE_URL"},
		{"empty log format", func(c *config.Config) { c.LogFormat = "" }, "SAMTYKKE_LOG_FORMAT"},
		{"token without the rest", func(c *config.Config) { c.WhatsApp.Token = "t" }, "SAMTYKKE_WHATSAPP_PHONE_NUMBER_ID"},
		{"controller's phone as receipts give it", func(c *config.Config) { c.Controller.Phone = "+47 22 12 34 56" }, ""},
		{"controller's phone not a number", func(c *config.Config) { c.Controller.Phone = "sentralbordet" }, "SAMTYKKE_CONTROLLER_PHONE"},
		{"receipt links for no day", func(c *config.Config) { c.ReceiptLinkDays = 0 }, "SAMTYKKE_RECEIPT_LINK_DAYS"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := valid()
			tc.edit(&c)
			err := c.Validate()
			if tc.want == "" {
				if err != nil {
					t.Errorf("Validate() = %v, want nil", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Validate() = %v, want an error naming %s", err, tc.want)
			}
		})
	}
}

// TestDumpRedactsSecrets checks that check-config never prints a secret (S-01).
func TestDumpRedactsSecrets(t *testing.T) {
	t.Parallel()
	const (
		dbURL = "postgres://samtykke:hunter2-db-password@db.internal/samtykke"
		token = "EAAG-very-secret-token"
	)
	secrets := []string{"hunter2-db-password", token, "app-secret-value", "verify-token-value", "bWFzdGVyLWtleQ=="}
	secretFile := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(secretFile, []byte(token+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		env   map[string]string
		args  []string
		lines []string // lines the dump must contain
	}{
		{
			name: "secrets in the environment",
			env: map[string]string{"SAMTYKKE_DATABASE_URL": dbURL, "SAMTYKKE_WHATSAPP_TOKEN": token,
				"SAMTYKKE_WHATSAPP_APP_SECRET": "app-secret-value", "SAMTYKKE_WHATSAPP_VERIFY_TOKEN": "verify-token-value",
				"SAMTYKKE_MASTER_KEY": "bWFzdGVyLWtleQ==", "SAMTYKKE_WHATSAPP_PHONE_NUMBER_ID": "1234567890"},
			lines: []string{"SAMTYKKE_DATABASE_URL=[redacted]", "SAMTYKKE_WHATSAPP_TOKEN=[redacted]",
				"SAMTYKKE_WHATSAPP_APP_SECRET=[redacted]", "SAMTYKKE_WHATSAPP_VERIFY_TOKEN=[redacted]",
				"SAMTYKKE_MASTER_KEY=[redacted]", "SAMTYKKE_WHATSAPP_PHONE_NUMBER_ID=1234567890",
				"SAMTYKKE_ADDR=127.0.0.1:8080", "SAMTYKKE_MIN_AGE=15"},
		},
		{
			name:  "secret in a flag",
			args:  []string{"-database-url", dbURL},
			lines: []string{"SAMTYKKE_DATABASE_URL=[redacted]", "SAMTYKKE_WHATSAPP_TOKEN="},
		},
		{
			name:  "secret in a file",
			env:   map[string]string{"SAMTYKKE_WHATSAPP_TOKEN_FILE": secretFile},
			lines: []string{"SAMTYKKE_WHATSAPP_TOKEN=[redacted, from file]"},
		},
		{
			name:  "unreadable secret file, path not shown",
			env:   map[string]string{"SAMTYKKE_WHATSAPP_TOKEN_FILE": "/run/secrets/" + token},
			lines: []string{"SAMTYKKE_WHATSAPP_TOKEN=[unreadable SAMTYKKE_WHATSAPP_TOKEN_FILE]"},
		},
		{
			name:  "no secrets set",
			lines: []string{"SAMTYKKE_DATABASE_URL=", "SAMTYKKE_WHATSAPP_TOKEN=", "SAMTYKKE_DATA_DIR=./samtykke-data"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var buf bytes.Buffer
			config.Dump(&buf, env(tc.env), flags(t, tc.args...))
			out := buf.String()
			for _, s := range secrets {
				if strings.Contains(out, s) {
					t.Errorf("dump contains the secret %q:\n%s", s, out)
				}
			}
			got := strings.Split(strings.TrimSpace(out), "\n")
			for _, want := range tc.lines {
				found := false
				for _, l := range got {
					found = found || l == want
				}
				if !found {
					t.Errorf("dump lacks the line %q:\n%s", want, out)
				}
			}
		})
	}
}

// TestDumpShowsWhatLoadSaw checks the promise of Dump's comment: the dump
// shows the value Load used, also for a key read from a *_FILE twin (every
// key has one, STYLE.md E; S-01 for the secrets among them).
func TestDumpShowsWhatLoadSaw(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "addr")
	if err := os.WriteFile(file, []byte("0.0.0.0:9000\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		env  map[string]string
	}{
		{"from the environment", map[string]string{"SAMTYKKE_ADDR": "0.0.0.0:9000"}},
		{"from a *_FILE twin", map[string]string{"SAMTYKKE_ADDR_FILE": file}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, err := config.Load(env(tc.env), nil)
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			config.Dump(&buf, env(tc.env), nil)
			if want := "SAMTYKKE_ADDR=" + c.Addr + "\n"; !strings.Contains(buf.String(), want) {
				t.Errorf("Load used Addr %q, but the dump says:\n%s", c.Addr, buf.String())
			}
		})
	}
}

// TestTags: contact tags are declared in the configuration, from the
// variable or a file, and a wrong declaration stops the load, naming the
// variable and the tag (P-03); the dump shows the declaration on one line.
func TestTags(t *testing.T) {
	t.Parallel()
	decl := `[
  {"key": "vip", "description": {"nb": "Faste kunder", "en": "Regular customers"}},
  {"key": "oslo", "description": {"nb": "Butikken i Oslo", "en": "The Oslo shop"}}
]`
	file := filepath.Join(t.TempDir(), "tags.json")
	if err := os.WriteFile(file, []byte(decl+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	want := []tag.Tag{{Key: "vip", Description: consent.Text{NB: "Faste kunder", EN: "Regular customers"}},
		{Key: "oslo", Description: consent.Text{NB: "Butikken i Oslo", EN: "The Oslo shop"}}}
	for name, e := range map[string]map[string]string{
		"from the environment": {"SAMTYKKE_TAGS": decl},
		"from a *_FILE twin":   {"SAMTYKKE_TAGS_FILE": file},
	} {
		c, err := config.Load(env(e), nil)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if diff := cmp.Diff(want, c.Tags); diff != "" {
			t.Errorf("%s: Tags (-want +got):\n%s", name, diff)
		}
		var buf bytes.Buffer
		config.Dump(&buf, env(e), nil)
		line := `SAMTYKKE_TAGS=[{"key":"vip","description":{"nb":"Faste kunder","en":"Regular customers"}},` +
			`{"key":"oslo","description":{"nb":"Butikken i Oslo","en":"The Oslo shop"}}]` + "\n"
		if !strings.Contains(buf.String(), line) {
			t.Errorf("%s: the dump lacks %q:\n%s", name, line, buf.String())
		}
	}
	for _, bad := range []string{
		`[{"key":"Gull","description":{"nb":"Gull","en":"Gold"}}]`,
		`[{"key":"gull","description":{"nb":"Gull"}}]`,
		`gull=Gull`,
	} {
		_, err := config.Load(env(map[string]string{"SAMTYKKE_TAGS": bad}), nil)
		if err == nil || !strings.Contains(err.Error(), "SAMTYKKE_TAGS") {
			t.Errorf("SAMTYKKE_TAGS=%s: err = %v, want one naming the variable", bad, err)
		} else if strings.HasPrefix(bad, "[") && !strings.Contains(strings.ToLower(err.Error()), `"gull"`) {
			t.Errorf("SAMTYKKE_TAGS=%s: err = %v, want one naming the tag", bad, err)
		}
	}
}

// TestRetentionSettings: one period per data class, validated at start with
// an error naming the setting, shown by the dump (RT-01); message records
// default to the proof period and keep their older variable name (RT-08).
func TestRetentionSettings(t *testing.T) {
	t.Parallel()
	c, err := config.Load(env(map[string]string{"SAMTYKKE_RETENTION_PROOF_DAYS": "1825", "SAMTYKKE_ERASE_AFTER_WITHDRAWAL": "immediately",
		"SAMTYKKE_RETENTION_NO_PURPOSE_DAYS": "14", "SAMTYKKE_RETENTION_WEBHOOK_DAYS": "10", "SAMTYKKE_RETENTION_ACCESS_LOG_DAYS": "400",
		"SAMTYKKE_RETENTION_RIGHTS_REQUEST_DAYS": "1000", "SAMTYKKE_RETENTION_REPLY_DAYS": "14"}), nil)
	if err != nil {
		t.Fatal(err)
	}
	want := retention.Periods{NoPurpose: 14, Proof: 1825, Messages: 1825, Webhooks: 10, AccessLog: 400, RightsRequests: 1000,
		Replies: 14, Erase: retention.EraseImmediately}
	if diff := cmp.Diff(want, c.Retention); diff != "" {
		t.Errorf("Retention (-want +got):\n%s", diff)
	}
	for name, e := range map[string]map[string]string{
		"the new name":         {"SAMTYKKE_RETENTION_MESSAGE_DAYS": "2000"},
		"the older name":       {"SAMTYKKE_MESSAGE_RETENTION_DAYS": "2000"},
		"both names, the same": {"SAMTYKKE_RETENTION_MESSAGE_DAYS": "2000", "SAMTYKKE_MESSAGE_RETENTION_DAYS": "2000"},
	} {
		c, err := config.Load(env(e), nil)
		if err != nil || c.Retention.Messages != 2000 {
			t.Errorf("%s: messages %d, %v; want 2000", name, c.Retention.Messages, err)
		}
	}
	for _, bad := range []struct {
		env     map[string]string
		setting string
	}{
		{map[string]string{"SAMTYKKE_RETENTION_MESSAGE_DAYS": "2000", "SAMTYKKE_MESSAGE_RETENTION_DAYS": "30"}, "SAMTYKKE_MESSAGE_RETENTION_DAYS"},
		{map[string]string{"SAMTYKKE_MESSAGE_RETENTION_DAYS": "30"}, "SAMTYKKE_RETENTION_MESSAGE_DAYS"},
		{map[string]string{"SAMTYKKE_RETENTION_WEBHOOK_DAYS": "7"}, "SAMTYKKE_RETENTION_WEBHOOK_DAYS"},
		{map[string]string{"SAMTYKKE_RETENTION_PROOF_DAYS": "0"}, "SAMTYKKE_RETENTION_PROOF_DAYS"},
		{map[string]string{"SAMTYKKE_RETENTION_NO_PURPOSE_DAYS": "-1"}, "SAMTYKKE_RETENTION_NO_PURPOSE_DAYS"},
		{map[string]string{"SAMTYKKE_RETENTION_ACCESS_LOG_DAYS": "thirty"}, "SAMTYKKE_RETENTION_ACCESS_LOG_DAYS"},
		{map[string]string{"SAMTYKKE_ERASE_AFTER_WITHDRAWAL": "never"}, "SAMTYKKE_ERASE_AFTER_WITHDRAWAL"},
	} {
		if _, err := config.Load(env(bad.env), nil); err == nil || !strings.Contains(err.Error(), bad.setting) {
			t.Errorf("%v: err = %v; want one naming %s", bad.env, err, bad.setting)
		}
	}
	var buf bytes.Buffer
	config.Dump(&buf, env(map[string]string{"SAMTYKKE_RETENTION_PROOF_DAYS": "1825"}), nil)
	for _, line := range []string{"SAMTYKKE_RETENTION_PROOF_DAYS=1825\n", "SAMTYKKE_RETENTION_MESSAGE_DAYS=1825\n",
		"SAMTYKKE_RETENTION_WEBHOOK_DAYS=8\n", "SAMTYKKE_ERASE_AFTER_WITHDRAWAL=proof\n"} {
		if !strings.Contains(buf.String(), line) {
			t.Errorf("the dump lacks %q:\n%s", line, buf.String())
		}
	}
}
