// SPDX-License-Identifier: AGPL-3.0-only

package httpx

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strconv"
	"strings"
	"time"
)

// CSRF signs and checks the tokens of forms: "<unix time>.<mac>", the MAC
// being HMAC-SHA256(Key, action, issue time[, binding]) cut to 16 bytes.
// The public pages bind a token to nothing but its form's action (they set
// no cookie, see internal/web/csrf.go); the admin UI binds it to the
// session as well, so that a token is no use to anyone but the session it
// was given to. Key is the same on every replica (the vault's CSRF key).
type CSRF struct {
	Key []byte
	// MaxAge is how long a token is accepted; Skew how far in the future
	// its time may lie (replicas' clocks).
	MaxAge, Skew time.Duration
}

// ErrCSRF is a token that is missing, altered, for another form or another
// session, or too old.
var ErrCSRF = errors.New("missing, mismatched or stale CSRF token")

// csrfB64 decodes strictly: a last character whose unused bits are not
// zero is refused, so that each token has one spelling and its MAC covers
// every bit of it.
var csrfB64 = base64.RawURLEncoding.Strict()

func (c CSRF) mac(action, issued, bind string) []byte {
	m := hmac.New(sha256.New, c.Key)
	m.Write([]byte("samtykke-csrf/v2\x00" + action + "\x00" + issued))
	if bind != "" {
		m.Write([]byte("\x00" + bind))
	}
	return m.Sum(nil)[:16]
}

// Token is the token of a form posting to action, bound to bind (empty:
// to nothing else), issued at at.
func (c CSRF) Token(action, bind string, at time.Time) string {
	issued := strconv.FormatInt(at.Unix(), 10)
	return issued + "." + csrfB64.EncodeToString(c.mac(action, issued, bind))
}

// Check checks a token posted to action under bind at now; ErrCSRF when it
// does not hold.
func (c CSRF) Check(action, bind, token string, now time.Time) error {
	issued, mac, ok := strings.Cut(token, ".")
	if !ok {
		return ErrCSRF
	}
	sec, err := strconv.ParseInt(issued, 10, 64)
	if err != nil || strconv.FormatInt(sec, 10) != issued {
		return ErrCSRF
	}
	got, err := csrfB64.DecodeString(mac)
	if err != nil || !hmac.Equal(got, c.mac(action, issued, bind)) {
		return ErrCSRF
	}
	at := time.Unix(sec, 0)
	if now.Sub(at) > c.MaxAge || at.Sub(now) > c.Skew {
		return ErrCSRF
	}
	return nil
}
