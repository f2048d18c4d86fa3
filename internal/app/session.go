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

// Login limits per client address, beside each account's lockout
// (staff.MaxFailures): at most loginLimit attempts (passwords and codes)
// per loginWindow from one address, counted in the database so that the
// limit holds across replicas.
const (
	loginLimit  = 30
	loginWindow = 15 * time.Minute
)

// errLogin is every refusal of a name and password: the same words whether
// the name is unknown, the password wrong or the account disabled.
var errLogin = fmt.Errorf("%w: wrong user name or password", ErrUnauthenticated)

// errCode is a wrong, reused or missing TOTP code.
var errCode = fmt.Errorf("%w: wrong or used code", ErrUnauthenticated)

// errNoSession is a missing, unknown, expired or ended session.
var errNoSession = fmt.Errorf("%w: no session, or it ended", ErrUnauthenticated)

func errLocked(until time.Time) error {
	return fmt.Errorf("%w: too many failed logins; the account is locked until %s", ErrRateLimited, until.Format(time.RFC3339))
}

// LoginInput is what a login form sends, and the address it came from.
// Code is the TOTP code, when the form asks for it with the password.
type LoginInput struct {
	Name, Password, Code, IP string
}

// LoginResult is an opened session: its secret, the cookie's value, shown
// only here (stored as a hash), and its stage. A session of a stage other
// than staff.StageFull only leads to the second factor (SecondFactor,
// EnrolTOTP and ConfirmTOTP).
type LoginResult struct {
	Secret    string
	Stage     staff.Stage
	User      UserInfo
	ExpiresAt time.Time
}

// Login checks a staff account's name and password (and its TOTP code, when
// given) and opens a session: full, or waiting for the code (the account
// has a second factor and no code came), or for the enrolment of one (the
// role needs one and none is set up). Every attempt is recorded in the
// login log, never with the password or the code. A wrong password or code
// counts towards the account's lockout; a locked account is refused
// unchecked (ErrRateLimited), as is an address past its limit.
func (a *App) Login(ctx context.Context, in LoginInput) (LoginResult, error) {
	now := a.now()
	if err := a.limitLogin(ctx, in.IP, now); err != nil {
		return LoginResult{}, err
	}
	var user staff.User
	err := error(store.ErrNotFound)
	if name, nerr := staff.CheckName(in.Name); nerr == nil {
		user, err = a.store.UserByName(ctx, name)
	}
	if errors.Is(err, store.ErrNotFound) {
		// The same work as a real check, so that the time taken does not
		// tell whether the name exists; the name typed is not logged (it
		// may be a password typed in the wrong field).
		if err := a.hash(ctx, func() { _, _ = staff.VerifyPassword(a.dummyHash(), in.Password) }); err != nil {
			return LoginResult{}, err
		}
		return LoginResult{}, errors.Join(errLogin, a.logLogin(ctx, staff.LoginAttempt{IP: in.IP, Outcome: staff.LoginBadPassword}))
	} else if err != nil {
		return LoginResult{}, err
	}
	if user.Locked(now) {
		return LoginResult{}, errors.Join(errLocked(user.LockedUntil), a.logLogin(ctx, attempt(user, in.IP, staff.LoginLocked)))
	}
	var ok bool
	if err := a.hash(ctx, func() { ok, err = staff.VerifyPassword(user.PasswordHash, in.Password) }); err != nil {
		return LoginResult{}, err
	}
	if err != nil {
		return LoginResult{}, fmt.Errorf("user %s: the stored password hash: %w", user.ID, err)
	}
	if !ok {
		return LoginResult{}, a.failed(ctx, user, in.IP, staff.LoginBadPassword, errLogin)
	}
	if user.Disabled() {
		return LoginResult{}, errors.Join(errLogin, a.logLogin(ctx, attempt(user, in.IP, staff.LoginDisabled)))
	}
	o := opening{user: user, ip: in.IP, stage: staff.StageFull, outcome: staff.LoginOK}
	if staff.NeedsRehash(user.PasswordHash, a.cfg.Argon2) {
		_ = a.hash(ctx, func() { o.rehash = staff.HashPassword(in.Password, a.cfg.Argon2) })
	}
	switch {
	case user.HasTOTP() && in.Code == "":
		o.stage, o.outcome = staff.StageTOTP, staff.LoginPassword
	case user.HasTOTP():
		if o.step, ok = a.checkCode(user, in.Code, now); !ok {
			return LoginResult{}, a.failed(ctx, user, in.IP, staff.LoginBadCode, errCode)
		}
	case staff.NeedsTOTP(user.Role):
		o.stage, o.outcome = staff.StageEnrol, staff.LoginPassword
	}
	return a.openSession(ctx, o)
}

