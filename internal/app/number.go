// SPDX-License-Identifier: AGPL-3.0-only

package app

import (
	"context"
	"crypto/hmac"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/samtykke/samtykke/internal/access"
	"github.com/samtykke/samtykke/internal/contact"
	"github.com/samtykke/samtykke/internal/ledger"
	"github.com/samtykke/samtykke/internal/message"
	"github.com/samtykke/samtykke/internal/phone"
	"github.com/samtykke/samtykke/internal/staff"
	"github.com/samtykke/samtykke/internal/store"
	"github.com/samtykke/samtykke/internal/whatsapp"
)

// NumberChangeStarted is the answer to ChangeNumber. It is the same whether
// the code went to the new number or the number was refused (on the
// suppression list, or another contact's): the answer tells nothing about
// the number.
type NumberChangeStarted struct {
	ContactID string    `json:"contact_id"`
	ExpiresAt time.Time `json:"expires_at"`
}

// NumberConfirmed is the answer to ConfirmNumber: the contact's number, masked,
// is the new one now, and the rectified event records it.
type NumberConfirmed struct {
	ContactID string `json:"contact_id"`
	EventID   string `json:"event_id"`
	Phone     string `json:"phone"` // masked
}

// How many number changes a contact, and a new number, may start a day:
// each sends a message to a number the person says is theirs.
const (
	numberChangesPerContact = 3
	numberChangesPerNumber  = 3
)

// ChangeNumber starts replacing a contact's number: a one-time code
// goes to the new number (the utility template NumberTemplate), and the
// number changes only when the code comes back, to ConfirmNumber or written
// from the new number on WhatsApp. Until then the contact keeps its number
// and its consents: consents never move to a number that did not confirm. A
// number on the suppression list, or one another contact holds, gets no
// code and can never be confirmed, with the same answer. A new change
// replaces one that waited.
func (a *App) ChangeNumber(ctx context.Context, actor Actor, id, newPhone, reason string) (NumberChangeStarted, error) {
	if err := actor.can(staff.WriteContacts); err != nil {
		return NumberChangeStarted{}, err
	}
	if err := access.CheckReason(reason, phone.Mentions); err != nil {
		return NumberChangeStarted{}, invalid("%v", err)
	}
	num, err := a.parsePhone(newPhone)
	if err != nil {
		return NumberChangeStarted{}, err
	}
	out := NumberChangeStarted{ContactID: id}
	err = a.store.Tx(ctx, func(tx store.Tx) error {
		c, err := tx.LockContact(ctx, id)
		if err != nil {
			return err
		}
		if c.Erased() {
			return refused("the contact was erased")
		}
		o, err := a.open(c)
		if err != nil {
			return err
		}
		if o.number.E164() == num.E164() {
			return invalid("that is the contact's number already")
		}
		now := a.now()
		for _, lim := range []struct {
			key   string
			limit int
		}{{"number-change:contact:" + id, numberChangesPerContact},
			{a.numberLimit(limitNumberChange, num.E164()), numberChangesPerNumber}} {
			ok, err := tx.Hit(ctx, lim.key, 24*time.Hour, lim.limit, now)
			if err != nil {
				return err
			}
			if !ok {
				return fmt.Errorf("%w: too many number changes today; try again tomorrow", ErrRateLimited)
			}
		}
		if out.ExpiresAt, err = a.startNumberChange(ctx, tx, o, num, contact.NumberByStaff); err != nil {
			return err
		}
		return a.recordAccess(ctx, tx, actor, access.Rectify, id, reason)
	})
	return out, err
}

