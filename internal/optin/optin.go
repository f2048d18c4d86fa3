// SPDX-License-Identifier: AGPL-3.0-only

// Package optin holds the rules of the double opt-in (C-04, C-07, C-08,
// C-12, C-13, M-04): a pending confirmation with a one-time code that the
// person sends from their own WhatsApp, and its expiry (RT-07).
package optin

import (
	"crypto/rand"
	"crypto/sha256"
	"strings"
	"time"
)

// DefaultTTL is how long an unconfirmed request waits before it is deleted (RT-07).
const DefaultTTL = 72 * time.Hour

// Confirmation is a pending opt-in: the purposes the person ticked, waiting
// for the code to come back from their number.
type Confirmation struct {
	ID          string
	ContactID   string
	CodeHash    []byte
	Purposes    []string
	Language    string
	CreatedAt   time.Time
	ExpiresAt   time.Time
	ConfirmedAt time.Time
}

// codeAlphabet leaves out letters and digits that are easily confused (0/O, 1/I/L).
const codeAlphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"

// NewCode makes a one-time code of six characters from codeAlphabet, always
// with at least one digit and one letter so that it reads as a code.
func NewCode() string {
	for {
		b := make([]byte, 6)
		if _, err := rand.Read(b); err != nil {
			panic("optin: no randomness: " + err.Error())
		}
		for i := range b {
			b[i] = codeAlphabet[int(b[i])%len(codeAlphabet)]
		}
		s := string(b)
		if strings.ContainsAny(s, "23456789") && strings.ContainsAny(s, "ABCDEFGHJKMNPQRSTUVWXYZ") {
			return s
		}
	}
}

// HashCode is how a code is stored and looked up: the code itself is never kept.
func HashCode(code string) []byte {
	sum := sha256.Sum256([]byte("samtykke-optin-code:" + strings.ToUpper(strings.TrimSpace(code))))
	return sum[:]
}
