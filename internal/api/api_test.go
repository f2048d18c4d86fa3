// SPDX-License-Identifier: AGPL-3.0-only

package api_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/samtykke/samtykke/internal/api"
	"github.com/samtykke/samtykke/internal/app"
	"github.com/samtykke/samtykke/internal/httpx"
	"github.com/samtykke/samtykke/internal/notice"
	"github.com/samtykke/samtykke/internal/staff"
	"github.com/samtykke/samtykke/internal/store"
	"github.com/samtykke/samtykke/internal/store/storetest"
	"github.com/samtykke/samtykke/internal/vault"
)

// syncBuffer collects log output from concurrent handlers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// testMetricsToken opens /metrics in these tests.
const testMetricsToken = "metrics-test-token"

type bundle struct {
	t      testing.TB
	app    *app.App
	srv    *httptest.Server
	h      http.Handler
	store  store.Store
	b      storetest.Backend
	vault  *vault.Vault
	logs   *syncBuffer
	tokens map[staff.Role]string
	// seen collects every response body, to scan for numbers.
	seen bytes.Buffer
}

func setup(t testing.TB, b storetest.Backend) *bundle {
	t.Helper()
	return setupWith(t, b, nil)
}

// setupWith lets a test change the app's configuration.
func setupWith(t testing.TB, b storetest.Backend, tweak func(*app.Config)) *bundle {
	t.Helper()
	master := make([]byte, vault.KeySize)
	_, _ = rand.Read(master)
	v, _ := vault.New(master)
	s := b.Open(t)
	logs := &syncBuffer{}
	log := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	cfg := app.Config{PublicURL: "http://x"}
	if tweak != nil {
		tweak(&cfg)
	}
	a := app.New(s, v, cfg, log)
	srvAPI := api.New(a, log, prometheus.NewRegistry())
	srvAPI.MetricsToken = testMetricsToken
	mux := http.NewServeMux()
	srvAPI.Register(mux)
	h := httpx.Middleware(log, srvAPI.Observe, mux)
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	tb := &bundle{t: t, app: a, srv: srv, h: h, store: s, b: b, vault: v, logs: logs, tokens: map[staff.Role]string{}}
	for _, r := range staff.Roles {
		secret, _, err := a.CreateToken(context.Background(), r, string(r))
		if err != nil {
			t.Fatal(err)
		}
		tb.tokens[r] = secret
	}
	return tb
}

// do sends a request as role (empty: no token) and decodes the JSON answer.
func (tb *bundle) do(role staff.Role, method, path string, body any) (int, map[string]any) {
	tb.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		j, _ := json.Marshal(b)
		rd = bytes.NewReader(j)
	}
	req, _ := http.NewRequest(method, tb.srv.URL+path, rd)
	if role != "" {
		req.Header.Set("Authorization", "Bearer "+tb.tokens[role])
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	tb.seen.Write(raw)
	var out map[string]any
	if len(raw) > 0 && strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		if err := json.Unmarshal(raw, &out); err != nil {
			tb.t.Fatalf("%s %s: answer is not JSON: %s", method, path, raw)
		}
	}
	return resp.StatusCode, out
}

func errCode(m map[string]any) string {
	e, _ := m["error"].(map[string]any)
	c, _ := e["code"].(string)
	return c
}

func (tb *bundle) seed() {
	tb.t.Helper()
	st, out := tb.do(staff.Admin, "POST", "/api/v1/purposes", map[string]any{"key": "offers", "channel": "whatsapp",
		"legal_basis": "consent", "description": map[string]string{"nb": "Tilbud", "en": "Offers"}, "retention_days": 365})
	if st != http.StatusCreated {
		tb.t.Fatalf("create purpose: %d %v", st, out)
	}
	sections := []map[string]string{}
	for _, it := range notice.Required {
		sections = append(sections, map[string]string{"item": string(it), "title": string(it), "body": "Tekst"})
	}
	st, out = tb.do(staff.DPO, "POST", "/api/v1/notices", map[string]any{"language": "nb", "summary": "Kort", "sections": sections})
	if st != http.StatusCreated {
		tb.t.Fatalf("create notice: %d %v", st, out)
	}
	if st, out := tb.do(staff.DPO, "POST", "/api/v1/notices/"+out["id"].(string)+"/publish", nil); st != http.StatusOK {
		tb.t.Fatalf("publish: %d %v", st, out)
	}
}

