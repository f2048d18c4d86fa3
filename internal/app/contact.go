// SPDX-License-Identifier: AGPL-3.0-only

package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/samtykke/samtykke/internal/access"
	"github.com/samtykke/samtykke/internal/contact"
	"github.com/samtykke/samtykke/internal/phone"
	"github.com/samtykke/samtykke/internal/staff"
	"github.com/samtykke/samtykke/internal/store"
)

// ContactView is a contact as staff see it: the number masked.
type ContactView struct {
	ID         string `json:"id"`
	Phone      string `json:"phone"` // masked: +47 9** ** *67
	Language   string `json:"language"`
	FirstName  string `json:"first_name,omitempty"`
	Restricted bool   `json:"restricted"`
	Erased     bool   `json:"erased"`
	CreatedAt  string `json:"created_at"`
	// Tags are the contact's declared tags, sorted; none once erased.
	Tags []string `json:"tags"`
}

// NewContact is the input of CreateContact. FirstName is kept only when a
// purpose declares it needs it (P-03); Tags must be declared, and are set
// only on a contact this call creates (SetContactTags changes them later).
type NewContact struct {
	Phone     string
	Language  string
	FirstName string
	Tags      []string
}

// fields are the personal data beyond the number a contact may hold, sealed.
type fields struct {
	FirstName string `json:"first_name,omitempty"`
}

// checkFields refuses a field that no purpose declares (P-03: minimisation).
func (a *App) checkFields(ctx context.Context, f fields) error {
	if f.FirstName == "" {
		return nil
	}
	if len(f.FirstName) > 100 {
		return invalid("first_name is longer than 100 characters")
	}
	ps, err := a.store.Purposes(ctx)
	if err != nil {
		return err
	}
	for _, p := range ps {
		if slices.Contains(p.Fields, "first_name") {
			return nil
		}
	}
	return refused("no purpose declares that it needs first_name, so samtykke does not store it (P-03)")
}

// CreateContact adds a contact, or finds the one with that number. created
// says which.
func (a *App) CreateContact(ctx context.Context, actor Actor, in NewContact) (id string, created bool, err error) {
	if err := actor.can(staff.WriteContacts); err != nil {
		return "", false, err
	}
	num, err := a.parsePhone(in.Phone)
	if err != nil {
		return "", false, err
	}
	lang, err := contact.CheckLanguage(in.Language)
	if err != nil {
		return "", false, invalid("%v", err)
	}
	f := fields{FirstName: strings.TrimSpace(in.FirstName)}
	if err := a.checkFields(ctx, f); err != nil {
		return "", false, err
	}
	tags, err := a.checkTags(in.Tags)
	if err != nil {
		return "", false, err
	}
	err = a.store.Tx(ctx, func(tx store.Tx) error {
		id, created, err = a.ensureContact(ctx, tx, num, lang, f)
		if err != nil {
			return err
		}
		action := access.Lookup
		if created {
			action = access.Create
			if len(tags) > 0 {
				if err := tx.SetContactTags(ctx, id, tags); err != nil {
					return err
				}
			}
		}
		return a.recordAccess(ctx, tx, actor, action, id, "")
	})
	return id, created, err
}

// ensureContact returns the contact with this number, creating it if needed.
func (a *App) ensureContact(ctx context.Context, tx store.Tx, num phone.Number, lang string, f fields) (string, bool, error) {
	index := a.vault.BlindIndex(num.E164())
	c, err := a.contactByNumber(ctx, tx, num.E164())
	if err == nil {
		return c.ID, false, nil
	}
	if !errors.Is(err, store.ErrNotFound) {
		return "", false, err
	}
	key, wrapped, err := a.vault.NewDataKey()
	if err != nil {
		return "", false, err
	}
	id := newID()
	c = contact.Contact{
		ID:         id,
		PhoneCT:    key.Seal([]byte(num.E164()), contact.AAD(id, "phone")),
		KeyWrapped: wrapped,
		BlindIndex: index,
		Region:     regionOf(num),
		Mobile:     num.CountryCode() == 47,
		Language:   lang,
		CreatedAt:  a.now(),
	}
	if f != (fields{}) {
		b, err := json.Marshal(f)
		if err != nil {
			return "", false, err
		}
		c.FieldsCT = key.Seal(b, contact.AAD(id, "fields"))
	}
	if err := tx.CreateContact(ctx, c); err != nil {
		return "", false, err
	}
	return id, true, nil
}