// startNumberChange stores a new number for a contact this transaction has
// locked, in place of any that waited, and queues its code to it; a number
// that is suppressed or another contact's gets nothing (and the change that
// waited goes all the same). It returns when the code expires.
func (a *App) startNumberChange(ctx context.Context, tx store.Tx, o opened, num phone.Number, source string) (time.Time, error) {
	now := a.now()
	expires := now.Add(contact.CodeTTL)
	if err := tx.DeleteNumberChange(ctx, o.ID); err != nil {
		return expires, err
	}
	index := a.vault.BlindIndex(num.E164())
	if _, err := a.contactByNumber(ctx, tx, num.E164()); err == nil {
		return expires, nil // another contact's: nothing is sent, nothing told
	} else if !errors.Is(err, store.ErrNotFound) {
		return expires, err
	}
	if suppressed, err := a.isSuppressed(ctx, tx, num.E164()); err != nil || suppressed {
		return expires, err // it opens again only by the person writing from it (invariant 9)
	}
	nc := contact.NumberChange{ID: newID(), ContactID: o.ID, PhoneCT: o.key.Seal([]byte(num.E164()), contact.NumberAAD(o.ID)),
		BlindIndex: index, Source: source, CreatedAt: now, ExpiresAt: expires}
	nc.CodeHash = a.numberCodeHash(nc.ID, a.numberCode(nc.ID))
	if err := tx.PutNumberChange(ctx, nc); err != nil {
		return expires, err
	}
	return expires, a.queueMessage(ctx, tx, o.ID, message.NumberCode, "", nc.ID)
}

// numberCode is the one-time code of a number change: made again from the
// master key whenever it is needed, never stored.
func (a *App) numberCode(changeID string) string {
	return contact.NumberCode(a.vault.LinkMAC, changeID)
}

// numberCodeHash is what a number change keeps of its code: a keyed hash,
// bound to the change.
func (a *App) numberCodeHash(changeID, code string) []byte {
	return a.vault.LinkMAC("samtykke-number-code-hash:" + changeID + ":" + strings.ToUpper(code))
}

// errCodeMismatch is ConfirmNumber's answer for a code that does not match
// the contact's number change, one that expired or was ended by wrong codes,
// and no change at all: one answer for all.
var errCodeMismatch = fmt.Errorf("%w: the code does not match a number change waiting for this contact; it may have expired", ErrRefused)

// errNumberTaken: between the code and its confirmation another contact
// came to hold the new number; the change is dropped.
var errNumberTaken = fmt.Errorf("%w: the new number cannot be given to this contact", ErrRefused)

// ConfirmNumber confirms a contact's new number with the code sent to it,
// as the person read it out to staff. The number and its blind index
// are replaced, the change is recorded in the ledger (rectified), and a
// restriction samtykke set when the platform reported the change is lifted.
// A wrong code counts; contact.MaxCodeTries of them end the change.
func (a *App) ConfirmNumber(ctx context.Context, actor Actor, id, code string) (NumberConfirmed, error) {
	if err := actor.can(staff.WriteContacts); err != nil {
		return NumberConfirmed{}, err
	}
	code, ok := contact.CodeIn(code)
	if !ok {
		return NumberConfirmed{}, invalid("code must be the six letters and digits sent to the new number")
	}
	var out NumberConfirmed
	var failed error // committed, then returned: a wrong code's count must stay
	err := a.store.Tx(ctx, func(tx store.Tx) error {
		failed = nil
		c, err := tx.LockContact(ctx, id)
		if err != nil {
			return err
		}
		if c.Erased() {
			return refused("the contact was erased")
		}
		nc, err := tx.NumberChange(ctx, id)
		switch {
		case errors.Is(err, store.ErrNotFound):
			failed, err = errCodeMismatch, nil
		case err != nil:
			return err
		case !nc.Usable(a.now()):
			failed = errCodeMismatch
			err = tx.DeleteNumberChange(ctx, id)
		case !hmac.Equal(a.numberCodeHash(nc.ID, code), nc.CodeHash):
			failed = errCodeMismatch
			err = a.wrongCode(ctx, tx, nc)
		default:
			var o opened
			if o, err = a.open(c); err != nil {
				return err
			}
			var e ledger.Event
			e, out.Phone, err = a.applyNumberChange(ctx, tx, o, nc, "api", "staff", actor, "")
			if errors.Is(err, errNumberTaken) {
				failed, err = err, nil
			}
			out.ContactID, out.EventID = id, e.ID
		}
		if err != nil {
			return err
		}
		return a.recordAccess(ctx, tx, actor, access.Rectify, id, "confirm a new number with its code")
	})
	if err == nil && failed != nil {
		return NumberConfirmed{}, failed
	}
	return out, err
}