func consentBody(phone string) map[string]any {
	return map[string]any{"phone": phone, "purpose": "offers", "method": "web_form",
		"collected_at": time.Now().UTC().Add(-time.Minute).Format(time.RFC3339), "age_confirmed": true,
		"evidence": map[string]any{"affirmative_act": "checkbox", "wording_hash": "sha256:1", "ip": "192.0.2.1",
			"confirmation_channel": "whatsapp", "confirmation_message_id": "wamid.X"}}
}

func TestAPIScenarios(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		tb := setup(t, b)
		tb.seed()

		st, out := tb.do(staff.Integrator, "POST", "/api/v1/consents", consentBody("+47 912 34 567"))
		if st != http.StatusCreated {
			t.Fatalf("record consent: %d %v", st, out)
		}
		id := out["contact_id"].(string)
		event := out["event_id"].(string)

		cases := []struct {
			name   string
			role   staff.Role
			method string
			path   string
			body   any
			status int
			code   string
			check  func(t *testing.T, out map[string]any)
		}{
			{name: "health", method: "GET", path: "/healthz", status: 200},
			{name: "ready", method: "GET", path: "/readyz", status: 200},
			{name: "no token", method: "GET", path: "/api/v1/purposes", status: 401, code: "unauthenticated"},
			{name: "unknown api route", role: staff.Admin, method: "GET", path: "/api/v1/nope", status: 404, code: "not_found"},
			{name: "marketer cannot read a contact", role: staff.Marketer, method: "GET", path: "/api/v1/contacts/" + id, status: 403, code: "forbidden"},
			{name: "integrator cannot reveal", role: staff.Integrator, method: "POST", path: "/api/v1/contacts/" + id + "/reveal",
				body: map[string]string{"reason": "curious"}, status: 403, code: "forbidden"},
			{name: "admin cannot reveal (S-02)", role: staff.Admin, method: "POST", path: "/api/v1/contacts/" + id + "/reveal",
				body: map[string]string{"reason": "innsynsbegjæring 12"}, status: 403, code: "forbidden"},
			{name: "contact is masked", role: staff.Admin, method: "GET", path: "/api/v1/contacts/" + id, status: 200,
				check: func(t *testing.T, out map[string]any) {
					if out["phone"] != "+47 9** ** *67" {
						t.Errorf("phone = %v, want masked +47 9** ** *67", out["phone"])
					}
				}},
			{name: "contact exists in another spelling", role: staff.Integrator, method: "POST", path: "/api/v1/contacts",
				body: map[string]string{"phone": "0047 91234567"}, status: 200,
				check: func(t *testing.T, out map[string]any) {
					if out["id"] != id || out["created"] != false {
						t.Errorf("create existing = %v", out)
					}
				}},
			{name: "lookup", role: staff.Integrator, method: "POST", path: "/api/v1/contacts/lookup",
				body: map[string]string{"phone": "912 34 567", "reason": "kundeservice"}, status: 200,
				check: func(t *testing.T, out map[string]any) {
					if out["id"] != id {
						t.Errorf("lookup id = %v", out["id"])
					}
				}},
			{name: "lookup unknown", role: staff.Integrator, method: "POST", path: "/api/v1/contacts/lookup",
				body: map[string]string{"phone": "+47 400 00 000", "reason": "kundeservice"}, status: 404, code: "not_found"},
			{name: "landline refused", role: staff.Integrator, method: "POST", path: "/api/v1/contacts",
				body: map[string]string{"phone": "22 22 22 22"}, status: 400, code: "invalid_input"},
			{name: "gate allows", role: staff.Marketer, method: "GET", path: "/api/v1/gate?contact_id=" + id + "&purpose=offers", status: 200,
				check: func(t *testing.T, out map[string]any) {
					if out["allowed"] != true || out["consent_event_id"] != event {
						t.Errorf("gate = %v", out)
					}
				}},
			{name: "gate without purpose", role: staff.Marketer, method: "GET", path: "/api/v1/gate?contact_id=" + id, status: 400, code: "invalid_input"},
			{name: "gate unknown contact", role: staff.Marketer, method: "GET", path: "/api/v1/gate?contact_id=nope&purpose=offers", status: 404},
			{name: "history", role: staff.DPO, method: "GET", path: "/api/v1/contacts/" + id + "/consents", status: 200,
				check: func(t *testing.T, out map[string]any) {
					if evs, _ := out["events"].([]any); len(evs) != 1 {
						t.Errorf("events = %v", out["events"])
					}
				}},
			{name: "unknown field", role: staff.Integrator, method: "POST", path: "/api/v1/contacts",
				body: `{"phone":"+4791234567","nickname":"x"}`, status: 400, code: "invalid_json"},
			{name: "two JSON values", role: staff.Integrator, method: "POST", path: "/api/v1/contacts",
				body: `{"phone":"+4791234567"}{}`, status: 400, code: "invalid_json"},
			{name: "not JSON", role: staff.Integrator, method: "POST", path: "/api/v1/consents", body: `phone=91234567`, status: 400, code: "invalid_json"},
			{name: "JSON cut short", role: staff.Integrator, method: "POST", path: "/api/v1/consents",
				body: `{"phone":"+47 912 34 568","purpose":"offers"`, status: 400, code: "invalid_json",
				check: func(t *testing.T, out map[string]any) {
					msg, _ := out["error"].(map[string]any)["message"].(string)
					if msg != "the body is not the expected JSON: the body ends before its JSON does" {
						t.Errorf("message %q: want it to say the body is cut short", msg)
					}
				}},
			{name: "number too short", role: staff.Integrator, method: "POST", path: "/api/v1/contacts",
				body: `{"phone":"+47 12"}`, status: 400, code: "invalid_input",
				check: func(t *testing.T, out map[string]any) {
					msg, _ := out["error"].(map[string]any)["message"].(string)
					if msg != "invalid input: phone: too few digits" {
						t.Errorf("message %q: want the reason once, without the digits", msg)
					}
				}},
			{name: "oversized", role: staff.Integrator, method: "POST", path: "/api/v1/consents",
				body: `{"purpose":"` + strings.Repeat("a", httpx.MaxBody) + `"}`, status: 413, code: "too_large"},
			{name: "withdraw", role: staff.Integrator, method: "POST", path: "/api/v1/consents/withdraw",
				body: map[string]string{"contact_id": id, "purpose": "offers"}, status: 200},
			{name: "gate after withdrawal", role: staff.Marketer, method: "GET", path: "/api/v1/gate?contact_id=" + id + "&purpose=offers", status: 200,
				check: func(t *testing.T, out map[string]any) {
					if out["allowed"] != false || out["reason"] != "withdrawn" {
						t.Errorf("gate = %v", out)
					}
				}},
			{name: "purpose conflict", role: staff.Admin, method: "POST", path: "/api/v1/purposes", body: map[string]any{"key": "offers",
				"channel": "whatsapp", "legal_basis": "consent", "description": map[string]string{"nb": "a", "en": "b"}, "retention_days": 1},
				status: 409, code: "conflict"},
			{name: "incomplete notice refused with items", role: staff.DPO, method: "POST", path: "/api/v1/notices",
				body: map[string]any{"language": "nb", "summary": "x", "sections": []map[string]string{{"item": "controller", "body": "AS"}}}, status: 201},
			{name: "reveal by DPO", role: staff.DPO, method: "POST", path: "/api/v1/contacts/" + id + "/reveal",
				body: map[string]string{"reason": "innsynsbegjæring 12"}, status: 200,
				check: func(t *testing.T, out map[string]any) {
					if out["phone"] != "+4791234567" {
						t.Errorf("reveal = %v", out)
					}
				}},
			{name: "accesses recorded", role: staff.DPO, method: "GET", path: "/api/v1/contacts/" + id + "/accesses", status: 200,
				check: func(t *testing.T, out map[string]any) {
					acc, _ := out["accesses"].([]any)
					var reveal bool
					for _, a := range acc {
						m := a.(map[string]any)
						reveal = reveal || (m["action"] == "reveal" && m["reason"] == "innsynsbegjæring 12" && strings.Contains(m["actor"].(string), ":dpo"))
					}
					if !reveal || len(acc) < 6 {
						t.Errorf("accesses = %v", acc)
					}
				}},
		}
		for _, c := range cases {
			st, out := tb.do(c.role, c.method, c.path, c.body)
			if st != c.status {
				t.Errorf("%s: status %d, want %d (%v)", c.name, st, c.status, out)
				continue
			}
			if c.code != "" && errCode(out) != c.code {
				t.Errorf("%s: error code %q, want %q", c.name, errCode(out), c.code)
			}
			if c.check != nil {
				c.check(t, out)
			}
		}

		// 422 names the missing Art. 13 items (T-01).
		_, drafts := tb.do(staff.DPO, "GET", "/api/v1/notices", nil)
		var draftID string
		for _, n := range drafts["notices"].([]any) {
			if m := n.(map[string]any); m["version"].(float64) == 0 {
				draftID = m["id"].(string)
			}
		}
		st, out = tb.do(staff.DPO, "POST", "/api/v1/notices/"+draftID+"/publish", nil)
		missing, _ := out["error"].(map[string]any)["missing"].([]any)
		if st != 422 || errCode(out) != "notice_incomplete" || len(missing) != len(notice.Required)-1 {
			t.Errorf("publish incomplete: %d %v", st, out)
		}
	})
}

