// SPDX-License-Identifier: AGPL-3.0-only

package app

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/samtykke/samtykke/internal/access"
	"github.com/samtykke/samtykke/internal/consent"
	"github.com/samtykke/samtykke/internal/controller"
	"github.com/samtykke/samtykke/internal/i18n"
	"github.com/samtykke/samtykke/internal/ledger"
	"github.com/samtykke/samtykke/internal/receipt"
	"github.com/samtykke/samtykke/internal/rights"
	"github.com/samtykke/samtykke/internal/staff"
	"github.com/samtykke/samtykke/internal/store"
)

// ErrReceiptsNotSetUp: receipts need the controller's contact details,
// which a receipt must name (KCR §4.4).
var ErrReceiptsNotSetUp = fmt.Errorf("%w: consent receipts need the controller's address, e-mail and phone "+
	"(SAMTYKKE_CONTROLLER_ADDRESS, SAMTYKKE_CONTROLLER_EMAIL, SAMTYKKE_CONTROLLER_PHONE)", ErrRefused)

// SignedReceipt is the receipt of one confirmed consent, signed, and the
// consent's state now beside it.
type SignedReceipt struct {
	Receipt receipt.Receipt
	// JSON is the signed receipt, the bytes the person keeps.
	JSON []byte
	// Current is the consent's state now, which the receipt, a record of
	// the moment it was given, does not say (withdrawn since, renewed ...).
	Current consent.State
	// KeyID names the signing key (its RFC 7638 thumbprint).
	KeyID string
}

// ReceiptsReady reports whether receipts can be made: the controller's
// address, e-mail and phone are configured.
func (a *App) ReceiptsReady() bool {
	c := a.controller()
	_, phoneOK := controller.TelURI(c.Phone)
	return c.Address != "" && c.Email != "" && phoneOK
}

// ReceiptKey is the public half of the key that signs consent receipts,
// derived from the master key (published at /.well-known/samtykke-receipt-key).
func (a *App) ReceiptKey() ed25519.PublicKey {
	return a.vault.ReceiptKey().Public().(ed25519.PublicKey)
}

// ReceiptKeys are the public receipt keys of every master key the key
// table records, the active one's first (S-01): what an older key signed
// still verifies.
func (a *App) ReceiptKeys() []ed25519.PublicKey {
	out := []ed25519.PublicKey{a.ReceiptKey()}
	for _, p := range a.vault.PublishedKeys() {
		if p.Receipt != nil && !p.Receipt.Equal(out[0]) {
			out = append(out, p.Receipt)
		}
	}
	return out
}

// receiptLinkKind is the kind of a receipt link's token ("kvittering"):
// its own, so that no other link's token opens a receipt, nor a receipt's
// token anything else.
const receiptLinkKind = "k"

// ReceiptLink is the signed link to the receipt of a confirmed consent
// event; it works for ReceiptTTL.
func (a *App) ReceiptLink(eventID string) string {
	return a.cfg.PublicURL + "/receipt/" + a.sign(receiptLinkKind, eventID, a.now().Add(a.cfg.ReceiptTTL))
}

// ReceiptByLink is the receipt a signed link names (L-04); reading it is
// recorded as the person's own access to their consents.
func (a *App) ReceiptByLink(ctx context.Context, token string) (SignedReceipt, error) {
	eventID, err := a.verify(receiptLinkKind, token, a.now())
	if err != nil {
		return SignedReceipt{}, err
	}
	r, err := a.Receipt(ctx, eventID)
	if err != nil {
		return r, err
	}
	err = a.store.Tx(ctx, func(tx store.Tx) error {
		return a.recordAccess(ctx, tx, person, access.Consents, r.Receipt.PIIPrincipalID, "consent receipt")
	})
	return r, err
}

// ReceiptFor is the signed receipt of a confirmed consent event for staff,
// to export it or hand it to the person (L-04); the access is recorded.
func (a *App) ReceiptFor(ctx context.Context, actor Actor, eventID string) (SignedReceipt, error) {
	if err := actor.can(staff.ReadConsents); err != nil {
		return SignedReceipt{}, err
	}
	r, err := a.Receipt(ctx, eventID)
	if err != nil {
		return r, err
	}
	err = a.store.Tx(ctx, func(tx store.Tx) error {
		return a.recordAccess(ctx, tx, actor, access.Consents, r.Receipt.PIIPrincipalID, "consent receipt")
	})
	return r, err
}

