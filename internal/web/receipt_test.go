// SPDX-License-Identifier: AGPL-3.0-only

package web

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/samtykke/samtykke/internal/app"
	"github.com/samtykke/samtykke/internal/ledger"
	"github.com/samtykke/samtykke/internal/receipt"
	"github.com/samtykke/samtykke/internal/store/storetest"
)

// TestReceiptPages: a receipt link shows the receipt in words, in the
// person's language or the one asked for, without JavaScript and without
// the number; ".json" after it gives the signed receipt as a download, which
// verifies with the key published at the well-known URL; an altered link
// shows nothing (L-04).
func TestReceiptPages(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		tb := setup(t, b)
		rec, err := tb.app.RecordConsent(tb.ctx, admin, app.ConsentInput{Subject: app.Subject{Phone: "+47 912 34 567"},
			Purpose: "offers", Method: "web_form", CollectedAt: tb.now.Add(-time.Hour), AgeConfirmed: true,
			Evidence: ledger.Evidence{AffirmativeAct: "checkbox", WordingHash: "h", ConfirmationChannel: "whatsapp", ConfirmationMessageID: "wamid.1"}})
		if err != nil {
			t.Fatal(err)
		}
		path := strings.TrimPrefix(tb.app.ReceiptLink(rec.EventID), publicURL)
		r := tb.get(path)
		if r.status != http.StatusOK || r.header.Get("Cache-Control") != "no-store" {
			t.Fatalf("GET %s = %d %v\n%s", path, r.status, r.header, r.body)
		}
		must(t, r.body, "<h1>Samtykkekvittering</h1>", "<dd>Tilbud</dd>", "Butikken AS på WhatsApp", "nettskjema, bekreftet med",
			`href="`+publicURL+`/privacy/1"`, "Storgata 1, 0155 Oslo", "personvern@butikk.example",
			"<code class=\"hash\">"+rec.ContactID+"</code>", `href="`+path+`.json" download`, `href="`+ReceiptKeyPath+`"`,
			"Samtykke gitt (fra", "artikkel 6 nr. 1 bokstav a")
		mustNot(t, r.body, "<script", "912 34 567", "91234567")
		// In English the page's words change; the receipt's own, signed, stay
		// in the language the consent was given in.
		must(t, tb.get(path+"?lang=en").body, "<h1>Consent receipt</h1>", "<dt>What you agreed to</dt><dd>Tilbud</dd>", "Consent given (since")

		j := tb.get(path + ".json")
		if j.status != http.StatusOK || !strings.HasPrefix(j.header.Get("Content-Type"), "application/json") ||
			!strings.HasPrefix(j.header.Get("Content-Disposition"), `attachment; filename=samtykkekvittering-`) {
			t.Fatalf("GET %s.json = %d %v", path, j.status, j.header)
		}
		k := tb.get(ReceiptKeyPath)
		var published receipt.PublishedKey
		if k.status != http.StatusOK || k.header.Get("Access-Control-Allow-Origin") != "*" ||
			!strings.HasPrefix(k.header.Get("Cache-Control"), "public") || json.Unmarshal([]byte(k.body), &published) != nil ||
			published.Alg != "Ed25519" || published.JWK.Kty != "OKP" || published.JWK.Crv != "Ed25519" {
			t.Fatalf("GET %s = %d %v %s", ReceiptKeyPath, k.status, k.header, k.body)
		}
		pub, err := receipt.ParsePublicKey([]byte(k.body))
		if err != nil {
			t.Fatal(err)
		}
		got, err := receipt.Verify([]byte(j.body), pub)
		if err != nil || got.Record.Identifier != rec.EventID || published.Kid != got.Proof.KeyID {
			t.Fatalf("the downloaded receipt: %v (%+v)", err, got.Record)
		}

		for _, bad := range []string{"/receipt/k.eA.AAAAAAAAAAAAAAAAAAAAAA", "/receipt/k.eA.AAAAAAAAAAAAAAAAAAAAAA.json",
			"/receipt/" + strings.Replace(strings.TrimPrefix(path, "/receipt/"), "k.", "r.", 1)} {
			if r := tb.get(bad); r.status != http.StatusBadRequest || strings.Contains(r.body, "Tilbud") {
				t.Errorf("GET %s = %d; want 400 and nothing shown", bad, r.status)
			}
		}
	})
}
