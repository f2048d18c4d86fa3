// SPDX-License-Identifier: AGPL-3.0-only

package staff

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1" //nolint:gosec // RFC 6238's default HMAC, the one every authenticator app reads
	"encoding/base32"
	"encoding/binary"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// TOTP, RFC 6238: HMAC-SHA1, a 30-second step, six digits, and a code of
// the step before or after accepted for clocks that drift. A code is used
// at most once: a login records the step it used, and a later code must be
// of a later step (TOTPCheck).
const (
	TOTPPeriod    = 30 * time.Second
	TOTPDigits    = 6
	TOTPSkew      = 1  // steps either side
	totpSecretLen = 20 // 160 bits, as RFC 4226 recommends
)

var b32 = base32.StdEncoding.WithPadding(base32.NoPadding)

// NewTOTPSecret makes a fresh random secret.
func NewTOTPSecret() []byte {
	b := make([]byte, totpSecretLen)
	if _, err := rand.Read(b); err != nil {
		panic("staff: no randomness: " + err.Error())
	}
	return b
}

// TOTPStep is the time step that at falls in.
func TOTPStep(at time.Time) int64 { return at.Unix() / int64(TOTPPeriod/time.Second) }

// TOTPCode is the code of a step (RFC 4226 §5.3, dynamic truncation).
func TOTPCode(secret []byte, step int64) string {
	var msg [8]byte
	binary.BigEndian.PutUint64(msg[:], uint64(step))
	m := hmac.New(sha1.New, secret)
	m.Write(msg[:])
	sum := m.Sum(nil)
	off := sum[len(sum)-1] & 0x0f
	bin := binary.BigEndian.Uint32(sum[off:off+4]) & 0x7fffffff
	return fmt.Sprintf("%06d", bin%1_000_000)
}

// TOTPCheck checks a code at now: it returns the step the code is of, and
// true, when it is the code of the current step or one either side and that
// step is after used (the last step a code was accepted for: a code cannot
// be used twice, nor an older one after a newer). Spaces in the code are
// ignored.
func TOTPCheck(secret []byte, code string, now time.Time, used int64) (int64, bool) {
	code = strings.ReplaceAll(code, " ", "")
	if len(code) != TOTPDigits {
		return 0, false
	}
	cur := TOTPStep(now)
	match, found := int64(0), false
	for step := cur - TOTPSkew; step <= cur+TOTPSkew; step++ {
		// Every step is compared, in constant time, whatever matched.
		if hmac.Equal([]byte(TOTPCode(secret, step)), []byte(code)) && step > used {
			match, found = step, true
		}
	}
	return match, found
}

// TOTPURI is the otpauth:// URI an authenticator app reads (as a QR code or
// typed in): issuer and account name the entry.
func TOTPURI(issuer, account string, secret []byte) string {
	q := url.Values{"secret": {b32.EncodeToString(secret)}, "issuer": {issuer}, "algorithm": {"SHA1"},
		"digits": {fmt.Sprint(TOTPDigits)}, "period": {fmt.Sprint(int(TOTPPeriod / time.Second))}}
	label := url.PathEscape(issuer + ":" + account)
	return "otpauth://totp/" + label + "?" + q.Encode()
}

// TOTPGroups is the secret in base32, in groups of four for typing by hand.
func TOTPGroups(secret []byte) string {
	s := b32.EncodeToString(secret)
	var groups []string
	for len(s) > 4 {
		groups = append(groups, s[:4])
		s = s[4:]
	}
	return strings.Join(append(groups, s), " ")
}
