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
	"github.com/samtykke/samtykke/internal/controller"
	"github.com/samtykke/samtykke/internal/receipt"
	"github.com/samtykke/samtykke/internal/store/storetest"
	"github.com/samtykke/samtykke/internal/whatsapp"
	"github.com/samtykke/samtykke/internal/whatsapp/sim"
)

var receiptLinkRE = regexp.MustCompile(`(Tilbud|Nyheter): (http://\S+/receipt/\S+)`)

// TestReceiptLinkedFromConfirmation: after a double opt-in over the
// simulator, the receipt message keeps its preference-centre link and links
// a signed receipt for each purpose confirmed; each page opens, and its
// JSON verifies with the key the server publishes, on both stores (L-04).
func TestReceiptLinkedFromConfirmation(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		h := startWith(t, b, func(_ *sim.Config, c *app.Config) {
			c.Controller = controller.Controller{Address: "Storgata 1, 0155 Oslo", Email: "personvern@butikk.example", Phone: "+47 22 12 34 56"}
		})
		started := h.optIn("912 34 567", "offers", "news")
		h.write(kari, "JA "+started.Code)
		h.waitFor("the receipt", func() bool { return len(h.textsTo(kari)) == 1 })
		var req whatsapp.MessageRequest
		if err := json.Unmarshal(h.textsTo(kari)[0].Request, &req); err != nil || req.Text == nil {
			t.Fatalf("receipt request: %v", err)
		}
		body := req.Text.Body
		if !strings.Contains(body, h.srv.URL+"/preferences/") {
			t.Errorf("the receipt message lost its preference-centre link: %q", body)
		}
		links := receiptLinkRE.FindAllStringSubmatch(body, -1)
		if len(links) != 2 {
			t.Fatalf("the receipt message links %d receipts, want one per purpose: %q", len(links), body)
		}
		get := func(url string) (int, http.Header, []byte) {
			t.Helper()
			res, err := http.Get(url)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			b, _ := io.ReadAll(res.Body)
			return res.StatusCode, res.Header, b
		}
		_, _, keyJSON := get(h.srv.URL + "/.well-known/samtykke-receipt-key")
		pub, err := receipt.ParsePublicKey(keyJSON)
		if err != nil {
			t.Fatalf("the published key: %v (%s)", err, keyJSON)
		}
		id := h.contactID(kari)
		for _, l := range links {
			status, _, page := get(l[2])
			if status != http.StatusOK || !strings.Contains(string(page), "<h1>Samtykkekvittering</h1>") ||
				!strings.Contains(string(page), "<dd>"+l[1]+"</dd>") {
				t.Fatalf("GET %s = %d\n%s", l[2], status, page)
			}
			status, hdr, raw := get(l[2] + ".json")
			if status != http.StatusOK || !strings.HasPrefix(hdr.Get("Content-Type"), "application/json") {
				t.Fatalf("GET %s.json = %d %v", l[2], status, hdr)
			}
			r, err := receipt.Verify(raw, pub)
			if err != nil || r.PIIPrincipalID != id || r.Services[0].Purposes[0].Purpose != l[1] {
				t.Fatalf("the receipt of %s: %v, %+v", l[1], err, r)
			}
			if _, err := h.app.VerifyReceipt(h.ctx, raw); err != nil {
				t.Errorf("the receipt of %s against the ledger: %v", l[1], err)
			}
		}
	})
}
