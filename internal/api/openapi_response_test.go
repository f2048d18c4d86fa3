// SPDX-License-Identifier: AGPL-3.0-only

package api_test

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/samtykke/samtykke/internal/app"
	"github.com/samtykke/samtykke/internal/consent"
	"github.com/samtykke/samtykke/internal/contact"
	"github.com/samtykke/samtykke/internal/controller"
	"github.com/samtykke/samtykke/internal/httpx"
	"github.com/samtykke/samtykke/internal/job"
	"github.com/samtykke/samtykke/internal/notice"
	"github.com/samtykke/samtykke/internal/phone"
	"github.com/samtykke/samtykke/internal/portability"
	"github.com/samtykke/samtykke/internal/staff"
	"github.com/samtykke/samtykke/internal/store/storetest"
	"github.com/samtykke/samtykke/internal/tag"
	"github.com/samtykke/samtykke/internal/whatsapp"
	"github.com/samtykke/samtykke/internal/whatsapp/sim"
)

// docURL names the served OpenAPI document inside the schema compiler.
const docURL = "https://samtykke.invalid/api/openapi.json"

// openapiCheck sends requests to the real API and validates every answer
// against the OpenAPI document that the same server serves: the status must
// be documented for the operation, the media type too, and the body must
// match that response's schema (JSON Schema 2020-12, formats asserted).
type openapiCheck struct {
	t        *testing.T
	tb       *bundle
	doc      map[string]any
	compiler *jsonschema.Compiler
	schemas  map[string]*jsonschema.Schema // compiled, by JSON pointer
	ops      *http.ServeMux                // the document's operations, to find the one a request is for
	seen     map[string]map[int]bool       // operation → statuses validated
}

