// SPDX-License-Identifier: AGPL-3.0-only

package admin_test

import (
	"bytes"
	"crypto/rand"
	"encoding/base32"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/samtykke/samtykke/internal/app"
	"github.com/samtykke/samtykke/internal/i18n"
	"github.com/samtykke/samtykke/internal/server"
	"github.com/samtykke/samtykke/internal/staff"
	"github.com/samtykke/samtykke/internal/store"
	"github.com/samtykke/samtykke/internal/store/storetest"
	"github.com/samtykke/samtykke/internal/style"
	"github.com/samtykke/samtykke/internal/vault"
	"github.com/samtykke/samtykke/internal/web"
)

const password = "korrekt hest batteri stift"

// lockedLog is a log sink safe for the server's goroutines.
type lockedLog struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedLog) String() string { l.mu.Lock(); defer l.mu.Unlock(); return l.b.String() }

// bundle is the assembled server (server.New, as serve runs it) on a real
// store, a browser with a cookie jar that does not follow redirects, and
// the app's clock.
type bundle struct {
	t     *testing.T
	srv   *httptest.Server
	app   *app.App
	store store.Store
	b     storetest.Backend
	jar   http.CookieJar
	http  *http.Client
	logs  *lockedLog
	now   time.Time
}

// setup assembles the server on a store of the backend; opts change its
// configuration first.
func setup(t *testing.T, b storetest.Backend, opts ...func(*server.Config)) *bundle {
	t.Helper()
	master := make([]byte, vault.KeySize)
	_, _ = rand.Read(master)
	v, _ := vault.New(master)
	st := b.Open(t)
	logs := &lockedLog{}
	loopback := netip.MustParsePrefix("127.0.0.0/8")
	cfg := server.Config{
		App: app.Config{PublicURL: "http://localhost", BusinessName: "Butikken AS",
			Argon2: staff.Argon2Params{Memory: 8 * 1024, Time: 1, Threads: 1}},
		Web: web.Config{BusinessName: "Butikken AS", TrustedProxies: []netip.Prefix{loopback}},
		Log: slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))}
	for _, o := range opts {
		o(&cfg)
	}
	assembled, err := server.New(st, v, cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(assembled.Handler)
	t.Cleanup(srv.Close)
	jar, _ := cookiejar.New(nil)
	tb := &bundle{t: t, srv: srv, app: assembled.App, store: st, b: b, jar: jar, logs: logs,
		now: time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)}
	tb.http = &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	assembled.App.NowFunc = func() time.Time { return tb.now }
	return tb
}

// response is what a request got back.
type response struct {
	status int
	header http.Header
	body   string
}