// Receipt makes the signed receipt of a confirmed consent event from the
// ledger (L-04): the Kantara v1.1 fields and the ISO/IEC TS 27560 record,
// from the event, its evidence, its purpose and the notice shown, signed
// with the master key's receipt key. The person is named by the contact's
// pseudonymous id, never the number. Made on demand, it is the same bytes
// each time. An unknown event, or one of an erased person, is
// store.ErrNotFound; an event that gave no consent is refused.
func (a *App) Receipt(ctx context.Context, eventID string) (SignedReceipt, error) {
	if !a.ReceiptsReady() {
		return SignedReceipt{}, ErrReceiptsNotSetUp
	}
	e, err := a.store.Event(ctx, eventID)
	if err != nil {
		return SignedReceipt{}, fmt.Errorf("receipt of event %s: %w", eventID, err)
	}
	if e.Kind != ledger.Confirmed {
		return SignedReceipt{}, refused("event %s is %s, not a confirmed consent: it has no receipt", eventID, e.Kind)
	}
	c, err := a.store.Contact(ctx, e.ContactID)
	if err != nil {
		return SignedReceipt{}, err
	}
	o, err := a.open(c) // ErrNotFound once erased: the evidence is gone
	if err != nil {
		return SignedReceipt{}, err
	}
	ev, err := a.openEvidence(o, e)
	if err != nil {
		return SignedReceipt{}, fmt.Errorf("receipt of event %s: evidence: %w", eventID, err)
	}
	if ev.NoticeVersion < 1 {
		return SignedReceipt{}, refused("event %s names no privacy notice: it has no receipt", eventID)
	}
	p, err := a.store.Purpose(ctx, e.Purpose)
	if err != nil {
		return SignedReceipt{}, err
	}
	lang := i18n.Lang(ev.Language)
	if ev.Language == "" {
		lang = i18n.Lang(o.Language)
	}
	givenAt := e.At
	if t, err := time.Parse(time.RFC3339, ev.CollectedAt); err == nil {
		givenAt = t // collected elsewhere: the moment the person consented
	}
	method := e.Method
	if reqID := ev.Extra["request_event_id"]; reqID != "" {
		// A double opt-in: the event is the confirmation, the request says
		// how the consent was collected.
		if req, err := a.store.Event(ctx, reqID); err == nil && req.ContactID == e.ContactID {
			method = req.Method
		}
	}
	c2 := receipt.Consent{
		EventID: e.ID, EventSeq: e.Seq, EventHash: e.Hash, ContactID: e.ContactID,
		Purpose: p.Key, PurposeText: p.Description.In(lang), Channel: e.Channel,
		Method: e.Method, Source: e.Source, CollectionMethod: a.collectionMethod(lang, method, ev),
		ConfirmationChannel: ev.ConfirmationChannel, Confirmation: ev.Confirmation, WordingHash: ev.WordingHash,
		GivenAt: givenAt, RecordedAt: e.At, ValidUntil: e.ValidUntil, Language: lang,
		Notice: receipt.Notice{ID: ev.NoticeID, Version: ev.NoticeVersion, Hash: ev.NoticeHash, Language: lang,
			URL: a.noticeURL(lang, ev.NoticeVersion)},
		PIICategories: []string{receipt.PIIContact}, PersonalData: []string{"dpv:TelephoneNumber"},
		RetentionDays: p.RetentionDays,
		Service: i18n.T(lang, "receipt.service", "business", a.controller().Name,
			"channel", tOr(lang, "receipt.channel."+e.Channel, e.Channel)),
		Termination:      a.termination(lang, e.ValidUntil),
		WithdrawalMethod: i18n.T(lang, "receipt.withdrawal", "business", a.controller().Name, "email", a.controller().Email),
	}
	if slices.Contains(p.Fields, "first_name") {
		c2.PIICategories = append(c2.PIICategories, receipt.PIIBiographical)
		c2.PersonalData = append(c2.PersonalData, "dpv:FirstName")
	}
	key := a.vault.ReceiptKey()
	r := receipt.New(c2, a.receiptController(), key.Public().(ed25519.PublicKey))
	raw, err := r.Sign(key)
	if err != nil {
		return SignedReceipt{}, err
	}
	st, err := a.store.ConsentState(ctx, e.ContactID, e.Purpose)
	if err != nil {
		return SignedReceipt{}, err
	}
	return SignedReceipt{Receipt: r, JSON: raw, Current: st, KeyID: r.Proof.KeyID}, nil
}

