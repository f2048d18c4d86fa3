// SPDX-License-Identifier: AGPL-3.0-only

package app

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/samtykke/samtykke/internal/staff"
	"github.com/samtykke/samtykke/internal/store"
)

// maxHashing is how many password hashes run at once: each takes
// staff.DefaultArgon2's 64 MiB and both cores, so more would only queue in
// memory. A login beyond it waits its turn.
const maxHashing = 2

// hash runs fn (an argon2id hash) in one of the maxHashing slots.
func (a *App) hash(ctx context.Context, fn func()) error {
	select {
	case a.hashing <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-a.hashing }()
	fn()
	return nil
}

// dummyHash is a hash at the configured cost of no one's password: a
// login for a name that does not exist checks against it, to take as long
// as one that does. Made at the first such login.
func (a *App) dummyHash() string {
	a.dummyOnce.Do(func() { a.dummy = staff.HashPassword("samtykke: no such user", a.cfg.Argon2) })
	return a.dummy
}

// totpPurpose binds a sealed TOTP secret to its user (vault.Seal).
func totpPurpose(userID string) string { return "staff totp:" + userID }

// UserInput is a staff account to make.
type UserInput struct {
	Name     string
	Role     staff.Role
	Password string
}

// UserInfo is a staff account as it is shown: never its password's hash
// nor its TOTP secret.
type UserInfo struct {
	ID          string     `json:"id"`
	Name        string     `json:"name"`
	Role        staff.Role `json:"role"`
	TOTP        bool       `json:"totp"`          // a second factor is set up
	NeedsTOTP   bool       `json:"needs_totp"`    // the role requires one
	CreatedAt   time.Time  `json:"created_at"`    //
	DisabledAt  time.Time  `json:"disabled_at"`   // zero: active
	LastLoginAt time.Time  `json:"last_login_at"` // zero: never
	LockedUntil time.Time  `json:"locked_until"`  // zero or past: not locked
}

func userInfo(u staff.User) UserInfo {
	return UserInfo{ID: u.ID, Name: u.Name, Role: u.Role, TOTP: u.HasTOTP(), NeedsTOTP: staff.NeedsTOTP(u.Role),
		CreatedAt: u.CreatedAt, DisabledAt: u.DisabledAt, LastLoginAt: u.LastLoginAt, LockedUntil: u.LockedUntil}
}

// Enrolment is a TOTP secret to set up in an authenticator app: the
// otpauth:// URI (for a QR code, or pasted) and the secret in groups of
// four, typed by hand.
type Enrolment struct {
	URI    string
	Secret string
}

// enrolment makes the Enrolment of a user's secret.
func (a *App) enrolment(name string, secret []byte) *Enrolment {
	return &Enrolment{URI: staff.TOTPURI("samtykke "+a.cfg.BusinessName, name, secret), Secret: staff.TOTPGroups(secret)}
}

// CreateUser makes a staff account. For a role that needs a second factor
// (staff.NeedsTOTP) it makes the TOTP secret too and returns its
// Enrolment, to be set up before the first login completes. Bad input is
// ErrInvalid, a name taken store.ErrConflict; either makes nothing.
func (a *App) CreateUser(ctx context.Context, actor Actor, in UserInput) (UserInfo, *Enrolment, error) {
	if err := actor.can(staff.ManageUsers); err != nil {
		return UserInfo{}, nil, err
	}
	name, err := staff.CheckName(in.Name)
	if err != nil {
		return UserInfo{}, nil, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	if !in.Role.Valid() {
		return UserInfo{}, nil, invalid("unknown role %q", in.Role)
	}
	if err := staff.CheckPassword(name, in.Password); err != nil {
		return UserInfo{}, nil, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	u := staff.User{ID: newID(), Name: name, Role: in.Role, CreatedAt: a.now()}
	if err := a.hash(ctx, func() { u.PasswordHash = staff.HashPassword(in.Password, a.cfg.Argon2) }); err != nil {
		return UserInfo{}, nil, err
	}
	var enrol *Enrolment
	if staff.NeedsTOTP(u.Role) {
		secret := staff.NewTOTPSecret()
		u.TOTPSealed = a.vault.Seal(secret, totpPurpose(u.ID))
		enrol = a.enrolment(u.Name, secret)
	}
	if err := a.store.Tx(ctx, func(tx store.Tx) error { return tx.CreateUser(ctx, u) }); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return UserInfo{}, nil, fmt.Errorf("%w: a user named %q exists", store.ErrConflict, name)
		}
		return UserInfo{}, nil, err
	}
	return userInfo(u), enrol, nil
}