func (tb *bundle) do(method, path string, form url.Values, headers ...string) response {
	tb.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, _ := http.NewRequest(method, tb.srv.URL+path, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := tb.http.Do(req)
	if err != nil {
		tb.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return response{status: resp.StatusCode, header: resp.Header, body: string(b)}
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// csrf is the token of the page's (first) form.
func (tb *bundle) csrf(r response) string {
	tb.t.Helper()
	m := csrfRE.FindStringSubmatch(r.body)
	if m == nil {
		tb.t.Fatalf("no csrf field in %s", r.body)
	}
	return m[1]
}

// expect checks a response's status and, for a redirect, where it leads.
func (tb *bundle) expect(what string, r response, status int, location string) {
	tb.t.Helper()
	if r.status != status || r.header.Get("Location") != location {
		tb.t.Fatalf("%s: %d to %q; want %d to %q\n%s", what, r.status, r.header.Get("Location"), status, location, r.body)
	}
}

func (tb *bundle) rows(table string) int64 {
	tb.t.Helper()
	return tb.b.Int(tb.t, tb.store, "SELECT count(*) FROM "+table)
}

func (tb *bundle) code(key []byte) string { return staff.TOTPCode(key, staff.TOTPStep(tb.now)) }

// TestLoginFlow drives the admin UI as a browser does, on both stores: the
// login form, CSRF refusals that change nothing, a wrong password, the
// session cookie's attributes, the home page, logout; a DPO's enrolment of
// the second factor and a later login with its code step; English; and no
// password or code in any log line (issue 22, S-02).
func TestLoginFlow(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		tb := setup(t, b)
		admin := app.Actor{Name: "cli:test", Role: staff.Admin}
		if _, _, err := tb.app.CreateUser(t.Context(), admin, app.UserInput{Name: "kari", Role: staff.Marketer, Password: password}); err != nil {
			t.Fatal(err)
		}
		_, enrol, err := tb.app.CreateUser(t.Context(), admin, app.UserInput{Name: "personvern", Role: staff.DPO, Password: password})
		if err != nil {
			t.Fatal(err)
		}
		u, _ := url.Parse(enrol.URI)
		key, _ := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(u.Query().Get("secret"))
		var codes []string

		tb.expect("GET /admin without a session", tb.do("GET", "/admin", nil), 303, "/admin/login")
		page := tb.do("GET", "/admin/login", nil)
		tb.expect("GET /admin/login", page, 200, "")
		if page.header.Get("Cache-Control") != "no-store" || page.header.Get("X-Frame-Options") != "DENY" ||
			page.header.Get("Set-Cookie") != "" {
			t.Errorf("login page headers: %v", page.header)
		}
		for _, want := range []string{`<label for="name">Brukernavn</label>`, `id="name" name="name"`, `<label for="password">Passord</label>`,
			`type="password" id="password"`, `autocomplete="current-password"`, `<html lang="nb">`, style.CSSPath(), `<button type="submit" class="primary">Logg inn</button>`} {
			if !strings.Contains(page.body, want) {
				t.Errorf("the login page lacks %q", want)
			}
		}
		if css := tb.do("GET", style.CSSPath(), nil); css.status != 200 || !strings.Contains(css.body, "--accent") {
			t.Errorf("the stylesheet the page links: %d", css.status)
		}
		token := tb.csrf(page)
		login := url.Values{"name": {"kari"}, "password": {password}, "lang": {"nb"}}

		// Without the token, with another form's, or from another site:
		// 403 and nothing changes.
		before := tb.rows("staff_sessions") + tb.rows("staff_logins") + tb.rows("rate_limits")
		for name, c := range map[string]struct {
			form    url.Values
			headers []string
		}{
			"no token":      {login, nil},
			"a forged one":  {with(login, "csrf", "1764417600.AAAAAAAAAAAAAAAAAAAAAA"), nil},
			"cross-site":    {with(login, "csrf", token), []string{"Sec-Fetch-Site", "cross-site"}},
			"other origin":  {with(login, "csrf", token), []string{"Origin", "https://evil.example"}},
			"another route": {with(url.Values{"code": {"123456"}}, "csrf", token), nil},
		} {
			path := "/admin/login"
			if name == "another route" {
				path = "/admin/login/code"
			}
			r := tb.do("POST", path, c.form, c.headers...)
			if r.status != 403 || r.header.Get("Set-Cookie") != "" {
				t.Errorf("POST %s, %s: %d, cookie %q; want 403 and none", path, name, r.status, r.header.Get("Set-Cookie"))
			}
		}
		if after := tb.rows("staff_sessions") + tb.rows("staff_logins") + tb.rows("rate_limits"); after != before {
			t.Errorf("refused posts changed %d rows", after-before)
		}

		r := tb.do("POST", "/admin/login", with(with(login, "csrf", token), "password", "feil passord her"))
		if r.status != 401 || !strings.Contains(r.body, "Feil brukernavn eller passord.") || !strings.Contains(r.body, `value="kari"`) ||
			strings.Contains(r.body, "feil passord her") || r.header.Get("Set-Cookie") != "" {
			t.Errorf("a wrong password: %d, cookie %q\n%s", r.status, r.header.Get("Set-Cookie"), r.body)
		}
		r = tb.do("POST", "/admin/login", with(login, "csrf", token))
		tb.expect("login", r, 303, "/admin")
		cookie := r.header.Get("Set-Cookie")
		for _, want := range []string{"samtykke_session=sts_", "Path=/", "HttpOnly", "SameSite=Lax", "Max-Age=43200"} {
			if !strings.Contains(cookie, want) {
				t.Errorf("session cookie %q lacks %s", cookie, want)
			}
		}
		if strings.Contains(cookie, "Secure") || strings.Contains(cookie, "__Host-") {
			t.Errorf("plain http, cookie %q: want no Secure and no __Host- prefix", cookie)
		}
		home := tb.do("GET", "/admin", nil)
		if home.status != 200 || !strings.Contains(home.body, "Logget inn som kari") || !strings.Contains(home.body, "markedsfører") {
			t.Fatalf("home: %d\n%s", home.status, home.body)
		}
		// A token from before the login is bound to no session: refused.
		tb.expect("logout with the login page's token", tb.do("POST", "/admin/logout", url.Values{"csrf": {token}}), 403, "")
		tb.expect("logout", tb.do("POST", "/admin/logout", url.Values{"csrf": {tb.csrf(home)}}), 303, "/admin/login")
		tb.expect("GET /admin after logout", tb.do("GET", "/admin", nil), 303, "/admin/login")

		// The DPO must enrol a second factor before anything else.
		token = tb.csrf(tb.do("GET", "/admin/login?lang=en", nil))
		r = tb.do("POST", "/admin/login", url.Values{"name": {"personvern"}, "password": {password}, "lang": {"en"}, "csrf": {token}})
		tb.expect("the DPO's login", r, 303, "/admin/enrol?lang=en")
		if !strings.Contains(r.header.Get("Set-Cookie"), "Max-Age=300") {
			t.Errorf("a pending session's cookie: %q; want five minutes", r.header.Get("Set-Cookie"))
		}
		tb.expect("GET /admin before enrolling", tb.do("GET", "/admin", nil), 303, "/admin/enrol")
		page = tb.do("GET", "/admin/enrol?lang=en", nil)
		if page.status != 200 || !strings.Contains(page.body, staff.TOTPGroups(key)) || !strings.Contains(page.body, "Set up two-step login") ||
			!strings.Contains(page.body, `<html lang="en">`) {
			t.Fatalf("the enrolment page: %d\n%s", page.status, page.body)
		}
		r = tb.do("POST", "/admin/enrol", url.Values{"code": {"000000"}, "csrf": {tb.csrf(page)}, "lang": {"en"}})
		if r.status != 401 || !strings.Contains(r.body, "The code is wrong") {
			t.Errorf("a wrong first code: %d\n%s", r.status, r.body)
		}
		codes = append(codes, tb.code(key))
		tb.expect("enrol", tb.do("POST", "/admin/enrol", url.Values{"code": {tb.code(key)}, "csrf": {tb.csrf(page)}, "lang": {"en"}}), 303, "/admin?lang=en")
		home = tb.do("GET", "/admin?lang=en", nil)
		if home.status != 200 || !strings.Contains(home.body, "data protection officer") || !strings.Contains(home.body, "Two-step login is on.") {
			t.Fatalf("the DPO's home: %d\n%s", home.status, home.body)
		}
		tb.expect("logout", tb.do("POST", "/admin/logout", url.Values{"csrf": {tb.csrf(home)}}), 303, "/admin/login")

		// The next login asks for the code as a second step.
		tb.now = tb.now.Add(staff.TOTPPeriod)
		token = tb.csrf(tb.do("GET", "/admin/login", nil))
		tb.expect("password", tb.do("POST", "/admin/login", url.Values{"name": {"personvern"}, "password": {password}, "csrf": {token}}),
			303, "/admin/login/code")
		page = tb.do("GET", "/admin/login/code", nil)
		if !strings.Contains(page.body, `autocomplete="one-time-code"`) || !strings.Contains(page.body, `<label for="code">Engangskode</label>`) {
			t.Errorf("the code page:\n%s", page.body)
		}
		codes = append(codes, tb.code(key))
		tb.expect("code", tb.do("POST", "/admin/login/code", url.Values{"code": {tb.code(key)}, "csrf": {tb.csrf(page)}}), 303, "/admin")
		tb.expect("home after the code", tb.do("GET", "/admin", nil), 200, "")

		// Behind a trusted proxy that says https, the cookie is Secure
		// and __Host- prefixed.
		r = tb.do("POST", "/admin/login", url.Values{"name": {"kari"}, "password": {password},
			"csrf": {tb.csrf(tb.do("GET", "/admin/login", nil, "X-Forwarded-Proto", "https"))}}, "X-Forwarded-Proto", "https")
		tb.expect("login over https", r, 303, "/admin")
		if c := r.header.Get("Set-Cookie"); !strings.HasPrefix(c, "__Host-samtykke_session=sts_") || !strings.Contains(c, "Secure") {
			t.Errorf("over https, cookie %q; want __Host- and Secure", c)
		}

		logs := tb.logs.String()
		if !strings.Contains(logs, `"route":"POST /admin/login"`) {
			t.Fatalf("no request log of the admin UI:\n%s", logs)
		}
		for _, secret := range append(codes, password, "feil passord her", staff.TOTPGroups(key), enrol.URI) {
			if strings.Contains(logs, secret) {
				t.Errorf("the log holds %q", secret)
			}
		}
	})
}

func with(v url.Values, k, val string) url.Values {
	out := url.Values{}
	for kk, vv := range v {
		out[kk] = vv
	}
	out.Set(k, val)
	return out
}

// keyRE finds a whole text key in quotes; a computed key's prefix ends in
// a dot and is left out.
var keyRE = regexp.MustCompile(`"(admin\.[a-z0-9_.\-]*[a-z0-9_])"`)

// TestEveryKeyHasItsText: every admin.* key the templates and the code
// name exists in both catalogs.
func TestEveryKeyHasItsText(t *testing.T) {
	t.Parallel()
	var src bytes.Buffer
	for _, glob := range []string{"*.go", "templates/*.html", "templates/pages/*.html"} {
		files, _ := filepath.Glob(glob)
		for _, f := range files {
			b, _ := os.ReadFile(f)
			src.Write(b)
		}
	}
	var keys []string
	for _, m := range keyRE.FindAllStringSubmatch(src.String(), -1) {
		if k := m[1]; k != "admin.css" && k != "admin.js" { // the staff pages' assets
			keys = append(keys, k)
		}
	}
	if len(keys) < 30 {
		t.Fatalf("found only %d keys", len(keys))
	}
	for _, k := range keys {
		for _, lang := range i18n.Languages {
			if i18n.T(lang, k) == k {
				t.Errorf("%s has no %s text", k, lang)
			}
		}
	}
	for _, r := range staff.Roles {
		for _, lang := range i18n.Languages {
			if k := "admin.role." + string(r); i18n.T(lang, k) == k {
				t.Errorf("role %s has no %s name", r, lang)
			}
		}
	}
}

// TestEveryMethodHasItsText: each way a consent or a withdrawal can be
// recorded, and the person or system that recorded it, is named in words on the contact's timeline, in both languages
// (the ledger keeps the code; C-03 evidence a person can read).
func TestEveryMethodHasItsText(t *testing.T) {
	t.Parallel()
	codes := append(append([]string{"expiry", "whatsapp_link", "request", "retention"}, app.Methods...), app.WithdrawMethods...)
	var keys []string
	for _, c := range codes {
		keys = append(keys, "admin.method."+c)
	}
	keys = append(keys, "admin.actor."+app.Public.Name, "admin.actor."+app.System.Name,
		"admin.channel.whatsapp", "admin.channel.sms", "admin.channel.email")
	for _, k := range keys {
		for _, lang := range i18n.Languages {
			if i18n.T(lang, k) == k {
				t.Errorf("%s has no %s text", k, lang)
			}
		}
	}
}