// TestBadInputChangesNothing sends malformed and contradictory bodies to every
// writing endpoint and checks that nothing in the database changed (invariant 8).
func TestBadInputChangesNothing(t *testing.T) {
	t.Parallel()
	tb := setup(t, storetest.SQLite)
	tb.seed()
	count := func() int64 {
		var n int64
		for _, table := range []string{"purposes", "notices", "contacts", "consent_events", "consent_states", "suppressions", "access_log"} {
			n += tb.b.Int(t, tb.store, "SELECT count(*) FROM "+table)
		}
		return n
	}
	before := count()
	bad := []struct{ path, body string }{
		{"/api/v1/purposes", `{"key":"Bad Key","channel":"whatsapp","legal_basis":"consent","description":{"nb":"a","en":"b"},"retention_days":1}`},
		{"/api/v1/purposes", `{"key":"x2","channel":"fax","legal_basis":"consent","description":{"nb":"a","en":"b"},"retention_days":1}`},
		{"/api/v1/purposes", `{"key":"x3","channel":"whatsapp","legal_basis":"legitimate_interest","description":{"nb":"a","en":"b"},"retention_days":1}`},
		{"/api/v1/purposes", `{"key":"x4","channel":"whatsapp","legal_basis":"consent","description":{"nb":"a"},"retention_days":1}`},
		{"/api/v1/purposes", `{"key":"x5","channel":"whatsapp","legal_basis":"consent","description":{"nb":"a","en":"b"},"retention_days":0}`},
		{"/api/v1/purposes", `{"key":"x6","channel":"whatsapp","legal_basis":"consent","description":{"nb":"a","en":"b"},"retention_days":5,"fields":["birthdate"]}`},
		{"/api/v1/notices", `{"language":"sv","summary":"x","sections":[{"item":"controller","body":"x"}]}`},
		{"/api/v1/notices", `{"language":"nb","summary":"x","sections":[{"item":"horoscope","body":"x"}]}`},
		{"/api/v1/notices", `{"language":"nb","summary":"x","sections":[]}`},
		{"/api/v1/contacts", `{"phone":"+47 820 12 345"}`},
		{"/api/v1/contacts", `{"phone":"59123456"}`},
		{"/api/v1/contacts", `{"phone":"+46 70 123 45 67"}`},
		{"/api/v1/contacts", `{"phone":"91234567","language":"de"}`},
		{"/api/v1/contacts", `{"phone":12345678}`},
		{"/api/v1/consents", `{"phone":"91234567","contact_id":"x","purpose":"offers","method":"web_form","collected_at":"2026-11-29T10:00:00Z","age_confirmed":true,"evidence":{"affirmative_act":"c","wording_hash":"h"}}`},
		{"/api/v1/consents", `{"phone":"91234567","purpose":"offers","method":"web_form","collected_at":"yesterday","age_confirmed":true}`},
		{"/api/v1/consents", `{"phone":"91234567","purpose":"offers","method":"web_form","collected_at":"2026-11-29T10:00:00Z","age_confirmed":false,"evidence":{"affirmative_act":"c","wording_hash":"h"}}`},
		{"/api/v1/consents", `{"phone":"91234567","purpose":"offers","method":"web_form","collected_at":"2026-11-29T10:00:00Z","age_confirmed":true,"evidence":{"wording_hash":"h"}}`},
		{"/api/v1/consents", `{"phone":"91234567","purpose":"offers","method":"web_form","collected_at":"2026-11-29T10:00:00Z","age_confirmed":true,"evidence":{"affirmative_act":"c","wording_hash":"h","extra":{"a":"` + strings.Repeat("x", 9000) + `"}}}`},
		{"/api/v1/consents/withdraw", `{"phone":"91234567","purpose":"nope"}`},
		{"/api/v1/consents/withdraw", `{"purpose":"all"}`},
		{"/api/v1/contacts/lookup", `{"phone":"abc"}`},
		// Free text never reaches the ledger or the access log (invariant 4).
		{"/api/v1/consents/withdraw", `{"phone":"91234567","purpose":"all","method":"sms fra 92111111"}`},
		{"/api/v1/consents/withdraw", `{"phone":"91234567","purpose":"offers","method":"brev"}`},
		{"/api/v1/contacts/lookup", `{"phone":"91234567"}`},
		{"/api/v1/contacts/lookup", `{"phone":"91234567","reason":""}`},
		{"/api/v1/contacts/lookup", `{"phone":"91234567","reason":"` + strings.Repeat("x", 60000) + `"}`},
		{"/api/v1/contacts/lookup", `{"phone":"91234567","reason":"kunden ringte fra 921 11 111"}`},
		{"/api/v1/contacts/lookup", `{"phone":"91234567","reason":"to\nlines"}`},
		// Contradictory input: the last key would win (invariant 8).
		{"/api/v1/consents/withdraw", `{"contact_id":"x","purpose":"all","contact_id":"y"}`},
	}
	for _, c := range bad {
		st, out := tb.do(staff.Admin, "POST", c.path, c.body)
		if st < 400 || st >= 500 {
			t.Errorf("POST %s %s: status %d, want a 4xx (%v)", c.path, c.body[:min(len(c.body), 60)], st, out)
		}
		if msg, _ := out["error"].(map[string]any)["message"].(string); msg == "" {
			t.Errorf("POST %s: no error message", c.path)
		}
	}
	if after := count(); after != before {
		t.Errorf("bad input changed %d rows", after-before)
	}
}