func newOpenAPICheck(t *testing.T, tb *bundle) *openapiCheck {
	t.Helper()
	resp, err := http.Get(tb.srv.URL + "/api/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	c := &openapiCheck{t: t, tb: tb, compiler: jsonschema.NewCompiler(), schemas: map[string]*jsonschema.Schema{},
		ops: http.NewServeMux(), seen: map[string]map[int]bool{}}
	if err := json.Unmarshal(raw, &c.doc); err != nil {
		t.Fatalf("/api/openapi.json: %v", err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	c.compiler.DefaultDraft(jsonschema.Draft2020) // OpenAPI 3.1's schema dialect
	c.compiler.AssertFormat()
	c.compiler.AssertContent()
	if err := c.compiler.AddResource(docURL, inst); err != nil {
		t.Fatal(err)
	}
	for path, item := range c.doc["paths"].(map[string]any) {
		for method := range item.(map[string]any) {
			c.ops.HandleFunc(strings.ToUpper(method)+" "+path, func(http.ResponseWriter, *http.Request) {})
		}
	}
	// The document refers to the subject package's schema where the server
	// publishes it: the compiler gets it from there.
	resp, err = http.Get(tb.srv.URL + portability.SchemaPath)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	pkg, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("%s: %v", portability.SchemaPath, err)
	}
	if err := c.compiler.AddResource(strings.TrimSuffix(docURL, "/api/openapi.json")+portability.SchemaPath, pkg); err != nil {
		t.Fatal(err)
	}
	return c
}

// pointer escapes one JSON pointer token.
func pointer(token string) string {
	return strings.ReplaceAll(strings.ReplaceAll(token, "~", "~0"), "/", "~1")
}

// at follows a "#/a/b" reference inside the document.
func (c *openapiCheck) at(ref string) map[string]any {
	var v any = c.doc
	for _, tok := range strings.Split(strings.TrimPrefix(ref, "#/"), "/") {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		v = v.(map[string]any)[tok]
	}
	m, _ := v.(map[string]any)
	return m
}

// schema compiles the schema at a JSON pointer of the document, once.
func (c *openapiCheck) schema(ptr string) *jsonschema.Schema {
	c.t.Helper()
	if s, ok := c.schemas[ptr]; ok {
		return s
	}
	frag := strings.NewReplacer("{", "%7B", "}", "%7D").Replace(ptr)
	s, err := c.compiler.Compile(docURL + frag)
	if err != nil {
		c.t.Fatalf("compile %s: %v", ptr, err)
	}
	c.schemas[ptr] = s
	return s
}

// request is one call: body is JSON-encoded unless it is a string.
type request struct {
	role        staff.Role // empty: no token
	method      string
	path        string
	body        any
	contentType string // default application/json when there is a body
	bearer      string // a token that is not a role's (the metrics token)
}

// call sends r, wants status, validates the answer against the document and
// returns the decoded body (nil when it is not a JSON object).
func (c *openapiCheck) call(r request, status int) map[string]any {
	c.t.Helper()
	var rd io.Reader
	switch b := r.body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		j, _ := json.Marshal(b)
		rd = bytes.NewReader(j)
	}
	req, _ := http.NewRequest(r.method, c.tb.srv.URL+r.path, rd)
	if r.role != "" {
		req.Header.Set("Authorization", "Bearer "+c.tb.tokens[r.role])
	}
	if r.bearer != "" {
		req.Header.Set("Authorization", "Bearer "+r.bearer)
	}
	if rd != nil {
		req.Header.Set("Content-Type", cmp.Or(r.contentType, "application/json"))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	name := r.method + " " + r.path
	shown := raw // a test prints no phone number (the package and a reveal hold one)
	if phone.Mentions(string(raw)) {
		shown = []byte("(the body holds a phone number: not shown)")
	}
	if resp.StatusCode != status {
		c.t.Fatalf("%s: status %d, want %d: %s", name, resp.StatusCode, status, shown)
	}
	if err := c.validate(req, resp, raw); err != nil {
		c.t.Errorf("%s → %d: %v\nbody: %s", name, resp.StatusCode, err, shown)
	}
	var out map[string]any
	_ = json.Unmarshal(raw, &out)
	return out
}

// validate checks one real answer against the document.
func (c *openapiCheck) validate(req *http.Request, resp *http.Response, raw []byte) error {
	_, pattern := c.ops.Handler(req)
	method, path, ok := strings.Cut(pattern, " ")
	if !ok {
		return fmt.Errorf("no operation in the document for %s %s", req.Method, req.URL.Path)
	}
	opPtr := "#/paths/" + pointer(path) + "/" + strings.ToLower(method)
	code := strconv.Itoa(resp.StatusCode)
	respPtr := opPtr + "/responses/" + code
	spec := c.at(respPtr)
	if spec == nil {
		return fmt.Errorf("status %s is not documented for %s", code, pattern)
	}
	if ref, ok := spec["$ref"].(string); ok {
		respPtr, spec = ref, c.at(ref)
	}
	if c.seen[pattern] == nil {
		c.seen[pattern] = map[int]bool{}
	}
	c.seen[pattern][resp.StatusCode] = true
	for name := range mapOf(spec["headers"]) {
		v := resp.Header.Get(name)
		if v == "" {
			return fmt.Errorf("documented header %s is missing", name)
		}
		if err := c.schema(respPtr + "/headers/" + pointer(name) + "/schema").Validate(v); err != nil {
			return fmt.Errorf("header %s: %v", name, err)
		}
	}
	content := mapOf(spec["content"])
	if len(content) == 0 {
		if len(raw) > 0 {
			return fmt.Errorf("the document gives no body, the answer has %d bytes", len(raw))
		}
		return nil
	}
	mt, _, err := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if err != nil || content[mt] == nil {
		return fmt.Errorf("media type %q is not documented (documented: %v)", resp.Header.Get("Content-Type"), keys(content))
	}
	s := c.schema(respPtr + "/content/" + pointer(mt) + "/schema")
	var inst any = string(raw)
	if mt == "application/json" {
		if inst, err = jsonschema.UnmarshalJSON(bytes.NewReader(raw)); err != nil {
			return fmt.Errorf("not JSON: %v", err)
		}
	}
	return s.Validate(inst)
}

// covered fails the test for every documented operation that no call
// reached with a success, and logs the documented statuses no call met.
func (c *openapiCheck) covered() {
	c.t.Helper()
	for path, item := range c.doc["paths"].(map[string]any) {
		for method, op := range item.(map[string]any) {
			pattern := strings.ToUpper(method) + " " + path
			var ok bool
			var untried []string
			for code := range mapOf(mapOf(op)["responses"]) {
				n, _ := strconv.Atoi(code)
				ok = ok || (c.seen[pattern][n] && n < 300)
				if !c.seen[pattern][n] {
					untried = append(untried, code)
				}
			}
			if !ok {
				c.t.Errorf("%s: no success answer was validated", pattern)
			}
			if len(untried) > 0 {
				slices.Sort(untried)
				c.t.Logf("%s: not exercised here: %s", pattern, strings.Join(untried, ", "))
			}
		}
	}
}

func mapOf(v any) map[string]any { m, _ := v.(map[string]any); return m }

func keys(m map[string]any) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

// TestResponsesMatchOpenAPI drives every operation of the OpenAPI document
// through the real API on both stores and validates each answer, success and
// error, against the document's schema for that operation and status, so
// that the document describes every answer exactly: a field the schema does
// not allow, a required one missing, an undocumented status or media type
// fails. Every operation must be reached with a success at least once.
func TestResponsesMatchOpenAPI(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		platform, err := sim.New(sim.Config{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(platform.Close)
		platformSrv := httptest.NewServer(platform)
		t.Cleanup(platformSrv.Close)
		if err := platform.AddTemplate(sim.Template{Name: "jul", Language: "nb", Components: []whatsapp.TemplateComponent{
			{Type: "BODY", Text: "Tilbud fra Butikken AS: http://x/privacy"}, {Type: "FOOTER", Text: "Svar STOPP for å melde deg av"}}}); err != nil {
			t.Fatal(err)
		}
		templates, err := whatsapp.NewClient(whatsapp.ClientConfig{BaseURL: platformSrv.URL, Token: "t", PhoneNumberID: platform.PhoneNumberID(),
			BusinessAccountID: platform.BusinessAccountID(), Pipeline: -1})
		if err != nil {
			t.Fatal(err)
		}
		tb := setupWith(t, b, func(c *app.Config) {
			c.WhatsApp = templates
			c.Tags = []tag.Tag{{Key: "vip", Description: consent.Text{NB: "Faste kunder", EN: "Regular customers"}},
				{Key: "oslo", Description: consent.Text{NB: "Butikken i Oslo", EN: "The Oslo shop"}}}
			c.Controller = controller.Controller{Address: "Storgata 1, 0155 Oslo", Email: "personvern@butikk.example", Phone: "+47 22 12 34 56",
				DPO: controller.Contact{Email: "dpo@butikk.example"}}
		})
		c := newOpenAPICheck(t, tb)
		const admin, dpo, marketer, integrator = staff.Admin, staff.DPO, staff.Marketer, staff.Integrator

		// Operations, and the lists while they are empty.
		c.call(request{method: "GET", path: "/healthz"}, 200)
		c.call(request{method: "GET", path: "/readyz"}, 200)
		c.call(request{method: "GET", path: "/api/openapi.json"}, 200)
		c.call(request{method: "GET", path: "/api/v1/purposes"}, 401)
		c.call(request{role: admin, method: "GET", path: "/api/v1/purposes"}, 200)
		c.call(request{role: staff.Auditor, method: "GET", path: "/api/v1/ropa"}, 422) // no purpose yet, (b) is missing
		c.call(request{role: admin, method: "GET", path: "/api/v1/notices"}, 200)
		c.call(request{role: marketer, method: "GET", path: "/api/v1/tags"}, 200)

		// Purposes (C-02, P-03).
		offers := map[string]any{"key": "offers", "channel": "whatsapp", "legal_basis": "consent",
			"description": map[string]string{"nb": "Tilbud", "en": "Offers"}, "retention_days": 365, "refresh_days": 730, "fields": []string{"first_name"}}
		c.call(request{role: admin, method: "POST", path: "/api/v1/purposes", body: offers}, 201)
		c.call(request{role: admin, method: "POST", path: "/api/v1/purposes", body: map[string]any{"key": "kunde", "channel": "whatsapp",
			"legal_basis": "existing_customer", "description": map[string]string{"nb": "Kundetilbud", "en": "Customer offers"}, "retention_days": 365}}, 201)
		c.call(request{role: admin, method: "POST", path: "/api/v1/purposes", body: offers}, 409)
		c.call(request{role: admin, method: "POST", path: "/api/v1/purposes", body: `{"key":"Bad Key"}`}, 400)
		c.call(request{role: integrator, method: "POST", path: "/api/v1/purposes", body: offers}, 403)
		c.call(request{role: admin, method: "POST", path: "/api/v1/purposes", body: `key=x`, contentType: "application/x-www-form-urlencoded"}, 415)
		c.call(request{role: admin, method: "GET", path: "/api/v1/purposes"}, 200)

		// Notices (T-01).
		var sections []map[string]string
		for _, it := range notice.Required {
			sections = append(sections, map[string]string{"item": string(it), "title": string(it), "body": "Tekst"})
		}
		sections = append(sections, map[string]string{"title": "Om oss", "body": "Butikken AS"})
		n := c.call(request{role: dpo, method: "POST", path: "/api/v1/notices", body: map[string]any{"language": "nb", "summary": "Kort", "sections": sections}}, 201)
		c.call(request{role: dpo, method: "POST", path: "/api/v1/notices/" + n["id"].(string) + "/publish"}, 200)
		c.call(request{role: dpo, method: "POST", path: "/api/v1/notices/" + n["id"].(string) + "/publish"}, 409)
		c.call(request{role: dpo, method: "POST", path: "/api/v1/notices/nope/publish"}, 404)
		c.call(request{role: marketer, method: "POST", path: "/api/v1/notices/nope/publish"}, 403)
		draft := c.call(request{role: dpo, method: "POST", path: "/api/v1/notices",
			body: map[string]any{"language": "nb", "summary": "x", "sections": []map[string]string{{"item": "controller", "body": "AS"}}}}, 201)
		c.call(request{role: dpo, method: "POST", path: "/api/v1/notices/" + draft["id"].(string) + "/publish"}, 422)
		c.call(request{role: dpo, method: "POST", path: "/api/v1/notices", body: map[string]any{"language": "sv", "summary": "x", "sections": sections}}, 400)
		c.call(request{role: marketer, method: "POST", path: "/api/v1/notices", body: map[string]any{"language": "nb", "summary": "x", "sections": sections}}, 403)
		c.call(request{role: dpo, method: "GET", path: "/api/v1/notices"}, 200)

		// Contacts (S-01, S-02).
		kari := c.call(request{role: integrator, method: "POST", path: "/api/v1/contacts",
			body: map[string]any{"phone": "+47 912 34 567", "language": "en", "first_name": "Kari", "tags": []string{"vip"}}}, 201)
		id := kari["id"].(string)
		c.call(request{role: integrator, method: "POST", path: "/api/v1/contacts", body: map[string]any{"phone": "0047 91234567"}}, 200)
		c.call(request{role: integrator, method: "POST", path: "/api/v1/contacts", body: map[string]any{"phone": "22 22 22 22"}}, 400)
		c.call(request{role: integrator, method: "POST", path: "/api/v1/contacts", body: map[string]any{"phone": "+47 912 34 560", "tags": []string{"gold"}}}, 422)
		c.call(request{role: marketer, method: "POST", path: "/api/v1/contacts", body: map[string]any{"phone": "+47 912 34 560"}}, 403)
		c.call(request{role: integrator, method: "POST", path: "/api/v1/contacts", body: map[string]any{"phone": "+47 912 34 560"}, contentType: "text/plain"}, 415)
		c.call(request{role: admin, method: "GET", path: "/api/v1/contacts/" + id}, 200)
		c.call(request{role: admin, method: "GET", path: "/api/v1/contacts/nope"}, 404)
		c.call(request{role: marketer, method: "GET", path: "/api/v1/contacts/" + id}, 403)
		c.call(request{role: integrator, method: "POST", path: "/api/v1/contacts/lookup", body: map[string]string{"phone": "912 34 567", "reason": "kundeservice"}}, 200)
		// The contact list and its search (issue 23).
		c.call(request{role: admin, method: "GET", path: "/api/v1/contacts"}, 200)
		c.call(request{role: admin, method: "GET", path: "/api/v1/contacts?query=912%2034%20567"}, 200)
		c.call(request{role: dpo, method: "GET", path: "/api/v1/contacts?tag=vip&limit=1"}, 200)
		c.call(request{role: admin, method: "GET", path: "/api/v1/contacts?tag=gold"}, 422)
		c.call(request{role: admin, method: "GET", path: "/api/v1/contacts?query=22"}, 400)
		c.call(request{role: admin, method: "GET", path: "/api/v1/contacts?limit=0"}, 400)
		c.call(request{role: marketer, method: "GET", path: "/api/v1/contacts"}, 403)
		c.call(request{role: integrator, method: "POST", path: "/api/v1/contacts/lookup", body: map[string]string{"phone": "+47 400 00 000", "reason": "kundeservice"}}, 404)
		c.call(request{role: integrator, method: "POST", path: "/api/v1/contacts/lookup", body: map[string]string{"phone": "abc", "reason": "kundeservice"}}, 400)
		c.call(request{role: marketer, method: "POST", path: "/api/v1/contacts/lookup", body: map[string]string{"phone": "912 34 567", "reason": "kundeservice"}}, 403)
		c.call(request{role: admin, method: "PUT", path: "/api/v1/contacts/" + id + "/tags", body: map[string]any{"tags": []string{"vip", "oslo"}}}, 200)
		c.call(request{role: admin, method: "PUT", path: "/api/v1/contacts/" + id + "/tags", body: map[string]any{"tags": []string{}}}, 200)
		c.call(request{role: admin, method: "PUT", path: "/api/v1/contacts/" + id + "/tags", body: map[string]any{}}, 400)
		c.call(request{role: admin, method: "PUT", path: "/api/v1/contacts/" + id + "/tags", body: map[string]any{"tags": []string{"gold"}}}, 422)
		c.call(request{role: admin, method: "PUT", path: "/api/v1/contacts/nope/tags", body: map[string]any{"tags": []string{"vip"}}}, 404)
		c.call(request{role: marketer, method: "PUT", path: "/api/v1/contacts/" + id + "/tags", body: map[string]any{"tags": []string{"vip"}}}, 403)
		c.call(request{role: admin, method: "GET", path: "/api/v1/contacts/" + id}, 200) // tags: [] now

		// Consents: confirmed, pending and a soft opt-in (C-01, C-03, M-05).
		collected := time.Now().UTC().Add(-time.Minute).Format(time.RFC3339)
		confirmed := c.call(request{role: integrator, method: "POST", path: "/api/v1/consents", body: map[string]any{"contact_id": id, "purpose": "offers",
			"method": "web_form", "collected_at": collected, "age_confirmed": true, "evidence": map[string]any{"affirmative_act": "checkbox",
				"wording_hash": "sha256:1", "ip": "192.0.2.1", "user_agent": "test", "flow_version": "v1", "confirmation_channel": "whatsapp",
				"confirmation_message_id": "wamid.X", "extra": map[string]string{"shop": "oslo"}}}}, 201)
		if confirmed["kind"] != "confirmed" {
			t.Errorf("consent with its confirmation: kind %v, want confirmed", confirmed["kind"])
		}
		pending := c.call(request{role: integrator, method: "POST", path: "/api/v1/consents", body: map[string]any{"phone": "+47 412 34 568", "language": "nb",
			"purpose": "offers", "method": "paper", "collected_at": collected, "age_confirmed": true,
			"evidence": map[string]any{"affirmative_act": "signature", "wording_hash": "sha256:2"}}}, 201)
		c.call(request{role: integrator, method: "POST", path: "/api/v1/consents", body: map[string]any{"contact_id": id, "purpose": "kunde",
			"method": "in_store", "collected_at": collected, "age_confirmed": true, "evidence": map[string]any{"order_ref": "O-1",
				"product_category": "sko", "opt_out_offered_at": collected}}}, 201)
		c.call(request{role: integrator, method: "POST", path: "/api/v1/consents", body: map[string]any{"contact_id": id, "purpose": "offers",
			"method": "web_form", "collected_at": collected, "age_confirmed": false, "evidence": map[string]any{"affirmative_act": "c", "wording_hash": "h"}}}, 422)
		c.call(request{role: integrator, method: "POST", path: "/api/v1/consents", body: map[string]any{"contact_id": "nope", "purpose": "offers",
			"method": "web_form", "collected_at": collected, "age_confirmed": true, "evidence": map[string]any{"affirmative_act": "c", "wording_hash": "h"}}}, 404)
		c.call(request{role: integrator, method: "POST", path: "/api/v1/consents", body: `{"phone":"91234567","collected_at":"yesterday"}`}, 400)
		c.call(request{role: integrator, method: "POST", path: "/api/v1/consents", body: `{"purpose":"` + strings.Repeat("a", httpx.MaxBody) + `"}`}, 413)
		c.call(request{role: marketer, method: "POST", path: "/api/v1/consents", body: map[string]any{"contact_id": id}}, 403)
		c.call(request{role: dpo, method: "GET", path: "/api/v1/contacts/" + id + "/consents"}, 200)
		c.call(request{role: dpo, method: "GET", path: "/api/v1/contacts/nope/consents"}, 404)
		c.call(request{role: marketer, method: "GET", path: "/api/v1/contacts/" + id + "/consents"}, 403)
		// The signed receipt of a confirmed consent (L-04); a pending one has none.
		c.call(request{role: dpo, method: "GET", path: "/api/v1/consents/" + confirmed["event_id"].(string) + "/receipt"}, 200)
		c.call(request{role: dpo, method: "GET", path: "/api/v1/consents/" + pending["event_id"].(string) + "/receipt"}, 422)
		c.call(request{role: dpo, method: "GET", path: "/api/v1/consents/nope/receipt"}, 404)
		c.call(request{role: marketer, method: "GET", path: "/api/v1/consents/" + confirmed["event_id"].(string) + "/receipt"}, 403)

		// The gate (G-01).
		c.call(request{role: marketer, method: "GET", path: "/api/v1/gate?contact_id=" + id + "&purpose=offers"}, 200)
		c.call(request{role: marketer, method: "GET", path: "/api/v1/gate?contact_id=" + id + "&purpose=kunde"}, 200)
		c.call(request{role: marketer, method: "GET", path: "/api/v1/gate?contact_id=" + id}, 400)
		c.call(request{role: marketer, method: "GET", path: "/api/v1/gate?contact_id=nope&purpose=offers"}, 404)
		c.call(request{role: staff.Auditor, method: "GET", path: "/api/v1/gate?contact_id=" + id + "&purpose=offers"}, 403)

		// Imports (C-03, M-04, RT-05): answered at once, worked by the job.
		list := "phone,collected_at,method,affirmative_act,age_confirmed,wording,confirmation,confirmation_ref\n" +
			"+4741234591,2026-10-01,web_form,checkbox,yes,Ja takk,whatsapp,wamid.I1\n+4741234592,,,,,,,\n"
		started := c.call(request{role: integrator, method: "POST", path: "/api/v1/imports?purpose=offers", body: list, contentType: "text/csv"}, 202)
		c.call(request{role: dpo, method: "POST", path: "/api/v1/imports?purpose=offers&without_evidence=needs_fresh_consent", body: list, contentType: "text/csv"}, 202)
		c.call(request{role: integrator, method: "POST", path: "/api/v1/imports", body: list, contentType: "text/csv"}, 400)
		c.call(request{role: integrator, method: "POST", path: "/api/v1/imports?purpose=offers&without_evidence=keep", body: list, contentType: "text/csv"}, 400)
		c.call(request{role: marketer, method: "POST", path: "/api/v1/imports?purpose=offers", body: list, contentType: "text/csv"}, 403)
		importID := started["id"].(string)
		c.call(request{role: admin, method: "GET", path: "/api/v1/imports/" + importID}, 200) // queued
		if err := c.tb.app.RunStoredImport(context.Background(), job.RunImport{ImportID: importID, ActorName: "integrator", ActorRole: string(integrator)}); err != nil {
			t.Fatal(err)
		}
		got := c.call(request{role: integrator, method: "GET", path: "/api/v1/imports/" + importID}, 200)
		if rep, _ := got["report"].([]any); got["state"] != "done" || len(rep) != 2 {
			t.Fatalf("import %s: %v", importID, got)
		}
		c.call(request{role: integrator, method: "GET", path: "/api/v1/imports/" + importID + "?after=x"}, 400)
		c.call(request{role: integrator, method: "GET", path: "/api/v1/imports/nope"}, 404)
		c.call(request{role: marketer, method: "GET", path: "/api/v1/imports/" + importID}, 403)

		// Reveal and the access record (S-02, S-05).
		c.call(request{role: dpo, method: "POST", path: "/api/v1/contacts/" + id + "/reveal", body: map[string]string{"reason": "innsynsbegjæring 12"}}, 200)
		c.call(request{role: dpo, method: "POST", path: "/api/v1/contacts/" + id + "/reveal", body: map[string]string{"reason": "x"}}, 400)
		c.call(request{role: dpo, method: "POST", path: "/api/v1/contacts/nope/reveal", body: map[string]string{"reason": "innsynsbegjæring 13"}}, 404)
		c.call(request{role: integrator, method: "POST", path: "/api/v1/contacts/" + id + "/reveal", body: map[string]string{"reason": "nysgjerrig"}}, 403)
		c.call(request{role: admin, method: "POST", path: "/api/v1/contacts/" + id + "/reveal", body: map[string]string{"reason": "innsynsbegjæring 12"}}, 403)
		c.call(request{role: staff.Auditor, method: "GET", path: "/api/v1/contacts/" + id + "/accesses"}, 200) // S-02: the auditor reads the access log
		c.call(request{role: dpo, method: "GET", path: "/api/v1/contacts/" + id + "/accesses"}, 200)
		c.call(request{role: dpo, method: "GET", path: "/api/v1/contacts/nope/accesses"}, 200)
		c.call(request{role: marketer, method: "GET", path: "/api/v1/contacts/" + id + "/accesses"}, 403)

		// The subject package: the JSON validates against
		// the schema the server publishes.
		c.call(request{method: "GET", path: portability.SchemaPath}, 200)
		pkg := "/api/v1/contacts/" + id + "/package?reason=innsynsbegj%C3%A6ring+12"
		c.call(request{role: dpo, method: "GET", path: pkg}, 200)
		c.call(request{role: dpo, method: "GET", path: pkg + "&format=html&lang=en"}, 200)
		c.call(request{role: dpo, method: "GET", path: pkg + "&format=csv"}, 200)
		c.call(request{role: dpo, method: "GET", path: pkg + "&format=replies-csv"}, 200)
		c.call(request{role: admin, method: "GET", path: pkg}, 403) // S-02: an admin sees no number in clear
		c.call(request{role: dpo, method: "GET", path: pkg + "&format=xml"}, 400)
		c.call(request{role: dpo, method: "GET", path: "/api/v1/contacts/" + id + "/package"}, 400)
		c.call(request{role: dpo, method: "GET", path: "/api/v1/contacts/nope/package?reason=innsynsbegj%C3%A6ring+12"}, 404)
		c.call(request{role: integrator, method: "GET", path: pkg}, 403)

		// The list and the suppression list leave (issue 21).
		c.call(request{role: admin, method: "GET", path: "/api/v1/exports"}, 200)
		c.call(request{role: dpo, method: "GET", path: "/api/v1/exports?format=json"}, 200)
		c.call(request{role: dpo, method: "GET", path: "/api/v1/exports?format=json&reveal=true&reason=flytting+til+ny+leverand%C3%B8r"}, 200)
		c.call(request{role: dpo, method: "GET", path: "/api/v1/exports?what=suppressions&format=json"}, 200)
		c.call(request{role: dpo, method: "GET", path: "/api/v1/exports?what=suppressions"}, 200)
		c.call(request{role: dpo, method: "GET", path: "/api/v1/exports?reveal=true"}, 400)
		c.call(request{role: dpo, method: "GET", path: "/api/v1/exports?format=xml"}, 400)
		c.call(request{role: dpo, method: "GET", path: "/api/v1/exports?what=messages"}, 400)
		c.call(request{role: marketer, method: "GET", path: "/api/v1/exports"}, 403)

		// Rectification, a new number and restriction.
		contactPath := "/api/v1/contacts/" + id
		c.call(request{role: integrator, method: "PATCH", path: contactPath, body: map[string]any{"first_name": "Kari Anne", "language": "nb", "reason": "kunden ringte"}}, 200)
		c.call(request{role: integrator, method: "PATCH", path: contactPath, body: map[string]any{"language": "nb", "reason": "kunden ringte"}}, 200)
		c.call(request{role: integrator, method: "PATCH", path: contactPath, body: map[string]any{"language": "sv", "reason": "kunden ringte"}}, 400)
		c.call(request{role: integrator, method: "PATCH", path: "/api/v1/contacts/nope", body: map[string]any{"language": "nb", "reason": "kunden ringte"}}, 404)
		c.call(request{role: marketer, method: "PATCH", path: contactPath, body: map[string]any{"language": "nb", "reason": "kunden ringte"}}, 403)
		newPhone := map[string]string{"phone": "+47 412 34 599", "reason": "kunden har ny telefon"}
		c.call(request{role: integrator, method: "POST", path: contactPath + "/number", body: newPhone}, 202)
		c.call(request{role: integrator, method: "POST", path: contactPath + "/number", body: map[string]string{"phone": "22 22 22 22", "reason": "ny telefon"}}, 400)
		c.call(request{role: integrator, method: "POST", path: "/api/v1/contacts/nope/number", body: newPhone}, 404)
		c.call(request{role: marketer, method: "POST", path: contactPath + "/number", body: newPhone}, 403)
		c.call(request{role: integrator, method: "POST", path: contactPath + "/number/confirm", body: map[string]string{"code": "ABC234"}}, 422)
		c.call(request{role: integrator, method: "POST", path: contactPath + "/number/confirm", body: map[string]string{"code": "x"}}, 400)
		c.call(request{role: integrator, method: "POST", path: "/api/v1/contacts/nope/number/confirm", body: map[string]string{"code": "ABC234"}}, 404)
		c.call(request{role: marketer, method: "POST", path: contactPath + "/number/confirm", body: map[string]string{"code": "ABC234"}}, 403)
		nc, err := tb.store.NumberChange(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		c.call(request{role: integrator, method: "POST", path: contactPath + "/number/confirm",
			body: map[string]string{"code": contact.NumberCode(tb.vault.LinkMAC, nc.ID)}}, 200)
		for _, to := range []string{"+47 412 34 598", "+47 412 34 597"} { // three changes a day a contact
			c.call(request{role: integrator, method: "POST", path: contactPath + "/number", body: map[string]string{"phone": to, "reason": "ny telefon"}}, 202)
		}
		c.call(request{role: integrator, method: "POST", path: contactPath + "/number", body: map[string]string{"phone": "+47 412 34 596", "reason": "ny telefon"}}, 429)
		restrict := map[string]any{"restricted": true, "reason": "personen bestrider opplysningene"}
		c.call(request{role: dpo, method: "POST", path: contactPath + "/restriction", body: restrict}, 200)
		c.call(request{role: marketer, method: "GET", path: "/api/v1/gate?contact_id=" + id + "&purpose=offers"}, 200)
		c.call(request{role: dpo, method: "POST", path: contactPath + "/restriction", body: map[string]any{"reason": "personen bestrider opplysningene"}}, 400)
		c.call(request{role: dpo, method: "POST", path: contactPath + "/restriction", body: map[string]any{"restricted": true}}, 400)
		c.call(request{role: integrator, method: "POST", path: contactPath + "/restriction", body: restrict}, 403)
		c.call(request{role: dpo, method: "POST", path: "/api/v1/contacts/nope/restriction", body: restrict}, 404)
		c.call(request{role: dpo, method: "POST", path: contactPath + "/restriction", body: map[string]any{"restricted": false, "reason": "opplysningene er rettet"}}, 200)
		c.call(request{role: dpo, method: "GET", path: contactPath + "/restrictions"}, 200)
		c.call(request{role: dpo, method: "GET", path: "/api/v1/contacts/nope/restrictions"}, 404)
		c.call(request{role: marketer, method: "GET", path: contactPath + "/restrictions"}, 403)
		c.call(request{role: dpo, method: "GET", path: contactPath + "/accesses"}, 200)

		// Withdrawal and objection (C-05, R-08, M-10).
		c.call(request{role: integrator, method: "POST", path: "/api/v1/consents/withdraw", body: map[string]string{"contact_id": id, "purpose": "offers"}}, 200)
		c.call(request{role: integrator, method: "POST", path: "/api/v1/consents/withdraw", body: map[string]string{"phone": "+47 412 34 568", "purpose": "all"}}, 200)
		c.call(request{role: integrator, method: "POST", path: "/api/v1/consents/withdraw", body: map[string]string{"phone": "+47 987 65 432", "purpose": "all"}}, 200)
		c.call(request{role: integrator, method: "POST", path: "/api/v1/consents/withdraw", body: map[string]string{"contact_id": "nope", "purpose": "offers"}}, 404)
		c.call(request{role: integrator, method: "POST", path: "/api/v1/consents/withdraw", body: map[string]string{"purpose": "all"}}, 400)
		c.call(request{role: marketer, method: "POST", path: "/api/v1/consents/withdraw", body: map[string]string{"contact_id": id, "purpose": "offers"}}, 403)
		c.call(request{role: marketer, method: "GET", path: "/api/v1/gate?contact_id=" + id + "&purpose=offers"}, 200)
		c.call(request{role: dpo, method: "GET", path: "/api/v1/contacts/" + id + "/consents"}, 200)

		// Erasure leaves a task for Meta and a record in the retention log
		// (R-04, R-05, RT-01); the rights requests call app.Erase.
		c.call(request{role: dpo, method: "GET", path: "/api/v1/processor-tasks"}, 200)
		gone := c.call(request{role: integrator, method: "POST", path: "/api/v1/consents", body: map[string]any{"phone": "+47 412 34 590",
			"purpose": "offers", "method": "web_form", "collected_at": collected, "age_confirmed": true, "evidence": map[string]any{
				"affirmative_act": "checkbox", "wording_hash": "sha256:3", "confirmation_channel": "whatsapp", "confirmation_message_id": "wamid.Y"}}}, 201)
		goneID := gone["contact_id"].(string)
		erased, err := tb.app.Erase(t.Context(), app.Actor{ID: "t-dpo", Name: "dpo", Role: staff.DPO}, goneID, "slettebegjæring 7")
		if err != nil || erased.ProcessorTaskID == "" {
			t.Fatalf("erase = %+v, %v; want a processor task", erased, err)
		}
		tasks := c.call(request{role: dpo, method: "GET", path: "/api/v1/processor-tasks"}, 200)
		if ts, _ := tasks["tasks"].([]any); len(ts) != 1 {
			t.Fatalf("open tasks = %v; want the erasure's", tasks)
		}
		c.call(request{role: admin, method: "GET", path: "/api/v1/processor-tasks?state=all"}, 200)
		c.call(request{role: dpo, method: "GET", path: "/api/v1/processor-tasks?state=later"}, 400)
		c.call(request{role: marketer, method: "GET", path: "/api/v1/processor-tasks"}, 403)
		done := "/api/v1/processor-tasks/" + erased.ProcessorTaskID + "/done"
		c.call(request{role: dpo, method: "POST", path: done, body: map[string]string{"note": "ring 912 34 567"}}, 400)
		c.call(request{role: integrator, method: "POST", path: done, body: map[string]string{}}, 403)
		c.call(request{role: dpo, method: "POST", path: done, body: map[string]string{"note": "asked Meta through the DPA form"}}, 200)
		c.call(request{role: dpo, method: "POST", path: done, body: map[string]string{}}, 409)
		c.call(request{role: dpo, method: "POST", path: "/api/v1/processor-tasks/nope/done", body: map[string]string{}}, 404)
		c.call(request{role: dpo, method: "GET", path: "/api/v1/processor-tasks?state=done"}, 200)
		logged := c.call(request{role: dpo, method: "GET", path: "/api/v1/retention/log"}, 200)
		if es, _ := logged["entries"].([]any); len(es) != 1 {
			t.Fatalf("retention log = %v; want the erasure", logged)
		}
		c.call(request{role: admin, method: "GET", path: "/api/v1/retention/log?class=contacts&limit=5"}, 200)
		c.call(request{role: admin, method: "GET", path: "/api/v1/retention/log?limit=many"}, 400)
		c.call(request{role: admin, method: "GET", path: "/api/v1/retention/log?class=people"}, 400)
		c.call(request{role: integrator, method: "GET", path: "/api/v1/retention/log"}, 403)
		c.call(request{role: dpo, method: "GET", path: "/api/v1/contacts/" + goneID}, 200) // erased: no number, no tags

		// Campaigns (G-05, R-09, M-05).
		good := "Tilbud fra Butikken AS. Les mer: http://x/privacy. Svar STOPP for å melde deg av."
		camp := func(text string) map[string]any {
			return map[string]any{"name": "Jul", "purpose": "offers", "language": "nb", "tags": []string{"vip"},
				"scheduled_at": time.Now().UTC().Add(time.Hour).Format(time.RFC3339),
				"template": map[string]any{"name": "jul_tilbud", "languages": map[string]any{"nb": map[string]any{"body": text, "opt_out_button": true}},
					"params": []string{"first_name"}},
				"window": map[string]string{"from": "08:00", "to": "21:00"}}
		}
		cp := c.call(request{role: marketer, method: "POST", path: "/api/v1/campaigns", body: camp(good)}, 201)
		plain := c.call(request{role: marketer, method: "POST", path: "/api/v1/campaigns", body: map[string]any{"name": "Enkel", "purpose": "offers",
			"template": map[string]any{"name": "enkel", "languages": map[string]any{"nb": map[string]any{"body": good}}}}}, 201)
		c.call(request{role: marketer, method: "POST", path: "/api/v1/campaigns", body: camp("Kjøp nå! http://x/privacy")}, 422)
		both := camp(good)
		both["audience"] = map[string]any{"language": "nb"}
		c.call(request{role: marketer, method: "POST", path: "/api/v1/campaigns", body: both}, 400)
		c.call(request{role: integrator, method: "POST", path: "/api/v1/campaigns", body: camp(good)}, 403)
		cid := cp["id"].(string)
		c.call(request{role: staff.Auditor, method: "GET", path: "/api/v1/campaigns/" + cid}, 200)
		c.call(request{role: staff.Auditor, method: "GET", path: "/api/v1/campaigns/nope"}, 404)
		c.call(request{role: marketer, method: "GET", path: "/api/v1/campaigns/" + cid + "/audience"}, 200)
		c.call(request{role: marketer, method: "GET", path: "/api/v1/campaigns/nope/audience"}, 404)
		c.call(request{role: integrator, method: "GET", path: "/api/v1/campaigns/" + cid + "/audience"}, 403)
		c.call(request{role: marketer, method: "GET", path: "/api/v1/campaigns/" + cid + "/preview"}, 200)
		c.call(request{role: marketer, method: "GET", path: "/api/v1/campaigns/nope/preview"}, 404)
		c.call(request{role: integrator, method: "GET", path: "/api/v1/campaigns/" + cid + "/preview"}, 403)
		c.call(request{role: marketer, method: "GET", path: "/api/v1/campaigns"}, 200)
		c.call(request{role: marketer, method: "GET", path: "/api/v1/campaigns?state=draft&limit=1"}, 200)
		c.call(request{role: marketer, method: "GET", path: "/api/v1/campaigns?state=sent"}, 400)
		c.call(request{role: integrator, method: "GET", path: "/api/v1/campaigns"}, 403)
		c.call(request{role: marketer, method: "GET", path: "/api/v1/dashboard"}, 200)
		c.call(request{role: integrator, method: "GET", path: "/api/v1/dashboard"}, 403)
		c.call(request{role: integrator, method: "GET", path: "/api/v1/campaigns/" + cid}, 403)
		for _, s := range []struct {
			action string
			status int
		}{{"pause", 409}, {"start", 200}, {"start", 409}, {"pause", 200}, {"resume", 200}, {"cancel", 200}, {"resume", 409}, {"cancel", 409}} {
			c.call(request{role: marketer, method: "POST", path: "/api/v1/campaigns/" + cid + "/" + s.action}, s.status)
		}
		for _, action := range []string{"start", "pause", "resume", "cancel"} {
			c.call(request{role: marketer, method: "POST", path: "/api/v1/campaigns/nope/" + action}, 404)
			c.call(request{role: staff.Auditor, method: "POST", path: "/api/v1/campaigns/" + plain["id"].(string) + "/" + action}, 403)
		}
		c.call(request{role: marketer, method: "POST", path: "/api/v1/campaigns/" + plain["id"].(string) + "/cancel"}, 200)
		c.call(request{role: staff.Auditor, method: "GET", path: "/api/v1/campaigns/" + cid}, 200)

		// The record of processing and the DPIA (A-01, D-01, D-02).
		c.call(request{role: staff.Auditor, method: "GET", path: "/api/v1/ropa"}, 200)
		c.call(request{role: dpo, method: "GET", path: "/api/v1/ropa?format=md"}, 200)
		c.call(request{role: dpo, method: "GET", path: "/api/v1/ropa?format=html"}, 200)
		c.call(request{role: dpo, method: "GET", path: "/api/v1/ropa?format=pdf"}, 400)
		c.call(request{role: marketer, method: "GET", path: "/api/v1/ropa"}, 403)
		c.call(request{role: dpo, method: "GET", path: "/api/v1/dpia/versions"}, 200)
		dpiaDraft := c.call(request{role: staff.Auditor, method: "GET", path: "/api/v1/dpia"}, 200)
		c.call(request{role: dpo, method: "GET", path: "/api/v1/dpia?format=md"}, 200)
		c.call(request{role: dpo, method: "GET", path: "/api/v1/dpia?version=x"}, 400)
		c.call(request{role: dpo, method: "GET", path: "/api/v1/dpia?version=9"}, 404)
		c.call(request{role: integrator, method: "GET", path: "/api/v1/dpia"}, 403)
		edit := map[string]any{"description": dpiaDraft["description"], "necessity": dpiaDraft["necessity"], "risks_summary": dpiaDraft["risks_summary"],
			"measures_summary": dpiaDraft["measures_summary"], "risks": dpiaDraft["risks"], "dpo_advice": "Ingen merknader.",
			"answers": map[string]any{"large_scale": map[string]any{"met": false, "why": "en lokal butikk"}}}
		c.call(request{role: dpo, method: "PUT", path: "/api/v1/dpia", body: edit}, 201)
		c.call(request{role: dpo, method: "PUT", path: "/api/v1/dpia", body: map[string]any{"description": "kort", "necessity": "", "risks_summary": "",
			"measures_summary": "", "risks": []any{}}}, 400)
		c.call(request{role: staff.Auditor, method: "PUT", path: "/api/v1/dpia", body: edit}, 403)
		c.call(request{role: dpo, method: "GET", path: "/api/v1/dpia?version=1&format=html"}, 200)
		c.call(request{role: dpo, method: "GET", path: "/api/v1/dpia/versions"}, 200)
		c.call(request{role: marketer, method: "GET", path: "/api/v1/dpia/versions"}, 403)

		// Rights requests (T-03, R-08).
		rq := c.call(request{role: dpo, method: "POST", path: "/api/v1/requests", body: map[string]any{"type": "objection", "contact_id": id, "via": "phone",
			"received_at": time.Now().UTC().Add(-time.Hour).Format(time.RFC3339)}}, 201)
		nobody := c.call(request{role: dpo, method: "POST", path: "/api/v1/requests", body: map[string]any{"type": "access", "phone": "+47 400 00 009",
			"received_at": time.Now().UTC().Add(-time.Hour).Format(time.RFC3339)}}, 201)
		c.call(request{role: dpo, method: "POST", path: "/api/v1/requests", body: map[string]any{"type": "forget", "contact_id": id}}, 400)
		c.call(request{role: dpo, method: "POST", path: "/api/v1/requests", body: map[string]any{"type": "access", "contact_id": "nope"}}, 404)
		c.call(request{role: marketer, method: "POST", path: "/api/v1/requests", body: map[string]any{"type": "access", "contact_id": id}}, 403)
		c.call(request{role: staff.Auditor, method: "GET", path: "/api/v1/requests?state=open"}, 200)
		c.call(request{role: dpo, method: "GET", path: "/api/v1/requests"}, 200)
		c.call(request{role: dpo, method: "GET", path: "/api/v1/requests?state=closed"}, 400)
		c.call(request{role: marketer, method: "GET", path: "/api/v1/requests"}, 403)
		rid := rq["id"].(string)
		c.call(request{role: dpo, method: "GET", path: "/api/v1/requests/" + rid}, 200)
		c.call(request{role: dpo, method: "GET", path: "/api/v1/requests/nope"}, 404)
		c.call(request{role: marketer, method: "GET", path: "/api/v1/requests/" + rid}, 403)
		c.call(request{role: dpo, method: "GET", path: "/api/v1/requests/" + rid + "/export"}, 200)
		c.call(request{role: dpo, method: "GET", path: "/api/v1/requests/" + rid + "/export?format=xml"}, 400)
		c.call(request{role: dpo, method: "GET", path: "/api/v1/requests/" + nobody["id"].(string) + "/export"}, 422)
		c.call(request{role: dpo, method: "GET", path: "/api/v1/requests/nope/export"}, 404)
		c.call(request{role: marketer, method: "GET", path: "/api/v1/requests/" + rid + "/export"}, 403)
		told := time.Now().UTC().Add(-time.Minute).Format(time.RFC3339)
		ext := map[string]any{"months": 2, "reason": "Mange samtidige henvendelser.", "told_at": told, "told_how": "phone"}
		c.call(request{role: dpo, method: "POST", path: "/api/v1/requests/" + rid + "/extend", body: map[string]any{"months": 2, "reason": "Mange samtidige henvendelser."}}, 400)
		c.call(request{role: dpo, method: "POST", path: "/api/v1/requests/" + rid + "/extend", body: ext}, 200)
		c.call(request{role: dpo, method: "POST", path: "/api/v1/requests/" + rid + "/extend", body: ext}, 422)
		c.call(request{role: dpo, method: "POST", path: "/api/v1/requests/nope/extend", body: ext}, 404)
		c.call(request{role: staff.Auditor, method: "POST", path: "/api/v1/requests/" + rid + "/extend", body: ext}, 403)
		c.call(request{role: dpo, method: "POST", path: "/api/v1/requests/" + rid + "/complete", body: map[string]any{"answer": strings.Repeat("a", 1001)}}, 400)
		c.call(request{role: dpo, method: "POST", path: "/api/v1/requests/" + rid + "/complete", body: map[string]any{}}, 200)
		c.call(request{role: dpo, method: "POST", path: "/api/v1/requests/" + rid + "/complete", body: map[string]any{}}, 422)
		c.call(request{role: dpo, method: "POST", path: "/api/v1/requests/nope/complete", body: map[string]any{}}, 404)
		c.call(request{role: staff.Auditor, method: "POST", path: "/api/v1/requests/" + rid + "/complete", body: map[string]any{}}, 403)
		nid := nobody["id"].(string)
		c.call(request{role: dpo, method: "POST", path: "/api/v1/requests/" + nid + "/refuse", body: map[string]any{"reason": "kort"}}, 400)
		c.call(request{role: dpo, method: "POST", path: "/api/v1/requests/" + nid + "/refuse", body: map[string]any{"reason": "Vi kunne ikke bekrefte hvem som sendte brevet."}}, 200)
		c.call(request{role: dpo, method: "POST", path: "/api/v1/requests/" + nid + "/refuse", body: map[string]any{"reason": "Vi kunne ikke bekrefte hvem som sendte brevet."}}, 422)
		c.call(request{role: dpo, method: "POST", path: "/api/v1/requests/nope/refuse", body: map[string]any{"reason": "Vi kunne ikke bekrefte hvem."}}, 404)
		c.call(request{role: staff.Auditor, method: "POST", path: "/api/v1/requests/" + nid + "/refuse", body: map[string]any{"reason": "Vi kunne ikke bekrefte hvem."}}, 403)

		// The breach register (B-01..B-05).
		c.breaches(id)

		// Compliance audits (S-04, P-07): an auditor may run and read them.
		rep := c.call(request{role: staff.Auditor, method: "POST", path: "/api/v1/audits"}, 201)
		c.call(request{role: marketer, method: "POST", path: "/api/v1/audits"}, 403)
		c.call(request{role: dpo, method: "GET", path: "/api/v1/audits"}, 200)
		c.call(request{role: dpo, method: "GET", path: "/api/v1/audits?limit=5"}, 200)
		c.call(request{role: dpo, method: "GET", path: "/api/v1/audits?limit=0"}, 400)
		c.call(request{role: dpo, method: "GET", path: "/api/v1/audits?limit=1001"}, 400)
		c.call(request{role: integrator, method: "GET", path: "/api/v1/audits"}, 403)
		aid := rep["id"].(string)
		c.call(request{role: staff.Auditor, method: "GET", path: "/api/v1/audits/" + aid}, 200)
		c.call(request{role: admin, method: "GET", path: "/api/v1/audits/" + aid + "?format=html"}, 200)
		c.call(request{role: staff.Auditor, method: "GET", path: "/api/v1/audits/" + aid + "?format=pdf"}, 400)
		c.call(request{role: staff.Auditor, method: "GET", path: "/api/v1/audits/nope"}, 404)
		c.call(request{role: marketer, method: "GET", path: "/api/v1/audits/" + aid}, 403)
		c.call(request{role: staff.Auditor, method: "GET", path: "/api/v1/dashboard"}, 200) // with its last audit

		// Replies and templates (issue 23).
		c.call(request{role: marketer, method: "GET", path: "/api/v1/replies"}, 200)
		c.call(request{role: admin, method: "GET", path: "/api/v1/replies?limit=1"}, 200)
		c.call(request{role: admin, method: "GET", path: "/api/v1/replies?limit=0"}, 400)
		c.call(request{role: integrator, method: "GET", path: "/api/v1/replies"}, 403)
		// A contact's message and a stranger's, answered within the window.
		ola := c.call(request{role: integrator, method: "POST", path: "/api/v1/contacts", body: map[string]any{"phone": "+47 912 34 599"}}, 201)
		for _, from := range []string{"4791234598", "4791234599"} {
			raw, _ := json.Marshal(whatsapp.WebhookPayload{Object: "whatsapp_business_account", Entry: []whatsapp.WebhookEntry{{ID: "waba",
				Changes: []whatsapp.WebhookChange{{Field: "messages", Value: whatsapp.WebhookValue{MessagingProduct: "whatsapp",
					Messages: []whatsapp.InboundMessage{{From: from, ID: "wamid.q" + from, Timestamp: whatsapp.UnixTime(time.Now().Unix()),
						Type: "text", Text: &whatsapp.InboundText{Body: "Har dere åpent i dag?"}}}}}}}}})
			if err := tb.app.ReceiveWebhook(t.Context(), raw); err != nil {
				t.Fatal(err)
			}
		}
		replies := c.call(request{role: marketer, method: "GET", path: "/api/v1/replies?limit=2"}, 200)
		var asked, stranger string
		for _, r := range replies["replies"].([]any) {
			if r := r.(map[string]any); r["contact_id"] == ola["id"] {
				asked = r["id"].(string)
			} else {
				stranger = r["id"].(string)
			}
		}
		c.call(request{role: marketer, method: "GET", path: "/api/v1/replies/" + asked}, 200)
		c.call(request{role: admin, method: "GET", path: "/api/v1/replies/" + stranger}, 200)
		c.call(request{role: integrator, method: "GET", path: "/api/v1/replies/" + asked}, 403)
		c.call(request{role: marketer, method: "GET", path: "/api/v1/replies/nope"}, 404)
		answer := "/api/v1/replies/" + asked + "/answer"
		c.call(request{role: marketer, method: "POST", path: answer, body: map[string]any{"text": "Ja, til klokka 20."}}, 201)
		c.call(request{role: marketer, method: "POST", path: answer, body: map[string]any{"text": " "}}, 400)
		c.call(request{role: marketer, method: "POST", path: answer, body: map[string]any{}}, 400)
		c.call(request{role: integrator, method: "POST", path: answer, body: map[string]any{"text": "Ja."}}, 403)
		c.call(request{role: marketer, method: "POST", path: "/api/v1/replies/nope/answer", body: map[string]any{"text": "Ja."}}, 404)
		c.call(request{role: marketer, method: "POST", path: "/api/v1/replies/" + stranger + "/answer", body: map[string]any{"text": "Ja."}}, 422)
		c.call(request{role: marketer, method: "GET", path: "/api/v1/templates"}, 200)
		c.call(request{role: integrator, method: "GET", path: "/api/v1/templates"}, 403)
		c.call(request{role: marketer, method: "POST", path: "/api/v1/templates/sync"}, 200)
		c.call(request{role: integrator, method: "POST", path: "/api/v1/templates/sync"}, 403)
		c.call(request{role: admin, method: "GET", path: "/api/v1/templates"}, 200)
		// A campaign of a synced template (issue 23 point 2; G-05, M-10): its variants are the platform's.
		synced := c.call(request{role: marketer, method: "POST", path: "/api/v1/campaigns", body: map[string]any{"name": "Jul igjen",
			"purpose": "offers", "synced_template": "jul", "window": map[string]string{"from": "21:00", "to": "08:00"}}}, 201)
		if tpl, _ := synced["template"].(map[string]any); tpl["synced"] != true || tpl["name"] != "jul" {
			t.Errorf("the synced template's campaign: %v", synced["template"])
		}
		c.call(request{role: marketer, method: "GET", path: "/api/v1/campaigns/" + synced["id"].(string) + "/preview"}, 200)
		c.call(request{role: marketer, method: "POST", path: "/api/v1/campaigns", body: map[string]any{"name": "Begge", "purpose": "offers",
			"synced_template": "jul", "template": map[string]any{"name": "jul", "languages": map[string]any{"nb": map[string]any{"body": good}}}}}, 400)
		c.call(request{role: marketer, method: "POST", path: "/api/v1/campaigns", body: map[string]any{"name": "Ukjent", "purpose": "offers",
			"synced_template": "finnes_ikke"}}, 422)
		c.call(request{role: marketer, method: "POST", path: "/api/v1/campaigns", body: map[string]any{"name": "For sent", "purpose": "offers",
			"synced_template": "jul", "scheduled_at": "2020-01-01T10:00:00Z"}}, 400)

		// API tokens (S-02): the admin's; a revoked one is refused at once.
		made := c.call(request{role: admin, method: "POST", path: "/api/v1/tokens",
			body: map[string]any{"role": "integrator", "name": "kassa", "expires": "90d"}}, 201)
		c.call(request{role: admin, method: "POST", path: "/api/v1/tokens", body: map[string]any{"role": "auditor"}}, 201)
		c.call(request{role: admin, method: "POST", path: "/api/v1/tokens", body: map[string]any{"role": "king"}}, 400)
		c.call(request{role: admin, method: "POST", path: "/api/v1/tokens", body: map[string]any{"role": "dpo", "expires": "soon"}}, 400)
		c.call(request{role: dpo, method: "POST", path: "/api/v1/tokens", body: map[string]any{"role": "dpo"}}, 403)
		c.call(request{role: admin, method: "GET", path: "/api/v1/tokens"}, 200)
		c.call(request{role: staff.Auditor, method: "GET", path: "/api/v1/tokens"}, 403)
		c.call(request{bearer: made["token"].(string), method: "GET", path: "/api/v1/purposes"}, 200)
		revoke := "/api/v1/tokens/" + made["id"].(string) + "/revoke"
		c.call(request{role: integrator, method: "POST", path: revoke}, 403)
		c.call(request{role: admin, method: "POST", path: revoke}, 200)
		c.call(request{bearer: made["token"].(string), method: "GET", path: "/api/v1/purposes"}, 401)
		c.call(request{role: admin, method: "POST", path: revoke}, 409)
		c.call(request{role: admin, method: "POST", path: "/api/v1/tokens/nope/revoke"}, 404)

		// Every operation that needs a token refuses none with 401 and says how
		// to authenticate; every one that reads a body refuses one too large
		// (413) and one that is not JSON (415).
		for path, item := range c.doc["paths"].(map[string]any) {
			for method, op := range item.(map[string]any) {
				concrete := strings.ReplaceAll(path, "{id}", "nope")
				if path == "/api/v1/gate" {
					concrete += "?contact_id=nope&purpose=offers"
				}
				if sec, public := mapOf(op)["security"].([]any); !public || len(sec) > 0 {
					c.call(request{method: strings.ToUpper(method), path: concrete}, 401)
				}
				if mapOf(op)["requestBody"] != nil {
					who := admin // or the first role the policy lets call it
					for _, r := range staff.Roles {
						if _, ok := staff.Allows(r, strings.ToUpper(method)+" "+path); ok {
							who = r
							break
						}
					}
					if path != "/api/v1/imports" { // a CSV file of up to api.MaxImportBody
						c.call(request{role: who, method: strings.ToUpper(method), path: concrete,
							body: `{"x":"` + strings.Repeat("a", httpx.MaxBody) + `"}`}, 413)
					}
					c.call(request{role: who, method: strings.ToUpper(method), path: concrete, body: "x", contentType: "text/plain"}, 415)
				}
			}
		}

		// The metrics, after all of the above was counted.
		c.call(request{method: "GET", path: "/metrics"}, 401)
		c.call(request{role: admin, method: "GET", path: "/metrics"}, 401) // a staff token is not the metrics token
		c.call(request{method: "GET", path: "/metrics", bearer: testMetricsToken}, 200)

		// A database whose schema is behind is not ready (503).
		if err := tb.b.Exec(t, tb.store, "DELETE FROM schema_migrations"); err != nil {
			t.Fatal(err)
		}
		c.call(request{method: "GET", path: "/readyz"}, 503)
		c.covered()
	})
}
