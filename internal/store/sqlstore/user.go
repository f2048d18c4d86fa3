// SPDX-License-Identifier: AGPL-3.0-only

package sqlstore

import (
	"context"
	"fmt"
	"time"

	"github.com/samtykke/samtykke/internal/staff"
	"github.com/samtykke/samtykke/internal/store"
)

const userColumns = `u.id, u.name, u.role, u.password_hash, u.totp_sealed, u.totp_confirmed_at, u.totp_step,
	u.created_at, u.disabled_at, u.last_login_at, u.failed_logins, u.locked_until`

// userFields are the scan targets of userColumns; done converts the times.
func userFields(u *staff.User) (dest []any, done func()) {
	var confirmed, created, disabled, last, locked int64
	dest = []any{&u.ID, &u.Name, &u.Role, &u.PasswordHash, &u.TOTPSealed, &confirmed, &u.TOTPStep,
		&created, &disabled, &last, &u.FailedLogins, &locked}
	return dest, func() {
		u.TOTPConfirmedAt, u.CreatedAt, u.DisabledAt = fromMicro(confirmed), fromMicro(created), fromMicro(disabled)
		u.LastLoginAt, u.LockedUntil = fromMicro(last), fromMicro(locked)
		if len(u.TOTPSealed) == 0 {
			u.TOTPSealed = nil
		}
	}
}

func (r *reader) user(ctx context.Context, where string, arg any) (u staff.User, err error) {
	dest, done := userFields(&u)
	err = r.db.QueryRow(ctx, `SELECT `+userColumns+` FROM staff_users u WHERE `+where, arg).Scan(dest...)
	done()
	return u, r.notFound(err)
}

func (r *reader) User(ctx context.Context, id string) (u staff.User, err error) {
	defer errorf("user "+id, &err)
	return r.user(ctx, `u.id = $1`, id)
}

func (r *reader) UserByName(ctx context.Context, name string) (u staff.User, err error) {
	defer errorf("user by name", &err)
	return r.user(ctx, `u.name = $1`, name)
}

