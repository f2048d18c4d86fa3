// SPDX-License-Identifier: AGPL-3.0-only

package app

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/samtykke/samtykke/internal/consent"
	"github.com/samtykke/samtykke/internal/contact"
	"github.com/samtykke/samtykke/internal/ledger"
	"github.com/samtykke/samtykke/internal/message"
	"github.com/samtykke/samtykke/internal/notice"
	"github.com/samtykke/samtykke/internal/optin"
	"github.com/samtykke/samtykke/internal/store"
)

// ErrRateLimited: too many attempts; try later (429).
var ErrRateLimited = errors.New("rate limited")

// FlowVersion names the capture flow whose conditions a consent satisfies (C-01).
const FlowVersion = "web-double-optin/v1"

// Public is the actor of a person on a public page or in their own WhatsApp.
var Public = Actor{Name: "data-subject", Role: "data_subject"}

// FormPurpose is one box on the opt-in form.
type FormPurpose struct {
	Key         string
	Description string
	Wording     string // the exact text next to the box; its hash is evidence
}

// OptInForm is what the opt-in page shows: the layered notice (T-02) and one
// unticked box per purpose (C-07, C-08).
type OptInForm struct {
	Language     string
	BusinessName string
	MinAge       int
	Notice       notice.Notice
	Purposes     []FormPurpose
}

// OptInForm returns the form in a language. Purposes on WhatsApp that rest on
// consent are offered; without a published notice there is no form.
func (a *App) OptInForm(ctx context.Context, lang string) (OptInForm, error) {
	lang, err := contact.CheckLanguage(lang)
	if err != nil {
		lang = "nb"
	}
	n, err := a.store.CurrentNotice(ctx, lang)
	if err != nil {
		return OptInForm{}, fmt.Errorf("no published privacy notice in %s: %w", lang, err)
	}
	ps, err := a.store.Purposes(ctx)
	if err != nil {
		return OptInForm{}, err
	}
	f := OptInForm{Language: lang, BusinessName: a.controller().Name, MinAge: a.cfg.MinAge, Notice: n}
	for _, p := range ps {
		if p.Channel == consent.WhatsApp && p.Basis == consent.BasisConsent {
			f.Purposes = append(f.Purposes, FormPurpose{Key: p.Key, Description: p.Description.In(lang),
				Wording: wording(lang, a.controller().Name, p.Description.In(lang))})
		}
	}
	return f, nil
}

// wording is the sentence beside a purpose's box (glossary: "Ja, jeg vil få
// tilbud fra {business} på WhatsApp").
func wording(lang, business, description string) string {
	if lang == "en" {
		return fmt.Sprintf("Yes, I want %s from %s on WhatsApp", strings.ToLower(description), business)
	}
	return fmt.Sprintf("Ja, jeg vil få %s fra %s på WhatsApp", strings.ToLower(description), business)
}

func hashText(s string) string {
	sum := sha256.Sum256([]byte(s))
	return "sha256:" + hex.EncodeToString(sum[:])
}

// OptInRequest is a submitted opt-in form.
type OptInRequest struct {
	Phone         string
	Language      string
	Purposes      []string
	AgeConfirmed  bool
	NoticeVersion int // the version the page showed
	IP, UserAgent string
	// LinkToken, when set, is a signed opt-in link sent to the person's own
	// WhatsApp (the shop-QR flow): possession is proven, so the consent is
	// confirmed at once and Phone is taken from the token.
	LinkToken string
}

// OptInStarted tells the page how the person confirms.
type OptInStarted struct {
	// Code is the one-time code the person sends back with "JA"; empty when
	// the consent was confirmed at once (link flow) or nothing was recorded.
	Code      string
	ChatLink  string // wa.me click-to-chat link with "JA <code>" prefilled
	Ref       string // signed reference to this request, for the alternatives
	ExpiresAt time.Time
	Confirmed bool
}

