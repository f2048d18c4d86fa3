// SPDX-License-Identifier: AGPL-3.0-only

package app

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/samtykke/samtykke/internal/access"
	"github.com/samtykke/samtykke/internal/consent"
	"github.com/samtykke/samtykke/internal/contact"
	"github.com/samtykke/samtykke/internal/message"
	"github.com/samtykke/samtykke/internal/staff"
	"github.com/samtykke/samtykke/internal/store"
	"github.com/samtykke/samtykke/internal/whatsapp"
)

// PreferenceItem is one purpose in the preference centre.
type PreferenceItem struct {
	Purpose     string
	Description string
	Status      consent.Status
	Since       time.Time
}

// PreferencesView is what the preference centre shows a person.
type PreferencesView struct {
	ContactID string
	Language  string
	Phone     string // masked
	Items     []PreferenceItem
}

// person is the actor of someone using their own signed link: they may
// withdraw their own consent, nothing else.
var person = Actor{Name: "data-subject:link", Role: staff.Integrator}

// Preferences opens the preference centre of a signed link: every consent of
// the person, each one click from withdrawn (C-05, M-06). The view is
// refused with ErrLinkExpired once the link is older than PreferencesTTL: a
// link lives on in chat histories and forwarded messages, and what a person
// consented to should not be readable from it for ever. Withdrawing through
// it stays possible (WithdrawByLink).
func (a *App) Preferences(ctx context.Context, token string) (PreferencesView, error) {
	id, err := a.verify("p", token, a.now())
	if err != nil {
		return PreferencesView{}, err
	}
	var v PreferencesView
	err = a.store.Tx(ctx, func(tx store.Tx) error {
		o, err := a.openContact(ctx, tx, id)
		if err != nil {
			return err
		}
		v = PreferencesView{ContactID: id, Language: o.Language, Phone: o.number.Masked()}
		states, err := tx.ConsentStates(ctx, id)
		if err != nil {
			return err
		}
		for _, s := range states {
			p, err := tx.Purpose(ctx, s.Purpose)
			if err != nil {
				return err
			}
			v.Items = append(v.Items, PreferenceItem{Purpose: p.Key, Description: p.Description.In(o.Language),
				Status: s.Status, Since: s.Since})
		}
		return a.recordAccess(ctx, tx, person, access.Consents, id, "preference centre")
	})
	return v, err
}

// WithdrawByLink withdraws one purpose, or "all", from a preference-centre
// link, however old: a person must always be able to opt out (M-06). Only an
// altered link, or one whose person was erased, is refused. Whoever holds the
// link can do no more than stop the messages.
func (a *App) WithdrawByLink(ctx context.Context, token, purpose string) (Withdrawn, error) {
	ctx = store.Urgent(ctx)
	id, _, err := a.authentic("p", token)
	if err != nil {
		return Withdrawn{}, err
	}
	return a.Withdraw(ctx, person, WithdrawInput{Subject: Subject{ContactID: id}, Purpose: purpose, Method: "preference_centre"})
}

// OptOutRequest is a number typed on the web opt-out page (M-06).
type OptOutRequest struct {
	Phone string
	IP    string // the client's address, for the rate limit
}

// Limits of the web opt-out: a message per number a day, as for the opt-in
// confirmations, and requests per address a day (anyone can type anyone's
// number).
const (
	optOutPerNumber = 1
	optOutPerIP     = 30
)

// RequestOptOut answers a number typed on the web opt-out page: when the
// number has a consent that lets a message go to it now (and so is not
// suppressed), it gets a WhatsApp service message with a fresh preference
// link, from which one click withdraws (M-06). An unknown, suppressed or
// erased number gets nothing, and the answer is the same whatever the number
// (no enumeration). A malformed number is ErrInvalid; more than optOutPerIP
// requests from one address a day are ErrRateLimited; a second request for
// one number the same day sends nothing more, silently.
func (a *App) RequestOptOut(ctx context.Context, in OptOutRequest) error {
	num, err := a.parsePhone(in.Phone)
	if err != nil {
		return err
	}
	now := a.now()
	e164 := num.E164()
	return a.store.Tx(ctx, func(tx store.Tx) error {
		if ok, err := tx.Hit(ctx, "optout:ip:"+in.IP, 24*time.Hour, optOutPerIP, now); err != nil {
			return err
		} else if !ok {
			return fmt.Errorf("%w: too many opt-out requests from this address; try again tomorrow", ErrRateLimited)
		}
		if ok, err := tx.Hit(ctx, a.numberLimit(limitOptOut, e164), 24*time.Hour, optOutPerNumber, now); err != nil || !ok {
			return err
		}
		c, err := a.contactByNumber(ctx, tx, e164)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		if c.Erased() {
			return nil
		}
		reachable, err := a.anyConsentAllows(ctx, tx, c, e164, now)
		if err != nil || !reachable {
			return err
		}
		return a.queueMessage(ctx, tx, c.ID, message.PreferencesLink, "", "")
	})
}

// anyConsentAllows reports whether the gate would let a message of one of
// the contact's purposes go to it now: an active consent, the number not
// suppressed since, the contact not restricted.
func (a *App) anyConsentAllows(ctx context.Context, tx store.Tx, c contact.Contact, e164 string, now time.Time) (bool, error) {
	suppressed, err := tx.SuppressedAt(ctx, a.vault.SuppressionToken(e164))
	if err != nil {
		return false, err
	}
	sub := subject(c, suppressed)
	states, err := tx.ConsentStates(ctx, c.ID)
	if err != nil {
		return false, err
	}
	for _, s := range states {
		p, err := tx.Purpose(ctx, s.Purpose)
		if err != nil {
			return false, err
		}
		if consent.Decide(p, sub, s, now).Allowed {
			return true, nil
		}
	}
	return false, nil
}

// PreferencesLinkTemplate is the utility template that brings a person who
// asked on the web opt-out page a fresh preference link: body {{1}} is the
// link (catalog text msg.preferences_link).
const PreferencesLinkTemplate = "samtykke_preferences_link"

func preferencesLinkTemplate(lang, link string) whatsapp.Template {
	return whatsapp.Template{Name: PreferencesLinkTemplate, Language: whatsapp.Language{Code: lang},
		Components: []whatsapp.Component{{Type: "body", Parameters: []whatsapp.Parameter{{Type: "text", Text: link}}}}}
}
