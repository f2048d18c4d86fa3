// SPDX-License-Identifier: AGPL-3.0-only

package receipt_test

import (
	"bytes"
	"crypto/ed25519"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/samtykke/samtykke/internal/receipt"
)

// key is a fixed test key; other is another controller's.
var (
	key   = ed25519.NewKeyFromSeed(bytes.Repeat([]byte{7}, ed25519.SeedSize))
	other = ed25519.NewKeyFromSeed(bytes.Repeat([]byte{8}, ed25519.SeedSize))
	pub   = key.Public().(ed25519.PublicKey)
)

func controller() receipt.Controller {
	return receipt.Controller{Name: "Butikken AS", Contact: "Personvernombudet", Email: "personvern@butikken.example",
		Phone: "tel:+4722123456", URL: "https://butikken.example",
		Address: receipt.Address{StreetAddress: "Storgata 1", PostalCode: "0155", AddressLocality: "Oslo", AddressCountry: "NO"}}
}

func consentOf() receipt.Consent {
	at := time.Date(2026, 11, 29, 12, 0, 0, 123456000, time.UTC)
	return receipt.Consent{
		EventID: "0193a1b2-0000-7000-8000-000000000001", EventSeq: 2, EventHash: bytes.Repeat([]byte{0xab}, 32),
		ContactID: "0193a1b2-0000-7000-8000-0000000000c1", Purpose: "offers", PurposeText: "Tilbud", Channel: "whatsapp",
		Method: "whatsapp", Source: "double_optin", CollectionMethod: "nettskjema, bekreftet fra eget WhatsApp-nummer",
		ConfirmationChannel: "whatsapp", Confirmation: "verified_by_samtykke", WordingHash: "sha256:abc",
		GivenAt: at, RecordedAt: at, ValidUntil: at.AddDate(1, 0, 0), Language: "nb",
		Notice:        receipt.Notice{ID: "n1", Version: 3, Hash: "sha256:def", Language: "nb", URL: "https://butikken.example/privacy/3"},
		PIICategories: []string{receipt.PIIContact}, PersonalData: []string{"dpv:TelephoneNumber"}, RetentionDays: 365,
		Service: "Butikken AS på WhatsApp", Termination: "Til du trekker det tilbake, eller 29.11.2027.",
		WithdrawalMethod: "Svar STOPP på WhatsApp, eller bruk lenken i meldingen.",
	}
}

func signed(t *testing.T, tweak func(*receipt.Receipt)) []byte {
	t.Helper()
	r := receipt.New(consentOf(), controller(), pub)
	if tweak != nil {
		tweak(&r)
	}
	raw, err := r.Sign(key)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// TestReceiptSignsAndVerifies: a receipt carries the Kantara v1.1 fields
// (version, jurisdiction NO, seconds timestamp, UUID-4 id), the 27560 record
// and a proof, names the person by the pseudonymous id, verifies with the
// key, and is the same bytes each time it is made (L-04).
func TestReceiptSignsAndVerifies(t *testing.T) {
	t.Parallel()
	raw := signed(t, nil)
	if again := signed(t, nil); !bytes.Equal(raw, again) {
		t.Error("the same consent gave two different receipts")
	}
	r, err := receipt.Verify(raw, pub)
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	c := consentOf()
	if r.Version != "KI-CR-v1.1.0" || r.Jurisdiction != "NO" || r.ConsentTimestamp != c.GivenAt.Unix() ||
		r.PIIPrincipalID != c.ContactID || r.Record.Provenance.EventID != c.EventID || r.Proof.KeyID != receipt.KeyID(pub) {
		t.Errorf("receipt = %+v", r)
	}
	var fields map[string]any
	if err := json.Unmarshal(raw, &fields); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"version", "jurisdiction", "consentTimestamp", "collectionMethod", "consentReceiptID", "publicKey",
		"language", "piiPrincipalId", "piiControllers", "policyUrl", "services", "sensitive", "spiCat", "iso27560Record", "proof"} {
		if _, ok := fields[f]; !ok {
			t.Errorf("the receipt has no %q", f)
		}
	}
	if ts, ok := fields["consentTimestamp"].(float64); !ok || ts != float64(c.GivenAt.Unix()) {
		t.Errorf("consentTimestamp = %v; want seconds since 1970", fields["consentTimestamp"])
	}
	if id := r.ConsentReceiptID; len(id) != 36 || id[14] != '4' || !strings.ContainsAny(id[19:20], "89ab") {
		t.Errorf("consentReceiptID %q is not a UUID-4", id)
	}
	if other := receipt.ID("another-event", pub); other == r.ConsentReceiptID {
		t.Error("two events share a receipt id")
	}
	// Whitespace and member order are not signed: compacted, it verifies.
	var compact bytes.Buffer
	if err := json.Compact(&compact, raw); err != nil {
		t.Fatal(err)
	}
	if _, err := receipt.Verify(compact.Bytes(), pub); err != nil {
		t.Errorf("the compacted receipt: %v", err)
	}
	reordered, _ := json.Marshal(fields) // map: members sorted, another order than the struct's
	if _, err := receipt.Verify(reordered, pub); err != nil {
		t.Errorf("the reordered receipt: %v", err)
	}
}

