// SPDX-License-Identifier: AGPL-3.0-only

package app

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/samtykke/samtykke/internal/staff"
	"github.com/samtykke/samtykke/internal/store"
)

// CreateToken makes an API token for a role and returns its secret, which is
// shown once and stored only as a hash.
func (a *App) CreateToken(ctx context.Context, role staff.Role, name string) (string, staff.Token, error) {
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
	secret, hash := staff.NewSecret()
	tok := staff.Token{ID: newID(), Name: name, Role: role, Hash: hash, CreatedAt: a.now()}
	err := a.store.Tx(ctx, func(tx store.Tx) error { return tx.CreateToken(ctx, tok) })
	return secret, tok, err
}

// ErrUnauthenticated is returned for a missing, unknown or revoked token.
var ErrUnauthenticated = errors.New("unauthenticated")

// Authenticate finds the actor a bearer token stands for.
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
	if !tok.RevokedAt.IsZero() {
		return Actor{}, ErrUnauthenticated
	}
	return Actor{ID: tok.ID, Name: tok.Name, Role: tok.Role}, nil
}
