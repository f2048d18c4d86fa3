// SPDX-License-Identifier: AGPL-3.0-only

package staff

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"
)

// User is a staff account of the admin UI: a person with a role, a
// password (argon2id, password.go) and, for a role that may reveal numbers,
// a TOTP second factor (totp.go).
type User struct {
	ID   string
	Name string // the login: lower case, a short name or an e-mail address
	Role Role
	// PasswordHash is the argon2id PHC string; never the password.
	PasswordHash string
	// TOTPSealed is the TOTP secret sealed under the vault (nil: none);
	// TOTPConfirmedAt is when a first code proved it set up (zero: an
	// enrolment that waits for its first code).
	TOTPSealed      []byte
	TOTPConfirmedAt time.Time
	// TOTPStep is the last step a code was accepted for: a code is used once.
	TOTPStep    int64
	CreatedAt   time.Time
	DisabledAt  time.Time // zero: active
	LastLoginAt time.Time // zero: never
	// FailedLogins counts failed logins since the last success or lockout;
	// LockedUntil, when after now, refuses every login (Lockout).
	FailedLogins int
	LockedUntil  time.Time
}

// HasTOTP reports whether the user's second factor is set up and confirmed.
func (u User) HasTOTP() bool { return u.TOTPSealed != nil && !u.TOTPConfirmedAt.IsZero() }

// Locked reports whether logins are refused at now.
func (u User) Locked(now time.Time) bool { return now.Before(u.LockedUntil) }

// Disabled reports whether the account is disabled.
func (u User) Disabled() bool { return !u.DisabledAt.IsZero() }

// NeedsTOTP reports whether a role must log in with a second factor: every
// role that may see a number in clear (S-02: two factors for those who can
// reveal personal data).
func NeedsTOTP(r Role) bool { return r.Can(RevealNumbers) }

// Lockout: after MaxFailures failed logins in a row (a wrong password or a
// wrong code) an account refuses every login for LockFor, on every replica
// (the count is a column of the user's row).
const (
	MaxFailures = 5
	LockFor     = 15 * time.Minute
)

// ErrUserName is wrapped by CheckName's refusals.
var ErrUserName = errors.New("user name refused")

// CheckName normalises a login name to lower case and checks it: 2 to 100
// characters of letters, digits and . _ @ + -, as a short name or an
// e-mail address.
func CheckName(name string) (string, error) {
	name = strings.ToLower(strings.TrimSpace(name))
	if len(name) < 2 || len(name) > 100 {
		return "", fmt.Errorf("%w: 2 to 100 characters", ErrUserName)
	}
	for _, c := range name {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || strings.ContainsRune("._@+-", c)) {
			return "", fmt.Errorf("%w: only letters a-z, digits and . _ @ + - are allowed", ErrUserName)
		}
	}
	return name, nil
}

// Session stages: a session is of use only at Full; the others wait for
// the second factor (a code, or the enrolment of one).
type Stage string

// The stages.
const (
	StageFull  Stage = "full"
	StageTOTP  Stage = "totp"  // the password was right; the code is due
	StageEnrol Stage = "enrol" // the password was right; the role needs a second factor set up first
)

// Session lifetimes: a full session ends after IdleTimeout without a
// request and at MaxSessionAge whatever happens; one waiting for its second
// factor ends after PendingTimeout.
const (
	IdleTimeout    = 30 * time.Minute
	MaxSessionAge  = 12 * time.Hour
	PendingTimeout = 5 * time.Minute
)

// Session is a logged-in browser as stored: the hash of its secret (the
// cookie), never the secret.
type Session struct {
	ID        string
	UserID    string
	Hash      []byte
	Stage     Stage
	CreatedAt time.Time
	LastSeen  time.Time
	ExpiresAt time.Time // absolute
}

// Live reports whether the session is usable at now: before its absolute
// expiry and, when full, within IdleTimeout of its last request.
func (s Session) Live(now time.Time) bool {
	if !now.Before(s.ExpiresAt) {
		return false
	}
	return s.Stage != StageFull || now.Sub(s.LastSeen) < IdleTimeout
}

// sessionPrefix marks samtykke session secrets, as tokenPrefix marks tokens.
const sessionPrefix = "sts_"

// NewSession makes a session's secret (the cookie's value) and its hash.
func NewSession() (secret string, hash []byte) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic("staff: no randomness: " + err.Error())
	}
	secret = sessionPrefix + base64.RawURLEncoding.EncodeToString(b)
	return secret, HashSecret(secret)
}

// Outcome is how a login attempt ended, as the login log records it.
type Outcome string

// The outcomes.
const (
	LoginOK          Outcome = "ok"            // a full session was opened
	LoginPassword    Outcome = "password_ok"   // the password was right; the second factor is due
	LoginBadPassword Outcome = "bad_password"  // wrong password, or no such user
	LoginBadCode     Outcome = "bad_code"      // wrong, reused or missing TOTP code
	LoginLocked      Outcome = "locked"        // refused unchecked: the account is locked
	LoginLockedNow   Outcome = "locked_now"    // this failure locked the account
	LoginDisabled    Outcome = "disabled"      // the account is disabled
	LoginRateLimited Outcome = "rate_limited"  // too many attempts from the address
	LoginEnrolled    Outcome = "totp_enrolled" // a second factor was set up and a full session opened
	Logout           Outcome = "logout"
)

// LoginAttempt is one entry of the login log, which the DPO reads: who
// tried (the name typed; the user's id when there is such a user), from
// where, when and how it ended. Never a password or a code.
type LoginAttempt struct {
	ID      string    `json:"id"`
	At      time.Time `json:"at"`
	Name    string    `json:"name"`
	UserID  string    `json:"user_id,omitempty"`
	IP      string    `json:"ip"`
	Outcome Outcome   `json:"outcome"`
}