// SecondFactor completes a session that waits for its TOTP code: with the
// right code it is replaced by a full session (a new secret); a wrong one
// counts towards the lockout, and the lockout ends the waiting session.
func (a *App) SecondFactor(ctx context.Context, secret, code, ip string) (LoginResult, error) {
	now := a.now()
	if err := a.limitLogin(ctx, ip, now); err != nil {
		return LoginResult{}, err
	}
	s, u, err := a.liveSession(ctx, secret, now)
	if err != nil {
		return LoginResult{}, err
	}
	if s.Stage != staff.StageTOTP {
		return LoginResult{}, errNoSession
	}
	if u.Locked(now) {
		return LoginResult{}, errors.Join(errLocked(u.LockedUntil), a.logLogin(ctx, attempt(u, ip, staff.LoginLocked)))
	}
	step, ok := a.checkCode(u, code, now)
	if !ok {
		return LoginResult{}, a.failed(ctx, u, ip, staff.LoginBadCode, errCode)
	}
	return a.openSession(ctx, opening{user: u, ip: ip, stage: staff.StageFull, outcome: staff.LoginOK, step: step, replace: s.ID})
}

// EnrolTOTP gives the Enrolment of the second factor the session's user is
// setting up: the one made with the account, or a new one. It is for a
// session waiting for its enrolment, or a full session of a user who has
// no second factor yet (an optional one); a set-up factor is not shown again.
func (a *App) EnrolTOTP(ctx context.Context, secret string) (Enrolment, error) {
	now := a.now()
	s, u, err := a.liveSession(ctx, secret, now)
	if err != nil {
		return Enrolment{}, err
	}
	if s.Stage == staff.StageTOTP {
		return Enrolment{}, errNoSession
	}
	if u.HasTOTP() {
		return Enrolment{}, refused("a second factor is set up already")
	}
	if u.TOTPSealed != nil {
		key, err := a.vault.Open(u.TOTPSealed, totpPurpose(u.ID))
		if err != nil {
			return Enrolment{}, fmt.Errorf("user %s: totp secret: %w", u.ID, err)
		}
		return *a.enrolment(u.Name, key), nil
	}
	key := staff.NewTOTPSecret()
	if err := a.store.Tx(ctx, func(tx store.Tx) error {
		return tx.SetTOTP(ctx, u.ID, a.vault.Seal(key, totpPurpose(u.ID)), time.Time{})
	}); err != nil {
		return Enrolment{}, err
	}
	return *a.enrolment(u.Name, key), nil
}

// ConfirmTOTP completes an enrolment with the first code the authenticator
// shows: the second factor is then set up, and the session is replaced by a
// full one. A wrong code counts towards the lockout.
func (a *App) ConfirmTOTP(ctx context.Context, secret, code, ip string) (LoginResult, error) {
	now := a.now()
	if err := a.limitLogin(ctx, ip, now); err != nil {
		return LoginResult{}, err
	}
	s, u, err := a.liveSession(ctx, secret, now)
	if err != nil {
		return LoginResult{}, err
	}
	if s.Stage == staff.StageTOTP || u.TOTPSealed == nil {
		return LoginResult{}, errNoSession
	}
	if u.HasTOTP() {
		return LoginResult{}, refused("a second factor is set up already")
	}
	if u.Locked(now) {
		return LoginResult{}, errors.Join(errLocked(u.LockedUntil), a.logLogin(ctx, attempt(u, ip, staff.LoginLocked)))
	}
	u.TOTPConfirmedAt = now // checkCode opens only a confirmed secret
	step, ok := a.checkCode(u, code, now)
	if !ok {
		return LoginResult{}, a.failed(ctx, u, ip, staff.LoginBadCode, errCode)
	}
	return a.openSession(ctx, opening{user: u, ip: ip, stage: staff.StageFull, outcome: staff.LoginEnrolled, step: step,
		replace: s.ID, confirm: true})
}

