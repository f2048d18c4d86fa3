// SPDX-License-Identifier: AGPL-3.0-only

package app

import (
	"context"
	"errors"

	"github.com/samtykke/samtykke/internal/consent"
	"github.com/samtykke/samtykke/internal/contact"
	"github.com/samtykke/samtykke/internal/store"
)

// A contact is found by its number's blind index. While a rotation moves
// the contacts to a new key (S-01, issue 22 point 4), one not yet moved is
// indexed under the retiring key: every look-up by number tries the
// retiring key's index first, then the active key's (vault.BlindIndexes),
// so that no number is missed and no second contact made for it. The
// rotation locks a contact as it moves it, so one moved between the two
// look-ups is found by the second.

// firstFound returns the first of the indexes find finds; ErrNotFound when
// none does.
func firstFound[T any](indexes [][]byte, find func([]byte) (T, error)) (T, error) {
	var zero T
	for _, ix := range indexes {
		v, err := find(ix)
		if !errors.Is(err, store.ErrNotFound) {
			return v, err
		}
	}
	return zero, store.ErrNotFound
}

// contactByNumber is the contact with the number, under either index.
func (a *App) contactByNumber(ctx context.Context, tx store.Tx, e164 string) (contact.Contact, error) {
	return firstFound(a.vault.BlindIndexes(e164), func(ix []byte) (contact.Contact, error) { return tx.ContactByIndex(ctx, ix) })
}

// lockContactByNumber is contactByNumber, locked (store.Tx.LockContactByIndex).
func (a *App) lockContactByNumber(ctx context.Context, tx store.Tx, e164 string) (contact.Contact, error) {
	return firstFound(a.vault.BlindIndexes(e164), func(ix []byte) (contact.Contact, error) { return tx.LockContactByIndex(ctx, ix) })
}

// lockSenderStates is lockContactByNumber with the contact's WhatsApp
// states, read once it is locked (store.Tx.LockContactStates).
func (a *App) lockSenderStates(ctx context.Context, tx store.Tx, e164 string) (contact.Contact, []consent.State, error) {
	var states []consent.State
	c, err := firstFound(a.vault.BlindIndexes(e164), func(ix []byte) (c contact.Contact, err error) {
		c, states, err = tx.LockContactStates(ctx, ix, string(consent.WhatsApp))
		return c, err
	})
	return c, states, err
}

// contactByBSUID is the contact a BSUID was linked to, under either index.
func (a *App) contactByBSUID(ctx context.Context, tx store.Tx, userID string) (contact.Contact, error) {
	return firstFound(a.vault.BlindIndexes("bsuid:"+userID), func(ix []byte) (contact.Contact, error) { return tx.ContactByBSUID(ctx, ix) })
}

// numberChangesTo are the number changes waiting for the number, under either index.
func (a *App) numberChangesTo(ctx context.Context, tx store.Tx, e164 string) ([]contact.NumberChange, error) {
	var out []contact.NumberChange
	for _, ix := range a.vault.BlindIndexes(e164) {
		changes, err := tx.NumberChangesTo(ctx, ix)
		if err != nil {
			return nil, err
		}
		out = append(out, changes...)
	}
	return out, nil
}
