// SPDX-License-Identifier: AGPL-3.0-only

package app

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"time"

	"github.com/samtykke/samtykke/internal/contact"
	"github.com/samtykke/samtykke/internal/message"
	"github.com/samtykke/samtykke/internal/optin"
	"github.com/samtykke/samtykke/internal/phone"
	"github.com/samtykke/samtykke/internal/rights"
	"github.com/samtykke/samtykke/internal/store"
)

// ErrCodeWrong: the code does not match a request waiting for one (the same
// answer whether or not a request exists, T-04).
var ErrCodeWrong = fmt.Errorf("%w: the code is not right", ErrRefused)

// Limits of the public rights page: codes per number a day and requests
// per address a day (anyone can type anyone's number).
const (
	rightsPerNumber = 3
	rightsPerIP     = 30
	rightsLinkTTL   = 30 * 24 * time.Hour
)

// PublicRightsInput is a request made on the public /rights page.
type PublicRightsInput struct {
	Type     string
	Phone    string
	Language string
	IP       string // the client's address, for the rate limit
}

const rightsRefPurpose = "rights-ref"

// StartRights takes a request from the public page and sends a one-time
// code to the number (T-04). The answer is the same whatever the number: a
// number no contact holds, an erased one or a suppressed one gets no code
// (invariant 9) and no request is stored, so the code typed next is simply
// wrong. It returns the reference the page carries to the code form.
func (a *App) StartRights(ctx context.Context, in PublicRightsInput) (string, error) {
	t, err := rights.ParseType(in.Type)
	if err != nil {
		return "", rightsErr(err)
	}
	lang, err := contact.CheckLanguage(in.Language)
	if err != nil {
		return "", invalid("%v", err)
	}
	num, err := a.parsePhone(in.Phone)
	if err != nil {
		return "", err
	}
	now := a.now()
	ref := refClaims{ID: newID(), Exp: now.Add(rights.CodeTTL).Unix()}
	err = a.store.Tx(ctx, func(tx store.Tx) error {
		if ok, err := tx.Hit(ctx, "rights:ip:"+in.IP, 24*time.Hour, rightsPerIP, now); err != nil {
			return err
		} else if !ok {
			return fmt.Errorf("%w: too many requests from this address; try again tomorrow", ErrRateLimited)
		}
		if ok, err := tx.Hit(ctx, a.numberLimit(limitRights, num.E164()), 24*time.Hour, rightsPerNumber, now); err != nil || !ok {
			return err // silently: no more codes to this number today
		}
		c, err := a.contactByNumber(ctx, tx, num.E164())
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		if err != nil || c.Erased() {
			return err
		}
		if suppressed, err := a.isSuppressed(ctx, tx, num.E164()); err != nil || suppressed {
			return err // nothing is sent to a suppressed number (invariant 9)
		}
		code := optin.NewCode()
		r := rights.Request{ID: ref.ID, Type: t, ContactID: c.ID, Channel: rights.Web, Language: lang,
			State: rights.Unverified, ReceivedAt: now, DueAt: rights.Due(now), CreatedBy: Public.String()}
		if err := tx.CreateRightsRequest(ctx, r, store.RightsCode{Hash: optin.HashCode(code), Expires: now.Add(rights.CodeTTL)}); err != nil {
			return err
		}
		if err := a.rightsStep(ctx, tx, r.ID, Public, "received", "on the public page; a code was sent to the number"); err != nil {
			return err
		}
		return a.queueMessage(ctx, tx, c.ID, message.RightsCode, "", code)
	})
	if err != nil {
		return "", err
	}
	return a.sealClaims(ref, rightsRefPurpose), nil
}

// PublicRights is what a person sees of their own request.
type PublicRights struct {
	ID         string       `json:"id"`
	Type       rights.Type  `json:"type"`
	State      rights.State `json:"state"`
	Language   string       `json:"language"`
	ReceivedAt time.Time    `json:"received_at"`
	DueAt      time.Time    `json:"due_at"`
	Extended   bool         `json:"extended"`
	Reason     string       `json:"extension_reason,omitempty"`
	Answer     string       `json:"answer,omitempty"`
	// Package reports whether the copy of the data can be opened from the
	// request's link (an access or portability request answered, the
	// person not erased since).
	Package bool `json:"package"`
	// Token is the signed link token of the request's status page.
	Token string `json:"-"`
}

// VerifyRights checks the code typed on the public page against the one
// sent to the number. Right, the request is open: an access, portability
// or objection request is answered at once (the person proved the number
// is theirs), and an erasure request stops all marketing at once while
// staff erase. Wrong, it counts a try; after rights.CodeTries
// the request must be made again.
func (a *App) VerifyRights(ctx context.Context, ref, code string) (PublicRights, error) {
	rc, err := a.openClaims(ref, rightsRefPurpose)
	if err != nil {
		return PublicRights{}, err
	}
	var wrong error
	err = a.store.Tx(ctx, func(tx store.Tx) error {
		stored, err := tx.LockRightsCode(ctx, rc.ID)
		if errors.Is(err, store.ErrNotFound) {
			wrong = ErrCodeWrong
			return nil
		}
		if err != nil {
			return err
		}
		switch {
		case stored.Hash == nil || stored.Tries >= rights.CodeTries:
			wrong = fmt.Errorf("%w: too many wrong codes; make the request again", ErrRefused)
			return nil
		case !a.now().Before(stored.Expires):
			wrong = ErrLinkExpired
			return nil
		case subtle.ConstantTimeCompare(stored.Hash, optin.HashCode(code)) != 1:
			stored.Tries++
			wrong = ErrCodeWrong
			return tx.SetRightsCode(ctx, rc.ID, stored)
		}
		if err := tx.SetRightsCode(ctx, rc.ID, store.RightsCode{}); err != nil {
			return err
		}
		r, err := tx.RightsRequest(ctx, rc.ID)
		if err != nil {
			return err
		}
		if r, err = rights.Verify(r, a.now()); err != nil {
			return rightsErr(err)
		}
		if err := a.rightsStep(ctx, tx, r.ID, Public, "verified", "the code sent to the number was typed back (T-04)"); err != nil {
			return err
		}
		if r, err = a.answerAtOnce(ctx, tx, r); err != nil {
			return err
		}
		return tx.UpdateRightsRequest(ctx, r)
	})
	if err != nil {
		return PublicRights{}, err
	}
	if wrong != nil {
		return PublicRights{}, wrong
	}
	return a.publicRights(ctx, rc.ID, a.sign("r", rc.ID, a.now().Add(rightsLinkTTL)))
}