func (r *reader) Users(ctx context.Context) (us []staff.User, err error) {
	defer errorf("users", &err)
	rows, err := r.db.Query(ctx, `SELECT `+userColumns+` FROM staff_users u ORDER BY u.created_at, u.id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var u staff.User
		dest, done := userFields(&u)
		if err := rows.Scan(dest...); err != nil {
			return nil, err
		}
		done()
		us = append(us, u)
	}
	return us, rows.Err()
}

func (r *reader) Session(ctx context.Context, hash []byte) (s staff.Session, u staff.User, err error) {
	defer errorf("session", &err)
	var created, seen, expires int64
	dest, done := userFields(&u)
	dest = append([]any{&s.ID, &s.UserID, &s.Hash, &s.Stage, &created, &seen, &expires}, dest...)
	err = r.db.QueryRow(ctx, `SELECT s.id, s.user_id, s.hash, s.stage, s.created_at, s.last_seen, s.expires_at, `+userColumns+`
		FROM staff_sessions s JOIN staff_users u ON u.id = s.user_id WHERE s.hash = $1`, hash).Scan(dest...)
	done()
	s.CreatedAt, s.LastSeen, s.ExpiresAt = fromMicro(created), fromMicro(seen), fromMicro(expires)
	return s, u, r.notFound(err)
}

func (r *reader) LoginAttempts(ctx context.Context, limit int) (as []staff.LoginAttempt, err error) {
	defer errorf("login attempts", &err)
	rows, err := r.db.Query(ctx, `SELECT id, at, name, user_id, ip, outcome FROM staff_logins ORDER BY at DESC, id DESC LIMIT $1`, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var a staff.LoginAttempt
		var at int64
		if err := rows.Scan(&a.ID, &at, &a.Name, &a.UserID, &a.IP, &a.Outcome); err != nil {
			return nil, err
		}
		a.At = fromMicro(at)
		as = append(as, a)
	}
	return as, rows.Err()
}

func (t *tx) CreateUser(ctx context.Context, u staff.User) (err error) {
	defer errorf("create user", &err)
	_, err = t.db.Exec(ctx, `INSERT INTO staff_users (id, name, role, password_hash, totp_sealed, totp_confirmed_at, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, u.ID, u.Name, string(u.Role), u.PasswordHash, u.TOTPSealed,
		micro(u.TOTPConfirmedAt), micro(u.CreatedAt))
	return t.conflict(err)
}

// one reports ErrNotFound when a statement on one user's row changed none.
func one(n int64, err error, id string) error {
	if err == nil && n == 0 {
		return fmt.Errorf("user %s: %w", id, store.ErrNotFound)
	}
	return err
}

func (t *tx) DisableUser(ctx context.Context, id string, at time.Time) (err error) {
	defer errorf("disable user "+id, &err)
	var disabled int64
	if err := t.db.QueryRow(ctx, `SELECT disabled_at FROM staff_users WHERE id = $1`+t.b.ForUpdate, id).Scan(&disabled); err != nil {
		return t.notFound(err)
	}
	if disabled != 0 {
		return fmt.Errorf("%w: the user was disabled already", store.ErrConflict)
	}
	if _, err := t.db.Exec(ctx, `UPDATE staff_users SET disabled_at = $2 WHERE id = $1`, id, micro(at)); err != nil {
		return err
	}
	_, err = t.db.Exec(ctx, `DELETE FROM staff_sessions WHERE user_id = $1`, id)
	return err
}

func (t *tx) SetPassword(ctx context.Context, id, hash string) (err error) {
	defer errorf("set password", &err)
	n, err := t.db.Exec(ctx, `UPDATE staff_users SET password_hash = $2 WHERE id = $1`, id, hash)
	return one(n, err, id)
}

func (t *tx) SetTOTP(ctx context.Context, id string, sealed []byte, confirmedAt time.Time) (err error) {
	defer errorf("set totp", &err)
	n, err := t.db.Exec(ctx, `UPDATE staff_users SET totp_sealed = $2, totp_confirmed_at = $3, totp_step = 0 WHERE id = $1`,
		id, sealed, micro(confirmedAt))
	return one(n, err, id)
}

func (t *tx) UseTOTPStep(ctx context.Context, id string, step int64) (ok bool, err error) {
	defer errorf("use totp step", &err)
	n, err := t.db.Exec(ctx, `UPDATE staff_users SET totp_step = $2 WHERE id = $1 AND totp_step < $2`, id, step)
	return n == 1, err
}

func (t *tx) LoginFailed(ctx context.Context, id string, at time.Time, max int, lockFor time.Duration) (locked bool, err error) {
	defer errorf("login failed", &err)
	var failed int
	err = t.db.QueryRow(ctx, `UPDATE staff_users SET failed_logins = failed_logins + 1 WHERE id = $1 RETURNING failed_logins`, id).
		Scan(&failed)
	if err != nil {
		return false, t.notFound(err)
	}
	if failed < max {
		return false, nil
	}
	_, err = t.db.Exec(ctx, `UPDATE staff_users SET failed_logins = 0, locked_until = $2 WHERE id = $1`, id, micro(at.Add(lockFor)))
	return err == nil, err
}

func (t *tx) LoginSucceeded(ctx context.Context, id string, at time.Time) (err error) {
	defer errorf("login succeeded", &err)
	n, err := t.db.Exec(ctx, `UPDATE staff_users SET failed_logins = 0, last_login_at = $2 WHERE id = $1`, id, micro(at))
	return one(n, err, id)
}

func (t *tx) RecordLogin(ctx context.Context, a staff.LoginAttempt) (err error) {
	defer errorf("record login", &err)
	_, err = t.db.Exec(ctx, `INSERT INTO staff_logins (id, at, name, user_id, ip, outcome) VALUES ($1, $2, $3, $4, $5, $6)`,
		a.ID, micro(a.At), a.Name, a.UserID, a.IP, string(a.Outcome))
	return t.conflict(err)
}

func (t *tx) CreateSession(ctx context.Context, s staff.Session) (err error) {
	defer errorf("create session", &err)
	if _, err := t.db.Exec(ctx, `DELETE FROM staff_sessions WHERE expires_at < $1`, micro(s.CreatedAt)); err != nil {
		return err
	}
	_, err = t.db.Exec(ctx, `INSERT INTO staff_sessions (id, user_id, hash, stage, created_at, last_seen, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, s.ID, s.UserID, s.Hash, string(s.Stage), micro(s.CreatedAt), micro(s.LastSeen),
		micro(s.ExpiresAt))
	return t.conflict(err)
}

func (t *tx) TouchSession(ctx context.Context, id string, at time.Time) (err error) {
	defer errorf("touch session", &err)
	_, err = t.db.Exec(ctx, `UPDATE staff_sessions SET last_seen = $2 WHERE id = $1 AND last_seen < $2`, id, micro(at))
	return err
}

func (t *tx) DeleteSession(ctx context.Context, id string) (err error) {
	defer errorf("delete session", &err)
	_, err = t.db.Exec(ctx, `DELETE FROM staff_sessions WHERE id = $1`, id)
	return err
}

func (t *tx) DeleteSessions(ctx context.Context, userID string) (n int64, err error) {
	defer errorf("delete sessions", &err)
	return t.db.Exec(ctx, `DELETE FROM staff_sessions WHERE user_id = $1`, userID)
}

func (t *tx) PurgeLoginLog(ctx context.Context, before time.Time, limit int) (n int64, err error) {
	defer errorf("purge login log", &err)
	return t.db.Exec(ctx, `DELETE FROM staff_logins WHERE id IN (SELECT id FROM staff_logins WHERE at < $1 LIMIT $2)`,
		micro(before), limit)
}
