// SPDX-License-Identifier: AGPL-3.0-only

package app

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/samtykke/samtykke/internal/staff"
)

// The breach register (Art. 33(5)) and the register of data subjects'
// requests (T-01..T-03) are read the same way: a record, the steps recorded
// on it, and a view of both, for a role that may read the register.

// RegisterStep is one recorded step of a register's record, as it is shown:
// when, by whom, what was done, and a note.
type RegisterStep struct {
	At     time.Time `json:"at"`
	Actor  string    `json:"actor"`
	Action string    `json:"action"`
	Note   string    `json:"note,omitempty"`
}

// registerEntry reads one record of a register with its steps for actor:
// the permission first, then the record, then its steps; view makes what is
// shown (and may read more).
func registerEntry[R, S, V any](ctx context.Context, actor Actor, perm staff.Permission, id string,
	record func(context.Context, string) (R, error), steps func(context.Context, string) ([]S, error),
	view func(R, []S) (V, error)) (V, error) {
	var zero V
	if err := actor.can(perm); err != nil {
		return zero, err
	}
	r, err := record(ctx, id)
	if err != nil {
		return zero, err
	}
	ss, err := steps(ctx, id)
	if err != nil {
		return zero, err
	}
	return view(r, ss)
}

// registerList lists a register for actor: the permission first, then list
// (which checks its filter), each record as view makes it.
func registerList[R, V any](ctx context.Context, actor Actor, perm staff.Permission,
	list func(context.Context) ([]R, error), view func(R) V) ([]V, error) {
	if err := actor.can(perm); err != nil {
		return nil, err
	}
	records, err := list(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]V, 0, len(records))
	for _, r := range records {
		out = append(out, view(r))
	}
	return out, nil
}

// registerErr maps a register's rule errors (its package's invalid and
// refused) onto the app's ErrInvalid and ErrRefused, keeping the cause.
func registerErr(err, invalid, refused error) error {
	switch {
	case errors.Is(err, invalid):
		return fmt.Errorf("%w: %w", ErrInvalid, err)
	case errors.Is(err, refused):
		return fmt.Errorf("%w: %w", ErrRefused, err)
	}
	return err
}