// TestReceiptEveryByteCounts: flipping any one bit of the lowest of any
// byte of a receipt, whitespace included, makes it fail (L-04).
func TestReceiptEveryByteCounts(t *testing.T) {
	t.Parallel()
	raw := signed(t, nil)
	for i := range raw {
		tampered := bytes.Clone(raw)
		tampered[i] ^= 1
		if _, err := receipt.Verify(tampered, pub); err == nil {
			t.Fatalf("byte %d (%q) changed: the receipt still verifies", i, raw[i])
		} else if e := (*receipt.Error)(nil); !errors.As(err, &e) {
			t.Fatalf("byte %d changed: %v is not a *receipt.Error", i, err)
		}
	}
}

// edit changes a receipt's JSON as someone holding the file could.
func edit(t *testing.T, raw []byte, fn func(m map[string]any)) []byte {
	t.Helper()
	var m map[string]any
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	if err := d.Decode(&m); err != nil {
		t.Fatal(err)
	}
	fn(m)
	out, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func obj(m map[string]any, path ...string) map[string]any {
	for _, p := range path {
		m = m[p].(map[string]any)
	}
	return m
}

// TestReceiptTampering: a changed field, a removed or added one, another
// key named, a receipt re-signed by another key: each fails with its kind
// of error, naming the field (L-04).
func TestReceiptTampering(t *testing.T) {
	t.Parallel()
	raw := signed(t, nil)
	otherPub := other.Public().(ed25519.PublicKey)
	cases := []struct {
		name  string
		raw   []byte
		kind  error
		field string
	}{
		{"timestamp moved a second", edit(t, raw, func(m map[string]any) { m["consentTimestamp"] = json.Number("1796040001") }),
			receipt.ErrSignature, "proof.signature"},
		{"purpose reworded", edit(t, raw, func(m map[string]any) {
			obj(m["services"].([]any)[0].(map[string]any)["purposes"].([]any)[0].(map[string]any))["purpose"] = "Nyheter"
		}), receipt.ErrSignature, "proof.signature"},
		{"another person", edit(t, raw, func(m map[string]any) { m["piiPrincipalId"] = "someone-else" }),
			receipt.ErrSignature, "proof.signature"},
		{"status changed", edit(t, raw, func(m map[string]any) { obj(m, "iso27560Record")["hasConsentStatus"] = "dpv:ConsentWithdrawn" }),
			receipt.ErrSignature, "proof.signature"},
		{"field removed", edit(t, raw, func(m map[string]any) { delete(m, "policyUrl") }), receipt.ErrSignature, "proof.signature"},
		{"field added", edit(t, raw, func(m map[string]any) { m["note"] = "x" }), receipt.ErrMalformed, ""},
		{"signature removed", edit(t, raw, func(m map[string]any) { delete(obj(m, "proof"), "signature") }), receipt.ErrMalformed, "proof.signature"},
		{"another key named", edit(t, raw, func(m map[string]any) {
			m["publicKey"] = base64.StdEncoding.EncodeToString(otherPub)
		}), receipt.ErrWrongKey, "publicKey"},
		{"another kid", edit(t, raw, func(m map[string]any) { obj(m, "proof")["kid"] = receipt.KeyID(otherPub) }),
			receipt.ErrWrongKey, "proof.kid"},
		{"signed with another key claiming ours", func() []byte {
			r := receipt.New(consentOf(), controller(), otherPub)
			b, err := r.Sign(other)
			if err != nil {
				t.Fatal(err)
			}
			return edit(t, b, func(m map[string]any) {
				m["publicKey"] = base64.StdEncoding.EncodeToString(pub)
				obj(m, "proof")["kid"] = receipt.KeyID(pub)
			})
		}(), receipt.ErrSignature, "proof.signature"},
		{"not JSON", []byte("kvittering"), receipt.ErrMalformed, ""},
		{"a member twice", []byte(strings.Replace(string(raw), `"version": "KI-CR-v1.1.0",`,
			`"version": "KI-CR-v1.1.0", "version": "KI-CR-v1.1.0",`, 1)), receipt.ErrMalformed, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			_, err := receipt.Verify(c.raw, pub)
			var e *receipt.Error
			if !errors.As(err, &e) || !errors.Is(err, c.kind) || e.Field != c.field {
				t.Fatalf("Verify = %v; want %v at %q", err, c.kind, c.field)
			}
		})
	}
	// Checked with another controller's key, the genuine receipt fails too.
	if _, err := receipt.Verify(raw, otherPub); !errors.Is(err, receipt.ErrWrongKey) {
		t.Errorf("Verify with another key = %v; want ErrWrongKey", err)
	}
}

