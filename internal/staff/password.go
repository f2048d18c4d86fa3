// SPDX-License-Identifier: AGPL-3.0-only

package staff

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
)

// Argon2Params are argon2id's cost parameters (RFC 9106).
type Argon2Params struct {
	Memory  uint32 // KiB
	Time    uint32 // passes
	Threads uint8
}

// DefaultArgon2 is sized for a two-core server: 64 MiB, two passes, two
// lanes (RFC 9106's second option is 64 MiB, three passes and four lanes;
// two lanes fit two cores, and two passes keep a login short there):
// docs/security.md has its time a hash and the command that measures it
// (BenchmarkArgon2Default). Logins run at most two hashes at
// once (app.maxHashing), so memory stays at 128 MiB whatever the load.
var DefaultArgon2 = Argon2Params{Memory: 64 * 1024, Time: 2, Threads: 2}

const (
	saltLen = 16
	keyLen  = 32
	// MinPassword and MaxPassword bound a password's length, in characters
	// and in bytes: long enough to resist guessing, short enough that no one
	// makes the server hash megabytes.
	MinPassword = 12
	MaxPassword = 1024
)

// ErrPasswordPolicy is wrapped by CheckPassword's refusals.
var ErrPasswordPolicy = errors.New("password refused")

// CheckPassword applies the password policy: at least MinPassword
// characters, at most MaxPassword bytes, valid UTF-8, and neither the user
// name nor containing it.
func CheckPassword(name, password string) error {
	switch {
	case !utf8.ValidString(password):
		return fmt.Errorf("%w: it is not valid UTF-8", ErrPasswordPolicy)
	case utf8.RuneCountInString(password) < MinPassword:
		return fmt.Errorf("%w: at least %d characters are required", ErrPasswordPolicy, MinPassword)
	case len(password) > MaxPassword:
		return fmt.Errorf("%w: at most %d bytes", ErrPasswordPolicy, MaxPassword)
	case name != "" && strings.Contains(strings.ToLower(password), strings.ToLower(name)):
		return fmt.Errorf("%w: it must not be or contain the user name", ErrPasswordPolicy)
	}
	return nil
}

// HashPassword hashes a password with argon2id under p and a fresh salt, as
// a self-describing PHC string: $argon2id$v=19$m=65536,t=2,p=2$salt$hash.
func HashPassword(password string, p Argon2Params) string {
	salt := make([]byte, saltLen)
	if _, err := rand.Read(salt); err != nil {
		panic("staff: no randomness: " + err.Error())
	}
	key := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, keyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.Memory, p.Time, p.Threads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key))
}

// ErrHashFormat is a stored hash that is not an argon2id PHC string this
// package can read.
var ErrHashFormat = errors.New("not an argon2id hash")

// parsePHC reads a PHC string made by HashPassword.
func parsePHC(phc string) (p Argon2Params, salt, key []byte, err error) {
	parts := strings.Split(phc, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" || parts[2] != fmt.Sprintf("v=%d", argon2.Version) {
		return p, nil, nil, ErrHashFormat
	}
	var threads uint32
	if n, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &threads); err != nil || n != 3 ||
		fmt.Sprintf("m=%d,t=%d,p=%d", p.Memory, p.Time, threads) != parts[3] {
		return p, nil, nil, ErrHashFormat
	}
	// Bounds against a stored hash that would make a login take the
	// server's memory or minutes (the database is not trusted with that).
	if p.Memory < 8*1024 || p.Memory > 1024*1024 || p.Time < 1 || p.Time > 10 || threads < 1 || threads > 16 {
		return p, nil, nil, ErrHashFormat
	}
	p.Threads = uint8(threads)
	if salt, err = base64.RawStdEncoding.Strict().DecodeString(parts[4]); err != nil || len(salt) < 8 {
		return p, nil, nil, ErrHashFormat
	}
	if key, err = base64.RawStdEncoding.Strict().DecodeString(parts[5]); err != nil || len(key) < 16 || len(key) > 64 {
		return p, nil, nil, ErrHashFormat
	}
	return p, salt, key, nil
}

// VerifyPassword reports whether password matches the PHC string, comparing
// in constant time; ErrHashFormat when the string is not one it can read.
func VerifyPassword(phc, password string) (bool, error) {
	p, salt, key, err := parsePHC(phc)
	if err != nil {
		return false, err
	}
	if len(password) > MaxPassword {
		return false, nil
	}
	got := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, uint32(len(key)))
	return subtle.ConstantTimeCompare(got, key) == 1, nil
}

// NeedsRehash reports whether a stored hash was made with parameters other
// than p, so that a successful login may store a fresh one.
func NeedsRehash(phc string, p Argon2Params) bool {
	got, _, _, err := parsePHC(phc)
	return err != nil || got != p
}