// TestNoNumberInClear creates contacts in every spelling, then looks for each
// number in the database files, the WAL, the logs and every API answer but
// the DPO's reveal (invariant 4, S-01).
func TestNoNumberInClear(t *testing.T) {
	t.Parallel()
	tb := setup(t, storetest.SQLite)
	tb.seed()
	nationals := []string{"91234567", "41234568", "98765432", "45678901"}
	for i, n := range nationals {
		spelled := []string{"+47" + n, "0047 " + n, "47" + n, n[:3] + " " + n[3:5] + " " + n[5:]}[i%4]
		st, out := tb.do(staff.Integrator, "POST", "/api/v1/consents", consentBody(spelled))
		if st != 201 {
			t.Fatalf("consent %d: %d %v", i, st, out)
		}
		id := out["contact_id"].(string)
		tb.do(staff.Admin, "GET", "/api/v1/contacts/"+id, nil)
		tb.do(staff.Integrator, "POST", "/api/v1/contacts/lookup", map[string]string{"phone": "+47 " + n})
		tb.do(staff.Admin, "GET", "/api/v1/contacts?query="+url.QueryEscape(spelled), nil) // issue 23: a search by number
		tb.do(staff.DPO, "GET", "/api/v1/contacts", nil)
		tb.do(staff.Admin, "GET", "/api/v1/contacts/"+id+"/consents", nil)
		tb.do(staff.Marketer, "GET", "/api/v1/gate?contact_id="+id+"&purpose=offers", nil)
		for _, format := range []string{"json", "html", "csv", "replies-csv"} { // holds the number by design: not scanned, but logged and recorded
			if resp, _ := tb.get(staff.DPO, "/api/v1/contacts/"+id+"/package?reason=innsynsbegj%C3%A6ring+12&format="+format); resp.StatusCode != 200 {
				t.Fatalf("package %s: %d", format, resp.StatusCode)
			}
		}
		tb.do(staff.Integrator, "POST", "/api/v1/consents/withdraw", map[string]string{"phone": n, "purpose": "all"})
		// Rejected numbers must not echo their digits either.
		tb.do(staff.Integrator, "POST", "/api/v1/contacts", map[string]string{"phone": "22" + n[2:]})
		tb.do(staff.Integrator, "POST", "/api/v1/consents", map[string]any{"phone": n, "collected_at": n})
	}
	spellings := func(n string) []string {
		return []string{n, "+47" + n, "47" + n, n[:3] + " " + n[3:5] + " " + n[5:], n[:2] + " " + n[2:4] + " " + n[4:6] + " " + n[6:], "22" + n[2:]}
	}
	scan := func(where string, data []byte) {
		for _, n := range nationals {
			for _, s := range spellings(n) {
				if bytes.Contains(data, []byte(s)) {
					t.Errorf("%s holds the number in clear (as %q)", where, s)
				}
			}
		}
	}
	dbPath := tb.store.(interface{ Path() string }).Path()
	for _, suffix := range []string{"", "-wal", "-shm"} {
		data, err := os.ReadFile(dbPath + suffix)
		if err != nil && suffix == "" {
			t.Fatal(err)
		}
		scan("database file "+suffix, data)
	}
	scan("the logs", []byte(tb.logs.String()))
	scan("the API answers", tb.seen.Bytes())
	if !regexp.MustCompile(`"route"`).MatchString(tb.logs.String()) {
		t.Fatalf("no request was logged: the scan proved nothing")
	}
}

