// SPDX-License-Identifier: AGPL-3.0-only

package app

import (
	"context"
	"fmt"

	"github.com/samtykke/samtykke/internal/access"
	"github.com/samtykke/samtykke/internal/staff"
	"github.com/samtykke/samtykke/internal/store"
	"github.com/samtykke/samtykke/internal/tag"
)

// checkTags refuses a malformed tag or one the configuration does not
// declare (P-03), naming it; it returns the tags sorted, each once.
func (a *App) checkTags(keys []string) ([]string, error) {
	tags, err := tag.Check(a.cfg.Tags, keys)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrRefused, err)
	}
	return tags, nil
}

// Tags lists the declared tags with their descriptions, in declaration order.
func (a *App) Tags(_ context.Context, actor Actor) ([]tag.Tag, error) {
	if err := actor.can(staff.ReadPurposes); err != nil {
		return nil, err
	}
	return append([]tag.Tag{}, a.cfg.Tags...), nil
}

// SetContactTags replaces a contact's tags with declared ones and returns
// them as stored; the write is recorded as an access. An erased contact
// takes no tags (a conflict).
func (a *App) SetContactTags(ctx context.Context, actor Actor, id string, keys []string) ([]string, error) {
	if err := actor.can(staff.WriteContacts); err != nil {
		return nil, err
	}
	tags, err := a.checkTags(keys)
	if err != nil {
		return nil, err
	}
	err = a.store.Tx(ctx, func(tx store.Tx) error {
		if err := tx.SetContactTags(ctx, id, tags); err != nil {
			return err
		}
		return a.recordAccess(ctx, tx, actor, access.Tags, id, "")
	})
	if err != nil {
		return nil, err
	}
	return tags, nil
}