// wrongCode counts a wrong code against a number change and ends it at the
// last try.
func (a *App) wrongCode(ctx context.Context, tx store.Tx, nc contact.NumberChange) error {
	tries, err := tx.NumberChangeTried(ctx, nc.ContactID)
	if err != nil || tries < contact.MaxCodeTries {
		return err
	}
	return tx.DeleteNumberChange(ctx, nc.ContactID)
}

// applyNumberChange gives a contact this transaction has locked the new
// number of its confirmed change: sealed, with its blind index; the change
// goes, a rectified event records it (what changed, how it was confirmed,
// never the number) and samtykke's own restriction for the change is
// lifted. It returns the event and the new number masked; errNumberTaken,
// with the change dropped, when another contact holds the number by now.
func (a *App) applyNumberChange(ctx context.Context, tx store.Tx, o opened, nc contact.NumberChange, method, channel string, actor Actor, messageID string) (ledger.Event, string, error) {
	pt, err := o.key.Open(nc.PhoneCT, contact.NumberAAD(o.ID))
	if err != nil {
		return ledger.Event{}, "", err
	}
	if err := tx.DeleteNumberChange(ctx, o.ID); err != nil {
		return ledger.Event{}, "", err
	}
	num := phone.Number(pt)
	index := a.vault.BlindIndex(num.E164())
	if _, err := a.contactByNumber(ctx, tx, num.E164()); err == nil {
		return ledger.Event{}, "", errNumberTaken
	} else if !errors.Is(err, store.ErrNotFound) {
		return ledger.Event{}, "", err
	}
	if err := tx.ChangeContactNumber(ctx, o.ID, o.key.Seal(pt, contact.AAD(o.ID, "phone")), index, regionOf(num),
		num.CountryCode() == 47); err != nil {
		return ledger.Event{}, "", err
	}
	e, err := a.rectified(ctx, tx, o.Contact, method, "number_change", actor, ledger.Evidence{
		Reason:              "new number confirmed with the code sent to it",
		ConfirmationChannel: channel, ConfirmationMessageID: messageID, Confirmation: ledger.ConfirmationVerified,
		Extra: map[string]string{"fields": "phone", "number_change_id": nc.ID, "requested_by": nc.Source}})
	if err != nil {
		return e, "", err
	}
	history, err := tx.Restrictions(ctx, o.ID)
	if err != nil {
		return e, "", err
	}
	if contact.LiftsAfterNumberChange(history) {
		if _, err := a.restrict(ctx, tx, o.ID, false, contact.ReasonNumberConfirmed, Platform); err != nil {
			return e, "", err
		}
	}
	return e, num.Masked(), nil
}

// confirmNumberByMessage confirms the number change that waits for the
// number a person wrote from, when what they wrote is its code: the
// code reached that number, and the answer came from it. It reports whether
// a change was confirmed (or found taken); a wrong code is counted against
// each change waiting for the number.
func (a *App) confirmNumberByMessage(ctx context.Context, tx store.Tx, from, code, messageID string) (bool, error) {
	num, err := a.waNumber(from)
	if err != nil {
		return false, nil
	}
	changes, err := a.numberChangesTo(ctx, tx, num.E164())
	if err != nil || len(changes) == 0 {
		return false, err
	}
	now := a.now()
	for _, nc := range changes {
		if !nc.Usable(now) || !hmac.Equal(a.numberCodeHash(nc.ID, code), nc.CodeHash) {
			continue
		}
		c, err := tx.LockContact(ctx, nc.ContactID)
		if err != nil {
			return false, err
		}
		o, err := a.open(c)
		if err != nil {
			return false, err
		}
		if _, _, err := a.applyNumberChange(ctx, tx, o, nc, "whatsapp", "whatsapp", Public, messageID); errors.Is(err, errNumberTaken) {
			return true, nil // dropped: nothing moves
		} else if err != nil {
			return false, err
		}
		a.log.Info("number change confirmed from the new number", "contact_id", c.ID)
		return true, a.recordAccess(ctx, tx, Public, access.Rectify, c.ID, "new number confirmed from that number")
	}
	for _, nc := range changes {
		if nc.Usable(now) {
			if err := a.wrongCode(ctx, tx, nc); err != nil {
				return false, err
			}
		}
	}
	return false, nil
}