// RequestOptIn records a pending consent for each ticked purpose, with the
// evidence of the form, and starts one confirmation. Nothing is sent to the
// number: the person proves it is theirs by sending the code from it
// (C-04, M-04). The answer is the same whether or not the number is known.
func (a *App) RequestOptIn(ctx context.Context, in OptInRequest) (OptInStarted, error) {
	lang, err := contact.CheckLanguage(in.Language)
	if err != nil {
		return OptInStarted{}, invalid("%v", err)
	}
	var linked *linkClaims
	if in.LinkToken != "" {
		c, err := a.openLink(in.LinkToken, a.now())
		if err != nil {
			return OptInStarted{}, err
		}
		linked, in.Phone = &c, c.Phone
	}
	num, err := a.parsePhone(in.Phone)
	if err != nil {
		return OptInStarted{}, err
	}
	if !in.AgeConfirmed {
		return OptInStarted{}, refused("the person must confirm being %d or older (C-13)", a.cfg.MinAge)
	}
	if len(in.Purposes) == 0 {
		return OptInStarted{}, invalid("tick at least one purpose")
	}
	form, err := a.OptInForm(ctx, lang)
	if err != nil {
		return OptInStarted{}, err
	}
	if in.NoticeVersion != 0 && in.NoticeVersion != form.Notice.Version {
		return OptInStarted{}, refused("the privacy notice changed while the page was open; reload it")
	}
	chosen := map[string]FormPurpose{}
	for _, key := range in.Purposes {
		i := slices.IndexFunc(form.Purposes, func(p FormPurpose) bool { return p.Key == key })
		if i < 0 {
			return OptInStarted{}, invalid("purpose %q is not offered on this form", key)
		}
		chosen[key] = form.Purposes[i]
	}
	now := a.now()
	e164 := num.E164()
	var out OptInStarted
	err = a.store.Tx(ctx, func(tx store.Tx) error {
		// Abuse limits (anyone can type anyone's number): per address and per number.
		for _, lim := range []struct {
			key   string
			limit int
		}{{"optin:ip:" + in.IP, 30}, {a.numberLimit(limitOptIn, e164), 5}} {
			ok, err := tx.Hit(ctx, lim.key, 24*time.Hour, lim.limit, now)
			if err != nil {
				return err
			}
			if !ok {
				return fmt.Errorf("%w: too many opt-in attempts; try again tomorrow", ErrRateLimited)
			}
		}
		id, _, err := a.ensureContact(ctx, tx, num, lang, fields{})
		if err != nil {
			return err
		}
		ev := ledger.Evidence{NoticeID: form.Notice.ID, NoticeVersion: form.Notice.Version, NoticeHash: form.Notice.Hash,
			Language: lang, FlowVersion: FlowVersion, AffirmativeAct: "ticked an unticked box and submitted the form",
			MinAge: a.cfg.MinAge, IP: in.IP, UserAgent: truncate(in.UserAgent, 300)}
		kind := ledger.Requested
		if linked != nil {
			kind = ledger.Confirmed
			ev.ConfirmationChannel, ev.ConfirmationMessageID = "whatsapp_link", linked.MessageID
		}
		var confirmed []string // the events a receipt is made of (L-04)
		for _, key := range in.Purposes {
			p, err := tx.Purpose(ctx, key)
			if err != nil {
				return err
			}
			pev := ev
			pev.WordingHash = hashText(chosen[key].Wording)
			var validUntil time.Time
			if kind == ledger.Confirmed && p.RefreshDays > 0 {
				validUntil = now.AddDate(0, 0, p.RefreshDays)
			}
			e, _, err := a.appendEvent(ctx, tx, id, ledger.Event{Kind: kind, Purpose: key, Channel: string(consent.WhatsApp),
				Method: "web_form", Source: "optin_page", Actor: Public.String(), AgeConfirmed: true, ValidUntil: validUntil}, pev)
			if err != nil {
				return err
			}
			confirmed = append(confirmed, e.ID)
		}
		if linked != nil {
			// The link answers one message: it works once.
			if fresh, err := tx.MarkSeen(ctx, a.seenKey("optin-link:"+linked.MessageID), now); err != nil {
				return err
			} else if !fresh {
				return fmt.Errorf("%w: this link was used already", ErrLinkExpired)
			}
			out.Confirmed = true
			return a.queueMessage(ctx, tx, id, message.Receipt, "", strings.Join(confirmed, ","))
		}
		code := optin.NewCode()
		c := optin.Confirmation{ID: newID(), ContactID: id, CodeHash: optin.HashCode(code), Purposes: in.Purposes,
			Language: lang, CreatedAt: now, ExpiresAt: now.Add(a.cfg.OptInTTL)}
		if err := tx.CreateConfirmation(ctx, c); err != nil {
			return err
		}
		out = OptInStarted{Code: code, ExpiresAt: c.ExpiresAt, Ref: a.sealClaims(refClaims{ID: c.ID, Code: code, Exp: c.ExpiresAt.Unix()}, refPurpose),
			ChatLink: "https://wa.me/" + a.cfg.BusinessNumber + "?text=" + url.QueryEscape("JA "+code)}
		return nil
	})
	a.noteOptIn(err, linked != nil)
	return out, err
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// confirmOptIn turns a pending request into confirmed consent events with
// the full evidence (L-03), when the code comes from the number that asked.
// It reports whether anything was confirmed.
func (a *App) confirmOptIn(ctx context.Context, tx store.Tx, contactID, code, channel, messageID string) (bool, error) {
	c, err := tx.Confirmation(ctx, optin.HashCode(code))
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	now := a.now()
	if c.ContactID != contactID || !c.ConfirmedAt.IsZero() || !now.Before(c.ExpiresAt) {
		return false, nil // another number's code, used, or expired: nothing happens
	}
	if err := tx.MarkConfirmed(ctx, c.ID, now); err != nil {
		return false, err
	}
	events, err := tx.Events(ctx, contactID)
	if err != nil {
		return false, err
	}
	ct, err := tx.Contact(ctx, contactID)
	if err != nil {
		return false, err
	}
	o, err := a.open(ct)
	if err != nil {
		return false, err
	}
	var confirmed []string // the events a receipt is made of (L-04)
	for _, key := range c.Purposes {
		p, err := tx.Purpose(ctx, key)
		if err != nil {
			return false, err
		}
		// The request's evidence (notice, wording, form) carries over, with the confirmation added.
		var ev ledger.Evidence
		for i := len(events) - 1; i >= 0; i-- {
			if e := events[i]; e.Kind == ledger.Requested && e.Purpose == key {
				if ev, err = a.openEvidence(o, e); err != nil {
					return false, err
				}
				if ev.Extra == nil {
					ev.Extra = map[string]string{}
				}
				ev.Extra["request_event_id"] = e.ID
				break
			}
		}
		ev.ConfirmationChannel, ev.ConfirmationMessageID = channel, messageID
		ev.Confirmation = ledger.ConfirmationVerified
		var validUntil time.Time
		if p.RefreshDays > 0 {
			validUntil = now.AddDate(0, 0, p.RefreshDays)
		}
		e, _, err := a.appendEvent(ctx, tx, contactID, ledger.Event{Kind: ledger.Confirmed, Purpose: key,
			Channel: string(p.Channel), Method: channel, Source: "double_optin", Actor: Public.String(),
			AgeConfirmed: true, ValidUntil: validUntil}, ev)
		if err != nil {
			return false, err
		}
		confirmed = append(confirmed, e.ID)
	}
	a.note(tx, func(o Observer) { o.OptInConfirmed(channel) })
	return true, a.queueMessage(ctx, tx, contactID, message.Receipt, "", strings.Join(confirmed, ","))
}

// openEvidence decrypts an event's evidence.
func (a *App) openEvidence(o opened, e store.StoredEvent) (ledger.Evidence, error) {
	var ev ledger.Evidence
	if e.SealedEvidence == nil || o.key == nil {
		return ev, nil
	}
	pt, err := o.key.Open(e.SealedEvidence, contact.AAD(e.ContactID, "evidence/"+e.ID))
	if err != nil {
		return ev, err
	}
	return ev, json.Unmarshal(pt, &ev)
}
