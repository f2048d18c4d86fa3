// SPDX-License-Identifier: AGPL-3.0-only

package app

import (
	"context"
	"time"

	"github.com/samtykke/samtykke/internal/access"
	"github.com/samtykke/samtykke/internal/contact"
	"github.com/samtykke/samtykke/internal/phone"
	"github.com/samtykke/samtykke/internal/staff"
	"github.com/samtykke/samtykke/internal/store"
)

// RestrictionView is one setting or lifting of a contact's restriction.
type RestrictionView struct {
	ID         string    `json:"id"`
	ContactID  string    `json:"contact_id"`
	Action     string    `json:"action"`     // "set" or "lift"
	Restricted bool      `json:"restricted"` // the state it left
	Reason     string    `json:"reason"`
	Actor      string    `json:"actor"`
	At         time.Time `json:"at"`
}

func restrictionView(r contact.Restriction) RestrictionView {
	action := "lift"
	if r.On {
		action = "set"
	}
	return RestrictionView{ID: r.ID, ContactID: r.ContactID, Action: action, Restricted: r.On, Reason: r.Reason,
		Actor: r.Actor, At: r.At}
}

// Platform is the WhatsApp platform acting through its webhooks: a system
// message that a person changed number.
var Platform = Actor{Name: "platform:whatsapp", Role: staff.Admin}

// Restrict sets (on) or lifts a contact's restriction of processing (R-06,
// Art. 18), for a reason. While it is set the data is kept and used for
// nothing else: the gate refuses every purpose and no message goes to the
// contact but an opt-out confirmation. Each call is recorded in the
// restriction's history and in the access log; setting it again adds a
// reason it rests on.
func (a *App) Restrict(ctx context.Context, actor Actor, id string, on bool, reason string) (RestrictionView, error) {
	if err := actor.can(staff.RestrictContacts); err != nil {
		return RestrictionView{}, err
	}
	if err := access.CheckReason(reason, phone.Mentions); err != nil {
		return RestrictionView{}, invalid("%v", err)
	}
	ctx = store.Urgent(ctx) // ahead of campaign batches waiting for the writer
	var out RestrictionView
	err := a.store.Tx(ctx, func(tx store.Tx) error {
		c, err := tx.LockContact(ctx, id)
		if err != nil {
			return err
		}
		if c.Erased() {
			return refused("the contact was erased")
		}
		r, err := a.restrict(ctx, tx, c.ID, on, reason, actor)
		if err != nil {
			return err
		}
		out = restrictionView(r)
		return a.recordAccess(ctx, tx, actor, access.Restrict, id, reason)
	})
	return out, err
}

// restrict records one change of a contact's restriction in tx.
func (a *App) restrict(ctx context.Context, tx store.Tx, contactID string, on bool, reason string, actor Actor) (contact.Restriction, error) {
	r := contact.Restriction{ID: newID(), ContactID: contactID, On: on, Reason: reason, Actor: actor.String(), At: a.now()}
	return r, tx.Restrict(ctx, r)
}

// Restrictions is the history of a contact's restriction, oldest first.
func (a *App) Restrictions(ctx context.Context, actor Actor, id string) ([]RestrictionView, error) {
	if err := actor.can(staff.ReadContacts); err != nil {
		return nil, err
	}
	if _, err := a.store.Contact(ctx, id); err != nil {
		return nil, err
	}
	rs, err := a.store.Restrictions(ctx, id)
	if err != nil {
		return nil, err
	}
	out := make([]RestrictionView, len(rs))
	for i, r := range rs {
		out[i] = restrictionView(r)
	}
	return out, nil
}