// TestCampaignAPI: the template rules refuse with 422 (G-05, R-09, M-05);
// roles decide who may write; state changes that make no sense are 409s.
func TestCampaignAPI(t *testing.T) {
	t.Parallel()
	tb := setup(t, storetest.SQLite)
	tb.seed()
	good := "Tilbud fra Butikken AS. Les mer: http://x/privacy. Svar STOPP for å melde deg av."
	body := func(text string) map[string]any {
		return map[string]any{"name": "Jul", "purpose": "offers",
			"template": map[string]any{"name": "jul_tilbud", "languages": map[string]any{"nb": map[string]any{"body": text}}},
			"window":   map[string]string{"from": "08:00", "to": "21:00"}}
	}
	if st, out := tb.do(staff.Marketer, "POST", "/api/v1/campaigns", body("Kjøp nå! http://x/privacy")); st != 422 || errCode(out) != "refused" {
		t.Fatalf("template without business and opt-out: %d %v", st, out)
	}
	if st, _ := tb.do(staff.Integrator, "POST", "/api/v1/campaigns", body(good)); st != 403 {
		t.Fatalf("integrator created a campaign: %d", st)
	}
	st, out := tb.do(staff.Marketer, "POST", "/api/v1/campaigns", body(good))
	if st != 201 || out["status"] != "draft" {
		t.Fatalf("create: %d %v", st, out)
	}
	id := out["id"].(string)
	for _, c := range []struct {
		action string
		status int
		want   string
	}{{"pause", 409, ""}, {"start", 200, "running"}, {"start", 409, ""}, {"pause", 200, "paused"}, {"resume", 200, "running"},
		{"cancel", 200, "cancelled"}, {"resume", 409, ""}} {
		st, out := tb.do(staff.Marketer, "POST", "/api/v1/campaigns/"+id+"/"+c.action, nil)
		if st != c.status || (c.want != "" && out["status"] != c.want) {
			t.Fatalf("%s: %d %v; want %d %s", c.action, st, out, c.status, c.want)
		}
	}
	st, out = tb.do(staff.Auditor, "GET", "/api/v1/campaigns/"+id, nil)
	if st != 200 || out["counts"] == nil {
		t.Fatalf("get: %d %v", st, out)
	}
	// API.md's audience object narrows the same way as the top-level fields.
	narrowed := body(good)
	narrowed["audience"] = map[string]any{"language": "nb"}
	if st, out := tb.do(staff.Marketer, "POST", "/api/v1/campaigns", narrowed); st != 201 || out["language"] != "nb" {
		t.Fatalf("create with audience: %d %v", st, out)
	}
	narrowed["language"] = "nb"
	if st, out := tb.do(staff.Marketer, "POST", "/api/v1/campaigns", narrowed); st != 400 {
		t.Fatalf("language both in audience and at the top level: %d %v", st, out)
	}
}

// TestAuthorizationScheme: the scheme's name is case-insensitive (RFC 9110
// §11.1); anything but a bearer token is refused.
func TestAuthorizationScheme(t *testing.T) {
	t.Parallel()
	tb := setup(t, storetest.SQLite)
	tok := tb.tokens[staff.Admin]
	for header, want := range map[string]int{
		"Bearer " + tok: 200, "bearer " + tok: 200, "BEARER " + tok: 200, "bEaReR  " + tok: 200,
		"Basic " + tok: 401, "Bearer": 401, "Bearer ": 401, tok: 401, "Bearer " + tok + "x": 401, "Bearertok " + tok: 401,
	} {
		req, _ := http.NewRequest("GET", tb.srv.URL+"/api/v1/purposes", nil)
		req.Header.Set("Authorization", header)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("Authorization %q: %d, want %d", strings.Replace(header, tok, "<token>", 1), resp.StatusCode, want)
		}
	}
}