// TestReceiptContentChecked: a receipt signed by the right key whose parts
// contradict each other, or miss a field a receipt must have, fails naming
// the field (L-04: version, seconds timestamp, UUID-4 ...).
func TestReceiptContentChecked(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		tweak func(*receipt.Receipt)
		kind  error
		field string
	}{
		{"wrong version", func(r *receipt.Receipt) { r.Version = "KI-CR-v1.0.0" }, receipt.ErrMalformed, "version"},
		{"not a UUID-4", func(r *receipt.Receipt) {
			r.ConsentReceiptID = "0193a1b2-0000-7000-8000-000000000001"
			r.Record.ReceiptID = r.ConsentReceiptID
		}, receipt.ErrMalformed, "consentReceiptID"},
		{"another event's receipt id", func(r *receipt.Receipt) {
			r.ConsentReceiptID = receipt.ID("another", pub)
			r.Record.ReceiptID = r.ConsentReceiptID
		}, receipt.ErrInconsistent, "consentReceiptID"},
		{"record's receipt id differs", func(r *receipt.Receipt) { r.Record.ReceiptID = receipt.ID("another", pub) },
			receipt.ErrInconsistent, "iso27560Record.receiptID"},
		{"timestamp in milliseconds", func(r *receipt.Receipt) { r.ConsentTimestamp *= 1000 },
			receipt.ErrInconsistent, "consentTimestamp"},
		{"another subject in the record", func(r *receipt.Receipt) { r.Record.DataSubject.Identifier = "x" },
			receipt.ErrInconsistent, "iso27560Record.hasDataSubject.identifier"},
		{"a phone number as the person", func(r *receipt.Receipt) {
			r.PIIPrincipalID = "+47 912 34 567"
			r.Record.DataSubject.Identifier = r.PIIPrincipalID
		}, receipt.ErrMalformed, "piiPrincipalId"},
		{"purpose differs", func(r *receipt.Receipt) { r.Record.Purposes[0].Description = "Nyheter" },
			receipt.ErrInconsistent, "iso27560Record.hasPurpose[0].description"},
		{"a purpose more", func(r *receipt.Receipt) {
			r.Services[0].Purposes = append(r.Services[0].Purposes, r.Services[0].Purposes[0])
			r.Services[0].Purposes[1].PrimaryPurpose = false
		}, receipt.ErrInconsistent, "iso27560Record.hasPurpose"},
		{"implicit consent", func(r *receipt.Receipt) { r.Services[0].Purposes[0].ConsentType = "IMPLICIT" },
			receipt.ErrMalformed, "services[0].purposes[0].consentType"},
		{"third party unnamed", func(r *receipt.Receipt) { r.Services[0].Purposes[0].ThirdPartyDisclosure = true },
			receipt.ErrMalformed, "services[0].purposes[0].thirdPartyName"},
		{"withdrawn status", func(r *receipt.Receipt) { r.Record.ConsentStatus = "dpv:ConsentWithdrawn" },
			receipt.ErrMalformed, "iso27560Record.hasConsentStatus"},
		{"no legal basis", func(r *receipt.Receipt) { r.Record.LegalBasis = "" }, receipt.ErrMalformed, "iso27560Record.hasLegalBasis"},
		{"given after recorded", func(r *receipt.Receipt) {
			r.Record.Dates.Given = "2026-11-29T13:00:00Z"
			r.ConsentTimestamp = time.Date(2026, 11, 29, 13, 0, 0, 0, time.UTC).Unix()
		}, receipt.ErrInconsistent, "iso27560Record.dates.consentGiven"},
		{"valid until before given", func(r *receipt.Receipt) { r.Record.Dates.ValidUntil = "2025-01-01T00:00:00Z" },
			receipt.ErrInconsistent, "iso27560Record.dates.validUntil"},
		{"event id differs", func(r *receipt.Receipt) { r.Record.Provenance.EventID = "x" },
			receipt.ErrInconsistent, "iso27560Record.hasProvenance.eventId"},
		{"no event hash", func(r *receipt.Receipt) { r.Record.Provenance.EventHash = "" },
			receipt.ErrMalformed, "iso27560Record.hasProvenance.eventHash"},
		{"controller without address", func(r *receipt.Receipt) { r.PIIControllers[0].Address.StreetAddress = "" },
			receipt.ErrMalformed, "piiControllers[0].address.streetAddress"},
		{"controller's phone not a tel URI", func(r *receipt.Receipt) { r.PIIControllers[0].Phone = "22 12 34 56" },
			receipt.ErrMalformed, "piiControllers[0].phone"},
		{"policy differs from the notice", func(r *receipt.Receipt) { r.PolicyURL = "https://butikken.example/privacy" },
			receipt.ErrInconsistent, "iso27560Record.hasNotice.url"},
		{"sensitive without categories", func(r *receipt.Receipt) { r.Sensitive = true }, receipt.ErrMalformed, "spiCat"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			_, err := receipt.Verify(signed(t, c.tweak), pub)
			var e *receipt.Error
			if !errors.As(err, &e) || !errors.Is(err, c.kind) || e.Field != c.field {
				t.Fatalf("Verify = %v; want %v at %q", err, c.kind, c.field)
			}
		})
	}
}

