// SPDX-License-Identifier: AGPL-3.0-only

package app

import (
	"context"
	"fmt"

	"github.com/samtykke/samtykke/internal/consent"
	"github.com/samtykke/samtykke/internal/notice"
	"github.com/samtykke/samtykke/internal/staff"
	"github.com/samtykke/samtykke/internal/store"
)

// CreatePurpose adds a purpose (C-02, C-07).
func (a *App) CreatePurpose(ctx context.Context, actor Actor, p consent.Purpose) (consent.Purpose, error) {
	if err := actor.can(staff.WritePurposes); err != nil {
		return p, err
	}
	p.CreatedAt = a.now()
	if err := p.Validate(); err != nil {
		return p, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	return p, a.store.Tx(ctx, func(tx store.Tx) error { return tx.CreatePurpose(ctx, p) })
}

// Purposes lists the purposes.
func (a *App) Purposes(ctx context.Context, actor Actor) ([]consent.Purpose, error) {
	if err := actor.can(staff.ReadPurposes); err != nil {
		return nil, err
	}
	ps, err := a.store.Purposes(ctx)
	if ps == nil {
		ps = []consent.Purpose{}
	}
	return ps, err
}

// CreateNotice stores a draft notice.
func (a *App) CreateNotice(ctx context.Context, actor Actor, n notice.Notice) (notice.Notice, error) {
	if err := actor.can(staff.WriteNotices); err != nil {
		return n, err
	}
	n.ID, n.Version, n.Hash, n.PublishedAt, n.CreatedAt = newID(), 0, "", nil, a.now()
	if err := n.ValidateDraft(); err != nil {
		return n, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	return n, a.store.Tx(ctx, func(tx store.Tx) error { return tx.CreateNotice(ctx, n) })
}

// PublishNotice makes a draft the current notice of its language: it gets the
// next version and its content hash, and never changes again. A notice that
// lacks an Art. 13 item is refused, naming the items (T-01).
func (a *App) PublishNotice(ctx context.Context, actor Actor, id string) (notice.Notice, error) {
	if err := actor.can(staff.WriteNotices); err != nil {
		return notice.Notice{}, err
	}
	var out notice.Notice
	err := a.store.Tx(ctx, func(tx store.Tx) error {
		n, err := tx.Notice(ctx, id)
		if err != nil {
			return err
		}
		if n.Version > 0 {
			return fmt.Errorf("%w: notice is already published as version %d", store.ErrConflict, n.Version)
		}
		if missing := n.Missing(); len(missing) > 0 {
			return fmt.Errorf("%w: %w", ErrRefused, &notice.MissingError{Items: missing})
		}
		if n.Version, err = tx.NextNoticeVersion(ctx, n.Language); err != nil {
			return err
		}
		n.Hash = n.ContentHash()
		at := a.now()
		n.PublishedAt = &at
		out = n
		return tx.PublishNotice(ctx, id, n.Version, n.Hash, at)
	})
	return out, err
}

// Notices lists every notice, drafts and published.
func (a *App) Notices(ctx context.Context) ([]notice.Notice, error) {
	ns, err := a.store.Notices(ctx)
	if ns == nil {
		ns = []notice.Notice{}
	}
	return ns, err
}

// PublishedNotices lists the published notices of a language, newest first.
func (a *App) PublishedNotices(ctx context.Context, lang string) ([]notice.Notice, error) {
	all, err := a.store.Notices(ctx)
	if err != nil {
		return nil, err
	}
	var out []notice.Notice
	for i := len(all) - 1; i >= 0; i-- {
		if all[i].Language == lang && all[i].Version > 0 {
			out = append(out, all[i])
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no published notice in %s: %w", lang, store.ErrNotFound)
	}
	return out, nil
}
