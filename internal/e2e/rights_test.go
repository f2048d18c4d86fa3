// SPDX-License-Identifier: AGPL-3.0-only

package e2e

import (
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/samtykke/samtykke/internal/app"
	"github.com/samtykke/samtykke/internal/rights"
	"github.com/samtykke/samtykke/internal/staff"
	"github.com/samtykke/samtykke/internal/store"
	"github.com/samtykke/samtykke/internal/store/storetest"
	"github.com/samtykke/samtykke/internal/whatsapp"
	"github.com/samtykke/samtykke/internal/whatsapp/sim"
)

var rightsLinkRE = regexp.MustCompile(`https?://[^ ]+/rights/(r\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)`)

// get fetches a path of the service.
func (h *harness) get(path string) (int, string) {
	h.t.Helper()
	res, err := http.Get(h.srv.URL + path)
	if err != nil {
		h.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// TestRightsOverWhatsAppAndTheWeb: the whole rights flow through the
// simulator and the assembled service (T-03, T-04, R-01, R-04, R-08).
// "INNSYN" from Kari's WhatsApp is answered on her chat with the link of
// her request, which shows it answered and opens the copy of her data; a
// request made on /rights sends its code as the authentication template to
// her number only; "SLETT MEG" stops marketing at once, and the DPO's
// answer erases her.
func TestRightsOverWhatsAppAndTheWeb(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		h := start(t, b)
		id := h.subscribed(kari, "offers")
		h.subscribed(ola, "offers")

		h.write(kari, "Innsyn")
		var m []string
		h.waitFor("the answer to INNSYN", func() bool {
			for _, msg := range h.textsTo(kari) {
				var req whatsapp.MessageRequest
				if json.Unmarshal(msg.Request, &req) == nil && req.Text != nil {
					if m = rightsLinkRE.FindStringSubmatch(req.Text.Body); m != nil {
						return true
					}
				}
			}
			return false
		})
		status, body := h.get("/rights/" + m[1])
		if status != http.StatusOK || !strings.Contains(body, "Besvart") {
			t.Fatalf("the request's page: %d\n%s", status, body)
		}
		status, body = h.get("/rights/" + m[1] + "/package?format=json")
		if status != http.StatusOK || !strings.Contains(body, id) || !strings.Contains(body, "Tekst om") {
			t.Fatalf("the copy of the data: %d", status)
		}

		// On the web: the code goes to Kari's number as the authentication
		// template, never to Ola's.
		olaBefore := len(h.textsTo(ola))
		ref, err := h.app.StartRights(h.ctx, app.PublicRightsInput{Type: "portability", Phone: "912 34 567", Language: "nb", IP: "192.0.2.7"})
		if err != nil {
			t.Fatal(err)
		}
		var sent sim.Message
		h.waitFor("the code", func() bool {
			for _, m := range h.textsTo(kari) {
				if m.TemplateName == app.RightsCodeTemplate {
					sent = m
					return true
				}
			}
			return false
		})
		if sent.Category != "authentication" || len(h.textsTo(ola)) != olaBefore {
			t.Fatalf("the code message: %+v; Ola got %d more", sent, len(h.textsTo(ola))-olaBefore)
		}
		var req whatsapp.MessageRequest
		if err := json.Unmarshal(sent.Request, &req); err != nil || req.Template == nil {
			t.Fatalf("the template request: %v", err)
		}
		code := req.Template.Components[0].Parameters[0].Text
		got, err := h.app.VerifyRights(h.ctx, ref, code)
		if err != nil || got.State != rights.Done || !got.Package {
			t.Fatalf("verified: %+v, %v", got, err)
		}

		// Erasure: marketing stops at once; the DPO's answer erases.
		h.write(kari, "SLETT MEG")
		h.waitFor("the objection", func() bool { return !h.gate(id, "offers").Allowed })
		open, err := h.store.RightsRequests(h.ctx, store.RightsFilter{ContactID: id, State: rights.Open})
		if err != nil || len(open) != 1 || open[0].Type != rights.Erasure {
			t.Fatalf("the erasure request: %+v, %v", open, err)
		}
		dpo := app.Actor{ID: "t-dpo", Name: "dpo", Role: staff.DPO}
		if _, err := h.app.CompleteRequest(h.ctx, dpo, open[0].ID, ""); err != nil {
			t.Fatal(err)
		}
		if c, err := h.store.Contact(h.ctx, id); err != nil || !c.Erased() {
			t.Fatalf("after the erasure request: %+v, %v", c.ErasedAt, err)
		}
		if status, _ := h.get("/rights/" + m[1] + "/package"); status == http.StatusOK {
			t.Error("the copy of an erased person's data still opens")
		}
	})
}