// VerifyReceipt checks a receipt as receipt.Verify does, with this
// installation's receipt key, and then against the ledger: its event must be
// there, a confirmed consent of the same person and purpose, with the hash
// and position the receipt records. A receipt whose event is gone or
// altered fails with a *receipt.Error of kind ErrInconsistent.
func (a *App) VerifyReceipt(ctx context.Context, raw []byte) (receipt.Receipt, error) {
	r, err := receipt.Verify(raw, a.ReceiptKey())
	for _, pub := range a.ReceiptKeys()[1:] { // signed by an older key (S-01)?
		if !errors.Is(err, receipt.ErrWrongKey) {
			break
		}
		if r2, err2 := receipt.Verify(raw, pub); !errors.Is(err2, receipt.ErrWrongKey) {
			r, err = r2, err2
		}
	}
	if err != nil {
		return r, err
	}
	prov := r.Record.Provenance
	differ := func(field, format string, args ...any) error {
		return &receipt.Error{Kind: receipt.ErrInconsistent, Field: field, Problem: fmt.Sprintf(format, args...)}
	}
	e, err := a.store.Event(ctx, prov.EventID)
	if errors.Is(err, store.ErrNotFound) {
		return r, differ("iso27560Record.hasProvenance.eventId", "the ledger holds no event %s", prov.EventID)
	}
	if err != nil {
		return r, err
	}
	purpose := ""
	if len(r.Record.Purposes) > 0 {
		purpose = r.Record.Purposes[0].ID
	}
	switch {
	case e.Kind != ledger.Confirmed:
		return r, differ("iso27560Record.hasProvenance.eventId", "event %s is %s in the ledger, not a confirmed consent", e.ID, e.Kind)
	case e.ContactID != r.PIIPrincipalID:
		return r, differ("piiPrincipalId", "event %s belongs to another contact in the ledger", e.ID)
	case e.Purpose != purpose:
		return r, differ("iso27560Record.hasPurpose[0].id", "event %s is a consent to %q in the ledger", e.ID, e.Purpose)
	case e.Seq != prov.EventSeq || fmt.Sprintf("%x", e.Hash) != prov.EventHash:
		return r, differ("iso27560Record.hasProvenance.eventHash", "event %s has seq %d and hash %x in the ledger", e.ID, e.Seq, e.Hash)
	case !e.At.Equal(mustTime(r.Record.Dates.Recorded)):
		return r, differ("iso27560Record.dates.recorded", "event %s was recorded at %s in the ledger", e.ID, e.At.Format(time.RFC3339Nano))
	}
	return r, nil
}

func mustTime(s string) time.Time {
	t, _ := time.Parse(time.RFC3339Nano, s) // checked by receipt.Verify
	return t
}

// tOr is the text of key, or fallback when the catalog has none.
func tOr(lang, key, fallback string) string {
	if s := i18n.T(lang, key); s != key {
		return s
	}
	return fallback
}

// collectionMethod says in words how a consent was collected and confirmed.
func (a *App) collectionMethod(lang, method string, ev ledger.Evidence) string {
	s := tOr(lang, "receipt.method."+method, method)
	if ev.ConfirmationChannel != "" {
		s = i18n.T(lang, "receipt.collection", "method", s,
			"confirmation", tOr(lang, "receipt.confirmation."+ev.ConfirmationChannel, ev.ConfirmationChannel))
	}
	if ev.Confirmation == ledger.ConfirmationAsserted {
		s += " " + i18n.T(lang, "receipt.asserted")
	}
	return s
}

// termination says when a consent ends.
func (a *App) termination(lang string, validUntil time.Time) string {
	if validUntil.IsZero() {
		return i18n.T(lang, "receipt.termination")
	}
	return i18n.T(lang, "receipt.termination_until", "date", validUntil.In(rights.Oslo).Format(dateFormat(lang)))
}

func dateFormat(lang string) string {
	if lang == "en" {
		return "2 January 2006"
	}
	return "02.01.2006"
}

// noticeURL is the page of one published notice version.
func (a *App) noticeURL(lang string, version int) string {
	u := a.cfg.PublicURL + "/privacy/" + strconv.Itoa(version)
	if lang == "en" {
		u += "?lang=en"
	}
	return u
}

var postcode = regexp.MustCompile(`^([0-9]{4})\s+(\S.*)$`)

// receiptController is the controller as receipts name it: its contact
// is the DPO's role when there is one.
func (a *App) receiptController() receipt.Controller {
	c := a.controller()
	tel, _ := controller.TelURI(c.Phone) // ReceiptsReady checked it
	ctl := receipt.Controller{Name: c.Name, Contact: c.DPO.Name, Email: c.Email, URL: c.URL, Phone: tel,
		Address: receipt.Address{StreetAddress: strings.TrimSpace(c.Address), AddressCountry: "NO"}}
	if ctl.Contact == "" {
		ctl.Contact = c.Name
	}
	if ctl.URL == "" {
		ctl.URL = a.cfg.PublicURL
	}
	// "Storgata 1, 0155 Oslo": the last part, a Norwegian postcode and a
	// place, is the postal code and locality.
	if i := strings.LastIndex(c.Address, ","); i > 0 {
		if m := postcode.FindStringSubmatch(strings.TrimSpace(c.Address[i+1:])); m != nil {
			ctl.Address.StreetAddress = strings.TrimSpace(c.Address[:i])
			ctl.Address.PostalCode, ctl.Address.AddressLocality = m[1], m[2]
		}
	}
	return ctl
}
