// SPDX-License-Identifier: AGPL-3.0-only

package cli

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/samtykke/samtykke/internal/app"
	"github.com/samtykke/samtykke/internal/config"
	"github.com/samtykke/samtykke/internal/consent"
	"github.com/samtykke/samtykke/internal/ledger"
	"github.com/samtykke/samtykke/internal/notice"
	"github.com/samtykke/samtykke/internal/receipt"
	"github.com/samtykke/samtykke/internal/staff"
	"github.com/samtykke/samtykke/internal/whatsapp"
)

// receiptEnv is a data folder's configuration with the controller's
// details, which receipts need.
func receiptEnv(dir string) map[string]string {
	return map[string]string{"SAMTYKKE_DATA_DIR": dir, "SAMTYKKE_CONTROLLER_ADDRESS": "Storgata 1, 0155 Oslo",
		"SAMTYKKE_CONTROLLER_EMAIL": "personvern@butikk.example", "SAMTYKKE_CONTROLLER_PHONE": "+47 22 12 34 56"}
}

// receiptOfDoubleOptIn runs a double opt-in in the data folder dir, as a
// person does (the opt-in page, then "JA <code>" from their own WhatsApp),
// and writes the receipt of the confirmed consent to a file. It returns the
// file, the event, and the receipt key's public half.
func receiptOfDoubleOptIn(t *testing.T, dir string) (file, eventID string, pub ed25519.PublicKey) {
	t.Helper()
	ctx := context.Background()
	env := receiptEnv(dir)
	cfg, err := config.Load(func(k string) string { return env[k] }, nil)
	if err != nil {
		t.Fatal(err)
	}
	sys, err := open(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), setUp)
	if err != nil {
		t.Fatal(err)
	}
	defer sys.store.Close()
	a, admin := sys.app, app.Actor{Name: "test", Role: staff.Admin}
	if _, err := a.CreatePurpose(ctx, admin, consent.Purpose{Key: "offers", Channel: consent.WhatsApp, Basis: consent.BasisConsent,
		RetentionDays: 30, Description: consent.Text{NB: "Tilbud", EN: "Offers"}}); err != nil {
		t.Fatal(err)
	}
	n := notice.Notice{Language: "nb", Summary: "Kort"}
	for _, it := range notice.Required {
		n.Sections = append(n.Sections, notice.Section{Item: it, Body: "tekst"})
	}
	if n, err = a.CreateNotice(ctx, admin, n); err == nil {
		_, err = a.PublishNotice(ctx, admin, n.ID)
	}
	if err != nil {
		t.Fatal(err)
	}
	started, err := a.RequestOptIn(ctx, app.OptInRequest{Phone: "912 34 567", Purposes: []string{"offers"}, AgeConfirmed: true, IP: "192.0.2.7"})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := json.Marshal(whatsapp.WebhookPayload{Object: "whatsapp_business_account", Entry: []whatsapp.WebhookEntry{{ID: "waba",
		Changes: []whatsapp.WebhookChange{{Field: "messages", Value: whatsapp.WebhookValue{MessagingProduct: "whatsapp",
			Messages: []whatsapp.InboundMessage{{From: "4791234567", ID: "wamid.ja", Type: "text", Timestamp: whatsapp.UnixTime(time.Now().Unix()),
				Text: &whatsapp.InboundText{Body: "JA " + started.Code}}}}}}}}})
	if err := a.ReceiveWebhook(ctx, body); err != nil {
		t.Fatal(err)
	}
	id, err := a.Lookup(ctx, admin, "91234567", "test of the receipt command")
	if err != nil {
		t.Fatal(err)
	}
	events, _ := sys.store.Events(ctx, id)
	for _, e := range events {
		if e.Kind == ledger.Confirmed {
			eventID = e.ID
		}
	}
	r, err := a.Receipt(ctx, eventID)
	if err != nil {
		t.Fatal(err)
	}
	file = filepath.Join(t.TempDir(), "samtykkekvittering.json")
	if err := os.WriteFile(file, r.JSON, 0o600); err != nil {
		t.Fatal(err)
	}
	return file, eventID, a.ReceiptKey()
}