func regionOf(n phone.Number) string {
	if n.CountryCode() == 47 {
		return "NO"
	}
	return fmt.Sprintf("+%d", n.CountryCode())
}

// Contact returns a contact with its number masked; the read is recorded.
func (a *App) Contact(ctx context.Context, actor Actor, id string) (ContactView, error) {
	if err := actor.can(staff.ReadContacts); err != nil {
		return ContactView{}, err
	}
	var view ContactView
	err := a.store.Tx(ctx, func(tx store.Tx) error {
		c, err := tx.Contact(ctx, id)
		if err != nil {
			return err
		}
		if view, err = a.contactView(ctx, tx, c); err != nil {
			return err
		}
		return a.recordAccess(ctx, tx, actor, access.Read, id, "")
	})
	return view, err
}

// contactView is a contact as staff see it: number masked, first name and
// tags; the caller records the access.
func (a *App) contactView(ctx context.Context, r store.Reader, c contact.Contact) (ContactView, error) {
	view := ContactView{ID: c.ID, Language: c.Language, Restricted: c.Restricted, Erased: c.Erased(),
		CreatedAt: c.CreatedAt.Format("2006-01-02T15:04:05Z07:00")}
	var err error
	if view.Tags, err = r.ContactTags(ctx, c.ID); err != nil {
		return view, err
	}
	if view.Tags == nil {
		view.Tags = []string{}
	}
	if c.Erased() {
		return view, nil
	}
	o, err := a.open(c)
	if err != nil {
		return view, err
	}
	view.Phone = o.number.Masked()
	if c.FieldsCT != nil {
		var f fields
		b, err := o.key.Open(c.FieldsCT, contact.AAD(c.ID, "fields"))
		if err != nil {
			return view, err
		}
		if err := json.Unmarshal(b, &f); err != nil {
			return view, err
		}
		view.FirstName = f.FirstName
	}
	return view, nil
}

// Lookup finds a contact by number; the lookup is recorded, with its reason.
func (a *App) Lookup(ctx context.Context, actor Actor, number, reason string) (string, error) {
	if err := actor.can(staff.LookupContacts); err != nil {
		return "", err
	}
	if err := access.CheckReason(reason, phone.Mentions); err != nil {
		return "", invalid("%v", err)
	}
	num, err := a.parsePhone(number)
	if err != nil {
		return "", err
	}
	var id string
	err = a.store.Tx(ctx, func(tx store.Tx) error {
		c, err := a.contactByNumber(ctx, tx, num.E164())
		if err != nil {
			return err
		}
		id = c.ID
		return a.recordAccess(ctx, tx, actor, access.Lookup, id, reason)
	})
	return id, err
}

// Reveal shows a contact's number in clear to a DPO, for a recorded reason.
func (a *App) Reveal(ctx context.Context, actor Actor, id, reason string) (string, error) {
	if err := actor.can(staff.RevealNumbers); err != nil {
		return "", fmt.Errorf("%w (only the DPO may reveal a number)", err)
	}
	if err := access.CheckReason(reason, phone.Mentions); err != nil {
		return "", invalid("%v", err)
	}
	var e164 string
	err := a.store.Tx(ctx, func(tx store.Tx) error {
		o, err := a.openContact(ctx, tx, id)
		if err != nil {
			return err
		}
		e164 = o.number.E164()
		return a.recordAccess(ctx, tx, actor, access.Reveal, id, reason)
	})
	return e164, err
}

// Accesses lists who accessed a contact's data: the DPO, an admin or an
// auditor (S-02, S-05).
func (a *App) Accesses(ctx context.Context, actor Actor, id string) ([]access.Entry, error) {
	if err := actor.can(staff.ReadAccessLog); err != nil {
		return nil, err
	}
	es, err := a.store.Accesses(ctx, id)
	if es == nil {
		es = []access.Entry{}
	}
	return es, err
}
