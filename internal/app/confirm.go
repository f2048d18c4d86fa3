// SPDX-License-Identifier: AGPL-3.0-only

package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"

	"github.com/samtykke/samtykke/internal/i18n"
	"github.com/samtykke/samtykke/internal/message"
	"github.com/samtykke/samtykke/internal/optin"
	"github.com/samtykke/samtykke/internal/store"
)

// The ways to confirm besides writing from one's own WhatsApp.
const (
	ConfirmByTemplate = "whatsapp_template" // a utility template "reply JA <code>"
	ConfirmBySMS      = "sms"               // a link by SMS
	ConfirmByEmail    = "email"             // a link by e-mail
)

// refClaims is what a pending request's reference carries: sealed, since it
// holds the code.
type refClaims struct {
	ID   string `json:"i"`
	Code string `json:"c"`
	Exp  int64  `json:"e"`
}

const refPurpose = "optin-ref"

func (a *App) sealClaims(v refClaims, purpose string) string {
	b, _ := json.Marshal(v)
	return b64.EncodeToString(a.vault.Seal(b, purpose))
}

func (a *App) openClaims(token, purpose string) (refClaims, error) {
	var c refClaims
	raw, err := b64.DecodeString(token)
	if err != nil {
		return c, ErrLinkInvalid
	}
	b, err := a.vault.Open(raw, purpose)
	if err != nil || json.Unmarshal(b, &c) != nil {
		return c, ErrLinkInvalid
	}
	if !a.now().Before(time.Unix(c.Exp, 0)) {
		return c, ErrLinkExpired
	}
	return c, nil
}

// SendConfirmation sends the confirmation of a pending request another way,
// for a person without the app at hand: a WhatsApp utility template, an SMS
// link or an e-mail link. Each is limited to one per number a day, since
// anyone can type anyone's number (M-04). email is used once and not kept.
func (a *App) SendConfirmation(ctx context.Context, ref, channel, email string) error {
	rc, err := a.openClaims(ref, refPurpose)
	if err != nil {
		return err
	}
	c, err := a.store.Confirmation(ctx, optin.HashCode(rc.Code))
	if err != nil || c.ID != rc.ID || !c.ConfirmedAt.IsZero() {
		return ErrLinkInvalid
	}
	switch channel {
	case ConfirmByTemplate:
	case ConfirmBySMS:
		if a.cfg.SMS == nil {
			return refused("confirmation by SMS is not set up")
		}
	case ConfirmByEmail:
		if a.cfg.Email == nil {
			return refused("confirmation by e-mail is not set up")
		}
		if _, err := mail.ParseAddress(email); err != nil || strings.ContainsAny(email, "<>\r\n ") {
			return invalid("not an e-mail address")
		}
	default:
		return invalid("channel must be %s, %s or %s", ConfirmByTemplate, ConfirmBySMS, ConfirmByEmail)
	}
	var e164 string
	var suppressed bool
	err = a.store.Tx(ctx, func(tx store.Tx) error {
		ct, err := tx.Contact(ctx, c.ContactID)
		if err != nil {
			return err
		}
		o, err := a.open(ct)
		if err != nil {
			return err
		}
		e164 = o.number.E164()
		ok, err := tx.Hit(ctx, a.numberLimit(limitConfirm+channel+":", e164), 24*time.Hour, 1, a.now())
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("%w: a confirmation was already sent to this number today", ErrRateLimited)
		}
		if suppressed, err = a.isSuppressed(ctx, tx, e164); err != nil || suppressed {
			return err // the same answer as any number's, and nothing sent (invariant 9)
		}
		if channel == ConfirmByTemplate {
			return a.queueMessage(ctx, tx, c.ContactID, message.ConfirmationRequest, "", rc.Code)
		}
		return nil
	})
	if err != nil || suppressed || channel == ConfirmByTemplate {
		return err
	}
	link := a.cfg.PublicURL + "/confirm/" + a.sealClaims(refClaims{ID: c.ID, Code: rc.Code, Exp: c.ExpiresAt.Unix()}, "confirm-link")
	text := i18n.T(c.Language, "msg.sms_confirmation", "business", a.controller().Name, "link", link)
	if channel == ConfirmBySMS {
		return a.cfg.SMS.SendSMS(ctx, e164, text)
	}
	return a.cfg.Email.SendEmail(ctx, email, a.controller().Name, text)
}

// ConfirmLink confirms a pending request from the link sent by SMS or
// e-mail: the link reached the person, which proves the request was theirs.
func (a *App) ConfirmLink(ctx context.Context, token string) error {
	rc, err := a.openClaims(token, "confirm-link")
	if err != nil {
		return err
	}
	c, err := a.store.Confirmation(ctx, optin.HashCode(rc.Code))
	if errors.Is(err, store.ErrNotFound) || (err == nil && c.ID != rc.ID) {
		return ErrLinkInvalid
	}
	if err != nil {
		return err
	}
	if !c.ConfirmedAt.IsZero() {
		return nil // already confirmed: the same answer again
	}
	return a.store.Tx(ctx, func(tx store.Tx) error {
		// A number on the suppression list opens again only by the person
		// writing from it (invariant 9); a link confirms nothing for it.
		ct, err := tx.Contact(ctx, c.ContactID)
		if err != nil {
			return err
		}
		o, err := a.open(ct)
		if err != nil {
			return err
		}
		if suppressed, err := a.isSuppressed(ctx, tx, o.number.E164()); err != nil {
			return err
		} else if suppressed {
			return ErrLinkInvalid
		}
		ok, err := a.confirmOptIn(ctx, tx, c.ContactID, rc.Code, "link", c.ID)
		if err == nil && !ok {
			err = ErrLinkExpired
		}
		return err
	})
}

// isSuppressed reports whether a number is on the suppression list.
func (a *App) isSuppressed(ctx context.Context, r store.Reader, e164 string) (bool, error) {
	at, err := r.SuppressedAt(ctx, a.vault.SuppressionToken(e164))
	return !at.IsZero(), err
}