// TestCanonical: the JCS form of RFC 8785 §3.2.3's sorting example (UTF-16
// order: the emoji before U+FB33), its string escapes, and the refusals.
func TestCanonical(t *testing.T) {
	t.Parallel()
	in := `{"\u20ac":"Euro Sign","\r":"Carriage Return","\ufb33":"Hebrew Letter Dalet With Dagesh","1":"One",
		"\ud83d\ude00":"Emoji: Grinning Face","\u0080":"Control","\u00f6":"Latin Small Letter O With Diaeresis"}`
	got, err := receipt.Canonical([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	want := "{\"\\r\":\"Carriage Return\",\"1\":\"One\",\"\u0080\":\"Control\",\"\u00f6\":\"Latin Small Letter O With Diaeresis\"," +
		"\"\u20ac\":\"Euro Sign\",\"\U0001F600\":\"Emoji: Grinning Face\",\"\ufb33\":\"Hebrew Letter Dalet With Dagesh\"}"
	if string(got) != want {
		t.Errorf("Canonical =\n%s\nwant\n%s", got, want)
	}
	got, err = receipt.Canonical([]byte(` [ "a\u000fb/<>&\u007f\"\\\n" , -0 , 9007199254740991 , true , null , { } ] `))
	if err != nil {
		t.Fatal(err)
	}
	if want := "[\"a\\u000fb/<>&\u007f\\\"\\\\\\n\",0,9007199254740991,true,null,{}]"; string(got) != want {
		t.Errorf("Canonical = %s, want %s", got, want)
	}
	for _, bad := range []string{`{"a":1,"a":1}`, `1.5`, `1e3`, `9007199254740992`, "\"\xff\"", `{} {}`, `{"a":`, `01`} {
		if got, err := receipt.Canonical([]byte(bad)); err == nil {
			t.Errorf("Canonical(%q) = %s; want it refused", bad, got)
		}
	}
}

// TestPublicKeyForms: the published key, a bare JWK, PEM and base64 all read
// back as the key; its kid is the RFC 7638 thumbprint (RFC 8037 A.3).
func TestPublicKeyForms(t *testing.T) {
	t.Parallel()
	published, _ := json.Marshal(receipt.Publish(pub))
	jwk, _ := json.Marshal(receipt.Publish(pub).JWK)
	der, _ := x509.MarshalPKIXPublicKey(pub)
	forms := map[string]string{
		"published": string(published),
		"jwk":       string(jwk),
		"pem":       string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})),
		"base64":    base64.StdEncoding.EncodeToString(pub) + "\n",
		"base64url": base64.RawURLEncoding.EncodeToString(pub),
	}
	for name, s := range forms {
		got, err := receipt.ParsePublicKey([]byte(s))
		if err != nil || !got.Equal(pub) {
			t.Errorf("%s: %v, %v; want the key", name, got, err)
		}
	}
	for _, bad := range []string{"", "{}", "c2hvcnQ=", `{"kty":"EC","crv":"P-256","x":"abc"}`, "-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----"} {
		if _, err := receipt.ParsePublicKey([]byte(bad)); err == nil {
			t.Errorf("ParsePublicKey(%q) accepted", bad)
		}
	}
	x, _ := base64.RawURLEncoding.DecodeString("11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo")
	if got := receipt.KeyID(x); got != "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k" {
		t.Errorf("KeyID of RFC 8037's key = %s", got)
	}
}