// Users lists every staff account, disabled ones too, oldest first.
func (a *App) Users(ctx context.Context, actor Actor) ([]UserInfo, error) {
	if err := actor.can(staff.ManageUsers); err != nil {
		return nil, err
	}
	us, err := a.store.Users(ctx)
	out := make([]UserInfo, len(us))
	for i, u := range us {
		out[i] = userInfo(u)
	}
	return out, err
}

// findUser reads a user by id or, failing that, by name.
func (a *App) findUser(ctx context.Context, idOrName string) (staff.User, error) {
	u, err := a.store.User(ctx, idOrName)
	if errors.Is(err, store.ErrNotFound) {
		if name, nerr := staff.CheckName(idOrName); nerr == nil {
			u, err = a.store.UserByName(ctx, name)
		}
	}
	if errors.Is(err, store.ErrNotFound) {
		return u, fmt.Errorf("user %q: %w", idOrName, store.ErrNotFound)
	}
	return u, err
}

// DisableUser disables a staff account, by id or name, and ends its
// sessions in the same transaction: its next request is refused, on every
// replica, since every request reads its session's and its user's rows.
func (a *App) DisableUser(ctx context.Context, actor Actor, idOrName string) (UserInfo, error) {
	if err := actor.can(staff.ManageUsers); err != nil {
		return UserInfo{}, err
	}
	u, err := a.findUser(ctx, idOrName)
	if err != nil {
		return UserInfo{}, err
	}
	u.DisabledAt = a.now()
	if err := a.store.Tx(ctx, func(tx store.Tx) error { return tx.DisableUser(ctx, u.ID, u.DisabledAt) }); err != nil {
		return UserInfo{}, err
	}
	return userInfo(u), nil
}

// SetPassword gives a staff account a new password: its holder's own (a
// session of that user) or any, for an actor who manages users. Every
// session of the user ends, in the same transaction.
func (a *App) SetPassword(ctx context.Context, actor Actor, userID, password string) error {
	if !actor.User || actor.ID != userID {
		if err := actor.can(staff.ManageUsers); err != nil {
			return err
		}
	}
	u, err := a.store.User(ctx, userID)
	if err != nil {
		return err
	}
	if err := staff.CheckPassword(u.Name, password); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	var hash string
	if err := a.hash(ctx, func() { hash = staff.HashPassword(password, a.cfg.Argon2) }); err != nil {
		return err
	}
	return a.store.Tx(ctx, func(tx store.Tx) error {
		if err := tx.SetPassword(ctx, u.ID, hash); err != nil {
			return err
		}
		_, err := tx.DeleteSessions(ctx, u.ID)
		return err
	})
}

// LoginLog lists the newest limit entries of the login log (every login,
// failure, lockout and logout), newest first, for those who read the
// access log (the DPO, auditors, the admin).
func (a *App) LoginLog(ctx context.Context, actor Actor, limit int) ([]staff.LoginAttempt, error) {
	if err := actor.can(staff.ReadAccessLog); err != nil {
		return nil, err
	}
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	as, err := a.store.LoginAttempts(ctx, limit)
	if as == nil {
		as = []staff.LoginAttempt{}
	}
	return as, err
}
