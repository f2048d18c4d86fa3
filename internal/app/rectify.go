// SPDX-License-Identifier: AGPL-3.0-only

package app

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/samtykke/samtykke/internal/access"
	"github.com/samtykke/samtykke/internal/contact"
	"github.com/samtykke/samtykke/internal/ledger"
	"github.com/samtykke/samtykke/internal/phone"
	"github.com/samtykke/samtykke/internal/staff"
	"github.com/samtykke/samtykke/internal/store"
)

// Correction is the input of Rectify: a field left nil stays as it is; an
// empty first name removes it. Reason says why, for the access log and the
// ledger's evidence.
type Correction struct {
	Language  *string
	FirstName *string
	Reason    string
}

// Rectification is the outcome of Rectify: the fields whose value changed
// and the ledger event that records it (none when nothing changed).
type Rectification struct {
	ContactID string   `json:"contact_id"`
	Changed   []string `json:"changed"`
	EventID   string   `json:"event_id,omitempty"`
}

// Rectify corrects a contact's language and first name (R-03, Art. 16). A
// change appends a rectified event to the contact's ledger whose evidence
// names the fields that changed and the reason, never the values; the access
// is recorded either way. Bad input changes nothing.
func (a *App) Rectify(ctx context.Context, actor Actor, id string, in Correction) (Rectification, error) {
	if err := actor.can(staff.WriteContacts); err != nil {
		return Rectification{}, err
	}
	if err := access.CheckReason(in.Reason, phone.Mentions); err != nil {
		return Rectification{}, invalid("%v", err)
	}
	if in.FirstName != nil {
		// Only a first name some purpose declares is kept (P-03).
		if err := a.checkFields(ctx, fields{FirstName: strings.TrimSpace(*in.FirstName)}); err != nil {
			return Rectification{}, err
		}
	}
	out := Rectification{ContactID: id, Changed: []string{}}
	err := a.store.Tx(ctx, func(tx store.Tx) error {
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
		f, err := a.openFields(o)
		if err != nil {
			return err
		}
		d, changed, err := contact.Correction{Language: in.Language, FirstName: in.FirstName}.Apply(
			contact.Data{Language: c.Language, FirstName: f.FirstName})
		if err != nil {
			return invalid("%v", err)
		}
		if len(changed) > 0 {
			f.FirstName = d.FirstName
			var sealed []byte
			if f != (fields{}) {
				b, err := json.Marshal(f)
				if err != nil {
					return err
				}
				sealed = o.key.Seal(b, contact.AAD(id, "fields"))
			}
			if err := tx.RectifyContact(ctx, id, d.Language, sealed); err != nil {
				return err
			}
			e, err := a.rectified(ctx, tx, c, "api", "api", actor, ledger.Evidence{Reason: in.Reason,
				Extra: map[string]string{"fields": strings.Join(changed, ",")}})
			if err != nil {
				return err
			}
			out.Changed, out.EventID = changed, e.ID
		}
		return a.recordAccess(ctx, tx, actor, access.Rectify, id, in.Reason)
	})
	return out, err
}

// openFields opens a contact's declared fields; none when it has none.
func (a *App) openFields(o opened) (fields, error) {
	var f fields
	if o.FieldsCT == nil {
		return f, nil
	}
	b, err := o.key.Open(o.FieldsCT, contact.AAD(o.ID, "fields"))
	if err != nil {
		return f, err
	}
	return f, json.Unmarshal(b, &f)
}

// rectified appends a rectified event to a contact this transaction has
// locked. It is contact-wide and leaves every consent as it is
// (consent.Apply); the evidence names what changed, never the values.
func (a *App) rectified(ctx context.Context, tx store.Tx, c contact.Contact, method, source string, actor Actor, ev ledger.Evidence) (ledger.Event, error) {
	e := ledger.Event{Kind: ledger.Rectified, Method: method, Source: source, Actor: actor.String()}
	states, err := touched(ctx, tx, c.ID, e)
	if err != nil {
		return e, err
	}
	e, _, err = a.appendTo(ctx, tx, c, e, ev, states)
	return e, err
}
