// SPDX-License-Identifier: AGPL-3.0-only

package app

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/samtykke/samtykke/internal/access"
	"github.com/samtykke/samtykke/internal/staff"
	"github.com/samtykke/samtykke/internal/store"
	"github.com/samtykke/samtykke/internal/tag"
)

// ContactSearch is what the contact list asks for: a number (in any common
// spelling), or a declared tag, or neither for every contact; a page of
// Limit (0: 50) after the cursor Before.
type ContactSearch struct {
	Query  string // a phone number
	Tag    string
	Before string
	Limit  int
}

// ContactPage is one page of the contact list, numbers masked, newest
// first; Next, when set, is the cursor of the page after.
type ContactPage struct {
	Contacts []ContactView `json:"contacts"`
	Next     string        `json:"next,omitempty"`
}

// searchReason is the access log's reason for a search by number.
const searchReason = "contact search by number"

// SearchContacts lists contacts for staff, numbers masked (issue 23). A
// search by number normalises it (the phone package) and finds the contact
// by its blind index, never by decrypting the list; it needs the lookup
// permission and is recorded in the access log as a lookup. Every contact
// shown is recorded as read (invariant 6).
func (a *App) SearchContacts(ctx context.Context, actor Actor, q ContactSearch) (ContactPage, error) {
	if err := actor.can(staff.ReadContacts); err != nil {
		return ContactPage{}, err
	}
	q.Query = strings.TrimSpace(q.Query)
	if q.Query != "" && q.Tag != "" {
		return ContactPage{}, invalid("search by number or by tag, not both")
	}
	limit, err := pageSize(q.Limit)
	if err != nil {
		return ContactPage{}, err
	}
	if q.Tag != "" && !slices.ContainsFunc(a.cfg.Tags, func(t tag.Tag) bool { return t.Key == q.Tag }) {
		return ContactPage{}, refused("tag %q is not declared", q.Tag)
	}
	if q.Query != "" {
		if err := actor.can(staff.LookupContacts); err != nil {
			return ContactPage{}, err
		}
		num, err := a.parsePhone(q.Query)
		if err != nil {
			return ContactPage{}, err
		}
		page := ContactPage{Contacts: []ContactView{}}
		err = a.store.Tx(ctx, func(tx store.Tx) error {
			c, err := tx.ContactByIndex(ctx, a.vault.BlindIndex(num.E164()))
			if errors.Is(err, store.ErrNotFound) {
				return nil // found none: nothing was accessed
			} else if err != nil {
				return err
			}
			v, err := a.contactView(ctx, tx, c)
			if err != nil {
				return err
			}
			page.Contacts = append(page.Contacts, v)
			return a.recordAccess(ctx, tx, actor, access.Lookup, c.ID, searchReason)
		})
		return page, err
	}
	page := ContactPage{Contacts: []ContactView{}}
	err = a.store.Tx(ctx, func(tx store.Tx) error {
		cs, err := tx.Contacts(ctx, store.ContactFilter{Tag: q.Tag, Before: q.Before, Limit: limit + 1})
		if err != nil {
			return err
		}
		if len(cs) > limit {
			cs, page.Next = cs[:limit], cs[limit-1].ID
		}
		for _, c := range cs {
			v, err := a.contactView(ctx, tx, c)
			if err != nil {
				return err
			}
			page.Contacts = append(page.Contacts, v)
			if err := a.recordAccess(ctx, tx, actor, access.Read, c.ID, ""); err != nil {
				return err
			}
		}
		return nil
	})
	return page, err
}
