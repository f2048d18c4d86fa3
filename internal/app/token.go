// SPDX-License-Identifier: AGPL-3.0-only

package app

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/samtykke/samtykke/internal/staff"
	"github.com/samtykke/samtykke/internal/store"
)

// MaxTokenLife is the longest expiry a token may be given.
const MaxTokenLife = 5 * 366 * 24 * time.Hour

// CreateToken makes an API token for a role that never expires and returns
// its secret, which is shown once and stored only as a hash.
func (a *App) CreateToken(ctx context.Context, role staff.Role, name string) (string, staff.Token, error) {
	return a.createToken(ctx, role, name, 0)
}

// FirstAdminToken makes the first-run admin token when there is no token at
// all, once among replicas starting together on an empty database; ok is
// false when a token existed (or another replica made it first).
func (a *App) FirstAdminToken(ctx context.Context) (secret string, ok bool, err error) {
	secret, hash := staff.NewSecret()
	tok := staff.Token{ID: newID(), Name: "first-run admin", Role: staff.Admin, Hash: hash, CreatedAt: a.now()}
	err = a.store.Tx(ctx, func(tx store.Tx) error {
		ok, err = tx.CreateFirstToken(ctx, tok)
		return err
	})
	if err != nil || !ok {
		return "", false, err
	}
	return secret, true, nil
}

// TokenInput is a token to make: its role, its holder's name and, when not
// zero, how long it lives.
type TokenInput struct {
	Role    staff.Role
	Name    string
	Expires time.Duration
}

// IssueToken makes a token for an actor allowed to manage tokens (the
// command line acts as an admin).
func (a *App) IssueToken(ctx context.Context, actor Actor, in TokenInput) (string, staff.Token, error) {
	if err := actor.can(staff.ManageTokens); err != nil {
		return "", staff.Token{}, err
	}
	return a.createToken(ctx, in.Role, in.Name, in.Expires)
}

func (a *App) createToken(ctx context.Context, role staff.Role, name string, life time.Duration) (string, staff.Token, error) {
	if !role.Valid() {
		return "", staff.Token{}, invalid("unknown role %q", role)
	}
	name = strings.TrimSpace(name)
	if name == "" {
		name = string(role)
	}
	if len(name) > 100 {
		return "", staff.Token{}, invalid("name is longer than 100 characters")
	}
	if life < 0 || life > MaxTokenLife {
		return "", staff.Token{}, invalid("expires must be between a minute and five years")
	}
	if life != 0 && life < time.Minute {
		return "", staff.Token{}, invalid("expires must be between a minute and five years")
	}
	secret, hash := staff.NewSecret()
	tok := staff.Token{ID: newID(), Name: name, Role: role, Hash: hash, CreatedAt: a.now()}
	if life != 0 {
		tok.ExpiresAt = tok.CreatedAt.Add(life)
	}
	err := a.store.Tx(ctx, func(tx store.Tx) error { return tx.CreateToken(ctx, tok) })
	return secret, tok, err
}

// Tokens lists every API token, revoked and expired ones too; no hash.
func (a *App) Tokens(ctx context.Context, actor Actor) ([]staff.Token, error) {
	if err := actor.can(staff.ManageTokens); err != nil {
		return nil, err
	}
	ts, err := a.store.Tokens(ctx)
	for i := range ts {
		ts[i].Hash = nil
	}
	if ts == nil {
		ts = []staff.Token{}
	}
	return ts, err
}

// RevokeToken revokes a token at once: the next request with it is refused,
// on every replica, as each request reads its token's row (no cache).
func (a *App) RevokeToken(ctx context.Context, actor Actor, id string) (staff.Token, error) {
	if err := actor.can(staff.ManageTokens); err != nil {
		return staff.Token{}, err
	}
	if err := a.store.Tx(ctx, func(tx store.Tx) error { return tx.RevokeToken(ctx, id, a.now()) }); err != nil {
		return staff.Token{}, err
	}
	ts, err := a.store.Tokens(ctx)
	for _, t := range ts {
		if t.ID == id {
			t.Hash = nil
			return t, nil
		}
	}
	if err == nil {
		err = fmt.Errorf("token %s: %w", id, store.ErrNotFound)
	}
	return staff.Token{}, err
}

// ErrUnauthenticated is returned for a missing, unknown, revoked or expired token.
var ErrUnauthenticated = errors.New("unauthenticated")

// Authenticate finds the actor a bearer token stands for. The token's row
// is read on every call, so that a revocation or an expiry holds at once.
func (a *App) Authenticate(ctx context.Context, secret string) (Actor, error) {
	if secret == "" || len(secret) > 200 {
		return Actor{}, ErrUnauthenticated
	}
	tok, err := a.store.TokenByHash(ctx, staff.HashSecret(secret))
	if errors.Is(err, store.ErrNotFound) {
		return Actor{}, ErrUnauthenticated
	} else if err != nil {
		return Actor{}, fmt.Errorf("authenticate: %w", err)
	}
	if !tok.Usable(a.now()) {
		return Actor{}, ErrUnauthenticated
	}
	return Actor{ID: tok.ID, Name: tok.Name, Role: tok.Role}, nil
}