// TestReceiptVerifyCommand: `samtykke receipt verify` passes a receipt made
// by a real double opt-in, with the master key in the data folder (and the
// ledger) or with the published key from a file, and prints JSON alone with
// --format json; a tampered copy, another key, or a ledger changed beneath
// the receipt exits 1 naming what is wrong (L-04).
func TestReceiptVerifyCommand(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file, eventID, pub := receiptOfDoubleOptIn(t, dir)
	raw, _ := os.ReadFile(file)
	tmp := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(tmp, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	published, _ := json.Marshal(receipt.Publish(pub))
	keyFile := write("key.json", published)
	otherKey := write("other.json", []byte(receipt.Publish(ed25519.NewKeyFromSeed(bytes.Repeat([]byte{9}, 32)).Public().(ed25519.PublicKey)).Key))

	code, stdout, stderr := run(t, nil, "receipt", "verify", file, "--data-dir", dir)
	if code != 0 || !strings.HasPrefix(stdout, "receipt verifies and matches the ledger: ") || !strings.Contains(stdout, eventID) {
		t.Fatalf("verify with the data folder: exit %d, %q %q", code, stdout, stderr)
	}
	if strings.Contains(stdout, "91234567") || strings.Contains(stderr, "91234567") {
		t.Error("the command printed the number")
	}
	code, stdout, _ = run(t, nil, "receipt", "verify", "--format", "json", "--public-key", keyFile, file, "--data-dir", filepath.Join(tmp, "none"))
	var rep receiptReport
	if code != 0 || json.Unmarshal([]byte(stdout), &rep) != nil || !rep.Valid || rep.Ledger || rep.EventID != eventID ||
		len(rep.Purposes) != 1 || rep.Purposes[0] != "offers" || rep.KeyID != receipt.KeyID(pub) {
		t.Fatalf("verify --format json with the public key: exit %d, %q", code, stdout)
	}

	replace := func(old, new string) []byte {
		if !bytes.Contains(raw, []byte(old)) {
			t.Fatalf("the receipt has no %q", old)
		}
		return bytes.Replace(raw, []byte(old), []byte(new), 1)
	}
	var r receipt.Receipt
	_ = json.Unmarshal(raw, &r)
	cases := []struct {
		name, file string
		args       []string
		kind       string
		says       string
	}{
		{"one byte of the purpose", write("byte.json", replace(`"id": "offers"`, `"id": "offerz"`)), nil, "signature", "proof.signature"},
		{"the time", write("time.json", replace(`"consentTimestamp": `, `"consentTimestamp": 1`)), nil, "signature", "proof.signature"},
		{"the person", write("person.json", replace(r.PIIPrincipalID, "0193a1b2-0000-7000-8000-0000000000c1")), nil, "signature", "proof.signature"},
		{"not JSON", write("cut.json", raw[:len(raw)/2]), nil, "malformed", "not valid JSON"},
		{"another key", file, []string{"--public-key", otherKey}, "wrong_key", "publicKey"},
	}
	for _, c := range cases {
		args := append([]string{"receipt", "verify", c.file, "--data-dir", dir}, c.args...)
		code, stdout, _ := run(t, nil, args...)
		if code != 1 || !strings.HasPrefix(stdout, "receipt does NOT verify: "+c.kind) || !strings.Contains(stdout, c.says) {
			t.Errorf("%s: exit %d, %q; want 1 naming %s", c.name, code, stdout, c.says)
		}
		code, stdout, _ = run(t, nil, append(args, "--format", "json")...)
		if code != 1 || json.Unmarshal([]byte(stdout), &rep) != nil || rep.Valid || rep.Problem == nil || rep.Problem.Kind != c.kind {
			t.Errorf("%s --format json: exit %d, %q", c.name, code, stdout)
		}
	}

	// The ledger changed beneath a genuine receipt: its event's hash.
	execFile(t, dir, `DROP TRIGGER consent_events_no_update`,
		`UPDATE consent_events SET hash = zeroblob(32) WHERE id = '`+eventID+`'`)
	code, stdout, _ = run(t, nil, "receipt", "verify", file, "--data-dir", dir)
	if code != 1 || !strings.Contains(stdout, "inconsistent") || !strings.Contains(stdout, "hasProvenance.eventHash") {
		t.Errorf("verify after the ledger changed: exit %d, %q; want 1 naming the event's hash", code, stdout)
	}
	// The public key alone cannot see the ledger: the receipt itself holds.
	if code, stdout, _ = run(t, nil, "receipt", "verify", file, "--public-key", keyFile); code != 0 {
		t.Errorf("verify with the public key after the ledger changed: exit %d, %q", code, stdout)
	}

	for _, args := range [][]string{{"receipt", "verify"}, {"receipt", "verify", file, file}, {"receipt", "verify", file, "--format", "xml"}} {
		if code, stdout, stderr := run(t, nil, args...); code != 2 || stdout != "" || !strings.Contains(stderr, "usage: samtykke receipt verify") {
			t.Errorf("%v: exit %d, %q %q; want 2 and the usage", args, code, stdout, stderr)
		}
	}
	if code, stdout, stderr := run(t, nil, "receipt", "verify", filepath.Join(tmp, "missing.json"), "--public-key", keyFile); code != 1 || stdout != "" ||
		!strings.Contains(stderr, "missing.json") {
		t.Errorf("a missing file: exit %d, %q %q", code, stdout, stderr)
	}
}