// answerAtOnce answers, in tx, what needs no one's judgement once identity
// is proven: access, portability and objection; an erasure request stops
// marketing at once and waits for staff (who check Art. 17(3)).
func (a *App) answerAtOnce(ctx context.Context, tx store.Tx, r rights.Request) (rights.Request, error) {
	switch r.Type {
	case rights.Access, rights.Portability, rights.Objection:
		if r.Type.Discloses() {
			c, err := tx.Contact(ctx, r.ContactID)
			if err != nil {
				return r, err
			}
			if c.Restricted {
				// The number may have changed hands (the platform reported a
				// new number): staff check who asks before anything is shown.
				return r, a.rightsStep(ctx, tx, r.ID, System, "held", "the contact is restricted: staff confirm who asks before answering (T-04)")
			}
		}
		note, err := a.carryOut(ctx, tx, System, r)
		if err != nil {
			return r, err
		}
		if r, err = rights.Close(r, rights.Done, note, a.now()); err != nil {
			return r, rightsErr(err)
		}
		return r, a.rightsStep(ctx, tx, r.ID, System, "done", note)
	case rights.Erasure:
		c, err := tx.LockContact(ctx, r.ContactID)
		if err != nil || c.Erased() {
			return r, err
		}
		e := objection("", "rights_request", "rights", System)
		states, err := touched(ctx, tx, c.ID, e)
		if err != nil {
			return r, err
		}
		if _, _, err := a.object(ctx, tx, c, e, states); err != nil {
			return r, err
		}
		return r, a.rightsStep(ctx, tx, r.ID, System, "objected", "marketing stopped at once while the erasure is carried out")
	}
	return r, nil
}

// RightsStatus is the person's view of their request, from its signed link.
func (a *App) RightsStatus(ctx context.Context, token string) (PublicRights, error) {
	id, err := a.verify("r", token, a.now())
	if err != nil {
		return PublicRights{}, err
	}
	return a.publicRights(ctx, id, token)
}

func (a *App) publicRights(ctx context.Context, id, token string) (PublicRights, error) {
	r, err := a.store.RightsRequest(ctx, id)
	if err != nil {
		return PublicRights{}, err
	}
	p := PublicRights{ID: r.ID, Type: r.Type, State: r.State, Language: r.Language, ReceivedAt: r.ReceivedAt,
		DueAt: r.DueAt, Extended: r.Extended(), Reason: r.ExtensionReason, Answer: r.Answer, Token: token}
	if r.State == rights.Done && r.Type.Discloses() && r.ContactID != "" {
		c, err := a.store.Contact(ctx, r.ContactID)
		if err != nil {
			return p, err
		}
		p.Package = !c.Erased()
	}
	return p, nil
}

// RightsLink is the link to a request's status page.
func (a *App) RightsLink(id string) string {
	return a.cfg.PublicURL + "/rights/" + a.sign("r", id, a.now().Add(rightsLinkTTL))
}

// rightsByMessage takes a request written on WhatsApp ("INNSYN", "SLETT
// MEG" ...): the message came from the number itself, which proves it is
// the person's (T-04), so the request is open at once and answered at once
// where answerAtOnce can. A number no contact holds (or an erased one) gets
// a new contact, to answer it. The reply carries the request's status link.
func (a *App) rightsByMessage(ctx context.Context, tx store.Tx, c contact.Contact, known bool, num phone.Number, t rights.Type) error {
	if num == "" {
		return nil // known by BSUID alone: nothing to answer to
	}
	if !known {
		id, _, err := a.ensureContact(ctx, tx, num, "nb", fields{})
		if err != nil {
			return err
		}
		if c, err = tx.Contact(ctx, id); err != nil {
			return err
		}
	}
	now := a.now()
	r := rights.Request{ID: newID(), Type: t, ContactID: c.ID, Channel: rights.WhatsApp, Language: c.Language,
		State: rights.Open, ReceivedAt: now, DueAt: rights.Due(now), VerifiedAt: now, CreatedBy: Public.String()}
	if err := tx.CreateRightsRequest(ctx, r, store.RightsCode{}); err != nil {
		return err
	}
	if err := a.rightsStep(ctx, tx, r.ID, Public, "received", "on WhatsApp, from the number itself (T-04)"); err != nil {
		return err
	}
	r, err := a.answerAtOnce(ctx, tx, r)
	if err != nil {
		return err
	}
	if err := tx.UpdateRightsRequest(ctx, r); err != nil {
		return err
	}
	return a.queueMessage(ctx, tx, c.ID, message.RightsReply, "", r.ID)
}