// SessionInfo is a live session: its stage and its user.
type SessionInfo struct {
	Stage     staff.Stage
	User      UserInfo
	ExpiresAt time.Time
}

// Session reads a live session of any stage by its secret; a missing,
// expired (idle or absolute) or ended session, or a disabled user's, is
// ErrUnauthenticated. Its row and its user's are read on every call, so a
// logout or a disabled account holds at once on every replica.
func (a *App) Session(ctx context.Context, secret string) (SessionInfo, error) {
	s, u, err := a.liveSession(ctx, secret, a.now())
	if err != nil {
		return SessionInfo{}, err
	}
	return SessionInfo{Stage: s.Stage, User: userInfo(u), ExpiresAt: s.ExpiresAt}, nil
}

// SessionActor is the Actor a full session stands for (its String is
// "user:<id>:<name>"); a session still waiting for its second factor is
// ErrUnauthenticated.
func (a *App) SessionActor(ctx context.Context, secret string) (Actor, error) {
	s, u, err := a.liveSession(ctx, secret, a.now())
	if err != nil {
		return Actor{}, err
	}
	if s.Stage != staff.StageFull {
		return Actor{}, errNoSession
	}
	return Actor{ID: u.ID, Name: u.Name, Role: u.Role, User: true}, nil
}

// Logout ends a session, recorded in the login log; a session that is gone
// already is no error.
func (a *App) Logout(ctx context.Context, secret, ip string) error {
	if secret == "" || len(secret) > 200 {
		return nil
	}
	s, u, err := a.store.Session(ctx, staff.HashSecret(secret))
	if errors.Is(err, store.ErrNotFound) {
		return nil
	} else if err != nil {
		return err
	}
	return a.store.Tx(ctx, func(tx store.Tx) error {
		if err := tx.DeleteSession(ctx, s.ID); err != nil {
			return err
		}
		return a.recordLogin(ctx, tx, attempt(u, ip, staff.Logout))
	})
}

// liveSession reads a session and its user, and refuses one that is not
// live or whose user is disabled. A full session's last request is
// recorded, at most once a minute (the idle timeout's clock).
func (a *App) liveSession(ctx context.Context, secret string, now time.Time) (staff.Session, staff.User, error) {
	if secret == "" || len(secret) > 200 {
		return staff.Session{}, staff.User{}, errNoSession
	}
	s, u, err := a.store.Session(ctx, staff.HashSecret(secret))
	if errors.Is(err, store.ErrNotFound) {
		return s, u, errNoSession
	} else if err != nil {
		return s, u, fmt.Errorf("session: %w", err)
	}
	if !s.Live(now) || u.Disabled() {
		return s, u, errNoSession
	}
	if s.Stage == staff.StageFull && now.Sub(s.LastSeen) >= time.Minute {
		if err := a.store.Tx(ctx, func(tx store.Tx) error { return tx.TouchSession(ctx, s.ID, now) }); err != nil {
			return s, u, err
		}
	}
	return s, u, nil
}

// checkCode checks a TOTP code against a user's confirmed secret; the step
// it returns is to be used (store.Tx.UseTOTPStep) in the session's
// transaction, which refuses it if another replica used it meanwhile.
func (a *App) checkCode(u staff.User, code string, now time.Time) (int64, bool) {
	if u.TOTPSealed == nil || u.TOTPConfirmedAt.IsZero() {
		return 0, false
	}
	key, err := a.vault.Open(u.TOTPSealed, totpPurpose(u.ID))
	if err != nil {
		a.log.Error("a staff account's TOTP secret does not open", "user_id", u.ID, "error", err)
		return 0, false
	}
	return staff.TOTPCheck(key, code, now, u.TOTPStep)
}

// opening is a session to open, and what goes with it in its transaction.
type opening struct {
	user    staff.User
	ip      string
	stage   staff.Stage
	outcome staff.Outcome
	step    int64  // a TOTP step to use up; 0: none
	rehash  string // a new password hash at the current cost
	replace string // the session this one replaces
	confirm bool   // the user's TOTP secret is confirmed now
}

// errStepUsed is a TOTP step used by another login meanwhile.
var errStepUsed = errors.New("the code was used")

