// SPDX-License-Identifier: AGPL-3.0-only

package app

import (
	"context"
	"time"

	"github.com/samtykke/samtykke/internal/access"
	"github.com/samtykke/samtykke/internal/consent"
	"github.com/samtykke/samtykke/internal/staff"
	"github.com/samtykke/samtykke/internal/store"
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

// Preferences opens the preference centre of a signed, expiring link: every
// consent of the person, each one click from withdrawn (C-05, M-06).
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

// WithdrawByLink withdraws one purpose, or "all", from a preference-centre link.
func (a *App) WithdrawByLink(ctx context.Context, token, purpose string) (Withdrawn, error) {
	ctx = store.Urgent(ctx)
	id, err := a.verify("p", token, a.now())
	if err != nil {
		return Withdrawn{}, err
	}
	return a.Withdraw(ctx, person, WithdrawInput{Subject: Subject{ContactID: id}, Purpose: purpose, Method: "preference_centre"})
}