// handleNumberChanged handles the platform's system message that a person
// changed number (reference §4.5): From is the old number, System.WaID the
// new. It is never a silent re-subscription. The old number may go to
// someone else, so the contact that holds it is restricted at once (R-06:
// the gate refuses it every purpose, and no message goes to it); its
// consents stay with it. The new number is offered a code to confirm, as a
// number change staff start; only its confirmation moves the contact, and
// its consents, to the new number. A new number samtykke does not take,
// holds already or has suppressed is offered nothing.
func (a *App) handleNumberChanged(ctx context.Context, tx store.Tx, m whatsapp.InboundMessage) error {
	old, err := a.waNumber(m.From)
	if err != nil {
		return nil
	}
	c, err := a.lockContactByNumber(ctx, tx, old.E164())
	if errors.Is(err, store.ErrNotFound) {
		return nil // not a contact: nothing to stop, nothing to move
	}
	if err != nil {
		return err
	}
	if _, err := a.restrict(ctx, tx, c.ID, true, contact.ReasonNumberChanged, Platform); err != nil {
		return err
	}
	if err := a.recordAccess(ctx, tx, Platform, access.Restrict, c.ID, contact.ReasonNumberChanged); err != nil {
		return err
	}
	a.log.Info("the platform reported a number change; contact restricted until the new number confirms", "contact_id", c.ID)
	num, err := a.waNumber(m.System.WaID)
	if err != nil || num.E164() == old.E164() {
		return nil
	}
	o, err := a.open(c)
	if err != nil {
		return err
	}
	_, err = a.startNumberChange(ctx, tx, o, num, contact.NumberByPlatform)
	return err
}

// expireNumberChanges deletes the number changes nobody confirmed in time:
// each holds a sealed number.
func (a *App) expireNumberChanges(ctx context.Context, now time.Time) (int64, error) {
	var total int64
	for {
		var n int64
		err := a.store.Tx(ctx, func(tx store.Tx) error {
			var err error
			n, err = tx.DeleteExpiredNumberChanges(ctx, now, 500)
			return err
		})
		total += n
		if err != nil || n < 500 {
			return total, err
		}
	}
}

// NumberTemplate is the utility template that carries a number change's
// code to the new number: body {{1}} is the code; its quick reply carries
// "NUMBER:<code>", which confirms.
const NumberTemplate = "samtykke_number_confirmation"

func numberTemplate(lang, code string) whatsapp.Template {
	zero := whatsapp.ButtonIndex(0)
	return whatsapp.Template{Name: NumberTemplate, Language: whatsapp.Language{Code: lang},
		Components: []whatsapp.Component{
			{Type: "body", Parameters: []whatsapp.Parameter{{Type: "text", Text: code}}},
			{Type: "button", SubType: "quick_reply", Index: &zero, Parameters: []whatsapp.Parameter{{Type: "payload", Payload: contact.CodePayload + code}}},
		}}
}

// numberCodeTo is the number a NumberCode message goes to: the new number
// of the change it names, opened. why, when set, says why it goes nowhere:
// the change was replaced, confirmed or expired meanwhile.
func (a *App) numberCodeTo(ctx context.Context, tx store.Tx, o opened, m message.Message) (to, why string, err error) {
	_, changeID, _ := strings.Cut(m.BodyKey, "|")
	nc, err := tx.NumberChange(ctx, o.ID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && nc.ID != changeID) {
		return "", "number change no longer waiting", nil
	}
	if err != nil {
		return "", "", err
	}
	if !nc.Usable(a.now()) {
		return "", "number change expired", nil
	}
	pt, err := o.key.Open(nc.PhoneCT, contact.NumberAAD(o.ID))
	return string(pt), "", err
}