// openSession stores a new session in one transaction with the code's
// step, the rehash, the end of the session it replaces, the login's record
// and, for a full session, the success that restarts the failure count.
func (a *App) openSession(ctx context.Context, o opening) (LoginResult, error) {
	now := a.now()
	secret, hash := staff.NewSession()
	s := staff.Session{ID: newID(), UserID: o.user.ID, Hash: hash, Stage: o.stage, CreatedAt: now, LastSeen: now,
		ExpiresAt: now.Add(staff.PendingTimeout)}
	if o.stage == staff.StageFull {
		s.ExpiresAt = now.Add(staff.MaxSessionAge)
	}
	err := a.store.Tx(ctx, func(tx store.Tx) error {
		if o.confirm {
			if err := tx.SetTOTP(ctx, o.user.ID, o.user.TOTPSealed, now); err != nil {
				return err
			}
		}
		if o.step != 0 {
			if ok, err := tx.UseTOTPStep(ctx, o.user.ID, o.step); err != nil {
				return err
			} else if !ok {
				return errStepUsed
			}
		}
		if o.rehash != "" {
			if err := tx.SetPassword(ctx, o.user.ID, o.rehash); err != nil {
				return err
			}
		}
		if o.replace != "" {
			if err := tx.DeleteSession(ctx, o.replace); err != nil {
				return err
			}
		}
		if err := tx.CreateSession(ctx, s); err != nil {
			return err
		}
		if o.stage == staff.StageFull {
			if err := tx.LoginSucceeded(ctx, o.user.ID, now); err != nil {
				return err
			}
		}
		return a.recordLogin(ctx, tx, attempt(o.user, o.ip, o.outcome))
	})
	if errors.Is(err, errStepUsed) {
		return LoginResult{}, a.failed(ctx, o.user, o.ip, staff.LoginBadCode, errCode)
	}
	if err != nil {
		return LoginResult{}, err
	}
	if o.stage == staff.StageFull {
		o.user.LastLoginAt, o.user.FailedLogins = now, 0
	}
	if o.confirm {
		o.user.TOTPConfirmedAt = now
	}
	return LoginResult{Secret: secret, Stage: o.stage, User: userInfo(o.user), ExpiresAt: s.ExpiresAt}, nil
}

// failed counts a failed login of user and records it; the failure that
// locks the account ends the sessions waiting for its second factor and
// answers ErrRateLimited. It returns refusal, or what went wrong recording.
func (a *App) failed(ctx context.Context, u staff.User, ip string, outcome staff.Outcome, refusal error) error {
	now := a.now()
	var locked bool
	err := a.store.Tx(ctx, func(tx store.Tx) (err error) {
		if locked, err = tx.LoginFailed(ctx, u.ID, now, staff.MaxFailures, staff.LockFor); err != nil {
			return err
		}
		if locked {
			outcome = staff.LoginLockedNow
			if _, err := tx.DeleteSessions(ctx, u.ID); err != nil {
				return err
			}
		}
		return a.recordLogin(ctx, tx, attempt(u, ip, outcome))
	})
	if err != nil {
		return err
	}
	if locked {
		return errLocked(now.Add(staff.LockFor))
	}
	return refusal
}

// limitLogin counts an attempt from ip and refuses it past the address's
// limit. Refused attempts are not written to the login log (a flood would
// fill it); the request log has each one.
func (a *App) limitLogin(ctx context.Context, ip string, now time.Time) error {
	var ok bool
	if err := a.store.Tx(ctx, func(tx store.Tx) (err error) {
		ok, err = tx.Hit(ctx, "staff-login:"+ip, loginWindow, loginLimit, now)
		return err
	}); err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("%w: too many login attempts from this address; try again later", ErrRateLimited)
	}
	return nil
}

// attempt is a login-log entry of user.
func attempt(u staff.User, ip string, o staff.Outcome) staff.LoginAttempt {
	return staff.LoginAttempt{Name: u.Name, UserID: u.ID, IP: ip, Outcome: o}
}

func (a *App) recordLogin(ctx context.Context, tx store.Tx, at staff.LoginAttempt) error {
	at.ID, at.At = newID(), a.now()
	return tx.RecordLogin(ctx, at)
}

// logLogin records a login-log entry in a transaction of its own.
func (a *App) logLogin(ctx context.Context, at staff.LoginAttempt) error {
	return a.store.Tx(ctx, func(tx store.Tx) error { return a.recordLogin(ctx, tx, at) })
}
