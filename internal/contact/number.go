// SPDX-License-Identifier: AGPL-3.0-only

package contact

import (
	"strconv"
	"strings"
	"time"
)

// NumberChange is a new number waiting for its one-time code: it
// replaces the contact's number only once the code sent to it comes back, so
// that consents never move to a number whose holder did not confirm. The
// code itself is never stored: only its keyed hash.
type NumberChange struct {
	ID        string
	ContactID string
	PhoneCT   []byte // the new number, sealed under the contact's data key (AAD NumberAAD)
	// BlindIndex is the new number's blind index: the person may confirm by
	// writing the code from that number.
	BlindIndex []byte
	CodeHash   []byte
	Source     string // NumberByStaff or NumberByPlatform
	Tries      int    // wrong codes given so far
	CreatedAt  time.Time
	ExpiresAt  time.Time
}

// Who asked for a number change.
const (
	NumberByStaff    = "staff"    // staff, for the person (POST /contacts/{id}/number)
	NumberByPlatform = "platform" // the platform's user_changed_number system message
)

// The rules of a number change's code.
const (
	// CodeTTL is how long a code works.
	CodeTTL = 24 * time.Hour
	// MaxCodeTries is how many wrong codes end a number change: a code of six
	// characters out of 31 cannot be guessed in so few.
	MaxCodeTries = 5
)

// NumberAAD binds the sealed new number to its contact.
func NumberAAD(contactID string) []byte { return AAD(contactID, "new_phone") }

// Usable reports whether the change may still be confirmed at now: not
// expired, and not ended by too many wrong codes.
func (n NumberChange) Usable(now time.Time) bool {
	return now.Before(n.ExpiresAt) && n.Tries < MaxCodeTries
}

// codeAlphabet is the opt-in code's: no 0/O, 1/I/L.
const codeAlphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"

// NumberCode is the one-time code of the number change id, made with a
// keyed MAC (a vault's LinkMAC): the code is a secret of the master key and
// the change, so the database needs to keep no more than its hash, and the
// job that sends it makes it again. Six characters of codeAlphabet, with a
// digit and a letter, as an opt-in code.
func NumberCode(mac func(payload string) []byte, changeID string) string {
	for i := 0; ; i++ {
		b := mac("samtykke-number-change:" + changeID + ":" + strconv.Itoa(i))
		code := make([]byte, 6)
		for j := range code {
			code[j] = codeAlphabet[int(b[j])%len(codeAlphabet)]
		}
		s := string(code)
		if strings.ContainsAny(s, "23456789") && strings.ContainsAny(s, "ABCDEFGHJKMNPQRSTUVWXYZ") {
			return s
		}
	}
}

// CodePayload prefixes the code in the quick reply of the number template.
const CodePayload = "NUMBER:"

// CodeIn finds a number change code in what a person wrote: the code
// alone, or after "JA"/"YES" ("JA K7M2QX"), in any case, with spaces and a
// closing full stop or exclamation mark around it; or the quick reply's
// payload. It reports false for anything else.
func CodeIn(text string) (string, bool) {
	if code, ok := strings.CutPrefix(text, CodePayload); ok {
		return checkCode(strings.ToUpper(strings.TrimSpace(code)))
	}
	words := strings.Fields(strings.ToUpper(text))
	if len(words) == 2 && (words[0] == "JA" || words[0] == "YES") {
		words = words[1:]
	}
	if len(words) != 1 {
		return "", false
	}
	return checkCode(strings.TrimRight(words[0], ".!"))
}

func checkCode(s string) (string, bool) {
	if len(s) != 6 {
		return "", false
	}
	for i := range len(s) {
		if strings.IndexByte(codeAlphabet, s[i]) < 0 {
			return "", false
		}
	}
	if !strings.ContainsAny(s, "23456789") {
		return "", false // a word such as "HALLOE" is no code
	}
	return s, true
}
