// SPDX-License-Identifier: AGPL-3.0-only

package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/samtykke/samtykke/internal/config"
)

// runDoctor checks what serve needs, one line each, OK or FAIL with the fix;
// exit 1 on any FAIL. It changes nothing: no migration, no key is made.
func runDoctor(ctx context.Context, e env, args []string) int {
	fs, cf := flags(e, "doctor")
	if code, ok := parseFlags(e, fs, args); !ok {
		return code
	}
	failed := false
	line := func(ok bool, what, detail string) {
		word := "OK  "
		if !ok {
			word, failed = "FAIL", true
		}
		fmt.Fprintf(e.stdout, "%s %-13s %s\n", word, what, detail)
	}
	cfg, err := config.Load(e.getenv, cf)
	if err != nil {
		line(false, "configuration", fmt.Sprintf("%v; fix the settings named (samtykke help serve lists them)", err))
		return 1
	}
	line(true, "configuration", "valid (samtykke config prints it, secrets redacted)")

	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	st, err := openStore(ctx, cfg, false)
	if err == nil {
		err = st.Ping(ctx)
		defer st.Close()
	}
	if err != nil {
		line(false, "database", fmt.Sprintf("%s cannot be reached: %v; check SAMTYKKE_DATABASE_URL or --data-dir, and that the database runs",
			st0(cfg), err))
	} else {
		line(true, "database", st.Backend()+" reachable")
		if ok, err := st.SchemaCurrent(ctx); err != nil || !ok {
			line(false, "migrations", "the schema is behind this binary: run samtykke migrate (serve also migrates at start)")
		} else {
			line(true, "migrations", "current")
		}
		if _, _, err := unlock(ctx, cfg, st, false); err != nil {
			line(false, "master key", err.Error())
		} else {
			line(true, "master key", "opens this database (its fingerprint matches)")
		}
	}
	checkJournal(cfg, line)
	checkWhatsApp(ctx, cfg, line)
	if failed {
		return 1
	}
	return 0
}

// checkJournal checks, writing nothing, that the erasure journal can be
// appended to: an erasure is refused when it cannot (S-03).
func checkJournal(cfg config.Config, line func(bool, string, string)) {
	p := cfg.ErasureJournalPath()
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_APPEND, 0)
	if err == nil {
		f.Close()
		line(true, "erasures", "the erasure journal "+p+" takes new lines (keep it on another disk, beside the backups)")
		return
	}
	if errors.Is(err, os.ErrNotExist) {
		dir := filepath.Dir(p)
		for {
			if _, serr := os.Stat(dir); serr == nil || filepath.Dir(dir) == dir {
				break
			}
			dir = filepath.Dir(dir)
		}
		if fi, serr := os.Stat(dir); serr == nil && fi.IsDir() && syscall.Access(dir, 2) == nil { // 2: W_OK
			line(true, "erasures", "the erasure journal "+p+" will be made at the first erasure")
			return
		}
		err = fmt.Errorf("%s cannot be made there", p)
	}
	line(false, "erasures", fmt.Sprintf("the erasure journal: %v; erasures would be refused. Set SAMTYKKE_ERASURE_JOURNAL "+
		"to a file this user can append to", err))
}

// st0 names the database a configuration points at, without a password.
func st0(cfg config.Config) string {
	if cfg.DatabaseURL == "" {
		return cfg.SQLitePath()
	}
	if u, err := url.Parse(cfg.DatabaseURL); err == nil {
		u.User = nil
		return u.Redacted()
	}
	return "the PostgreSQL database"
}

// checkWhatsApp reads the sending number with the token (a GET of the
// phone number's node) and checks the webhook's secrets are set; with no
// token serve runs the built-in simulator.
func checkWhatsApp(ctx context.Context, cfg config.Config, line func(bool, string, string)) {
	w := cfg.WhatsApp
	if w.Token == "" {
		line(true, "whatsapp", "no SAMTYKKE_WHATSAPP_TOKEN: serve runs the built-in simulator (no message leaves this machine)")
		line(true, "webhook", "the simulator signs its own webhooks")
		return
	}
	u := strings.TrimRight(w.BaseURL, "/") + "/" + w.Version + "/" + url.PathEscape(w.PhoneNumberID) + "?fields=display_phone_number,verified_name"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		line(false, "whatsapp", fmt.Sprintf("SAMTYKKE_WHATSAPP_BASE_URL: %v", err))
	} else {
		req.Header.Set("Authorization", "Bearer "+w.Token)
		resp, err := http.DefaultClient.Do(req)
		switch {
		case err != nil:
			line(false, "whatsapp", fmt.Sprintf("the Cloud API at %s cannot be reached: %v; check the network and SAMTYKKE_WHATSAPP_BASE_URL", w.BaseURL, err))
		default:
			var body struct {
				Error struct {
					Message string `json:"message"`
					Code    int    `json:"code"`
				} `json:"error"`
			}
			_ = json.NewDecoder(io.LimitReader(resp.Body, 1<<16)).Decode(&body)
			resp.Body.Close()
			switch {
			case resp.StatusCode == http.StatusOK:
				line(true, "whatsapp", "the token reads phone number "+w.PhoneNumberID)
			case resp.StatusCode == http.StatusUnauthorized || body.Error.Code == 190:
				line(false, "whatsapp", fmt.Sprintf("the Cloud API refused the token (%d, code %d): make a new system-user token with "+
					"whatsapp_business_messaging and set SAMTYKKE_WHATSAPP_TOKEN", resp.StatusCode, body.Error.Code))
			default:
				line(false, "whatsapp", fmt.Sprintf("reading phone number %s answered %d (code %d): check SAMTYKKE_WHATSAPP_PHONE_NUMBER_ID "+
					"and that the token's system user is assigned the WhatsApp account", w.PhoneNumberID, resp.StatusCode, body.Error.Code))
			}
		}
	}
	var missing []string
	if w.AppSecret == "" {
		missing = append(missing, "SAMTYKKE_WHATSAPP_APP_SECRET (signs webhooks)")
	}
	if w.VerifyToken == "" {
		missing = append(missing, "SAMTYKKE_WHATSAPP_VERIFY_TOKEN (the webhook's verification)")
	}
	if len(missing) > 0 {
		line(false, "webhook", "set "+strings.Join(missing, " and ")+", as in the Meta app's webhook settings")
	} else {
		line(true, "webhook", "app secret and verify token set; register "+cfgPublic(cfg)+"/webhooks/whatsapp in the Meta app")
	}
}

func cfgPublic(cfg config.Config) string {
	if cfg.PublicURL != "" {
		return strings.TrimRight(cfg.PublicURL, "/")
	}
	return "https://YOUR-HOST"
}
